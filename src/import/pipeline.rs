//! The one import pipeline, for every kind of row ([`RowKind`]) and every caller: rows are
//! planned and written as they are read, inside one transaction, so a large workbook costs
//! about one parse of it and holds a few hundred rows at a time, not the sheet. The rows are
//! read on one thread and planned on another while this one matches them against the ledger
//! and writes them (an xlsx or xlsb sheet is streamed; other files are read whole first,
//! then go the same way).
//!
//! Rows wait in a queue while something later in the sheet decides them (a slash date waits
//! for the whole date column's day order; a row of one cell for a later data row, else it
//! is a trailing note). A dry run goes through the same stages and rolls the transaction
//! back; so do problems that block the import: nothing is written unless the import is
//! valid or `skip_invalid` leaves the invalid rows out.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::mpsc;

use crate::ledger::{Ledger, LedgerError, Writer};

use super::cells::{Cell, MAX_FILE_BYTES, Sheet, Workbook, display_name, hex};
use super::cells::{MalformedRow, TextEncoding};
use super::mapping::{FieldKind, Mapping, column_letter, learned_profile};
use super::plan::{LedgerView, Plan, SheetAt, filled_cells, is_totals_row};
use super::source::read_file_as;
use super::values::{DayEvidence, DayOrder};
use super::workbook::{RowBlock, StreamedBook, open_streamed, stream_blocks};
use super::{
    CommitSummary, ImportError, ImportOptions, Phase, Problem, Progress, Severity, choose_sheet,
    map_sheet,
};

/// What one kind of row (agreements, partners, rates…) means to the pipeline: its fields and
/// their header synonyms ([`RowKind::Field`]), how a row of cells is planned (on the
/// planning thread) and how a planned row is matched against the ledger and written (on the
/// writing one). The pipeline does the rest for every kind: reading, mapping, blank, totals
/// and note rows, day order, progress, the transaction, dry runs and refusals.
pub trait RowKind: 'static {
    /// The kind's fields.
    type Field: FieldKind;
    /// What planning sends the writing side, in sheet order: a planned row, or what
    /// planning learnt on the way (a new partner, a theme).
    type Item: Send;
    /// What the kind calls one row and several: ("agreement", "agreements").
    const NOUN: (&'static str, &'static str);
    /// The field whose slash dates (`03/04/2021`) decide the sheet's day order.
    const DATE: Option<Self::Field>;

    /// The planner of a sheet; `None` when the options do not fit it (the problems are
    /// then in `plan`).
    fn planner<'a>(
        view: &'a LedgerView,
        plan: &mut Plan,
        at: SheetAt<'a, Self::Field>,
        options: &ImportOptions,
    ) -> Option<impl PlanRows<Self::Item> + Send + use<'a, Self>>;

    /// The writer of a sheet, once the transaction is open.
    fn writer<'a>(
        w: &mut Writer<'_>,
        view: &'a LedgerView,
        plan: &Plan,
        at: SheetAt<'a, Self::Field>,
    ) -> Result<impl WriteRows<Self::Item> + use<'a, Self>, LedgerError>;
}

/// Plans the data rows of a sheet, in sheet order.
pub trait PlanRows<I> {
    /// Plans sheet row `row_number` (1-based), which holds `cells` (neither blank nor a
    /// totals row); pushes what it gives to `out`, and may take cells out of `cells`.
    fn row(&mut self, row_number: usize, cells: &mut [Cell], out: &mut Vec<I>);
    /// The day order of the sheet's slash dates, once known.
    fn set_order(&mut self, _order: DayOrder) {}
    /// After the last row: pushes what planning counted over the whole sheet.
    fn end(&mut self, _out: &mut Vec<I>) {}
}

/// Matches planned rows against the ledger and writes them, in sheet order.
pub trait WriteRows<I> {
    /// Takes what planning sent next.
    fn take(&mut self, w: &mut Writer<'_>, plan: &mut Plan, item: I) -> Result<(), LedgerError>;
    /// After the last row: completes `plan` (the writing done, so what is written can be
    /// checked whole); returns how many partners the import created.
    fn end(self, w: &mut Writer<'_>, plan: &mut Plan) -> Result<usize, LedgerError>;
}

/// Rows the reading and planning threads send at a time.
const CHUNK_ROWS: usize = 256;
/// Chunks on their way between the threads: this bounds a streamed import's memory.
const CHUNKS_IN_FLIGHT: usize = 16;
/// Rows of each sheet read to choose the sheet and find its header.
const SURVEY_ROWS: usize = 30;
/// Takes rows below the header, the row count the sheet claims, and whether they are the
/// sheet's last; false when reading should stop.
type RowSink<'s> = dyn FnMut(RawRows, Option<usize>, bool) -> bool + 's;

/// Gives an empty block to read rows into: one the planning thread is done with when there is
/// one, so that the reading thread makes no new buffers and the planning thread frees none.
type SpareBlocks<'s> = dyn FnMut() -> RowBlock + 's;

/// Rows the reading thread sends at a time.
enum RawRows {
    /// Rows of a file read whole, with their 0-based indexes.
    Held(Vec<(usize, Vec<Cell>)>),
    /// Rows streamed from an xlsx or xlsb.
    Read(RowBlock),
}

/// What an import did.
#[derive(Debug)]
pub struct StreamedImport<F = super::Field> {
    /// The plan: every problem, new partner and theme, and the rows that update what the
    /// ledger has or are blocked; the other rows are counted in [`Plan::unlisted`].
    pub plan: Plan,
    /// The column mapping used.
    pub mapping: Mapping<F>,
    /// `None` for a dry run; else what was committed, or why nothing was
    /// ([`ImportError::Blocked`]).
    pub committed: Option<Result<CommitSummary, ImportError>>,
}

/// Reads, plans and commits the rows of kind `K` of `path` in one pass (a dry run plans and
/// writes nothing), telling `progress` the rows done; when `progress` returns false the
/// import stops with [`ImportError::Cancelled`] and nothing is written.
pub fn import_file<K: RowKind>(
    ledger: &mut Ledger,
    path: &Path,
    options: &ImportOptions,
    skip_invalid: bool,
    dry_run: bool,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<StreamedImport<K::Field>, ImportError> {
    let file_name = display_name(path);
    let unreadable = |reason: String| ImportError::Unreadable {
        file: file_name.clone(),
        reason,
    };
    let size = std::fs::metadata(path)
        .map_err(|e| unreadable(e.to_string()))?
        .len();
    // Anything but an xlsx or xlsb within the size cap is read whole, with read_file's checks.
    let streamed = if size <= MAX_FILE_BYTES {
        open_streamed(path).map_err(&unreadable)?
    } else {
        None
    };
    let Some(mut wb) = streamed else {
        let workbook = read_file_as(path, options.encoding, progress)?;
        return import_book::<K>(ledger, workbook, options, skip_invalid, dry_run, progress);
    };
    let task = Task {
        file: &file_name,
        options,
        skip_invalid,
        dry_run,
    };

    // A header row given below the surveyed rows is read too.
    let survey = options
        .header_row
        .map_or(SURVEY_ROWS, |n| n.max(SURVEY_ROWS));
    // The file is hashed on another thread while its sheets are surveyed and mapped.
    let (sha256, surveyed) = std::thread::scope(|scope| {
        let hashing = scope.spawn(|| file_sha256(path));
        let surveyed = survey_and_map::<K::Field>(ledger, &mut wb, &file_name, survey, options);
        let sha256 = hashing
            .join()
            .unwrap_or_else(|_| Err("hashing the file failed".into()));
        (sha256, surveyed)
    });
    let (sheet_name, total, mapping) = surveyed?;
    let sha256 = sha256.map_err(&unreadable)?;
    let first_data = mapping.header_row + 1;

    let source = {
        let sheet_name = sheet_name.clone();
        move |send: &mut RowSink<'_>, spare: &mut SpareBlocks<'_>| {
            stream_blocks(
                &mut wb,
                &sheet_name,
                first_data,
                CHUNK_ROWS,
                spare,
                &mut |block, total, last| send(RawRows::Read(block), total, last),
            )
        }
    };
    let sheet = SheetRead {
        name: &sheet_name,
        total,
        mapping,
        encoding: None,
        malformed: Vec::new(),
    };
    task.run::<K>(ledger, &sha256, sheet, source, progress)
}

/// [`import_file`] for a workbook read whole (a CSV, an xls or ods, the sample ledger): its
/// rows go through the same stages as a streamed sheet's.
pub fn import_book<K: RowKind>(
    ledger: &mut Ledger,
    mut workbook: Workbook,
    options: &ImportOptions,
    skip_invalid: bool,
    dry_run: bool,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<StreamedImport<K::Field>, ImportError> {
    let sheet = choose_sheet::<K::Field>(&workbook.file_name, &workbook.sheets, options)?;
    let mapping = map_sheet::<K::Field>(ledger, &workbook.file_name, sheet, options)?;
    let name = sheet.name.clone();
    let rows = workbook
        .sheets
        .iter_mut()
        .find(|s| s.name == name)
        .map(|s| std::mem::take(&mut s.rows))
        .unwrap_or_default();
    let first_data = mapping.header_row + 1;
    let total = Some(rows.len());
    let source = move |send: &mut RowSink<'_>, _: &mut SpareBlocks<'_>| {
        let mut rows = rows.into_iter().enumerate().skip(first_data).peekable();
        loop {
            let chunk = rows.by_ref().take(CHUNK_ROWS).collect();
            let last = rows.peek().is_none();
            if !send(RawRows::Held(chunk), total, last) || last {
                return Ok(());
            }
        }
    };
    let sheet = SheetRead {
        name: &name,
        total,
        mapping,
        encoding: workbook.encoding.take(),
        malformed: std::mem::take(&mut workbook.malformed),
    };
    let task = Task {
        file: &workbook.file_name,
        options,
        skip_invalid,
        dry_run,
    };
    task.run::<K>(ledger, &workbook.sha256, sheet, source, progress)
}

/// The first `rows` rows of each worksheet of the xlsx or xlsb at `path`, streamed, with the
/// SHA-256 of the whole file: a preview of a workbook too large to hold, which
/// [`import_file`] then imports. `Ok(None)` for other files: read them whole with
/// [`super::read_file`].
pub fn read_head(path: &Path, rows: usize) -> Result<Option<Workbook>, ImportError> {
    let file_name = display_name(path);
    let unreadable = |reason: String| ImportError::Unreadable {
        file: file_name.clone(),
        reason,
    };
    let Some(mut wb) = open_streamed(path).map_err(&unreadable)? else {
        return Ok(None);
    };
    let sheets = sheet_heads(&mut wb, rows)
        .map_err(&unreadable)?
        .into_iter()
        .map(|(sheet, _)| sheet)
        .collect();
    let sha256 = file_sha256(path).map_err(&unreadable)?;
    Ok(Some(Workbook {
        file_name: file_name.clone(),
        sha256,
        sheets,
        encoding: None,
        malformed: Vec::new(),
    }))
}

/// The sheet of `wb` to import, the row count it claims and its mapping, chosen from the
/// first `rows` rows of each worksheet.
fn survey_and_map<F: FieldKind>(
    ledger: &Ledger,
    wb: &mut StreamedBook,
    file_name: &str,
    rows: usize,
    options: &ImportOptions,
) -> Result<(String, Option<usize>, Mapping<F>), ImportError> {
    let (heads, totals): (Vec<Sheet>, Vec<Option<usize>>) = sheet_heads(wb, rows)
        .map_err(|reason| ImportError::Unreadable {
            file: file_name.to_string(),
            reason,
        })?
        .into_iter()
        .unzip();
    let sheet = choose_sheet::<F>(file_name, &heads, options)?;
    let mapping = map_sheet::<F>(ledger, file_name, sheet, options)?;
    let total = heads
        .iter()
        .zip(totals)
        .find(|(head, _)| head.name == sheet.name)
        .and_then(|(_, total)| total);
    Ok((sheet.name.clone(), total, mapping))
}

/// The first `rows` rows of each worksheet of `wb`, and the row count each claims.
fn sheet_heads(wb: &mut StreamedBook, rows: usize) -> Result<Vec<(Sheet, Option<usize>)>, String> {
    let mut heads = Vec::new();
    for name in wb.sheet_names() {
        let mut head = Sheet {
            name: name.clone(),
            rows: Vec::new(),
        };
        let mut claimed = None;
        // The rows below `rows` are all in the first block of `rows` rows holding a value:
        // reading stops after it.
        stream_blocks(
            wb,
            &name,
            0,
            rows,
            &mut RowBlock::default,
            &mut |block, total, _| {
                claimed = total;
                for k in 0..block.row_count() {
                    let mut cells = Vec::new();
                    if let Some(i) = block.fill_row(k, &mut cells).filter(|&i| i < rows) {
                        head.rows.resize_with(i + 1, Vec::new);
                        if let Some(slot) = head.rows.get_mut(i) {
                            *slot = cells;
                        }
                    }
                }
                false
            },
        )?;
        heads.push((head, claimed));
    }
    Ok(heads)
}

/// SHA-256 of the file at `path`, read in blocks.
fn file_sha256(path: &Path) -> Result<String, String> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buffer).map_err(|e| e.to_string())?;
        let Some(block) = buffer.get(..n).filter(|b| !b.is_empty()) else {
            break;
        };
        hasher.update(block);
    }
    Ok(hex(&hasher.finalize()))
}

/// One import's settings.
struct Task<'a> {
    file: &'a str,
    options: &'a ImportOptions,
    skip_invalid: bool,
    dry_run: bool,
}

/// The sheet an import reads: its name, the row count it claims and its mapping; for a
/// text file, its encoding and the rows holding bytes malformed in it.
struct SheetRead<'a, F> {
    name: &'a str,
    total: Option<usize>,
    mapping: Mapping<F>,
    encoding: Option<TextEncoding>,
    malformed: Vec<MalformedRow>,
}

/// Rows with malformed bytes listed one by one; the others are counted in one problem.
const MALFORMED_ROWS_LISTED: usize = 50;

/// Why the transaction was rolled back.
enum Halt {
    /// Reading failed or the user cancelled.
    Failed(ImportError),
    /// Errors block the import.
    Blocked,
    /// A dry run.
    DryRun,
    /// The ledger has every row already.
    Nothing,
}

impl Task<'_> {
    /// Reads the rows of `source` and plans them on a thread of their own, while this one
    /// matches them against the ledger and writes them, in one transaction.
    fn run<K: RowKind>(
        &self,
        ledger: &mut Ledger,
        sha256: &str,
        sheet: SheetRead<'_, K::Field>,
        source: impl FnOnce(&mut RowSink<'_>, &mut SpareBlocks<'_>) -> Result<(), String> + Send,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<StreamedImport<K::Field>, ImportError> {
        if let Some(reviewed) = &self.options.reviewed_sha256
            && reviewed != sha256
        {
            return Err(ImportError::Usage(format!(
                "{} has changed since it was checked; open it again",
                self.file
            )));
        }
        let SheetRead {
            name: sheet,
            total,
            mapping,
            encoding,
            malformed,
        } = sheet;
        let view = LedgerView::load(ledger)?;
        let mut plan = Plan::empty(self.file, sha256, sheet, &mapping);
        self.check_encoding(&mut plan, &mapping.headers, encoding, &malformed);
        let blocked = |plan: &Plan| ImportError::Blocked {
            file: plan.file.clone(),
            errors: plan.error_count(),
        };
        let at = SheetAt {
            file: self.file,
            sheet,
            mapping: &mapping,
        };
        for required in <K::Field as FieldKind>::REQUIRED {
            if mapping.column(*required).is_none() {
                let name = required.name();
                plan.problems.push(at.sheet_problem(format!(
                    "no column gives the {name} field; map one with --map {name}=HEADER"
                )));
            }
        }
        let planner = match plan.error_count() {
            0 => K::planner(&view, &mut plan, at, self.options),
            _ => None,
        };
        let planner = match planner {
            Some(p) => p,
            None => {
                let committed = (!self.dry_run).then(|| Err(blocked(&plan)));
                return Ok(StreamedImport {
                    plan,
                    mapping: mapping.clone(),
                    committed,
                });
            }
        };
        let unreadable = |reason: String| ImportError::Unreadable {
            file: self.file.to_string(),
            reason,
        };
        // Three stages, each on its thread: reading the sheet, planning its rows, and
        // writing them (this thread). On two cores the system shares the cores between
        // them as their loads come.
        let (raw_sender, raw_receiver) = mpsc::sync_channel::<RawChunk>(CHUNKS_IN_FLIGHT);
        let (sender, receiver) = mpsc::sync_channel(CHUNKS_IN_FLIGHT);
        let (spare_sender, spare_receiver) = mpsc::channel();
        let date_column = K::DATE.and_then(|f| mapping.column(f));
        let planning = Planning::new(planner, at, date_column, sender, spare_sender);
        let mut halt = None;
        let mut summary = CommitSummary::default();
        let result = std::thread::scope(|scope| {
            let reading = std::thread::Builder::new()
                .name("import-reader".into())
                .spawn_scoped(scope, move || {
                    read_rows(source, &raw_sender, &spare_receiver)
                });
            let planning = reading.and_then(|_| {
                std::thread::Builder::new()
                    .name("import-planner".into())
                    .spawn_scoped(scope, move || planning.run(raw_receiver))
            });
            if let Err(e) = planning {
                halt = Some(Halt::Failed(unreadable(format!(
                    "cannot start reading ({e})"
                ))));
                return Err(rolled_back());
            }
            let write = |w: &mut Writer<'_>| {
                let batch = w.begin_batch(self.file, sha256)?;
                let profile = learned_profile(<K::Field as FieldKind>::KIND);
                for (header, field) in &plan.learned {
                    w.learn_mapping(&profile, header, field)?;
                }
                let mut rows = K::writer(w, &view, &plan, at)?;
                let mut complete = false;
                // Ends when the planning thread stops, having sent its last chunk or not.
                for chunk in receiver {
                    let chunk = match chunk {
                        Ok(c) => c,
                        Err(e) => {
                            halt = Some(Halt::Failed(unreadable(e)));
                            return Err(rolled_back());
                        }
                    };
                    if !progress(Progress {
                        // A dry run plans the rows; a commit writes them as they are planned.
                        phase: if self.dry_run {
                            Phase::Planning
                        } else {
                            Phase::Writing
                        },
                        rows_done: chunk.done,
                        rows_total: chunk.total,
                    }) {
                        halt = Some(Halt::Failed(ImportError::Cancelled));
                        return Err(rolled_back());
                    }
                    plan.skipped_rows += chunk.skipped;
                    for item in chunk.items {
                        match item {
                            Read::Totals(problem) => plan.problems.push(problem),
                            Read::Item(item) => rows.take(w, &mut plan, item)?,
                        }
                    }
                    complete = chunk.last;
                }
                if !complete {
                    halt = Some(Halt::Failed(unreadable(
                        "reading stopped before the end of the sheet".into(),
                    )));
                    return Err(rolled_back());
                }
                let partners_created = rows.end(w, &mut plan)?;
                summary = self.summary(&plan, partners_created);
                let stop = if self.dry_run {
                    Some(Halt::DryRun)
                } else if plan.blocks_commit(self.skip_invalid) {
                    Some(Halt::Blocked)
                } else if summary.created == 0
                    && summary.updated == 0
                    && plan.new_aliases.is_empty()
                {
                    Some(Halt::Nothing)
                } else {
                    None
                };
                if let Some(stop) = stop {
                    halt = Some(stop);
                    return Err(rolled_back());
                }
                w.finish_batch(
                    summary.created,
                    summary.updated,
                    summary.unchanged,
                    summary.partners_created,
                )?;
                Ok(batch)
            };
            // A bulk import builds the date index at its end, and commits through a journal.
            ledger.write_rows(total, self.dry_run, write)
        });
        let committed = match (result, halt) {
            (Ok(batch), _) => Some(Ok(CommitSummary {
                batch: Some(batch),
                ..summary
            })),
            (Err(_), Some(Halt::Failed(e))) => return Err(e),
            (Err(_), Some(Halt::Blocked)) => Some(Err(blocked(&plan))),
            (Err(_), Some(Halt::DryRun)) => None,
            (Err(_), Some(Halt::Nothing)) => {
                super::learn_mappings::<K::Field>(ledger, &plan)?;
                Some(Ok(CommitSummary {
                    partners_created: 0,
                    ..summary
                }))
            }
            (Err(e), None) => return Err(e.into()),
        };
        // The planner may still borrow the mapping where the compiler sees it: hand back a
        // copy (a few headers).
        Ok(StreamedImport {
            plan,
            mapping: mapping.clone(),
            committed,
        })
    }

    /// Names the encoding a text file was read in, in `plan`, and makes each row holding
    /// bytes malformed in it an error, shown at its first such cell under `headers`: the
    /// text is not what the file means, so the import writes nothing until the file is
    /// saved right or its encoding is given.
    fn check_encoding(
        &self,
        plan: &mut Plan,
        headers: &[String],
        encoding: Option<TextEncoding>,
        malformed: &[MalformedRow],
    ) {
        let problem = |row: Option<usize>, message: String| Problem {
            file: plan.file.clone(),
            sheet: plan.sheet.clone(),
            row,
            column: None,
            value: String::new(),
            message,
            severity: Severity::Error,
        };
        let Some(encoding) = encoding else {
            if self.options.encoding.is_some() {
                plan.problems.push(Problem {
                    severity: Severity::Warning,
                    ..problem(
                        None,
                        "the file is a workbook, not text: the encoding given is not used".into(),
                    )
                });
            }
            return;
        };
        let name = &encoding.name;
        let mut problems: Vec<Problem> = malformed
            .iter()
            .take(MALFORMED_ROWS_LISTED)
            .map(|m| {
                let message = format!(
                    "bytes that are not {name} text (shown as {}); give the file's encoding (pledger import --encoding NAME, e.g. windows-1252, gb18030, shift_jis) or save it as UTF-8",
                    char::REPLACEMENT_CHARACTER
                );
                let (column, value) = match &m.cell {
                    Some((c, text)) => (
                        Some(format!(
                            "{} ({})",
                            headers.get(*c).map_or("", |h| h.trim()),
                            column_letter(*c)
                        )),
                        text.clone(),
                    ),
                    None => (None, String::new()),
                };
                Problem {
                    column,
                    value,
                    ..problem(Some(m.row), message)
                }
            })
            .collect();
        if let Some(more) = malformed
            .len()
            .checked_sub(MALFORMED_ROWS_LISTED)
            .filter(|&n| n > 0)
        {
            problems.push(problem(
                None,
                format!("{more} more rows hold bytes that are not {name} text"),
            ));
        }
        plan.problems.extend(problems);
        plan.encoding = Some(encoding);
    }

    fn summary(&self, plan: &Plan, partners_created: usize) -> CommitSummary {
        let (created, updated, unchanged) = plan.counts();
        CommitSummary {
            batch: None,
            created,
            updated,
            unchanged,
            partners_created,
            skipped_invalid: plan.blocked_row_count(),
        }
    }
}

/// The error that rolls a streamed import's transaction back; the reason is in a [`Halt`].
fn rolled_back() -> LedgerError {
    LedgerError::Refused("the import was rolled back".into())
}

/// Sheet rows as read, the row count the sheet claims, and whether these are the sheet's last
/// rows; or why reading failed.
type RawChunk = Result<(RawRows, Option<usize>, bool), String>;

/// Reads the rows of `source` and sends them on in chunks, the last one marked as such, into
/// blocks the planning thread sends back through `spares`.
fn read_rows(
    source: impl FnOnce(&mut RowSink<'_>, &mut SpareBlocks<'_>) -> Result<(), String>,
    sender: &mpsc::SyncSender<RawChunk>,
    spares: &mpsc::Receiver<RowBlock>,
) {
    let mut spare = || {
        let mut block = spares.try_recv().unwrap_or_default();
        block.clear();
        block
    };
    // Planning has stopped when nobody receives.
    let result = source(
        &mut |rows, total, last| sender.send(Ok((rows, total, last))).is_ok(),
        &mut spare,
    );
    if let Err(e) = result {
        // Nobody may be listening any more: then there is no one to tell.
        let _ = sender.send(Err(e));
    }
}

/// What the planning thread sends, in sheet order.
enum Read<I> {
    /// A totals row, skipped with this warning.
    Totals(Problem),
    /// What the kind's planner gave.
    Item(I),
}

/// What the planning thread sends at a time.
struct ReadChunk<I> {
    items: Vec<Read<I>>,
    /// Rows skipped: blank ones, and notes below the data.
    skipped: usize,
    /// Sheet rows read so far, and the row count the sheet claims.
    done: usize,
    total: Option<usize>,
    /// Whether this is the sheet's last chunk.
    last: bool,
}

impl<I> ReadChunk<I> {
    fn new() -> ReadChunk<I> {
        ReadChunk {
            items: Vec::with_capacity(CHUNK_ROWS),
            skipped: 0,
            done: 0,
            total: None,
            last: false,
        }
    }
}

/// Plans rows as they are read, on a thread of its own, and sends them in chunks. Rows wait
/// in a queue while something later in the sheet decides them.
struct Planning<'a, P, I, F> {
    planner: P,
    at: SheetAt<'a, F>,
    sender: mpsc::SyncSender<Result<ReadChunk<I>, String>>,
    out: ReadChunk<I>,
    /// What the planner gave for the row being planned.
    given: Vec<I>,
    /// Rows planned, to take a block's next row again (their text buffers are reused).
    spare: Vec<Vec<Cell>>,
    /// Sends blocks whose rows are taken back to the reading thread, to be filled again.
    spare_sender: mpsc::Sender<RowBlock>,
    /// Rows read since the last chunk went.
    rows_unsent: usize,

    /// Rows read but not yet planned, in sheet order.
    waiting: VecDeque<(usize, Vec<Cell>)>,
    /// The last row (0-based) read, and the last one holding more than one value.
    last_read: usize,
    last_data: Option<usize>,
    first_data: usize,
    date_column: Option<usize>,
    /// A slash date was read: rows wait for the whole column's day order from then on.
    slash_dates: bool,
    day_evidence: DayEvidence,
}

impl<'a, P: PlanRows<I>, I, F: FieldKind> Planning<'a, P, I, F> {
    fn new(
        planner: P,
        at: SheetAt<'a, F>,
        date_column: Option<usize>,
        sender: mpsc::SyncSender<Result<ReadChunk<I>, String>>,
        spare_sender: mpsc::Sender<RowBlock>,
    ) -> Planning<'a, P, I, F> {
        Planning {
            planner,
            at,
            sender,
            out: ReadChunk::new(),
            given: Vec::new(),
            spare: Vec::with_capacity(CHUNK_ROWS),
            spare_sender,
            rows_unsent: 0,
            waiting: VecDeque::new(),
            last_read: at.mapping.header_row,
            last_data: None,
            first_data: at.mapping.header_row + 1,
            date_column,
            slash_dates: false,
            day_evidence: DayEvidence::default(),
        }
    }

    /// Plans the rows `chunks` brings, until the last one or until the writing side stops.
    fn run(mut self, chunks: mpsc::Receiver<RawChunk>) {
        for chunk in chunks {
            match chunk {
                Ok((rows, total, last)) => {
                    if !self.take(rows, total) {
                        return;
                    }
                    if last {
                        return self.finish();
                    }
                }
                Err(e) => {
                    // Nobody may be listening any more: then there is no one to tell.
                    let _ = self.sender.send(Err(e));
                    return;
                }
            }
        }
        // Reading stopped without its last rows: the writing side sees no last chunk
        // either, and writes nothing.
    }

    /// Takes `rows` (see [`Planning::arrive`]); false when the writing side has stopped.
    fn take(&mut self, rows: RawRows, total: Option<usize>) -> bool {
        match rows {
            RawRows::Held(rows) => rows
                .into_iter()
                .all(|(i, cells)| self.arrive(i, cells, total)),
            RawRows::Read(block) => {
                for k in 0..block.row_count() {
                    let mut cells = self.spare.pop().unwrap_or_default();
                    match block.fill_row(k, &mut cells) {
                        Some(i) if !self.arrive(i, cells, total) => return false,
                        _ => {}
                    }
                }
                // The reading thread may have finished: then the block is dropped here.
                let _ = self.spare_sender.send(block);
                true
            }
        }
    }

    /// Takes sheet row `index` (0-based) and plans every row now decided; false when the
    /// writing side has stopped.
    fn arrive(&mut self, index: usize, cells: Vec<Cell>, total: Option<usize>) -> bool {
        // Rows holding nothing are not read: count them skipped, as a blank row is.
        self.out.skipped += index.saturating_sub(self.last_read + 1);
        self.last_read = index;
        self.out.done = index + 1;
        self.out.total = total;
        self.rows_unsent += 1;
        if let Some(Cell::Text(t)) = self.date_column.and_then(|c| cells.get(c)) {
            self.slash_dates |= self.day_evidence.add(t);
        }
        if filled_cells(&cells) > 1 {
            self.last_data = Some(index);
        }
        self.waiting.push_back((index, cells));
        if !self.slash_dates {
            while let Some((i, cells)) = self.waiting.front() {
                // A row of one value may be a note below the data: wait for a later data row.
                if filled_cells(cells) <= 1 && self.last_data.is_none_or(|d| d <= *i) {
                    break;
                }
                let Some((i, cells)) = self.waiting.pop_front() else {
                    break;
                };
                self.row(i + 1, cells);
            }
        }
        // Send at least every CHUNK_ROWS rows read, so that progress moves while rows wait.
        if self.out.items.len() >= CHUNK_ROWS || self.rows_unsent >= CHUNK_ROWS {
            return self.send(false);
        }
        true
    }

    /// Plans the rows still waiting, now that the whole sheet is read, and sends the last
    /// chunks.
    fn finish(mut self) {
        self.planner.set_order(self.day_evidence.order());
        let last_data = self.last_data.unwrap_or(self.first_data);
        while let Some((i, cells)) = self.waiting.pop_front() {
            if i > last_data && filled_cells(&cells) > 0 {
                // Notes below the data.
                self.out.skipped += 1 + self.waiting.len();
                self.waiting.clear();
                break;
            }
            self.row(i + 1, cells);
            if self.out.items.len() >= CHUNK_ROWS && !self.send(false) {
                return;
            }
        }
        self.planner.end(&mut self.given);
        self.out.items.extend(self.given.drain(..).map(Read::Item));
        self.send(true);
    }

    /// Sends the rows planned so far; false when nobody receives any more.
    fn send(&mut self, last: bool) -> bool {
        let mut next = ReadChunk::new();
        next.done = self.out.done;
        next.total = self.out.total;
        let mut chunk = std::mem::replace(&mut self.out, next);
        chunk.last = last;
        self.rows_unsent = 0;
        self.sender.send(Ok(chunk)).is_ok()
    }

    /// Plans sheet row `row_number` (1-based): blank and totals rows here, data rows by the
    /// kind's planner. Keeps `cells` to take a later row (up to a chunk of them).
    fn row(&mut self, row_number: usize, mut cells: Vec<Cell>) {
        if filled_cells(&cells) == 0 {
            self.out.skipped += 1;
        } else if is_totals_row(&cells) {
            self.out.skipped += 1;
            let mut totals = self
                .at
                .sheet_problem("a totals row; skipped (Pledger computes its own totals)".into());
            totals.row = Some(row_number);
            totals.severity = Severity::Warning;
            self.out.items.push(Read::Totals(totals));
        } else {
            self.planner.row(row_number, &mut cells, &mut self.given);
            self.out.items.extend(self.given.drain(..).map(Read::Item));
        }
        if self.spare.len() < CHUNK_ROWS {
            self.spare.push(cells);
        }
    }
}

/// The kinds of row an import reads, for a caller that chooses one at run time (the app's
/// wizard): each runs the pipeline of its [`RowKind`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ImportKind {
    /// [`Agreements`](super::Agreements).
    #[default]
    Agreements,
    /// [`Partners`](super::Partners).
    Partners,
    /// [`Rates`](super::Rates).
    Rates,
    /// [`Schedules`](super::Schedules).
    Schedules,
    /// [`Receipts`](super::Receipts).
    Receipts,
    /// [`Deliverables`](super::Deliverables).
    Deliverables,
    /// [`Prospects`](super::Prospects).
    Prospects,
    /// [`Opportunities`](super::Opportunities).
    Opportunities,
}

/// A mapping with its fields named, for a caller that does not know the kind.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedMapping {
    /// Index of the header row (0-based).
    pub header_row: usize,
    /// The header text of each column.
    pub headers: Vec<String>,
    /// The name of each column's field, if mapped.
    pub fields: Vec<Option<&'static str>>,
    /// The columns no field took, with their first values and a best guess.
    pub guesses: Vec<super::ColumnGuess>,
    /// Every field of the kind, in display order, and whether a sheet must have it.
    pub all: Vec<(&'static str, bool)>,
}

impl NamedMapping {
    fn of<F: FieldKind>(m: &Mapping<F>) -> NamedMapping {
        NamedMapping {
            header_row: m.header_row,
            headers: m.headers.clone(),
            fields: m.fields.iter().map(|f| f.map(FieldKind::name)).collect(),
            guesses: m.guesses.clone(),
            all: F::ALL
                .iter()
                .map(|f| (f.name(), F::REQUIRED.contains(f)))
                .collect(),
        }
    }

    /// The column that fills the field named `field`.
    pub fn column(&self, field: &str) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// The profile that reproduces this mapping: normalised header -> field name.
    pub fn profile(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .zip(&self.fields)
            .filter_map(|(h, f)| f.map(|f| (super::header_key(h).0, f.to_string())))
            .collect()
    }
}

/// What an import of a kind chosen at run time did: [`StreamedImport`] with its mapping
/// named.
#[derive(Debug)]
pub struct KindImport {
    /// The plan.
    pub plan: Plan,
    /// The column mapping used.
    pub mapping: NamedMapping,
    /// `None` for a dry run; else what was committed, or why nothing was.
    pub committed: Option<Result<CommitSummary, ImportError>>,
}

/// What a caller that chooses the kind at run time reaches of a [`RowKind`].
struct KindOps {
    name: &'static str,
    noun: (&'static str, &'static str),
    fields: fn() -> Vec<(&'static str, bool)>,
    score: fn(&Workbook) -> usize,
    file: fn(&mut Ledger, &Path, &ImportOptions, bool, bool, Progressing<'_>) -> Imported,
    book: fn(&mut Ledger, Workbook, &ImportOptions, bool, bool, Progressing<'_>) -> Imported,
}

type Progressing<'p> = &'p mut dyn FnMut(Progress) -> bool;
type Imported = Result<KindImport, ImportError>;

impl KindOps {
    fn of<K: RowKind>() -> KindOps {
        fn named<F: FieldKind>(done: StreamedImport<F>) -> KindImport {
            KindImport {
                mapping: NamedMapping::of(&done.mapping),
                plan: done.plan,
                committed: done.committed,
            }
        }
        KindOps {
            name: <K::Field as FieldKind>::KIND,
            noun: K::NOUN,
            fields: || {
                let required = <K::Field as FieldKind>::REQUIRED;
                <K::Field as FieldKind>::ALL
                    .iter()
                    .map(|f| (f.name(), required.contains(f)))
                    .collect()
            },
            score: |workbook| {
                let best = workbook
                    .sheets
                    .iter()
                    .map(super::sheet_score::<K::Field>)
                    .max();
                best.unwrap_or(0)
            },
            file: |ledger, path, options, skip, dry, progress| {
                import_file::<K>(ledger, path, options, skip, dry, progress).map(named)
            },
            book: |ledger, workbook, options, skip, dry, progress| {
                import_book::<K>(ledger, workbook, options, skip, dry, progress).map(named)
            },
        }
    }
}

impl ImportKind {
    /// Every kind, in the order a chooser lists them.
    pub const ALL: [ImportKind; 8] = [
        ImportKind::Agreements,
        ImportKind::Partners,
        ImportKind::Rates,
        ImportKind::Schedules,
        ImportKind::Receipts,
        ImportKind::Deliverables,
        ImportKind::Prospects,
        ImportKind::Opportunities,
    ];

    fn ops(self) -> KindOps {
        match self {
            ImportKind::Agreements => KindOps::of::<super::Agreements>(),
            ImportKind::Partners => KindOps::of::<super::Partners>(),
            ImportKind::Rates => KindOps::of::<super::Rates>(),
            ImportKind::Schedules => KindOps::of::<super::Schedules>(),
            ImportKind::Receipts => KindOps::of::<super::Receipts>(),
            ImportKind::Deliverables => KindOps::of::<super::Deliverables>(),
            ImportKind::Prospects => KindOps::of::<super::Prospects>(),
            ImportKind::Opportunities => KindOps::of::<super::Opportunities>(),
        }
    }

    /// Its name (`--kind` takes it): `agreements`, `partners`…
    pub fn name(self) -> &'static str {
        self.ops().name
    }

    /// What it calls one row and several: ("agreement", "agreements").
    pub fn noun(self) -> (&'static str, &'static str) {
        self.ops().noun
    }

    /// Its fields, in display order, and whether a sheet must have each.
    pub fn fields(self) -> Vec<(&'static str, bool)> {
        (self.ops().fields)()
    }

    /// The field of this kind named `text` (`signed-on`, `Signed on`, `signed_on` alike).
    pub fn field_named(self, text: &str) -> Result<&'static str, String> {
        let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let fields = self.fields();
        fields
            .iter()
            .find(|(f, _)| *f == wanted)
            .map(|(f, _)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
                format!("'{text}' is not a field; fields are {}", names.join(", "))
            })
    }

    /// [`import_file`] of this kind.
    pub fn import_file(
        self,
        ledger: &mut Ledger,
        path: &Path,
        options: &ImportOptions,
        skip_invalid: bool,
        dry_run: bool,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<KindImport, ImportError> {
        (self.ops().file)(ledger, path, options, skip_invalid, dry_run, progress)
    }

    /// [`import_book`] of this kind.
    pub fn import_book(
        self,
        ledger: &mut Ledger,
        workbook: Workbook,
        options: &ImportOptions,
        skip_invalid: bool,
        dry_run: bool,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<KindImport, ImportError> {
        (self.ops().book)(ledger, workbook, options, skip_invalid, dry_run, progress)
    }

    /// The kind whose headers the file at `path` names best, from its first rows (a CSV's
    /// first 64 KiB; a workbook's first rows of each sheet, streamed when it can be).
    pub fn of_file(path: &Path) -> Result<ImportKind, ImportError> {
        if let Some(head) = read_head(path, SURVEY_ROWS)? {
            return Ok(ImportKind::of_workbook(&head));
        }
        let file_name = display_name(path);
        let unreadable = |e: std::io::Error| ImportError::Unreadable {
            file: file_name.clone(),
            reason: e.to_string(),
        };
        let mut start = Vec::new();
        std::io::Read::read_to_end(
            &mut std::io::Read::take(std::fs::File::open(path).map_err(&unreadable)?, 64 << 10),
            &mut start,
        )
        .map_err(&unreadable)?;
        let workbook = match super::detect_kind(&start, "") {
            Ok(super::FileKind::Delimited) => {
                // Whole lines only: the last one may be cut.
                let end = start
                    .iter()
                    .rposition(|b| *b == b'\n')
                    .map_or(start.len(), |i| i + 1);
                super::read_delimited(&file_name, &start[..end])?
            }
            _ => super::read_file(path)?,
        };
        Ok(ImportKind::of_workbook(&workbook))
    }

    /// The kind whose headers `workbook`'s sheets name best (agreements on a tie).
    pub fn of_workbook(workbook: &Workbook) -> ImportKind {
        let mut best = (ImportKind::Agreements, 0);
        for kind in ImportKind::ALL {
            let score = (kind.ops().score)(workbook);
            if score > best.1 {
                best = (kind, score);
            }
        }
        best.0
    }
}

impl std::str::FromStr for ImportKind {
    type Err = String;
    fn from_str(text: &str) -> Result<ImportKind, String> {
        let wanted = text.trim().to_ascii_lowercase();
        ImportKind::ALL
            .into_iter()
            .find(|k| k.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = ImportKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "'{text}' is not a kind of row; kinds are {}",
                    names.join(", ")
                )
            })
    }
}
