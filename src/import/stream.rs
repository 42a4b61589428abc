//! The streamed import (`pledger import`): rows are planned and written as they are read,
//! inside one transaction, so a large workbook costs about one parse of it and holds a few
//! hundred rows at a time, not the sheet. An xlsx sheet is read on a thread of its own while
//! this one plans and writes; other files are read whole first, then go the same way.
//!
//! The plan is the one [`super::prepare`] would make, row for row: rows wait in a queue
//! while something later in the sheet decides them (a slash date waits for the whole date
//! column's day order; a row of one cell for a later data row, else it is a trailing note).
//! Problems that block the import roll the transaction back, so nothing is written unless
//! the import is valid or `skip_invalid` leaves the invalid rows out.

use std::collections::{HashMap, VecDeque};
use std::path::Path;
use std::sync::mpsc;

use chrono::NaiveDate;

use crate::domain::{Agreement, Money, PartnerId};
use crate::ledger::{Ledger, LedgerError, Writer};

use super::mapping::{Field, Mapping};
use super::plan::{
    Action, LedgerView, PartnerRef, Plan, PlannedRow, RowOutcome, RowPlanner, filled_cells,
};
use super::source::{Cell, MAX_FILE_BYTES, Sheet, display_name, hex, read_file_with_progress};
use super::values::DayEvidence;
use super::workbook::{open_streamed_xlsx, stream_rows, streamed_sheet_names};
use super::{
    CommitSummary, ImportError, ImportOptions, Phase, Progress, Severity, choose_sheet, map_sheet,
};

/// Rows the reading thread sends at a time.
const CHUNK_ROWS: usize = 256;
/// Chunks on their way between the threads: this bounds a streamed import's memory.
const CHUNKS_IN_FLIGHT: usize = 16;
/// Rows of each sheet read to choose the sheet and find its header.
const SURVEY_ROWS: usize = 30;

/// Sheet rows (0-based index and cells) and the row count the sheet claims.
type Chunk = (Vec<(usize, Vec<Cell>)>, Option<usize>);

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
    // Anything but an xlsx within the size cap is read whole, with read_file's checks.
    let streamed = if size <= MAX_FILE_BYTES {
        open_streamed_xlsx(path).map_err(&unreadable)?
    } else {
        None
    };
    let task = Task {
        file: &file_name,
        options,
        skip_invalid,
        dry_run,
    };
    let Some(mut wb) = streamed else {
        let mut workbook = read_file_with_progress(path, progress)?;
        let sheet = choose_sheet(&workbook.file_name, &workbook.sheets, options)?;
        let mapping = map_sheet(ledger, &workbook.file_name, sheet, options)?;
        let name = sheet.name.clone();
        let rows = workbook
            .sheets
            .iter_mut()
            .find(|s| s.name == name)
            .map(|s| std::mem::take(&mut s.rows))
            .unwrap_or_default();
        let total = Some(rows.len());
        let chunks = rows
            .into_iter()
            .enumerate()
            .skip(mapping.header_row + 1)
            .map(|row| Ok((vec![row], total)));
        return task.run(ledger, &workbook.sha256, &name, mapping, chunks, progress);
    };

    let sha256 = file_sha256(path).map_err(&unreadable)?;
    let mut heads = Vec::new();
    for name in streamed_sheet_names(&wb) {
        let mut head = Sheet {
            name: name.clone(),
            rows: Vec::new(),
        };
        stream_rows(&mut wb, &name, &mut |i, cells, _| {
            if i >= SURVEY_ROWS {
                return false;
            }
            head.rows.resize_with(i + 1, Vec::new);
            if let Some(slot) = head.rows.get_mut(i) {
                *slot = cells;
            }
            true
        })
        .map_err(&unreadable)?;
        heads.push(head);
    }
    let sheet = choose_sheet(&file_name, &heads, options)?;
    let mapping = map_sheet(ledger, &file_name, sheet, options)?;
    let sheet_name = sheet.name.clone();
    let header_row = mapping.header_row;

    let (sender, receiver) = mpsc::sync_channel::<Result<Chunk, String>>(CHUNKS_IN_FLIGHT);
    std::thread::scope(|scope| {
        let reading = std::thread::Builder::new()
            .name("import-reader".into())
            .spawn_scoped(scope, {
                let sheet_name = sheet_name.clone();
                move || {
                    let mut chunk = Vec::with_capacity(CHUNK_ROWS);
                    let mut claimed = None;
                    let result = stream_rows(&mut wb, &sheet_name, &mut |i, cells, total| {
                        claimed = total;
                        if i <= header_row {
                            return true;
                        }
                        chunk.push((i, cells));
                        if chunk.len() < CHUNK_ROWS {
                            return true;
                        }
                        let full = std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK_ROWS));
                        // The planner has stopped when nobody receives.
                        sender.send(Ok((full, total))).is_ok()
                    });
                    // Nobody may be listening any more: then there is no one to tell.
                    let _ = match result {
                        Ok(()) => sender.send(Ok((chunk, claimed))),
                        Err(e) => sender.send(Err(e)),
                    };
                }
            });
        if let Err(e) = reading {
            return Err(unreadable(format!("cannot start reading ({e})")));
        }
        let chunks = receiver.into_iter().map(|m| m.map_err(&unreadable));
        task.run(ledger, &sha256, &sheet_name, mapping, chunks, progress)
    })
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
    fn run(
        &self,
        ledger: &mut Ledger,
        sha256: &str,
        sheet: &str,
        mapping: Mapping,
        chunks: impl Iterator<Item = Result<Chunk, ImportError>>,
        progress: &mut dyn FnMut(Progress) -> bool,
    ) -> Result<StreamedImport, ImportError> {
        let view = LedgerView::load_for(ledger, Some(&[]))?;
        let mut plan = Plan::empty(self.file, sha256, sheet, &mapping);
        let blocked = |plan: &Plan| ImportError::Blocked {
            file: plan.file.clone(),
            errors: plan.error_count(),
        };
        let Some(mut planner) =
            RowPlanner::new(&view, &mut plan, self.file, sheet, &mapping, self.options)
        else {
            let committed = (!self.dry_run).then(|| Err(blocked(&plan)));
            return Ok(StreamedImport {
                plan,
                mapping,
                committed,
            });
        };
        let mut halt = None;
        let mut summary = CommitSummary::default();
        let result = ledger.write(|w| {
            let mut rows = RowWriter::new(w, &mapping, planner.lists().themes.len())?;
            let batch = w.begin_batch(self.file, sha256)?;
            for (id, alias) in &plan.new_aliases {
                w.add_alias(*id, alias)?;
            }
            for chunk in chunks {
                let (chunk, total) = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        halt = Some(Halt::Failed(e));
                        return Err(rolled_back());
                    }
                };
                let done = chunk.last().map_or(0, |(i, _)| i + 1);
                if !progress(Progress {
                    phase: Phase::Writing,
                    rows_done: done,
                    rows_total: total,
                }) {
                    halt = Some(Halt::Failed(ImportError::Cancelled));
                    return Err(rolled_back());
                }
                for (index, cells) in chunk {
                    rows.arrive(w, &mut planner, &mut plan, index, cells)?;
                }
            }
            rows.finish(w, &mut planner, &mut plan)?;
            planner.finish(&mut plan);
            summary = self.summary(&plan, rows.partners_created);
            let stop = if self.dry_run {
                Some(Halt::DryRun)
            } else if plan.blocks_commit(self.skip_invalid) {
                Some(Halt::Blocked)
            } else if summary.created == 0 && summary.updated == 0 && plan.new_aliases.is_empty() {
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
        });
        let committed = match (result, halt) {
            (Ok(batch), _) => Some(Ok(CommitSummary {
                batch: Some(batch),
                ..summary
            })),
            (Err(_), Some(Halt::Failed(e))) => return Err(e),
            (Err(_), Some(Halt::Blocked)) => Some(Err(blocked(&plan))),
            (Err(_), Some(Halt::DryRun)) => None,
            (Err(_), Some(Halt::Nothing)) => Some(Ok(CommitSummary {
                partners_created: 0,
                ..summary
            })),
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

/// Marks a created row that had no reference.
const BY_KEY: u32 = 1 << 31;

/// The key rows without a reference are matched by.
type RowKey = (PartnerRef, NaiveDate, Option<Money>);

/// Plans and writes rows as they arrive, in sheet order.
struct RowWriter {
    /// Agreement ids up to this one were in the ledger before the import.
    before: i64,
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

impl RowWriter {
    fn new(w: &Writer<'_>, mapping: &Mapping, themes: usize) -> Result<Self, LedgerError> {
        Ok(RowWriter {
            before: w.last_agreement_id()?,
            created_rows: Vec::new(),
            created_elsewhere: HashMap::new(),
            touched_by_reference: HashMap::new(),
            touched_by_key: HashMap::new(),
            blocked_references: HashMap::new(),
            blocked_keys: HashMap::new(),
            new_ids: Vec::new(),
            partners_created: 0,
            themes_written: themes,
            waiting: VecDeque::new(),
            last_read: mapping.header_row,
            last_data: None,
            first_data: mapping.header_row + 1,
            date_column: mapping.column(Field::SignedOn),
            slash_dates: false,
            day_evidence: DayEvidence::default(),
        })
    }

    /// Takes sheet row `index` (0-based) and plans and writes every row now decided.
    fn arrive(
        &mut self,
        w: &mut Writer<'_>,
        planner: &mut RowPlanner<'_>,
        plan: &mut Plan,
        index: usize,
        cells: Vec<Cell>,
    ) -> Result<(), LedgerError> {
        // Rows holding nothing are not sent: count them skipped, as a blank row is.
        plan.skipped_rows += index.saturating_sub(self.last_read + 1);
        self.last_read = index;
        if let Some(Cell::Text(t)) = self.date_column.and_then(|c| cells.get(c)) {
            self.slash_dates |= self.day_evidence.add(t);
        }
        if filled_cells(&cells) > 1 {
            self.last_data = Some(index);
        }
        self.waiting.push_back((index, cells));
        if self.slash_dates {
            return Ok(());
        }
        while let Some((i, cells)) = self.waiting.front() {
            // A row of one value may be a note below the data: wait for a later data row.
            if filled_cells(cells) <= 1 && self.last_data.is_none_or(|d| d <= *i) {
                break;
            }
            let Some((i, cells)) = self.waiting.pop_front() else {
                break;
            };
            self.row(w, planner, plan, i + 1, &cells)?;
        }
        Ok(())
    }

    /// Plans and writes the rows still waiting, now that the whole sheet is read.
    fn finish(
        &mut self,
        w: &mut Writer<'_>,
        planner: &mut RowPlanner<'_>,
        plan: &mut Plan,
    ) -> Result<(), LedgerError> {
        planner.order = self.day_evidence.order();
        let last_data = self.last_data.unwrap_or(self.first_data);
        while let Some((i, cells)) = self.waiting.pop_front() {
            if i > last_data && filled_cells(&cells) > 0 {
                // Notes below the data.
                plan.skipped_rows += 1 + self.waiting.len();
                self.waiting.clear();
                break;
            }
            self.row(w, planner, plan, i + 1, &cells)?;
        }
        Ok(())
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

    /// Plans sheet row `row_number` (1-based) and writes it unless blocked.
    fn row(
        &mut self,
        w: &mut Writer<'_>,
        planner: &mut RowPlanner<'_>,
        plan: &mut Plan,
        row_number: usize,
        cells: &[Cell],
    ) -> Result<(), LedgerError> {
        let (planned, mut problems) = match planner.read(plan, row_number, cells) {
            RowOutcome::Blank => {
                plan.skipped_rows += 1;
                return Ok(());
            }
            RowOutcome::Totals(problem) => {
                plan.skipped_rows += 1;
                plan.problems.push(problem);
                return Ok(());
            }
            RowOutcome::Data(planned, problems) => (planned, problems),
        };
        let Some((mut agreement, partner)) = planned else {
            if !problems.iter().any(|p| p.severity == Severity::Error) {
                plan.skipped_rows += 1;
            }
            plan.problems.extend(problems);
            return Ok(());
        };
        let themes = planner.lists().themes.len();
        if themes > self.themes_written {
            // A theme new to the ledger: its agreements are checked against the lists.
            w.replace_reference_lists(planner.lists())?;
            self.themes_written = themes;
        }

        // The agreement the row matches, and duplicates inside the file.
        let key: RowKey = (partner, agreement.signed_on, agreement.contribution);
        let existing = match agreement.reference.clone() {
            Some(reference) => {
                let found = w.agreement_with_reference(&reference)?;
                let blocked = self.blocked_references.get(&reference).copied();
                if let Some(first) = self.earlier_row(found.as_ref(), false, blocked) {
                    problems
                        .extend(planner.duplicate_reference(row_number, cells, &reference, first));
                }
                found.filter(|a| a.id.0 <= self.before)
            }
            None => {
                let pid = match partner {
                    PartnerRef::Existing(pid) => Some(pid),
                    PartnerRef::New(i) => self.new_ids.get(i).copied().flatten(),
                };
                let like = |ids, newest| match pid {
                    Some(pid) => w.agreement_like(
                        pid,
                        agreement.signed_on,
                        agreement.contribution,
                        ids,
                        newest,
                    ),
                    None => Ok(None),
                };
                let created = like(self.before + 1..=i64::MAX, true)?;
                let existing = match partner {
                    PartnerRef::Existing(_) => like(0..=self.before, false)?,
                    PartnerRef::New(_) => None,
                };
                let first = self
                    .earlier_row(created.as_ref(), true, self.blocked_keys.get(&key).copied())
                    .max(self.earlier_row(existing.as_ref(), true, None));
                if let Some(first) = first {
                    problems.extend(planner.duplicate_key(row_number, cells, first));
                }
                existing
            }
        };
        let blocked = problems.iter().any(|p| p.severity == Severity::Error);
        let action = planner.action(&*plan, &mut agreement, partner, existing.as_ref());
        plan.problems.extend(problems);
        if blocked {
            match &agreement.reference {
                Some(r) => self.blocked_references.insert(r.clone(), row_number),
                None => self.blocked_keys.insert(key, row_number),
            };
            plan.rows.push(PlannedRow {
                row: row_number,
                agreement,
                partner,
                action,
                blocked,
            });
            return Ok(());
        }
        if let PartnerRef::New(i) = partner {
            agreement.partner_id = self.new_partner(w, plan, i)?;
        }
        match &action {
            Action::Create => {
                let id = w.add_agreement(&agreement)?.0;
                let by_key = agreement.reference.is_none();
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
                plan.rows.push(PlannedRow {
                    row: row_number,
                    agreement,
                    partner,
                    action,
                    blocked,
                });
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
