//! Signed versus received: per agreement and per partner the signed, scheduled, received
//! and outstanding amounts on a day, the overdue instalments by age, the cash expected by
//! quarter and the exchange gain or loss on receipts, in each agreement's currency and in
//! the reporting currency.
//!
//! Receipts pay an agreement's instalments in due-date order (the oldest first), so an
//! instalment is overdue by what the receipts up to the day leave of it. Every amount is
//! counted in exact minor units; an amount in another currency is converted at the ledger's
//! rate of its own day (a receipt's, an instalment's due date) into the agreement's
//! currency, and at the rate of the day asked for into the reporting currency. An amount
//! with no rate is left out of the sums it would join and listed in `missing_rates`.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{
    Agreement, Currency, Instalment, Money, Partner, RateTable, Receipt, Status, minor_to_decimal,
};

/// The ages of overdue instalments, in days past their due date: 1–30, 31–90, 91–180 and
/// over 180.
pub const AGEING: [(&str, i64); 4] = [
    ("1-30", 30),
    ("31-90", 90),
    ("91-180", 180),
    ("over 180", i64::MAX),
];

/// One agreement's money on the day, in its own currency and in the reporting currency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AgreementDue {
    /// The agreement's reference (its id, `#12`, when it has none).
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its partner's name.
    pub partner: String,
    /// Its partner's name in Chinese, when the ledger has it (for the app; not in JSON).
    #[serde(skip)]
    pub partner_zh: Option<String>,
    /// Its currency.
    pub currency: Currency,
    /// Its contribution.
    pub signed: Decimal,
    /// The total of its instalments.
    pub scheduled: Decimal,
    /// What its receipts brought by the day.
    pub received: Decimal,
    /// Signed less received (negative when over-paid).
    pub outstanding: Decimal,
    /// What its instalments due before the day still lack.
    pub overdue: Decimal,
    /// The same five in the reporting currency, when there is a rate on the day.
    pub reporting: Option<Amounts>,
}

/// Amounts of one currency (exact decimals; JSON gives them as strings).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Amounts {
    /// Signed.
    pub signed: Decimal,
    /// Scheduled.
    pub scheduled: Decimal,
    /// Received.
    pub received: Decimal,
    /// Outstanding.
    pub outstanding: Decimal,
    /// Overdue.
    pub overdue: Decimal,
}

/// A partner's agreements together, in the reporting currency.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartnerDue {
    /// The partner's name.
    pub partner: String,
    /// Its agreements' amounts summed.
    #[serde(flatten)]
    pub amounts: Amounts,
}

/// An instalment the receipts up to the day have not paid whole.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpenInstalment {
    /// Its agreement's reference.
    #[serde(rename = "ref")]
    pub reference: String,
    /// Its agreement's partner.
    pub partner: String,
    /// When it is (was) due.
    pub due_on: NaiveDate,
    /// What is still to come of it, in its agreement's currency.
    pub unpaid: Decimal,
    /// That currency.
    pub currency: Currency,
    /// What the payment waits for.
    pub condition: String,
}

/// A rate the figures needed and the ledger lacks.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct NeededRate {
    /// From this currency.
    pub currency: Currency,
    /// To this one.
    pub quote: Currency,
    /// On this day.
    pub date: NaiveDate,
}

/// The receivables on a day.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Receivables {
    /// The day.
    pub as_of: NaiveDate,
    /// The reporting currency.
    pub currency: Currency,
    /// Every agreement with a contribution, a schedule or receipts, by reference.
    pub agreements: Vec<AgreementDue>,
    /// By partner, largest outstanding first.
    pub partners: Vec<PartnerDue>,
    /// All agreements, in the reporting currency.
    pub totals: Amounts,
    /// Overdue amounts by age ([`AGEING`]), in the reporting currency.
    pub ageing: BTreeMap<String, Decimal>,
    /// What instalments due from the day on still expect, by quarter (`2021Q3`), in the
    /// reporting currency.
    pub expected_by_quarter: BTreeMap<String, Decimal>,
    /// Receipts at the rate obtained less the same at the ledger's rate of their day.
    pub exchange_gain_loss: Decimal,
    /// Rates needed and missing.
    pub missing_rates: Vec<NeededRate>,
    /// The instalments not paid whole, by due date.
    pub open_instalments: Vec<OpenInstalment>,
}

/// Minor-unit sums of one agreement, or of several in the reporting currency.
#[derive(Clone, Copy, Debug, Default)]
struct Sums {
    signed: i128,
    scheduled: i128,
    received: i128,
    overdue: i128,
}

impl Sums {
    fn amounts(&self, c: Currency) -> Amounts {
        let d = |m: i128| minor_to_decimal(m, c);
        Amounts {
            signed: d(self.signed),
            scheduled: d(self.scheduled),
            received: d(self.received),
            outstanding: d(self.signed - self.received),
            overdue: d(self.overdue),
        }
    }

    fn add(&mut self, o: &Sums) {
        self.signed += o.signed;
        self.scheduled += o.scheduled;
        self.received += o.received;
        self.overdue += o.overdue;
    }
}

/// Converts amounts at the ledger's rates, noting the rates it lacks.
struct Converter<'a> {
    rates: &'a RateTable,
    missing: Vec<NeededRate>,
}

impl Converter<'_> {
    /// `minor` units of `from` in `to` at the rate of `date`.
    fn convert(
        &mut self,
        minor: i128,
        from: Currency,
        to: Currency,
        date: NaiveDate,
    ) -> Option<i128> {
        if from == to {
            return Some(minor);
        }
        let rate = self.rates.rate_on(from, to, date);
        let converted = rate.and_then(|r| {
            let m = Money::from_minor(i64::try_from(minor).ok()?, from);
            m.convert(r, to).ok()
        });
        if converted.is_none() {
            self.missing.push(NeededRate {
                currency: from,
                quote: to,
                date,
            });
        }
        converted.map(|m| i128::from(m.minor))
    }
}

/// The quarter of `day`: `2021Q3`.
fn quarter(day: NaiveDate) -> String {
    format!("{}Q{}", day.year(), day.month0() / 3 + 1)
}

/// The receivables on `as_of` of `agreements` (of `partners`), with their `instalments`
/// and `receipts`, in `reporting` currency at the ledger's `rates`.
pub fn receivables(
    agreements: &[Agreement],
    partners: &[Partner],
    instalments: &[Instalment],
    receipts: &[Receipt],
    rates: &RateTable,
    reporting: Currency,
    as_of: NaiveDate,
) -> Receivables {
    let mut by_agreement: BTreeMap<i64, (Vec<&Instalment>, Vec<&Receipt>)> = BTreeMap::new();
    for i in instalments {
        by_agreement.entry(i.agreement_id.0).or_default().0.push(i);
    }
    for r in receipts.iter().filter(|r| r.received_on <= as_of) {
        by_agreement.entry(r.agreement_id.0).or_default().1.push(r);
    }
    let mut conv = Converter {
        rates,
        missing: Vec::new(),
    };
    let mut out_agreements = Vec::new();
    let mut totals = Sums::default();
    let mut by_partner: BTreeMap<String, Sums> = BTreeMap::new();
    let mut ageing = [0i128; AGEING.len()];
    let mut expected: BTreeMap<String, i128> = BTreeMap::new();
    let mut gain: i128 = 0;
    let mut open: Vec<OpenInstalment> = Vec::new();
    for a in agreements {
        let (mut due, paid) = by_agreement.remove(&a.id.0).unwrap_or_default();
        if a.status != Status::Signed && due.is_empty() && paid.is_empty() {
            continue;
        }
        let Some(currency) = a
            .contribution
            .map(|c| c.currency)
            .or(due.first().map(|i| i.amount.currency))
            .or(paid.first().map(|r| r.amount.currency))
        else {
            continue;
        };
        let mut s = Sums {
            signed: a.contribution.map_or(0, |c| i128::from(c.minor)),
            ..Sums::default()
        };
        due.sort_by_key(|i| i.due_on);
        let due: Vec<(NaiveDate, i128, &str)> = due
            .iter()
            .filter_map(|i| {
                let m = i128::from(i.amount.minor);
                conv.convert(m, i.amount.currency, currency, i.due_on)
                    .map(|m| (i.due_on, m, i.condition.as_str()))
            })
            .collect();
        s.scheduled = due.iter().map(|(_, m, _)| m).sum();
        for r in &paid {
            let m = i128::from(r.amount.minor);
            if let Some(m) = conv.convert(m, r.amount.currency, currency, r.received_on) {
                s.received += m;
            }
            if let Some(obtained) = r.rate {
                let at_obtained = r.amount.convert(obtained, reporting).ok();
                let at_ledger = conv.convert(m, r.amount.currency, reporting, r.received_on);
                if let (Some(o), Some(l)) = (at_obtained, at_ledger) {
                    gain += i128::from(o.minor) - l;
                }
            }
        }
        // The receipts pay the instalments oldest first.
        let mut left = s.received.max(0);
        let mut overdue_by_age = [0i128; AGEING.len()];
        let mut expected_here: BTreeMap<String, i128> = BTreeMap::new();
        let reference = a
            .reference
            .clone()
            .unwrap_or_else(|| format!("#{}", a.id.0));
        let mut open_here = Vec::new();
        for (day, amount, condition) in &due {
            let paid = left.min(*amount).max(0);
            left -= paid;
            let unpaid = amount - paid;
            if unpaid <= 0 {
                continue;
            }
            open_here.push((*day, unpaid, (*condition).to_string()));
            if *day < as_of {
                s.overdue += unpaid;
                let days = (as_of - *day).num_days();
                if let Some(k) = AGEING.iter().position(|(_, up_to)| days <= *up_to) {
                    overdue_by_age[k] += unpaid;
                }
            } else {
                *expected_here.entry(quarter(*day)).or_default() += unpaid;
            }
        }
        let found = partners.iter().find(|p| p.id == a.partner_id);
        let partner =
            found.map_or_else(|| format!("partner {}", a.partner_id.0), |p| p.name.clone());
        let partner_zh = found.and_then(|p| p.name_zh.clone());
        let in_reporting =
            |conv: &mut Converter<'_>, m: i128| conv.convert(m, currency, reporting, as_of);
        let reporting_sums = match in_reporting(&mut conv, 1) {
            Some(_) => {
                let mut r = Sums::default();
                let mut each = |m: i128| in_reporting(&mut conv, m).unwrap_or(0);
                r.signed = each(s.signed);
                r.scheduled = each(s.scheduled);
                r.received = each(s.received);
                r.overdue = each(s.overdue);
                for (k, m) in overdue_by_age.iter().enumerate() {
                    if let Some(slot) = ageing.get_mut(k) {
                        *slot += each(*m);
                    }
                }
                for (q, m) in &expected_here {
                    *expected.entry(q.clone()).or_default() += each(*m);
                }
                totals.add(&r);
                by_partner.entry(partner.clone()).or_default().add(&r);
                Some(r.amounts(reporting))
            }
            None => None,
        };
        open.extend(
            open_here
                .into_iter()
                .map(|(due_on, unpaid, condition)| OpenInstalment {
                    reference: reference.clone(),
                    partner: partner.clone(),
                    due_on,
                    unpaid: minor_to_decimal(unpaid, currency),
                    currency,
                    condition,
                }),
        );
        let own = s.amounts(currency);
        out_agreements.push(AgreementDue {
            reference,
            partner,
            partner_zh,
            currency,
            signed: own.signed,
            scheduled: own.scheduled,
            received: own.received,
            outstanding: own.outstanding,
            overdue: own.overdue,
            reporting: reporting_sums,
        });
    }
    let mut partners_out: Vec<(i128, PartnerDue)> = by_partner
        .into_iter()
        .map(|(partner, s)| {
            (
                s.signed - s.received,
                PartnerDue {
                    partner,
                    amounts: s.amounts(reporting),
                },
            )
        })
        .collect();
    partners_out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.partner.cmp(&b.1.partner)));
    let d = |m: i128| minor_to_decimal(m, reporting);
    let mut missing = conv.missing;
    missing.sort();
    missing.dedup();
    Receivables {
        as_of,
        currency: reporting,
        agreements: out_agreements,
        partners: partners_out.into_iter().map(|(_, p)| p).collect(),
        totals: totals.amounts(reporting),
        ageing: AGEING
            .iter()
            .zip(ageing)
            .map(|((name, _), m)| ((*name).to_string(), d(m)))
            .collect(),
        expected_by_quarter: expected.into_iter().map(|(q, m)| (q, d(m))).collect(),
        exchange_gain_loss: d(gain),
        missing_rates: missing,
        open_instalments: {
            open.sort_by(|a, b| {
                a.due_on
                    .cmp(&b.due_on)
                    .then_with(|| a.reference.cmp(&b.reference))
            });
            open
        },
    }
}
