//! What is due on a day: instalments the receipts have not paid whole and reports not sent
//! yet, late ones (due before the day) and those due within the next days.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::{Receivables, receivables};
use crate::domain::{Agreement, Deliverable, Partner, group_thousands};
use crate::ledger::{AgreementFilter, Ledger, LedgerError};

/// What falls due.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DueKind {
    /// An instalment of a payment schedule (money to come in).
    Instalment,
    /// A report to send.
    Report,
}

/// One thing due.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DueItem {
    /// An instalment or a report.
    pub kind: DueKind,
    /// The agreement's reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its partner.
    pub partner: String,
    /// When it is (was) due.
    pub due_on: NaiveDate,
    /// Days from the day asked for to the due date: negative when late.
    pub days: i64,
    /// What: `USD 600,000.00 (on receipt of the annual report)`, `Financial report: …`.
    pub what: String,
    /// What names it for good, whatever is paid of it: `instalment-PA-2020-003-2021-03-31`.
    pub key: String,
}

/// What is late and what comes in the next days.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Due {
    /// The day.
    pub as_of: NaiveDate,
    /// How many days ahead `soon` looks.
    pub within_days: i64,
    /// Due before the day and not done, oldest first.
    pub late: Vec<DueItem>,
    /// Due from the day on, within `within_days`, soonest first.
    pub soon: Vec<DueItem>,
    /// Everything not done, late or not, by due date: what a calendar holds.
    pub open: Vec<DueItem>,
}

/// What is due on `r.as_of` within `within_days`: the open instalments of `r`, and the
/// `deliverables` not sent (of `agreements`, whose partners are `partners`).
pub fn due(
    r: &Receivables,
    deliverables: &[Deliverable],
    agreements: &[Agreement],
    partners: &[Partner],
    within_days: i64,
) -> Due {
    let partner_names: HashMap<_, _> = partners.iter().map(|p| (p.id, p.name.as_str())).collect();
    let of_agreement: HashMap<_, _> = agreements
        .iter()
        .map(|a| {
            let reference = a
                .reference
                .clone()
                .unwrap_or_else(|| format!("#{}", a.id.0));
            let partner = partner_names
                .get(&a.partner_id)
                .copied()
                .unwrap_or_default();
            (a.id, (reference, partner.to_string()))
        })
        .collect();
    let days = |d: NaiveDate| (d - r.as_of).num_days();
    let mut open: Vec<DueItem> = r
        .open_instalments
        .iter()
        .map(|i| DueItem {
            kind: DueKind::Instalment,
            reference: i.reference.clone(),
            partner: i.partner.clone(),
            due_on: i.due_on,
            days: days(i.due_on),
            key: format!("instalment-{}-{}", i.reference, i.due_on),
            what: match i.condition.as_str() {
                "" => format!("{} {}", i.currency, group_thousands(&i.unpaid)),
                c => format!(
                    "{} {} ({})",
                    i.currency,
                    group_thousands(&i.unpaid),
                    c.to_lowercase()
                ),
            },
        })
        .collect();
    for d in deliverables.iter().filter(|d| d.sent_on.is_none()) {
        let Some((reference, partner)) = of_agreement.get(&d.agreement_id) else {
            continue;
        };
        let kind = match d.kind {
            crate::domain::ReportKind::Narrative => "Narrative report",
            crate::domain::ReportKind::Financial => "Financial report",
        };
        open.push(DueItem {
            kind: DueKind::Report,
            reference: reference.clone(),
            partner: partner.clone(),
            due_on: d.due_on,
            days: days(d.due_on),
            key: format!("{}-report-{reference}-{}", d.kind.as_str(), d.due_on),
            what: match d.title.as_str() {
                "" => kind.to_string(),
                t => format!("{kind}: {t}"),
            },
        });
    }
    open.sort_by(|a, b| {
        a.due_on
            .cmp(&b.due_on)
            .then_with(|| a.reference.cmp(&b.reference))
    });
    Due {
        as_of: r.as_of,
        within_days,
        late: open.iter().filter(|i| i.days < 0).cloned().collect(),
        soon: open
            .iter()
            .filter(|i| (0..=within_days).contains(&i.days))
            .cloned()
            .collect(),
        open,
    }
}

/// The receivables of `ledger` on `as_of`, and what is due then within `within_days`.
pub fn load(
    ledger: &Ledger,
    as_of: NaiveDate,
    within_days: i64,
) -> Result<(Receivables, Due), LedgerError> {
    let agreements = ledger.agreements(&AgreementFilter::default())?;
    let partners = ledger.partners()?;
    let r = receivables(
        &agreements,
        &partners,
        &ledger.instalments()?,
        &ledger.receipts()?,
        &ledger.rates()?,
        ledger.reporting_currency()?,
        as_of,
    );
    let d = due(
        &r,
        &ledger.deliverables()?,
        &agreements,
        &partners,
        within_days,
    );
    Ok((r, d))
}

/// What is due in `ledger` on `as_of` within `within_days`, reading only the agreements
/// that have a schedule or reports due (for the dashboard, which must not read a large
/// ledger whole).
pub fn load_due(ledger: &Ledger, as_of: NaiveDate, within_days: i64) -> Result<Due, LedgerError> {
    let instalments = ledger.instalments()?;
    let deliverables = ledger.deliverables()?;
    let mut ids: Vec<_> = instalments
        .iter()
        .map(|i| i.agreement_id)
        .chain(deliverables.iter().map(|d| d.agreement_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let agreements = ids
        .into_iter()
        .map(|id| ledger.agreement(id))
        .collect::<Result<Vec<_>, _>>()?;
    let partners = ledger.partners()?;
    let r = receivables(
        &agreements,
        &partners,
        &instalments,
        &ledger.receipts()?,
        &ledger.rates()?,
        ledger.reporting_currency()?,
        as_of,
    );
    Ok(due(&r, &deliverables, &agreements, &partners, within_days))
}
