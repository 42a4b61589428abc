//! What an import does, whatever its kind of row: the plan (rows created, updated or left,
//! partners and themes added, every problem), and the reading of one row's cells with its
//! problems located to the cell.

use std::borrow::Cow;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::domain::{Currency, Partner, PartnerId, RefEntry, ReferenceLists};
use crate::ledger::Ledger;
use rust_decimal::Decimal;

use super::cells::{Cell, TextEncoding};
use super::mapping::{ColumnGuess, FieldKind, Mapping, column_letter, excerpt};
use super::matching::PartnerMatcher;
use super::values::{AmountValue, DayOrder, normalise, parse_amount, parse_date};
use super::{Problem, Severity};

/// What the import does with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Action {
    /// Adds a new agreement (partner, rate…).
    Create,
    /// Changes one the ledger has; the changed fields as (field, old, new).
    Update {
        /// Field, old value, new value.
        changes: Vec<(String, String, String)>,
    },
    /// The ledger has it already, identical.
    Unchanged,
}

/// One data row of the sheet and what it becomes.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedRow {
    /// The sheet row, 1-based as a spreadsheet shows it.
    pub row: usize,
    /// What the row names: an agreement's reference, a partner's name, a rate's currency
    /// and date; empty when it names nothing.
    pub label: String,
    /// What happens to it.
    pub action: Action,
    /// Whether an error blocks this row.
    pub blocked: bool,
}

/// The whole plan of an import.
#[derive(Clone, Debug, Serialize)]
pub struct Plan {
    /// File name.
    pub file: String,
    /// SHA-256 of the file.
    pub sha256: String,
    /// The sheet read.
    pub sheet: String,
    /// The encoding a text file was read in; `None` for a workbook.
    pub encoding: Option<TextEncoding>,
    /// 1-based header row.
    pub header_row: usize,
    /// Header -> field name, for the columns mapped.
    pub mapped: Vec<(String, String)>,
    /// Columns left unmapped, with their first values and a best guess.
    pub unmapped: Vec<ColumnGuess>,
    /// Columns mapped by hand, which a commit remembers for their header: normalised
    /// header -> field name.
    pub learned: Vec<(String, String)>,
    /// The rows that update what the ledger has or are blocked; the others are counted in
    /// `unlisted`.
    pub rows: Vec<PlannedRow>,
    /// Rows not listed in `rows`, by what they did.
    pub unlisted: RowCounts,
    /// Partners the import creates.
    pub new_partners: Vec<Partner>,
    /// Spellings confirmed for existing partners, stored as aliases.
    pub new_aliases: Vec<(PartnerId, String)>,
    /// Themes the import adds to the theme list.
    pub new_themes: Vec<RefEntry>,
    /// Every problem found.
    pub problems: Vec<Problem>,
    /// Number of rows skipped (blank, totals, notes).
    pub skipped_rows: usize,
    /// Partner names the ledger does not have but which look like one of its partners:
    /// the same partner (`--match`) or a new one (`--new`)?
    pub near_matches: Vec<NearMatch>,
    /// Rows read as agreements without a financial contribution (blank, "in kind", "n/a"…).
    pub non_financial: usize,
}

/// A partner name of the sheet that is not in the ledger but looks like a partner that is.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NearMatch {
    /// The name as the sheet spells it.
    pub spelling: String,
    /// The ledger partner it looks like.
    pub partner: String,
    /// That partner's id.
    pub partner_id: PartnerId,
    /// How alike, in whole percent.
    pub percent: u32,
    /// The first sheet row (1-based) that names it.
    pub row: usize,
    /// Whether the import waits for a decision (at least
    /// [`DECIDE_FROM`](super::DECIDE_FROM) alike).
    pub needs_decision: bool,
}

/// Rows by what they do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RowCounts {
    /// Rows that create something.
    pub created: usize,
    /// Rows that update something.
    pub updated: usize,
    /// Rows that leave something unchanged.
    pub unchanged: usize,
}

impl Plan {
    /// An empty plan for `sheet` mapped by `mapping`.
    pub(super) fn empty<F: FieldKind>(
        file: &str,
        sha256: &str,
        sheet: &str,
        mapping: &Mapping<F>,
    ) -> Plan {
        Plan {
            file: file.into(),
            sha256: sha256.into(),
            sheet: sheet.into(),
            encoding: None,
            header_row: mapping.header_row + 1,
            mapped: mapping.mapped(),
            unmapped: mapping.guesses.clone(),
            learned: mapping.learned(),
            rows: vec![],
            unlisted: RowCounts::default(),
            new_partners: vec![],
            new_aliases: vec![],
            new_themes: vec![],
            problems: vec![],
            skipped_rows: 0,
            near_matches: vec![],
            non_financial: 0,
        }
    }

    /// Records what sheet row `row` does: a row that updates or is blocked is listed with
    /// what it names (`label`, asked only then), the others are counted.
    pub(super) fn record(
        &mut self,
        row: usize,
        action: Action,
        blocked: bool,
        label: impl FnOnce() -> String,
    ) {
        match (&action, blocked) {
            (Action::Create, false) => self.unlisted.created += 1,
            (Action::Unchanged, false) => self.unlisted.unchanged += 1,
            _ => self.rows.push(PlannedRow {
                row,
                label: label(),
                action,
                blocked,
            }),
        }
    }

    /// Rows that create, update and leave what they name, among those not blocked.
    pub fn counts(&self) -> (usize, usize, usize) {
        let u = self.unlisted;
        let mut c = (u.created, u.updated, u.unchanged);
        for r in self.rows.iter().filter(|r| !r.blocked) {
            match r.action {
                Action::Create => c.0 += 1,
                Action::Update { .. } => c.1 += 1,
                Action::Unchanged => c.2 += 1,
            }
        }
        c
    }

    /// Number of errors.
    pub fn error_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count()
    }

    /// Number of rows that errors block.
    pub fn blocked_row_count(&self) -> usize {
        let mut rows: Vec<usize> = self
            .problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .filter_map(|p| p.row)
            .collect();
        rows.sort_unstable();
        rows.dedup();
        rows.len()
    }

    /// Whether errors stop the commit: any error, or with `skip_invalid` an error that is
    /// not on a row (the rows cannot be left out of it).
    pub fn blocks_commit(&self, skip_invalid: bool) -> bool {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .any(|p| !skip_invalid || p.row.is_none())
    }

    /// Takes the problems of a row that gives nothing to write: a row without errors (a
    /// note, a row of other data) counts as skipped.
    pub(super) fn nothing_from(&mut self, problems: Vec<Problem>) {
        if !problems.iter().any(|p| p.severity == Severity::Error) {
            self.skipped_rows += 1;
        }
        self.problems.extend(problems);
    }
}

const TOTAL_WORDS: &[&str] = &[
    "total",
    "totals",
    "grandtotal",
    "sum",
    "subtotal",
    "totalgeneral",
    "totaux",
    "合计",
    "总计",
    "小计",
    "共计",
    "总额",
    "合計",
];

/// Whether `row` is a totals row: its first or second value is a totals word.
pub(super) fn is_totals_row(row: &[Cell]) -> bool {
    row.iter().filter(|c| !c.is_blank()).take(2).any(|c| {
        let text = c.text();
        if text.is_ascii() {
            // Every row asks: compare the normalised form as it goes, without building it.
            return TOTAL_WORDS.iter().any(|w| ascii_totals_word(&text, w));
        }
        let n = normalise(&text);
        TOTAL_WORDS
            .iter()
            .any(|w| n == *w || (n.starts_with(w) && n.len() <= w.len() + 6))
    })
}

/// Whether ASCII `text`, normalised, is totals word `word` or starts with it and adds at
/// most six characters.
fn ascii_totals_word(text: &str, word: &str) -> bool {
    let mut n = text
        .bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase());
    word.bytes().all(|w| n.next() == Some(w)) && n.count() <= 6
}

/// Cells of `row` that hold something, counted up to two: enough to tell an empty row, a
/// row of one value (a title or a note) and a data row.
pub(super) fn filled_cells(row: &[Cell]) -> usize {
    row.iter().filter(|c| !c.is_blank()).take(2).count()
}

/// How a formula error (`#REF!`, `#DIV/0!`) in a mapped cell is reported.
const FORMULA_ERROR: &str = "the cell holds a formula error";

/// The most characters a cell may hold, as in Excel.
const MAX_CELL_CHARS: usize = 32_767;

/// One data row being read into a row of kind `F`, gathering its problems, each located to
/// its cell.
pub struct RowReader<'a, F> {
    /// Where the row is.
    pub at: SheetAt<'a, F>,
    /// Its cells.
    pub row: &'a [Cell],
    /// Its number, 1-based.
    pub row_number: usize,
    /// The problems found so far.
    pub problems: Vec<Problem>,
}

impl<'a, F: FieldKind> RowReader<'a, F> {
    /// A reader of sheet row `row_number` (1-based), which holds `row`.
    pub fn new(at: SheetAt<'a, F>, row_number: usize, row: &'a [Cell]) -> RowReader<'a, F> {
        RowReader {
            at,
            row,
            row_number,
            problems: Vec::new(),
        }
    }

    /// The column of `field` and its cell (empty past the row's end).
    pub fn cell(&self, field: F) -> Option<(usize, &'a Cell)> {
        let col = self.at.mapping.column(field)?;
        let row: &'a [Cell] = self.row;
        Some((col, row.get(col).unwrap_or(&Cell::Empty)))
    }

    /// Whether the field's cell holds more than spaces (without formatting a date).
    pub fn filled(&self, field: F) -> bool {
        self.cell(field).is_some_and(|(_, c)| !c.is_blank())
    }

    /// The cell's text, trimmed, unless empty; borrowed from the row when the cell holds
    /// text (the row's fields are read on every row, most of them only to be compared).
    pub fn text(&self, field: F) -> Option<Cow<'a, str>> {
        let row: &'a [Cell] = self.row;
        let cell = row.get(self.at.mapping.column(field)?)?;
        let t = match cell.text() {
            Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
            Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
        };
        (!t.is_empty()).then_some(t)
    }

    /// The field's text, or an error "the FIELD is missing" (`missing`) when it is empty.
    pub fn required(&mut self, field: F, missing: &str) -> Option<Cow<'a, str>> {
        let text = self.text(field);
        if text.is_none() {
            self.problem(field, Severity::Error, missing.to_string());
        }
        text
    }

    /// The date in `field`'s cell (a date cell, an Excel serial day, or text read with the
    /// sheet's day `order`), unless it is missing, not a date, or outside [`YEARS`]
    /// (`what` names it in that message: "a signing date").
    pub fn date(&mut self, field: F, order: DayOrder, what: &str) -> Option<NaiveDate> {
        let date = match self.cell(field).map(|(_, c)| c) {
            Some(Cell::Date(d)) => Ok(*d),
            Some(Cell::Number(n)) => excel_serial(n).ok_or_else(|| format!("'{n}' is not a date")),
            _ => parse_date(&self.text(field).unwrap_or_default(), order),
        };
        match date {
            Ok(d) if YEARS.contains(&d.year()) => Some(d),
            Ok(d) => {
                let (from, to) = (YEARS.start(), YEARS.end());
                self.problem(
                    field,
                    Severity::Error,
                    format!("{d} is not {what} Pledger takes (years {from} to {to})"),
                );
                None
            }
            Err(e) => {
                self.problem(field, Severity::Error, e);
                None
            }
        }
    }

    /// The amount in `field`'s cell and the currency it names (in the cell, else in its
    /// header, else in the cell of `currency`), unless it is missing (`None` without a
    /// problem), not an amount, zero, or negative when `refunds` does not allow it.
    pub fn amount(
        &mut self,
        field: F,
        currency: Option<F>,
        refunds: bool,
    ) -> Result<Option<(Decimal, Option<Currency>)>, Reported> {
        let Some((col, cell)) = self.cell(field) else {
            return Ok(None);
        };
        let text = cell.text();
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        let (negative, unsigned) = match text.strip_prefix(['-', '−']) {
            Some(rest) if refunds => (true, rest),
            _ => (false, text),
        };
        let parsed = match cell {
            Cell::Number(n) => number_amount(n).map(|d| AmountValue::Amount(d.abs(), None)),
            _ => parse_amount(unsigned),
        };
        let negative = negative || matches!(cell, Cell::Number(n) if n.starts_with('-') && refunds);
        let (value, in_text) = match parsed {
            Ok(AmountValue::Amount(v, c)) if !v.is_zero() => (v, c),
            Ok(_) => {
                self.problem(
                    field,
                    Severity::Error,
                    format!("'{text}' is not an amount above zero"),
                );
                return Err(Reported);
            }
            Err(e) => {
                self.problem(field, Severity::Error, e);
                return Err(Reported);
            }
        };
        if matches!(cell, Cell::Number(n) if n.starts_with('-')) && !refunds {
            self.problem(field, Severity::Error, format!("'{text}' is negative"));
            return Err(Reported);
        }
        let in_column = match currency.and_then(|f| self.text(f)) {
            Some(t) => match t.parse::<Currency>() {
                Ok(c) if c.is_iso_4217() => Some(c),
                _ => {
                    if let Some(f) = currency {
                        self.problem(
                            f,
                            Severity::Error,
                            format!("'{t}' is not an ISO 4217 currency code"),
                        );
                    }
                    return Err(Reported);
                }
            },
            None => None,
        };
        let in_header = self.at.mapping.header_currency.get(col).copied().flatten();
        if value > Decimal::from(crate::domain::MAX_AMOUNT) {
            let currency = in_text.or(in_header).or(in_column);
            self.problem(
                field,
                Severity::Error,
                format!(
                    "'{text}' is larger than an amount Pledger takes (at most {}{})",
                    crate::domain::group_thousands(&Decimal::from(crate::domain::MAX_AMOUNT)),
                    currency.map_or(String::new(), |c| format!(" {c}"))
                ),
            );
            return Err(Reported);
        }
        let value = if negative { -value } else { value };
        Ok(Some((value, in_text.or(in_header).or(in_column))))
    }

    /// Records a problem with `field`'s cell.
    pub fn problem(&mut self, field: F, severity: Severity, message: String) {
        // A formula error is reported once, as such, not again as a bad amount or date.
        if matches!(self.cell(field), Some((_, Cell::Error(_))))
            && !message.starts_with(FORMULA_ERROR)
        {
            return;
        }
        let col = self.at.mapping.column(field);
        // A value is shown as an excerpt: a cell may hold a whole book.
        let value = self
            .cell(field)
            .map(|(_, c)| excerpt(&c.text(), 80))
            .unwrap_or_default();
        self.problems.push(Problem {
            file: self.at.file.to_string(),
            sheet: self.at.sheet.to_string(),
            row: Some(self.row_number),
            column: col.map(|c| {
                format!(
                    "{} ({})",
                    self.at.mapping.headers.get(c).map_or("", |h| h.trim()),
                    column_letter(c)
                )
            }),
            value,
            message,
            severity,
        });
    }

    /// Reports the mapped cells that hold a formula error or more characters than a cell
    /// holds; false when a cell is too long to read further.
    pub fn check_cells(&mut self) -> bool {
        for &field in F::ALL {
            if let Some((_, Cell::Error(e))) = self.cell(field) {
                let e = e.clone();
                self.problem(field, Severity::Error, format!("{FORMULA_ERROR} ({e})"));
            }
        }
        // Only text can be long; its length in bytes bounds its length in characters.
        let long: Vec<(F, usize)> = self
            .row
            .iter()
            .zip(&self.at.mapping.fields)
            .filter_map(|(cell, field)| match (cell, field) {
                (Cell::Text(t), Some(f)) if t.len() > MAX_CELL_CHARS => {
                    Some((*f, t.chars().count()))
                }
                _ => None,
            })
            .filter(|(_, chars)| *chars > MAX_CELL_CHARS)
            .collect();
        for &(field, chars) in &long {
            self.problem(
                field,
                Severity::Error,
                format!("the cell holds {chars} characters; a cell holds at most {MAX_CELL_CHARS}"),
            );
        }
        long.is_empty()
    }
}

/// A value was refused; its problem is recorded on its row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported;

/// The years of the dates an import takes: a date outside them is a typing slip, or a serial
/// number read as a date.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A number cell's text (as [`Cell::Number`] keeps it) as an amount; the message quotes the
/// cell as written ("'1e308' is too large for an amount").
pub(super) fn number_amount(n: &str) -> Result<Decimal, String> {
    n.parse::<Decimal>().map_err(|_| {
        if n.contains(['e', 'E']) {
            format!("'{n}' is too large or too small for an amount")
        } else {
            format!("'{n}' is not an amount")
        }
    })
}

/// An Excel serial day number (1900 system) as a date.
fn excel_serial(text: &str) -> Option<NaiveDate> {
    let days: rust_decimal::Decimal = text.parse().ok()?;
    let days = i64::try_from(days.trunc()).ok()?;
    // 2 is 1900-01-01 counted from 1899-12-30; 110,940 is 2203-09-30.
    if !(2..=110_940).contains(&days) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
}

/// Where a sheet's problems lie: the file, the sheet, and the mapping that names its columns.
pub struct SheetAt<'a, F> {
    /// The file's name.
    pub file: &'a str,
    /// The sheet's name.
    pub sheet: &'a str,
    /// How its columns map to fields.
    pub mapping: &'a Mapping<F>,
}

impl<F> Clone for SheetAt<'_, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<F> Copy for SheetAt<'_, F> {}

impl<F: FieldKind> SheetAt<'_, F> {
    /// The problem with `field` of sheet row `row_number` (1-based), which holds `row`;
    /// `None` when that cell holds a formula error, reported already.
    pub fn problem(
        &self,
        row_number: usize,
        row: &[Cell],
        field: F,
        severity: Severity,
        message: String,
    ) -> Option<Problem> {
        let mut r = RowReader::new(*self, row_number, row);
        r.problem(field, severity, message);
        r.problems.pop()
    }

    /// The problem with `field` of sheet row `row_number`, whose cell in that column holds
    /// `cell` (the other cells of the row gone).
    pub fn cell_problem(
        &self,
        row_number: usize,
        field: F,
        cell: &Cell,
        severity: Severity,
        message: String,
    ) -> Option<Problem> {
        let mut row = Vec::new();
        if let Some(c) = self.mapping.column(field) {
            row.resize(c, Cell::Empty);
            row.push(cell.clone());
        }
        self.problem(row_number, &row, field, severity, message)
    }

    /// The cell of `field` taken out of `cells` (empty when unmapped): what a later
    /// problem with that field shows.
    pub fn take_cell(&self, cells: &mut [Cell], field: F) -> Cell {
        self.mapping
            .column(field)
            .and_then(|c| cells.get_mut(c))
            .map_or(Cell::Empty, |cell| std::mem::replace(cell, Cell::Empty))
    }

    /// A problem of the whole sheet (no row, no cell).
    pub fn sheet_problem(&self, message: String) -> Problem {
        Problem {
            file: self.file.into(),
            sheet: self.sheet.into(),
            row: None,
            column: None,
            value: String::new(),
            message,
            severity: Severity::Error,
        }
    }
}

/// Everything planning needs from the ledger, read once: the partners, the reference lists
/// and the reporting currency (rows are matched by SQL look-ups as they are written).
pub struct LedgerView {
    pub(super) lists: ReferenceLists,
    pub(super) partners: Vec<Partner>,
    /// Partner id -> place in `partners`, so that a row finds its partner without a scan.
    by_id: std::collections::HashMap<PartnerId, usize>,
    pub(super) matcher: PartnerMatcher,
    pub(super) currency: Currency,
}

impl LedgerView {
    /// Reads what planning needs.
    pub fn load(ledger: &Ledger) -> Result<LedgerView, crate::ledger::LedgerError> {
        let partners = ledger.partners()?;
        Ok(LedgerView {
            lists: ledger.reference_lists()?,
            matcher: PartnerMatcher::new(&partners),
            by_id: partners
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id, i))
                .collect(),
            partners,
            currency: ledger.reporting_currency()?,
        })
    }

    /// The ledger's partner `id`.
    pub(super) fn partner(&self, id: PartnerId) -> Option<&Partner> {
        self.by_id.get(&id).and_then(|&i| self.partners.get(i))
    }
}

/// The labels of the entries of list `kind`, for messages.
pub(super) fn labels(lists: &ReferenceLists, kind: crate::domain::ListKind) -> String {
    lists
        .list(kind)
        .iter()
        .map(|e| e.label_en.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
