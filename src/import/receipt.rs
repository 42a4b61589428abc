//! Receipts as an import reads them (`pledger import FILE --kind receipts`), from a finance
//! system's or a bank's export: a row is money received, matched to an agreement by its
//! reference, else by the partner and an instalment of that amount due near that day (or
//! a contribution of that amount), the reason told on the row. A receipt imported again is
//! the same receipt: by its own reference, else by agreement, day and amount.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{
    Agreement, AgreementId, Currency, Money, PartnerId, Receipt, Status, minor_text,
};
use crate::ledger::{LedgerError, Put, Writer};

use super::ImportOptions;
use super::Severity;
use super::linked::{LinkedPlanner, LinkedRow};
use super::mapping::field_kind;
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{Action, LedgerView, Plan, RowReader, SheetAt};
use super::values::{DayOrder, parse_number};

field_kind! {
    /// A field of a receipts sheet.
    pub enum ReceiptField in "receipts", required [ReceivedOn, Amount] {
        /// When the money arrived.
        ReceivedOn => "received_on",
        /// How much (a refund is negative).
        Amount => "amount",
        /// In which currency (the agreement's when the sheet does not say).
        Currency => "currency",
        /// The reference of the agreement it pays.
        Agreement => "agreement",
        /// The partner who paid, to match a receipt without an agreement reference.
        Partner => "partner",
        /// The bank's or finance system's reference of the receipt.
        Reference => "reference",
        /// The rate obtained: reporting-currency units for one unit received.
        Rate => "rate",
        /// Notes.
        Notes => "notes",
    }
}

/// The cells a [`ReceiptRow`] keeps.
const MATCH_FIELDS: [ReceiptField; 2] = [ReceiptField::Agreement, ReceiptField::Partner];

/// How far from an instalment's due date a receipt of its amount is taken as paying it.
const MATCH_DAYS: i64 = 90;

/// The receipts kind of row.
pub struct Receipts;

impl RowKind for Receipts {
    type Field = ReceiptField;
    type Item = ReceiptRow;
    const NOUN: (&'static str, &'static str) = ("receipt", "receipts");
    const DATE: Option<ReceiptField> = Some(ReceiptField::ReceivedOn);

    fn planner<'a>(
        view: &'a LedgerView,
        _plan: &mut Plan,
        at: SheetAt<'a, ReceiptField>,
        _options: &ImportOptions,
    ) -> Option<impl PlanRows<ReceiptRow> + Send + use<'a>> {
        Some(LinkedPlanner::new(
            at,
            &MATCH_FIELDS,
            move |r: &mut RowReader<'_, ReceiptField>, order| read(view, r, order),
        ))
    }

    fn writer<'a>(
        _w: &mut Writer<'_>,
        _view: &'a LedgerView,
        _plan: &Plan,
        at: SheetAt<'a, ReceiptField>,
    ) -> Result<impl WriteRows<ReceiptRow> + use<'a>, LedgerError> {
        Ok(ReceiptWriter { at })
    }
}

/// A receipt row as planned: the agreement is found when it is written.
pub type ReceiptRow = LinkedRow<Planned, ReceiptField>;

/// A receipt as a row gives it.
pub struct Planned {
    received_on: NaiveDate,
    amount: Decimal,
    currency: Option<Currency>,
    agreement: Option<String>,
    partner: Option<(PartnerId, String)>,
    reference: Option<String>,
    rate: Option<Decimal>,
    notes: String,
}

fn read(
    view: &LedgerView,
    r: &mut RowReader<'_, ReceiptField>,
    order: DayOrder,
) -> Option<Planned> {
    use ReceiptField as F;
    let received_on = r.date(F::ReceivedOn, order, "a receipt date");
    let amount = match r.amount(F::Amount, Some(F::Currency), true) {
        Ok(None) => {
            r.problem(F::Amount, Severity::Error, "the amount is missing".into());
            None
        }
        Ok(some) => some,
        Err(_) => None,
    };
    let agreement = r.text(F::Agreement).map(|t| t.into_owned());
    let partner = match r.text(F::Partner) {
        Some(name) => {
            match view.matcher.exact(&name) {
                Some(id) => Some((id, name.into_owned())),
                None if agreement.is_none() => {
                    r.problem(
                    F::Partner,
                    Severity::Error,
                    format!("'{name}' is not a partner of the ledger; give the agreement's reference"),
                );
                    return None;
                }
                None => None,
            }
        }
        None => None,
    };
    if agreement.is_none() && partner.is_none() {
        let field = match r.at.mapping.column(F::Agreement) {
            Some(_) => F::Agreement,
            None => F::Partner,
        };
        r.problem(
            field,
            Severity::Error,
            "give the agreement's reference (or the partner) the receipt pays".into(),
        );
        return None;
    }
    let rate = match r.text(F::Rate) {
        Some(t) => match parse_number(&t).filter(|v| *v > Decimal::ZERO) {
            Some(v) => Some(v.normalize()),
            None => {
                r.problem(
                    F::Rate,
                    Severity::Error,
                    format!("'{t}' is not a rate above zero"),
                );
                return None;
            }
        },
        None => None,
    };
    let (amount, currency) = amount?;
    Some(Planned {
        received_on: received_on?,
        amount,
        currency,
        agreement,
        partner,
        reference: r.text(F::Reference).map(|t| t.into_owned()),
        rate,
        notes: r.text(F::Notes).map(|t| t.into_owned()).unwrap_or_default(),
    })
}

struct ReceiptWriter<'a> {
    at: SheetAt<'a, ReceiptField>,
}

/// The agreement a receipt pays, and why, when it is not named by its reference.
enum Found {
    /// This agreement, for this reason (told on the row when it is not the reference).
    One(Agreement, Option<String>),
    /// No agreement, or several: why.
    Not(String),
}

impl ReceiptWriter<'_> {
    /// The agreement `p` pays.
    fn agreement(&self, w: &mut Writer<'_>, p: &Planned) -> Result<Found, LedgerError> {
        if let Some(reference) = &p.agreement {
            return Ok(match w.agreement_with_reference(reference)? {
                Some(a) => Found::One(a, None),
                None => Found::Not(format!("no agreement has the reference '{reference}'")),
            });
        }
        let Some((partner, name)) = &p.partner else {
            return Ok(Found::Not("the row names no agreement".into()));
        };
        let mut by_instalment = Vec::new();
        let mut by_contribution = Vec::new();
        for id in w.signed_agreements_of(*partner)? {
            let Some(a) = w.agreement(id)? else {
                continue;
            };
            let currency = p.currency.or(a.contribution.map(|c| c.currency));
            let Some(amount) = currency.and_then(|c| Money::from_decimal(p.amount, c).ok()) else {
                continue;
            };
            let near = w.instalments_of(id)?.into_iter().find(|i| {
                i.amount == amount && (i.due_on - p.received_on).num_days().abs() <= MATCH_DAYS
            });
            match near {
                Some(i) => {
                    by_instalment.push((a, format!("an instalment of {amount} due {}", i.due_on)))
                }
                None if a.contribution == Some(amount) && a.signed_on <= p.received_on => {
                    by_contribution.push((a, format!("a contribution of {amount}")))
                }
                None => {}
            }
        }
        let candidates = if by_instalment.is_empty() {
            by_contribution
        } else {
            by_instalment
        };
        let refs = |c: &[(Agreement, String)]| {
            c.iter()
                .take(3)
                .map(|(a, _)| {
                    a.reference
                        .clone()
                        .unwrap_or_else(|| format!("#{}", a.id.0))
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        Ok(match candidates.len() {
            0 => Found::Not(format!(
                "no signed agreement of {name} expects {} around {}: give the agreement's reference",
                p.amount, p.received_on
            )),
            1 => {
                let Some((a, why)) = candidates.into_iter().next() else {
                    return Ok(Found::Not("no agreement".into()));
                };
                let which = a
                    .reference
                    .clone()
                    .unwrap_or_else(|| format!("#{}", a.id.0));
                Found::One(
                    a,
                    Some(format!("matched to {which}: the partner and {why}")),
                )
            }
            _ => Found::Not(format!(
                "several agreements of {name} could take it ({}): give the agreement's reference",
                refs(&candidates)
            )),
        })
    }
}

impl WriteRows<ReceiptRow> for ReceiptWriter<'_> {
    fn take(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        mut row: ReceiptRow,
    ) -> Result<(), LedgerError> {
        let Some(p) = row.planned.take() else {
            row.nothing(plan);
            return Ok(());
        };
        // A match by reference is told on the agreement's cell, one by partner on the
        // partner's.
        let by_partner =
            p.agreement.is_none() && self.at.mapping.column(ReceiptField::Partner).is_some();
        let field = match by_partner {
            true => ReceiptField::Partner,
            false => ReceiptField::Agreement,
        };
        let at = self.at;
        let found = self.agreement(w, &p)?;
        let mut tell = |severity, message: String| row.tell(at, field, severity, message);
        let agreement = match found {
            Found::One(a, why) => {
                if let Some(why) = why {
                    tell(Severity::Warning, why);
                }
                a
            }
            Found::Not(why) => {
                tell(Severity::Error, why);
                row.nothing(plan);
                return Ok(());
            }
        };
        let label = agreement
            .reference
            .clone()
            .unwrap_or_else(|| format!("#{}", agreement.id.0));
        if agreement.status == Status::Cancelled {
            tell(Severity::Warning, format!("{label} is cancelled"));
        }
        if p.received_on < agreement.signed_on {
            tell(
                Severity::Warning,
                format!(
                    "received on {}, before {label} was signed ({})",
                    p.received_on, agreement.signed_on
                ),
            );
        }
        let currency = p.currency.or(agreement.contribution.map(|c| c.currency));
        let Some(amount) = currency.and_then(|c| Money::from_decimal(p.amount, c).ok()) else {
            tell(
                Severity::Error,
                "the row and the agreement name no currency".into(),
            );
            row.nothing(plan);
            return Ok(());
        };
        if let Some(signed) = agreement
            .contribution
            .filter(|s| s.currency == amount.currency)
        {
            // Summed in 128 bits: a million receipts at the cap still add up.
            let before: i128 = received_of(w, agreement.id, amount.currency, &p)?;
            let after = before + i128::from(amount.minor);
            if after > i128::from(signed.minor) {
                let text = |minor: i128| minor_text(minor, signed.currency);
                tell(
                    Severity::Warning,
                    format!(
                        "an over-payment of {}: {label} received {} against {signed} signed",
                        text(after - i128::from(signed.minor)),
                        text(after)
                    ),
                );
            }
        }
        let blocked = row.blocked();
        let number = row.number;
        plan.problems.extend(row.problems);
        let receipt = Receipt {
            id: 0,
            agreement_id: agreement.id,
            received_on: p.received_on,
            amount,
            rate: p.rate,
            reference: p.reference,
            notes: p.notes,
        };
        let action = if blocked {
            Action::Create
        } else {
            match w.put_receipt(&receipt)? {
                Put::Created => Action::Create,
                Put::Unchanged => Action::Unchanged,
                Put::Updated(old) => Action::Update {
                    changes: [
                        (
                            "received_on",
                            old.received_on.to_string(),
                            receipt.received_on.to_string(),
                        ),
                        ("amount", old.amount.to_string(), receipt.amount.to_string()),
                        ("rate", show(old.rate), show(receipt.rate)),
                        ("notes", old.notes, receipt.notes.clone()),
                    ]
                    .into_iter()
                    .filter(|(_, a, b)| a != b)
                    .map(|(f, a, b)| (f.to_string(), a, b))
                    .collect(),
                },
            }
        };
        plan.record(number, action, blocked, || {
            format!("{} {} {label}", receipt.received_on, receipt.amount)
        });
        Ok(())
    }

    fn end(self, _w: &mut Writer<'_>, _plan: &mut Plan) -> Result<usize, LedgerError> {
        Ok(0)
    }
}

fn show(rate: Option<Decimal>) -> String {
    rate.map_or_else(|| "-".into(), |r| r.to_string())
}

/// What agreement `id` has received in `currency`, not counting the receipt `p` is (when
/// the ledger has it already).
fn received_of(
    w: &mut Writer<'_>,
    id: AgreementId,
    currency: Currency,
    p: &Planned,
) -> Result<i128, LedgerError> {
    let receipts = w.receipts_of(id)?;
    Ok(receipts
        .iter()
        .filter(|r| r.amount.currency == currency)
        .filter(|r| match (&r.reference, &p.reference) {
            (Some(a), Some(b)) => a != b,
            _ => !(r.received_on == p.received_on && r.amount.amount() == p.amount),
        })
        .map(|r| i128::from(r.amount.minor))
        .sum())
}
