//! Planned agreements -> the ledger: each row matched to the agreement it updates (by
//! reference, else by partner, date and amount), duplicates inside the file told, and the
//! row written as it arrives.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::domain::{Agreement, Money, PartnerId, ReferenceLists};
use crate::ledger::{LedgerError, Writer};

use super::super::Severity;
use super::super::cells::Cell;
use super::super::pipeline::WriteRows;
use super::super::plan::{Action, LedgerView, Plan, SheetAt};
use super::Field;
use super::plan::{Item, KEY_FIELDS, PartnerRef, ReadRow, added_themes, row_action};

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
pub struct RowWriter<'a> {
    view: &'a LedgerView,
    at: SheetAt<'a, Field>,
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
    /// A writer of the rows of the sheet at `at`; writes the aliases `plan` confirmed.
    pub fn new(
        w: &mut Writer<'_>,
        view: &'a LedgerView,
        plan: &Plan,
        at: SheetAt<'a, Field>,
    ) -> Result<Self, LedgerError> {
        for (id, alias) in &plan.new_aliases {
            w.add_alias(*id, alias)?;
        }
        let lists = view.lists.clone();
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
            plan.nothing_from(problems);
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
                    problems.extend(self.at.problem(
                        row_number,
                        &cells,
                        Field::Reference,
                        Severity::Error,
                        format!("reference '{reference}' appears already on row {first}"),
                    ));
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
                    problems.extend(self.at.problem(
                        row_number,
                        &cells,
                        Field::Partner,
                        Severity::Warning,
                        format!("same partner, date and amount as row {first}: a duplicate?"),
                    ));
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
            let label = agreement.reference.clone().unwrap_or_default();
            match agreement.reference {
                Some(r) => self.blocked_references.insert(r, row_number),
                None => self.blocked_keys.insert(key, row_number),
            };
            plan.record(row_number, action, blocked, || label);
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
            }
            Action::Update { .. } => {
                w.update_agreement(&agreement)?;
                self.touch(&agreement, row_number);
            }
            Action::Unchanged => self.touch(&agreement, row_number),
        }
        plan.record(row_number, action, false, || {
            agreement.reference.unwrap_or_default()
        });
        Ok(())
    }

    /// Remembers that `row_number` matched ledger agreement `id`.
    fn touch(&mut self, agreement: &Agreement, row_number: usize) {
        let touched = if agreement.reference.is_some() {
            &mut self.touched_by_reference
        } else {
            &mut self.touched_by_key
        };
        touched.insert(agreement.id.0, row_number);
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

impl WriteRows<Item> for RowWriter<'_> {
    fn take(&mut self, w: &mut Writer<'_>, plan: &mut Plan, item: Item) -> Result<(), LedgerError> {
        match item {
            Item::Partner(p) => plan.new_partners.push(p),
            Item::Lists(lists) => self.lists = *lists,
            Item::Row(row) => self.row(w, plan, row)?,
            Item::Tally(near_matches, non_financial) => {
                plan.near_matches = near_matches;
                plan.non_financial = non_financial;
            }
        }
        Ok(())
    }

    fn end(self, _w: &mut Writer<'_>, plan: &mut Plan) -> Result<usize, LedgerError> {
        plan.new_themes = added_themes(self.view, &self.lists);
        Ok(self.partners_created)
    }
}
