//! A renderer-neutral chart model: the pies and the top-partners table of a report, with
//! their slices, angles, colours, labels and legend. The desktop app paints this model, the
//! SVG writer writes it, and PNG and PDF exports are made from that SVG, so every output
//! shows the same chart.

pub mod font;
pub mod palette;
pub mod pipeline;
pub mod svg;

use crate::domain::{
    BoardFigure, Currency, FigureLocale, FigureStyle, Lang, ListKind, ReferenceLists, board_figure,
    group_thousands, minor_to_decimal,
};
use crate::report::{Report, Slice, tenths_text};

pub use palette::Rgb;
pub use pipeline::{PipelineBar, PipelineChart, PipelineFigures, stage_label};

/// The charts of the advisory-group report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChartKind {
    /// Own part against partners' part.
    Cofunding,
    /// Partners' contributions by partner type.
    PartnerType,
    /// By region of implementation.
    Region,
    /// By thematic priority.
    Theme,
    /// The largest funders, as a table.
    TopPartners,
    /// The open deals by stage (not in [`ChartKind::ALL`]: it is not a chart of the
    /// period's report, and `pledger export png` does not draw it).
    Pipeline,
}

impl ChartKind {
    /// Every chart, in the report's order.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::Cofunding,
        ChartKind::PartnerType,
        ChartKind::Region,
        ChartKind::Theme,
        ChartKind::TopPartners,
    ];

    /// The four pies, in the report's order.
    pub const PIES: [ChartKind; 4] = [
        ChartKind::Cofunding,
        ChartKind::PartnerType,
        ChartKind::Region,
        ChartKind::Theme,
    ];

    /// The name used on the command line and in file names: `partner-type`.
    pub fn slug(&self) -> &'static str {
        match self {
            ChartKind::Cofunding => "cofunding",
            ChartKind::PartnerType => "partner-type",
            ChartKind::Region => "region",
            ChartKind::Theme => "theme",
            ChartKind::TopPartners => "top-partners",
            ChartKind::Pipeline => "pipeline",
        }
    }

    /// The chart's title in `lang`.
    pub fn title(&self, lang: Lang) -> &'static str {
        match (self, lang) {
            (ChartKind::Cofunding, Lang::En) => "Co-funding composition",
            (ChartKind::Cofunding, Lang::Zh) => "联合供资构成",
            (ChartKind::PartnerType, Lang::En) => "Contributions by partner type",
            (ChartKind::PartnerType, Lang::Zh) => "按伙伴类型分列的捐款",
            (ChartKind::Region, Lang::En) => "Contributions by region",
            (ChartKind::Region, Lang::Zh) => "按区域分列的捐款",
            (ChartKind::Theme, Lang::En) => "Contributions by thematic priority",
            (ChartKind::Theme, Lang::Zh) => "按专题优先事项分列的捐款",
            (ChartKind::TopPartners, Lang::En) => "Top funding partners",
            (ChartKind::TopPartners, Lang::Zh) => "主要供资伙伴",
            (ChartKind::Pipeline, Lang::En) => "Pipeline by stage",
            (ChartKind::Pipeline, Lang::Zh) => "按阶段分列的筹资渠道",
        }
    }
}

impl std::str::FromStr for ChartKind {
    type Err = String;
    fn from_str(s: &str) -> Result<ChartKind, String> {
        ChartKind::ALL
            .into_iter()
            .find(|k| k.slug() == s.trim())
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a chart: use {}",
                    ChartKind::ALL.map(|k| k.slug()).join(", ")
                )
            })
    }
}

/// What a chart says when its period has no financial contribution.
pub fn empty_text(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "No financial contributions in this period",
        Lang::Zh => "本期没有财务捐款",
    }
}

/// `1,800,000.00` in the reporting currency's own digits.
pub fn amount_text(amount_minor: i128, currency: Currency) -> String {
    group_thousands(&minor_to_decimal(amount_minor, currency))
}

/// `28.1%` from tenths of a percent.
pub fn percent_text(tenths: u32) -> String {
    format!("{}%", tenths_text(tenths))
}

/// One slice of a pie, with its place on the circle.
#[derive(Clone, Debug, PartialEq)]
pub struct PieSlice {
    /// Reference-list key (`government`), `own`/`partners`, or `unassigned`.
    pub key: String,
    /// Label in the chart's language.
    pub label: String,
    /// Amount in reporting-currency minor units.
    pub amount_minor: i128,
    /// `1,800,000.00`.
    pub amount_text: String,
    /// Displayed percentage in tenths; a pie's slices add to 1000.
    pub percent_tenths: u32,
    /// `28.1%`.
    pub percent_text: String,
    /// Fill colour.
    pub color: Rgb,
    /// Where the slice starts, in turns clockwise from twelve o'clock (0..1).
    pub start_turn: f64,
    /// Where it ends, in turns (start < end <= 1).
    pub end_turn: f64,
    /// For the slice of the smaller ones grouped ("3 smaller"), what it holds, largest
    /// first; empty for any other slice.
    pub members: Vec<PieSlice>,
}

/// The key of the slice that groups the smaller ones: no reference-list key is written so.
pub const SMALLER_KEY: &str = "(smaller)";

/// The label of the slice grouping `n` smaller ones: no entry of a list can be taken for
/// it.
pub fn smaller_label(lang: Lang, n: usize) -> String {
    match lang {
        Lang::En => format!("{n} smaller"),
        Lang::Zh => format!("其余{n}项"),
    }
}

/// A slice from this share (tenths of a percent) on carries its percentage on the ring.
pub const PERCENT_LABEL_FROM_TENTHS: u32 = 100;

impl PieSlice {
    /// Where the slice's percentage goes on a ring of `outer` and `inner` radii around
    /// `center` (its middle, half-way across the ring), when the slice is large enough to
    /// carry it ([`PERCENT_LABEL_FROM_TENTHS`]).
    #[allow(clippy::float_arithmetic, reason = "chart geometry")]
    pub fn percent_label_at(
        &self,
        center: (f64, f64),
        outer: f64,
        inner: f64,
    ) -> Option<(f64, f64)> {
        if self.percent_tenths < PERCENT_LABEL_FROM_TENTHS {
            return None;
        }
        let angle = self.mid_turn() * std::f64::consts::TAU;
        let r = (outer + inner) / 2.0;
        Some((center.0 + r * angle.sin(), center.1 - r * angle.cos()))
    }

    /// The middle of the slice, in turns: where its label or highlight goes.
    #[allow(
        clippy::float_arithmetic,
        reason = "chart geometry; money stays integer"
    )]
    pub fn mid_turn(&self) -> f64 {
        (self.start_turn + self.end_turn) / 2.0
    }
}

/// A pie (drawn as a donut) of one breakdown of a report.
#[derive(Clone, Debug, PartialEq)]
pub struct PieChart {
    /// Which breakdown.
    pub kind: ChartKind,
    /// Title in the chart's language.
    pub title: String,
    /// `2021Q1 · USD`.
    pub subtitle: String,
    /// The breakdown's total, `6,400,000.00`.
    pub total_text: String,
    /// The same as a board figure, for the donut's hole: `6.4 M` over `USD`.
    pub total_figure: BoardFigure,
    /// The reporting currency.
    pub currency: Currency,
    /// Slices by amount, largest first, clockwise from twelve o'clock, the smaller ones
    /// grouped last; empty when nothing to draw.
    pub slices: Vec<PieSlice>,
    /// Shown instead of the pie when there are no slices.
    pub empty_text: String,
}

/// Inner radius of the donut as a fraction of the outer one.
pub const DONUT_HOLE: f64 = 0.55;

#[allow(
    clippy::float_arithmetic,
    reason = "chart geometry; money stays integer"
)]
impl PieChart {
    /// The pie of `kind` (not [`ChartKind::TopPartners`]) for `report`, labelled in `lang`;
    /// colours follow each entry's place in its reference list, so a region keeps its
    /// colour from one period to the next. Slices under `group_under_tenths` of the total
    /// (tenths of a percent; 0 groups none) are grouped, when two or more are.
    pub fn from_report(
        kind: ChartKind,
        report: &Report,
        lists: &ReferenceLists,
        lang: Lang,
        group_under_tenths: u32,
    ) -> PieChart {
        let (source, list): (&[Slice], Option<ListKind>) = match kind {
            ChartKind::Cofunding => (&report.cofunding, None),
            ChartKind::PartnerType => (&report.by_partner_type, Some(ListKind::PartnerType)),
            ChartKind::Region => (&report.by_region, Some(ListKind::Region)),
            ChartKind::Theme => (&report.by_theme, Some(ListKind::Theme)),
            ChartKind::TopPartners | ChartKind::Pipeline => (&[], None),
        };
        let color = |index: usize, key: &str| match list {
            None if key == "own" => palette::OWN,
            None if index == 0 => palette::OWN,
            None => palette::PARTNERS,
            Some(kind) => lists
                .list(kind)
                .iter()
                .position(|e| e.key == key)
                .map_or(palette::UNASSIGNED, palette::series),
        };
        let total: i128 = source.iter().map(|s| s.amount_minor).sum();
        // Largest first (ties in list order); each keeps its list's colour.
        let mut order: Vec<usize> = (0..source.len()).collect();
        order.sort_by(|&a, &b| {
            source[b]
                .amount_minor
                .cmp(&source[a].amount_minor)
                .then(a.cmp(&b))
        });
        let slice_of = |i: usize| -> PieSlice {
            let s = &source[i];
            PieSlice {
                key: s.key.clone(),
                label: s.label(lang).to_owned(),
                amount_minor: s.amount_minor,
                amount_text: amount_text(s.amount_minor, report.currency),
                percent_tenths: s.percent_tenths,
                percent_text: percent_text(s.percent_tenths),
                color: color(i, &s.key),
                start_turn: 0.0,
                end_turn: 0.0,
                members: Vec::new(),
            }
        };
        // Slices whose exact share is under the threshold are grouped, when two or more
        // are; the group's percentage is the sum of theirs, so the legend adds to 100.0.
        let small = |s: &Slice| {
            group_under_tenths > 0
                && s.share.part.saturating_mul(1000)
                    < i128::from(group_under_tenths).saturating_mul(s.share.whole)
        };
        let grouped = order.iter().filter(|&&i| small(&source[i])).count() >= 2;
        let mut shown: Vec<PieSlice> = Vec::with_capacity(source.len());
        let mut members: Vec<PieSlice> = Vec::new();
        for &i in &order {
            if grouped && small(&source[i]) {
                members.push(slice_of(i));
            } else {
                shown.push(slice_of(i));
            }
        }
        if !members.is_empty() {
            let amount_minor: i128 = members.iter().map(|m| m.amount_minor).sum();
            let percent_tenths: u32 = members.iter().map(|m| m.percent_tenths).sum();
            shown.push(PieSlice {
                key: SMALLER_KEY.to_owned(),
                label: smaller_label(lang, members.len()),
                amount_minor,
                amount_text: amount_text(amount_minor, report.currency),
                percent_tenths,
                percent_text: percent_text(percent_tenths),
                color: palette::SMALLER,
                start_turn: 0.0,
                end_turn: 0.0,
                members,
            });
        }
        let mut slices = Vec::with_capacity(shown.len());
        if total > 0 {
            let mut before = 0i128;
            for mut s in shown {
                s.start_turn = turns(before, total);
                before += s.amount_minor;
                s.end_turn = turns(before, total);
                slices.push(s);
            }
        }
        PieChart {
            kind,
            title: kind.title(lang).to_owned(),
            subtitle: format!("{} · {}", report.period.label(), report.currency),
            total_text: amount_text(total, report.currency),
            total_figure: board_figure(
                total,
                report.currency,
                FigureLocale::from(lang),
                FigureStyle::Compact,
            ),
            currency: report.currency,
            slices,
            empty_text: empty_text(lang).to_owned(),
        }
    }

    /// The four pies of a report, in the report's order.
    pub fn all(
        report: &Report,
        lists: &ReferenceLists,
        lang: Lang,
        group_under_tenths: u32,
    ) -> Vec<PieChart> {
        ChartKind::PIES
            .iter()
            .map(|&k| PieChart::from_report(k, report, lists, lang, group_under_tenths))
            .collect()
    }

    /// The slice under a point at `turn` (clockwise from twelve o'clock) and `radius`
    /// (as a fraction of the outer radius), if any.
    pub fn slice_at(&self, turn: f64, radius: f64) -> Option<usize> {
        if !(DONUT_HOLE..=1.0).contains(&radius) {
            return None;
        }
        let turn = turn.rem_euclid(1.0);
        self.slices
            .iter()
            .position(|s| s.start_turn <= turn && turn < s.end_turn)
    }
}

/// `part / whole` as a fraction of a turn, for drawing only.
#[allow(
    clippy::float_arithmetic,
    clippy::cast_precision_loss,
    reason = "chart geometry; money stays integer"
)]
fn turns(part: i128, whole: i128) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64).clamp(0.0, 1.0)
}

/// The outline of a donut slice as a closed polygon: the outer arc clockwise from
/// `start_turn` to `end_turn`, then the inner arc back. Points are `(x, y)` with y growing
/// downwards, as on screens, SVG and PDF pages after their flip. Arcs are split so no
/// segment spans more than `max_step_turn`.
#[allow(
    clippy::float_arithmetic,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "chart geometry"
)]
pub fn donut_outline(
    center: (f64, f64),
    outer: f64,
    inner: f64,
    start_turn: f64,
    end_turn: f64,
    max_step_turn: f64,
) -> Vec<(f64, f64)> {
    let span = (end_turn - start_turn).max(0.0);
    let steps = ((span / max_step_turn.max(1e-4)).ceil() as usize).max(1);
    let point = |turn: f64, r: f64| {
        let angle = turn * std::f64::consts::TAU;
        (center.0 + r * angle.sin(), center.1 - r * angle.cos())
    };
    let mut points = Vec::with_capacity(2 * steps + 2);
    for i in 0..=steps {
        points.push(point(start_turn + span * i as f64 / steps as f64, outer));
    }
    for i in (0..=steps).rev() {
        points.push(point(start_turn + span * i as f64 / steps as f64, inner));
    }
    points
}

/// The top-partners table of a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopTable {
    /// Title in the table's language.
    pub title: String,
    /// `2021Q1 · USD`.
    pub subtitle: String,
    /// Rank, partner, type, amount, share.
    pub headers: [String; 5],
    /// One row per partner, largest first.
    pub rows: Vec<[String; 5]>,
    /// Shown instead of rows when the period has no contribution.
    pub empty_text: String,
}

impl TopTable {
    /// The table of `report`'s top partners in `lang`.
    pub fn from_report(report: &Report, lists: &ReferenceLists, lang: Lang) -> TopTable {
        let headers = match lang {
            Lang::En => ["#", "Partner", "Type", "Amount", "Share"],
            Lang::Zh => ["排名", "伙伴", "类型", "金额", "份额"],
        };
        let rows = report
            .top_partners
            .iter()
            .map(|p| {
                [
                    p.rank.to_string(),
                    p.display_name(lang).to_owned(),
                    lists
                        .label(ListKind::PartnerType, &p.partner_type, lang)
                        .to_owned(),
                    amount_text(p.amount_minor, report.currency),
                    format!("{}%", p.share.percent_text()),
                ]
            })
            .collect();
        TopTable {
            title: ChartKind::TopPartners.title(lang).to_owned(),
            subtitle: format!("{} · {}", report.period.label(), report.currency),
            headers: headers.map(str::to_owned),
            rows,
            empty_text: empty_text(lang).to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outline_closes_on_the_inner_arc() {
        let pts = donut_outline((0.0, 0.0), 1.0, 0.5, 0.0, 0.25, 0.05);
        let first = pts.first().copied().unwrap();
        assert!(
            (first.0).abs() < 1e-9 && (first.1 + 1.0).abs() < 1e-9,
            "{first:?}"
        );
        let last = pts.last().copied().unwrap();
        assert!(
            (last.0).abs() < 1e-9 && (last.1 + 0.5).abs() < 1e-9,
            "{last:?}"
        );
        // A quarter turn clockwise from twelve o'clock ends at three o'clock.
        let outer_end = pts[pts.len() / 2 - 1];
        assert!((outer_end.0 - 1.0).abs() < 1e-9, "{outer_end:?}");
    }

    #[test]
    fn kinds_round_trip_their_slugs() {
        for k in ChartKind::ALL {
            assert_eq!(k.slug().parse::<ChartKind>().unwrap(), k);
        }
        assert!("pie".parse::<ChartKind>().is_err());
    }
}
