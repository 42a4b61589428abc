//! The import wizard: read a workbook on a background thread, show the mapping, a preview
//! with each problem on its cell, partner matches to confirm, then commit in one
//! transaction (on a background thread for a ledger file) that the undo history records.
//!
//! An xlsx or xlsb larger than [`WHOLE_READ_BYTES`] is not held whole: the wizard reads
//! the first [`PREVIEW_ROWS`] rows of each sheet for the mapping and the preview, plans the
//! whole sheet with a streamed dry run, and commits with a streamed import of the same file
//! (refused if the file changed since), which undo takes back as an import batch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};

use egui::{RichText, Ui};

use super::form::choice_ui;
use super::format::t;
use super::format::{count_text, counted};
use super::pie::color;
use super::state::{Command, Revert, Shared};
use crate::chart::palette;
use crate::domain::Partner;
use crate::import::{
    self, CommitSummary, ImportError, ImportKind, ImportOptions, NamedMapping, Phase, Plan,
    Progress, Severity, Workbook, column_letter,
};
use crate::ledger::Ledger;

/// Workbooks up to this size are read whole; a larger xlsx or xlsb is previewed from its
/// first rows and imported as it is read (a 100,000-row sheet is about 8 MB on disk and
/// 80 MB once read whole).
pub const WHOLE_READ_BYTES: u64 = 4 << 20;
/// Rows of each sheet a large workbook shows in the preview.
pub const PREVIEW_ROWS: usize = 1000;

enum Stage {
    Reading,
    Planning,
    Review,
    Committing,
    Done(String),
}

/// A workbook as the wizard read it.
struct Opened {
    workbook: Workbook,
    /// Only the first [`PREVIEW_ROWS`] rows of each sheet: plan and commit stream the file.
    head_only: bool,
}

enum Message {
    Progress(Progress),
    Read(Result<Opened, String>),
    Planned(Result<Box<(Plan, NamedMapping)>, String>),
    Committed(Result<(Revert, CommitSummary), String>),
}

/// Runs `work` on a named thread; it reports progress and stops when `cancel` is set.
fn spawn(
    name: &str,
    cancel: Arc<AtomicBool>,
    work: impl FnOnce(&mut dyn FnMut(Progress) -> bool) -> Message + Send + 'static,
) -> Result<Receiver<Message>, String> {
    let (tx, rx) = channel::<Message>();
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || {
            let progress_tx: Sender<Message> = tx.clone();
            let mut report = move |p: Progress| {
                let _ = progress_tx.send(Message::Progress(p));
                !cancel.load(Ordering::Relaxed)
            };
            let done = work(&mut report);
            let _ = tx.send(done);
        })
        .map_err(|e| e.to_string())?;
    Ok(rx)
}

/// The wizard's state for one file.
pub struct ImportWizard {
    /// The language of the messages it writes.
    pub lang: crate::domain::Lang,
    path: PathBuf,
    stage: Stage,
    rx: Option<Receiver<Message>>,
    cancel: Arc<AtomicBool>,
    progress: Option<Progress>,
    workbook: Option<Arc<Workbook>>,
    /// The workbook holds the first rows of each sheet only.
    head_only: bool,
    options: ImportOptions,
    /// What the rows are; guessed from the headers when the workbook is read.
    kind: ImportKind,
    plan: Option<Plan>,
    mapping: Option<NamedMapping>,
    error: Option<String>,
    needs_plan: bool,
    skip_invalid: bool,
}

impl ImportWizard {
    /// Starts reading `path` on a background thread: whole, or, when it is an xlsx or xlsb
    /// larger than `whole_read_bytes`, its first rows.
    pub fn open(path: PathBuf, whole_read_bytes: u64) -> ImportWizard {
        let cancel = Arc::new(AtomicBool::new(false));
        let reading = path.clone();
        let rx = spawn("pledger-import-read", cancel.clone(), move |report| {
            let large = std::fs::metadata(&reading).is_ok_and(|m| m.len() > whole_read_bytes);
            let head = if large {
                import::read_head(&reading, PREVIEW_ROWS)
            } else {
                Ok(None)
            };
            let opened = head.and_then(|head| match head {
                Some(workbook) => Ok(Opened {
                    workbook,
                    head_only: true,
                }),
                None => import::read_file_with_progress(&reading, report).map(|workbook| Opened {
                    workbook,
                    head_only: false,
                }),
            });
            Message::Read(opened.map_err(|e| e.to_string()))
        });
        let mut wizard = ImportWizard {
            lang: crate::domain::Lang::En,
            path,
            stage: Stage::Reading,
            rx: None,
            cancel,
            progress: None,
            workbook: None,
            head_only: false,
            options: ImportOptions::default(),
            kind: ImportKind::Agreements,
            plan: None,
            mapping: None,
            error: None,
            needs_plan: false,
            skip_invalid: false,
        };
        match rx {
            Ok(rx) => wizard.rx = Some(rx),
            Err(e) => wizard.error = Some(e),
        }
        wizard
    }

    /// Takes a new plan (or none); the plan carries its near matches.
    fn set_plan(&mut self, plan: Option<Plan>) {
        self.plan = plan;
    }

    /// Whether the import is being written (on its thread).
    pub fn committing(&self) -> bool {
        matches!(self.stage, Stage::Committing)
    }

    /// Asks the background work to stop; it writes nothing.
    pub fn cancel(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Takes what the background thread sent; a finished commit becomes a command.
    pub fn poll(&mut self, ctx: &egui::Context) -> Option<Command> {
        let rx = self.rx.as_ref()?;
        ctx.request_repaint_after(std::time::Duration::from_millis(50));
        let mut last = None;
        while let Ok(message) = rx.try_recv() {
            match message {
                Message::Progress(p) => self.progress = Some(p),
                done => {
                    last = Some(done);
                    break;
                }
            }
        }
        let message = last?;
        self.rx = None;
        self.progress = None;
        match message {
            Message::Progress(_) => None,
            Message::Read(Ok(opened)) => {
                self.options.reviewed_sha256 = Some(opened.workbook.sha256.clone());
                self.kind = ImportKind::of_workbook(&opened.workbook);
                self.head_only = opened.head_only;
                self.workbook = Some(Arc::new(opened.workbook));
                self.stage = Stage::Review;
                self.needs_plan = true;
                None
            }
            Message::Planned(Ok(planned)) => {
                let (plan, mapping) = *planned;
                self.set_plan(Some(plan));
                self.mapping = Some(mapping);
                self.stage = Stage::Review;
                self.error = None;
                None
            }
            Message::Committed(Ok((revert, summary))) => {
                let text = summary_text(self.lang, &summary);
                self.stage = Stage::Done(text.clone());
                Some(Command::ImportCommitted {
                    revert,
                    summary: text,
                })
            }
            Message::Read(Err(e)) | Message::Planned(Err(e)) | Message::Committed(Err(e)) => {
                self.error = Some(e);
                self.set_plan(None);
                self.stage = Stage::Review;
                self.cancel.store(false, Ordering::Relaxed);
                None
            }
        }
    }
}

fn summary_text(lang: crate::domain::Lang, s: &CommitSummary) -> String {
    let [created, updated, unchanged] = [s.created, s.updated, s.unchanged].map(count_text);
    let partners = counted(lang, s.partners_created, "new partner", "new partners", "");
    let left_out = counted(lang, s.skipped_invalid, "row left out", "rows left out", "");
    match lang {
        crate::domain::Lang::En => format!(
            "Import: {created} created, {updated} updated, {unchanged} unchanged, {partners}, {left_out}"
        ),
        crate::domain::Lang::Zh => format!(
            "导入：新增 {created} 项，更新 {updated} 项，未变 {unchanged} 项，新伙伴 {} 个，跳过 {} 行",
            count_text(s.partners_created),
            count_text(s.skipped_invalid)
        ),
    }
}

/// Plans the whole of `file` as rows of `kind` with a dry run of the import pipeline:
/// nothing is written.
fn plan_streamed(
    ledger: &mut Ledger,
    kind: ImportKind,
    file: &Path,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<(Plan, NamedMapping), ImportError> {
    let done = kind.import_file(ledger, file, options, false, true, progress)?;
    Ok((done.plan, done.mapping))
}

/// What the wizard's review decided, which its Commit imports.
#[derive(Clone, Debug)]
pub struct Reviewed {
    /// What the rows are.
    pub kind: ImportKind,
    /// The file.
    pub file: PathBuf,
    /// The choices made in the review (its SHA-256 among them: a file changed since is
    /// refused).
    pub options: ImportOptions,
    /// The plan the review showed.
    pub plan: Plan,
    /// The wizard held only the first rows of each sheet.
    pub head_only: bool,
    /// Commit the valid rows only.
    pub skip_invalid: bool,
}

/// An import the wizard reviewed whole of fewer rows than this is recorded change by change,
/// so that redo can restore it after an undo; a larger one is undone by its import batch,
/// which keeps nothing for redo (recording a bulk import's rows would cost memory and time).
const RECORDED_ROWS: usize = 10_000;

/// What the wizard's Commit does on a ledger file, on its thread and a connection of its
/// own (the app's is parked meanwhile): imports the file as `reviewed` planned it. Public
/// so that the import benchmark times the app's own path.
pub fn commit_reviewed(
    ledger_path: &Path,
    reviewed: &Reviewed,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<(Revert, CommitSummary), String> {
    let recorded = recorded(&reviewed.plan, reviewed.head_only);
    let mut ledger = Ledger::open(ledger_path).map_err(|e| e.to_string())?;
    ledger.set_recording(recorded).map_err(|e| e.to_string())?;
    commit_file(&mut ledger, reviewed, recorded, progress).map_err(|e| e.to_string())
}

/// Whether the commit of `reviewed` is recorded for redo ([`RECORDED_ROWS`]).
fn recorded(reviewed: &Plan, head_only: bool) -> bool {
    let (created, updated, _) = reviewed.counts();
    !head_only && created + updated < RECORDED_ROWS
}

/// Imports `file` through the import pipeline, in one transaction, on `ledger`, which
/// records its changes. A file the wizard holds whole (`recorded`) is undone and redone by
/// those changes, exactly; a larger one is taken back by its import batch.
fn commit_file(
    ledger: &mut Ledger,
    r: &Reviewed,
    recorded: bool,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<(Revert, CommitSummary), ImportError> {
    let done = r
        .kind
        .import_file(ledger, &r.file, &r.options, r.skip_invalid, false, progress);
    // What the triggers recorded: the import's changes, or nothing.
    let changes = ledger.take_recorded();
    let summary = done?
        .committed
        .unwrap_or_else(|| Err(ImportError::Usage("a dry run commits nothing".into())))?;
    let revert = match summary.batch {
        Some(_) if recorded => Revert::Changes(changes),
        Some(batch) => Revert::Batch(batch),
        None => Revert::Changes(Vec::new()),
    };
    Ok((revert, summary))
}

fn plan_import(wizard_slot: &mut Option<ImportWizard>, s: &mut Shared) {
    // Planning takes the ledger's write lock for a moment (a dry run): it waits for an
    // import's undo running on its own thread.
    if s.undoing_import {
        return;
    }
    let Some(wizard) = wizard_slot else {
        return;
    };
    if !wizard.needs_plan {
        return;
    }
    wizard.needs_plan = false;
    if wizard.workbook.is_none() {
        return;
    }
    let file = wizard.path.clone();
    let kind = wizard.kind;
    let planned = match s.ledger.path().map(Path::to_path_buf) {
        Some(path) => {
            let options = wizard.options.clone();
            let rx = spawn(
                "pledger-import-plan",
                wizard.cancel.clone(),
                move |report| {
                    let result =
                        Ledger::open(&path)
                            .map_err(|e| e.to_string())
                            .and_then(|mut ledger| {
                                plan_streamed(&mut ledger, kind, &file, &options, report)
                                    .map_err(|e| e.to_string())
                            });
                    Message::Planned(result.map(Box::new))
                },
            );
            match rx {
                Ok(rx) => {
                    wizard.rx = Some(rx);
                    wizard.stage = Stage::Planning;
                }
                Err(e) => wizard.error = Some(e),
            }
            None
        }
        None => Some(plan_streamed(
            &mut s.ledger,
            kind,
            &file,
            &wizard.options,
            &mut |_| true,
        )),
    };
    match planned {
        None => {}
        Some(Ok((plan, mapping))) => {
            wizard.set_plan(Some(plan));
            wizard.mapping = Some(mapping);
            wizard.error = None;
        }
        Some(Err(e)) => {
            wizard.set_plan(None);
            wizard.error = Some(e.to_string());
        }
    }
}

/// The import page.
pub(super) fn import_ui(wizard_slot: &mut Option<ImportWizard>, s: &mut Shared, ui: &mut Ui) {
    let lang = s.lang;
    plan_import(wizard_slot, s);
    let undoing = s.undoing_import;
    let Some(wizard) = wizard_slot else {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.label(t(
                lang,
                "Choose a workbook (xlsx, xlsb, xls, ods, csv) or drop it on the window.",
                "选择工作簿（xlsx、xlsb、xls、ods、csv），或将其拖放到窗口中。",
            ));
            if ui
                .button(t(lang, "Import a workbook…", "导入工作簿…"))
                .clicked()
                && let Some(path) = s.dialogs.pick_workbook()
            {
                s.commands.push(Command::StartImport(path));
            }
        });
        return;
    };
    ui.horizontal(|ui| {
        ui.heading(format!(
            "{} {}",
            t(lang, "Import", "导入"),
            wizard
                .path
                .file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        ));
    });
    if let Some(e) = &wizard.error {
        ui.label(RichText::new(e).color(color(palette::ERROR)));
    }
    let mut close = false;
    match &wizard.stage {
        Stage::Reading | Stage::Planning | Stage::Committing => {
            let (phase, total) = match wizard.progress {
                Some(p) => (Some(p.phase), p.rows_total),
                None => (None, None),
            };
            let done = wizard.progress.map_or(0, |p| p.rows_done);
            // A streamed plan is a dry run: its rows go through the writing phase too.
            let what = match (&wizard.stage, phase) {
                (Stage::Committing, _) => t(lang, "Writing to the ledger…", "正在写入账本…"),
                (Stage::Planning, _) | (_, Some(Phase::Planning)) => {
                    t(lang, "Checking the rows…", "正在检查各行…")
                }
                (_, Some(Phase::Writing)) => t(lang, "Writing to the ledger…", "正在写入账本…"),
                _ => t(lang, "Reading the workbook…", "正在读取工作簿…"),
            };
            #[allow(
                clippy::cast_precision_loss,
                clippy::float_arithmetic,
                reason = "a progress bar"
            )]
            let fraction = total.filter(|&t| t > 0).map(|t| done as f32 / t as f32);
            let bar = match fraction {
                Some(f) => egui::ProgressBar::new(f.clamp(0.0, 1.0)).show_percentage(),
                None => egui::ProgressBar::new(0.0).animate(true),
            };
            ui.add(bar.text(format!(
                "{what} {} {}",
                count_text(done),
                t(lang, "rows", "行")
            )));
            if ui.button(t(lang, "Cancel", "取消")).clicked() {
                wizard.cancel();
                if matches!(wizard.stage, Stage::Reading) {
                    close = true;
                }
            }
        }
        Stage::Done(summary) => {
            ui.label(RichText::new(summary).strong());
            ui.horizontal(|ui| {
                if ui
                    .button(t(lang, "Show the dashboard", "查看仪表板"))
                    .clicked()
                {
                    s.page = super::state::Page::Dashboard;
                    close = true;
                }
                if ui.button(t(lang, "Close", "关闭")).clicked() {
                    close = true;
                }
            });
        }
        Stage::Review => {
            let mut replan = false;
            if let Some(workbook) = wizard.workbook.clone() {
                ui.horizontal(|ui| {
                    let label = t(lang, "The rows are", "各行内容");
                    ui.label(label);
                    let mut kind = wizard.kind;
                    let kinds = KINDS.iter().map(|(k, en, zh)| (*k, t(lang, en, zh)));
                    choice_ui(ui, label, &mut kind, kinds, "");
                    if kind != wizard.kind {
                        wizard.kind = kind;
                        wizard.options.header_row = None;
                        wizard.options.map.clear();
                        replan = true;
                    }
                    ui.separator();
                    ui.label(t(lang, "Sheet", "工作表"));
                    let current = wizard
                        .plan
                        .as_ref()
                        .map(|p| p.sheet.clone())
                        .or_else(|| wizard.options.sheet.clone())
                        .unwrap_or_default();
                    egui::ComboBox::from_id_salt("import-sheet")
                        .selected_text(&current)
                        .show_ui(ui, |ui| {
                            for s in &workbook.sheets {
                                if ui.selectable_label(s.name == current, &s.name).clicked() {
                                    wizard.options.sheet = Some(s.name.clone());
                                    wizard.options.header_row = None;
                                    wizard.options.map.clear();
                                    replan = true;
                                }
                            }
                        })
                        .response
                        .widget_info(|| {
                            egui::WidgetInfo::labeled(
                                egui::Role::ComboBox,
                                true,
                                t(lang, "Sheet", "工作表"),
                            )
                        });
                    ui.label(t(lang, "Header row", "标题行"));
                    let mut row = wizard.plan.as_ref().map_or(1, |p| p.header_row);
                    let spin = ui.add(egui::DragValue::new(&mut row).range(1..=1000));
                    spin.widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::SpinButton,
                            true,
                            t(lang, "Header row", "标题行"),
                        )
                    });
                    if spin.changed() {
                        wizard.options.header_row = Some(row);
                        wizard.options.map.clear();
                        replan = true;
                    }
                });
                if let (Some(plan), Some(mapping)) = (&wizard.plan, &wizard.mapping) {
                    replan |= mapping_ui(ui, lang, mapping, &mut wizard.options);
                    ui.separator();
                    if wizard.kind == ImportKind::Agreements {
                        replan |=
                            matches_ui(ui, lang, plan, &s.cache.partners, &mut wizard.options);
                    }
                    plan_summary_ui(ui, lang, plan);
                    ui.checkbox(
                        &mut wizard.skip_invalid,
                        t(
                            lang,
                            "Commit the valid rows only (leave rows with errors out)",
                            "仅提交有效行（跳过有错误的行）",
                        ),
                    );
                    ui.horizontal(|ui| {
                        let blocked = plan.error_count() > 0 && !wizard.skip_invalid;
                        let button = egui::Button::new(RichText::new(t(lang, "Commit import", "提交导入")).strong());
                        if ui.add_enabled(!blocked && !undoing, button).clicked() {
                            s.commands.push(Command::CommitImport);
                        }
                        if ui.button(t(lang, "Cancel", "取消")).clicked() {
                            close = true;
                        }
                        if undoing {
                            ui.label(t(
                                lang,
                                "An import is being undone: commit when it has finished.",
                                "正在撤销导入：请在撤销完成后提交。",
                            ));
                        } else if blocked {
                            ui.label(
                                RichText::new(t(
                                    lang,
                                    "Errors block the import: fix the file, or tick “valid rows only”.",
                                    "存在错误，无法导入：请修正文件，或勾选“仅提交有效行”。",
                                ))
                                .color(color(palette::ERROR)),
                            );
                        }
                    });
                    ui.separator();
                    preview_ui(ui, lang, &workbook, plan, wizard.head_only);
                } else if ui.button(t(lang, "Close", "关闭")).clicked() {
                    close = true;
                }
            } else if ui.button(t(lang, "Close", "关闭")).clicked() {
                close = true;
            }
            if replan {
                wizard.needs_plan = true;
            }
        }
    }
    if close {
        *wizard_slot = None;
    }
}

/// Commits the reviewed import through the import pipeline. On a ledger file it runs on
/// a thread and a connection of its own, while the app's connection is parked
/// ([`Ledger::park`]): alone on the file, a large import commits through a rollback
/// journal, as `pledger import` does.
pub(super) fn commit_import(wizard_slot: &mut Option<ImportWizard>, s: &mut Shared) {
    let Some(wizard) = wizard_slot else {
        return;
    };
    let Some(plan) = wizard.plan.clone() else {
        return;
    };
    let reviewed = Reviewed {
        kind: wizard.kind,
        file: wizard.path.clone(),
        options: wizard.options.clone(),
        plan,
        head_only: wizard.head_only,
        skip_invalid: wizard.skip_invalid,
    };
    match s.ledger.path().map(Path::to_path_buf) {
        Some(path) => {
            if let Err(e) = s.ledger.park() {
                wizard.error = Some(e.to_string());
                return;
            }
            let rx = spawn(
                "pledger-import-commit",
                wizard.cancel.clone(),
                move |report| Message::Committed(commit_reviewed(&path, &reviewed, report)),
            );
            match rx {
                Ok(rx) => {
                    wizard.rx = Some(rx);
                    wizard.stage = Stage::Committing;
                }
                Err(e) => wizard.error = Some(e),
            }
        }
        None => {
            let recorded = recorded(&reviewed.plan, reviewed.head_only);
            let result = commit_file(&mut s.ledger, &reviewed, recorded, &mut |_| true);
            match result {
                Ok((revert, summary)) => {
                    let text = summary_text(s.lang, &summary);
                    wizard.stage = Stage::Done(text.clone());
                    s.commands.push(Command::ImportCommitted {
                        revert,
                        summary: text,
                    });
                }
                Err(e) => wizard.error = Some(e.to_string()),
            }
        }
    }
}

/// The field names people read.
/// The label of the field named `name`.
fn field_label(lang: crate::domain::Lang, name: &str) -> &'static str {
    match name {
        "reference" => t(lang, "Reference", "编号"),
        "title" => t(lang, "Title", "标题"),
        "partner" => t(lang, "Partner", "伙伴"),
        "partner_type" => t(lang, "Partner type", "伙伴类型"),
        "country" => t(lang, "Country", "国家"),
        "region" => t(lang, "Region", "区域"),
        "theme" => t(lang, "Themes", "专题"),
        "signed_on" => t(lang, "Signed on", "签署日期"),
        "amount" => t(lang, "Amount", "金额"),
        "currency" => t(lang, "Currency", "货币"),
        "own_contribution" => t(lang, "Own part", "本组织部分"),
        "status" => t(lang, "Status", "状态"),
        "notes" => t(lang, "Notes", "备注"),
        "name" => t(lang, "Name", "名称"),
        "name_zh" => t(lang, "Chinese name", "中文名称"),
        "aliases" => t(lang, "Other spellings", "别名"),
        "valid_from" => t(lang, "Valid from", "生效日期"),
        "rate" => t(lang, "Rate", "汇率"),
        "quote" => t(lang, "Quoted in", "报价货币"),
        "agreement" => t(lang, "Agreement", "协议"),
        "due_on" => t(lang, "Due on", "到期日"),
        "condition" => t(lang, "Condition", "条件"),
        "received_on" => t(lang, "Received on", "收款日期"),
        "kind" => t(lang, "Report type", "报告类型"),
        "sent_on" => t(lang, "Sent on", "提交日期"),
        _ => t(lang, "Field", "字段"),
    }
}

/// The kinds of row the wizard offers, with their names.
const KINDS: [(ImportKind, &str, &str); 6] = [
    (ImportKind::Agreements, "Agreements", "协议"),
    (ImportKind::Partners, "Partners", "伙伴"),
    (ImportKind::Rates, "Exchange rates", "汇率"),
    (ImportKind::Schedules, "Payment schedules", "付款计划"),
    (ImportKind::Receipts, "Receipts", "收款"),
    (ImportKind::Deliverables, "Reports due", "应交报告"),
];

/// The mapping, one row per field, with the headers to choose from. True when changed.
fn mapping_ui(
    ui: &mut Ui,
    lang: crate::domain::Lang,
    mapping: &NamedMapping,
    options: &mut ImportOptions,
) -> bool {
    let mut changed = false;
    let label = |name: &str, required: bool| {
        let text = field_label(lang, name);
        if required {
            format!("{text} *")
        } else {
            text.to_string()
        }
    };
    let mut choose = |options: &mut ImportOptions, field: &str, header: &str| {
        options.map.retain(|(f, _)| f != field);
        options.map.push((field.to_string(), header.to_string()));
        changed = true;
    };
    ui.label(RichText::new(t(lang, "Columns", "列映射")).strong());
    egui::Grid::new("mapping")
        .num_columns(4)
        .spacing([10.0, 4.0])
        .show(ui, |ui| {
            for (n, &(field, required)) in mapping.all.iter().enumerate() {
                let name = label(field, required);
                ui.label(&name);
                let current = mapping
                    .column(field)
                    .and_then(|c| mapping.headers.get(c))
                    .map_or("—".to_owned(), |h| h.clone());
                egui::ComboBox::from_id_salt(("map", field))
                    .selected_text(&current)
                    .width(200.0)
                    .show_ui(ui, |ui| {
                        for h in mapping.headers.iter().filter(|h| !h.is_empty()) {
                            if ui.selectable_label(*h == current, h).clicked() {
                                choose(options, field, h);
                            }
                        }
                    })
                    .response
                    .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, &name));
                if n % 2 == 1 {
                    ui.end_row();
                }
            }
        });
    for g in &mapping.guesses {
        ui.horizontal_wrapped(|ui| {
            let values = if g.examples.is_empty() {
                String::new()
            } else {
                format!(" ({})", g.examples.join(", "))
            };
            ui.label(
                RichText::new(format!(
                    "{} {} “{}”{values}",
                    t(lang, "Not imported: column", "未导入的列："),
                    g.column,
                    g.header
                ))
                .color(color(palette::MUTED)),
            );
            if let Some(field) = g.field {
                let text = format!(
                    "{} {}",
                    t(lang, "Import as", "导入为"),
                    field_label(lang, field)
                );
                if ui.button(text).clicked() {
                    choose(options, field, &g.header);
                }
            }
        });
    }
    changed
}

/// The plan's new partner names: each near match to accept as the ledger partner it looks
/// like or keep as a new partner, and any other new name to take as a partner of the
/// ledger chosen from the list. True when the plan must be rebuilt.
fn matches_ui(
    ui: &mut Ui,
    lang: crate::domain::Lang,
    plan: &Plan,
    partners: &[Partner],
    options: &mut ImportOptions,
) -> bool {
    let mut changed = false;
    let others: Vec<&Partner> = plan
        .new_partners
        .iter()
        // A near match's spelling is the new partner's name, as the sheet gives it.
        .filter(|p| !plan.near_matches.iter().any(|m| m.spelling == p.name))
        .collect();
    if plan.near_matches.is_empty() && others.is_empty() {
        return false;
    }
    ui.label(RichText::new(t(lang, "New partner names", "新伙伴名称")).strong());
    for m in &plan.near_matches {
        ui.horizontal(|ui| {
            ui.label(format!(
                "“{}” → “{}” ({} %)",
                m.spelling, m.partner, m.percent
            ));
            if m.needs_decision {
                ui.label(
                    RichText::new(t(lang, "decide:", "请确认：")).color(color(palette::ERROR)),
                );
            }
            if ui.button(t(lang, "Same partner", "是同一伙伴")).clicked() {
                options
                    .confirmed_matches
                    .push((m.spelling.clone(), m.partner.clone()));
                changed = true;
            }
            if ui.button(t(lang, "A new partner", "是新伙伴")).clicked() {
                options.new_partners.push(m.spelling.clone());
                changed = true;
            }
        });
    }
    for p in others {
        ui.horizontal(|ui| {
            ui.label(format!("“{}” ({})", p.name, t(lang, "new", "新")));
            let label = format!("{} “{}”", t(lang, "Same partner as", "同一伙伴："), p.name);
            egui::ComboBox::from_id_salt(("same-as", &p.name))
                .selected_text(t(lang, "Same partner as…", "是已有伙伴…"))
                .width(260.0)
                .show_ui(ui, |ui| {
                    for existing in partners {
                        if ui.selectable_label(false, &existing.name).clicked() {
                            options
                                .confirmed_matches
                                .push((p.name.clone(), existing.name.clone()));
                            changed = true;
                        }
                    }
                })
                .response
                .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, &label));
        });
    }
    changed
}

fn plan_summary_ui(ui: &mut Ui, lang: crate::domain::Lang, plan: &Plan) {
    if let Some(encoding) = &plan.encoding {
        let how = match encoding.chosen {
            import::EncodingChoice::Utf8 => String::new(),
            import::EncodingChoice::Bom => {
                format!(
                    " ({})",
                    t(lang, "told by its byte-order mark", "由字节顺序标记判断")
                )
            }
            import::EncodingChoice::Detected => format!(" ({})", t(lang, "detected", "自动识别")),
            import::EncodingChoice::Given => format!(" ({})", t(lang, "as given", "按指定")),
        };
        ui.label(format!(
            "{} {}{how}",
            t(lang, "Text read as", "文本编码"),
            encoding.name
        ));
    }
    let (created, updated, unchanged) = plan.counts();
    let [created, updated, unchanged] = [created, updated, unchanged].map(count_text);
    let partners = plan.new_partners.len();
    ui.label(format!(
        "{}: {created} {}, {updated} {}, {unchanged} {}, {}, {}",
        t(lang, "Plan", "计划"),
        t(lang, "new", "新增"),
        t(lang, "updated", "更新"),
        t(lang, "unchanged", "不变"),
        counted(
            lang,
            partners,
            "partner to create",
            "partners to create",
            "个新伙伴"
        ),
        counted(
            lang,
            plan.skipped_rows,
            "row skipped",
            "rows skipped",
            "行已跳过"
        ),
    ));
    if plan.non_financial > 0 {
        ui.label(format!(
            "{} {}",
            count_text(plan.non_financial),
            t(
                lang,
                "without a financial contribution (blank, in kind, n/a…): imported as non-financial",
                "项无财务捐款（空白、实物、不适用等）：作为非财务协议导入",
            )
        ));
    }
    let errors = plan.error_count();
    let warnings = plan.problems.len() - errors;
    if !plan.problems.is_empty() {
        egui::CollapsingHeader::new(format!(
            "{} · {}",
            counted(lang, errors, "error", "errors", "个错误"),
            counted(lang, warnings, "warning", "warnings", "个警告")
        ))
        .default_open(errors > 0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .max_height(140.0)
                .id_salt("problems")
                .show(ui, |ui| {
                    for p in &plan.problems {
                        let c = if p.severity == Severity::Error {
                            palette::ERROR
                        } else {
                            palette::WARNING
                        };
                        ui.label(RichText::new(p.to_string()).color(color(c)));
                    }
                });
        });
    }
}

/// The sheet below its header, with each problem's cell highlighted.
fn preview_ui(
    ui: &mut Ui,
    lang: crate::domain::Lang,
    workbook: &Workbook,
    plan: &Plan,
    head_only: bool,
) {
    let Some(sheet) = workbook.sheets.iter().find(|s| s.name == plan.sheet) else {
        return;
    };
    let mut marks: HashMap<(usize, String), (Severity, String)> = HashMap::new();
    for p in &plan.problems {
        if let (Some(row), Some(col)) = (p.row, &p.column)
            && let Some(letter) = col
                .rsplit_once('(')
                .map(|(_, l)| l.trim_end_matches(')').to_owned())
        {
            let entry = marks
                .entry((row, letter))
                .or_insert((p.severity, String::new()));
            if p.severity == Severity::Error {
                entry.0 = Severity::Error;
            }
            if !entry.1.is_empty() {
                entry.1.push('\n');
            }
            entry.1.push_str(&p.message);
        }
    }
    let header_index = plan.header_row.saturating_sub(1);
    let headers = sheet.rows.get(header_index).cloned().unwrap_or_default();
    let columns = headers.len().clamp(1, 40);
    ui.label(RichText::new(t(lang, "Preview", "预览")).strong());
    if head_only {
        ui.label(
            RichText::new({
                let rows = count_text(PREVIEW_ROWS);
                match lang {
                    crate::domain::Lang::En => format!(
                        "A large workbook: the first {rows} rows are shown; the plan and the problems above cover every row."
                    ),
                    crate::domain::Lang::Zh => {
                        format!("大型工作簿：仅显示前 {rows} 行；上方的计划和问题涵盖所有行。")
                    }
                }
            })
            .small()
            .color(color(palette::MUTED)),
        );
    }
    egui_extras::TableBuilder::new(ui)
        .striped(true)
        .id_salt("preview")
        .column(egui_extras::Column::exact(44.0))
        .columns(egui_extras::Column::initial(120.0).clip(true), columns)
        .header(22.0, |mut h| {
            h.col(|ui| {
                ui.label("#");
            });
            for c in headers.iter().take(columns) {
                h.col(|ui| {
                    ui.label(RichText::new(c.text()).strong());
                });
            }
        })
        .body(|body| {
            let first = header_index + 1;
            let count = sheet.rows.len().saturating_sub(first);
            body.rows(20.0, count, |mut row| {
                let index = first + row.index();
                let number = index + 1;
                row.col(|ui| {
                    ui.label(RichText::new(number.to_string()).color(color(palette::MUTED)));
                });
                let cells = sheet.rows.get(index);
                for c in 0..columns {
                    let text = cells
                        .and_then(|r| r.get(c))
                        .map(|c| c.text().into_owned())
                        .unwrap_or_default();
                    row.col(|ui| match marks.get(&(number, column_letter(c))) {
                        Some((severity, message)) => {
                            let tint = if *severity == Severity::Error {
                                palette::ERROR
                            } else {
                                palette::WARNING
                            };
                            let rect = ui.max_rect();
                            ui.painter()
                                .rect_filled(rect, 0.0, color(tint).gamma_multiply(0.25));
                            ui.label(text).on_hover_text(message);
                        }
                        None => {
                            ui.label(text);
                        }
                    });
                }
            });
        });
}
