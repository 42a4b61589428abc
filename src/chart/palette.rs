//! The one palette: every colour of the desktop app and of the exported charts.

/// An opaque sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
}

impl Rgb {
    /// A colour from its three channels.
    pub const fn new(r: u8, g: u8, b: u8) -> Rgb {
        Rgb { r, g, b }
    }

    /// `#1f4e79`, as SVG and CSS write it.
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// Slice colours, in reference-list order; a list longer than this wraps around.
pub const SERIES: [Rgb; 10] = [
    Rgb::new(0x1f, 0x4e, 0x79), // deep blue
    Rgb::new(0xe0, 0x8a, 0x1e), // amber
    Rgb::new(0x3a, 0x9a, 0x6b), // green
    Rgb::new(0xc0, 0x3b, 0x3b), // brick red
    Rgb::new(0x6f, 0x5b, 0xa7), // violet
    Rgb::new(0x2b, 0x9c, 0xc4), // sky blue
    Rgb::new(0xa0, 0x7a, 0x4f), // earth
    Rgb::new(0xd4, 0x6f, 0xa8), // pink
    Rgb::new(0x7c, 0x9a, 0x2d), // olive
    Rgb::new(0x4d, 0x6d, 0x8a), // slate
];

/// The organisation's own co-funding part.
pub const OWN: Rgb = Rgb::new(0x1f, 0x4e, 0x79);
/// The partners' part of the co-funding composition.
pub const PARTNERS: Rgb = Rgb::new(0xe0, 0x8a, 0x1e);
/// The slice grouping the smaller ones ("3 smaller"): a neutral grey, darker than the
/// unassigned one.
pub const SMALLER: Rgb = Rgb::new(0x8c, 0x8c, 0x8c);
/// Amounts with no partner type, region or theme.
pub const UNASSIGNED: Rgb = Rgb::new(0xb4, 0xb4, 0xb4);
/// Body text.
pub const TEXT: Rgb = Rgb::new(0x22, 0x22, 0x22);
/// Secondary text: subtitles, notes, axis labels.
pub const MUTED: Rgb = Rgb::new(0x66, 0x66, 0x66);
/// Rules and table lines.
pub const RULE: Rgb = Rgb::new(0xd0, 0xd0, 0xd0);
/// The empty track under a bar.
pub const RULE_LIGHT: Rgb = Rgb::new(0xf0, 0xf0, 0xf0);
/// Page and chart background.
pub const BACKGROUND: Rgb = Rgb::new(0xff, 0xff, 0xff);
/// A highlighted (hovered or selected) element's outline.
pub const HIGHLIGHT: Rgb = Rgb::new(0x11, 0x11, 0x11);
/// Errors in forms and import previews.
pub const ERROR: Rgb = Rgb::new(0xc0, 0x3b, 0x3b);
/// Warnings in import previews.
pub const WARNING: Rgb = Rgb::new(0xe0, 0x8a, 0x1e);
/// A rising figure in a tile.
pub const UP: Rgb = Rgb::new(0x2e, 0x7d, 0x32);
/// A falling figure in a tile.
pub const DOWN: Rgb = Rgb::new(0xc0, 0x3b, 0x3b);

/// The asked (nominal) part of a pipeline bar.
pub const PIPELINE_ASKED: Rgb = Rgb::new(0xb9, 0xcf, 0xe4);
/// The weighted part of a pipeline bar.
pub const PIPELINE_WEIGHTED: Rgb = Rgb::new(0x1f, 0x4e, 0x79);

/// The colour of the `index`-th entry of a reference list.
pub fn series(index: usize) -> Rgb {
    SERIES[index % SERIES.len()]
}
