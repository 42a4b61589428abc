//! Report figures over an in-memory [`Snapshot`]: counts, totals, the co-funding
//! composition, breakdowns by partner type, region and theme, and the top partners.

mod cache;
mod due;
mod matching;
mod pipeline;
mod receivables;
mod share;
mod snapshot;

use chrono::NaiveDate;
use serde::Serialize;

use crate::domain::{Currency, Lang, ListKind, PartnerId, Period, minor_to_decimal};

pub use cache::CACHED_FROM_ROWS;
pub use due::{Due, DueItem, DueKind, due, load as load_receivables, load_due};
pub use matching::{Concept, Evidence, Factor, MatchInput, Ranked, TicketFit, rank};
pub use pipeline::{
    ByCurrency, OverdueAction, Pipeline, PipelineInput, StageDays, StageFigures, pipeline,
    quarter_label,
};
pub use receivables::{
    AGEING, AgreementDue, Amounts, MoneyBook, NeededRate, OpenInstalment, PartnerDue, Receivables,
    receivables,
};
pub use share::{Share, apportion, largest_remainder_tenths, split_by_weights, tenths_text};
pub use snapshot::{MissingRate, PartnerTotal, Snapshot};

use snapshot::{FINANCIAL, MISSING_RATE, Row, day_number, to_minor};

/// Why a report cannot be computed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    /// Some amounts of the period need an exchange rate the ledger does not have.
    #[error("no exchange rate for {}; set one with `pledger rate set CUR DATE RATE`", missing_text(.0))]
    MissingRates(Vec<MissingRate>),
}

/// `EUR to USD on 2010-01-01`, or for many dates of one pair `EUR to USD on 365 dates from
/// 2010-01-01 to 2010-12-31`; pairs joined by commas.
fn missing_text(missing: &[MissingRate]) -> String {
    let mut pairs: Vec<(Currency, Currency, Vec<NaiveDate>)> = Vec::new();
    for m in missing {
        match pairs
            .iter_mut()
            .find(|(c, q, _)| *c == m.currency && *q == m.quote)
        {
            Some((_, _, dates)) => dates.push(m.date),
            None => pairs.push((m.currency, m.quote, vec![m.date])),
        }
    }
    pairs
        .into_iter()
        .map(|(c, q, mut dates)| {
            dates.sort();
            match (dates.first(), dates.last(), dates.len()) {
                (Some(first), _, 1) => format!("{c} to {q} on {first}"),
                (Some(first), Some(last), n) => {
                    format!("{c} to {q} on {n} dates from {first} to {last}")
                }
                _ => format!("{c} to {q}"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One slice of a breakdown.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slice {
    /// The reference-list key (`government`, `africa`), or `unassigned`.
    pub key: String,
    /// English label.
    pub label_en: String,
    /// Chinese label.
    pub label_zh: String,
    /// Sum in reporting-currency minor units.
    pub amount_minor: i128,
    /// Exact share of the breakdown's total.
    pub share: Share,
    /// Displayed percentage in tenths, rounded so the breakdown adds to 1000.
    pub percent_tenths: u32,
}

impl Slice {
    /// The label in `lang`.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.label_en,
            Lang::Zh => &self.label_zh,
        }
    }
}

/// A partner among the top funders of a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopPartner {
    /// 1 for the largest.
    pub rank: usize,
    /// The partner.
    pub partner_id: PartnerId,
    /// Name.
    pub name: String,
    /// Chinese name, when known.
    pub name_zh: Option<String>,
    /// Partner-type key.
    pub partner_type: String,
    /// Sum of the period's contributions in reporting-currency minor units.
    pub amount_minor: i128,
    /// Share of the partners' total.
    pub share: Share,
}

impl TopPartner {
    /// The name to show in `lang`.
    pub fn display_name(&self, lang: Lang) -> &str {
        match (lang, &self.name_zh) {
            (Lang::Zh, Some(zh)) if !zh.is_empty() => zh,
            _ => &self.name,
        }
    }
}

/// Every figure of the advisory-group report for one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The period.
    pub period: Period,
    /// Reporting currency.
    pub currency: Currency,
    /// Signed agreements.
    pub agreements_signed: u64,
    /// Signed agreements with a financial contribution.
    pub agreements_financial: u64,
    /// Partners' contributions, minor units.
    pub partner_total_minor: i128,
    /// The organisation's own co-funding parts, minor units.
    pub own_total_minor: i128,
    /// Own part and partners' part, in that order.
    pub cofunding: Vec<Slice>,
    /// Partners' contributions by partner type (non-zero slices, list order).
    pub by_partner_type: Vec<Slice>,
    /// By region of implementation.
    pub by_region: Vec<Slice>,
    /// By thematic priority, split by each agreement's theme percentages.
    pub by_theme: Vec<Slice>,
    /// The largest funders, largest first.
    pub top_partners: Vec<TopPartner>,
}

const UNASSIGNED: &str = "unassigned";

/// The non-zero slices of `amounts` (exact sums, in hundredths of a minor unit), their
/// amounts in minor units adding to exactly `total_minor` (largest remainder), their shares
/// exact and their percentages adding to 100.0.
fn slices(keys: &[(String, String, String)], amounts: &[i128], total_minor: i128) -> Vec<Slice> {
    let present: Vec<usize> = (0..amounts.len()).filter(|&i| amounts[i] != 0).collect();
    let parts: Vec<i128> = present.iter().map(|&i| amounts[i]).collect();
    let total: i128 = parts.iter().sum();
    let tenths = largest_remainder_tenths(&parts);
    let minor = apportion(total_minor, &parts);
    present
        .iter()
        .zip(tenths)
        .zip(minor)
        .filter_map(|((&i, t), amount_minor)| {
            let (key, en, zh) = keys.get(i)?;
            Some(Slice {
                key: key.clone(),
                label_en: en.clone(),
                label_zh: zh.clone(),
                amount_minor,
                share: Share::new(amounts[i], total),
                percent_tenths: t,
            })
        })
        .collect()
}

/// A report's sums over some rows, in reporting-currency minor units.
struct Sums {
    by_type: Vec<i128>,
    by_region: Vec<i128>,
    by_theme: Vec<i128>,
    by_partner: Vec<i128>,
    financial: u64,
    partners_total: i128,
    own_total: i128,
    missing: bool,
}

impl Sums {
    /// Adds `other`'s sums (over other rows of the same snapshot) to these.
    fn add(&mut self, other: &Sums) {
        for (mine, theirs) in [
            (&mut self.by_type, &other.by_type),
            (&mut self.by_region, &other.by_region),
            (&mut self.by_theme, &other.by_theme),
            (&mut self.by_partner, &other.by_partner),
        ] {
            for (m, t) in mine.iter_mut().zip(theirs) {
                *m += *t;
            }
        }
        self.financial += other.financial;
        self.partners_total += other.partners_total;
        self.own_total += other.own_total;
        self.missing |= other.missing;
    }
}

impl Snapshot {
    /// Sums `rows`, rows of this snapshot.
    fn sums(&self, rows: &[Row]) -> Sums {
        let types = self.lists.partner_types.len();
        let regions = self.lists.regions.len();
        let themes = self.lists.themes.len();
        let mut by_type = vec![0i128; types + 1];
        let mut by_region = vec![0i128; regions + 1];
        let mut by_theme = vec![0i128; themes + 1];
        let mut by_partner = vec![0i128; self.partners.len()];
        let (mut financial, mut partners_total, mut own_total, mut missing) =
            (0u64, 0i128, 0i128, false);
        let slot = |i: usize, len: usize| if i < len { i } else { len };

        for r in rows {
            if r.flags & FINANCIAL == 0 {
                continue;
            }
            financial += 1;
            missing |= r.flags & MISSING_RATE != 0;
            let amount = i128::from(r.amount);
            partners_total += amount;
            own_total += i128::from(r.own);
            let partner = usize::try_from(r.partner).unwrap_or(usize::MAX);
            by_type[slot(usize::from(r.partner_type), types)] += amount;
            by_region[slot(usize::from(r.region), regions)] += amount;
            if let Some(total) = by_partner.get_mut(partner) {
                *total += amount;
            }
            match r.theme_count {
                0 => by_theme[themes] += amount,
                1 => {
                    by_theme[slot(usize::try_from(r.theme_start).unwrap_or(usize::MAX), themes)] +=
                        amount
                }
                n => {
                    let start = usize::try_from(r.theme_start).unwrap_or(usize::MAX);
                    let end = start.saturating_add(usize::from(n));
                    let (Some(ts), Some(amounts)) = (
                        self.split_theme.get(start..end),
                        self.split_amount.get(start..end),
                    ) else {
                        continue;
                    };
                    for (t, a) in ts.iter().zip(amounts) {
                        by_theme[slot(usize::from(*t), themes)] += i128::from(*a);
                    }
                }
            }
        }
        Sums {
            by_type,
            by_region,
            by_theme,
            by_partner,
            financial,
            partners_total,
            own_total,
            missing,
        }
    }

    fn keys(&self, kind: ListKind) -> Vec<(String, String, String)> {
        let mut keys: Vec<_> = self
            .lists
            .list(kind)
            .iter()
            .map(|e| (e.key.clone(), e.label_en.clone(), e.label_zh.clone()))
            .collect();
        keys.push((UNASSIGNED.into(), "Unassigned".into(), "未分配".into()));
        keys
    }

    /// Computes every figure for `period`, with the `top` largest partners.
    pub fn report(&self, period: &Period, top: usize) -> Result<Report, ReportError> {
        let (from, to) = (day_number(period.from), day_number(period.to));
        let lo = self.rows.partition_point(|r| r.day < from);
        let hi = self.rows.partition_point(|r| r.day <= to);
        let rows = self.rows.get(lo..hi).unwrap_or_default();

        // A long period is summed in two halves, one per core, then added up.
        const SPLIT_FROM: usize = 1 << 17;
        let sums = if rows.len() >= SPLIT_FROM {
            let (first, second) = rows.split_at(rows.len() / 2);
            std::thread::scope(|scope| {
                let other = scope.spawn(|| self.sums(second));
                let mut sums = self.sums(first);
                match other.join() {
                    Ok(more) => sums.add(&more),
                    // The half could not be summed on its own thread: sum it here.
                    Err(_) => sums.add(&self.sums(second)),
                }
                sums
            })
        } else {
            self.sums(rows)
        };
        if sums.missing {
            let mut list: Vec<MissingRate> = self
                .missing
                .iter()
                .filter(|m| (from..=to).contains(&m.day))
                .cloned()
                .collect();
            list.sort_by_key(|m| (m.currency, m.date));
            list.dedup_by_key(|m| (m.currency, m.date));
            return Err(ReportError::MissingRates(list));
        }

        // Each figure is its exact sum rounded once to the minor unit; partners' amounts
        // are shared out of the rounded total, so that all of them add to it.
        let (partners_minor, own_minor) = (to_minor(sums.partners_total), to_minor(sums.own_total));
        let by_partner_minor = apportion(partners_minor, &sums.by_partner);
        let mut ranked: Vec<(usize, i128)> = sums
            .by_partner
            .iter()
            .copied()
            .enumerate()
            .filter(|&(_, a)| a > 0)
            .collect();
        ranked.sort_by(|a, b| {
            b.1.cmp(&a.1)
                .then_with(|| self.partners[a.0].name.cmp(&self.partners[b.0].name))
        });
        let top_partners = ranked
            .into_iter()
            .take(top)
            .enumerate()
            .filter_map(|(rank, (i, amount))| {
                let p = self.partners.get(i)?;
                Some(TopPartner {
                    rank: rank + 1,
                    partner_id: p.id,
                    name: p.name.clone(),
                    name_zh: p.name_zh.clone(),
                    partner_type: self
                        .lists
                        .partner_types
                        .get(usize::from(p.type_index))
                        .map_or_else(|| UNASSIGNED.to_string(), |e| e.key.clone()),
                    amount_minor: by_partner_minor.get(i).copied().unwrap_or(0),
                    share: Share::new(amount, sums.partners_total),
                })
            })
            .collect();

        let cofunding_keys = [
            (
                "own".to_string(),
                "ITU part".to_string(),
                "国际电联部分".to_string(),
            ),
            (
                "partners".to_string(),
                "Partners' part".to_string(),
                "合作伙伴部分".to_string(),
            ),
        ];
        Ok(Report {
            period: period.clone(),
            currency: self.currency,
            agreements_signed: u64::try_from(rows.len()).unwrap_or(u64::MAX),
            agreements_financial: sums.financial,
            partner_total_minor: partners_minor,
            own_total_minor: own_minor,
            cofunding: slices(
                &cofunding_keys,
                &[sums.own_total, sums.partners_total],
                own_minor + partners_minor,
            ),
            by_partner_type: slices(
                &self.keys(ListKind::PartnerType),
                &sums.by_type,
                partners_minor,
            ),
            by_region: slices(
                &self.keys(ListKind::Region),
                &sums.by_region,
                partners_minor,
            ),
            by_theme: slices(&self.keys(ListKind::Theme), &sums.by_theme, partners_minor),
            top_partners,
        })
    }
}

/// The `--json` form of a report: a stable contract (see the README).
#[derive(Serialize)]
pub struct ReportJson {
    period: PeriodJson,
    currency: String,
    agreements_signed: u64,
    agreements_with_financial_contribution: u64,
    partner_contributions: String,
    own_contributions: String,
    cofunding: CofundingJson,
    by_partner_type: Vec<SliceJson>,
    by_region: Vec<SliceJson>,
    by_theme: Vec<SliceJson>,
    top_partners: Vec<TopJson>,
}

#[derive(Serialize)]
struct PeriodJson {
    label: String,
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Serialize)]
struct CofundingJson {
    own_share: String,
    partners_share: String,
    own_percent: String,
    partners_percent: String,
}

#[derive(Serialize)]
struct SliceJson {
    key: String,
    label: String,
    amount: String,
    share: String,
    percent: String,
}

#[derive(Serialize)]
struct TopJson {
    rank: usize,
    partner: String,
    partner_type: String,
    amount: String,
    share: String,
    percent: String,
}

/// Digits of the shares written to JSON.
pub const SHARE_DIGITS: u32 = 6;

impl Report {
    /// An amount of this report's currency as an exact decimal string.
    pub fn amount_text(&self, minor: i128) -> String {
        minor_to_decimal(minor, self.currency).to_string()
    }

    /// The JSON form in `lang`.
    pub fn to_json(&self, lang: Lang) -> ReportJson {
        let slice = |s: &Slice| SliceJson {
            key: s.key.clone(),
            label: s.label(lang).to_string(),
            amount: self.amount_text(s.amount_minor),
            share: s.share.decimal(SHARE_DIGITS).to_string(),
            percent: tenths_text(s.percent_tenths),
        };
        let whole = self.own_total_minor + self.partner_total_minor;
        let cof_tenths =
            largest_remainder_tenths(&[self.own_total_minor, self.partner_total_minor]);
        ReportJson {
            period: PeriodJson {
                label: self.period.label(),
                from: self.period.from,
                to: self.period.to,
            },
            currency: self.currency.to_string(),
            agreements_signed: self.agreements_signed,
            agreements_with_financial_contribution: self.agreements_financial,
            partner_contributions: self.amount_text(self.partner_total_minor),
            own_contributions: self.amount_text(self.own_total_minor),
            cofunding: CofundingJson {
                own_share: Share::new(self.own_total_minor, whole)
                    .decimal(SHARE_DIGITS)
                    .to_string(),
                partners_share: Share::new(self.partner_total_minor, whole)
                    .decimal(SHARE_DIGITS)
                    .to_string(),
                own_percent: tenths_text(cof_tenths.first().copied().unwrap_or(0)),
                partners_percent: tenths_text(cof_tenths.get(1).copied().unwrap_or(0)),
            },
            by_partner_type: self.by_partner_type.iter().map(slice).collect(),
            by_region: self.by_region.iter().map(slice).collect(),
            by_theme: self.by_theme.iter().map(slice).collect(),
            top_partners: self
                .top_partners
                .iter()
                .map(|t| TopJson {
                    rank: t.rank,
                    partner: t.display_name(lang).to_string(),
                    partner_type: t.partner_type.clone(),
                    amount: self.amount_text(t.amount_minor),
                    share: t.share.decimal(SHARE_DIGITS).to_string(),
                    percent: t.share.percent_text(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::snapshot::{PartnerInfo, UNKNOWN};
    use super::*;
    use crate::domain::ReferenceLists;

    /// A snapshot of `n` generated rows over 2000..2025, some with several themes.
    fn generated(n: usize) -> Snapshot {
        let lists = ReferenceLists::defaults();
        let partners: Vec<PartnerInfo> = (0..40)
            .map(|i| PartnerInfo {
                id: PartnerId(i),
                name: format!("Partner {i:02}"),
                name_zh: None,
                type_index: u8::try_from(i % 8).unwrap(),
            })
            .collect();
        let first = day_number(NaiveDate::from_ymd_opt(2000, 1, 1).unwrap());
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |below: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % below
        };
        let (mut split_theme, mut split_amount) = (Vec::new(), Vec::new());
        let mut rows: Vec<Row> = (0..n)
            .map(|_| {
                let amount = i64::try_from(next(500_000_000)).unwrap();
                let several = next(5) == 0;
                let theme_start = if several {
                    let at = u32::try_from(split_theme.len()).unwrap();
                    let part = amount / 3;
                    split_theme.extend([0u16, 1, 2]);
                    split_amount.extend([part, part, amount - 2 * part]);
                    at
                } else {
                    u32::try_from(next(7)).unwrap()
                };
                Row {
                    amount,
                    own: amount / 4,
                    day: first + i32::try_from(next(9_400)).unwrap(),
                    partner: u32::try_from(next(40)).unwrap(),
                    theme_start,
                    region: if next(50) == 0 {
                        UNKNOWN
                    } else {
                        u8::try_from(next(7)).unwrap()
                    },
                    partner_type: u8::try_from(next(8)).unwrap(),
                    theme_count: if several { 3 } else { 1 },
                    flags: if next(10) == 0 { 0 } else { FINANCIAL },
                }
            })
            .collect();
        rows.sort_by_key(|r| r.day);
        Snapshot {
            revision: 1,
            currency: Currency::USD,
            lists,
            partners,
            rows,
            split_theme,
            split_amount,
            missing: Vec::new(),
            state: String::new(),
        }
    }

    #[test]
    fn a_long_period_sums_the_same_in_two_halves_as_in_one() {
        let snapshot = generated(300_000);
        let period = Period::parse("2000-01-01..2025-12-31").unwrap();
        let report = snapshot.report(&period, 5).unwrap();
        // The same sums taken in one pass.
        let one = snapshot.sums(&snapshot.rows);
        assert_eq!(report.agreements_signed, 300_000);
        assert_eq!(report.agreements_financial, one.financial);
        assert_eq!(report.partner_total_minor, to_minor(one.partners_total));
        assert_eq!(report.own_total_minor, to_minor(one.own_total));
        // Slices list the keys with an amount, in list order, each within a minor unit of
        // its exact sum, adding to the total exactly.
        let amounts = |slices: &[Slice]| slices.iter().map(|s| s.amount_minor).collect::<Vec<_>>();
        let nonzero = |sums: &[i128]| sums.iter().copied().filter(|&a| a != 0).collect::<Vec<_>>();
        for (slices, sums) in [
            (&report.by_partner_type, &one.by_type),
            (&report.by_region, &one.by_region),
            (&report.by_theme, &one.by_theme),
        ] {
            let shown = amounts(slices);
            let exact = nonzero(sums);
            assert_eq!(shown.len(), exact.len());
            for (s, e) in shown.iter().zip(&exact) {
                assert!((s * 100 - e).abs() < 100, "{s} for {e}");
            }
            assert_eq!(shown.iter().sum::<i128>(), report.partner_total_minor);
        }
        let top = one.by_partner.iter().copied().max().unwrap();
        assert!((report.top_partners[0].amount_minor * 100 - top).abs() < 100);
        // Every amount is in the theme split exactly once.
        assert_eq!(one.by_theme.iter().sum::<i128>(), one.partners_total);
    }
}
