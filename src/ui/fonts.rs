//! Fonts: egui's defaults for Latin, then the bundled Noto Sans SC subset for Chinese, then
//! a system CJK font, when one is found, for characters outside the subset.

use std::sync::Arc;

use egui::{FontData, FontDefinitions, FontFamily};

/// The bundled Noto Sans CJK SC subset (OFL, see `assets/fonts/OFL.txt`).
pub const NOTO_SANS_SC: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Pledger.otf");

/// System fonts tried, in order, for characters the bundled subset lacks.
const SYSTEM_CJK_FONTS: [&str; 6] = [
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simsun.ttc",
];

/// egui's fonts with the bundled Chinese font as fallback, and a system font after it when
/// `system_fallback` and one is installed.
pub fn font_definitions(system_fallback: bool) -> FontDefinitions {
    let mut fonts = FontDefinitions::default();
    fonts.font_data.insert(
        "noto-sans-sc".to_owned(),
        Arc::new(FontData::from_static(NOTO_SANS_SC)),
    );
    let mut names = vec!["noto-sans-sc".to_owned()];
    if system_fallback
        && let Some(bytes) = SYSTEM_CJK_FONTS
            .iter()
            .find_map(|path| std::fs::read(path).ok())
    {
        fonts.font_data.insert(
            "system-cjk".to_owned(),
            Arc::new(FontData::from_owned(bytes)),
        );
        names.push("system-cjk".to_owned());
    }
    for family in [FontFamily::Proportional, FontFamily::Monospace] {
        let list = fonts.families.entry(family).or_default();
        list.extend(names.iter().cloned());
    }
    fonts
}
