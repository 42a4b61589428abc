//! Importing workbooks through one pipeline, for every caller (the CLI, the app's wizard, the
//! sample loader) and every file size: file -> rows of cells -> column mapping -> values ->
//! a planned row, every problem located to its cell -> matched against the ledger -> written,
//! in one transaction ([`import_file`], [`import_book`]), for every kind of row ([`RowKind`]). A dry run goes through the
//! same stages and rolls the transaction back, so it decides what a commit would; nothing in
//! the ledger changes unless the import commits.

mod agreement;
mod cells;
mod deal;
mod deliverable;
mod errors_out;
mod linked;
mod mapping;
mod matching;
mod partner;
mod pipeline;
mod plan;
mod prospect;
mod rate;
mod receipt;
mod schedule;
mod source;
mod values;
mod workbook;

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::ledger::{Ledger, LedgerError};

pub use agreement::{Agreements, Field, field_for_header};
pub use cells::{
    Cell, EncodingChoice, MAX_COLUMNS, MAX_FILE_BYTES, MAX_ROWS, MalformedRow, Sheet, TextEncoding,
    Workbook, sha256_hex,
};
pub use deal::{DealField, Opportunities};
pub use deliverable::{DeliverableField, Deliverables};
pub use errors_out::write_errors_workbook;
pub use mapping::{
    ColumnGuess, FieldKind, HeaderReader, Mapping, column_letter, excerpt, field_named,
    field_names, find_header_row, header_key, learned_profile, sheet_score,
};
pub use matching::{DECIDE_FROM, PartnerMatcher, fingerprint, percent_of_one, similarity};
pub use partner::{PartnerField, Partners};
pub use pipeline::{
    ImportKind, KindImport, NamedMapping, PlanRows, RowKind, StreamedImport, WriteRows,
    import_book, import_file, read_head,
};
pub use plan::{Action, LedgerView, NearMatch, Plan, PlannedRow, RowReader, SheetAt};
pub use prospect::{ProspectField, Prospects};
pub use rate::{RateField, Rates};
pub use receipt::{ReceiptField, Receipts};
pub use schedule::{ScheduleField, Schedules};
pub use source::{
    Decoded, decode, decode_as, encoding_named, read_delimited, read_delimited_as,
    read_delimited_with_progress, read_file, read_file_as, read_file_with_progress,
};
pub use values::{
    AmountValue, DayOrder, match_entry, normalise, parse_amount, parse_date, parse_number,
    parse_probability, parse_stage, parse_theme_list, says_no_money, theme_shares,
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
    #[error("{errors} {} the import of {file}; nothing was written", if *errors == 1 { "problem blocks" } else { "problems block" })]
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
    /// Reading a file that is held whole (not streamed) into sheets of cells.
    Reading,
    /// Checking rows and building the plan, in a dry run.
    Planning,
    /// Checking rows and writing them to the ledger, in one transaction.
    Writing,
}

/// How far an import has gone, for a progress bar: reported every 1,024 rows read or so,
/// and for each block of rows planned (a few hundred).
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
    /// Explicit choices: field name -> header.
    pub map: Vec<(String, String)>,
    /// A saved mapping profile to apply.
    pub profile: Option<String>,
    /// Confirmed spellings: sheet spelling -> ledger partner name.
    pub confirmed_matches: Vec<(String, String)>,
    /// Sheet spellings that name new partners, though they look like ledger partners.
    pub new_partners: Vec<String>,
    /// The SHA-256 of the file as the user reviewed it: a streamed import refuses the file
    /// when it has changed since.
    pub reviewed_sha256: Option<String>,
    /// The encoding of a CSV or TSV ([`encoding_named`]); detected when unset.
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// The sheet to import among `sheets` of `file_name`: the one `options` names, else the one
/// whose header best matches.
fn choose_sheet<'s, F: FieldKind>(
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
        None => sheets
            .iter()
            .max_by_key(|s| sheet_score::<F>(s))
            .ok_or_else(|| ImportError::Unreadable {
                file: file_name.into(),
                reason: "the workbook has no sheet".into(),
            }),
    }
}

/// Finds the header row of `sheet` (or takes the one `options` gives) and maps its columns:
/// automatically, then by the saved profile, then by the explicit choices.
fn map_sheet<F: FieldKind>(
    ledger: &Ledger,
    file_name: &str,
    sheet: &Sheet,
    options: &ImportOptions,
) -> Result<Mapping<F>, ImportError> {
    let header_row = match options.header_row {
        Some(0) => return Err(ImportError::Usage("rows count from 1".into())),
        Some(n) => n - 1,
        None => find_header_row::<F>(sheet).ok_or_else(|| ImportError::Unreadable {
            file: file_name.into(),
            reason: format!(
                "no header row found in sheet '{}': no row names two fields of {} ({}); give --header-row N and --map FIELD=HEADER",
                sheet.name,
                F::KIND,
                field_names::<F>()
            ),
        })?,
    };
    let headers: Vec<String> = sheet
        .rows
        .get(header_row)
        .map(|r| r.iter().map(|c| c.text().trim().to_string()).collect())
        .unwrap_or_default();
    let reader = HeaderReader::new(&ledger.organisation()?);
    let mut mapping = Mapping::automatic_for(header_row, &headers, &reader);
    mapping.apply_profile(&ledger.mapping_profile(&learned_profile(F::KIND))?);
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
        let field = field_named::<F>(field).map_err(ImportError::Usage)?;
        mapping
            .map_explicit(field, header)
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
    /// Rows that created an agreement (partner, rate…).
    pub created: usize,
    /// Rows that updated one.
    pub updated: usize,
    /// Rows that left one unchanged.
    pub unchanged: usize,
    /// Partners created.
    pub partners_created: usize,
    /// Rows left out because of errors.
    pub skipped_invalid: usize,
}

/// Remembers the columns `plan` mapped by hand, for an import that writes nothing else.
fn learn_mappings<F: FieldKind>(ledger: &mut Ledger, plan: &Plan) -> Result<(), LedgerError> {
    if plan.learned.is_empty() {
        return Ok(());
    }
    let profile = learned_profile(F::KIND);
    ledger.write(|w| {
        plan.learned
            .iter()
            .try_for_each(|(header, field)| w.learn_mapping(&profile, header, field))
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
    /// Payment schedules of some of them.
    pub const SCHEDULES_CSV: &str = include_str!("../../fixtures/sample/schedules.csv");
    /// Receipts of 2019 to 2021Q2, as the finance system exports them.
    pub const RECEIPTS_CSV: &str = include_str!("../../fixtures/sample/receipts.csv");
    /// Reports some agreements ask for.
    pub const DELIVERABLES_CSV: &str = include_str!("../../fixtures/sample/deliverables.csv");
    /// Funding partners' profiles: 24 partners of the sample and 6 that never signed.
    pub const PROSPECTS_CSV: &str = include_str!("../../fixtures/sample/prospects.csv");
    /// Deals in every stage as of 2021-06-30, in four currencies.
    pub const OPPORTUNITIES_CSV: &str = include_str!("../../fixtures/sample/opportunities.csv");
}

/// Imports the rows of kind `K` of a CSV or TSV held in `bytes`, and commits them: what the
/// sample loader does with its files.
pub fn import_bytes<K: RowKind>(
    ledger: &mut Ledger,
    file_name: &str,
    bytes: &[u8],
) -> Result<CommitSummary, ImportError> {
    let wb = read_delimited(file_name, bytes)?;
    let done = import_book::<K>(
        ledger,
        wb,
        &ImportOptions::default(),
        false,
        false,
        &mut |_| true,
    )?;
    done.committed
        .unwrap_or_else(|| Err(ImportError::Usage("a dry run commits nothing".into())))
}

/// Fills `ledger` with the sample partners, rates, agreements of 2019 to 2021Q2, their
/// schedules, receipts and reports due, funding partners' profiles and deals, through the same import steps as user files. Loading it twice
/// changes nothing. Returns what the agreements' import did.
pub fn load_sample(ledger: &mut Ledger) -> Result<CommitSummary, ImportError> {
    import_bytes::<Partners>(ledger, "partners.csv", sample::PARTNERS_CSV.as_bytes())?;
    import_bytes::<Rates>(ledger, "rates.csv", sample::RATES_CSV.as_bytes())?;
    let agreements =
        import_bytes::<Agreements>(ledger, "agreements.csv", sample::AGREEMENTS_CSV.as_bytes())?;
    import_bytes::<Schedules>(ledger, "schedules.csv", sample::SCHEDULES_CSV.as_bytes())?;
    import_bytes::<Receipts>(ledger, "receipts.csv", sample::RECEIPTS_CSV.as_bytes())?;
    import_bytes::<Deliverables>(
        ledger,
        "deliverables.csv",
        sample::DELIVERABLES_CSV.as_bytes(),
    )?;
    import_bytes::<Prospects>(ledger, "prospects.csv", sample::PROSPECTS_CSV.as_bytes())?;
    import_bytes::<Opportunities>(
        ledger,
        "opportunities.csv",
        sample::OPPORTUNITIES_CSV.as_bytes(),
    )?;
    Ok(agreements)
}

/// Reads and imports `path` in one go (what `pledger import` does without `--dry-run`).
pub fn import_path(
    ledger: &mut Ledger,
    path: &Path,
    options: &ImportOptions,
    skip_invalid: bool,
) -> Result<(Plan, CommitSummary), ImportError> {
    let done =
        import_file::<Agreements>(ledger, path, options, skip_invalid, false, &mut |_| true)?;
    match done.committed {
        Some(Ok(summary)) => Ok((done.plan, summary)),
        Some(Err(e)) => Err(e),
        None => Err(ImportError::Usage("a dry run commits nothing".into())),
    }
}
