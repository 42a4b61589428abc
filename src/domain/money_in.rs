//! The money that follows a signature: an agreement's payment schedule (instalments) and the
//! receipts that pay it.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::{AgreementId, Money};

/// One payment an agreement's schedule expects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instalment {
    /// Identifier; 0 before the ledger stores it.
    pub id: i64,
    /// The agreement it pays.
    pub agreement_id: AgreementId,
    /// When it is due.
    pub due_on: NaiveDate,
    /// How much, in the currency the schedule names.
    pub amount: Money,
    /// What it waits for ("on receipt of the first progress report"); empty when nothing.
    pub condition: String,
}

/// Money received for an agreement, as the bank or the finance system recorded it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// Identifier; 0 before the ledger stores it.
    pub id: i64,
    /// The agreement it pays.
    pub agreement_id: AgreementId,
    /// When it arrived.
    pub received_on: NaiveDate,
    /// How much, in the currency received; a refund is negative.
    pub amount: Money,
    /// The rate actually obtained: units of the reporting currency for one unit received,
    /// when the finance system gives it.
    pub rate: Option<Decimal>,
    /// The bank's or the finance system's reference, when given: a receipt imported again
    /// with it is the same receipt.
    pub reference: Option<String>,
    /// Notes.
    pub notes: String,
}

/// What a report owed to a partner accounts for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    /// A narrative (progress, final) report.
    Narrative,
    /// A financial report.
    Financial,
}

impl ReportKind {
    /// Its key in the ledger and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::Narrative => "narrative",
            ReportKind::Financial => "financial",
        }
    }
}

/// A report an agreement obliges the organisation to send its partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliverable {
    /// Identifier; 0 before the ledger stores it.
    pub id: i64,
    /// The agreement that asks for it.
    pub agreement_id: AgreementId,
    /// Narrative or financial.
    pub kind: ReportKind,
    /// What it is ("First progress report"); may be empty.
    pub title: String,
    /// When it is due.
    pub due_on: NaiveDate,
    /// When it was sent, once it was.
    pub sent_on: Option<NaiveDate>,
}
