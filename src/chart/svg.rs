//! The SVG writer of the chart model: a pie as a donut with its legend, the top-partners
//! table. PNG and PDF exports render these same SVGs, so every output shows the same chart.
//!
//! Layout is done in a fixed coordinate space [`LAYOUT_WIDTH`] units wide (a `viewBox`);
//! the requested width only scales it, so a chart looks the same at every size.

use std::fmt::Write;

use super::font::{FONT_FAMILY, text_width, wrap_clipped};
use super::palette::{self, Rgb};
use super::{DONUT_HOLE, PieChart, PipelineChart, TopTable, donut_outline};

/// The width of the layout space, in SVG user units.
pub const LAYOUT_WIDTH: f64 = 640.0;

/// What is under the chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Background {
    /// The palette's page colour (white).
    #[default]
    White,
    /// Nothing: the chart sits on whatever it is placed on.
    Transparent,
}

/// How to write a chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SvgOptions {
    /// The `width` of the SVG, in px; the height follows the layout.
    pub width_px: u32,
    /// White or transparent.
    pub background: Background,
}

impl Default for SvgOptions {
    fn default() -> SvgOptions {
        SvgOptions {
            width_px: 640,
            background: Background::White,
        }
    }
}

const MARGIN: f64 = 20.0;
const TITLE_SIZE: f64 = 20.0;
const SUBTITLE_SIZE: f64 = 13.0;
const LABEL_SIZE: f64 = 13.0;
const SMALL_SIZE: f64 = 11.5;
const LINE: f64 = 1.3;

/// Escapes text for SVG content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// A number as SVG writes it: two decimals at most, no trailing zeros, no `-0`.
#[allow(clippy::float_arithmetic, reason = "chart geometry")]
fn num(x: f64) -> String {
    let rounded = (x * 100.0).round() / 100.0;
    let text = format!("{rounded:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

enum Anchor {
    Start,
    Middle,
    End,
}

/// An SVG document being written, in layout units.
struct Doc {
    body: String,
}

impl Doc {
    fn new() -> Doc {
        Doc {
            body: String::new(),
        }
    }

    fn text(&mut self, x: f64, y: f64, size: f64, color: Rgb, anchor: Anchor, text: &str) {
        if text.is_empty() {
            return;
        }
        let anchor = match anchor {
            Anchor::Start => "",
            Anchor::Middle => r#" text-anchor="middle""#,
            Anchor::End => r#" text-anchor="end""#,
        };
        let _ = writeln!(
            self.body,
            r#"<text x="{}" y="{}" font-size="{}" fill="{}"{anchor}>{}</text>"#,
            num(x),
            num(y),
            num(size),
            color.hex(),
            escape(text)
        );
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, color: Rgb) {
        let _ = writeln!(
            self.body,
            r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{}"/>"#,
            num(x),
            num(y),
            num(w),
            num(h),
            color.hex()
        );
    }

    fn line(&mut self, x1: f64, y: f64, x2: f64, color: Rgb, width: f64) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="{}"/>"#,
            num(x1),
            num(y),
            num(x2),
            num(y),
            color.hex(),
            num(width)
        );
    }

    /// The finished SVG: `height` layout units tall, `options.width_px` wide.
    #[allow(clippy::float_arithmetic, reason = "chart geometry")]
    fn finish(self, height: f64, options: SvgOptions, title: &str) -> String {
        let scale = f64::from(options.width_px.max(1)) / LAYOUT_WIDTH;
        // Whole pixels, and a view box of exactly the same shape, so nothing is letterboxed.
        let height_px = (height * scale).ceil().max(1.0);
        let mut out = String::with_capacity(self.body.len() + 512);
        let _ = writeln!(
            out,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{}" height="{}" viewBox="0 0 {} {}" preserveAspectRatio="xMinYMin meet" font-family="{FONT_FAMILY}">"#,
            options.width_px.max(1),
            num(height_px),
            num(LAYOUT_WIDTH),
            num(height_px / scale)
        );
        let _ = writeln!(out, "<title>{}</title>", escape(title));
        if options.background == Background::White {
            let _ = writeln!(
                out,
                r#"<rect width="100%" height="100%" fill="{}"/>"#,
                palette::BACKGROUND.hex()
            );
        }
        out.push_str(&self.body);
        out.push_str("</svg>\n");
        out
    }

    /// Title and subtitle; returns the y below them.
    #[allow(clippy::float_arithmetic, reason = "chart geometry")]
    fn heading(&mut self, title: &str, subtitle: &str) -> f64 {
        let width = LAYOUT_WIDTH - 2.0 * MARGIN;
        let mut y = MARGIN;
        for line in wrap_clipped(title, TITLE_SIZE, width, 2) {
            y += TITLE_SIZE;
            self.text(MARGIN, y, TITLE_SIZE, palette::TEXT, Anchor::Start, &line);
            y += TITLE_SIZE * (LINE - 1.0);
        }
        y += SUBTITLE_SIZE + 2.0;
        self.text(
            MARGIN,
            y,
            SUBTITLE_SIZE,
            palette::MUTED,
            Anchor::Start,
            subtitle,
        );
        y + 16.0
    }
}

/// The pie as a donut with its legend (label, amount, percentage), or the chart's
/// empty-period text when it has no slices.
#[allow(clippy::float_arithmetic, reason = "chart geometry")]
pub fn pie_svg(chart: &PieChart, options: SvgOptions) -> String {
    let mut doc = Doc::new();
    let top = doc.heading(&chart.title, &chart.subtitle);
    let outer = 110.0;
    let inner = outer * DONUT_HOLE;
    let legend_x = MARGIN + 2.0 * outer + 44.0;
    let legend_right = LAYOUT_WIDTH - MARGIN;

    // The legend: a swatch, the label (wrapped to two lines at most), the percentage on
    // the right, the amount below the label.
    let swatch = 12.0;
    let label_x = legend_x + swatch + 8.0;
    let percent_width = text_width("100.0%", LABEL_SIZE) + 8.0;
    let label_width = legend_right - label_x - percent_width;
    let mut blocks = Vec::with_capacity(chart.slices.len());
    let mut legend_height = 0.0;
    for slice in &chart.slices {
        let lines = wrap_clipped(&slice.label, LABEL_SIZE, label_width, 2);
        // The group of the smaller ones lists what it holds, under its amount.
        let held = slice
            .members
            .iter()
            .map(|m| format!("{} {}", m.label, m.percent_text))
            .collect::<Vec<_>>()
            .join(" · ");
        let held = if held.is_empty() {
            Vec::new()
        } else {
            wrap_clipped(&held, SMALL_SIZE, legend_right - label_x, 4)
        };
        let height = lines.len() as f64 * LABEL_SIZE * LINE
            + (1 + held.len()) as f64 * SMALL_SIZE * LINE
            + 8.0;
        legend_height += height;
        blocks.push((slice, lines, held, height));
    }
    // The donut sits beside the middle of a legend taller than itself.
    let center = (
        MARGIN + outer + 10.0,
        top + (outer + 4.0).max(legend_height / 2.0),
    );

    if chart.slices.is_empty() {
        let _ = writeln!(
            doc.body,
            r#"<circle cx="{}" cy="{}" r="{}" fill="none" stroke="{}" stroke-width="{}"/>"#,
            num(center.0),
            num(center.1),
            num((outer + inner) / 2.0),
            palette::RULE.hex(),
            num(outer - inner)
        );
        let mut y = center.1 - LABEL_SIZE;
        for line in wrap_clipped(
            &chart.empty_text,
            LABEL_SIZE + 2.0,
            legend_right - legend_x,
            3,
        ) {
            y += (LABEL_SIZE + 2.0) * LINE;
            doc.text(
                legend_x,
                y,
                LABEL_SIZE + 2.0,
                palette::TEXT,
                Anchor::Start,
                &line,
            );
        }
        let height = center.1 + outer + MARGIN;
        return doc.finish(height, options, &chart.title);
    }

    for slice in &chart.slices {
        let points = donut_outline(
            center,
            outer,
            inner,
            slice.start_turn,
            slice.end_turn,
            1.0 / 360.0,
        );
        let mut d = String::with_capacity(points.len() * 16);
        for (i, (x, y)) in points.iter().enumerate() {
            let _ = write!(
                d,
                "{}{} {}",
                if i == 0 { "M" } else { " L" },
                num(*x),
                num(*y)
            );
        }
        d.push_str(" Z");
        let _ = writeln!(
            doc.body,
            r#"<path d="{d}" fill="{}" stroke="{}" stroke-width="1.5" stroke-linejoin="round"/>"#,
            slice.color.hex(),
            palette::BACKGROUND.hex()
        );
    }
    // Large slices carry their percentage on the ring.
    for slice in &chart.slices {
        if let Some((x, y)) = slice.percent_label_at(center, outer, inner) {
            doc.text(
                x,
                y + SMALL_SIZE * 0.35,
                SMALL_SIZE,
                palette::BACKGROUND,
                Anchor::Middle,
                &slice.percent_text,
            );
        }
    }
    // The total in the hole as a board figure ("6.4 M"), then its currency.
    let figure = &chart.total_figure;
    let total_size = if text_width(&figure.number, 18.0) > 2.0 * inner - 8.0 {
        13.0
    } else {
        18.0
    };
    doc.text(
        center.0,
        center.1 - 1.0,
        total_size,
        palette::TEXT,
        Anchor::Middle,
        &figure.number,
    );
    doc.text(
        center.0,
        center.1 + SMALL_SIZE + 5.0,
        SMALL_SIZE,
        palette::MUTED,
        Anchor::Middle,
        &figure.currency,
    );

    let mut y = (center.1 - legend_height / 2.0).max(top);
    for (slice, lines, held, height) in blocks {
        doc.rect(legend_x, y + 2.0, swatch, swatch, slice.color);
        let mut line_y = y;
        for line in &lines {
            line_y += LABEL_SIZE;
            doc.text(
                label_x,
                line_y,
                LABEL_SIZE,
                palette::TEXT,
                Anchor::Start,
                line,
            );
            line_y += LABEL_SIZE * (LINE - 1.0);
        }
        doc.text(
            legend_right,
            y + LABEL_SIZE,
            LABEL_SIZE,
            palette::TEXT,
            Anchor::End,
            &slice.percent_text,
        );
        doc.text(
            label_x,
            line_y + SMALL_SIZE,
            SMALL_SIZE,
            palette::MUTED,
            Anchor::Start,
            &slice.amount_text,
        );
        for (k, line) in held.iter().enumerate() {
            doc.text(
                label_x,
                line_y + SMALL_SIZE + (k + 1) as f64 * SMALL_SIZE * LINE,
                SMALL_SIZE,
                palette::MUTED,
                Anchor::Start,
                line,
            );
        }
        y += height;
    }
    let height = (center.1 + outer).max(y) + MARGIN;
    doc.finish(height, options, &chart.title)
}

/// The top-partners table: rank, partner, type, amount, share; long names wrap.
#[allow(clippy::float_arithmetic, reason = "chart geometry")]
pub fn table_svg(table: &TopTable, options: SvgOptions) -> String {
    let mut doc = Doc::new();
    let mut y = doc.heading(&table.title, &table.subtitle);
    let right = LAYOUT_WIDTH - MARGIN;
    // Column left edges (the last two are right-aligned at the next edge).
    let rank_x = MARGIN;
    let partner_x = MARGIN + 40.0;
    let type_x = partner_x + 250.0;
    let amount_right = right - 70.0;
    let share_right = right;
    let partner_width = type_x - partner_x - 12.0;
    let type_width = amount_right - 100.0 - type_x;

    let [rank_h, partner_h, type_h, amount_h, share_h] = &table.headers;
    y += LABEL_SIZE;
    doc.text(rank_x, y, LABEL_SIZE, palette::MUTED, Anchor::Start, rank_h);
    doc.text(
        partner_x,
        y,
        LABEL_SIZE,
        palette::MUTED,
        Anchor::Start,
        partner_h,
    );
    doc.text(type_x, y, LABEL_SIZE, palette::MUTED, Anchor::Start, type_h);
    doc.text(
        amount_right,
        y,
        LABEL_SIZE,
        palette::MUTED,
        Anchor::End,
        amount_h,
    );
    doc.text(
        share_right,
        y,
        LABEL_SIZE,
        palette::MUTED,
        Anchor::End,
        share_h,
    );
    y += 8.0;
    doc.line(MARGIN, y, right, palette::TEXT, 1.0);

    if table.rows.is_empty() {
        y += (LABEL_SIZE + 2.0) * 2.0;
        doc.text(
            MARGIN,
            y,
            LABEL_SIZE + 2.0,
            palette::TEXT,
            Anchor::Start,
            &table.empty_text,
        );
        return doc.finish(y + MARGIN, options, &table.title);
    }

    for [rank, partner, kind, amount, share] in &table.rows {
        let partner_lines = wrap_clipped(partner, LABEL_SIZE, partner_width, 3);
        let type_lines = wrap_clipped(kind, SMALL_SIZE, type_width, 3);
        let first = y + 8.0 + LABEL_SIZE;
        doc.text(
            rank_x,
            first,
            LABEL_SIZE,
            palette::TEXT,
            Anchor::Start,
            rank,
        );
        let mut line_y = first;
        for line in &partner_lines {
            doc.text(
                partner_x,
                line_y,
                LABEL_SIZE,
                palette::TEXT,
                Anchor::Start,
                line,
            );
            line_y += LABEL_SIZE * LINE;
        }
        let mut type_y = first;
        for line in &type_lines {
            doc.text(
                type_x,
                type_y,
                SMALL_SIZE,
                palette::MUTED,
                Anchor::Start,
                line,
            );
            type_y += SMALL_SIZE * LINE;
        }
        doc.text(
            amount_right,
            first,
            LABEL_SIZE,
            palette::TEXT,
            Anchor::End,
            amount,
        );
        doc.text(
            share_right,
            first,
            LABEL_SIZE,
            palette::TEXT,
            Anchor::End,
            share,
        );
        y = line_y.max(type_y) - LABEL_SIZE + 8.0;
        doc.line(MARGIN, y, right, palette::RULE, 0.8);
    }
    doc.finish(y + MARGIN, options, &table.title)
}

/// The pipeline by stage: per stage its name and count, the asked amount as a light bar
/// with its weighted part dark inside it, both amounts at the right; the totals and a note
/// on missing rates below.
#[allow(clippy::float_arithmetic, reason = "chart geometry")]
pub fn pipeline_svg(chart: &PipelineChart, options: SvgOptions) -> String {
    let mut doc = Doc::new();
    let mut y = doc.heading(&chart.title, &chart.subtitle);
    let right = LAYOUT_WIDTH - MARGIN;
    let label_width = 170.0;
    let amounts_width = 130.0;
    let bar_x = MARGIN + label_width;
    let bar_width = right - amounts_width - 10.0 - bar_x;
    let [asked, weighted] = chart.colors;
    // The legend.
    let mut x = MARGIN;
    for (text, color) in chart.legend.iter().zip([asked, weighted]) {
        doc.rect(x, y, 12.0, 12.0, color);
        doc.text(
            x + 18.0,
            y + 11.0,
            SMALL_SIZE,
            palette::TEXT,
            Anchor::Start,
            text,
        );
        x += 18.0 + text_width(text, SMALL_SIZE) + 24.0;
    }
    y += 24.0;
    if chart.is_empty() {
        y += LABEL_SIZE + 2.0;
        doc.text(
            MARGIN,
            y,
            LABEL_SIZE + 2.0,
            palette::TEXT,
            Anchor::Start,
            &chart.empty_text,
        );
        return doc.finish(y + MARGIN, options, &chart.title);
    }
    let row = 36.0;
    for bar in &chart.bars {
        let label = format!("{} ({})", bar.label, bar.count);
        let lines = wrap_clipped(&label, LABEL_SIZE, label_width - 10.0, 1);
        doc.text(
            MARGIN,
            y + 20.0,
            LABEL_SIZE,
            palette::TEXT,
            Anchor::Start,
            lines.first().map_or("", String::as_str),
        );
        doc.rect(bar_x, y + 6.0, bar_width, 20.0, palette::RULE_LIGHT);
        if bar.nominal_fraction > 0.0 {
            doc.rect(
                bar_x,
                y + 6.0,
                bar_width * bar.nominal_fraction,
                20.0,
                asked,
            );
        }
        if bar.weighted_fraction > 0.0 {
            doc.rect(
                bar_x,
                y + 10.0,
                bar_width * bar.weighted_fraction,
                12.0,
                weighted,
            );
        }
        doc.text(
            right,
            y + 15.0,
            LABEL_SIZE,
            palette::TEXT,
            Anchor::End,
            &bar.weighted_text,
        );
        doc.text(
            right,
            y + 29.0,
            SMALL_SIZE,
            palette::MUTED,
            Anchor::End,
            &bar.nominal_text,
        );
        y += row;
    }
    doc.line(MARGIN, y + 2.0, right, palette::RULE, 0.8);
    y += 6.0;
    let total = |m: Option<i128>| {
        m.map_or_else(|| "—".to_owned(), |m| super::amount_text(m, chart.currency))
    };
    let summary = format!(
        "Σ {} · {} {} · {} {}",
        chart.open_count,
        chart.legend[0],
        total(chart.nominal_total_minor),
        chart.legend[1],
        total(chart.weighted_total_minor)
    );
    for line in wrap_clipped(&summary, SMALL_SIZE, right - MARGIN, 2) {
        y += SMALL_SIZE * LINE;
        doc.text(MARGIN, y, SMALL_SIZE, palette::TEXT, Anchor::Start, &line);
    }
    for line in wrap_clipped(&chart.note, SMALL_SIZE, right - MARGIN, 3) {
        y += SMALL_SIZE * LINE;
        doc.text(MARGIN, y, SMALL_SIZE, palette::MUTED, Anchor::Start, &line);
    }
    doc.finish(y + MARGIN, options, &chart.title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_stable() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(1.005_1), "1.01");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(12.5), "12.5");
    }

    #[test]
    fn long_legend_labels_wrap_to_two_lines_then_end_with_an_ellipsis() {
        use crate::chart::{ChartKind, PieSlice};
        let long = "联合国系统组织（不包括国际电联）".repeat(3);
        let slice = |label: &str, start: f64, end: f64| PieSlice {
            key: "k".into(),
            label: label.into(),
            amount_minor: 100,
            amount_text: "1.00".into(),
            percent_tenths: 500,
            percent_text: "50.0%".into(),
            color: palette::series(0),
            start_turn: start,
            end_turn: end,
            members: Vec::new(),
        };
        let chart = PieChart {
            kind: ChartKind::PartnerType,
            title: "按伙伴类型分列的捐款".into(),
            subtitle: "2021Q1 · USD".into(),
            total_text: "2.00".into(),
            total_figure: crate::domain::board_figure(
                200,
                crate::domain::Currency::USD,
                crate::domain::FigureLocale::Zh,
                crate::domain::FigureStyle::Compact,
            ),
            currency: "USD".parse().unwrap(),
            slices: vec![slice(&long, 0.0, 0.5), slice("A & B", 0.5, 1.0)],
            empty_text: String::new(),
        };
        let svg = pie_svg(&chart, SvgOptions::default());
        let lines: Vec<&str> = svg
            .lines()
            .filter(|l| l.contains("联合") || l.contains("…"))
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].contains("…</text>"), "{lines:?}");
        assert!(svg.contains(">A &amp; B</text>"));
        assert_eq!(svg.matches("<path").count(), 2);
    }

    #[test]
    fn a_pipeline_draws_one_bar_pair_per_stage_with_its_amounts() {
        use crate::chart::{PipelineBar, PipelineChart};
        use crate::domain::Stage;
        let bar = |stage, count, f: f64| PipelineBar {
            stage,
            label: format!("{stage:?}"),
            count,
            nominal_minor: Some(100),
            weighted_minor: Some(50),
            nominal_text: "1.00".into(),
            weighted_text: "0.50".into(),
            nominal_fraction: f,
            weighted_fraction: f / 2.0,
        };
        let chart = PipelineChart {
            title: "Pipeline by stage".into(),
            subtitle: "as of 2022-06-01 · USD".into(),
            as_of: chrono::NaiveDate::from_ymd_opt(2022, 6, 1).unwrap(),
            currency: "USD".parse().unwrap(),
            bars: vec![
                bar(Stage::Identified, 2, 1.0),
                bar(Stage::Contacted, 0, 0.0),
            ],
            legend: ["Asked".into(), "Weighted".into()],
            colors: [palette::PIPELINE_ASKED, palette::PIPELINE_WEIGHTED],
            open_count: 2,
            nominal_total_minor: Some(100),
            weighted_total_minor: None,
            overdue_count: 0,
            note: "Totals leave out EUR/USD".into(),
            empty_text: "No open deals".into(),
        };
        let svg = pipeline_svg(&chart, SvgOptions::default());
        assert!(svg.contains(">Identified (2)</text>"), "{svg}");
        assert!(svg.contains(">Contacted (0)</text>"));
        let asked = format!("fill=\"{}\"", palette::PIPELINE_ASKED.hex());
        // The legend's swatch and the one bar that has an amount.
        assert_eq!(svg.matches(&asked).count(), 2);
        assert!(svg.contains("Weighted —"), "{svg}");
        assert!(svg.contains("EUR/USD"));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(
            escape("Foreign, Commonwealth & <Development>"),
            "Foreign, Commonwealth &amp; &lt;Development&gt;"
        );
    }
}
