//! Payment schedules as an import reads them (`pledger import FILE --kind schedules`): a row
//! is one instalment of an agreement, named by its reference, with its due date, amount and
//! condition. A schedule whose total differs from the contribution, and an instalment due
//! before the signature, are told, not refused.

use std::collections::BTreeSet;

use rust_decimal::Decimal;

use crate::domain::{AgreementId, Currency, Instalment, Money, Status, minor_text};
use crate::ledger::{LedgerError, Put, Writer};

use super::ImportOptions;
use super::Severity;
use super::linked::{LinkedPlanner, LinkedRow};
use super::mapping::field_kind;
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{Action, LedgerView, Plan, RowReader, SheetAt};
use super::values::DayOrder;

field_kind! {
    /// A field of a payment-schedule sheet.
    pub enum ScheduleField in "schedules", required [Agreement, DueOn, Amount] {
        /// The reference of the agreement the instalment pays.
        Agreement => "agreement",
        /// When it is due.
        DueOn => "due_on",
        /// How much.
        Amount => "amount",
        /// In which currency (the agreement's when the sheet does not say).
        Currency => "currency",
        /// What the payment waits for.
        Condition => "condition",
    }
}

/// The payment-schedules kind of row.
pub struct Schedules;

/// An instalment row as planned: the agreement is found when it is written.
pub type ScheduleRow = LinkedRow<Planned, ScheduleField>;

impl RowKind for Schedules {
    type Field = ScheduleField;
    type Item = ScheduleRow;
    const NOUN: (&'static str, &'static str) = ("instalment", "instalments");
    const DATE: Option<ScheduleField> = Some(ScheduleField::DueOn);

    fn planner<'a>(
        _view: &'a LedgerView,
        _plan: &mut Plan,
        at: SheetAt<'a, ScheduleField>,
        _options: &ImportOptions,
    ) -> Option<impl PlanRows<ScheduleRow> + Send + use<'a>> {
        Some(LinkedPlanner::new(at, &[ScheduleField::Agreement], read))
    }

    fn writer<'a>(
        _w: &mut Writer<'_>,
        _view: &'a LedgerView,
        _plan: &Plan,
        at: SheetAt<'a, ScheduleField>,
    ) -> Result<impl WriteRows<ScheduleRow> + use<'a>, LedgerError> {
        Ok(ScheduleWriter {
            at,
            touched: BTreeSet::new(),
        })
    }
}

/// An instalment as a row gives it.
pub struct Planned {
    reference: String,
    due_on: chrono::NaiveDate,
    amount: Decimal,
    currency: Option<Currency>,
    condition: String,
}

fn read(r: &mut RowReader<'_, ScheduleField>, order: DayOrder) -> Option<Planned> {
    use ScheduleField as F;
    let reference = r.required(F::Agreement, "the agreement's reference is missing");
    let due_on = r.date(F::DueOn, order, "a due date");
    let amount = match r.amount(F::Amount, Some(F::Currency), false) {
        Ok(None) => {
            r.problem(F::Amount, Severity::Error, "the amount is missing".into());
            None
        }
        Ok(some) => some,
        Err(_) => None,
    };
    let (amount, currency) = amount?;
    Some(Planned {
        reference: reference?.into_owned(),
        due_on: due_on?,
        amount,
        currency,
        condition: r
            .text(F::Condition)
            .map(|t| t.into_owned())
            .unwrap_or_default(),
    })
}

struct ScheduleWriter<'a> {
    at: SheetAt<'a, ScheduleField>,
    /// The agreements whose schedule the import changed, and their reference.
    touched: BTreeSet<(i64, String)>,
}

impl WriteRows<ScheduleRow> for ScheduleWriter<'_> {
    fn take(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        mut row: ScheduleRow,
    ) -> Result<(), LedgerError> {
        let Some(p) = row.planned.take() else {
            row.nothing(plan);
            return Ok(());
        };
        let at = self.at;
        let field = ScheduleField::Agreement;
        let Some(agreement) = row.agreement(w, at, field, &p.reference)? else {
            row.nothing(plan);
            return Ok(());
        };
        let mut tell = |severity, message: String| row.tell(at, field, severity, message);
        if agreement.status != Status::Signed {
            tell(
                Severity::Warning,
                format!(
                    "{} is {}, not signed",
                    p.reference,
                    agreement.status.as_str()
                ),
            );
        }
        if p.due_on < agreement.signed_on {
            tell(
                Severity::Warning,
                format!(
                    "due on {}, before the agreement was signed ({})",
                    p.due_on, agreement.signed_on
                ),
            );
        }
        let currency = p
            .currency
            .or(agreement.contribution.map(|c| c.currency))
            .or(agreement.own_part.map(|c| c.currency));
        let amount = currency
            .ok_or_else(|| "the row and the agreement name no currency".to_string())
            .and_then(|c| Money::from_decimal(p.amount, c).map_err(|e| e.to_string()));
        let amount = match amount {
            Ok(a) => a,
            Err(e) => {
                tell(Severity::Error, e);
                row.nothing(plan);
                return Ok(());
            }
        };
        let blocked = row.blocked();
        let number = row.number;
        plan.problems.extend(row.problems);
        let instalment = Instalment {
            id: 0,
            agreement_id: agreement.id,
            due_on: p.due_on,
            amount,
            condition: p.condition,
        };
        let action = if blocked {
            Action::Create
        } else {
            self.touched.insert((agreement.id.0, p.reference.clone()));
            match w.put_instalment(&instalment)? {
                Put::Created => Action::Create,
                Put::Unchanged => Action::Unchanged,
                Put::Updated(old) => Action::Update {
                    changes: [
                        (
                            "amount",
                            old.amount.to_string(),
                            instalment.amount.to_string(),
                        ),
                        ("condition", old.condition, instalment.condition.clone()),
                    ]
                    .into_iter()
                    .filter(|(_, a, b)| a != b)
                    .map(|(f, a, b)| (f.to_string(), a, b))
                    .collect(),
                },
            }
        };
        plan.record(number, action, blocked, || {
            format!("{} due {}", p.reference, p.due_on)
        });
        Ok(())
    }

    /// Tells the schedules whose total differs from the contribution, now that the
    /// import's instalments are written.
    fn end(self, w: &mut Writer<'_>, plan: &mut Plan) -> Result<usize, LedgerError> {
        for (id, reference) in self.touched {
            let Some(agreement) = w.agreement_with_reference(&reference)? else {
                continue;
            };
            let Some(signed) = agreement.contribution else {
                continue;
            };
            let instalments = w.instalments_of(AgreementId(id))?;
            if instalments
                .iter()
                .any(|i| i.amount.currency != signed.currency)
            {
                continue;
            }
            // Summed in 128 bits: however many instalments at the cap, no overflow.
            let scheduled: i128 = instalments.iter().map(|i| i128::from(i.amount.minor)).sum();
            if scheduled != i128::from(signed.minor) {
                let text = |minor: i128| minor_text(minor, signed.currency);
                let (total, gap) = (text(scheduled), text(i128::from(signed.minor) - scheduled));
                let mut problem = self.at.sheet_problem(format!(
                    "the schedule of {reference} adds to {total}; the contribution is {signed} (a difference of {gap})"
                ));
                problem.severity = Severity::Warning;
                plan.problems.push(problem);
            }
        }
        Ok(0)
    }
}
