//! The pipeline on a day: per stage the deals, the nominal and the weighted
//! (probability-adjusted) ask per currency and in the reporting currency; the weighted
//! signings expected by quarter; the deals won and lost in a period and the conversion
//! between them; the average days a deal spends in each stage; next actions overdue.
//!
//! A deal's stage on the day is replayed from its history (the last change on or before
//! it), so the figures of a past day are those that day had; a deal recorded later is left
//! out. Amounts are summed in exact minor units per currency; weighting rounds each deal
//! half to even to the minor unit. A currency's sum is converted once, at the ledger's rate
//! of the day; a currency with no rate leaves the totals it would join out and is named in
//! `missing_rates`. Everything is one pass over the deals and one over their history.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::Serialize;

use super::NeededRate;
use crate::domain::{
    Currency, Money, Opportunity, Partner, Period, RateTable, Stage, StageChange,
    StageProbabilities, minor_to_decimal,
};

/// A currency code (or `total`) to an exact amount, as the JSON gives it.
pub type ByCurrency = BTreeMap<String, Decimal>;

/// One stage's deals.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageFigures {
    /// The stage.
    pub stage: Stage,
    /// How many deals stand in it.
    pub count: u64,
    /// Their asks, per currency, with a `total` in the reporting currency when rates allow.
    pub nominal: ByCurrency,
    /// The same, each ask times its deal's probability.
    pub weighted: ByCurrency,
}

/// How long deals stay in a stage, from the stays that ended.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StageDays {
    /// The stage.
    pub stage: Stage,
    /// How many stays ended.
    pub stays: u64,
    /// Their average length in days, to one decimal.
    pub average_days: Decimal,
}

/// A next action whose due date has passed: the deal and its partner borrowed, so that an
/// action is four words to order by day (the list can run to tens of thousands), and the
/// partner found by address, not read, while the deals are walked. It serializes as the
/// deal's id, reference, title, partner name, action, due day, days late and owner.
#[derive(Clone, Debug, PartialEq)]
pub struct OverdueAction<'a> {
    /// The deal.
    pub deal: &'a Opportunity,
    /// Its partner; `None` when no partner has its id.
    pub partner: Option<&'a Partner>,
    /// When the action was due.
    pub due: NaiveDate,
    /// Days past that.
    pub days_late: i64,
}

impl<'a> OverdueAction<'a> {
    /// The partner's name, "?" when the deal's partner is not known.
    pub fn partner_name(&self) -> &'a str {
        self.partner.map_or("?", |p| p.name.as_str())
    }
}

impl Serialize for OverdueAction<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let d = self.deal;
        let mut out = serializer.serialize_struct("OverdueAction", 8)?;
        out.serialize_field("id", &d.id.0)?;
        out.serialize_field("reference", &d.reference)?;
        out.serialize_field("title", &d.title)?;
        out.serialize_field("partner", self.partner_name())?;
        out.serialize_field("action", &d.next_action)?;
        out.serialize_field("due", &self.due)?;
        out.serialize_field("days_late", &self.days_late)?;
        out.serialize_field("owner", &d.owner)?;
        out.end()
    }
}

/// The pipeline on a day; its texts are borrowed from the deals and partners it was
/// computed from.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pipeline<'a> {
    /// The day.
    pub as_of: NaiveDate,
    /// The reporting currency.
    pub currency: Currency,
    /// Every stage, the road in order then lost, declined, on hold.
    pub stages: Vec<StageFigures>,
    /// Rates needed and missing.
    pub missing_rates: Vec<NeededRate>,
    /// Open deals' weighted asks by the quarter they are expected to sign in (`2022Q1`).
    pub expected_by_quarter: BTreeMap<String, ByCurrency>,
    /// The period won and lost count in.
    pub period: String,
    /// Deals signed in the period.
    pub won: u64,
    /// Deals lost or declined in the period.
    pub lost: u64,
    /// Won out of won and lost, in percent to one decimal; none when neither.
    pub conversion_percent: Option<Decimal>,
    /// Average days per stage.
    pub days_in_stage: Vec<StageDays>,
    /// Next actions overdue on the day, the oldest first.
    pub overdue_actions: Vec<OverdueAction<'a>>,
}

/// Minor units per currency, in the order currencies were first met.
#[derive(Default)]
struct Sums(Vec<(Currency, i128)>);

impl Sums {
    fn add(&mut self, currency: Currency, minor: i128) {
        match self.0.iter_mut().find(|(c, _)| *c == currency) {
            Some((_, m)) => *m += minor,
            None => self.0.push((currency, minor)),
        }
    }

    /// Per currency, and the `total` in `to` at the rates of `day` when every currency has
    /// one (the missing ones are noted).
    fn shown(
        &self,
        to: Currency,
        day: NaiveDate,
        rates: &RateTable,
        missing: &mut Vec<NeededRate>,
    ) -> ByCurrency {
        let mut out: ByCurrency = self
            .0
            .iter()
            .map(|(c, m)| (c.code().to_string(), minor_to_decimal(*m, *c)))
            .collect();
        let mut total = Some(0i128);
        for (c, m) in &self.0 {
            let converted = convert(*m, *c, to, day, rates);
            if converted.is_none() {
                missing.push(NeededRate {
                    currency: *c,
                    quote: to,
                    date: day,
                });
            }
            total = total.zip(converted).map(|(t, x)| t + x);
        }
        if let Some(t) = total {
            out.insert("total".into(), minor_to_decimal(t, to));
        }
        out
    }
}

/// Sums by quarter, `slots[k - first]` for the quarter `k` = year × 4 + quarter − 1.
#[derive(Default)]
struct Quarters {
    first: i32,
    slots: Vec<Sums>,
}

impl Quarters {
    fn add(&mut self, day: NaiveDate, currency: Currency, minor: i128) {
        let k = day.year() * 4 + i32::try_from(day.month0() / 3).unwrap_or(0);
        if self.slots.is_empty() {
            self.first = k;
        }
        if k < self.first {
            let before = usize::try_from(self.first - k).unwrap_or(0);
            self.slots
                .splice(0..0, std::iter::repeat_with(Sums::default).take(before));
            self.first = k;
        }
        let Ok(i) = usize::try_from(k - self.first) else {
            return;
        };
        if i >= self.slots.len() {
            self.slots.resize_with(i + 1, Sums::default);
        }
        if let Some(slot) = self.slots.get_mut(i) {
            slot.add(currency, minor);
        }
    }
}

/// `minor` units of `from` in `to` at the rate of `day`.
fn convert(
    minor: i128,
    from: Currency,
    to: Currency,
    day: NaiveDate,
    rates: &RateTable,
) -> Option<i128> {
    if from == to {
        return Some(minor);
    }
    let rate = rates.rate_on(from, to, day)?;
    let m = Money::from_minor(i64::try_from(minor).ok()?, from);
    m.convert(rate, to).ok().map(|m| i128::from(m.minor))
}

/// `minor` times `bp` hundredths of a percent, rounded half to even. In 64 bits when the
/// product fits (any ask under 900 billion units): a 128-bit division is a call costing
/// some fifty times a 64-bit one, and this runs once per deal.
fn weigh(minor: i64, bp: u32) -> i128 {
    if let Some(product) = minor.checked_mul(i64::from(bp)) {
        let (q, r) = (product.div_euclid(10_000), product.rem_euclid(10_000));
        let q = i128::from(q);
        return match r.cmp(&5_000) {
            std::cmp::Ordering::Greater => q + 1,
            std::cmp::Ordering::Equal if q % 2 != 0 => q + 1,
            _ => q,
        };
    }
    let product = i128::from(minor) * i128::from(bp);
    let (q, r) = (product.div_euclid(10_000), product.rem_euclid(10_000));
    match r.cmp(&5_000) {
        std::cmp::Ordering::Greater => q + 1,
        std::cmp::Ordering::Equal if q % 2 != 0 => q + 1,
        _ => q,
    }
}

/// `2022Q1` for a day of that quarter.
pub fn quarter_label(day: NaiveDate) -> String {
    format!("{}Q{}", day.year(), day.month0() / 3 + 1)
}

/// The ledger's deals as figures.
pub struct PipelineInput<'a> {
    /// Every deal, by id.
    pub deals: &'a [Opportunity],
    /// Every stage change, by deal and in order.
    pub changes: &'a [StageChange],
    /// Every partner (for names).
    pub partners: &'a [Partner],
    /// The ledger's rates.
    pub rates: &'a RateTable,
    /// The reporting currency.
    pub reporting: Currency,
    /// Each stage's chance of signing.
    pub probabilities: &'a StageProbabilities,
}

/// The pipeline of `input` on `as_of`, with won and lost counted in `period`.
pub fn pipeline<'a>(input: &PipelineInput<'a>, as_of: NaiveDate, period: &Period) -> Pipeline<'a> {
    let n = Stage::ALL.len();
    let mut counts = vec![0u64; n];
    let mut nominal: Vec<Sums> = (0..n).map(|_| Sums::default()).collect();
    let mut weighted: Vec<Sums> = (0..n).map(|_| Sums::default()).collect();
    // By quarter, in a table indexed from the first quarter met: a label is written once
    // per quarter, not once per deal, and no map is searched per deal.
    let mut by_quarter = Quarters::default();
    let mut stay_days = vec![0i64; n];
    let mut stays = vec![0u64; n];
    let (mut won, mut lost) = (0u64, 0u64);
    // Overdue actions, built as the deals are walked (in memory order, not in the due order
    // that would jump about the deals), in the deals' (id) order; then ordered by due day.
    let mut late: Vec<OverdueAction<'a>> = Vec::new();
    // Partners' places in `input.partners` by id, in a table indexed by it (ids are
    // dense), made at the first overdue action: four bytes a partner, it stays in cache.
    let mut places: Vec<u32> = Vec::new();

    // The history runs in the deals' order: a cursor walks it beside them.
    let mut cursor = 0;
    let changes = input.changes;
    for deal in input.deals {
        while cursor < changes.len() && changes[cursor].opportunity_id < deal.id {
            cursor += 1;
        }
        let mut stage_then: Option<Stage> = None;
        let mut entered: Option<NaiveDate> = None;
        let mut recorded = false;
        while cursor < changes.len() && changes[cursor].opportunity_id == deal.id {
            let c = &changes[cursor];
            cursor += 1;
            recorded = true;
            if c.on > as_of {
                continue;
            }
            if let (Some(s), Some(from)) = (stage_then, entered) {
                stay_days[s.index()] += (c.on - from).num_days();
                stays[s.index()] += 1;
            }
            if period.contains(c.on) {
                if c.to == Stage::Signed {
                    won += 1;
                } else if c.to.is_lost() {
                    lost += 1;
                }
            }
            stage_then = Some(c.to);
            entered = Some(c.on);
        }
        let stage = match (stage_then, recorded) {
            (Some(s), _) => s,
            // A deal without history (none is written so) stands where it is.
            (None, false) => deal.stage,
            (None, true) => continue,
        };
        let i = stage.index();
        counts[i] += 1;
        let bp = deal
            .probability_bp
            .unwrap_or_else(|| input.probabilities.of(stage));
        if let Some(ask) = deal.ask {
            nominal[i].add(ask.currency, i128::from(ask.minor));
            let w = weigh(ask.minor, bp);
            weighted[i].add(ask.currency, w);
            if stage.is_open()
                && let Some(day) = deal.expected_signing
            {
                by_quarter.add(day, ask.currency, w);
            }
        }
        // The ledger hands actions trimmed: their length tells one from none, without a
        // read of their text (scattered about the heap, a cache miss per deal).
        if let Some(due) = deal.next_action_due
            && due < as_of
            && stage.is_open()
            && !deal.next_action.is_empty()
        {
            if places.is_empty() {
                places = places_by_id(input.partners);
            }
            let partner = usize::try_from(deal.partner_id.0)
                .ok()
                .and_then(|i| places.get(i))
                .and_then(|&k| input.partners.get(usize::try_from(k).ok()?));
            late.push(OverdueAction {
                deal,
                partner,
                due,
                days_late: (as_of - due).num_days(),
            });
        }
    }

    let mut missing = Vec::new();
    let (to, rates) = (input.reporting, input.rates);
    let stages = Stage::ALL
        .iter()
        .enumerate()
        .map(|(i, stage)| StageFigures {
            stage: *stage,
            count: counts[i],
            nominal: nominal[i].shown(to, as_of, rates, &mut missing),
            weighted: weighted[i].shown(to, as_of, rates, &mut missing),
        })
        .collect();
    let expected_by_quarter = by_quarter
        .slots
        .iter()
        .zip(by_quarter.first..)
        .filter(|(s, _)| !s.0.is_empty())
        .map(|(s, k)| {
            let label = format!("{}Q{}", k.div_euclid(4), k.rem_euclid(4) + 1);
            (label, s.shown(to, as_of, rates, &mut missing))
        })
        .collect();
    missing.sort();
    missing.dedup();
    let days_in_stage = Stage::ALL
        .iter()
        .enumerate()
        .filter(|(i, _)| stays[*i] > 0)
        .map(|(i, stage)| StageDays {
            stage: *stage,
            stays: stays[i],
            average_days: tenths(i128::from(stay_days[i]), i128::from(stays[i])),
        })
        .collect();
    let overdue_actions = by_due_day(late);
    Pipeline {
        as_of,
        currency: to,
        stages,
        missing_rates: missing,
        expected_by_quarter,
        period: period.label(),
        won,
        lost,
        conversion_percent: (won + lost > 0)
            .then(|| tenths(i128::from(won) * 100, i128::from(won + lost))),
        days_in_stage,
        overdue_actions,
    }
}

/// `late` (in id order) ordered by due day, ties kept in id order: counted into one slot
/// per day when the days span little more than there are actions (each action is then
/// written once, in place, rather than moved about by a sort), else sorted.
fn by_due_day(mut late: Vec<OverdueAction<'_>>) -> Vec<OverdueAction<'_>> {
    let (Some(first), Some(last)) = (
        late.iter().map(|a| a.due).min(),
        late.iter().map(|a| a.due).max(),
    ) else {
        return late;
    };
    let span = usize::try_from((last - first).num_days()).unwrap_or(usize::MAX);
    if span > 4 * late.len() + 1024 {
        late.sort_by_key(|a| a.due);
        return late;
    }
    let slot = |a: &OverdueAction<'_>| usize::try_from((a.due - first).num_days()).unwrap_or(0);
    // Where each day's actions start.
    let mut next = vec![0usize; span + 2];
    for a in &late {
        if let Some(n) = next.get_mut(slot(a) + 1) {
            *n += 1;
        }
    }
    for i in 1..next.len() {
        next[i] += next[i - 1];
    }
    let mut placed: Vec<Option<OverdueAction<'_>>> = vec![None; late.len()];
    for a in late {
        let Some(at) = next.get_mut(slot(&a)) else {
            continue;
        };
        if let Some(place) = placed.get_mut(*at) {
            *place = Some(a);
        }
        *at += 1;
    }
    placed.into_iter().flatten().collect()
}

/// Partners' places in `partners`, in a table indexed by their ids (`u32::MAX`, past the
/// end, for an id no partner has).
fn places_by_id(partners: &[Partner]) -> Vec<u32> {
    let mut places = Vec::new();
    for (k, p) in partners.iter().enumerate() {
        let (Ok(i), Ok(k)) = (usize::try_from(p.id.0), u32::try_from(k)) else {
            continue;
        };
        if i >= places.len() {
            places.resize(i + 1, u32::MAX);
        }
        if let Some(slot) = places.get_mut(i) {
            *slot = k;
        }
    }
    places
}

/// `num / den` to one decimal, half away from zero (`den` > 0).
fn tenths(num: i128, den: i128) -> Decimal {
    let scaled = (num * 20 + den) / (den * 2);
    Decimal::from_i128_with_scale(scaled, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OpportunityId, PartnerId, ThemeShare};

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2022, m, d).unwrap()
    }

    fn deal(id: i64, stage: Stage, minor: i64, currency: Currency) -> Opportunity {
        Opportunity {
            id: OpportunityId(id),
            reference: None,
            partner_id: PartnerId(1),
            title: format!("Deal {id}"),
            themes: vec![ThemeShare {
                theme: "cybersecurity".into(),
                percent_bp: 10_000,
            }],
            region: "africa".into(),
            ask: Some(Money::from_minor(minor, currency)),
            stage,
            probability_bp: None,
            expected_signing: Some(day(9, 1)),
            next_action: String::new(),
            next_action_due: None,
            owner: String::new(),
            reason: String::new(),
            agreement_id: None,
        }
    }

    fn change(id: i64, on: NaiveDate, from: Option<Stage>, to: Stage) -> StageChange {
        StageChange {
            opportunity_id: OpportunityId(id),
            on,
            from,
            to,
        }
    }

    #[test]
    fn stages_sum_per_currency_weigh_and_replay_the_history() {
        let eur: Currency = "EUR".parse().unwrap();
        let mut deals = vec![
            deal(1, Stage::Negotiation, 10_000_000, Currency::USD),
            deal(2, Stage::Negotiation, 5_000_000, eur),
            deal(3, Stage::Signed, 1_000_000, Currency::USD),
            deal(4, Stage::Contacted, 1_00, Currency::USD),
        ];
        deals[1].probability_bp = Some(3333);
        deals[0].next_action = "Call".into();
        deals[0].next_action_due = Some(day(5, 1));
        let changes = vec![
            change(1, day(1, 10), None, Stage::Identified),
            change(1, day(2, 9), Some(Stage::Identified), Stage::Negotiation),
            change(2, day(1, 1), None, Stage::Negotiation),
            change(3, day(1, 1), None, Stage::Pledged),
            change(3, day(3, 1), Some(Stage::Pledged), Stage::Signed),
            // Recorded after the day asked for: left out.
            change(4, day(7, 1), None, Stage::Contacted),
        ];
        let rates = RateTable::new(vec![]);
        let probabilities = StageProbabilities::default();
        let input = PipelineInput {
            deals: &deals,
            changes: &changes,
            partners: &[],
            rates: &rates,
            reporting: Currency::USD,
            probabilities: &probabilities,
        };
        let p = pipeline(&input, day(6, 1), &Period::year(2022).unwrap());
        let negotiation = &p.stages[Stage::Negotiation.index()];
        assert_eq!(negotiation.count, 2);
        assert_eq!(negotiation.nominal["USD"].to_string(), "100000.00");
        assert_eq!(negotiation.nominal["EUR"].to_string(), "50000.00");
        // No EUR rate: no total, and the rate is named.
        assert!(!negotiation.nominal.contains_key("total"));
        assert_eq!(p.missing_rates[0].currency, eur);
        assert_eq!(negotiation.weighted["USD"].to_string(), "60000.00");
        assert_eq!(negotiation.weighted["EUR"].to_string(), "16665.00");
        assert_eq!(p.stages[Stage::Contacted.index()].count, 0);
        assert_eq!((p.won, p.lost), (1, 0));
        assert_eq!(p.conversion_percent.unwrap().to_string(), "100.0");
        assert_eq!(p.overdue_actions[0].days_late, 31);
        let identified = &p.days_in_stage[0];
        assert_eq!((identified.stage, identified.stays), (Stage::Identified, 1));
        assert_eq!(identified.average_days.to_string(), "30.0");
        assert_eq!(
            p.expected_by_quarter["2022Q3"]["USD"].to_string(),
            "60000.00"
        );
    }

    #[test]
    fn overdue_actions_come_by_due_day_then_id_counted_or_sorted() {
        let deals: Vec<Opportunity> = (0..6)
            .map(|id| deal(id, Stage::Contacted, 1, Currency::USD))
            .collect();
        let action = |id: usize, due: NaiveDate| OverdueAction {
            deal: &deals[id],
            partner: None,
            due,
            days_late: 0,
        };
        let ids = |v: Vec<OverdueAction<'_>>| v.iter().map(|a| a.deal.id.0).collect::<Vec<_>>();
        let late = vec![
            action(1, day(5, 3)),
            action(2, day(5, 1)),
            action(3, day(5, 3)),
            action(4, day(5, 2)),
            action(5, day(5, 1)),
        ];
        assert_eq!(ids(by_due_day(late.clone())), [2, 5, 4, 1, 3]);
        // Days spread over centuries: sorted instead, in the same order.
        let mut far = late;
        far[0].due = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
        assert_eq!(ids(by_due_day(far)), [1, 2, 5, 4, 3]);
    }

    #[test]
    fn weighing_rounds_half_to_even() {
        assert_eq!(weigh(1, 5000), 0);
        assert_eq!(weigh(3, 5000), 2);
        assert_eq!(weigh(-3, 5000), -2);
        assert_eq!(weigh(100, 3333), 33);
        // Past 64 bits, the same rounding.
        assert_eq!(weigh(i64::MAX, 5000), i128::from(i64::MAX) / 2 + 1);
        assert_eq!(weigh(i64::MIN, 10_000), i128::from(i64::MIN));
    }
}
