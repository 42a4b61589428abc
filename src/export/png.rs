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
#[allow(
    clippy::float_arithmetic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    reason = "pixel geometry"
)]
pub fn svg_to_png(svg: &str, size: PngSize) -> Result<Vec<u8>, ExportError> {
    let tree = parse_svg(svg)?;
    let natural = tree.size();
    let scale = match size {
        PngSize::WidthPx(px) => px as f32 / natural.width(),
        PngSize::Dpi(dpi) => dpi as f32 / 96.0,
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
    pixmap
        .encode_png()
        .map_err(|e| ExportError::Encode(e.to_string()))
}
