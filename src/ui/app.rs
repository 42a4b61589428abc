//! The application: its state, the commands widgets emit, and the frame.

use std::path::{Path, PathBuf};

use egui::{Key, KeyboardShortcut, Modifiers, RichText, Ui};

use super::dialogs::FileDialogs;
use super::format::count_text;
use super::format::t;
use super::import_wizard::ImportWizard;
use super::pie::color;
use super::state::{Cache, Command, Page, Revert, Shared};
use super::{agreements, partners, settings};
use crate::chart::{PieChart, TopTable, palette};
use crate::domain::{Lang, PartnerId, Period, Prospect};
use crate::ledger::{Ledger, LedgerError};
use crate::report::Snapshot;

/// The undo of an import batch running on a thread of its own.
struct BatchUndo {
    /// The undo step's label.
    label: String,
    /// The outcome, when the thread has one.
    done: std::sync::mpsc::Receiver<Result<(), String>>,
}

/// One step of the undo history.
struct UndoStep {
    label: String,
    revert: Revert,
}

/// Undo history kept in memory, at most this many bytes of changes.
const UNDO_BUDGET_BYTES: usize = 256 * 1024 * 1024;

/// Settings remembered between runs.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct Remembered {
    lang: Option<Lang>,
    recent: Vec<PathBuf>,
    /// Whether the report PDF has its pipeline section.
    #[serde(default)]
    pdf_pipeline: bool,
}

const REMEMBERED_KEY: &str = "pledger";

/// The Pledger desktop app.
pub struct PledgerApp {
    /// What every page shares.
    pub(super) s: Shared,
    pub(super) agreements: agreements::AgreementsView,
    pub(super) partners_view: partners::PartnersView,
    pub(super) settings: settings::SettingsView,
    pub(super) money_in: super::money_in::MoneyInView,
    pub(super) prospects: super::prospects::ProspectsView,
    pub(super) pipeline: super::pipeline::PipelineView,
    pub(super) wizard: Option<ImportWizard>,
    /// Workbooks larger than this are imported as they are read (see [`ImportWizard`]).
    whole_read_bytes: u64,
    undo: Vec<UndoStep>,
    redo: Vec<UndoStep>,
    /// An import batch being undone on its own thread.
    batch_undo: Option<BatchUndo>,
    title_shown: Option<String>,
}

impl PledgerApp {
    /// The app on `ledger`, in `lang`, asking for files through `dialogs`.
    pub fn new(mut ledger: Ledger, lang: Lang, dialogs: Box<dyn FileDialogs>) -> PledgerApp {
        let recording = ledger.set_recording(true);
        let mut app = PledgerApp {
            s: Shared {
                ledger,
                lang,
                page: Page::Dashboard,
                commands: Vec::new(),
                status: None,
                dialogs,
                recent: Vec::new(),
                period: Period::quarter(2021, 1).unwrap_or_else(today_quarter),
                top_n: 10,
                report_settings: crate::domain::ReportSettings::default(),
                cache: Cache::empty(),
                slice_filter: None,
                undoing_import: false,
                today: None,
                pdf_pipeline: false,
            },
            agreements: agreements::AgreementsView::default(),
            partners_view: partners::PartnersView::default(),
            settings: settings::SettingsView::default(),
            money_in: super::money_in::MoneyInView::default(),
            prospects: super::prospects::ProspectsView::default(),
            pipeline: super::pipeline::PipelineView::default(),
            wizard: None,
            whole_read_bytes: super::import_wizard::WHOLE_READ_BYTES,
            undo: Vec::new(),
            redo: Vec::new(),
            batch_undo: None,
            title_shown: None,
        };
        if let Err(e) = recording {
            app.fail(&format!("undo is not available: {e}"));
        }
        app.refresh();
        app.s.period = app.latest_period();
        app.agreements.period = Some(app.s.period.clone());
        app
    }

    /// The app as eframe starts it: fonts, remembered language and recent ledgers.
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, ledger: Ledger) -> PledgerApp {
        cc.egui_ctx.set_fonts(super::fonts::font_definitions(true));
        // Light, like the paper and slides the charts end up on.
        cc.egui_ctx.set_theme(egui::Theme::Light);
        let remembered: Remembered = cc
            .storage
            .and_then(|s| eframe::get_value(s, REMEMBERED_KEY))
            .unwrap_or_default();
        let lang = remembered.lang.unwrap_or_else(super::system_lang);
        let mut app = PledgerApp::new(ledger, lang, Box::new(super::dialogs::NativeDialogs));
        app.s.recent = remembered.recent;
        app.s.pdf_pipeline = remembered.pdf_pipeline;
        app.remember_recent();
        app
    }

    /// Sets the size above which an xlsx or xlsb is previewed from its first rows and
    /// imported as it is read, not held whole (default [`super::import_wizard::WHOLE_READ_BYTES`]).
    pub fn set_whole_read_bytes(&mut self, bytes: u64) {
        self.whole_read_bytes = bytes;
    }

    /// The ledger, for tests.
    pub fn ledger(&self) -> &Ledger {
        &self.s.ledger
    }

    /// The current language.
    pub fn lang(&self) -> Lang {
        self.s.lang
    }

    /// The dashboard's period.
    pub fn period(&self) -> &Period {
        &self.s.period
    }

    /// How many top partners the dashboard lists.
    pub fn top_n(&self) -> usize {
        self.s.top_n
    }

    /// Sets the dashboard's period.
    pub fn set_period(&mut self, period: Period) {
        self.s.period = period;
    }

    /// Shows the agreements page, listing the agreements of `period` (all when `None`).
    pub fn show_agreements(&mut self, period: Option<Period>) {
        self.agreements.period = period;
        self.s.page = Page::Agreements;
    }

    /// Fixes the day deals move on, actions fall due and a year under way is compared to
    /// (tests); the clock's by default.
    pub fn set_today(&mut self, day: chrono::NaiveDate) {
        self.s.today = Some(day);
    }

    /// Whether the report PDF has its pipeline section.
    pub fn pdf_pipeline(&self) -> bool {
        self.s.pdf_pipeline
    }

    /// How many times the deals were read from the ledger since start.
    pub fn deal_loads(&self) -> u64 {
        self.s.cache.deals.as_ref().map_or(0, |d| d.loads)
    }

    /// Shows the pipeline page.
    pub fn show_pipeline(&mut self) {
        self.s.page = Page::Pipeline;
    }

    /// The status line's message, if any.
    pub fn status(&self) -> Option<&str> {
        self.s.status.as_ref().map(|(m, _)| m.as_str())
    }

    /// How many times a report was computed since start.
    pub fn report_computations(&self) -> u64 {
        self.s.cache.report_computations
    }

    /// Queues a command, as a widget would.
    pub fn push(&mut self, command: Command) {
        self.s.commands.push(command);
    }

    /// The period of the latest signed agreement's quarter, or the current quarter.
    fn latest_period(&self) -> Period {
        self.s
            .cache
            .snapshot
            .as_ref()
            .and_then(Snapshot::date_range)
            .and_then(|(_, last)| {
                use chrono::Datelike;
                Period::quarter(last.year(), last.month0() / 3 + 1)
            })
            .unwrap_or_else(today_quarter)
    }

    /// Reloads what derives from the ledger when its revision moved.
    pub(super) fn refresh(&mut self) {
        let revision = match self.s.ledger.revision() {
            Ok(r) => r,
            Err(e) => return self.fail(&e.to_string()),
        };
        if self.s.cache.revision == Some(revision) {
            return;
        }
        let file = self
            .s
            .ledger
            .path()
            .and_then(crate::ledger::snapshot_cache_path);
        let loaded = (|| -> Result<(), LedgerError> {
            // A large ledger opened again takes its snapshot from the file kept at exit.
            let (snapshot, from_file) = match &file {
                Some(file) => Snapshot::load_cached(&self.s.ledger, file)?,
                None => (Snapshot::load(&self.s.ledger)?, false),
            };
            self.s.cache.snapshot_fresh = !from_file;
            let mut partners = self.s.ledger.partners()?;
            partners.sort_by_key(|p| p.name.to_lowercase());
            self.s.cache.partner_index = partners
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id, i))
                .collect();
            self.s.cache.partners = partners;
            self.s.cache.lists = snapshot.lists.clone();
            self.s.cache.agreement_count = self.s.ledger.agreement_count()?;
            self.s.cache.rates = self.s.ledger.rates()?.rates().to_vec();
            self.s.cache.partner_totals = snapshot.partner_totals(None);
            self.s.cache.snapshot = Some(snapshot);
            // The ledger's report settings: the same top N and pies as the command line and
            // the files.
            self.s.report_settings = self.s.ledger.report_settings()?;
            self.s.top_n = self.s.report_settings.top;
            Ok(())
        })();
        if let Err(e) = loaded {
            return self.fail(&e.to_string());
        }
        self.s.cache.revision = Some(revision);
        self.agreements.invalidate();
    }

    /// Recomputes the report when the revision, period, N or language changed.
    pub(super) fn report(&mut self) {
        let Some(revision) = self.s.cache.revision else {
            return;
        };
        let today = self.s.today();
        let key = (
            revision,
            self.s.period.clone(),
            self.s.top_n,
            self.s.lang,
            today,
        );
        if self.s.cache.report_key.as_ref() == Some(&key) {
            return;
        }
        let Some(snapshot) = &self.s.cache.snapshot else {
            return;
        };
        let report = snapshot.report(&self.s.period, self.s.top_n);
        // The tiles compare like for like: 2021 Q2 with 2020 Q2, not with 2021 Q1.
        self.s.cache.compared_with = self.s.period.like_for_like(today);
        self.s.cache.previous = self
            .s
            .cache
            .compared_with
            .as_ref()
            .and_then(|p| snapshot.report(p, 0).ok());
        match &report {
            Ok(r) => {
                self.s.cache.pies = PieChart::all(
                    r,
                    &snapshot.lists,
                    self.s.lang,
                    self.s.report_settings.group_under_tenths,
                );
                self.s.cache.top = Some(TopTable::from_report(r, &snapshot.lists, self.s.lang));
            }
            Err(_) => {
                self.s.cache.pies.clear();
                self.s.cache.top = None;
            }
        }
        self.s.cache.report = Some(report);
        self.s.cache.report_key = Some(key);
        self.s.cache.report_computations += 1;
    }

    pub(super) fn fail(&mut self, message: &str) {
        self.s.fail(message);
    }

    pub(super) fn inform(&mut self, message: String) {
        self.s.inform(message);
    }

    /// Runs the queued commands. While an import batch is being undone on its thread, those
    /// that change the ledger (or plan an import on it) wait, in order, until it has finished:
    /// they would otherwise wait on the ledger's lock and fail. While the wizard's import is
    /// written, with the app's connection parked ([`Ledger::park`]), every command but a
    /// change of language waits.
    pub fn run_commands(&mut self, ctx: &egui::Context) {
        let mut held = Vec::new();
        let parked = self.s.ledger.is_parked();
        for command in std::mem::take(&mut self.s.commands) {
            let waits = if parked {
                !matches!(command, Command::SetLang(_))
            } else {
                self.batch_undo.is_some() && command.waits_for_undo()
            };
            if waits {
                held.push(command);
                continue;
            }
            self.run(command, ctx);
        }
        if !held.is_empty() {
            self.inform(
                if parked {
                    t(
                        self.s.lang,
                        "An import is being written; your change will be made when it has finished.",
                        "正在写入导入；写入完成后将进行您的更改。",
                    )
                } else {
                    t(
                        self.s.lang,
                        "An import is being undone; your change will be made when it has finished.",
                        "正在撤销导入；撤销完成后将进行您的更改。",
                    )
                }
                .to_owned(),
            );
            held.append(&mut self.s.commands);
            self.s.commands = held;
        }
    }

    /// The ledger name of the partner `id`, or `#id`.
    fn partner_name(&self, id: PartnerId) -> String {
        self.s
            .cache
            .partner(id)
            .map_or_else(|| format!("#{}", id.0), |x| x.name.clone())
    }

    fn write_step(
        &mut self,
        label: String,
        f: impl FnOnce(&mut crate::ledger::Writer<'_>) -> Result<(), LedgerError>,
    ) {
        match self.s.ledger.write(f) {
            Ok(()) => {
                let changes = self.s.ledger.take_recorded();
                self.record(label.clone(), Revert::Changes(changes));
                self.inform(label);
            }
            Err(e) => {
                let _ = self.s.ledger.take_recorded();
                self.fail(&e.to_string());
            }
        }
        self.refresh();
    }

    fn record(&mut self, label: String, revert: Revert) {
        if matches!(&revert, Revert::Changes(changes) if changes.is_empty()) {
            return;
        }
        self.undo.push(UndoStep { label, revert });
        self.redo.clear();
        let mut total: usize = self.undo.iter().map(|s| s.revert.len_bytes()).sum();
        while total > UNDO_BUDGET_BYTES && self.undo.len() > 1 {
            let dropped = self.undo.remove(0);
            total -= dropped.revert.len_bytes();
        }
    }

    fn run(&mut self, command: Command, ctx: &egui::Context) {
        let lang = self.s.lang;
        match command {
            Command::LoadSample => {
                let result = crate::import::load_sample(&mut self.s.ledger);
                let changes = self.s.ledger.take_recorded();
                match result {
                    Ok(summary) => {
                        let label = format!(
                            "{} {} {}",
                            t(lang, "Sample ledger loaded:", "已载入示例账本："),
                            count_text(summary.created),
                            t(lang, "agreements added", "项协议已添加")
                        );
                        self.record(label.clone(), Revert::Changes(changes));
                        self.inform(label);
                        self.refresh();
                        self.s.period = self.latest_period();
                        self.agreements.period = Some(self.s.period.clone());
                        self.s.page = Page::Dashboard;
                    }
                    Err(e) => self.fail(&e.to_string()),
                }
                self.refresh();
            }
            Command::AddAgreement(a) => {
                let label = format!("{} {}", t(lang, "Added", "已添加"), a.title);
                self.write_step(label, |w| w.add_agreement(&a).map(|_| ()));
            }
            Command::UpdateAgreement(a) => {
                let label = format!("{} {}", t(lang, "Saved", "已保存"), a.title);
                self.write_step(label, |w| w.update_agreement(&a).map(|_| ()));
            }
            Command::DeleteAgreement(id) => {
                let label = t(lang, "Agreement deleted", "已删除协议").to_owned();
                self.write_step(label, |w| w.delete_agreement(id));
            }
            Command::AddPartner(p) => {
                let label = format!("{} {}", t(lang, "Added", "已添加"), p.name);
                self.write_step(label, |w| w.add_partner(&p).map(|_| ()));
            }
            Command::UpdatePartner(p) => {
                let label = format!("{} {}", t(lang, "Saved", "已保存"), p.name);
                self.write_step(label, |w| w.update_partner(&p));
            }
            Command::MergePartners { from, into } => {
                let label = t(lang, "Partners merged", "已合并伙伴").to_owned();
                self.write_step(label, |w| w.merge_partners(from, into));
            }
            Command::SetRate(rate) => {
                let label = format!(
                    "{} {}/{} {}",
                    t(lang, "Rate set:", "已设置汇率："),
                    rate.currency,
                    rate.quote,
                    rate.valid_from
                );
                self.write_step(label, |w| w.set_rate(&rate));
            }
            Command::SetCurrency(c) => {
                let label = format!("{} {c}", t(lang, "Reporting currency:", "报告货币："));
                self.write_step(label, |w| w.set_reporting_currency(c));
            }
            Command::SetOrganisation(org) => {
                let label = format!(
                    "{} {}",
                    t(lang, "Organisation:", "本组织："),
                    org.display_name()
                );
                self.write_step(label, |w| w.set_organisation(&org));
            }
            Command::ReplaceLists(lists) => {
                let label = t(lang, "Reference lists saved", "已保存参考列表").to_owned();
                self.write_step(label, |w| w.replace_reference_lists(&lists));
            }
            Command::ImportCommitted { revert, summary } => {
                self.record(summary.clone(), revert);
                self.inform(summary);
                self.refresh();
                // Show what came in when the current period has nothing to show.
                self.report();
                let empty = matches!(&self.s.cache.report, Some(Ok(r)) if r.agreements_signed == 0);
                if empty {
                    self.s.period = self.latest_period();
                    self.agreements.period = Some(self.s.period.clone());
                }
            }
            Command::Undo => self.undo_redo(true),
            Command::Redo => self.undo_redo(false),
            Command::OpenLedger(path) => match Ledger::open(&path) {
                Ok(ledger) => {
                    self.keep_snapshot();
                    self.s.ledger = ledger;
                    if let Err(e) = self.s.ledger.set_recording(true) {
                        self.fail(&format!("undo is not available: {e}"));
                    }
                    self.undo.clear();
                    self.redo.clear();
                    self.s.cache = Cache::empty();
                    // The drafts of the settings page were the other ledger's.
                    self.settings = settings::SettingsView::default();
                    self.pipeline.reset();
                    self.wizard = None;
                    self.refresh();
                    self.s.period = self.latest_period();
                    self.agreements.period = Some(self.s.period.clone());
                    self.remember_recent();
                    self.inform(format!(
                        "{} {}",
                        t(lang, "Opened", "已打开"),
                        path.display()
                    ));
                }
                Err(e) => self.fail(&e.to_string()),
            },
            Command::Backup(path) => match self.s.ledger.backup(&path) {
                Ok(()) => self.inform(format!(
                    "{} {}",
                    t(lang, "Backup written to", "备份已写入"),
                    path.display()
                )),
                Err(e) => self.fail(&e.to_string()),
            },
            Command::SetLang(l) => {
                self.s.lang = l;
                ctx.request_repaint();
            }
            Command::ExportChart(kind, path) => {
                let result = self.export_chart(kind, &path);
                self.export_done(result, &path);
            }
            Command::CopyChart(kind) => self.copy_chart(kind, ctx),
            Command::ExportPdf(path) => {
                let pipeline = if self.s.pdf_pipeline {
                    super::pipeline::load_deals(&mut self.s);
                    self.s
                        .cache
                        .deals
                        .as_ref()
                        .map(|d| crate::chart::PipelineChart::from_figures(&d.figures, lang))
                } else {
                    None
                };
                let result =
                    crate::export::ReportData::load(&self.s.ledger, &self.s.period, self.s.top_n)
                        .and_then(|data| {
                            let template = crate::export::pdf::Template::bundled()?;
                            crate::export::pdf::report_pdf_with(
                                &data,
                                lang,
                                crate::export::pdf::Paper::A4,
                                &template,
                                pipeline.as_ref(),
                            )
                        })
                        .map_err(|e| e.to_string())
                        .and_then(|bytes| {
                            crate::files::write_whole(&path, &bytes).map_err(|e| e.to_string())
                        });
                self.export_done(result, &path);
            }
            Command::ExportXlsx(path) => {
                let result =
                    crate::export::ReportData::load(&self.s.ledger, &self.s.period, self.s.top_n)
                        .and_then(|data| crate::export::xlsx::report_xlsx(&data))
                        .map_err(|e| e.to_string())
                        .and_then(|bytes| {
                            crate::files::write_whole(&path, &bytes).map_err(|e| e.to_string())
                        });
                self.export_done(result, &path);
            }
            Command::StartImport(path) => {
                self.wizard = Some(ImportWizard::open(path, self.whole_read_bytes));
                self.s.page = Page::Import;
            }
            Command::CommitImport => {
                super::import_wizard::commit_import(&mut self.wizard, &mut self.s)
            }
            Command::ShowAgreements(period) => self.show_agreements(period),
            Command::PutDeal(d) => {
                let today = self.s.today();
                let label = format!("{} {}", t(lang, "Saved", "已保存"), d.title);
                self.write_step(label, |w| w.put_opportunity(&d, today).map(|_| ()));
            }
            Command::MoveDeal { id, stage, reason } => {
                let today = self.s.today();
                let title = self
                    .s
                    .cache
                    .deals
                    .as_ref()
                    .and_then(|d| d.index.get(&id).and_then(|&i| d.deals.get(i)))
                    .map_or_else(|| format!("#{}", id.0), |d| d.title.clone());
                let label = format!(
                    "{} {title} → {}",
                    t(lang, "Moved", "已移动"),
                    crate::chart::stage_label(stage, lang)
                );
                self.write_step(label, |w| {
                    let Some(mut deal) = w.opportunity(id)? else {
                        return Err(LedgerError::Refused(format!("there is no deal #{}", id.0)));
                    };
                    deal.stage = stage;
                    if !reason.trim().is_empty() {
                        deal.reason = reason.trim().to_owned();
                    }
                    w.put_opportunity(&deal, today).map(|_| ())
                });
            }
            Command::SignDeal { id, agreement } => {
                let label = format!("{} {}", t(lang, "Signed", "已签署"), agreement.title);
                self.write_step(label, |w| w.sign_opportunity(id, &agreement).map(|_| ()));
            }
            Command::PutProspect {
                prospect,
                new_partner,
            } => {
                let name = match &new_partner {
                    Some(p) => p.name.clone(),
                    None => self.partner_name(prospect.partner_id),
                };
                let label = format!("{} {name}", t(lang, "Saved the profile of", "已保存档案："));
                self.write_step(label, |w| {
                    let partner_id = match &new_partner {
                        Some(p) => w.add_partner(p)?,
                        None => prospect.partner_id,
                    };
                    w.put_prospect(&Prospect {
                        partner_id,
                        ..*prospect
                    })
                    .map(|_| ())
                });
            }
            Command::DeleteProspect(id) => {
                let name = self.partner_name(id);
                let label = format!(
                    "{} {name}",
                    t(lang, "Deleted the profile of", "已删除档案：")
                );
                self.write_step(label, |w| w.delete_prospect(id));
            }
            Command::SetReportSettings(settings) => {
                let label = format!(
                    "{} {}",
                    t(lang, "Top partners listed:", "列出的主要伙伴数："),
                    settings.top
                );
                self.write_step(label, |w| w.set_report_settings(&settings));
            }
            Command::SetStageProbabilities(p) => {
                let label = t(lang, "Stage probabilities saved", "已保存各阶段概率").to_owned();
                self.write_step(label, |w| w.set_stage_probabilities(&p));
            }
        }
    }

    /// Writes the dashboard's own chart model of `kind` as a PNG: the file shows what the
    /// screen shows.
    fn export_chart(&self, kind: crate::chart::ChartKind, path: &Path) -> Result<(), String> {
        let svg = self.chart_svg(kind)?;
        let png = crate::export::png::svg_to_png(&svg, crate::export::png::PngSize::WidthPx(1280))
            .map_err(|e| e.to_string())?;
        crate::files::write_whole(path, &png)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Puts the dashboard's chart of `kind` on the clipboard as the image its PNG is
    /// (1280 px wide, on white), ready to paste into slides.
    fn copy_chart(&mut self, kind: crate::chart::ChartKind, ctx: &egui::Context) {
        let image = self.chart_svg(kind).and_then(|svg| {
            crate::export::png::svg_to_rgba(&svg, crate::export::png::PngSize::WidthPx(1280))
                .map_err(|e| e.to_string())
        });
        match image {
            Ok(image) => {
                let size = [
                    usize::try_from(image.width_px).unwrap_or(0),
                    usize::try_from(image.height_px).unwrap_or(0),
                ];
                ctx.copy_image(egui::ColorImage::from_rgba_unmultiplied(size, &image.bytes));
                let lang = self.s.lang;
                self.inform(format!(
                    "{} {}",
                    kind.title(lang),
                    t(lang, "copied as an image", "已作为图片复制")
                ));
            }
            Err(e) => self.fail(&e),
        }
    }

    /// The SVG of the dashboard's chart of `kind`, as its PNG draws it.
    fn chart_svg(&self, kind: crate::chart::ChartKind) -> Result<String, String> {
        use crate::chart::svg::{SvgOptions, pie_svg, pipeline_svg, table_svg};
        let options = SvgOptions {
            width_px: 1280,
            ..SvgOptions::default()
        };
        let svg = if kind == crate::chart::ChartKind::Pipeline {
            let deals = self.s.cache.deals.as_ref().ok_or("no pipeline to export")?;
            pipeline_svg(&deals.chart.1, options)
        } else if kind == crate::chart::ChartKind::TopPartners {
            let table = self.s.cache.top.as_ref().ok_or("no report to export")?;
            table_svg(table, options)
        } else {
            let pie = self
                .s
                .cache
                .pies
                .iter()
                .find(|p| p.kind == kind)
                .ok_or("no report to export")?;
            pie_svg(pie, options)
        };
        Ok(svg)
    }

    fn export_done(&mut self, result: Result<(), String>, path: &Path) {
        match result {
            Ok(()) => self.inform(format!(
                "{} {}",
                t(self.s.lang, "Exported", "已导出"),
                path.display()
            )),
            Err(e) => self.fail(&e),
        }
    }

    fn undo_redo(&mut self, undo: bool) {
        let lang = self.s.lang;
        let Some(step) = (if undo {
            self.undo.pop()
        } else {
            self.redo.pop()
        }) else {
            return;
        };
        let changes = match step.revert {
            Revert::Changes(changes) => changes,
            Revert::Batch(batch) => return self.start_batch_undo(step.label, batch),
        };
        match self.s.ledger.revert(&changes) {
            Ok(back) => {
                let verb = if undo {
                    t(lang, "Undone:", "已撤销：")
                } else {
                    t(lang, "Redone:", "已重做：")
                };
                self.inform(format!("{verb} {}", step.label));
                let step = UndoStep {
                    label: step.label,
                    revert: Revert::Changes(back),
                };
                if undo {
                    self.redo.push(step);
                } else {
                    self.undo.push(step);
                }
            }
            Err(e) => {
                self.fail(&e.to_string());
                self.undo.clear();
                self.redo.clear();
            }
        }
        self.refresh();
    }

    /// Undoes import batch `batch`, labelled `label`, without recording what redo would need
    /// (for a million agreements that would be hundreds of megabytes). On a ledger file it
    /// runs on a connection and a thread of its own, so the window keeps drawing; the
    /// outcome arrives in [`PledgerApp::poll_batch_undo`].
    fn start_batch_undo(&mut self, label: String, batch: i64) {
        let Some(path) = self.s.ledger.path().map(Path::to_path_buf) else {
            self.s.ledger.set_recording(false).ok();
            let undone = crate::import::undo(&mut self.s.ledger, batch);
            self.s.ledger.set_recording(true).ok();
            return self.batch_undone(&label, undone.map(|_| ()).map_err(|e| e.to_string()));
        };
        let (tx, done) = std::sync::mpsc::channel();
        let spawned = std::thread::Builder::new()
            .name("pledger-undo-import".into())
            .spawn(move || {
                let undone =
                    Ledger::open(&path).and_then(|mut l| crate::import::undo(&mut l, batch));
                let _ = tx.send(undone.map(|_| ()).map_err(|e| e.to_string()));
            });
        match spawned {
            Ok(_) => {
                self.inform(format!(
                    "{} {label}…",
                    t(self.s.lang, "Undoing:", "正在撤销：")
                ));
                self.batch_undo = Some(BatchUndo { label, done });
            }
            Err(e) => self.batch_undone(&label, Err(e.to_string())),
        }
    }

    /// Whether an import batch is being undone on its own thread.
    pub(super) fn undoing_import(&self) -> bool {
        self.batch_undo.is_some()
    }

    /// Takes the outcome of a batch undo running on its thread, once it has one.
    fn poll_batch_undo(&mut self, ctx: &egui::Context) {
        let Some(pending) = &self.batch_undo else {
            return;
        };
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
        let outcome = match pending.done.try_recv() {
            Ok(outcome) => outcome,
            Err(std::sync::mpsc::TryRecvError::Empty) => return,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                Err("the undo stopped before it finished; nothing was changed".to_owned())
            }
        };
        let label = pending.label.clone();
        self.batch_undo = None;
        self.batch_undone(&label, outcome);
    }

    /// Tells how the undo of an import batch went.
    fn batch_undone(&mut self, label: &str, outcome: Result<(), String>) {
        let lang = self.s.lang;
        match outcome {
            Ok(()) => self.inform(format!(
                "{} {label} {}",
                t(lang, "Undone:", "已撤销："),
                t(
                    lang,
                    "(to redo it, import the file again)",
                    "（如需重做，请重新导入该文件）"
                )
            )),
            Err(e) => {
                self.fail(&e);
                self.undo.clear();
                self.redo.clear();
            }
        }
        self.refresh();
    }

    /// Writes the snapshot of a large ledger to its file, for a quick first report the
    /// next time the ledger is opened ([`Snapshot::load_cached`]).
    pub fn keep_snapshot(&mut self) {
        let file = self
            .s
            .ledger
            .path()
            .and_then(crate::ledger::snapshot_cache_path);
        if let (true, Some(snapshot), Some(file)) =
            (self.s.cache.snapshot_fresh, &self.s.cache.snapshot, file)
        {
            // Only a cache: without it the next start reads the ledger.
            let _ = snapshot.store(&file);
            self.s.cache.snapshot_fresh = false;
        }
    }

    fn remember_recent(&mut self) {
        if let Some(path) = self.s.ledger.path().map(Path::to_path_buf) {
            self.s.recent.retain(|p| *p != path);
            self.s.recent.insert(0, path);
            self.s.recent.truncate(8);
        }
    }

    /// `Pledger — ledger.sqlite3`.
    pub fn window_title(&self) -> String {
        let name = self
            .s
            .ledger
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| t(self.s.lang, "(in memory)", "（内存中）").to_owned());
        format!("Pledger — {name}")
    }

    fn is_empty_ledger(&self) -> bool {
        self.s.cache.agreement_count == 0 && self.s.cache.partners.is_empty()
    }

    fn shortcuts(&mut self, ui: &Ui) {
        let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
        let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
        let typing = ui.ctx().egui_wants_keyboard_input();
        if typing {
            return;
        }
        ui.input_mut(|i| {
            if i.consume_shortcut(&redo) {
                self.s.commands.push(Command::Redo);
            } else if i.consume_shortcut(&undo) {
                self.s.commands.push(Command::Undo);
            }
        });
        let dropped: Vec<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            self.s.commands.push(Command::StartImport(path));
        }
    }

    fn menu_ui(&mut self, ui: &mut Ui) {
        let lang = self.s.lang;
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button(t(lang, "File", "文件"), |ui| {
                if ui.button(t(lang, "Open ledger…", "打开账本…")).clicked()
                    && let Some(path) = self.s.dialogs.pick_ledger()
                {
                    self.s.commands.push(Command::OpenLedger(path));
                }
                if ui.button(t(lang, "New ledger…", "新建账本…")).clicked()
                    && let Some(path) = self.s.dialogs.save_file("ledger.sqlite3", "sqlite3")
                {
                    self.s.commands.push(Command::OpenLedger(path));
                }
                if ui.button(t(lang, "Backup…", "备份…")).clicked()
                    && let Some(path) = self.s.dialogs.save_file("ledger-backup.sqlite3", "sqlite3")
                {
                    self.s.commands.push(Command::Backup(path));
                }
                ui.menu_button(t(lang, "Recent ledgers", "最近的账本"), |ui| {
                    if self.s.recent.is_empty() {
                        ui.label(t(lang, "None yet", "暂无"));
                    }
                    for path in self.s.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            self.s.commands.push(Command::OpenLedger(path));
                        }
                    }
                });
                ui.separator();
                if ui
                    .button(t(lang, "Import a workbook…", "导入工作簿…"))
                    .clicked()
                    && let Some(path) = self.s.dialogs.pick_workbook()
                {
                    self.s.commands.push(Command::StartImport(path));
                }
                ui.separator();
                if ui.button(t(lang, "Quit", "退出")).clicked() {
                    ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button(t(lang, "Edit", "编辑"), |ui| {
                let undo_label = match self.undo.last() {
                    Some(s) => format!("{} {}", t(lang, "Undo", "撤销"), s.label),
                    None => t(lang, "Undo", "撤销").to_owned(),
                };
                if ui
                    .add_enabled(
                        !self.undo.is_empty(),
                        egui::Button::new(undo_label).shortcut_text("Ctrl+Z"),
                    )
                    .clicked()
                {
                    self.s.commands.push(Command::Undo);
                }
                if ui
                    .add_enabled(
                        !self.redo.is_empty(),
                        egui::Button::new(t(lang, "Redo", "重做")).shortcut_text("Ctrl+Shift+Z"),
                    )
                    .clicked()
                {
                    self.s.commands.push(Command::Redo);
                }
            });
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                for (l, name) in [(Lang::Zh, "中文"), (Lang::En, "English")] {
                    if ui.selectable_label(self.s.lang == l, name).clicked() && self.s.lang != l {
                        self.s.commands.push(Command::SetLang(l));
                    }
                }
            });
        });
    }

    fn tabs_ui(&mut self, ui: &mut Ui) {
        let lang = self.s.lang;
        ui.horizontal(|ui| {
            for (page, en, zh) in [
                (Page::Dashboard, "Dashboard", "仪表板"),
                (Page::Agreements, "Agreements", "协议"),
                (Page::Pipeline, "Pipeline", "筹资渠道"),
                (Page::Partners, "Partners", "伙伴"),
                (Page::MoneyIn, "Money in", "资金到账"),
                (Page::Prospects, "Prospects", "潜在伙伴"),
                (Page::Import, "Import", "导入"),
                (Page::Settings, "Settings", "设置"),
            ] {
                let text = RichText::new(t(lang, en, zh)).size(15.0);
                if ui.selectable_label(self.s.page == page, text).clicked() {
                    self.s.page = page;
                }
            }
        });
    }

    fn status_ui(&mut self, ui: &mut Ui) {
        ui.horizontal(|ui| {
            if let Some((message, error)) = &self.s.status {
                let c = if *error {
                    palette::ERROR
                } else {
                    palette::MUTED
                };
                ui.label(RichText::new(message).color(color(c)));
                if ui.small_button("×").clicked() {
                    self.s.status = None;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(
                    RichText::new(format!(
                        "{} {} · {} {}",
                        count_text(self.s.cache.agreement_count),
                        t(self.s.lang, "agreements", "项协议"),
                        t(self.s.lang, "revision", "版本"),
                        self.s.cache.revision.unwrap_or(0)
                    ))
                    .small()
                    .color(color(palette::MUTED)),
                );
            });
        });
    }

    fn welcome_ui(&mut self, ui: &mut Ui) {
        let lang = self.s.lang;
        ui.vertical_centered(|ui| {
            ui.add_space(60.0);
            ui.heading(RichText::new(t(lang, "Welcome to Pledger", "欢迎使用 Pledger")).size(26.0));
            ui.add_space(8.0);
            ui.label(t(
                lang,
                "This ledger is empty. Start with the sample, a consultant's workbook, or your first partner.",
                "此账本为空。可以从示例账本、顾问的工作簿或第一个伙伴开始。",
            ));
            ui.add_space(20.0);
            let size = egui::vec2(260.0, 36.0);
            if ui
                .add_sized(size, egui::Button::new(t(lang, "Load the sample ledger", "载入示例账本")))
                .clicked()
            {
                self.s.commands.push(Command::LoadSample);
            }
            if ui
                .add_sized(size, egui::Button::new(t(lang, "Import a workbook…", "导入工作簿…")))
                .clicked()
                && let Some(path) = self.s.dialogs.pick_workbook()
            {
                self.s.commands.push(Command::StartImport(path));
            }
            if ui
                .add_sized(size, egui::Button::new(t(lang, "Add a partner…", "添加伙伴…")))
                .clicked()
            {
                self.s.page = Page::Partners;
                self.partners_view.start_new();
            }
        });
    }

    /// One frame of the whole window.
    pub fn frame_ui(&mut self, ui: &mut Ui) {
        self.shortcuts(ui);
        self.poll_batch_undo(ui.ctx());
        // The pages see whether the ledger is busy with an import's undo.
        self.s.undoing_import = self.undoing_import();
        if let Some(wizard) = &mut self.wizard {
            wizard.lang = self.s.lang;
            if let Some(done) = wizard.poll(ui.ctx()) {
                self.s.commands.push(done);
            }
        }
        // The wizard's import has finished writing: the app opens its ledger file again.
        if self.s.ledger.is_parked()
            && !self.wizard.as_ref().is_some_and(|w| w.committing())
            && let Err(e) = self.s.ledger.unpark()
        {
            self.fail(&e.to_string());
        }
        self.report();
        let title = self.window_title();
        if self.title_shown.as_ref() != Some(&title) {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.title_shown = Some(title);
        }
        egui::Panel::top("menu").show(ui, |ui| {
            self.menu_ui(ui);
            ui.add_space(2.0);
            self.tabs_ui(ui);
            ui.add_space(2.0);
        });
        egui::Panel::bottom("status").show(ui, |ui| self.status_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| {
            if self.is_empty_ledger() && self.s.page == Page::Dashboard {
                self.welcome_ui(ui);
                return;
            }
            match self.s.page {
                Page::Dashboard => super::dashboard::dashboard_ui(&mut self.s, ui),
                Page::Agreements => self.agreements.agreements_ui(&mut self.s, ui),
                Page::Partners => self.partners_view.partners_ui(&mut self.s, ui),
                Page::Import => super::import_wizard::import_ui(&mut self.wizard, &mut self.s, ui),
                Page::Settings => self.settings.settings_ui(&mut self.s, ui),
                Page::Prospects => self.prospects.prospects_ui(&mut self.s, ui),
                Page::Pipeline => self.pipeline.pipeline_ui(&mut self.s, ui),
                Page::MoneyIn => super::money_in::money_in_ui(
                    ui,
                    self.s.lang,
                    &mut self.money_in,
                    &self.s.ledger,
                ),
            }
        });
        let ctx = ui.ctx().clone();
        self.run_commands(&ctx);
    }
}

impl eframe::App for PledgerApp {
    fn ui(&mut self, ui: &mut Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        let remembered = Remembered {
            lang: Some(self.s.lang),
            recent: self.s.recent.clone(),
            pdf_pipeline: self.s.pdf_pipeline,
        };
        eframe::set_value(storage, REMEMBERED_KEY, &remembered);
    }

    fn on_exit(&mut self) {
        self.keep_snapshot();
    }
}

/// The quarter of today's date.
fn today_quarter() -> Period {
    use chrono::Datelike;
    let today = chrono::Local::now().date_naive();
    Period::quarter(today.year(), today.month0() / 3 + 1).unwrap_or(Period {
        kind: crate::domain::PeriodKind::Year,
        from: today,
        to: today,
    })
}
