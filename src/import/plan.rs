//! Rows -> validated plan: what an import would create, update or leave, which partners
//! and themes it would add, and every problem found, before anything is written.

use std::borrow::Cow;
use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{
    Agreement, AgreementId, Currency, ListKind, Money, Partner, PartnerId, RefEntry,
    ReferenceLists, Status, ThemeShare, WHOLE_BP,
};
use crate::ledger::Ledger;
use crate::report::split_by_weights;

use super::cells::Cell;
use super::mapping::{ColumnGuess, Field, Mapping, column_letter};
use super::matching::{DECIDE_FROM, PartnerMatcher, fingerprint, percent_of_one};
use super::values::{
    AmountValue, DayOrder, match_entry, normalise, parse_amount, parse_date, parse_status,
    parse_theme_list,
};
use super::{ImportOptions, Problem, Severity};

/// Which partner a planned row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum PartnerRef {
    /// A partner already in the ledger.
    Existing(PartnerId),
    /// The plan's new partner at this index.
    New(usize),
}

/// What the import does with one row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub enum Action {
    /// Adds a new agreement.
    Create,
    /// Changes an existing agreement; the changed fields as (field, old, new).
    Update {
        /// The agreement changed.
        id: AgreementId,
        /// Field, old value, new value.
        changes: Vec<(String, String, String)>,
    },
    /// The agreement is in the ledger already, identical.
    Unchanged(AgreementId),
}

/// One data row of the sheet and what it becomes.
#[derive(Clone, Debug, Serialize)]
pub struct PlannedRow {
    /// The sheet row, 1-based as a spreadsheet shows it.
    pub row: usize,
    /// The agreement read (its partner id is set at commit for new partners).
    #[serde(skip)]
    pub agreement: Agreement,
    /// Whose agreement it is.
    pub partner: PartnerRef,
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
    /// 1-based header row.
    pub header_row: usize,
    /// Header -> field name, for the columns mapped.
    pub mapped: Vec<(String, String)>,
    /// Columns left unmapped, with their first values and a best guess.
    pub unmapped: Vec<ColumnGuess>,
    /// Columns mapped by hand, which a commit remembers for their header: normalised
    /// header -> field name.
    pub learned: Vec<(String, String)>,
    /// The data rows; a streamed import lists only the rows that update an agreement or
    /// are blocked, and counts the others in `unlisted`.
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
    /// Whether the import waits for a decision (at least [`DECIDE_FROM`] alike).
    pub needs_decision: bool,
}

/// Rows by what they do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct RowCounts {
    /// Rows that create an agreement.
    pub created: usize,
    /// Rows that update one.
    pub updated: usize,
    /// Rows that leave one unchanged.
    pub unchanged: usize,
}

impl Plan {
    /// Lists sheet row `row` in [`Plan::rows`].
    pub(super) fn list(
        &mut self,
        row: usize,
        agreement: Agreement,
        partner: PartnerRef,
        action: Action,
        blocked: bool,
    ) {
        self.rows.push(PlannedRow {
            row,
            agreement,
            partner,
            action,
            blocked,
        });
    }

    /// Rows that create, update and leave agreements, among those not blocked.
    pub fn counts(&self) -> (usize, usize, usize) {
        let u = self.unlisted;
        let mut c = (u.created, u.updated, u.unchanged);
        for r in self.rows.iter().filter(|r| !r.blocked) {
            match r.action {
                Action::Create => c.0 += 1,
                Action::Update { .. } => c.1 += 1,
                Action::Unchanged(_) => c.2 += 1,
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

fn is_totals_row(row: &[Cell]) -> bool {
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

/// How a formula error (`#REF!`, `#DIV/0!`) in a mapped cell is reported.
const FORMULA_ERROR: &str = "the cell holds a formula error";

/// Look-ups already made, by text as written: a sheet repeats the same few partners,
/// partner types, regions and themes on every row.
#[derive(Default)]
struct EntryMemo {
    /// Reference-list entries: partner types, regions, themes.
    lists: [HashMap<String, Option<String>>; 3],
    /// Partner names: their fingerprint and the partner it names exactly.
    partners: HashMap<String, (String, Option<PartnerId>)>,
}

/// Distinct texts a memo keeps at most, so that a sheet of all-different names stays small.
const MEMO_MAX: usize = 4096;

impl EntryMemo {
    fn list(&mut self, kind: ListKind) -> &mut HashMap<String, Option<String>> {
        let [types, regions, themes] = &mut self.lists;
        match kind {
            ListKind::PartnerType => types,
            ListKind::Region => regions,
            ListKind::Theme => themes,
        }
    }

    /// Remembers that `text` means entry `key` of `kind`.
    fn remember(&mut self, kind: ListKind, text: &str, key: Option<String>) {
        let memo = self.list(kind);
        if memo.len() < MEMO_MAX {
            memo.insert(text.to_string(), key);
        }
    }

    /// The fingerprint of partner name `name`, and the partner `matcher` finds by it.
    fn partner(&mut self, matcher: &PartnerMatcher, name: &str) -> (String, Option<PartnerId>) {
        if let Some(found) = self.partners.get(name) {
            return found.clone();
        }
        let key = fingerprint(name);
        let found = (key.clone(), matcher.exact_key(&key));
        if self.partners.len() < MEMO_MAX {
            self.partners.insert(name.to_string(), found.clone());
        }
        found
    }
}

struct RowReader<'a> {
    file: &'a str,
    sheet: &'a str,
    mapping: &'a Mapping,
    row: &'a [Cell],
    row_number: usize,
    problems: Vec<Problem>,
    entries: &'a mut EntryMemo,
}

impl<'a> RowReader<'a> {
    /// [`match_entry`], remembered for the rest of the sheet.
    fn entry(&mut self, lists: &ReferenceLists, kind: ListKind, text: &str) -> Option<String> {
        if let Some(found) = self.entries.list(kind).get(text) {
            return found.clone();
        }
        let found = match_entry(lists, kind, text).map(str::to_string);
        self.entries.remember(kind, text, found.clone());
        found
    }

    fn cell(&self, field: Field) -> Option<(usize, &'a Cell)> {
        let col = self.mapping.column(field)?;
        let row: &'a [Cell] = self.row;
        Some((col, row.get(col).unwrap_or(&Cell::Empty)))
    }

    /// Whether the field's cell holds more than spaces (without formatting a date).
    fn filled(&self, field: Field) -> bool {
        self.cell(field).is_some_and(|(_, c)| !c.is_blank())
    }

    /// The cell's text, trimmed, unless empty; borrowed from the row when the cell holds
    /// text (the row's fields are read on every row, most of them only to be compared).
    fn text(&self, field: Field) -> Option<Cow<'a, str>> {
        let row: &'a [Cell] = self.row;
        let cell = row.get(self.mapping.column(field)?)?;
        let t = match cell.text() {
            Cow::Borrowed(t) => Cow::Borrowed(t.trim()),
            Cow::Owned(t) => Cow::Owned(t.trim().to_string()),
        };
        (!t.is_empty()).then_some(t)
    }

    fn problem(&mut self, field: Field, severity: Severity, message: String) {
        // A formula error is reported once, as such, not again as a bad amount or date.
        if matches!(self.cell(field), Some((_, Cell::Error(_))))
            && !message.starts_with(FORMULA_ERROR)
        {
            return;
        }
        let col = self.mapping.column(field);
        // A value is shown as an excerpt: a cell may hold a whole book.
        let value = self
            .cell(field)
            .map(|(_, c)| super::mapping::excerpt(&c.text(), 80))
            .unwrap_or_default();
        self.problems.push(Problem {
            file: self.file.to_string(),
            sheet: self.sheet.to_string(),
            row: Some(self.row_number),
            column: col.map(|c| {
                format!(
                    "{} ({})",
                    self.mapping.headers.get(c).map_or("", |h| h.trim()),
                    column_letter(c)
                )
            }),
            value,
            message,
            severity,
        });
    }
}

/// Everything a plan needs from the ledger, read once: the partners, the reference lists
/// and the reporting currency (agreements are matched by SQL look-ups as rows are written).
pub struct LedgerView {
    lists: ReferenceLists,
    partners: Vec<Partner>,
    matcher: PartnerMatcher,
    currency: Currency,
}

impl LedgerView {
    /// Reads what planning needs.
    pub fn load(ledger: &Ledger) -> Result<LedgerView, crate::ledger::LedgerError> {
        let partners = ledger.partners()?;
        Ok(LedgerView {
            lists: ledger.reference_lists()?,
            matcher: PartnerMatcher::new(&partners),
            partners,
            currency: ledger.reporting_currency()?,
        })
    }

    /// The ledger's reference lists.
    pub(super) fn lists(&self) -> &ReferenceLists {
        &self.lists
    }
}

/// The largest amount an import takes, in units of its currency: any amount up to it stays
/// exact in minor units once converted at any plausible rate, so that no report overflows.
const MAX_AMOUNT: i64 = 1_000_000_000_000;

fn money(value: Decimal, currency: Currency) -> Result<Money, String> {
    if !currency.is_iso_4217() {
        return Err(format!("'{currency}' is not an ISO 4217 currency code"));
    }
    if value > Decimal::from(MAX_AMOUNT) {
        return Err(format!(
            "{value} is larger than an agreement Pledger takes (at most {} {currency})",
            crate::domain::group_thousands(&Decimal::from(MAX_AMOUNT))
        ));
    }
    Money::from_decimal(value, currency).map_err(|e| e.to_string())
}

/// The years of the signing dates an import takes: a date outside them is a typing slip, or
/// a serial number read as a date.
const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// The most characters a cell may hold, as in Excel.
const MAX_CELL_CHARS: usize = 32_767;

fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    s.split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

impl Plan {
    /// An empty plan for `sheet` mapped by `mapping`.
    pub(super) fn empty(file: &str, sha256: &str, sheet: &str, mapping: &Mapping) -> Plan {
        Plan {
            file: file.into(),
            sha256: sha256.into(),
            sheet: sheet.into(),
            header_row: mapping.header_row + 1,
            mapped: mapping
                .headers
                .iter()
                .zip(&mapping.fields)
                .filter_map(|(h, f)| f.map(|f| (h.clone(), f.name().into())))
                .collect(),
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
}

/// Cells of `row` that hold something, counted up to two: enough to tell an empty row, a
/// row of one value (a title or a note) and a data row.
pub(super) fn filled_cells(row: &[Cell]) -> usize {
    row.iter().filter(|c| !c.is_blank()).take(2).count()
}

/// What one row of the sheet is.
pub(super) enum RowOutcome {
    /// Nothing in it.
    Blank,
    /// A totals row, skipped with this warning.
    Totals(Problem),
    /// A data row: the agreement read, when the row gives one, and the row's problems.
    Data(Option<(Agreement, PartnerRef)>, Vec<Problem>),
}

/// Reads data rows one at a time, in sheet order, into agreements; remembers what earlier
/// rows added (new partners and themes, list look-ups) for the rows after them.
pub(super) struct RowPlanner<'a> {
    view: &'a LedgerView,
    file: &'a str,
    sheet: &'a str,
    mapping: &'a Mapping,
    lists: ReferenceLists,
    matcher: PartnerMatcher,
    new_partners: NewPartners,
    entries: EntryMemo,
    /// The signing-date column's day order, for slash dates.
    pub order: DayOrder,
}

impl<'a> RowPlanner<'a> {
    /// A planner for `sheet`; `None` when the mapping lacks a required field (the problems
    /// are then in `plan`).
    pub(super) fn new(
        view: &'a LedgerView,
        plan: &mut Plan,
        file: &'a str,
        sheet: &'a str,
        mapping: &'a Mapping,
        options: &ImportOptions,
    ) -> Option<RowPlanner<'a>> {
        let sheet_problem = |message: String| Problem {
            file: file.into(),
            sheet: sheet.into(),
            row: None,
            column: None,
            value: String::new(),
            message,
            severity: Severity::Error,
        };
        for required in [Field::Partner, Field::SignedOn] {
            if mapping.column(required).is_none() {
                plan.problems.push(sheet_problem(format!(
                    "no column gives the {required} field; map one with --map {required}=HEADER"
                )));
            }
        }
        if plan.error_count() > 0 {
            return None;
        }
        let mut matcher = view.matcher.clone();
        for (spelling, partner_name) in &options.confirmed_matches {
            if let Some(p) = view
                .partners
                .iter()
                .find(|p| p.name == *partner_name || matcher.exact(partner_name) == Some(p.id))
            {
                matcher.add(spelling, p.id);
                plan.new_aliases.push((p.id, spelling.clone()));
            } else {
                plan.problems.push(sheet_problem(format!(
                    "--match names '{partner_name}', which is not a partner"
                )));
            }
        }
        Some(RowPlanner {
            view,
            file,
            sheet,
            mapping,
            lists: view.lists.clone(),
            matcher,
            new_partners: NewPartners {
                index: HashMap::new(),
                kept_new: options
                    .new_partners
                    .iter()
                    .map(|s| fingerprint(s))
                    .collect(),
                looked: HashMap::new(),
            },
            entries: EntryMemo::default(),
            order: DayOrder::Unknown,
        })
    }

    /// Reads sheet row `row_number` (1-based), which holds `row`.
    pub(super) fn read(&mut self, plan: &mut Plan, row_number: usize, row: &[Cell]) -> RowOutcome {
        if filled_cells(row) == 0 {
            return RowOutcome::Blank;
        }
        if is_totals_row(row) {
            return RowOutcome::Totals(Problem {
                file: self.file.into(),
                sheet: self.sheet.into(),
                row: Some(row_number),
                column: None,
                value: String::new(),
                message: "a totals row; skipped (Pledger computes its own totals)".into(),
                severity: Severity::Warning,
            });
        }
        let RowPlanner {
            view,
            file,
            sheet,
            mapping,
            lists,
            matcher,
            new_partners,
            entries,
            order,
        } = self;
        let mut r = RowReader {
            file,
            sheet,
            mapping,
            row,
            row_number,
            problems: vec![],
            entries,
        };
        let planned = read_row(&mut r, view, lists, matcher, plan, new_partners, *order);
        let problems = r.problems;
        RowOutcome::Data(planned, problems)
    }

    /// The reference lists, with the themes the rows read so far added.
    pub(super) fn lists(&self) -> &ReferenceLists {
        &self.lists
    }
}

/// Where a sheet's problems lie: the file, the sheet, and the mapping that names its columns.
#[derive(Clone, Copy)]
pub(super) struct SheetAt<'a> {
    pub file: &'a str,
    pub sheet: &'a str,
    pub mapping: &'a Mapping,
}

impl SheetAt<'_> {
    /// The problem with `field` of sheet row `row_number` (1-based), which holds `row`;
    /// `None` when that cell holds a formula error, reported already.
    pub(super) fn problem(
        &self,
        row_number: usize,
        row: &[Cell],
        field: Field,
        severity: Severity,
        message: String,
    ) -> Option<Problem> {
        let mut entries = EntryMemo::default();
        let mut r = RowReader {
            file: self.file,
            sheet: self.sheet,
            mapping: self.mapping,
            row,
            row_number,
            problems: vec![],
            entries: &mut entries,
        };
        r.problem(field, severity, message);
        r.problems.pop()
    }

    /// The error for a reference that an earlier row gave.
    pub(super) fn duplicate_reference(
        &self,
        row_number: usize,
        row: &[Cell],
        reference: &str,
        first: usize,
    ) -> Option<Problem> {
        self.problem(
            row_number,
            row,
            Field::Reference,
            Severity::Error,
            format!("reference '{reference}' appears already on row {first}"),
        )
    }

    /// The warning for a row with the partner, date and amount of an earlier one.
    pub(super) fn duplicate_key(
        &self,
        row_number: usize,
        row: &[Cell],
        first: usize,
    ) -> Option<Problem> {
        self.problem(
            row_number,
            row,
            Field::Partner,
            Severity::Warning,
            format!("same partner, date and amount as row {first}: a duplicate?"),
        )
    }
}

/// What importing `agreement` of `partner` does, given the ledger agreement it matches
/// (`lists`: the reference lists with the themes the rows added); takes the matched
/// agreement's id and value date into `agreement`.
pub(super) fn row_action(
    view: &LedgerView,
    lists: &ReferenceLists,
    plan: &Plan,
    agreement: &mut Agreement,
    partner: PartnerRef,
    existing: Option<&Agreement>,
) -> Action {
    let Some(old) = existing else {
        return Action::Create;
    };
    agreement.id = old.id;
    agreement.value_date = old.value_date;
    if let PartnerRef::Existing(pid) = partner {
        agreement.partner_id = pid;
    }
    let changes = differences(
        old,
        agreement,
        &view.partners,
        &plan.new_partners,
        partner,
        lists,
    );
    if changes.is_empty() {
        Action::Unchanged(old.id)
    } else {
        Action::Update {
            id: old.id,
            changes,
        }
    }
}

/// The themes of `lists` that the ledger's lists lack: those the rows added.
pub(super) fn added_themes(view: &LedgerView, lists: &ReferenceLists) -> Vec<RefEntry> {
    lists
        .themes
        .iter()
        .filter(|t| view.lists.entry(ListKind::Theme, &t.key).is_none())
        .cloned()
        .collect()
}

/// The new partners the rows named so far, and the names the user keeps new.
struct NewPartners {
    /// Fingerprint -> index in [`Plan::new_partners`], and the error its rows carry while
    /// nobody said whether it is a partner the ledger has.
    index: HashMap<String, (usize, Option<String>)>,
    /// Fingerprints of the names the user said are new partners (`--new`).
    kept_new: std::collections::HashSet<String>,
    /// Fingerprint -> what a row naming it is told of its near match, looked for once per
    /// name (a row without a partner type names its partner anew each time).
    looked: HashMap<String, Option<(Severity, String)>>,
}

impl NewPartners {
    /// Looks, once per name, for a ledger partner like the new name `spelling` (fingerprint
    /// `key`): records it in `plan.near_matches` and reports it on the row. Returns the
    /// error that the rows of this name carry until the user decides, when the names are at
    /// least [`DECIDE_FROM`] alike: such a partner is never created silently.
    #[allow(
        clippy::too_many_arguments,
        reason = "the row, the ledger, the plan and the name"
    )]
    fn near_match(
        &mut self,
        r: &mut RowReader<'_>,
        view: &LedgerView,
        matcher: &PartnerMatcher,
        plan: &mut Plan,
        key: &str,
        spelling: &str,
    ) -> Option<String> {
        if self.kept_new.contains(key) {
            return None;
        }
        let told = match self.looked.get(key) {
            Some(told) => told.clone(),
            None => {
                let told = near_match_of(view, matcher, plan, r.row_number, spelling);
                self.looked.insert(key.to_string(), told.clone());
                told
            }
        };
        let (severity, message) = told?;
        r.problem(Field::Partner, severity, message.clone());
        (severity == Severity::Error).then_some(message)
    }
}

/// The ledger partner most like `spelling`, recorded in `plan.near_matches`, and what its
/// rows are told: an error to decide from [`DECIDE_FROM`], else a warning.
fn near_match_of(
    view: &LedgerView,
    matcher: &PartnerMatcher,
    plan: &mut Plan,
    row: usize,
    spelling: &str,
) -> Option<(Severity, String)> {
    let (id, score) = matcher.suggest(spelling)?;
    let name = view.partners.iter().find(|p| p.id == id)?.name.as_str();
    let percent = percent_of_one(score);
    let needs_decision = score >= DECIDE_FROM;
    plan.near_matches.push(NearMatch {
        spelling: spelling.to_string(),
        partner: name.to_string(),
        partner_id: id,
        percent,
        row,
        needs_decision,
    });
    Some(if needs_decision {
        (
            Severity::Error,
            format!(
                "'{spelling}' is not a partner yet but looks like '{name}' ({percent} % alike): \
                 say whether it is the same partner or a new one"
            ),
        )
    } else {
        (
            Severity::Warning,
            format!("new partner; it looks like '{name}' ({percent} % alike): the same partner?"),
        )
    })
}

fn read_row(
    r: &mut RowReader<'_>,
    view: &LedgerView,
    lists: &mut ReferenceLists,
    matcher: &mut PartnerMatcher,
    plan: &mut Plan,
    new_partners: &mut NewPartners,
    order: DayOrder,
) -> Option<(Agreement, PartnerRef)> {
    for field in Field::ALL {
        if let Some((_, Cell::Error(e))) = r.cell(field) {
            let e = e.clone();
            r.problem(field, Severity::Error, format!("{FORMULA_ERROR} ({e})"));
        }
    }
    // Only text can be long; its length in bytes bounds its length in characters.
    let mut too_long = false;
    let long: Vec<(Field, usize)> = r
        .row
        .iter()
        .zip(&r.mapping.fields)
        .filter_map(|(cell, field)| match (cell, field) {
            (Cell::Text(t), Some(f)) if t.len() > MAX_CELL_CHARS => Some((*f, t.chars().count())),
            _ => None,
        })
        .filter(|(_, chars)| *chars > MAX_CELL_CHARS)
        .collect();
    for (field, chars) in long {
        too_long = true;
        r.problem(
            field,
            Severity::Error,
            format!("the cell holds {chars} characters; a cell holds at most {MAX_CELL_CHARS}"),
        );
    }
    if too_long {
        return None;
    }
    let (Some(partner_name), true) = (r.text(Field::Partner), r.filled(Field::SignedOn)) else {
        if r.text(Field::Partner).is_none() {
            r.problem(
                Field::Partner,
                Severity::Error,
                "the partner is missing".into(),
            );
        }
        if !r.filled(Field::SignedOn) {
            r.problem(
                Field::SignedOn,
                Severity::Error,
                "the signing date is missing".into(),
            );
        }
        return None;
    };

    let signed_on = match r.cell(Field::SignedOn).map(|(_, c)| c) {
        Some(Cell::Date(d)) => Some(*d),
        Some(Cell::Number(n)) => excel_serial(n).or_else(|| {
            r.problem(
                Field::SignedOn,
                Severity::Error,
                format!("'{n}' is not a date"),
            );
            None
        }),
        _ => match parse_date(&r.text(Field::SignedOn).unwrap_or_default(), order) {
            Ok(d) => Some(d),
            Err(e) => {
                r.problem(Field::SignedOn, Severity::Error, e);
                None
            }
        },
    };

    let signed_on = signed_on.filter(|d| {
        use chrono::Datelike;
        let inside = YEARS.contains(&d.year());
        if !inside {
            r.problem(
                Field::SignedOn,
                Severity::Error,
                format!(
                    "{d} is not a signing date Pledger takes (years {} to {})",
                    YEARS.start(),
                    YEARS.end()
                ),
            );
        }
        inside
    });

    // Partner type, region, themes, status.
    let type_text = r.text(Field::PartnerType);
    let partner_type = type_text.as_ref().and_then(|t| {
        let key = r.entry(lists, ListKind::PartnerType, t);
        if key.is_none() {
            r.problem(
                Field::PartnerType,
                Severity::Error,
                format!(
                    "'{t}' is not a partner type; the list is: {}",
                    labels(lists, ListKind::PartnerType)
                ),
            );
        }
        key
    });
    let region = match r.text(Field::Region) {
        Some(t) => match r.entry(lists, ListKind::Region, &t) {
            Some(k) => Some(k),
            None => {
                r.problem(
                    Field::Region,
                    Severity::Error,
                    format!(
                        "'{t}' is not a region; the list is: {}",
                        labels(lists, ListKind::Region)
                    ),
                );
                None
            }
        },
        None => {
            r.problem(
                Field::Region,
                Severity::Error,
                "the region is missing (use Multi-regional for several)".into(),
            );
            None
        }
    };
    let themes = read_themes(r, lists);
    let status = match r.text(Field::Status).map(|t| parse_status(&t)).transpose() {
        Ok(s) => s.unwrap_or(Status::Signed),
        Err(e) => {
            r.problem(Field::Status, Severity::Error, e);
            Status::Signed
        }
    };

    // Money.
    let column_currency = r
        .text(Field::Currency)
        .and_then(|t| match t.parse::<Currency>() {
            Ok(c) if c.is_iso_4217() => Some(c),
            Ok(_) => {
                r.problem(
                    Field::Currency,
                    Severity::Error,
                    format!("'{t}' is not an ISO 4217 currency code"),
                );
                None
            }
            Err(_) => {
                r.problem(
                    Field::Currency,
                    Severity::Error,
                    format!("'{t}' is not a currency code"),
                );
                None
            }
        });
    let contribution = read_money(r, Field::Amount, column_currency, view.currency);
    let own_part = read_money(r, Field::OwnContribution, column_currency, view.currency);

    // Partner.
    let (key, exact) = r.entries.partner(matcher, &partner_name);
    let partner = match exact {
        Some(id) => {
            if let (Some(t), Some(p)) = (&partner_type, view.partners.iter().find(|p| p.id == id))
                && *t != p.partner_type
            {
                r.problem(
                    Field::PartnerType,
                    Severity::Warning,
                    format!(
                        "the ledger has '{}' as {}; keeping the ledger's type",
                        p.name, p.partner_type
                    ),
                );
            }
            Some(PartnerRef::Existing(id))
        }
        None => {
            if let Some((i, undecided)) = new_partners.index.get(&key) {
                if let Some(message) = undecided {
                    r.problem(Field::Partner, Severity::Error, message.clone());
                }
                Some(PartnerRef::New(*i))
            } else {
                let undecided =
                    new_partners.near_match(r, view, matcher, plan, &key, &partner_name);
                match &partner_type {
                    Some(t) => {
                        let i = plan.new_partners.len();
                        plan.new_partners.push(Partner {
                            id: PartnerId(0),
                            name: partner_name.trim().to_string(),
                            name_zh: None,
                            partner_type: t.clone(),
                            country: r.text(Field::Country).map(Cow::into_owned),
                            aliases: vec![],
                        });
                        new_partners.index.insert(key, (i, undecided));
                        Some(PartnerRef::New(i))
                    }
                    None => {
                        if type_text.is_none() {
                            r.problem(Field::PartnerType, Severity::Error, format!("'{partner_name}' is a new partner and the row gives no partner type"));
                        }
                        None
                    }
                }
            }
        }
    };

    let (Some(signed_on), Some(region), Some(partner)) = (signed_on, region, partner) else {
        return None;
    };
    let contribution = contribution.ok()?;
    let own_part = own_part.ok()?;
    if own_part.is_some() && contribution.is_none() {
        r.problem(
            Field::OwnContribution,
            Severity::Warning,
            "an own part on a non-financial agreement does not count in the co-funding figures"
                .into(),
        );
    }
    let agreement = Agreement {
        id: AgreementId(0),
        reference: r.text(Field::Reference).map(Cow::into_owned),
        title: r
            .text(Field::Title)
            .map(Cow::into_owned)
            .unwrap_or_default(),
        partner_id: match partner {
            PartnerRef::Existing(id) => id,
            PartnerRef::New(_) => PartnerId(0),
        },
        signed_on,
        status,
        contribution,
        value_date: None,
        own_part,
        region,
        themes: themes?,
        notes: r
            .text(Field::Notes)
            .map(Cow::into_owned)
            .unwrap_or_default(),
    };
    if agreement.contribution.is_none() {
        plan.non_financial += 1;
    }
    if let Some(c) = agreement.contribution.filter(|c| c.minor <= 0) {
        r.problem(
            Field::Amount,
            Severity::Error,
            format!(
                "{} is not above zero; leave the cell blank for a non-financial agreement",
                c.amount()
            ),
        );
        return None;
    }
    Some((agreement, partner))
}

fn labels(lists: &ReferenceLists, kind: ListKind) -> String {
    lists
        .list(kind)
        .iter()
        .map(|e| e.label_en.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn read_money(
    r: &mut RowReader<'_>,
    field: Field,
    column_currency: Option<Currency>,
    reporting: Currency,
) -> Result<Option<Money>, ()> {
    let Some((col, cell)) = r.cell(field) else {
        return Ok(None);
    };
    let parsed = match cell {
        Cell::Number(n) => n
            .parse::<Decimal>()
            .map(|d| AmountValue::Amount(d.normalize(), None))
            .map_err(|_| format!("'{n}' is not an amount")),
        other => parse_amount(&other.text()),
    };
    match parsed {
        Ok(AmountValue::NonFinancial) => Ok(None),
        Ok(AmountValue::Amount(value, text_currency)) => {
            let header_currency = r.mapping.header_currency.get(col).copied().flatten();
            let currency = text_currency.or(header_currency).or(column_currency);
            let currency = match currency {
                Some(c) => c,
                None => {
                    r.problem(
                        field,
                        Severity::Warning,
                        format!("no currency given; taken as {reporting}, the reporting currency"),
                    );
                    reporting
                }
            };
            money(value, currency)
                .map(Some)
                .map_err(|e| r.problem(field, Severity::Error, e))
        }
        Err(e) => {
            r.problem(field, Severity::Error, e);
            Err(())
        }
    }
}

fn read_themes(r: &mut RowReader<'_>, lists: &mut ReferenceLists) -> Option<Vec<ThemeShare>> {
    let Some(text) = r.text(Field::Theme) else {
        r.problem(
            Field::Theme,
            Severity::Error,
            "no thematic priority given".into(),
        );
        return None;
    };
    let parts = match parse_theme_list(&text) {
        Ok(p) => p,
        Err(e) => {
            r.problem(Field::Theme, Severity::Error, e);
            return None;
        }
    };
    let mut keys = Vec::new();
    for part in &parts {
        let key = match r.entry(lists, ListKind::Theme, &part.name) {
            Some(k) => k,
            None => {
                let key = slug(&part.name);
                r.entries
                    .remember(ListKind::Theme, &part.name, Some(key.clone()));
                r.problem(
                    Field::Theme,
                    Severity::Warning,
                    format!(
                        "'{}' is a new theme; it will be added to the theme list",
                        part.name
                    ),
                );
                lists.themes.push(RefEntry {
                    key: key.clone(),
                    label_en: part.name.clone(),
                    label_zh: part.name.clone(),
                    iati_code: None,
                    synonyms: vec![],
                });
                key
            }
        };
        keys.push(key);
    }
    let given: Vec<Option<u32>> = parts.iter().map(|p| p.percent_bp).collect();
    let weights: Vec<u32> = if given.iter().all(Option::is_none) {
        let equal = vec![1; parts.len()];
        split_by_weights(i64::from(WHOLE_BP), &equal)
            .into_iter()
            .map(|w| u32::try_from(w).unwrap_or(0))
            .collect()
    } else if given.iter().all(Option::is_some) {
        let w: Vec<u32> = given.into_iter().flatten().collect();
        if w.iter().sum::<u32>() != WHOLE_BP {
            r.problem(
                Field::Theme,
                Severity::Error,
                "the theme percentages do not add to 100".into(),
            );
            return None;
        }
        w
    } else {
        r.problem(
            Field::Theme,
            Severity::Error,
            "give a percentage for every theme or for none".into(),
        );
        return None;
    };
    Some(
        keys.into_iter()
            .zip(weights)
            .map(|(theme, percent_bp)| ThemeShare { theme, percent_bp })
            .collect(),
    )
}

/// An Excel serial day number (1900 system) as a date.
fn excel_serial(text: &str) -> Option<chrono::NaiveDate> {
    let days: Decimal = text.parse().ok()?;
    let days = i64::try_from(days.trunc()).ok()?;
    // 2 is 1900-01-01 counted from 1899-12-30; 110,940 is 2203-09-30.
    if !(2..=110_940).contains(&days) {
        return None;
    }
    chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_signed(chrono::Duration::days(days))
}

fn differences(
    old: &Agreement,
    new: &Agreement,
    partners: &[Partner],
    new_partners: &[Partner],
    partner: PartnerRef,
    lists: &ReferenceLists,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut cmp = |field: &str, a: String, b: String| {
        if a != b {
            out.push((field.to_string(), a, b));
        }
    };
    let partner_name = |id: PartnerId| {
        partners
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.0.to_string(), |p| p.name.clone())
    };
    let new_partner = match partner {
        PartnerRef::Existing(id) => partner_name(id),
        PartnerRef::New(i) => new_partners
            .get(i)
            .map_or_else(String::new, |p| p.name.clone()),
    };
    let money = |m: &Option<Money>| m.map_or_else(|| "-".to_string(), |m| m.to_string());
    let themes = |t: &[ThemeShare]| {
        let mut v: Vec<String> = t
            .iter()
            .map(|s| {
                format!(
                    "{} {}%",
                    lists.label(ListKind::Theme, &s.theme, crate::domain::Lang::En),
                    crate::domain::bp_text(s.percent_bp)
                )
            })
            .collect();
        v.sort();
        v.join("; ")
    };
    cmp(
        "reference",
        old.reference.clone().unwrap_or_default(),
        new.reference.clone().unwrap_or_default(),
    );
    cmp("title", old.title.clone(), new.title.clone());
    cmp("partner", partner_name(old.partner_id), new_partner);
    cmp(
        "signed_on",
        old.signed_on.to_string(),
        new.signed_on.to_string(),
    );
    cmp(
        "status",
        old.status.as_str().into(),
        new.status.as_str().into(),
    );
    cmp("amount", money(&old.contribution), money(&new.contribution));
    cmp(
        "own_contribution",
        money(&old.own_part),
        money(&new.own_part),
    );
    cmp("region", old.region.clone(), new.region.clone());
    cmp("theme", themes(&old.themes), themes(&new.themes));
    cmp("notes", old.notes.clone(), new.notes.clone());
    out
}
