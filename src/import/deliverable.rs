//! Reporting obligations as an import reads them (`pledger import FILE --kind
//! deliverables`): a row is a report an agreement asks for, named by the agreement's
//! reference, narrative or financial, with its due date and, once sent, the day it went.

use chrono::NaiveDate;

use crate::domain::{Deliverable, ReportKind};
use crate::ledger::{LedgerError, Put, Writer};

use super::ImportOptions;
use super::Severity;
use super::linked::{LinkedPlanner, LinkedRow};
use super::mapping::field_kind;
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{Action, LedgerView, Plan, RowReader, SheetAt};
use super::values::{DayOrder, normalise};

field_kind! {
    /// A field of a reporting-obligations sheet.
    pub enum DeliverableField in "deliverables", required [Agreement, DueOn] {
        /// The reference of the agreement that asks for the report.
        Agreement => "agreement",
        /// Narrative or financial (narrative when the sheet does not say).
        Kind => "kind",
        /// What the report is.
        Title => "title",
        /// When it is due.
        DueOn => "due_on",
        /// When it was sent.
        SentOn => "sent_on",
    }
}

/// Words that make a report financial; any other makes it narrative.
const FINANCIAL: &[&str] = &[
    "financial",
    "finance",
    "financier",
    "financiere",
    "财务",
    "财务报告",
    "financialreport",
    "certifiedfinancialstatement",
    "audit",
];
/// Words that make a report narrative.
const NARRATIVE: &[&str] = &[
    "narrative",
    "progress",
    "final",
    "technical",
    "interim",
    "annual",
    "narratif",
    "rapportnarratif",
    "rapportdavancement",
    "叙述",
    "进展",
    "进展报告",
    "技术报告",
];

/// The reporting-obligations kind of row.
pub struct Deliverables;

/// A report row as planned: the agreement is found when it is written.
pub type DeliverableRow = LinkedRow<Planned, DeliverableField>;

impl RowKind for Deliverables {
    type Field = DeliverableField;
    type Item = DeliverableRow;
    const NOUN: (&'static str, &'static str) = ("report", "reports");
    const DATE: Option<DeliverableField> = Some(DeliverableField::DueOn);

    fn planner<'a>(
        _view: &'a LedgerView,
        _plan: &mut Plan,
        at: SheetAt<'a, DeliverableField>,
        _options: &ImportOptions,
    ) -> Option<impl PlanRows<DeliverableRow> + Send + use<'a>> {
        Some(LinkedPlanner::new(at, &[DeliverableField::Agreement], read))
    }

    fn writer<'a>(
        _w: &mut Writer<'_>,
        _view: &'a LedgerView,
        _plan: &Plan,
        at: SheetAt<'a, DeliverableField>,
    ) -> Result<impl WriteRows<DeliverableRow> + use<'a>, LedgerError> {
        Ok(DeliverableWriter { at })
    }
}

/// A report as a row gives it.
pub struct Planned {
    reference: String,
    kind: ReportKind,
    title: String,
    due_on: NaiveDate,
    sent_on: Option<NaiveDate>,
}

fn read(r: &mut RowReader<'_, DeliverableField>, order: DayOrder) -> Option<Planned> {
    use DeliverableField as F;
    let reference = r.required(F::Agreement, "the agreement's reference is missing");
    let due_on = r.date(F::DueOn, order, "a due date");
    let sent_on = match r.filled(F::SentOn) {
        true => Some(r.date(F::SentOn, order, "a sending date")?),
        false => None,
    };
    let kind = match r.text(F::Kind) {
        None => ReportKind::Narrative,
        Some(t) => {
            let key = normalise(&t);
            let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
            if has(FINANCIAL) {
                ReportKind::Financial
            } else if has(NARRATIVE) {
                ReportKind::Narrative
            } else {
                r.problem(
                    F::Kind,
                    Severity::Error,
                    format!("'{t}' is neither a narrative nor a financial report"),
                );
                return None;
            }
        }
    };
    Some(Planned {
        reference: reference?.into_owned(),
        kind,
        title: r.text(F::Title).map(|t| t.into_owned()).unwrap_or_default(),
        due_on: due_on?,
        sent_on,
    })
}

struct DeliverableWriter<'a> {
    at: SheetAt<'a, DeliverableField>,
}

impl WriteRows<DeliverableRow> for DeliverableWriter<'_> {
    fn take(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        mut row: DeliverableRow,
    ) -> Result<(), LedgerError> {
        let Some(p) = row.planned.take() else {
            row.nothing(plan);
            return Ok(());
        };
        let (at, field) = (self.at, DeliverableField::Agreement);
        let Some(agreement) = row.agreement(w, at, field, &p.reference)? else {
            row.nothing(plan);
            return Ok(());
        };
        if p.due_on < agreement.signed_on {
            row.tell(
                at,
                field,
                Severity::Warning,
                format!(
                    "due on {}, before the agreement was signed ({})",
                    p.due_on, agreement.signed_on
                ),
            );
        }
        let blocked = row.blocked();
        let number = row.number;
        plan.problems.extend(row.problems);
        let d = Deliverable {
            id: 0,
            agreement_id: agreement.id,
            kind: p.kind,
            title: p.title,
            due_on: p.due_on,
            sent_on: p.sent_on,
        };
        let action = if blocked {
            Action::Create
        } else {
            match w.put_deliverable(&d)? {
                Put::Created => Action::Create,
                Put::Unchanged => Action::Unchanged,
                Put::Updated(old) => {
                    let day =
                        |d: Option<NaiveDate>| d.map_or_else(|| "-".into(), |d| d.to_string());
                    Action::Update {
                        changes: [
                            ("title", old.title, d.title.clone()),
                            ("sent_on", day(old.sent_on), day(d.sent_on)),
                        ]
                        .into_iter()
                        .filter(|(_, a, b)| a != b)
                        .map(|(f, a, b)| (f.to_string(), a, b))
                        .collect(),
                    }
                }
            }
        };
        plan.record(number, action, blocked, || {
            format!(
                "{} {} report due {}",
                p.reference,
                d.kind.as_str(),
                d.due_on
            )
        });
        Ok(())
    }

    fn end(self, _w: &mut Writer<'_>, _plan: &mut Plan) -> Result<usize, LedgerError> {
        Ok(0)
    }
}
