//! The in-memory snapshot every report is computed from: one compact row per signed
//! agreement, amounts already converted to the reporting currency, sorted by signing date.

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, NaiveDate};

use crate::domain::{Currency, ListKind, Money, PartnerId, RateTable, ReferenceLists};
use crate::ledger::{AgreementScan, Ledger, LedgerError, ScanRow, ThemeLink};

use super::share::split_by_weights;

/// Index used for a key that is no longer in its reference list.
pub(super) const UNKNOWN: u8 = u8::MAX;

pub(super) const FINANCIAL: u8 = 1;
pub(super) const MISSING_RATE: u8 = 2;

/// Hundredths of a minor unit of the reporting currency: the unit a converted amount is
/// kept in ("JPY 1 at 0.0095" is USD 0.0095, 95 hundredths of a cent), so that sums are
/// exact and a report rounds each of its figures to the minor unit once ([`to_minor`]).
pub(super) const SUB_MINOR: i64 = 100;

/// `sub` hundredths of a minor unit as minor units, rounded half away from zero.
pub(super) fn to_minor(sub: i128) -> i128 {
    let unit = i128::from(SUB_MINOR);
    let (whole, rest) = (sub / unit, sub % unit);
    if rest.abs() * 2 >= unit {
        whole + sub.signum()
    } else {
        whole
    }
}

/// One signed agreement, 32 bytes.
#[derive(Clone, Copy, Debug)]
pub(super) struct Row {
    /// Partner's contribution in the reporting currency, [`SUB_MINOR`] units (0 when
    /// non-financial).
    pub amount: i64,
    /// Own part in the reporting currency, [`SUB_MINOR`] units.
    pub own: i64,
    /// Signing date, days from the Common Era.
    pub day: i32,
    /// Index into the snapshot's partners.
    pub partner: u32,
    /// Theme index when `theme_count` is 1; start of its splits when more.
    pub theme_start: u32,
    /// Index into the region list, or [`UNKNOWN`].
    pub region: u8,
    /// Index of the partner's type in the partner-type list, or [`UNKNOWN`].
    pub partner_type: u8,
    /// Number of themes.
    pub theme_count: u8,
    /// [`FINANCIAL`], [`MISSING_RATE`].
    pub flags: u8,
}

/// A partner as reports show it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct PartnerInfo {
    pub id: PartnerId,
    pub name: String,
    pub name_zh: Option<String>,
    pub type_index: u8,
}

/// An amount that could not be converted for want of a rate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingRate {
    /// The amount's currency.
    pub currency: Currency,
    /// The reporting currency.
    pub quote: Currency,
    /// The date a rate is needed for.
    pub date: NaiveDate,
    /// The agreement's signing day (days from the Common Era), to filter by period.
    pub(super) day: i32,
}

/// One partner's signed agreements, summed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartnerTotal {
    /// Signed agreements.
    pub signed: u64,
    /// Signed agreements with a financial contribution.
    pub financial: u64,
    /// Their contributions in reporting-currency minor units (their exact sum, rounded once).
    pub amount_minor: i128,
    /// The day the latest was signed.
    pub last_signed: Option<NaiveDate>,
}

/// The ledger's signed agreements, ready for any report; load once per ledger revision.
#[derive(Clone, Debug)]
pub struct Snapshot {
    /// The ledger revision this snapshot was read at.
    pub revision: u64,
    /// The reporting currency.
    pub currency: Currency,
    /// The reference lists, for labels.
    pub lists: ReferenceLists,
    pub(super) partners: Vec<PartnerInfo>,
    pub(super) rows: Vec<Row>,
    pub(super) split_theme: Vec<u16>,
    pub(super) split_amount: Vec<i64>,
    pub(super) missing: Vec<MissingRate>,
    /// The ledger's state it was read at ([`Ledger::state_key`]), when known: the key of
    /// its file ([`Snapshot::store`]).
    pub(super) state: String,
}

pub(super) fn day_number(date: NaiveDate) -> i32 {
    date.num_days_from_ce()
}

fn fast_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok();
    }
    let num = |s: &[u8]| {
        s.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    let year = i32::try_from(num(&b[0..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, num(&b[5..7])?, num(&b[8..10])?)
}

/// One half of the agreements as [`Snapshot::load`] reads them: rows in id order, and
/// the theme splits of its rows with several themes.
struct Half {
    rows: Vec<Row>,
    split_theme: Vec<u16>,
    split_amount: Vec<i64>,
    missing: Vec<MissingRate>,
}

/// Gives each row (with agreement id `ids[i]`) its themes from `links`, both in agreement-id
/// order, passing over the links of agreements that are not signed; returns the splits of
/// the rows with several themes.
fn attach_themes(rows: &mut [Row], ids: &[i64], links: &[ThemeLink]) -> (Vec<u16>, Vec<i64>) {
    let mut split_theme: Vec<u16> = Vec::new();
    let mut split_amount: Vec<i64> = Vec::new();
    let mut cursor = 0usize;
    let mut start = 0usize;
    while let Some(first) = links.get(start) {
        let end = start
            + links
                .get(start..)
                .unwrap_or_default()
                .iter()
                .take_while(|l| l.agreement == first.agreement)
                .count();
        let group = links.get(start..end).unwrap_or_default();
        start = end;
        while ids.get(cursor).is_some_and(|&i| i < first.agreement) {
            cursor += 1;
        }
        if ids.get(cursor) != Some(&first.agreement) {
            continue;
        }
        let Some(r) = rows.get_mut(cursor) else {
            continue;
        };
        match group {
            [] => {}
            [one] => {
                r.theme_start = u32::from(one.theme);
                r.theme_count = 1;
            }
            many => {
                let weights: Vec<u32> = many.iter().map(|l| l.percent_bp).collect();
                r.theme_start = u32::try_from(split_theme.len()).unwrap_or(u32::MAX);
                r.theme_count = u8::try_from(many.len()).unwrap_or(u8::MAX);
                for (link, part) in many.iter().zip(split_by_weights(r.amount, &weights)) {
                    split_theme.push(link.theme);
                    split_amount.push(part);
                }
            }
        }
    }
    (split_theme, split_amount)
}

/// The rows of `parts`, in turn, in signing-day order (rows of one day keep that order):
/// counted into one slot per day when the days span less than 2^20 days, else sorted.
fn sort_by_day(parts: &[Vec<Row>]) -> Vec<Row> {
    const DAY_SPAN_LIMIT: usize = 1 << 20;
    let all = || parts.iter().flatten();
    let (Some(first), Some(last), Some(template)) = (
        all().map(|r| r.day).min(),
        all().map(|r| r.day).max(),
        all().next().copied(),
    ) else {
        return Vec::new();
    };
    let slot = |r: &Row| usize::try_from(i64::from(r.day) - i64::from(first)).unwrap_or(0);
    let span = usize::try_from(i64::from(last) - i64::from(first))
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if span > DAY_SPAN_LIMIT {
        let mut rows: Vec<Row> = all().copied().collect();
        rows.sort_by_key(|r| r.day);
        return rows;
    }
    // Where each day's rows start, then each row put at its day's next place.
    let mut starts = vec![0usize; span.saturating_add(1)];
    for r in all() {
        if let Some(n) = starts.get_mut(slot(r) + 1) {
            *n += 1;
        }
    }
    for i in 1..starts.len() {
        let before = starts.get(i - 1).copied().unwrap_or(0);
        if let Some(n) = starts.get_mut(i) {
            *n += before;
        }
    }
    // Every place is written once: the template only gives the vector its length.
    let mut sorted = vec![template; all().count()];
    for r in all() {
        if let Some(at) = starts.get_mut(slot(r)) {
            if let Some(place) = sorted.get_mut(*at) {
                *place = *r;
            }
            *at += 1;
        }
    }
    sorted
}

/// Partner id -> index into the snapshot's partners: a table for the small dense ids a
/// ledger hands out, a map for any beyond it.
#[derive(Default)]
struct PartnerIndex {
    dense: Vec<u32>,
    sparse: HashMap<i64, u32>,
}

impl PartnerIndex {
    const DENSE_LIMIT: usize = 1 << 20;

    fn insert(&mut self, id: i64, index: u32) {
        match usize::try_from(id).ok().filter(|&i| i < Self::DENSE_LIMIT) {
            Some(i) => {
                if i >= self.dense.len() {
                    self.dense.resize(i + 1, u32::MAX);
                }
                if let Some(slot) = self.dense.get_mut(i) {
                    *slot = index;
                }
            }
            None => {
                self.sparse.insert(id, index);
            }
        }
    }

    fn get(&self, id: i64) -> Option<u32> {
        match usize::try_from(id).ok().filter(|&i| i < Self::DENSE_LIMIT) {
            Some(i) => self.dense.get(i).copied().filter(|&v| v != u32::MAX),
            None => self.sparse.get(&id).copied(),
        }
    }
}

struct Converter<'a> {
    rates: &'a RateTable,
    to: Currency,
}

impl Converter<'_> {
    /// Converts `minor` of `currency` on `date` into [`SUB_MINOR`] units of the reporting
    /// currency (rounded half away from zero there); `Err` names the currency when no rate
    /// is in force.
    fn convert(
        &self,
        minor: i64,
        currency: &str,
        date: NaiveDate,
    ) -> Result<Result<i64, Currency>, LedgerError> {
        // A report refuses rather than sums wrong: an amount whose conversion passes what a
        // report row holds (about 92 trillion units of a two-decimal currency) is named.
        let overflow = || {
            LedgerError::Refused(format!(
                "an amount of {currency} {} signed on {date} is too large to report in {} (the report would overflow): no report can be made until it is corrected",
                crate::domain::minor_to_decimal(
                    i128::from(minor),
                    currency.parse().unwrap_or(self.to)
                ),
                self.to
            ))
        };
        if currency.as_bytes() == self.to.code().as_bytes() {
            return minor.checked_mul(SUB_MINOR).map(Ok).ok_or_else(overflow);
        }
        let code = currency;
        let currency: Currency = code
            .parse()
            .map_err(|_| LedgerError::Corrupt(format!("currency '{code}'")))?;
        if currency == self.to {
            return minor.checked_mul(SUB_MINOR).map(Ok).ok_or_else(overflow);
        }
        let Some(rate) = self.rates.rate_on(currency, self.to, date) else {
            return Ok(Err(currency));
        };
        use rust_decimal::prelude::ToPrimitive;
        let digits = self.to.minor_digits() + 2;
        let sub = Money::from_minor(minor, currency)
            .amount()
            .checked_mul(rate)
            .map(|v| {
                v.round_dp_with_strategy(
                    digits,
                    rust_decimal::RoundingStrategy::MidpointAwayFromZero,
                )
            })
            .and_then(|v| v.checked_mul(rust_decimal::Decimal::from(10i64.pow(digits))))
            .and_then(|v| v.to_i64())
            .ok_or_else(overflow)?;
        Ok(Ok(sub))
    }
}

impl Snapshot {
    /// Reads every signed agreement of `ledger` into a snapshot.
    pub fn load(ledger: &Ledger) -> Result<Snapshot, LedgerError> {
        let revision = ledger.revision()?;
        let currency = ledger.reporting_currency()?;
        let lists = ledger.reference_lists()?;
        let rates = ledger.rates()?;
        let keys = |kind: ListKind| -> Vec<String> {
            lists.list(kind).iter().map(|e| e.key.clone()).collect()
        };
        // The lists are short: finding a key among them beats hashing it.
        let index_in = |keys: &[String], key: &str| -> u8 {
            keys.iter()
                .position(|k| k == key)
                .and_then(|i| u8::try_from(i).ok())
                .filter(|&i| i != UNKNOWN)
                .unwrap_or(UNKNOWN)
        };
        let type_keys = keys(ListKind::PartnerType);
        let region_keys = keys(ListKind::Region);
        let theme_keys = keys(ListKind::Theme);

        let mut partners = Vec::new();
        let mut partner_index = PartnerIndex::default();
        for p in ledger.partners()? {
            partner_index.insert(p.id.0, u32::try_from(partners.len()).unwrap_or(u32::MAX));
            partners.push(PartnerInfo {
                id: p.id,
                type_index: index_in(&type_keys, &p.partner_type),
                name: p.name,
                name_zh: p.name_zh,
            });
        }

        let converter = Converter {
            rates: &rates,
            to: currency,
        };
        let half = |scan: &AgreementScan<'_>, range: RangeInclusive<i64>| {
            let expected = scan.capacity_for(&range)?;
            let mut rows = Vec::with_capacity(expected);
            let mut ids = Vec::with_capacity(expected);
            let mut missing = Vec::new();
            scan.signed_agreements(range.clone(), |r: ScanRow<'_>| {
                let signed = fast_date(r.signed_on)
                    .ok_or_else(|| LedgerError::Corrupt(format!("date '{}'", r.signed_on)))?;
                let value_date = match r.value_date {
                    Some(v) => {
                        fast_date(v).ok_or_else(|| LedgerError::Corrupt(format!("date '{v}'")))?
                    }
                    None => signed,
                };
                let day = day_number(signed);
                let mut flags = 0;
                let mut convert = |money: Option<(i64, &str)>| -> Result<i64, LedgerError> {
                    let Some((minor, cur)) = money else {
                        return Ok(0);
                    };
                    match converter.convert(minor, cur, value_date)? {
                        Ok(v) => Ok(v),
                        Err(c) => {
                            flags |= MISSING_RATE;
                            missing.push(MissingRate {
                                currency: c,
                                quote: currency,
                                date: value_date,
                                day,
                            });
                            Ok(0)
                        }
                    }
                };
                let amount = convert(r.amount)?;
                let own = if r.amount.is_some() {
                    convert(r.own)?
                } else {
                    0
                };
                if r.amount.is_some() {
                    flags |= FINANCIAL;
                }
                let partner = partner_index.get(r.partner_id).unwrap_or(u32::MAX);
                rows.push(Row {
                    amount,
                    own,
                    day,
                    partner,
                    partner_type: partners
                        .get(usize::try_from(partner).unwrap_or(usize::MAX))
                        .map_or(UNKNOWN, |p: &PartnerInfo| p.type_index),
                    theme_start: 0,
                    region: index_in(&region_keys, r.region),
                    theme_count: 0,
                    flags,
                });
                ids.push(r.id);
                Ok(())
            })?;
            let links = scan.theme_links(&theme_keys, range)?;
            let (split_theme, split_amount) = attach_themes(&mut rows, &ids, &links);
            Ok(Half {
                rows,
                split_theme,
                split_amount,
                missing,
            })
        };
        let (low, mut high) = ledger.read_halves(half)?;
        // The high half's splits go after the low half's.
        let offset = u32::try_from(low.split_theme.len()).unwrap_or(u32::MAX);
        for r in high.rows.iter_mut().filter(|r| r.theme_count > 1) {
            r.theme_start = r.theme_start.saturating_add(offset);
        }
        let mut rows = sort_by_day(&[low.rows, high.rows]);
        rows.shrink_to_fit();
        let mut split_theme = low.split_theme;
        split_theme.extend(high.split_theme);
        let mut split_amount = low.split_amount;
        split_amount.extend(high.split_amount);
        let mut missing = low.missing;
        missing.extend(high.missing);

        // Lay the theme splits out in row order too, so a report reads them sequentially.
        let mut ordered_theme = Vec::with_capacity(split_theme.len());
        let mut ordered_amount = Vec::with_capacity(split_amount.len());
        for r in rows.iter_mut().filter(|r| r.theme_count > 1) {
            let start = usize::try_from(r.theme_start).unwrap_or(usize::MAX);
            let end = start.saturating_add(usize::from(r.theme_count));
            r.theme_start = u32::try_from(ordered_theme.len()).unwrap_or(u32::MAX);
            ordered_theme.extend_from_slice(split_theme.get(start..end).unwrap_or_default());
            ordered_amount.extend_from_slice(split_amount.get(start..end).unwrap_or_default());
        }
        let (split_theme, split_amount) = (ordered_theme, ordered_amount);
        Ok(Snapshot {
            revision,
            currency,
            lists,
            partners,
            rows,
            split_theme,
            split_amount,
            missing,
            state: String::new(),
        })
    }

    /// Number of signed agreements held.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the ledger has no signed agreement.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Memory held by the agreement data (rows and theme splits), in bytes.
    pub fn agreement_bytes(&self) -> usize {
        self.rows.capacity() * std::mem::size_of::<Row>()
            + self.split_theme.capacity() * std::mem::size_of::<u16>()
            + self.split_amount.capacity() * std::mem::size_of::<i64>()
            + self.missing.capacity() * std::mem::size_of::<MissingRate>()
    }

    /// Every partner with signed agreements: how many, how many financial, and their sum in
    /// the reporting currency (amounts lacking a rate count as zero), by partner id; with
    /// `until`, only the agreements signed on or before that day (the rows are in day
    /// order, so the walk stops at the first one after it).
    pub fn partner_totals(
        &self,
        until: Option<NaiveDate>,
    ) -> std::collections::HashMap<PartnerId, PartnerTotal> {
        let mut totals = std::collections::HashMap::new();
        let last = until.map_or(i32::MAX, |d| d.num_days_from_ce());
        for r in self.rows.iter().take_while(|r| r.day <= last) {
            let Some(p) = usize::try_from(r.partner)
                .ok()
                .and_then(|i| self.partners.get(i))
            else {
                continue;
            };
            let t: &mut PartnerTotal = totals.entry(p.id).or_default();
            t.signed += 1;
            let day = NaiveDate::from_num_days_from_ce_opt(r.day);
            t.last_signed = t.last_signed.max(day);
            if r.flags & FINANCIAL != 0 {
                t.financial += 1;
                // Summed in hundredths of a minor unit here, rounded once below.
                t.amount_minor += i128::from(r.amount);
            }
        }
        for t in totals.values_mut() {
            t.amount_minor = to_minor(t.amount_minor);
        }
        totals
    }

    /// The first and last signing dates held, if any.
    pub fn date_range(&self) -> Option<(NaiveDate, NaiveDate)> {
        let first = self.rows.first()?;
        let last = self.rows.last()?;
        Some((
            NaiveDate::from_num_days_from_ce_opt(first.day)?,
            NaiveDate::from_num_days_from_ce_opt(last.day)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(day: i32, amount: i64) -> Row {
        Row {
            amount,
            own: 0,
            day,
            partner: 0,
            theme_start: 0,
            region: 0,
            partner_type: 0,
            theme_count: 0,
            flags: 0,
        }
    }

    #[test]
    fn rows_sort_by_day_keeping_the_order_within_a_day() {
        let days = [5, -3, 5, 700_000, 0, -3, 5];
        let rows: Vec<Row> = days
            .iter()
            .enumerate()
            .map(|(i, &d)| row(d, i64::try_from(i).unwrap()))
            .collect();
        let mut expected = rows.clone();
        expected.sort_by_key(|r| r.day);
        let sorted = sort_by_day(&[rows[..3].to_vec(), rows[3..].to_vec()]);
        let pairs = |v: &[Row]| v.iter().map(|r| (r.day, r.amount)).collect::<Vec<_>>();
        assert_eq!(pairs(&sorted), pairs(&expected));
        // Days too far apart to count: sorted all the same.
        let far = vec![row(3_000_000, 1), row(-2, 2), row(3_000_000, 3)];
        assert_eq!(
            pairs(&sort_by_day(&[far])),
            vec![(-2, 2), (3_000_000, 1), (3_000_000, 3)]
        );
        assert!(sort_by_day(&[Vec::new(), Vec::new()]).is_empty());
    }

    #[test]
    fn rows_stay_small() {
        assert_eq!(std::mem::size_of::<Row>(), 32);
    }

    #[test]
    fn dates_parse_fast_and_right() {
        assert_eq!(
            fast_date("2021-03-31"),
            NaiveDate::from_ymd_opt(2021, 3, 31)
        );
        assert_eq!(fast_date("2021-02-30"), None);
        assert_eq!(fast_date("2021-3-1"), NaiveDate::from_ymd_opt(2021, 3, 1));
        assert_eq!(fast_date("21-03-01x"), None);
    }
}
