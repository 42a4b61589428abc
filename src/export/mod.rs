//! Files made from the report and chart models: PNG charts, the advisory-group PDF, the
//! XLSX workbook. No user interface here; the CLI and the desktop app call these.

pub mod calendar;
mod data;
pub mod deals;
pub mod pdf;
pub mod png;
pub mod publish;
pub mod xlsx;

pub use data::{AnnexRow, RateUsed, ReportData};

use crate::ledger::LedgerError;
use crate::report::ReportError;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The SVG a chart was written as could not be read back (a bug, not a user error).
    #[error("cannot read the chart's SVG: {0}")]
    Svg(String),
    /// The requested size is impossible.
    #[error("bad image size: {0}")]
    Size(String),
    /// The PNG, PDF or XLSX encoder failed.
    #[error("cannot encode the file: {0}")]
    Encode(String),
    /// The ledger could not be read.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// The report cannot be computed (a missing exchange rate).
    #[error(transparent)]
    Report(#[from] ReportError),
    /// The report template is not valid.
    #[error("the report template is not valid: {0}")]
    Template(String),
}
