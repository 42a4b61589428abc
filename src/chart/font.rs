//! The one bundled font and the text measuring and line breaking that every export shares,
//! so a label wraps at the same place in the SVG, the PNG and the PDF.

use std::sync::OnceLock;

/// The bundled font: a Noto Sans CJK SC subset (Latin and GB2312 Chinese), never a system font.
pub static FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Pledger.otf");

/// The family name the SVG writer asks for; the bundled font answers to it.
pub const FONT_FAMILY: &str = "Noto Sans CJK SC";

/// Advance widths of the bundled font, in font units, read once.
struct Metrics {
    units_per_em: u16,
    face: ttf_parser::Face<'static>,
}

fn metrics() -> Option<&'static Metrics> {
    static METRICS: OnceLock<Option<Metrics>> = OnceLock::new();
    METRICS
        .get_or_init(|| {
            let face = ttf_parser::Face::parse(FONT_BYTES, 0).ok()?;
            Some(Metrics {
                units_per_em: face.units_per_em(),
                face,
            })
        })
        .as_ref()
}

/// Whether the bundled font draws `c` (not its empty "notdef" box).
pub fn has_glyph(c: char) -> bool {
    c.is_whitespace() || metrics().is_some_and(|m| m.face.glyph_index(c).is_some())
}

/// The width of `text` set in the bundled font at `size` (in the caller's unit: px or pt).
#[allow(clippy::float_arithmetic, reason = "text layout geometry")]
pub fn text_width(text: &str, size: f64) -> f64 {
    let Some(m) = metrics() else {
        // No font data: a generous estimate, so layout still leaves room.
        return text.chars().count() as f64 * size;
    };
    let units: u32 = text
        .chars()
        .map(|c| {
            m.face
                .glyph_index(c)
                .and_then(|g| m.face.glyph_hor_advance(g))
                .map_or(u32::from(m.units_per_em), u32::from)
        })
        .sum();
    f64::from(units) * size / f64::from(m.units_per_em.max(1))
}

/// Chinese, Japanese and Korean characters, which may break a line before or after them.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2e80}'..='\u{9fff}' | '\u{ac00}'..='\u{d7a3}' | '\u{f900}'..='\u{faff}'
        | '\u{fe30}'..='\u{fe4f}' | '\u{ff00}'..='\u{ffef}')
}

/// Punctuation that must not start a line (it stays with the character before it).
fn no_break_before(c: char) -> bool {
    "，。、；：！？）》」』】〕…％,.;:!?)]}%".contains(c)
}

/// Punctuation that must not end a line (it stays with the character after it).
fn no_break_after(c: char) -> bool {
    "（《「『【〔([{".contains(c)
}

/// The text cut into unbreakable pieces: English words with their trailing space, and
/// each Chinese character (with punctuation kept on the right side).
fn pieces(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let break_here = match prev {
            None => false,
            Some(p) => {
                !no_break_before(c)
                    && !no_break_after(p)
                    && (p == ' ' && c != ' ' || is_cjk(c) || is_cjk(p))
            }
        };
        if break_here && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        current.push(c);
        prev = Some(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Breaks `text` into lines no wider than `max_width` at `size`: English between words,
/// Chinese between characters; a word longer than a line is cut between characters.
#[allow(clippy::float_arithmetic, reason = "text layout geometry")]
pub fn wrap(text: &str, size: f64, max_width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for piece in pieces(paragraph) {
            let candidate = format!("{line}{piece}");
            if line.is_empty() || text_width(candidate.trim_end(), size) <= max_width {
                line = candidate;
            } else {
                lines.push(line.trim_end().to_owned());
                line = piece;
            }
            // A single piece wider than the line: cut it between characters.
            while text_width(line.trim_end(), size) > max_width && line.chars().count() > 1 {
                let mut head = String::new();
                for c in line.chars() {
                    if !head.is_empty() && text_width(&format!("{head}{c}"), size) > max_width {
                        break;
                    }
                    head.push(c);
                }
                let rest = line.get(head.len()..).unwrap_or_default().to_owned();
                lines.push(head);
                line = rest;
            }
        }
        lines.push(line.trim_end().to_owned());
    }
    lines
}

/// Like [`wrap`], but at most `max_lines` lines; the last one ends with "…" when text was
/// left out.
pub fn wrap_clipped(text: &str, size: f64, max_width: f64, max_lines: usize) -> Vec<String> {
    let mut lines = wrap(text, size, max_width);
    if lines.len() <= max_lines.max(1) {
        return lines;
    }
    lines.truncate(max_lines.max(1));
    if let Some(last) = lines.last_mut() {
        let mut clipped = last.trim_end().to_owned();
        while !clipped.is_empty() && text_width(&format!("{clipped}…"), size) > max_width {
            clipped.pop();
        }
        *last = format!("{}…", clipped.trim_end());
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_font_covers_latin_and_chinese() {
        for c in "Partner 联合国系统组织（不包括国际电联）%·…".chars() {
            assert!(has_glyph(c), "{c}");
        }
        assert!(text_width("MIIT", 10.0) > 10.0);
        // Chinese glyphs are one em wide.
        assert!((text_width("联合国", 10.0) - 30.0).abs() < 0.5);
    }

    #[test]
    fn english_breaks_between_words_and_chinese_between_characters() {
        let lines = wrap(
            "Ministry of Industry and Information Technology",
            10.0,
            120.0,
        );
        assert!(lines.len() > 1, "{lines:?}");
        assert!(lines.iter().all(|l| text_width(l, 10.0) <= 120.0));
        assert_eq!(
            lines.join(" "),
            "Ministry of Industry and Information Technology"
        );
        let zh = wrap("联合国系统组织（不包括国际电联）", 10.0, 45.0);
        assert_eq!(zh.first().map(String::as_str), Some("联合国系"));
        // The opening bracket goes to the next line with its character; the closing one
        // stays on the line of the character before it.
        assert!(
            zh.iter()
                .all(|l| !l.starts_with('）') && !l.ends_with('（'))
        );
        assert_eq!(zh.concat(), "联合国系统组织（不包括国际电联）");
    }

    #[test]
    fn clipping_ends_with_an_ellipsis() {
        let lines = wrap_clipped("联合国系统组织（不包括国际电联）", 10.0, 45.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'), "{lines:?}");
        assert!(text_width(&lines[1], 10.0) <= 45.0);
    }
}
