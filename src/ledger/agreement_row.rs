//! An agreement as the ledger stores it: its row in table `agreement` (the columns read and
//! written, in one order) and its JSON form in the audit trail. Its theme links are rows of
//! `agreement_theme`.

use rusqlite::{Row, Statement};

use super::LedgerError;
use super::read::{money, parse_date};
use crate::domain::{Agreement, AgreementId, PartnerId, Status};

/// The columns [`from_row`] reads, the id first, as a literal for `concat!`.
macro_rules! agreement_columns {
    () => {
        "id, reference, title, partner_id, signed_on, status, amount_minor, currency, value_date, own_minor, own_currency, region, notes"
    };
}

/// The columns [`bind`] fills, in its order (the id is SQLite's to give).
pub(super) const COLUMNS: &str = "reference, title, partner_id, signed_on, status, amount_minor, currency, value_date, own_minor, own_currency, region, notes";

/// How many values [`bind`] binds.
pub(super) const BOUND: usize = 12;

/// Binds `a`'s values to `stmt`'s parameters `first..first + BOUND`, in [`COLUMNS`]' order.
pub(super) fn bind(stmt: &mut Statement<'_>, first: usize, a: &Agreement) -> rusqlite::Result<()> {
    stmt.raw_bind_parameter(first, &a.reference)?;
    stmt.raw_bind_parameter(first + 1, &a.title)?;
    stmt.raw_bind_parameter(first + 2, a.partner_id.0)?;
    stmt.raw_bind_parameter(first + 3, a.signed_on.to_string())?;
    stmt.raw_bind_parameter(first + 4, a.status.as_str())?;
    stmt.raw_bind_parameter(first + 5, a.contribution.map(|m| m.minor))?;
    stmt.raw_bind_parameter(
        first + 6,
        a.contribution.as_ref().map(|m| m.currency.code()),
    )?;
    stmt.raw_bind_parameter(first + 7, a.value_date.map(|d| d.to_string()))?;
    stmt.raw_bind_parameter(first + 8, a.own_part.map(|m| m.minor))?;
    stmt.raw_bind_parameter(first + 9, a.own_part.as_ref().map(|m| m.currency.code()))?;
    stmt.raw_bind_parameter(first + 10, &a.region)?;
    stmt.raw_bind_parameter(first + 11, &a.notes)
}

/// The agreement in a row of `SELECT agreement_columns!()`, without its theme links.
pub(super) fn from_row(row: &Row<'_>) -> Result<Agreement, LedgerError> {
    let status: String = row.get(5)?;
    let value_date: Option<String> = row.get(8)?;
    Ok(Agreement {
        id: AgreementId(row.get(0)?),
        reference: row.get(1)?,
        title: row.get(2)?,
        partner_id: PartnerId(row.get(3)?),
        signed_on: parse_date(&row.get::<_, String>(4)?)?,
        status: Status::from_name(&status)
            .ok_or_else(|| LedgerError::Corrupt(format!("status '{status}'")))?,
        contribution: money(row.get(6)?, row.get(7)?)?,
        value_date: value_date.as_deref().map(parse_date).transpose()?,
        own_part: money(row.get(9)?, row.get(10)?)?,
        region: row.get(11)?,
        themes: Vec::new(),
        notes: row.get(12)?,
    })
}

/// The agreement as the audit trail keeps it (the old or new values of an entry), which
/// an undo reads back.
pub(super) fn json(a: &Agreement) -> Option<String> {
    serde_json::to_string(a).ok()
}
