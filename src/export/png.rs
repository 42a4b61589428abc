//! SVG to PNG with resvg, drawing text only with the bundled font.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use super::ExportError;
use crate::chart::font::{FONT_BYTES, FONT_FAMILY};

/// How large a PNG to draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PngSize {
    /// This many pixels wide; the height follows the chart.
    WidthPx(u32),
    /// This many dots per inch, the SVG's own size being at 96 dpi.
    Dpi(u32),
    /// A slide of exactly this many pixels (1920x1080): the chart as large as fits inside
    /// a margin of a twentieth of the height, centred, on white unless `transparent`.
    Slide {
        /// Width, px.
        width_px: u32,
        /// Height, px.
        height_px: u32,
        /// Whether the slide's background is left transparent.
        transparent: bool,
    },
}

impl PngSize {
    /// `1920x1080` as a slide's size.
    pub fn parse_slide(text: &str, transparent: bool) -> Option<PngSize> {
        let (w, h) = text.trim().split_once(['x', 'X', '×'])?;
        let (width_px, height_px) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
        ((1..=MAX_SIDE_PX).contains(&width_px) && (1..=MAX_SIDE_PX).contains(&height_px)).then_some(
            PngSize::Slide {
                width_px,
                height_px,
                transparent,
            },
        )
    }
}

/// The largest side of a PNG, in px: beyond it a request is a mistake.
pub const MAX_SIDE_PX: u32 = 20_000;

/// A font database holding only the bundled font, built once.
pub fn font_database() -> Arc<fontdb::Database> {
    static DB: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_font_data(FONT_BYTES.to_vec());
        db.set_sans_serif_family(FONT_FAMILY);
        Arc::new(db)
    })
    .clone()
}

/// Parses an SVG with the bundled font as its only font.
pub fn parse_svg(svg: &str) -> Result<usvg::Tree, ExportError> {
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: font_database(),
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options).map_err(|e| ExportError::Svg(e.to_string()))
}

/// Renders `svg` to PNG bytes at `size`. The background is whatever the SVG draws: the
/// chart writer's white rectangle, or nothing (transparent).
pub fn svg_to_png(svg: &str, size: PngSize) -> Result<Vec<u8>, ExportError> {
    render(svg, size)?
        .encode_png()
        .map_err(|e| ExportError::Encode(e.to_string()))
}

/// An image as rows of straight (not premultiplied) RGBA bytes, for the clipboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgba {
    /// Width, px.
    pub width_px: u32,
    /// Height, px.
    pub height_px: u32,
    /// `width_px * height_px * 4` bytes, row by row.
    pub bytes: Vec<u8>,
}

/// Renders `svg` at `size` as the PNG would be, as RGBA pixels.
pub fn svg_to_rgba(svg: &str, size: PngSize) -> Result<Rgba, ExportError> {
    let pixmap = render(svg, size)?;
    let bytes = pixmap
        .pixels()
        .iter()
        .flat_map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect();
    Ok(Rgba {
        width_px: pixmap.width(),
        height_px: pixmap.height(),
        bytes,
    })
}

/// Renders `svg` at `size` into a pixmap.
#[allow(
    clippy::float_arithmetic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "pixel geometry"
)]
fn render(svg: &str, size: PngSize) -> Result<Pixmap, ExportError> {
    let tree = parse_svg(svg)?;
    let natural = tree.size();
    let scale = match size {
        PngSize::WidthPx(px) => px as f32 / natural.width(),
        PngSize::Dpi(dpi) => dpi as f32 / 96.0,
        PngSize::Slide {
            width_px,
            height_px,
            transparent,
        } => return render_slide(&tree, width_px, height_px, transparent),
    };
    let width = (natural.width() * scale).round();
    let height = (natural.height() * scale).ceil();
    if !(1.0..=MAX_SIDE_PX as f32).contains(&width) || !(1.0..=MAX_SIDE_PX as f32).contains(&height)
    {
        return Err(ExportError::Size(format!(
            "a {width}x{height} px image is outside 1..{MAX_SIDE_PX} px"
        )));
    }
    let mut pixmap = Pixmap::new(width as u32, height as u32)
        .ok_or_else(|| ExportError::Size(format!("cannot allocate {width}x{height} px")))?;
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}

/// A slide of exactly `width_px` by `height_px`: the chart as large as fits inside a margin
/// of a twentieth of the height, centred, on white unless `transparent`.
#[allow(clippy::float_arithmetic, reason = "pixel geometry")]
fn render_slide(
    tree: &usvg::Tree,
    width_px: u32,
    height_px: u32,
    transparent: bool,
) -> Result<Pixmap, ExportError> {
    let natural = tree.size();
    let mut pixmap = Pixmap::new(width_px, height_px)
        .ok_or_else(|| ExportError::Size(format!("cannot allocate {width_px}x{height_px} px")))?;
    if !transparent {
        pixmap.fill(resvg::tiny_skia::Color::WHITE);
    }
    let margin = height_px as f32 / 20.0;
    let scale = ((width_px as f32 - 2.0 * margin) / natural.width())
        .min((height_px as f32 - 2.0 * margin) / natural.height())
        .max(0.01);
    let dx = (width_px as f32 - natural.width() * scale) / 2.0;
    let dy = (height_px as f32 - natural.height() * scale) / 2.0;
    resvg::render(
        tree,
        Transform::from_row(scale, 0.0, 0.0, scale, dx, dy),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap)
}
