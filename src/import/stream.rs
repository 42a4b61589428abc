//! The streamed import (`pledger import`): rows are planned and written as they are read,
//! inside one transaction, so a large workbook costs about one parse of it and holds a few
//! hundred rows at a time, not the sheet. The rows are read on one thread and planned on
//! another while this one matches them against the ledger and writes them (an xlsx or xlsb
//! sheet is streamed; other files are read whole first, then go the same way).
//!
//! The plan is the one [`super::prepare`] would make, row for row: rows wait in a queue
//! while something later in the sheet decides them (a slash date waits for the whole date
//! column's day order; a row of one cell for a later data row, else it is a trailing note).
//! Problems that block the import roll the transaction back, so nothing is written unless
//! the import is valid or `skip_invalid` leaves the invalid rows out.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::Path;
use std::sync::mpsc;

use chrono::NaiveDate;

use crate::domain::{Agreement, Money, Partner, PartnerId, ReferenceLists};
use crate::ledger::{Ledger, LedgerError, Writer};

use super::cells::{Cell, MAX_FILE_BYTES, Sheet, Workbook, display_name, hex};
use super::mapping::{Field, Mapping};
use super::plan::{
    Action, LedgerView, PartnerRef, Plan, RowOutcome, RowPlanner, SheetAt, added_themes,
    filled_cells, row_action,
};
use super::source::read_file_with_progress;
use super::values::DayEvidence;
use super::workbook::{RowBlock, StreamedBook, open_streamed, stream_blocks};
use super::{
    CommitSummary, ImportError, ImportOptions, Phase, Problem, Progress, Severity, choose_sheet,
    map_sheet,
};

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

/// What a streamed import did.
#[derive(Debug)]
pub struct StreamedImport {
    /// The plan: every problem, new partner and theme, and the rows that update an agreement
    /// or are blocked; the other rows are counted in [`Plan::unlisted`].
    pub plan: Plan,
    /// The column mapping used.
    pub mapping: Mapping,
    /// `None` for a dry run; else what was committed, or why nothing was
    /// ([`ImportError::Blocked`]).
    pub committed: Option<Result<CommitSummary, ImportError>>,
}

/// Reads, plans and commits `path` in one pass (a dry run plans and writes nothing), telling
/// `progress` the rows done; when `progress` returns false the import stops with
/// [`ImportError::Cancelled`] and nothing is written.
pub fn import_streamed(
    ledger: &mut Ledger,
    path: &Path,
    options: &ImportOptions,
    skip_invalid: bool,
    dry_run: bool,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<StreamedImport, ImportError> {
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
        let workbook = read_file_with_progress(path, progress)?;
        return import_workbook(ledger, workbook, options, skip_invalid, dry_run, progress);
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
        let surveyed = survey_and_map(ledger, &mut wb, &file_name, survey, options);
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
    };
    task.run(ledger, &sha256, sheet, source, progress)
}

/// [`import_streamed`] for a workbook read whole (a CSV, an xls or ods, the sample ledger):
/// its rows go through the same stages as a streamed sheet's.
pub fn import_workbook(
    ledger: &mut Ledger,
    mut workbook: Workbook,
    options: &ImportOptions,
    skip_invalid: bool,
    dry_run: bool,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<StreamedImport, ImportError> {
    let sheet = choose_sheet(&workbook.file_name, &workbook.sheets, options)?;
    let mapping = map_sheet(ledger, &workbook.file_name, sheet, options)?;
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
    };
    let task = Task {
        file: &workbook.file_name,
        options,
        skip_invalid,
        dry_run,
    };
    task.run(ledger, &workbook.sha256, sheet, source, progress)
}

/// The first `rows` rows of each worksheet of the xlsx or xlsb at `path`, streamed, with the
/// SHA-256 of the whole file: a preview of a workbook too large to hold, which
/// [`import_streamed`] then imports. `Ok(None)` for other files: read them whole with
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
    }))
}

/// The sheet of `wb` to import, the row count it claims and its mapping, chosen from the
/// first `rows` rows of each worksheet.
fn survey_and_map(
    ledger: &Ledger,
    wb: &mut StreamedBook,
    file_name: &str,
    rows: usize,
    options: &ImportOptions,
) -> Result<(String, Option<usize>, Mapping), ImportError> {
    let (heads, totals): (Vec<Sheet>, Vec<Option<usize>>) = sheet_heads(wb, rows)
        .map_err(|reason| ImportError::Unreadable {
            file: file_name.to_string(),
            reason,
        })?
        .into_iter()
        .unzip();
    let sheet = choose_sheet(file_name, &heads, options)?;
    let mapping = map_sheet(ledger, file_name, sheet, options)?;
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

/// The sheet an import reads: its name, the row count it claims and its mapping.
struct SheetRead<'a> {
    name: &'a str,
    total: Option<usize>,
    mapping: Mapping,
}

/// Why the transaction was rolled back.
enum Halt {
    /// Reading failed or the user cancelled.
    Failed(ImportError),
    /// Errors block the import.
    Blocked,
    /// A dry run.
    DryRun,
    /// Every agreement is in the ledger already.
    Nothing,
}

impl Task<'_> {
    /// Reads the rows of `source` and plans them on a thread of their own, while this one
    /// matches them against the ledger and writes them, in one transaction.
    fn run(
        &self,
        ledger: &mut Ledger,
        sha256: &str,
        sheet: SheetRead<'_>,
        source: impl FnOnce(&mut RowSink<'_>, &mut SpareBlocks<'_>) -> Result<(), String> + Send,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<StreamedImport, ImportError> {
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
        } = sheet;
        let view = LedgerView::load(ledger)?;
        let mut plan = Plan::empty(self.file, sha256, sheet, &mapping);
        let blocked = |plan: &Plan| ImportError::Blocked {
            file: plan.file.clone(),
            errors: plan.error_count(),
        };
        let Some(planner) =
            RowPlanner::new(&view, &mut plan, self.file, sheet, &mapping, self.options)
        else {
            let committed = (!self.dry_run).then(|| Err(blocked(&plan)));
            return Ok(StreamedImport {
                plan,
                mapping,
                committed,
            });
        };
        let unreadable = |reason: String| ImportError::Unreadable {
            file: self.file.to_string(),
            reason,
        };
        let at = SheetAt {
            file: self.file,
            sheet,
            mapping: &mapping,
        };
        // Three stages, each on its thread: reading the sheet, planning its rows, and
        // writing them (this thread). On two cores the system shares the cores between
        // them as their loads come.
        let (raw_sender, raw_receiver) = mpsc::sync_channel::<RawChunk>(CHUNKS_IN_FLIGHT);
        let (sender, receiver) = mpsc::sync_channel(CHUNKS_IN_FLIGHT);
        let (spare_sender, spare_receiver) = mpsc::channel();
        let planning = Planning::new(planner, &plan, &mapping, sender, spare_sender);
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
                let mut rows = RowWriter::new(w, &view, at)?;
                let batch = w.begin_batch(self.file, sha256)?;
                for (id, alias) in &plan.new_aliases {
                    w.add_alias(*id, alias)?;
                }
                for (header, field) in &plan.learned {
                    w.learn_mapping(header, field)?;
                }
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
                        rows.take(w, &mut plan, item)?;
                    }
                    complete = chunk.last;
                }
                if !complete {
                    halt = Some(Halt::Failed(unreadable(
                        "reading stopped before the end of the sheet".into(),
                    )));
                    return Err(rolled_back());
                }
                plan.new_themes = added_themes(&view, &rows.lists);
                summary = self.summary(&plan, rows.partners_created);
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
                super::learn_mappings(ledger, &plan)?;
                Some(Ok(CommitSummary {
                    partners_created: 0,
                    ..summary
                }))
            }
            (Err(e), None) => return Err(e.into()),
        };
        Ok(StreamedImport {
            plan,
            mapping,
            committed,
        })
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

/// What the planning thread sends, in sheet order: planned rows, and what planning them added.
enum Read {
    /// A partner new to the ledger, named first by the row that follows.
    Partner(Partner),
    /// The reference lists, now that the row that follows added a theme to them.
    Lists(Box<ReferenceLists>),
    /// A totals row, skipped with this warning.
    Totals(Problem),
    /// A data row.
    Row(ReadRow),
    /// What planning counted over the whole sheet, sent after its last row: near matches of
    /// partner names and agreements without a financial contribution.
    Tally(Vec<super::NearMatch>, usize),
}

/// A data row as planning read it.
struct ReadRow {
    /// 1-based.
    number: usize,
    /// The agreement the row gives and its partner, when it gives one.
    planned: Option<(Agreement, PartnerRef)>,
    problems: Vec<Problem>,
    /// The row's reference and partner cells ([`KEY_FIELDS`]), which a duplicate shows.
    keys: [Cell; 2],
}

/// The cells a [`ReadRow`] keeps.
const KEY_FIELDS: [Field; 2] = [Field::Reference, Field::Partner];

/// What the planning thread sends at a time.
struct ReadChunk {
    items: Vec<Read>,
    /// Rows skipped: blank ones, and notes below the data.
    skipped: usize,
    /// Sheet rows read so far, and the row count the sheet claims.
    done: usize,
    total: Option<usize>,
    /// Whether this is the sheet's last chunk.
    last: bool,
}

impl ReadChunk {
    fn new() -> ReadChunk {
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
struct Planning<'a> {
    planner: RowPlanner<'a>,
    /// Gathers the partners planning adds (rows name a new partner by its index here).
    added: Plan,
    partners_sent: usize,
    themes_sent: usize,
    key_columns: [Option<usize>; 2],
    sender: mpsc::SyncSender<Result<ReadChunk, String>>,
    out: ReadChunk,
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

impl<'a> Planning<'a> {
    fn new(
        planner: RowPlanner<'a>,
        plan: &Plan,
        mapping: &Mapping,
        sender: mpsc::SyncSender<Result<ReadChunk, String>>,
        spare_sender: mpsc::Sender<RowBlock>,
    ) -> Planning<'a> {
        let themes_sent = planner.lists().themes.len();
        Planning {
            planner,
            added: Plan::empty(&plan.file, &plan.sha256, &plan.sheet, mapping),
            partners_sent: 0,
            themes_sent,
            key_columns: KEY_FIELDS.map(|f| mapping.column(f)),
            sender,
            out: ReadChunk::new(),
            spare: Vec::with_capacity(CHUNK_ROWS),
            spare_sender,
            rows_unsent: 0,
            waiting: VecDeque::new(),
            last_read: mapping.header_row,
            last_data: None,
            first_data: mapping.header_row + 1,
            date_column: mapping.column(Field::SignedOn),
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
        self.planner.order = self.day_evidence.order();
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
        self.out.items.push(Read::Tally(
            std::mem::take(&mut self.added.near_matches),
            self.added.non_financial,
        ));
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

    /// Keeps `cells`, once planned, to take a later row (up to a chunk of them).
    fn give_back(&mut self, cells: Vec<Cell>) {
        if self.spare.len() < CHUNK_ROWS {
            self.spare.push(cells);
        }
    }

    /// Plans sheet row `row_number` (1-based).
    fn row(&mut self, row_number: usize, mut cells: Vec<Cell>) {
        let (planned, problems) = match self.planner.read(&mut self.added, row_number, &cells) {
            RowOutcome::Blank => {
                self.out.skipped += 1;
                return;
            }
            RowOutcome::Totals(problem) => {
                self.out.skipped += 1;
                self.out.items.push(Read::Totals(problem));
                return;
            }
            RowOutcome::Data(planned, problems) => (planned, problems),
        };
        let new_partners = self
            .added
            .new_partners
            .get(self.partners_sent..)
            .unwrap_or_default();
        self.partners_sent += new_partners.len();
        self.out
            .items
            .extend(new_partners.iter().cloned().map(Read::Partner));
        let lists = self.planner.lists();
        if lists.themes.len() > self.themes_sent {
            self.themes_sent = lists.themes.len();
            self.out.items.push(Read::Lists(Box::new(lists.clone())));
        }
        let keys = self.key_columns.map(|c| {
            c.and_then(|c| cells.get_mut(c))
                .map_or(Cell::Empty, |cell| std::mem::replace(cell, Cell::Empty))
        });
        self.give_back(cells);
        self.out.items.push(Read::Row(ReadRow {
            number: row_number,
            planned,
            problems,
            keys,
        }));
    }
}

/// A hash of `value`, the same for the whole import.
fn hash_of(value: impl std::hash::Hash) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(value)
}

/// The hash of the key of agreement `a` of partner `partner`: its partner, date and amount.
fn key_hash(partner: PartnerId, a: &Agreement) -> u64 {
    hash_of((partner, a.signed_on, a.contribution))
}

/// Marks a created row that had no reference.
const BY_KEY: u32 = 1 << 31;

/// The key rows without a reference are matched by.
type RowKey = (PartnerRef, NaiveDate, Option<Money>);

/// Matches planned rows against the ledger and writes them, as they arrive in sheet order.
struct RowWriter<'a> {
    view: &'a LedgerView,
    at: SheetAt<'a>,
    /// The reference lists, with the themes the rows added so far.
    lists: ReferenceLists,
    /// Agreement ids up to this one were in the ledger before the import.
    before: i64,
    /// Whether the ledger held references before the import, and the hashes of those the
    /// import wrote: a reference in neither is looked up nowhere.
    ledger_references: bool,
    written_references: HashSet<u64>,
    /// The hashes of the keys (partner, date, amount) of the agreements that rows without a
    /// reference created: a key not among them needs no search of this import's rows.
    written_keys: HashSet<u64>,
    /// Sheet rows (1-based) that created the agreements `before + 1`, `before + 2`, ...,
    /// with [`BY_KEY`] set for the rows without a reference.
    created_rows: Vec<u32>,
    /// Rows that created agreements out of that sequence, by agreement id.
    created_elsewhere: HashMap<i64, (usize, bool)>,
    /// Ledger agreements matched by a row with a reference, and the last row that matched
    /// each; then those matched by partner, date and amount.
    touched_by_reference: HashMap<i64, usize>,
    touched_by_key: HashMap<i64, usize>,
    /// Blocked rows, which write nothing, by reference and by key: later duplicates of them
    /// are still told.
    blocked_references: HashMap<String, usize>,
    blocked_keys: HashMap<RowKey, usize>,
    /// Ids of the plan's new partners once created.
    new_ids: Vec<Option<PartnerId>>,
    partners_created: usize,
    themes_written: usize,
}

impl<'a> RowWriter<'a> {
    fn new(w: &Writer<'_>, view: &'a LedgerView, at: SheetAt<'a>) -> Result<Self, LedgerError> {
        let lists = view.lists().clone();
        Ok(RowWriter {
            view,
            at,
            themes_written: lists.themes.len(),
            lists,
            before: w.last_agreement_id()?,
            ledger_references: w.any_reference()?,
            written_references: HashSet::new(),
            written_keys: HashSet::new(),
            created_rows: Vec::new(),
            created_elsewhere: HashMap::new(),
            touched_by_reference: HashMap::new(),
            touched_by_key: HashMap::new(),
            blocked_references: HashMap::new(),
            blocked_keys: HashMap::new(),
            new_ids: Vec::new(),
            partners_created: 0,
        })
    }

    /// Takes what the planning thread sent next.
    fn take(&mut self, w: &mut Writer<'_>, plan: &mut Plan, item: Read) -> Result<(), LedgerError> {
        match item {
            Read::Partner(p) => plan.new_partners.push(p),
            Read::Lists(lists) => self.lists = *lists,
            Read::Totals(problem) => plan.problems.push(problem),
            Read::Row(row) => self.row(w, plan, row)?,
            Read::Tally(near_matches, non_financial) => {
                plan.near_matches = near_matches;
                plan.non_financial = non_financial;
            }
        }
        Ok(())
    }

    /// The cells that [`ReadRow::keys`] kept, in their columns.
    fn key_cells(&self, keys: &[Cell; 2]) -> Vec<Cell> {
        let mut cells = Vec::new();
        for (field, cell) in KEY_FIELDS.iter().zip(keys) {
            if let Some(c) = self.at.mapping.column(*field) {
                if cells.len() <= c {
                    cells.resize(c + 1, Cell::Empty);
                }
                if let Some(slot) = cells.get_mut(c) {
                    *slot = cell.clone();
                }
            }
        }
        cells
    }

    /// The sheet row that created agreement `id` in this import, if one did, and whether it
    /// had no reference.
    fn created_by(&self, id: i64) -> Option<(usize, bool)> {
        let offset = usize::try_from(id - self.before - 1).ok()?;
        self.created_rows
            .get(offset)
            .map(|&r| ((r & !BY_KEY) as usize, r & BY_KEY != 0))
            .or_else(|| self.created_elsewhere.get(&id).copied())
    }

    /// The last earlier row that gave agreement `found` (in the ledger, or created by this
    /// import) among the rows with a reference (without one when `by_key`), or `blocked`, a
    /// blocked row.
    fn earlier_row(
        &self,
        found: Option<&Agreement>,
        by_key: bool,
        blocked: Option<usize>,
    ) -> Option<usize> {
        let by_ledger = found.and_then(|a| {
            if a.id.0 > self.before {
                self.created_by(a.id.0)
                    .filter(|&(_, keyed)| keyed == by_key)
                    .map(|(row, _)| row)
            } else if by_key {
                self.touched_by_key.get(&a.id.0).copied()
            } else {
                self.touched_by_reference.get(&a.id.0).copied()
            }
        });
        by_ledger.max(blocked)
    }

    /// Matches a planned row and writes it unless blocked.
    fn row(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        read: ReadRow,
    ) -> Result<(), LedgerError> {
        let row_number = read.number;
        let mut problems = read.problems;
        let Some((mut agreement, partner)) = read.planned else {
            if !problems.iter().any(|p| p.severity == Severity::Error) {
                plan.skipped_rows += 1;
            }
            plan.problems.extend(problems);
            return Ok(());
        };
        let themes = self.lists.themes.len();
        if themes > self.themes_written {
            // A theme new to the ledger: its agreements are checked against the lists.
            w.replace_reference_lists(&self.lists)?;
            self.themes_written = themes;
        }

        // The agreement the row matches, and duplicates inside the file.
        let key: RowKey = (partner, agreement.signed_on, agreement.contribution);
        let existing = match agreement.reference.clone() {
            Some(reference) => {
                let hash = hash_of(&reference);
                let found = if self.ledger_references || self.written_references.contains(&hash) {
                    w.agreement_with_reference(&reference)?
                } else {
                    None
                };
                let blocked = self.blocked_references.get(&reference).copied();
                if let Some(first) = self.earlier_row(found.as_ref(), false, blocked) {
                    let cells = self.key_cells(&read.keys);
                    problems.extend(
                        self.at
                            .duplicate_reference(row_number, &cells, &reference, first),
                    );
                }
                found.filter(|a| a.id.0 <= self.before)
            }
            None => {
                let pid = match partner {
                    PartnerRef::Existing(pid) => Some(pid),
                    PartnerRef::New(i) => self.new_ids.get(i).copied().flatten(),
                };
                let mut like = |ids, newest| match pid {
                    Some(pid) => w.agreement_like(
                        pid,
                        agreement.signed_on,
                        agreement.contribution,
                        ids,
                        newest,
                    ),
                    None => Ok(None),
                };
                let created = match pid {
                    Some(pid) if self.written_keys.contains(&key_hash(pid, &agreement)) => {
                        like(self.before + 1..=i64::MAX, true)?
                    }
                    _ => None,
                };
                let existing = match partner {
                    PartnerRef::Existing(_) => like(0..=self.before, false)?,
                    PartnerRef::New(_) => None,
                };
                let first = self
                    .earlier_row(created.as_ref(), true, self.blocked_keys.get(&key).copied())
                    .max(self.earlier_row(existing.as_ref(), true, None));
                if let Some(first) = first {
                    let cells = self.key_cells(&read.keys);
                    problems.extend(self.at.duplicate_key(row_number, &cells, first));
                }
                existing
            }
        };
        let blocked = problems.iter().any(|p| p.severity == Severity::Error);
        let action = row_action(
            self.view,
            &self.lists,
            plan,
            &mut agreement,
            partner,
            existing.as_ref(),
        );
        plan.problems.extend(problems);
        if blocked {
            match &agreement.reference {
                Some(r) => self.blocked_references.insert(r.clone(), row_number),
                None => self.blocked_keys.insert(key, row_number),
            };
            plan.list(row_number, agreement, partner, action, blocked);
            return Ok(());
        }
        if let PartnerRef::New(i) = partner {
            agreement.partner_id = self.new_partner(w, plan, i)?;
        }
        if let Some(reference) = agreement
            .reference
            .as_deref()
            .filter(|_| !self.ledger_references)
        {
            self.written_references.insert(hash_of(reference));
        }
        match &action {
            Action::Create => {
                let by_key = agreement.reference.is_none();
                let id = w.add_agreement(&agreement)?.0;
                if by_key {
                    self.written_keys
                        .insert(key_hash(agreement.partner_id, &agreement));
                }
                let in_sequence =
                    usize::try_from(id - self.before - 1).ok() == Some(self.created_rows.len());
                match u32::try_from(row_number).ok().filter(|&r| r < BY_KEY) {
                    Some(row) if in_sequence => {
                        self.created_rows
                            .push(if by_key { row | BY_KEY } else { row })
                    }
                    _ => {
                        self.created_elsewhere.insert(id, (row_number, by_key));
                    }
                }
                plan.unlisted.created += 1;
            }
            Action::Update { id, .. } => {
                w.update_agreement(&agreement)?;
                self.touch(&agreement, id.0, row_number);
                plan.list(row_number, agreement, partner, action, blocked);
            }
            Action::Unchanged(id) => {
                self.touch(&agreement, id.0, row_number);
                plan.unlisted.unchanged += 1;
            }
        }
        Ok(())
    }

    /// Remembers that `row_number` matched ledger agreement `id`.
    fn touch(&mut self, agreement: &Agreement, id: i64, row_number: usize) {
        let touched = if agreement.reference.is_some() {
            &mut self.touched_by_reference
        } else {
            &mut self.touched_by_key
        };
        touched.insert(id, row_number);
    }

    /// The id of the plan's new partner `i`, created at its first valid row.
    fn new_partner(
        &mut self,
        w: &mut Writer<'_>,
        plan: &Plan,
        i: usize,
    ) -> Result<PartnerId, LedgerError> {
        if let Some(id) = self.new_ids.get(i).copied().flatten() {
            return Ok(id);
        }
        let partner = plan
            .new_partners
            .get(i)
            .ok_or_else(|| LedgerError::NotFound(format!("new partner {i}")))?;
        let id = w.add_partner(partner)?;
        self.partners_created += 1;
        if self.new_ids.len() <= i {
            self.new_ids.resize(i + 1, None);
        }
        if let Some(slot) = self.new_ids.get_mut(i) {
            *slot = Some(id);
        }
        Ok(id)
    }
}
