//! Importing workbooks: file -> sheets of cells -> column mapping -> validated plan -> one
//! transaction. Everything before [`commit`] is pure: nothing in the ledger changes until
//! the user commits a plan.

mod errors_out;
mod mapping;
mod matching;
mod plan;
mod source;
mod stream;
mod values;
mod workbook;

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::domain::{Currency, ExchangeRate, ListKind, Partner, PartnerId};
use crate::ledger::{Ledger, LedgerError};

pub use errors_out::write_errors_workbook;
pub use mapping::{
    ColumnGuess, Field, HeaderReader, Mapping, column_letter, excerpt, field_for_header,
    find_header_row, header_key, sheet_score,
};
pub use matching::{DECIDE_FROM, PartnerMatcher, fingerprint, percent_of_one, similarity};
pub use plan::build_plan_with_progress;
pub use plan::{Action, LedgerView, NearMatch, PartnerRef, Plan, PlannedRow, build_plan};
pub use source::{
    Cell, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, Sheet, Workbook, decode, read_delimited,
    read_delimited_with_progress, read_file, read_file_with_progress, sha256_hex,
};
pub use stream::{StreamedImport, import_streamed, read_head};
pub use values::{
    AmountValue, DayOrder, match_entry, normalise, parse_amount, parse_date, parse_number,
    says_no_money,
};
pub use workbook::{FileKind, MAX_CELLS, detect_kind};

/// Why an import could not go ahead at all.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file cannot be read as a spreadsheet.
    #[error("cannot read {file}: {reason}")]
    Unreadable {
        /// File name.
        file: String,
        /// Why.
        reason: String,
    },
    /// The options do not fit the file.
    #[error("{0}")]
    Usage(String),
    /// Problems block the commit; nothing was written.
    #[error("{errors} problem(s) block the import of {file}; nothing was written")]
    Blocked {
        /// File name.
        file: String,
        /// Number of errors.
        errors: usize,
    },
    /// The ledger refused.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The progress callback asked to stop; nothing was written.
    #[error("the import was cancelled; nothing was written")]
    Cancelled,
}

/// Which step of an import a [`Progress`] report is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Reading the file into sheets of cells.
    Reading,
    /// Checking rows and building the plan.
    Planning,
    /// Writing the plan to the ledger in one transaction.
    Writing,
}

/// How far an import has gone, for a progress bar. Reported every 1,024 rows or so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The step.
    pub phase: Phase,
    /// Rows done in this step so far.
    pub rows_done: usize,
    /// Rows this step will do, when known (reading a CSV does not know it).
    pub rows_total: Option<usize>,
}

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks the row.
    Error,
    /// Reported; the row goes in.
    Warning,
}

/// One problem found in a file, located to the cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// File name.
    pub file: String,
    /// Sheet name.
    pub sheet: String,
    /// 1-based row, when the problem is in a row.
    pub row: Option<usize>,
    /// Column header and letter, when in a cell.
    pub column: Option<String>,
    /// The cell's value.
    pub value: String,
    /// What is wrong.
    pub message: String,
    /// Error or warning.
    pub severity: Severity,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{kind}: {}, sheet '{}'", self.file, self.sheet)?;
        if let Some(r) = self.row {
            write!(f, ", row {r}")?;
        }
        if let Some(c) = &self.column {
            write!(f, ", column {c}")?;
        }
        if !self.value.is_empty() {
            write!(f, ", value '{}'", self.value)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The user's choices for an import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The sheet to read; the best-matching one when unset.
    pub sheet: Option<String>,
    /// The 1-based header row; found automatically when unset.
    pub header_row: Option<usize>,
    /// Explicit field -> header choices.
    pub map: Vec<(Field, String)>,
    /// A saved mapping profile to apply.
    pub profile: Option<String>,
    /// Confirmed spellings: sheet spelling -> ledger partner name.
    pub confirmed_matches: Vec<(String, String)>,
    /// Sheet spellings that name new partners, though they look like ledger partners.
    pub new_partners: Vec<String>,
    /// The SHA-256 of the file as the user reviewed it: a streamed import refuses the file
    /// when it has changed since.
    pub reviewed_sha256: Option<String>,
}

/// Picks the sheet, finds the header, maps the columns and builds the plan.
pub fn prepare(
    ledger: &Ledger,
    workbook: &Workbook,
    options: &ImportOptions,
) -> Result<(Plan, Mapping), ImportError> {
    prepare_with_progress(ledger, workbook, options, &mut |_| true)
}

/// [`prepare`], telling `progress` the rows planned. When `progress` returns false, planning
/// stops with [`ImportError::Cancelled`]. Writes nothing either way.
pub fn prepare_with_progress(
    ledger: &Ledger,
    workbook: &Workbook,
    options: &ImportOptions,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<(Plan, Mapping), ImportError> {
    let sheet = choose_sheet(&workbook.file_name, &workbook.sheets, options)?;
    let mapping = map_sheet(ledger, &workbook.file_name, sheet, options)?;
    let references = LedgerView::sheet_references(sheet, &mapping);
    let view = LedgerView::load_for(ledger, references.as_deref())?;
    let (plan, cancelled) = plan::build_plan_with_progress(
        &view,
        &workbook.file_name,
        &workbook.sha256,
        sheet,
        &mapping,
        options,
        progress,
    );
    if cancelled {
        return Err(ImportError::Cancelled);
    }
    Ok((plan, mapping))
}

/// The sheet to import among `sheets` of `file_name`: the one `options` names, else the one
/// whose header best matches.
fn choose_sheet<'s>(
    file_name: &str,
    sheets: &'s [Sheet],
    options: &ImportOptions,
) -> Result<&'s Sheet, ImportError> {
    match &options.sheet {
        Some(name) => sheets.iter().find(|s| s.name == *name).ok_or_else(|| {
            ImportError::Usage(format!(
                "{file_name} has no sheet '{name}' (sheets: {})",
                sheets
                    .iter()
                    .map(|s| s.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        }),
        None => {
            sheets
                .iter()
                .max_by_key(|s| sheet_score(s))
                .ok_or_else(|| ImportError::Unreadable {
                    file: file_name.into(),
                    reason: "the workbook has no sheet".into(),
                })
        }
    }
}

/// Finds the header row of `sheet` (or takes the one `options` gives) and maps its columns:
/// automatically, then by the saved profile, then by the explicit choices.
fn map_sheet(
    ledger: &Ledger,
    file_name: &str,
    sheet: &Sheet,
    options: &ImportOptions,
) -> Result<Mapping, ImportError> {
    let header_row = match options.header_row {
        Some(0) => return Err(ImportError::Usage("rows count from 1".into())),
        Some(n) => n - 1,
        None => find_header_row(sheet).ok_or_else(|| ImportError::Unreadable {
            file: file_name.into(),
            reason: format!("no header row found in sheet '{}': no row names a partner, a date or an amount; give --header-row N and --map FIELD=HEADER", sheet.name),
        })?,
    };
    let headers: Vec<String> = sheet
        .rows
        .get(header_row)
        .map(|r| r.iter().map(|c| c.text().trim().to_string()).collect())
        .unwrap_or_default();
    let reader = HeaderReader::new(&ledger.organisation()?);
    let mut mapping = Mapping::automatic_for(header_row, &headers, &reader);
    mapping.apply_profile(&ledger.mapping_profile(crate::ledger::LEARNED_PROFILE)?);
    if let Some(name) = &options.profile {
        let profile = ledger.mapping_profile(name)?;
        if profile.is_empty() {
            return Err(ImportError::Usage(format!(
                "no mapping profile named '{name}'"
            )));
        }
        mapping.apply_profile(&profile);
    }
    let before = mapping.fields.clone();
    for (field, header) in &options.map {
        mapping
            .map_explicit(*field, header)
            .map_err(ImportError::Usage)?;
    }
    // Only choices that change what the sheet would get anyway are worth remembering.
    mapping
        .by_hand
        .retain(|&c| mapping.fields.get(c) != before.get(c));
    mapping.guess_unmapped(sheet, &ledger.reference_lists()?);
    Ok(mapping)
}

/// What a commit did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CommitSummary {
    /// The import batch, to undo it.
    pub batch: Option<i64>,
    /// Agreements created.
    pub created: usize,
    /// Agreements updated.
    pub updated: usize,
    /// Agreements unchanged.
    pub unchanged: usize,
    /// Partners created.
    pub partners_created: usize,
    /// Rows left out because of errors.
    pub skipped_invalid: usize,
}

/// Writes `plan` in one transaction. With errors, nothing is written unless `skip_invalid`,
/// which commits the valid rows only. A plan that changes nothing writes nothing.
pub fn commit(
    ledger: &mut Ledger,
    plan: &Plan,
    skip_invalid: bool,
) -> Result<CommitSummary, ImportError> {
    commit_with_progress(ledger, plan, skip_invalid, &mut |_| true)
}

/// [`commit`], telling `progress` the rows written. When `progress` returns false the
/// transaction is rolled back and the result is [`ImportError::Cancelled`]: nothing written.
pub fn commit_with_progress(
    ledger: &mut Ledger,
    plan: &Plan,
    skip_invalid: bool,
    progress: &mut dyn FnMut(Progress) -> bool,
) -> Result<CommitSummary, ImportError> {
    if plan.blocks_commit(skip_invalid) {
        return Err(ImportError::Blocked {
            file: plan.file.clone(),
            errors: plan.error_count(),
        });
    }
    let (created, updated, unchanged) = plan.counts();
    let used_partners: std::collections::HashSet<usize> = plan
        .rows
        .iter()
        .filter(|r| !r.blocked)
        .filter_map(|r| match r.partner {
            PartnerRef::New(i) => Some(i),
            PartnerRef::Existing(_) => None,
        })
        .collect();
    let mut summary = CommitSummary {
        batch: None,
        created,
        updated,
        unchanged,
        partners_created: 0,
        skipped_invalid: plan.blocked_row_count(),
    };
    if created == 0 && updated == 0 && plan.new_aliases.is_empty() {
        learn_mappings(ledger, plan)?;
        return Ok(summary);
    }
    let mut lists = ledger.reference_lists()?;
    lists.themes.extend(plan.new_themes.iter().cloned());
    let total = plan.rows.iter().filter(|r| !r.blocked).count();
    let mut cancelled = false;
    let result = ledger.write(|w| {
        let batch = w.begin_batch(&plan.file, &plan.sha256)?;
        if !plan.new_themes.is_empty() {
            w.replace_reference_lists(&lists)?;
        }
        let mut new_ids: Vec<Option<PartnerId>> = vec![None; plan.new_partners.len()];
        for (i, p) in plan.new_partners.iter().enumerate() {
            if used_partners.contains(&i) {
                new_ids[i] = Some(w.add_partner(p)?);
                summary.partners_created += 1;
            }
        }
        for (id, alias) in &plan.new_aliases {
            w.add_alias(*id, alias)?;
        }
        for (header, field) in &plan.learned {
            w.learn_mapping(header, field)?;
        }
        for (done, row) in plan.rows.iter().filter(|r| !r.blocked).enumerate() {
            if done % 1024 == 1023
                && !progress(Progress {
                    phase: Phase::Writing,
                    rows_done: done + 1,
                    rows_total: Some(total),
                })
            {
                cancelled = true;
                // Any error rolls the transaction back.
                return Err(LedgerError::Refused("the import was cancelled".into()));
            }
            let mut a = row.agreement.clone();
            if let PartnerRef::New(i) = row.partner {
                a.partner_id = new_ids
                    .get(i)
                    .copied()
                    .flatten()
                    .ok_or_else(|| LedgerError::NotFound(format!("new partner {i}")))?;
            }
            match row.action {
                plan::Action::Create => {
                    w.add_agreement(&a)?;
                }
                plan::Action::Update { .. } => {
                    w.update_agreement(&a)?;
                }
                plan::Action::Unchanged(_) => {}
            }
        }
        w.finish_batch(created, updated, unchanged, summary.partners_created)?;
        Ok(batch)
    });
    let batch = match result {
        Ok(batch) => batch,
        Err(_) if cancelled => return Err(ImportError::Cancelled),
        Err(e) => return Err(e.into()),
    };
    summary.batch = Some(batch);
    Ok(summary)
}

/// Remembers the columns `plan` mapped by hand, for an import that writes nothing else.
fn learn_mappings(ledger: &mut Ledger, plan: &Plan) -> Result<(), LedgerError> {
    if plan.learned.is_empty() {
        return Ok(());
    }
    ledger.write(|w| {
        plan.learned
            .iter()
            .try_for_each(|(header, field)| w.learn_mapping(header, field))
    })
}

/// Reverses import batch `batch` exactly; returns the number of changes reversed.
pub fn undo(ledger: &mut Ledger, batch: i64) -> Result<usize, LedgerError> {
    ledger.write(|w| w.undo_batch(batch))
}

/// The sample ledger's files, built into the binary so `pledger sample` works anywhere.
pub mod sample {
    /// Partners: name, Chinese name, type, country, aliases.
    pub const PARTNERS_CSV: &str = include_str!("../../fixtures/sample/partners.csv");
    /// Exchange rates to USD.
    pub const RATES_CSV: &str = include_str!("../../fixtures/sample/rates.csv");
    /// Agreements of 2019 to 2021Q2, in a consultant's layout.
    pub const AGREEMENTS_CSV: &str = include_str!("../../fixtures/sample/agreements.csv");
}

/// Imports a partners sheet (Name, Chinese name, Type, Country, Aliases): creates the
/// partners not in the ledger and adds new aliases to those that are. Returns how many
/// partners it created.
pub fn import_partners(
    ledger: &mut Ledger,
    file_name: &str,
    bytes: &[u8],
) -> Result<usize, ImportError> {
    let wb = read_delimited(file_name, bytes)?;
    let lists = ledger.reference_lists()?;
    let existing = ledger.partners()?;
    let matcher = PartnerMatcher::new(&existing);
    let Some(sheet) = wb.sheets.first() else {
        return Ok(0);
    };
    let mut rows = sheet.rows.iter().enumerate();
    let Some((_, header)) = rows.next() else {
        return Ok(0);
    };
    let col = |names: &[&str]| {
        header
            .iter()
            .position(|c| names.iter().any(|n| normalise(&c.text()) == normalise(n)))
    };
    let (Some(name_col), Some(type_col)) = (
        col(&["name", "partner", "名称", "合作伙伴"]),
        col(&["type", "partner type", "类型"]),
    ) else {
        return Err(ImportError::Unreadable {
            file: file_name.into(),
            reason: "a partners sheet needs Name and Type columns".into(),
        });
    };
    let zh_col = col(&["chinese name", "name zh", "中文名称"]);
    let country_col = col(&["country", "国家"]);
    let alias_col = col(&["aliases", "alias", "别名"]);
    let mut new_partners = Vec::new();
    let mut aliases = Vec::new();
    let mut problems = Vec::new();
    for (i, row) in rows {
        let get = |c: Option<usize>| {
            c.and_then(|c| row.get(c))
                .map(|v| v.text().trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let Some(name) = get(Some(name_col)) else {
            continue;
        };
        let row_aliases: Vec<String> = get(alias_col)
            .map(|a| {
                a.split('|')
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(id) = matcher.exact(&name) {
            aliases.extend(row_aliases.into_iter().map(|a| (id, a)));
            continue;
        }
        let type_text = get(Some(type_col)).unwrap_or_default();
        let Some(partner_type) = match_entry(&lists, ListKind::PartnerType, &type_text) else {
            problems.push(format!(
                "{file_name}, row {}, column Type, value '{type_text}': not a partner type",
                i + 1
            ));
            continue;
        };
        new_partners.push(Partner {
            id: PartnerId(0),
            name,
            name_zh: get(zh_col),
            partner_type: partner_type.to_string(),
            country: get(country_col),
            aliases: row_aliases,
        });
    }
    if !problems.is_empty() {
        return Err(ImportError::Unreadable {
            file: file_name.into(),
            reason: problems.join("; "),
        });
    }
    let created = new_partners.len();
    if created == 0 && aliases.is_empty() {
        return Ok(0);
    }
    ledger.write(|w| {
        for p in &new_partners {
            w.add_partner(p)?;
        }
        for (id, alias) in &aliases {
            w.add_alias(*id, alias)?;
        }
        Ok(())
    })?;
    Ok(created)
}

/// Reads a rates sheet (Currency, Date, Rate: units of `quote` per unit) and stores them.
pub fn import_rates(
    ledger: &mut Ledger,
    file_name: &str,
    bytes: &[u8],
    quote: Currency,
) -> Result<usize, ImportError> {
    let wb = read_delimited(file_name, bytes)?;
    let mut rates = Vec::new();
    for sheet in &wb.sheets {
        for (i, row) in sheet.rows.iter().enumerate().skip(1) {
            let cell = |c: usize| {
                row.get(c)
                    .map(|v| v.text().trim().to_string())
                    .unwrap_or_default()
            };
            let bad = |what: &str| ImportError::Unreadable {
                file: file_name.into(),
                reason: format!("row {}: {what}", i + 1),
            };
            if cell(0).is_empty() {
                continue;
            }
            rates.push(ExchangeRate {
                currency: cell(0).parse().map_err(|_| bad("not a currency"))?,
                quote,
                valid_from: parse_date(&cell(1), DayOrder::Unknown).map_err(|e| bad(&e))?,
                rate: parse_number(&cell(2)).ok_or_else(|| bad("not a rate"))?,
            });
        }
    }
    let n = rates.len();
    ledger.write(|w| rates.iter().try_for_each(|r| w.set_rate(r)))?;
    Ok(n)
}

/// Fills `ledger` with the sample partners, rates and agreements of 2019 to 2021Q2 through
/// the same import steps as user files. Loading it twice changes nothing.
pub fn load_sample(ledger: &mut Ledger) -> Result<CommitSummary, ImportError> {
    import_partners(ledger, "partners.csv", sample::PARTNERS_CSV.as_bytes())?;
    import_rates(
        ledger,
        "rates.csv",
        sample::RATES_CSV.as_bytes(),
        Currency::USD,
    )?;
    let wb = read_delimited("agreements.csv", sample::AGREEMENTS_CSV.as_bytes())?;
    let (plan, _) = prepare(ledger, &wb, &ImportOptions::default())?;
    commit(ledger, &plan, false)
}

/// Reads and imports `path` in one go (what `pledger import` does without `--dry-run`).
pub fn import_path(
    ledger: &mut Ledger,
    path: &Path,
    options: &ImportOptions,
    skip_invalid: bool,
) -> Result<(Plan, CommitSummary), ImportError> {
    let done = import_streamed(ledger, path, options, skip_invalid, false, &mut |_| true)?;
    match done.committed {
        Some(Ok(summary)) => Ok((done.plan, summary)),
        Some(Err(e)) => Err(e),
        None => Err(ImportError::Usage("a dry run commits nothing".into())),
    }
}
