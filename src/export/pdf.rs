//! The advisory-group report as a PDF (krilla): title and period, the headline paragraph in
//! the report's own words, the four charts and the top-partners table as vectors (the same
//! SVGs as the PNG export, through krilla-svg), an annex of every agreement of the period
//! flowing across pages, notes, and page numbers. Text is real text in the bundled font,
//! embedded as a subset with its Unicode map, so it can be searched and copied.
//!
//! The wording and the page layout come from a [`Template`]; the default one is
//! `assets/report/template.toml`.

use std::collections::BTreeMap;

use chrono::Datelike;
use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Size, Transform};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla_svg::{SurfaceExt, SvgSettings};
use serde::Deserialize;

use super::png::parse_svg;
use super::{ExportError, ReportData};
use crate::chart::font::{FONT_BYTES, text_width, wrap};
use crate::chart::svg::{SvgOptions, pie_svg, pipeline_svg, table_svg};
use crate::chart::{PieChart, PipelineChart, Rgb, TopTable, amount_text, empty_text, palette};
use crate::domain::{
    Currency, FigureLocale, FigureStyle, Lang, ListKind, Period, PeriodKind, board_figure,
};

/// The default template: `assets/report/template.toml`.
pub const DEFAULT_TEMPLATE: &str = include_str!("../../assets/report/template.toml");

/// Paper sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Paper {
    /// 210 x 297 mm.
    #[default]
    A4,
    /// 8.5 x 11 in.
    Letter,
}

impl Paper {
    /// Width and height in PDF points.
    pub fn size_pt(&self) -> (f64, f64) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

impl std::str::FromStr for Paper {
    type Err = String;
    fn from_str(s: &str) -> Result<Paper, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Paper::A4),
            "letter" => Ok(Paper::Letter),
            other => Err(format!("'{other}' is not a paper size: use a4 or letter")),
        }
    }
}

/// Page layout of the report.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Layout {
    /// Margin on every side, in mm.
    pub margin_mm: f64,
    /// Title size, pt.
    pub title_pt: f64,
    /// Section headings, pt.
    pub heading_pt: f64,
    /// Body text, pt.
    pub body_pt: f64,
    /// Annex, notes and page numbers, pt.
    pub small_pt: f64,
    /// Line height as a multiple of the text size.
    pub line_spacing: f64,
    /// Charts' width as a share of the text width.
    pub chart_width: f64,
}

/// The report's texts in one language; `{name}` placeholders are filled from the ledger.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Texts {
    /// Report title.
    pub title: String,
    /// Line under the title.
    pub subtitle: String,
    /// The opening sentence with the period's figures.
    pub headline: String,
    /// The opening sentence when nothing was contributed.
    pub headline_empty: String,
    /// Introduces the top partners.
    pub top_intro: String,
    /// One top partner.
    pub top_item: String,
    /// Heading of the charts.
    pub charts_heading: String,
    /// Heading of the top-partners table.
    pub top_heading: String,
    /// Heading of the annex.
    pub annex_heading: String,
    /// Annex columns: reference, signed, partner, region, contribution, converted.
    pub annex_columns: [String; 6],
    /// The annex of a period without agreements.
    pub annex_empty: String,
    /// Shown for an agreement without a financial contribution.
    pub non_financial: String,
    /// Heading of the notes.
    pub notes_heading: String,
    /// Ledger revision and date.
    pub note_ledger: String,
    /// Exchange rates used.
    pub note_rates: String,
    /// When no conversion was needed.
    pub note_no_rates: String,
    /// The rounding rule.
    pub note_rounding: String,
    /// Page numbers.
    pub page: String,
    /// Ordinal words of the four quarters.
    pub quarters: [String; 4],
    /// A quarter in words.
    pub quarter: String,
    /// A year in words.
    pub year: String,
    /// Month names.
    pub months: [String; 12],
    /// A month in words.
    pub month: String,
    /// A date range in words.
    pub range: String,
    /// Ignored: amounts are board figures ([`board_figure`]) in every output. Kept, with
    /// the five fields after it, so that templates written before still read.
    #[serde(default)]
    pub large_from: u64,
    /// Ignored (see `large_from`).
    #[serde(default)]
    pub large_unit: u64,
    /// Ignored (see `large_from`).
    #[serde(default)]
    pub large_decimals: u32,
    /// Ignored (see `large_from`).
    #[serde(default)]
    pub large: String,
    /// Ignored (see `large_from`).
    #[serde(default)]
    pub small: String,
    /// Ignored (see `large_from`).
    #[serde(default)]
    pub thousands: String,
    /// Ignored: currency names come with the board figures.
    #[serde(default)]
    pub currency_names: BTreeMap<String, String>,
    /// How this language writes figures; set from the section the texts come from.
    #[serde(skip)]
    pub locale: FigureLocale,
    /// Heading of the optional pipeline section (the chart's title when empty).
    #[serde(default)]
    pub pipeline_heading: String,
    /// The pipeline section's sentence: `{open}` deals, `{asked}` and `{weighted}` in
    /// words, `{overdue}` actions, as of `{date}` (none when empty).
    #[serde(default)]
    pub pipeline_summary: String,
}

/// The report's wording in both languages and its layout.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Template {
    /// Page layout.
    pub layout: Layout,
    /// English texts.
    pub en: Texts,
    /// Chinese texts.
    pub zh: Texts,
}

impl Template {
    /// Reads a template from TOML text.
    pub fn from_toml(text: &str) -> Result<Template, ExportError> {
        let mut template: Template =
            toml::from_str(text).map_err(|e| ExportError::Template(e.to_string()))?;
        template.en.locale = FigureLocale::En;
        template.zh.locale = FigureLocale::Zh;
        Ok(template)
    }

    /// The bundled default template.
    pub fn bundled() -> Result<Template, ExportError> {
        Template::from_toml(DEFAULT_TEMPLATE)
    }

    /// The texts of `lang`.
    pub fn texts(&self, lang: Lang) -> &Texts {
        match lang {
            Lang::En => &self.en,
            Lang::Zh => &self.zh,
        }
    }
}

/// `text` with every `{name}` replaced by its value.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_owned();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// The period in words: "the first quarter of 2021", "2021年一季度".
pub fn period_words(period: &Period, t: &Texts) -> String {
    let year = period.from.year().to_string();
    match period.kind {
        PeriodKind::Quarter => {
            let index = usize::try_from(period.from.month0() / 3).unwrap_or(0);
            let nth = t.quarters.get(index).map_or("", String::as_str);
            fill(&t.quarter, &[("nth", nth), ("year", &year)])
        }
        PeriodKind::Year => fill(&t.year, &[("year", &year)]),
        PeriodKind::Month => {
            let index = usize::try_from(period.from.month0()).unwrap_or(0);
            let month = t.months.get(index).map_or("", String::as_str);
            fill(&t.month, &[("month", month), ("year", &year)])
        }
        PeriodKind::Range => fill(
            &t.range,
            &[
                ("from", &period.from.to_string()),
                ("to", &period.to.to_string()),
            ],
        ),
    }
}

/// An amount for a sentence, as a board figure: "USD 6.4 million", "about USD 6.41
/// million" (only when rounded), "640万美元", "约1.23亿美元".
pub fn amount_words(minor: i128, currency: Currency, t: &Texts) -> String {
    board_figure(minor, currency, t.locale, FigureStyle::Words).in_sentence(t.locale)
}

/// How many top partners the headline names (the table lists the report's top N).
const HEADLINE_PARTNERS: usize = 3;

/// The headline paragraph in the report's own words.
pub fn headline(data: &ReportData, t: &Texts) -> String {
    let report = &data.report;
    let period = period_words(&report.period, t);
    let (signed, financial) = (
        report.agreements_signed.to_string(),
        report.agreements_financial.to_string(),
    );
    let total = amount_words(report.partner_total_minor, report.currency, t);
    let text = if report.agreements_financial == 0 {
        &t.headline_empty
    } else {
        &t.headline
    };
    fill(
        text,
        &[
            ("period", &period),
            ("signed", &signed),
            ("financial", &financial),
            ("total", &total),
            ("currency", report.currency.code()),
        ],
    )
}

/// Something drawn on a page, in points from the top-left corner.
enum Op {
    /// Text with its baseline at `y`.
    Text {
        x: f64,
        y: f64,
        size: f64,
        color: Rgb,
        text: String,
    },
    /// An SVG (index into the document's charts) scaled into a box.
    Svg {
        index: usize,
        x: f64,
        y: f64,
        width: f64,
        height: f64,
    },
    /// A horizontal rule.
    Rule {
        x1: f64,
        x2: f64,
        y: f64,
        color: Rgb,
        width: f64,
    },
}

/// Text and blocks flowing down pages.
struct Flow {
    pages: Vec<Vec<Op>>,
    y: f64,
    top: f64,
    bottom: f64,
    left: f64,
    right: f64,
    line_spacing: f64,
}

#[allow(clippy::float_arithmetic, reason = "page layout geometry")]
impl Flow {
    fn new(paper: Paper, layout: &Layout) -> Flow {
        let (w, h) = paper.size_pt();
        let margin = layout.margin_mm.clamp(5.0, 60.0) * 72.0 / 25.4;
        Flow {
            pages: vec![Vec::new()],
            y: margin,
            top: margin,
            // Room for the page number under the text.
            bottom: h - margin,
            left: margin,
            right: w - margin,
            line_spacing: layout.line_spacing.clamp(1.0, 3.0),
        }
    }

    fn width(&self) -> f64 {
        self.right - self.left
    }

    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = self.top;
    }

    /// Starts a new page unless `height` more fits on this one.
    fn ensure(&mut self, height: f64) -> bool {
        if self.y + height > self.bottom && self.y > self.top {
            self.new_page();
            return true;
        }
        false
    }

    fn space(&mut self, height: f64) {
        self.y += height;
    }

    fn text_at(&mut self, x: f64, y: f64, size: f64, color: Rgb, text: &str) {
        if !text.is_empty() {
            self.push(Op::Text {
                x,
                y,
                size,
                color,
                text: text.to_owned(),
            });
        }
    }

    /// A wrapped paragraph from `indent` to the right margin.
    fn paragraph(&mut self, text: &str, size: f64, color: Rgb, indent: f64) {
        let line = size * self.line_spacing;
        for l in wrap(text, size, self.width() - indent) {
            self.ensure(line);
            let baseline = self.y + size;
            self.text_at(self.left + indent, baseline, size, color, &l);
            self.y += line;
        }
    }

    /// A heading kept with at least `keep` points of what follows it.
    fn heading(&mut self, text: &str, size: f64, keep: f64) {
        self.ensure(size * self.line_spacing + keep);
        self.space(size * 0.6);
        self.paragraph(text, size, palette::TEXT, 0.0);
        self.space(size * 0.3);
    }

    fn rule(&mut self, color: Rgb, width: f64) {
        let (x1, x2, y) = (self.left, self.right, self.y);
        self.push(Op::Rule {
            x1,
            x2,
            y,
            color,
            width,
        });
    }

    /// An SVG of natural size `(w, h)`, `share` of the text width wide, centred.
    fn svg(&mut self, index: usize, natural: (f64, f64), share: f64) {
        let width = self.width() * share.clamp(0.2, 1.0);
        let height = width * natural.1 / natural.0.max(1.0);
        self.ensure(height);
        let x = self.left + (self.width() - width) / 2.0;
        let y = self.y;
        self.push(Op::Svg {
            index,
            x,
            y,
            width,
            height,
        });
        self.y += height;
    }
}

/// One annex column: its width share and whether it is right-aligned.
const ANNEX_COLUMNS: [(f64, bool); 6] = [
    (0.13, false),
    (0.12, false),
    (0.31, false),
    (0.14, false),
    (0.16, true),
    (0.14, true),
];

#[allow(clippy::float_arithmetic, reason = "page layout geometry")]
fn annex_row(flow: &mut Flow, cells: &[String; 6], size: f64, color: Rgb, header: &[String; 6]) {
    let gap = 6.0;
    let width = flow.width();
    let mut lines: Vec<Vec<String>> = Vec::with_capacity(6);
    for (cell, (share, _)) in cells.iter().zip(ANNEX_COLUMNS) {
        lines.push(wrap(cell, size, width * share - gap));
    }
    let count = lines.iter().map(Vec::len).max().unwrap_or(1).max(1);
    let line = size * flow.line_spacing;
    let height = count as f64 * line + 4.0;
    if flow.ensure(height) && cells != header {
        // A new page: repeat the header.
        annex_row(flow, header, size, palette::MUTED, header);
        flow.rule(palette::TEXT, 0.6);
    }
    let mut x = flow.left;
    for (cell_lines, (share, right_aligned)) in lines.iter().zip(ANNEX_COLUMNS) {
        let column = width * share;
        for (i, l) in cell_lines.iter().enumerate() {
            let baseline = flow.y + 2.0 + size + i as f64 * line;
            let lx = if right_aligned {
                x + column - gap - text_width(l, size)
            } else {
                x
            };
            flow.text_at(lx, baseline, size, color, l);
        }
        x += column;
    }
    flow.y += height;
}

/// The report of `data` as PDF bytes, in `lang`, on `paper`, worded by `template`.
pub fn report_pdf(
    data: &ReportData,
    lang: Lang,
    paper: Paper,
    template: &Template,
) -> Result<Vec<u8>, ExportError> {
    report_pdf_with(data, lang, paper, template, None)
}

/// The report as [`report_pdf`] writes it, with a section on the open deals after the
/// charts when `pipeline` is given: a sentence of its totals and the pipeline chart.
#[allow(clippy::float_arithmetic, reason = "page layout geometry")]
pub fn report_pdf_with(
    data: &ReportData,
    lang: Lang,
    paper: Paper,
    template: &Template,
    pipeline: Option<&PipelineChart>,
) -> Result<Vec<u8>, ExportError> {
    let t = template.texts(lang);
    let layout = &template.layout;
    let report = &data.report;
    let currency = report.currency.code();
    let period = period_words(&report.period, t);
    let mut flow = Flow::new(paper, layout);

    // Title, period, headline.
    flow.paragraph(&t.title, layout.title_pt, palette::TEXT, 0.0);
    flow.space(2.0);
    let subtitle = fill(
        &t.subtitle,
        &[
            ("label", &report.period.label()),
            ("from", &report.period.from.to_string()),
            ("to", &report.period.to.to_string()),
            ("currency", currency),
            ("period", &period),
        ],
    );
    flow.paragraph(&subtitle, layout.body_pt, palette::MUTED, 0.0);
    flow.space(4.0);
    flow.rule(palette::RULE, 0.8);
    flow.space(layout.body_pt);
    flow.paragraph(&headline(data, t), layout.body_pt, palette::TEXT, 0.0);
    if !report.top_partners.is_empty() {
        flow.space(layout.body_pt * 0.5);
        flow.paragraph(
            &fill(&t.top_intro, &[("period", &period)]),
            layout.body_pt,
            palette::TEXT,
            0.0,
        );
        // The headline names the first three, as the seed's report does; the table after
        // the charts lists as many as the report settings say.
        for p in report.top_partners.iter().take(HEADLINE_PARTNERS) {
            let item = fill(
                &t.top_item,
                &[
                    ("partner", p.display_name(lang)),
                    ("amount", &amount_words(p.amount_minor, report.currency, t)),
                    ("rank", &p.rank.to_string()),
                ],
            );
            let before = flow.y;
            flow.paragraph(&item, layout.body_pt, palette::TEXT, 12.0);
            let baseline = before + layout.body_pt;
            if flow.y > before {
                flow.text_at(
                    flow.left + 2.0,
                    baseline,
                    layout.body_pt,
                    palette::TEXT,
                    "–",
                );
            }
        }
    }

    // The charts, as the same SVGs the PNG export draws.
    let mut svgs: Vec<String> =
        PieChart::all(report, &data.lists, lang, data.settings.group_under_tenths)
            .iter()
            .map(|c| pie_svg(c, SvgOptions::default()))
            .collect();
    svgs.push(table_svg(
        &TopTable::from_report(report, &data.lists, lang),
        SvgOptions::default(),
    ));
    let charts = svgs.len();
    if let Some(chart) = pipeline {
        svgs.push(pipeline_svg(chart, SvgOptions::default()));
    }
    let trees = svgs
        .iter()
        .map(|s| parse_svg(s))
        .collect::<Result<Vec<_>, _>>()?;
    flow.heading(&t.charts_heading, layout.heading_pt, 120.0);
    if report.agreements_financial == 0 {
        // Nothing to draw: say so once rather than four empty rings.
        flow.paragraph(empty_text(lang), layout.body_pt, palette::TEXT, 0.0);
    }
    for (index, tree) in trees
        .iter()
        .enumerate()
        .take(charts)
        .filter(|_| report.agreements_financial > 0)
    {
        let size = tree.size();
        flow.space(4.0);
        flow.svg(
            index,
            (f64::from(size.width()), f64::from(size.height())),
            layout.chart_width,
        );
    }

    // The open deals, when asked for.
    if let (Some(chart), Some(tree)) = (pipeline, trees.get(charts)) {
        flow.space(layout.body_pt);
        let heading = if t.pipeline_heading.is_empty() {
            chart.title.clone()
        } else {
            t.pipeline_heading.clone()
        };
        // The heading, its sentence and the chart stay on one page.
        let size = tree.size();
        let chart_height =
            flow.width() * layout.chart_width.clamp(0.2, 1.0) * f64::from(size.height())
                / f64::from(size.width()).max(1.0);
        flow.heading(
            &heading,
            layout.heading_pt,
            chart_height + 4.0 * layout.body_pt,
        );
        if !t.pipeline_summary.is_empty() {
            let words = |m: Option<i128>| {
                m.map_or_else(|| "—".to_owned(), |m| amount_words(m, chart.currency, t))
            };
            let summary = fill(
                &t.pipeline_summary,
                &[
                    ("open", &chart.open_count.to_string()),
                    ("asked", &words(chart.nominal_total_minor)),
                    ("weighted", &words(chart.weighted_total_minor)),
                    ("overdue", &chart.overdue_count.to_string()),
                    ("date", &chart.as_of.to_string()),
                ],
            );
            flow.paragraph(&summary, layout.body_pt, palette::TEXT, 0.0);
        }
        flow.space(4.0);
        flow.svg(
            charts,
            (f64::from(size.width()), f64::from(size.height())),
            layout.chart_width,
        );
    }

    // The annex: every signed agreement of the period.
    flow.space(layout.body_pt);
    flow.heading(
        &fill(&t.annex_heading, &[("period", &period)]),
        layout.heading_pt,
        80.0,
    );
    let header: [String; 6] = t
        .annex_columns
        .clone()
        .map(|c| fill(&c, &[("currency", currency)]));
    if data.annex.is_empty() {
        flow.paragraph(&t.annex_empty, layout.body_pt, palette::TEXT, 0.0);
    } else {
        annex_row(&mut flow, &header, layout.small_pt, palette::MUTED, &header);
        flow.rule(palette::TEXT, 0.6);
        for a in &data.annex {
            let cells = [
                a.reference.clone(),
                a.signed_on.to_string(),
                a.partner_name(lang).to_owned(),
                data.lists
                    .label(ListKind::Region, &a.region, lang)
                    .to_owned(),
                a.contribution
                    .map_or_else(|| t.non_financial.clone(), |m| m.to_string()),
                a.converted_minor
                    .map(|m| amount_text(m, report.currency))
                    .unwrap_or_default(),
            ];
            annex_row(&mut flow, &cells, layout.small_pt, palette::TEXT, &header);
            flow.rule(palette::RULE, 0.4);
        }
    }

    // Notes.
    flow.space(layout.body_pt);
    flow.heading(&t.notes_heading, layout.heading_pt, 40.0);
    let changed = data.ledger_changed_at.clone().unwrap_or_else(|| "-".into());
    let mut notes = vec![fill(
        &t.note_ledger,
        &[
            ("revision", &data.revision.to_string()),
            ("changed", &changed),
        ],
    )];
    if data.rates_used.is_empty() {
        notes.push(fill(&t.note_no_rates, &[("currency", currency)]));
    } else {
        let rates = data
            .rates_used
            .iter()
            .map(|r| {
                format!(
                    "1 {} = {} {} ({})",
                    r.currency,
                    r.rate.normalize(),
                    r.quote,
                    r.date
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        notes.push(fill(
            &t.note_rates,
            &[("currency", currency), ("rates", &rates)],
        ));
    }
    notes.push(t.note_rounding.clone());
    for note in notes {
        flow.paragraph(&note, layout.small_pt, palette::MUTED, 0.0);
        flow.space(2.0);
    }

    render(
        flow,
        &trees,
        lang,
        paper,
        template,
        &t.title,
        &report.period,
    )
}

#[allow(
    clippy::float_arithmetic,
    clippy::cast_possible_truncation,
    reason = "page layout geometry; PDF coordinates are f32"
)]
fn render(
    flow: Flow,
    trees: &[resvg::usvg::Tree],
    lang: Lang,
    paper: Paper,
    template: &Template,
    title: &str,
    period: &Period,
) -> Result<Vec<u8>, ExportError> {
    let t = template.texts(lang);
    let (page_w, page_h) = paper.size_pt();
    let font = Font::new(FONT_BYTES.into(), 0)
        .ok_or_else(|| ExportError::Encode("the bundled font cannot be read".into()))?;
    let mut document = Document::new();
    document.set_metadata(
        Metadata::new()
            .title(format!("{title} — {period}"))
            .language(match lang {
                Lang::En => "en".to_owned(),
                Lang::Zh => "zh-CN".to_owned(),
            })
            .creator("Pledger".to_owned()),
    );
    let pages = flow.pages.len();
    let settings = PageSettings::from_wh(page_w as f32, page_h as f32)
        .ok_or_else(|| ExportError::Encode("bad page size".into()))?;
    let small = template.layout.small_pt;
    let color = |c: Rgb| rgb::Color::new(c.r, c.g, c.b);
    for (number, ops) in flow.pages.iter().enumerate() {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        let mut draw_text = |x: f64, y: f64, size: f64, c: Rgb, text: &str| {
            surface.set_fill(Some(Fill {
                paint: color(c).into(),
                opacity: NormalizedF32::ONE,
                rule: Default::default(),
            }));
            surface.draw_text(
                Point::from_xy(x as f32, y as f32),
                font.clone(),
                size as f32,
                text,
                false,
                TextDirection::Auto,
            );
        };
        let label = fill(
            &t.page,
            &[
                ("page", &(number + 1).to_string()),
                ("pages", &pages.to_string()),
            ],
        );
        let label_x = (page_w - text_width(&label, small)) / 2.0;
        let label_y = flow.bottom + (page_h - flow.bottom) / 2.0;
        draw_text(label_x, label_y, small, palette::MUTED, &label);
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    color: c,
                    text,
                } => draw_text(*x, *y, *size, *c, text),
                Op::Svg { .. } | Op::Rule { .. } => {}
            }
        }
        for op in ops {
            match op {
                Op::Svg {
                    index,
                    x,
                    y,
                    width,
                    height,
                } => {
                    let (Some(tree), Some(size)) = (
                        trees.get(*index),
                        Size::from_wh(*width as f32, *height as f32),
                    ) else {
                        continue;
                    };
                    surface.push_transform(&Transform::from_translate(*x as f32, *y as f32));
                    surface.draw_svg(tree, size, SvgSettings::default());
                    surface.pop();
                }
                Op::Rule {
                    x1,
                    x2,
                    y,
                    color: c,
                    width,
                } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1 as f32, *y as f32);
                    path.line_to(*x2 as f32, *y as f32);
                    let Some(path) = path.finish() else {
                        continue;
                    };
                    surface.set_fill(None);
                    surface.set_stroke(Some(Stroke {
                        paint: color(*c).into(),
                        width: *width as f32,
                        ..Default::default()
                    }));
                    surface.draw_path(&path);
                    surface.set_stroke(None);
                }
                Op::Text { .. } => {}
            }
        }
        surface.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| ExportError::Encode(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_template_reads() {
        let t = Template::bundled().unwrap();
        assert!(t.en.headline.contains("{total}"));
        assert!(t.zh.headline.contains("{total}"));
    }

    #[test]
    fn amounts_read_as_the_report_writes_them() {
        let t = Template::bundled().unwrap();
        let usd: Currency = "USD".parse().unwrap();
        assert_eq!(amount_words(640_000_000, usd, &t.en), "USD 6.4 million");
        assert_eq!(amount_words(145_000_000, usd, &t.en), "USD 1.45 million");
        assert_eq!(
            amount_words(640_500_000, usd, &t.en),
            "about USD 6.41 million"
        );
        assert_eq!(amount_words(56_250_000, usd, &t.en), "USD 562,500");
        assert_eq!(amount_words(640_000_000, usd, &t.zh), "640万美元");
        assert_eq!(amount_words(1_520_000_000, usd, &t.zh), "1520万美元");
        assert_eq!(amount_words(12_345_678_900, usd, &t.zh), "约1.23亿美元");
        assert_eq!(amount_words(56_250_000, usd, &t.zh), "56.25万美元");
        assert_eq!(amount_words(56_250_050, usd, &t.en), "about USD 562,501");
    }

    #[test]
    fn periods_read_as_the_report_writes_them() {
        let t = Template::bundled().unwrap();
        let q = Period::parse("2021Q1").unwrap();
        assert_eq!(period_words(&q, &t.en), "the first quarter of 2021");
        assert_eq!(period_words(&q, &t.zh), "2021年一季度");
        let y = Period::parse("2020").unwrap();
        assert_eq!(period_words(&y, &t.zh), "2020年");
        let m = Period::parse("2021-03").unwrap();
        assert_eq!(period_words(&m, &t.en), "March 2021");
    }
}
