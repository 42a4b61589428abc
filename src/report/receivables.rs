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

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::domain::{
    Agreement, Currency, Instalment, Partner, RateTable, Receipt, Status, convert_minor,
    minor_to_decimal,
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
    /// Conversions whose rate is there but whose result passes what Pledger holds (128
    /// bits of minor units): those amounts are left out of the sums, for that reason.
    pub too_large: Vec<NeededRate>,
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

/// Converts amounts at the ledger's rates, noting the rates it lacks and the amounts too
/// large to convert.
struct Converter<'a> {
    rates: &'a RateTable,
    missing: Vec<NeededRate>,
    too_large: Vec<NeededRate>,
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
        let needed = NeededRate {
            currency: from,
            quote: to,
            date,
        };
        let Some(rate) = self.rates.rate_on(from, to, date) else {
            self.missing.push(needed);
            return None;
        };
        let converted = convert_minor(minor, from, rate, to);
        if converted.is_none() {
            self.too_large.push(needed);
        }
        converted
    }
}

/// The receivables on `as_of` of `agreements` (of `partners`), with their `instalments`
/// and `receipts`, in `reporting` currency at the ledger's `rates`: the figures and one row
/// an agreement, with the instalments still open.
pub fn receivables(
    agreements: &[Agreement],
    partners: &[Partner],
    instalments: &[Instalment],
    receipts: &[Receipt],
    rates: &RateTable,
    reporting: Currency,
    as_of: NaiveDate,
) -> Receivables {
    MoneyBook::new(
        agreements,
        partners,
        instalments,
        receipts,
        rates,
        reporting,
    )
    .compute(as_of, true)
}

/// The money of a ledger's agreements, their instalments and receipts, indexed once and
/// kept compact (a few numbers a row, by agreement position), from which the receivables
/// of any day are computed in one pass each over the receipts up to the day, the
/// instalments and the agreements. Every sum is kept in minor units of its own currency
/// and converted into the reporting currency once, at the rate of the day asked for.
pub struct MoneyBook<'a> {
    agreements: &'a [Agreement],
    partners: &'a [Partner],
    instalments: &'a [Instalment],
    rates: &'a RateTable,
    reporting: Currency,
    /// Agreement id -> position (ids of a ledger are dense); `u32::MAX` for none.
    position: Vec<u32>,
    /// By position: whether it is signed, its partner, its contribution (0 without),
    /// and its currency (the contribution's, else its first instalment's).
    signed: Vec<bool>,
    partner: Vec<i64>,
    contribution: Vec<i64>,
    currency: Vec<Option<Currency>>,
    /// By position: whether it has instalments.
    scheduled: Vec<bool>,
    /// Instalments by agreement position and due date: (position, due, minor, currency,
    /// index in `instalments`).
    due: Vec<(u32, NaiveDate, i64, Currency, u32)>,
    /// Receipts by date: (position, received on, minor, currency, rate obtained).
    paid: Vec<(u32, NaiveDate, i64, Currency, Option<Decimal>)>,
    /// The first year of the due dates, and how many quarters they span.
    first_year: i32,
    quarters: usize,
}

/// The sums of one currency: what its agreements add to, by age, and what is expected by
/// quarter (from the first year of the book's due dates on, four a year).
#[derive(Default)]
struct InCurrency {
    sums: Sums,
    ageing: [i128; AGEING.len()],
    expected: Vec<i128>,
}

/// The position of a currency among those met, added when first met (a ledger has a few).
fn slot(currencies: &mut Vec<Currency>, sums: &mut Vec<InCurrency>, c: Currency) -> usize {
    match currencies.iter().position(|x| *x == c) {
        Some(k) => k,
        None => {
            currencies.push(c);
            sums.push(InCurrency::default());
            currencies.len() - 1
        }
    }
}

impl<'a> MoneyBook<'a> {
    /// Indexes `agreements` (of `partners`) with their `instalments` and `receipts`, to
    /// be counted in `reporting` currency at `rates`.
    pub fn new(
        agreements: &'a [Agreement],
        partners: &'a [Partner],
        instalments: &'a [Instalment],
        receipts: &[Receipt],
        rates: &'a RateTable,
        reporting: Currency,
    ) -> MoneyBook<'a> {
        let top = agreements.iter().map(|a| a.id.0).max().unwrap_or(0);
        let mut position = vec![u32::MAX; usize::try_from(top + 1).unwrap_or(0)];
        for (k, a) in agreements.iter().enumerate() {
            if let (Some(slot), Ok(k)) = (
                usize::try_from(a.id.0)
                    .ok()
                    .and_then(|i| position.get_mut(i)),
                u32::try_from(k),
            ) {
                *slot = k;
            }
        }
        let at = |id: crate::domain::AgreementId| {
            let k = *usize::try_from(id.0).ok().and_then(|i| position.get(i))?;
            (k != u32::MAX).then_some(k)
        };
        let mut currency: Vec<Option<Currency>> = agreements
            .iter()
            .map(|a| a.contribution.map(|c| c.currency))
            .collect();
        let mut scheduled = vec![false; agreements.len()];
        let mut due: Vec<(u32, NaiveDate, i64, Currency, u32)> = instalments
            .iter()
            .enumerate()
            .filter_map(|(i, inst)| {
                let k = at(inst.agreement_id)?;
                let c = inst.amount.currency;
                Some((k, inst.due_on, inst.amount.minor, c, u32::try_from(i).ok()?))
            })
            .collect();
        if !due.windows(2).all(|w| (w[0].0, w[0].1) <= (w[1].0, w[1].1)) {
            due.sort_by_key(|d| (d.0, d.1));
        }
        for d in &due {
            let k = d.0 as usize;
            scheduled[k] = true;
            currency[k].get_or_insert(d.3);
        }
        let mut paid: Vec<(u32, NaiveDate, i64, Currency, Option<Decimal>)> = receipts
            .iter()
            .filter_map(|r| {
                let k = at(r.agreement_id)?;
                Some((k, r.received_on, r.amount.minor, r.amount.currency, r.rate))
            })
            .collect();
        paid.sort_by_key(|p| p.1);
        let first_year = due.iter().map(|d| d.1.year()).min().unwrap_or(0);
        let last_year = due.iter().map(|d| d.1.year()).max().unwrap_or(0);
        let quarters = usize::try_from(last_year - first_year + 1).unwrap_or(0) * 4;
        MoneyBook {
            first_year,
            quarters,
            agreements,
            partners,
            instalments,
            rates,
            reporting,
            signed: agreements
                .iter()
                .map(|a| a.status == Status::Signed)
                .collect(),
            partner: agreements.iter().map(|a| a.partner_id.0).collect(),
            contribution: agreements
                .iter()
                .map(|a| a.contribution.map_or(0, |m| m.minor))
                .collect(),
            currency,
            scheduled,
            position,
            due,
            paid,
        }
    }

    /// The receivables on `as_of` without the rows of the agreements and of the open
    /// instalments: the totals, the ageing, the cash expected, the partners, the exchange
    /// gain or loss and the rates missing.
    pub fn summary(&self, as_of: NaiveDate) -> Receivables {
        self.compute(as_of, false)
    }

    /// The receivables on `as_of`, with the rows when `rows`.
    fn compute(&self, as_of: NaiveDate, rows: bool) -> Receivables {
        let reporting = self.reporting;
        let n = self.agreements.len();
        let mut conv = Converter {
            rates: self.rates,
            missing: Vec::new(),
            too_large: Vec::new(),
        };
        let mut currency = self.currency.clone();
        let mut moved = self.scheduled.clone();
        // An agreement's own sums, in 128 bits: a ledger may hold any number of amounts.
        let mut received = vec![0i128; n];
        let mut gain: i128 = 0;
        let upto = self.paid.partition_point(|p| p.1 <= as_of);
        for &(k, day, minor, c, rate) in self.paid.get(..upto).unwrap_or_default() {
            let k = k as usize;
            moved[k] = true;
            let own = *currency[k].get_or_insert(c);
            let m = i128::from(minor);
            if let Some(m) = conv.convert(m, c, own, day) {
                received[k] += m;
            }
            if let Some(obtained) = rate {
                let at_obtained = convert_minor(m, c, obtained, reporting);
                let at_ledger = conv.convert(m, c, reporting, day);
                if let (Some(o), Some(l)) = (at_obtained, at_ledger) {
                    gain += o - l;
                }
            }
        }
        // The instalments, paid oldest first by what came in.
        let mut currencies: Vec<Currency> = Vec::new();
        let mut per_currency: Vec<InCurrency> = Vec::new();
        let mut scheduled = vec![0i128; n];
        let mut overdue = vec![0i128; n];
        let mut open_rows: Vec<(u32, NaiveDate, i128)> = Vec::new();
        let (mut left, mut last) = (0i128, u32::MAX);
        let mut cs = 0;
        for &(k, day, minor, c, index) in &self.due {
            if last != k {
                last = k;
                left = received[k as usize].max(0);
                if let Some(own) = currency[k as usize] {
                    cs = slot(&mut currencies, &mut per_currency, own);
                }
            }
            let Some(own) = currency[k as usize] else {
                continue;
            };
            let Some(m) = conv.convert(i128::from(minor), c, own, day) else {
                continue;
            };
            scheduled[k as usize] += m;
            let paid = left.min(m).max(0);
            left -= paid;
            let unpaid = m - paid;
            if unpaid <= 0 {
                continue;
            }
            let Some(sums) = per_currency.get_mut(cs) else {
                continue;
            };
            if day < as_of {
                overdue[k as usize] += unpaid;
                let days = (as_of - day).num_days();
                if let Some(b) = AGEING.iter().position(|(_, up_to)| days <= *up_to) {
                    sums.ageing[b] += unpaid;
                }
            } else {
                let q = (day.year() - self.first_year) * 4
                    + i32::try_from(day.month0() / 3).unwrap_or(0);
                if sums.expected.is_empty() {
                    sums.expected = vec![0; self.quarters];
                }
                if let Some(slot) = usize::try_from(q)
                    .ok()
                    .and_then(|q| sums.expected.get_mut(q))
                {
                    *slot += unpaid;
                }
            }
            if rows {
                open_rows.push((index, day, unpaid));
            }
        }
        // The agreements: their sums by currency, and by partner and currency.
        let top_partner = self.partners.iter().map(|p| p.id.0).max().unwrap_or(0);
        let mut by_partner: Vec<Vec<(usize, Sums)>> =
            vec![Vec::new(); usize::try_from(top_partner + 1).unwrap_or(0)];
        let names: HashMap<i64, &Partner> = self.partners.iter().map(|p| (p.id.0, p)).collect();
        let mut out_agreements = Vec::new();
        for k in 0..n {
            if !self.signed[k] && !moved[k] {
                continue;
            }
            let Some(c) = currency[k] else {
                continue;
            };
            let s = Sums {
                signed: i128::from(self.contribution[k]),
                scheduled: scheduled[k],
                received: received[k],
                overdue: overdue[k],
            };
            let cs = slot(&mut currencies, &mut per_currency, c);
            // Summed by partner and currency; the currencies' totals are the partners'.
            match usize::try_from(self.partner[k])
                .ok()
                .and_then(|p| by_partner.get_mut(p))
            {
                Some(list) => match list.iter_mut().find(|(x, _)| *x == cs) {
                    Some((_, sums)) => sums.add(&s),
                    None => list.push((cs, s)),
                },
                None => {
                    if let Some(sums) = per_currency.get_mut(cs) {
                        sums.sums.add(&s);
                    }
                }
            }
            if rows && let Some(a) = self.agreements.get(k) {
                out_agreements.push(self.row(
                    &mut conv,
                    a,
                    c,
                    &s,
                    names.get(&a.partner_id.0),
                    as_of,
                ));
            }
        }
        // Each currency's sums, converted once.
        let rate_of: Vec<Option<Decimal>> = currencies
            .iter()
            .map(|&c| {
                let rate = self.rates.rate_on(c, reporting, as_of);
                if rate.is_none() {
                    conv.missing.push(NeededRate {
                        currency: c,
                        quote: reporting,
                        date: as_of,
                    });
                }
                rate
            })
            .collect();
        // Sums whose conversion passes 128 bits: left out, and said so.
        let too_large = std::cell::RefCell::new(Vec::new());
        let in_reporting = |cs: usize, m: i128| -> i128 {
            let (Some(&c), Some(Some(rate))) = (currencies.get(cs), rate_of.get(cs)) else {
                return 0;
            };
            convert_minor(m, c, *rate, reporting).unwrap_or_else(|| {
                too_large.borrow_mut().push(NeededRate {
                    currency: c,
                    quote: reporting,
                    date: as_of,
                });
                0
            })
        };
        let sums_in_reporting = |cs: usize, s: &Sums| Sums {
            signed: in_reporting(cs, s.signed),
            scheduled: in_reporting(cs, s.scheduled),
            received: in_reporting(cs, s.received),
            overdue: in_reporting(cs, s.overdue),
        };
        for list in &by_partner {
            for (cs, s) in list {
                if let Some(sums) = per_currency.get_mut(*cs) {
                    sums.sums.add(s);
                }
            }
        }
        let mut totals = Sums::default();
        let mut ageing = [0i128; AGEING.len()];
        let mut expected: BTreeMap<(i32, u32), i128> = BTreeMap::new();
        for (cs, sums) in per_currency.iter().enumerate() {
            totals.add(&sums_in_reporting(cs, &sums.sums));
            for (b, m) in sums.ageing.iter().enumerate() {
                if let Some(slot) = ageing.get_mut(b) {
                    *slot += in_reporting(cs, *m);
                }
            }
            for (q, m) in sums.expected.iter().enumerate().filter(|(_, m)| **m != 0) {
                let year = self.first_year + i32::try_from(q / 4).unwrap_or(0);
                let key = (year, u32::try_from(q % 4).unwrap_or(0) + 1);
                *expected.entry(key).or_default() += in_reporting(cs, *m);
            }
        }
        let mut partners_out: Vec<(i128, PartnerDue)> = Vec::new();
        for (pid, list) in by_partner.iter().enumerate() {
            if list.is_empty() {
                continue;
            }
            let mut s = Sums::default();
            for (cs, sums) in list {
                s.add(&sums_in_reporting(*cs, sums));
            }
            let name = i64::try_from(pid)
                .ok()
                .and_then(|id| names.get(&id))
                .map_or_else(|| format!("partner {pid}"), |p| p.name.clone());
            partners_out.push((
                s.signed - s.received,
                PartnerDue {
                    partner: name,
                    amounts: s.amounts(reporting),
                },
            ));
        }
        partners_out.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.partner.cmp(&b.1.partner)));
        let mut open: Vec<OpenInstalment> = open_rows
            .into_iter()
            .filter_map(|(i, due_on, unpaid)| {
                let inst = self.instalments.get(i as usize)?;
                let k = *usize::try_from(inst.agreement_id.0)
                    .ok()
                    .and_then(|id| self.position.get(id))?;
                let a = self.agreements.get(k as usize)?;
                let c = currency.get(k as usize).copied().flatten()?;
                Some(OpenInstalment {
                    reference: reference_of(a),
                    partner: names
                        .get(&a.partner_id.0)
                        .map_or_else(String::new, |p| p.name.clone()),
                    due_on,
                    unpaid: minor_to_decimal(unpaid, c),
                    currency: c,
                    condition: inst.condition.clone(),
                })
            })
            .collect();
        open.sort_by(|a, b| {
            a.due_on
                .cmp(&b.due_on)
                .then_with(|| a.reference.cmp(&b.reference))
        });
        out_agreements.sort_by(|a: &AgreementDue, b| a.reference.cmp(&b.reference));
        let d = |m: i128| minor_to_decimal(m, reporting);
        let mut missing = conv.missing;
        missing.sort();
        missing.dedup();
        let mut too_large_all = conv.too_large;
        too_large_all.extend(too_large.into_inner());
        too_large_all.sort();
        too_large_all.dedup();
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
            expected_by_quarter: expected
                .into_iter()
                .map(|((y, q), m)| (format!("{y}Q{q}"), d(m)))
                .collect(),
            exchange_gain_loss: d(gain),
            missing_rates: missing,
            too_large: too_large_all,
            open_instalments: open,
        }
    }

    /// The row of agreement `a`, of currency `c`, whose sums are `s`.
    fn row(
        &self,
        conv: &mut Converter<'_>,
        a: &Agreement,
        c: Currency,
        s: &Sums,
        partner: Option<&&Partner>,
        as_of: NaiveDate,
    ) -> AgreementDue {
        let reporting = self.reporting;
        let mut each = |m: i128| conv.convert(m, c, reporting, as_of);
        let reporting_sums = each(1).map(|_| {
            Sums {
                signed: each(s.signed).unwrap_or(0),
                scheduled: each(s.scheduled).unwrap_or(0),
                received: each(s.received).unwrap_or(0),
                overdue: each(s.overdue).unwrap_or(0),
            }
            .amounts(reporting)
        });
        let own = s.amounts(c);
        AgreementDue {
            reference: reference_of(a),
            partner: partner
                .map_or_else(|| format!("partner {}", a.partner_id.0), |p| p.name.clone()),
            partner_zh: partner.and_then(|p| p.name_zh.clone()),
            currency: c,
            signed: own.signed,
            scheduled: own.scheduled,
            received: own.received,
            outstanding: own.outstanding,
            overdue: own.overdue,
            reporting: reporting_sums,
        }
    }
}

/// An agreement's reference, or its id (`#12`) when it has none.
fn reference_of(a: &Agreement) -> String {
    a.reference
        .clone()
        .unwrap_or_else(|| format!("#{}", a.id.0))
}
