//! `pledger export png|pdf|xlsx`: the report's charts and files.

use std::path::{Path, PathBuf};

use anyhow::anyhow;
use clap::{Args, Subcommand};

use super::{Failure, parse_period, refused, usage};
use crate::chart::svg::{Background, SvgOptions, pie_svg, table_svg};
use crate::chart::{ChartKind, PieChart, TopTable, empty_text};
use crate::domain::{Lang, Period};
use crate::export::pdf::{Paper, Template, report_pdf};
use crate::export::png::{PngSize, svg_to_png};
use crate::export::publish::{Changes, changes_since, freeze, published_top};
use crate::export::xlsx::report_xlsx;
use crate::export::{ExportError, ReportData};
use crate::ledger::Ledger;

/// What to export.
#[derive(Subcommand, Debug)]
pub enum ExportCommand {
    /// One chart of the report as a PNG image.
    Png(PngArgs),
    /// The advisory-group report as a PDF.
    Pdf(PdfArgs),
    /// The report's tables and the period's agreements as an Excel workbook.
    Xlsx(XlsxArgs),
    /// Deals and funding partners' profiles as an Excel workbook, in the columns
    /// `pledger import --kind opportunities` and `--kind prospects` read back.
    Deals {
        /// The workbook to write (.xlsx).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

/// Options of `pledger export png`.
#[derive(Args, Debug)]
pub struct PngArgs {
    /// cofunding, partner-type, region, theme or top-partners.
    #[arg(long)]
    pub chart: String,
    /// 2021Q1, 2020, 2021-03 or 2021-01-01..2021-06-30.
    #[arg(long)]
    pub period: String,
    /// The PNG file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Width in pixels (the height follows the chart).
    #[arg(
        long,
        value_name = "PX",
        default_value_t = 1280,
        conflicts_with = "dpi"
    )]
    pub width: u32,
    /// Resolution instead of a width: the chart at DPI (its natural size is 640 px at 96 dpi).
    #[arg(long, conflicts_with = "size")]
    pub dpi: Option<u32>,
    /// A slide of exactly this size, `1920x1080` or `1280x720`: the chart centred as large
    /// as it fits, for projection.
    #[arg(long, value_name = "WxH", conflicts_with = "width")]
    pub size: Option<String>,
    /// Language of labels: en or zh.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// A transparent background instead of white.
    #[arg(long)]
    pub transparent: bool,
    /// How many partners the top-partners table lists (the ledger's report setting, 10,
    /// unless given).
    #[arg(long)]
    pub top: Option<usize>,
}

/// Options of `pledger export pdf`.
#[derive(Args, Debug)]
pub struct PdfArgs {
    /// The period.
    #[arg(long)]
    pub period: String,
    /// The PDF file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Language: en or zh.
    #[arg(long, default_value = "en")]
    pub lang: String,
    /// Paper: a4 or letter.
    #[arg(long, default_value = "a4")]
    pub paper: String,
    /// How many top partners to name (the ledger's report setting, 10, unless given).
    #[arg(long)]
    pub top: Option<usize>,
    /// A report template (TOML) instead of the bundled assets/report/template.toml.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
}

/// Options of `pledger export xlsx`.
#[derive(Args, Debug)]
pub struct XlsxArgs {
    /// The period.
    #[arg(long)]
    pub period: String,
    /// The workbook to write (.xlsx).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// How many top partners to list (the ledger's report setting, 10, unless given).
    #[arg(long)]
    pub top: Option<usize>,
}

impl From<ExportError> for Failure {
    fn from(e: ExportError) -> Failure {
        match e {
            ExportError::Ledger(l) => l.into(),
            ExportError::Report(_) => refused(e.into()),
            _ => usage(e.into()),
        }
    }
}

fn parse_lang(text: &str) -> Result<Lang, Failure> {
    text.parse().map_err(|e: String| usage(anyhow!(e)))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    crate::files::write_whole(path, bytes)
        .map_err(|e| usage(anyhow!("cannot write the file: {e}: {}", path.display())))
}

/// What a written file says about an empty period.
fn note(data: &ReportData, lang: Lang) -> String {
    if data.report.agreements_financial == 0 {
        format!(" ({})", empty_text(lang))
    } else {
        String::new()
    }
}

/// Runs `pledger export ...`.
pub fn export(ledger: &Ledger, command: ExportCommand) -> Result<(), Failure> {
    match command {
        ExportCommand::Png(args) => {
            let period = parse_period(&args.period)?;
            let lang = parse_lang(&args.lang)?;
            let kind: ChartKind = args.chart.parse().map_err(|e: String| usage(anyhow!(e)))?;
            if args.width == 0 || args.dpi == Some(0) {
                return Err(usage(anyhow!("the width and dpi must be positive")));
            }
            let data = ReportData::load(ledger, &period, top_of(ledger, args.top)?)?;
            let options = SvgOptions {
                background: if args.transparent {
                    Background::Transparent
                } else {
                    Background::White
                },
                ..SvgOptions::default()
            };
            let svg = match kind {
                ChartKind::TopPartners => table_svg(
                    &TopTable::from_report(&data.report, &data.lists, lang),
                    options,
                ),
                pie => pie_svg(
                    &PieChart::from_report(
                        pie,
                        &data.report,
                        &data.lists,
                        lang,
                        data.settings.group_under_tenths,
                    ),
                    options,
                ),
            };
            let size = match &args.size {
                Some(text) => PngSize::parse_slide(text, args.transparent).ok_or_else(|| {
                    usage(anyhow!(
                        "--size '{text}' is not a size: write it as 1920x1080 (each side 1 to {} px)",
                        crate::export::png::MAX_SIDE_PX
                    ))
                })?,
                None => args.dpi.map_or(PngSize::WidthPx(args.width), PngSize::Dpi),
            };
            let png = svg_to_png(&svg, size)?;
            write_file(&args.out, &png)?;
            println!(
                "Chart '{}' of {} written to {}{}",
                kind.slug(),
                period,
                args.out.display(),
                note(&data, lang)
            );
            Ok(())
        }
        ExportCommand::Pdf(args) => {
            let period = parse_period(&args.period)?;
            let lang = parse_lang(&args.lang)?;
            let paper: Paper = args.paper.parse().map_err(|e: String| usage(anyhow!(e)))?;
            let template = match &args.template {
                None => Template::bundled()?,
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| {
                        usage(anyhow!("cannot read the template: {e}: {}", path.display()))
                    })?;
                    Template::from_toml(&text)?
                }
            };
            let data = ReportData::load(ledger, &period, top_of(ledger, args.top)?)?;
            let pdf = report_pdf(&data, lang, paper, &template)?;
            write_file(&args.out, &pdf)?;
            println!(
                "Report of {} written to {}{}",
                period,
                args.out.display(),
                note(&data, lang)
            );
            Ok(())
        }
        ExportCommand::Deals { out } => {
            let deals = ledger.opportunities()?;
            let prospects = ledger.prospects()?;
            let mut agreement_references = std::collections::HashMap::new();
            for a in deals.iter().filter_map(|d| d.agreement_id) {
                if let Some(r) = ledger.agreement(a)?.reference {
                    agreement_references.insert(a.0, r);
                }
            }
            let data = crate::export::deals::DealsData {
                deals: &deals,
                changes: &ledger.stage_changes()?,
                prospects: &prospects,
                partners: &ledger.partners()?,
                agreement_references: &agreement_references,
                lists: &ledger.reference_lists()?,
            };
            write_file(&out, &crate::export::deals::deals_xlsx(&data)?)?;
            println!(
                "{} deals and {} funding partners' profiles written to {}",
                deals.len(),
                prospects.len(),
                out.display()
            );
            Ok(())
        }
        ExportCommand::Xlsx(args) => {
            let period = parse_period(&args.period)?;
            let data = ReportData::load(ledger, &period, top_of(ledger, args.top)?)?;
            let xlsx = report_xlsx(&data)?;
            write_file(&args.out, &xlsx)?;
            println!(
                "Workbook of {} written to {}{}",
                period,
                args.out.display(),
                note(&data, Lang::En)
            );
            Ok(())
        }
    }
}

/// `top` as given, else the ledger's report setting: every door lists the same partners.
pub fn top_of(ledger: &Ledger, top: Option<usize>) -> Result<usize, Failure> {
    Ok(match top {
        Some(n) => n,
        None => ledger.report_settings()?.top,
    })
}

/// Runs `pledger publish`: freezes the report of `period` as published.
pub fn publish(ledger: &mut Ledger, period: &str, top: Option<usize>) -> Result<(), Failure> {
    let top = top_of(ledger, top)?;
    let period = parse_period(period)?;
    let data = ReportData::load(ledger, &period, top)?;
    let publication = freeze(&data)?;
    let id = ledger.write(|w| w.record_publication(&period, &publication))?;
    println!(
        "Published {} (publication {id}, ledger revision {}): {} agreements signed, {} with a financial contribution{}",
        period,
        data.revision,
        data.report.agreements_signed,
        data.report.agreements_financial,
        note(&data, Lang::En)
    );
    Ok(())
}

/// What changed since `period` was published, when it was.
/// The top partners are compared as many as were published.
pub fn published_changes(ledger: &Ledger, period: &Period) -> Result<Option<Changes>, Failure> {
    let Some(publication) = ledger.publication(period)? else {
        return Ok(None);
    };
    let data = ReportData::load(ledger, period, published_top(&publication))?;
    Ok(Some(changes_since(&publication, &data)?))
}
