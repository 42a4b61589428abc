//! Payment schedules and receipts in the ledger: written through the [`Writer`] with an
//! audit entry each (so an import of them is undone by its batch), read whole for the
//! receivables report.

use rusqlite::{OptionalExtension, params};

use super::read::{parse_currency, parse_date};
use super::write::json;
use super::{Ledger, LedgerError, Writer};
use crate::domain::{AgreementId, Deliverable, Instalment, Money, PartnerId, Receipt, ReportKind};

/// What putting an instalment or a receipt did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Put<T> {
    /// It is new.
    Created,
    /// It replaced this one.
    Updated(T),
    /// The ledger had it already, the same.
    Unchanged,
}

const INSTALMENT: &str =
    "SELECT id, agreement_id, due_on, amount_minor, currency, condition FROM instalment";
const RECEIPT: &str = "SELECT id, agreement_id, received_on, amount_minor, currency, rate, reference, notes FROM receipt";

const DELIVERABLE: &str = "SELECT id, agreement_id, kind, title, due_on, sent_on FROM deliverable";

fn deliverable_of(row: &rusqlite::Row<'_>) -> Result<Deliverable, LedgerError> {
    let kind: String = row.get(2)?;
    let sent: Option<String> = row.get(5)?;
    Ok(Deliverable {
        id: row.get(0)?,
        agreement_id: AgreementId(row.get(1)?),
        kind: match kind.as_str() {
            "financial" => ReportKind::Financial,
            "narrative" => ReportKind::Narrative,
            other => return Err(LedgerError::Corrupt(format!("report kind '{other}'"))),
        },
        title: row.get(3)?,
        due_on: parse_date(&row.get::<_, String>(4)?)?,
        sent_on: sent.map(|s| parse_date(&s)).transpose()?,
    })
}

fn instalment_of(row: &rusqlite::Row<'_>) -> Result<Instalment, LedgerError> {
    let currency = parse_currency(&row.get::<_, String>(4)?)?;
    Ok(Instalment {
        id: row.get(0)?,
        agreement_id: AgreementId(row.get(1)?),
        due_on: parse_date(&row.get::<_, String>(2)?)?,
        amount: Money::from_minor(row.get(3)?, currency),
        condition: row.get(5)?,
    })
}

fn receipt_of(row: &rusqlite::Row<'_>) -> Result<Receipt, LedgerError> {
    let currency = parse_currency(&row.get::<_, String>(4)?)?;
    let rate: Option<String> = row.get(5)?;
    Ok(Receipt {
        id: row.get(0)?,
        agreement_id: AgreementId(row.get(1)?),
        received_on: parse_date(&row.get::<_, String>(2)?)?,
        amount: Money::from_minor(row.get(3)?, currency),
        rate: rate
            .map(|r| {
                r.parse()
                    .map_err(|_| LedgerError::Corrupt(format!("receipt rate '{r}'")))
            })
            .transpose()?,
        reference: row.get(6)?,
        notes: row.get(7)?,
    })
}

/// Every row `sql` selects, read by `of`.
pub(super) fn all<T>(
    conn: &rusqlite::Connection,
    sql: &str,
    args: impl rusqlite::Params,
    of: fn(&rusqlite::Row<'_>) -> Result<T, LedgerError>,
) -> Result<Vec<T>, LedgerError> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(args)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(of(row)?);
    }
    Ok(out)
}

impl Ledger {
    /// Every instalment, by agreement and due date.
    pub fn instalments(&self) -> Result<Vec<Instalment>, LedgerError> {
        let sql = format!("{INSTALMENT} ORDER BY agreement_id, due_on");
        all(self.connection(), &sql, [], instalment_of)
    }

    /// Every deliverable, by due date.
    pub fn deliverables(&self) -> Result<Vec<Deliverable>, LedgerError> {
        let sql = format!("{DELIVERABLE} ORDER BY due_on, agreement_id, kind");
        all(self.connection(), &sql, [], deliverable_of)
    }

    /// Every receipt, by agreement and date.
    pub fn receipts(&self) -> Result<Vec<Receipt>, LedgerError> {
        let sql = format!("{RECEIPT} ORDER BY agreement_id, received_on, id");
        all(self.connection(), &sql, [], receipt_of)
    }
}

impl Writer<'_> {
    /// Puts the row `new(id)` of `entity` where the ledger has `old` (the same thing, by its
    /// key): nothing when they are equal; else `update(old's id)` or `insert()` (which gives
    /// the new id), with the audit entry.
    pub(super) fn put<T: serde::Serialize + PartialEq>(
        &mut self,
        entity: &str,
        old: Option<(i64, T)>,
        new: impl Fn(i64) -> T,
        update: impl FnOnce(&rusqlite::Transaction<'_>, i64) -> rusqlite::Result<usize>,
        insert: impl FnOnce(&rusqlite::Transaction<'_>) -> rusqlite::Result<i64>,
    ) -> Result<Put<T>, LedgerError> {
        let tx = self.held.tx()?;
        match old {
            Some((id, old)) if new(id) == old => Ok(Put::Unchanged),
            Some((id, old)) => {
                update(tx, id)?;
                self.audit(
                    entity,
                    &id.to_string(),
                    "update",
                    json(&old),
                    json(&new(id)),
                )?;
                Ok(Put::Updated(old))
            }
            None => {
                let id = insert(tx)?;
                self.audit(entity, &id.to_string(), "create", None, json(&new(id)))?;
                Ok(Put::Created)
            }
        }
    }

    /// Puts `i` into its agreement's schedule: an instalment due the same day is replaced.
    pub fn put_instalment(&mut self, i: &Instalment) -> Result<Put<Instalment>, LedgerError> {
        let sql = format!("{INSTALMENT} WHERE agreement_id = ?1 AND due_on = ?2");
        let day = i.due_on.to_string();
        let old = all(
            self.held.tx()?,
            &sql,
            params![i.agreement_id.0, day],
            instalment_of,
        )?
        .pop();
        let (minor, currency) = (i.amount.minor, i.amount.currency.code());
        self.put(
            "instalment",
            old.map(|o| (o.id, o)),
            |id| Instalment { id, ..i.clone() },
            |tx, id| {
                tx.execute(
                    "UPDATE instalment SET amount_minor = ?2, currency = ?3, condition = ?4 WHERE id = ?1",
                    params![id, minor, currency, i.condition],
                )
            },
            |tx| {
                tx.prepare_cached(
                    "INSERT INTO instalment (agreement_id, due_on, amount_minor, currency, condition) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![i.agreement_id.0, day, minor, currency, i.condition])?;
                Ok(tx.last_insert_rowid())
            },
        )
    }

    /// Puts `d` among its agreement's reports: one of the same kind due the same day is
    /// replaced (its title, its sending date).
    pub fn put_deliverable(&mut self, d: &Deliverable) -> Result<Put<Deliverable>, LedgerError> {
        let sql = format!("{DELIVERABLE} WHERE agreement_id = ?1 AND kind = ?2 AND due_on = ?3");
        let day = d.due_on.to_string();
        let sent = d.sent_on.map(|s| s.to_string());
        let args = params![d.agreement_id.0, d.kind.as_str(), day];
        let old = all(self.held.tx()?, &sql, args, deliverable_of)?.pop();
        self.put(
            "deliverable",
            old.map(|o| (o.id, o)),
            |id| Deliverable { id, ..d.clone() },
            |tx, id| {
                tx.execute(
                    "UPDATE deliverable SET title = ?2, sent_on = ?3 WHERE id = ?1",
                    params![id, d.title, sent],
                )
            },
            |tx| {
                tx.prepare_cached(
                    "INSERT INTO deliverable (agreement_id, kind, title, due_on, sent_on) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![d.agreement_id.0, d.kind.as_str(), d.title, day, sent])?;
                Ok(tx.last_insert_rowid())
            },
        )
    }

    /// Records receipt `r`: one with the same reference (or, without a reference, the same
    /// agreement, day and amount) is the same receipt, replaced when it differs.
    pub fn put_receipt(&mut self, r: &Receipt) -> Result<Put<Receipt>, LedgerError> {
        let tx = self.held.tx()?;
        let day = r.received_on.to_string();
        let (minor, currency) = (r.amount.minor, r.amount.currency.code());
        let old = match &r.reference {
            Some(reference) => {
                let sql = format!("{RECEIPT} WHERE reference = ?1");
                all(tx, &sql, [reference], receipt_of)?.pop()
            }
            None => {
                let sql = format!(
                    "{RECEIPT} WHERE agreement_id = ?1 AND received_on = ?2 AND amount_minor = ?3 AND currency = ?4 AND reference IS NULL"
                );
                let args = params![r.agreement_id.0, day, minor, currency];
                all(tx, &sql, args, receipt_of)?.pop()
            }
        };
        let rate = r.rate.map(|v| v.normalize().to_string());
        self.put(
            "receipt",
            old.map(|o| (o.id, o)),
            |id| Receipt { id, ..r.clone() },
            |tx, id| {
                tx.execute(
                    "UPDATE receipt SET agreement_id = ?2, received_on = ?3, amount_minor = ?4, currency = ?5, rate = ?6, notes = ?7 WHERE id = ?1",
                    params![id, r.agreement_id.0, day, minor, currency, rate, r.notes],
                )
            },
            |tx| {
                tx.prepare_cached(
                    "INSERT INTO receipt (agreement_id, received_on, amount_minor, currency, rate, reference, notes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![r.agreement_id.0, day, minor, currency, rate, r.reference, r.notes])?;
                Ok(tx.last_insert_rowid())
            },
        )
    }

    /// The instalments of agreement `id`, by due date, as this transaction sees them.
    pub fn instalments_of(&mut self, id: AgreementId) -> Result<Vec<Instalment>, LedgerError> {
        let sql = format!("{INSTALMENT} WHERE agreement_id = ?1 ORDER BY due_on");
        all(self.held.tx()?, &sql, [id.0], instalment_of)
    }

    /// The receipts of agreement `id`, by date, as this transaction sees them.
    pub fn receipts_of(&mut self, id: AgreementId) -> Result<Vec<Receipt>, LedgerError> {
        let sql = format!("{RECEIPT} WHERE agreement_id = ?1 ORDER BY received_on, id");
        all(self.held.tx()?, &sql, [id.0], receipt_of)
    }

    /// The ids of partner `partner`'s signed agreements, as this transaction sees them.
    pub fn signed_agreements_of(
        &mut self,
        partner: PartnerId,
    ) -> Result<Vec<AgreementId>, LedgerError> {
        let mut stmt = self.held.tx()?.prepare_cached(
            "SELECT id FROM agreement WHERE partner_id = ?1 AND status = 'signed' ORDER BY id",
        )?;
        let ids = stmt
            .query_map([partner.0], |r| r.get(0).map(AgreementId))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// What of agreements `first..=last` has instalments or receipts, as text ("agreement
    /// PA-2020-003 has instalments"), when one has.
    pub(super) fn money_in_of(
        &mut self,
        first: i64,
        last: i64,
    ) -> Result<Option<String>, LedgerError> {
        let tx = self.held.tx()?;
        for (table, what) in [
            ("instalment", "a payment schedule"),
            ("receipt", "receipts"),
            ("deliverable", "reports due"),
        ] {
            let found: Option<(i64, Option<String>)> = tx
                .query_row(
                    &format!(
                        "SELECT a.id, a.reference FROM {table} AS m JOIN agreement AS a ON a.id = m.agreement_id WHERE m.agreement_id BETWEEN ?1 AND ?2 LIMIT 1"
                    ),
                    [first, last],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((id, reference)) = found {
                let name = reference.unwrap_or_else(|| id.to_string());
                return Ok(Some(format!("agreement {name} has {what}")));
            }
        }
        Ok(None)
    }

    /// Reverses `action` of instalment or receipt `id` (`old`: its audit entry's old value).
    pub(super) fn undo_money_in(
        &mut self,
        entity: &str,
        id: i64,
        action: &str,
        old: &Option<String>,
    ) -> Result<(), LedgerError> {
        let corrupt = || LedgerError::Corrupt(format!("audit entry of {entity} {id}"));
        let table = match entity {
            "instalment" => "instalment",
            "deliverable" => "deliverable",
            _ => "receipt",
        };
        let tx = self.held.tx()?;
        let before = old.as_deref();
        match action {
            "create" => {
                tx.execute(&format!("DELETE FROM {table} WHERE id = ?1"), [id])?;
                self.audit(entity, &id.to_string(), "delete", None, None)
            }
            "update" if entity == "deliverable" => {
                let old: Deliverable =
                    serde_json::from_str(before.ok_or_else(corrupt)?).map_err(|_| corrupt())?;
                self.put_deliverable(&old).map(|_| ())
            }
            "update" if entity == "instalment" => {
                let old: Instalment =
                    serde_json::from_str(before.ok_or_else(corrupt)?).map_err(|_| corrupt())?;
                self.put_instalment(&old).map(|_| ())
            }
            "update" => {
                let old: Receipt =
                    serde_json::from_str(before.ok_or_else(corrupt)?).map_err(|_| corrupt())?;
                self.put_receipt(&old).map(|_| ())
            }
            _ => Err(corrupt()),
        }
    }
}
