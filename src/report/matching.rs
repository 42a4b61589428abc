//! Which funding partners to approach for a project idea: every prospect is scored against a
//! concept (themes, region, amount, deadline) by six factors, each with its points and the
//! evidence behind them, so the officer sees why a partner ranks where it does:
//!
//! | factor      | points | from |
//! |-------------|--------|------|
//! | themes      | 0–30   | the share of the concept's themes the partner funds |
//! | region      | 0–20   | 20 when it funds the region, 10 when it states no region |
//! | ticket      | 0–20   | 20 inside its min–max, 10 within half the min to twice the max, 5 unknown |
//! | window      | 0–15   | 15 for a call open before the deadline, 5 when it lists no call |
//! | past giving | 0–15   | signed agreements: 15 within 2 years, 10 within 5, 5 older |
//! | gates       | −25 each | a condition we do not meet |
//!
//! The amount is compared with a ticket in another currency at the rate of the day; without
//! one the ticket scores nothing and the missing rate is named. One pass over the prospects,
//! no allocation per prospect; the ranking is sorted once.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::{
    Currency, FundingWindow, Lang, ListKind, Money, PartnerId, Prospect, RateTable, ReferenceLists,
    Ticket,
};

use super::PartnerTotal;

/// A project idea to find funding for.
#[derive(Clone, Debug)]
pub struct Concept {
    /// Theme keys (at most 64).
    pub themes: Vec<String>,
    /// Region key.
    pub region: String,
    /// The amount needed.
    pub amount: Money,
    /// The deadline, if any: a call must open by then.
    pub by: Option<NaiveDate>,
}

/// What a ranking reads.
pub struct MatchInput<'a> {
    /// Every prospect.
    pub prospects: &'a [Prospect],
    /// Each partner's signed agreements, summed in the reporting currency.
    pub giving: &'a HashMap<PartnerId, PartnerTotal>,
    /// The ledger's rates.
    pub rates: &'a RateTable,
    /// The reporting currency (of `giving`).
    pub reporting: Currency,
}

/// How the amount needed compares with a partner's ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketFit {
    /// Between min and max.
    Inside,
    /// Outside, but within half the min to twice the max.
    Near,
    /// Further off.
    Outside,
    /// The partner's ticket is not known.
    Unknown,
    /// No rate converts the amount into the ticket's currency on the day.
    NoRate(Currency),
}

/// The evidence behind a factor's points.
#[derive(Clone, Copy, Debug)]
pub enum Evidence<'a> {
    /// The concept's themes the partner funds (bit i: theme i), of how many.
    Themes {
        /// Bit i set: the partner funds the concept's theme i.
        matched: u64,
        /// The concept's themes.
        wanted: usize,
    },
    /// Whether the partner funds the region, and whether it states regions at all.
    Region {
        /// It funds the concept's region.
        matched: bool,
        /// It states regions.
        listed: bool,
    },
    /// The partner's ticket and the amount in its currency.
    Ticket {
        /// How they compare.
        fit: TicketFit,
        /// The ticket.
        ticket: Option<Ticket>,
        /// The amount needed, in the ticket's currency.
        asked: Option<Money>,
    },
    /// The call open before the deadline that closes first, and how many the partner lists.
    Window {
        /// That call.
        open: Option<&'a FundingWindow>,
        /// Calls listed.
        listed: usize,
    },
    /// The partner's signed agreements.
    Giving(Option<&'a PartnerTotal>),
    /// Conditions not met and not known.
    Gates {
        /// Not met.
        failed: usize,
        /// Not known.
        unknown: usize,
    },
}

/// One factor of a prospect's score.
#[derive(Clone, Copy, Debug)]
pub struct Factor<'a> {
    /// Its name: `themes`, `region`, `ticket`, `window`, `past_giving`, `gates`.
    pub name: &'static str,
    /// The points it gives (negative for gates failed).
    pub points: i32,
    /// The most it can give.
    pub max: i32,
    /// Why.
    pub evidence: Evidence<'a>,
}

/// A prospect with its score and the factors that make it.
#[derive(Clone, Debug)]
pub struct Ranked<'a> {
    /// The prospect.
    pub prospect: &'a Prospect,
    /// The sum of the factors' points.
    pub score: i32,
    /// The six factors, in the table's order.
    pub factors: [Factor<'a>; 6],
    /// The profile was not checked within a year.
    pub stale: bool,
}

/// Every prospect of `input` scored against `concept` on `as_of`, best first (equal scores
/// by partner id), cut to the first `limit`.
pub fn rank<'a>(
    input: &MatchInput<'a>,
    concept: &Concept,
    as_of: NaiveDate,
    limit: usize,
) -> Vec<Ranked<'a>> {
    // The amount in each ticket currency, converted once.
    let mut asked: HashMap<Currency, Option<Money>> = HashMap::new();
    let mut factors_of = |p: &'a Prospect| {
        let in_ticket = |c: Currency| {
            *asked.entry(c).or_insert_with(|| {
                let rate = input.rates.rate_on(concept.amount.currency, c, as_of)?;
                concept.amount.convert(rate, c).ok()
            })
        };
        [
            themes(p, concept),
            region(p, concept),
            ticket(p, in_ticket),
            window(p, concept, as_of),
            giving(input.giving.get(&p.partner_id), as_of),
            gates(p),
        ]
    };
    // Scores first, kept small (the factors of every prospect would be tens of MB); the
    // factors again for those shown.
    let mut scores: Vec<(std::cmp::Reverse<i32>, PartnerId, usize)> = input
        .prospects
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let score = factors_of(p).iter().map(|f| f.points).sum();
            (std::cmp::Reverse(score), p.partner_id, i)
        })
        .collect();
    if scores.len() > limit {
        scores.select_nth_unstable(limit);
        scores.truncate(limit);
    }
    scores.sort_unstable();
    scores
        .into_iter()
        .filter_map(|(std::cmp::Reverse(score), _, i)| {
            let p = input.prospects.get(i)?;
            Some(Ranked {
                prospect: p,
                score,
                factors: factors_of(p),
                stale: p.is_stale(as_of),
            })
        })
        .collect()
}

fn themes<'a>(p: &Prospect, concept: &Concept) -> Factor<'a> {
    let mut matched = 0u64;
    for (i, t) in concept.themes.iter().enumerate().take(64) {
        if p.themes.contains(t) {
            matched |= 1 << i;
        }
    }
    let wanted = concept.themes.len().min(64);
    let points = match wanted {
        0 => 0,
        n => 30 * i32::try_from(matched.count_ones()).unwrap_or(0) / i32::try_from(n).unwrap_or(1),
    };
    Factor {
        name: "themes",
        points,
        max: 30,
        evidence: Evidence::Themes { matched, wanted },
    }
}

fn region<'a>(p: &Prospect, concept: &Concept) -> Factor<'a> {
    let matched = p.regions.contains(&concept.region);
    let listed = !p.regions.is_empty();
    Factor {
        name: "region",
        points: match (matched, listed) {
            (true, _) => 20,
            (false, false) => 10,
            (false, true) => 0,
        },
        max: 20,
        evidence: Evidence::Region { matched, listed },
    }
}

fn ticket<'a>(p: &Prospect, mut in_ticket: impl FnMut(Currency) -> Option<Money>) -> Factor<'a> {
    let (fit, asked) = match p.ticket {
        None => (TicketFit::Unknown, None),
        Some(t) => match in_ticket(t.min.currency) {
            None => (TicketFit::NoRate(t.min.currency), None),
            Some(a) => {
                let fit = if (t.min.minor..=t.max.minor).contains(&a.minor) {
                    TicketFit::Inside
                } else if a.minor >= t.min.minor / 2 && a.minor <= t.max.minor.saturating_mul(2) {
                    TicketFit::Near
                } else {
                    TicketFit::Outside
                };
                (fit, Some(a))
            }
        },
    };
    Factor {
        name: "ticket",
        points: match fit {
            TicketFit::Inside => 20,
            TicketFit::Near => 10,
            TicketFit::Unknown => 5,
            TicketFit::Outside | TicketFit::NoRate(_) => 0,
        },
        max: 20,
        evidence: Evidence::Ticket {
            fit,
            ticket: p.ticket,
            asked,
        },
    }
}

fn window<'a>(p: &'a Prospect, concept: &Concept, as_of: NaiveDate) -> Factor<'a> {
    let open = p
        .windows
        .iter()
        .filter(|w| w.closes >= as_of && concept.by.is_none_or(|by| w.opens <= by))
        .min_by_key(|w| w.closes);
    let points = match (open, p.windows.is_empty()) {
        (Some(_), _) => 15,
        (None, true) => 5,
        (None, false) => 0,
    };
    Factor {
        name: "window",
        points,
        max: 15,
        evidence: Evidence::Window {
            open,
            listed: p.windows.len(),
        },
    }
}

fn giving(total: Option<&PartnerTotal>, as_of: NaiveDate) -> Factor<'_> {
    let points = match total.and_then(|t| t.last_signed) {
        None => 0,
        Some(last) => match (as_of - last).num_days() {
            ..=730 => 15,
            731..=1826 => 10,
            _ => 5,
        },
    };
    Factor {
        name: "past_giving",
        points,
        max: 15,
        evidence: Evidence::Giving(total),
    }
}

fn gates<'a>(p: &Prospect) -> Factor<'a> {
    let failed = p.gates.iter().filter(|g| g.met == Some(false)).count();
    let unknown = p.gates.iter().filter(|g| g.met.is_none()).count();
    Factor {
        name: "gates",
        points: -25 * i32::try_from(failed).unwrap_or(i32::MAX / 25),
        max: 0,
        evidence: Evidence::Gates { failed, unknown },
    }
}

impl Factor<'_> {
    /// The factor told in a sentence, in `lang`: what the partner funds, gives, opens.
    pub fn why(
        &self,
        concept: &Concept,
        prospect: &Prospect,
        lists: &ReferenceLists,
        reporting: Currency,
        lang: Lang,
    ) -> String {
        let zh = lang == Lang::Zh;
        let label = |kind, key: &str| lists.label(kind, key, lang).to_string();
        match self.evidence {
            Evidence::Themes { matched, wanted } => {
                let names: Vec<String> = concept
                    .themes
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| matched & (1 << i) != 0)
                    .map(|(_, t)| label(ListKind::Theme, t))
                    .collect();
                let n = matched.count_ones();
                match (zh, n) {
                    (false, 0) => format!("funds none of the {wanted} themes"),
                    (false, _) => format!("funds {n} of {wanted} themes: {}", names.join(", ")),
                    (true, 0) => format!("不资助所需 {wanted} 个专题中的任何一个"),
                    (true, _) => {
                        format!("资助所需 {wanted} 个专题中的 {n} 个：{}", names.join("、"))
                    }
                }
            }
            Evidence::Region { matched, listed } => {
                let r = label(ListKind::Region, &concept.region);
                let theirs: Vec<String> = prospect
                    .regions
                    .iter()
                    .map(|k| label(ListKind::Region, k))
                    .collect();
                match (zh, matched, listed) {
                    (false, true, _) => format!("funds {r}"),
                    (false, false, false) => "states no regional priority".into(),
                    (false, false, true) => format!("funds {}, not {r}", theirs.join(", ")),
                    (true, true, _) => format!("资助{r}"),
                    (true, false, false) => "未说明区域重点".into(),
                    (true, false, true) => format!("资助{}，不含{r}", theirs.join("、")),
                }
            }
            Evidence::Ticket { fit, ticket, asked } => {
                let range = ticket
                    .map(|t| format!("{} – {}", t.min, t.max))
                    .unwrap_or_default();
                let asked = asked.map(|a| a.to_string()).unwrap_or_default();
                match (zh, fit) {
                    (false, TicketFit::Inside) => format!("{asked} is inside its ticket ({range})"),
                    (false, TicketFit::Near) => format!("{asked} is near its ticket ({range})"),
                    (false, TicketFit::Outside) => {
                        format!("{asked} is far from its ticket ({range})")
                    }
                    (false, TicketFit::Unknown) => "its ticket size is not known".into(),
                    (false, TicketFit::NoRate(c)) => format!(
                        "no {}/{} rate on the day to compare with its ticket ({range})",
                        concept.amount.currency, c
                    ),
                    (true, TicketFit::Inside) => format!("{asked} 在其资助额度内（{range}）"),
                    (true, TicketFit::Near) => format!("{asked} 接近其资助额度（{range}）"),
                    (true, TicketFit::Outside) => format!("{asked} 远离其资助额度（{range}）"),
                    (true, TicketFit::Unknown) => "资助额度未知".into(),
                    (true, TicketFit::NoRate(c)) => format!(
                        "当日没有 {}/{} 汇率，无法与其额度（{range}）比较",
                        concept.amount.currency, c
                    ),
                }
            }
            Evidence::Window { open, listed } => match (zh, open) {
                (false, Some(w)) => format!("{} is open {} – {}", w.name, w.opens, w.closes),
                (false, None) if listed == 0 => "lists no call (proposals at any time?)".into(),
                (false, None) if listed == 1 => {
                    "its one call is not open before the deadline".into()
                }
                (false, None) => format!("none of its {listed} calls is open before the deadline"),
                (true, Some(w)) => format!("{} 开放：{} 至 {}", w.name, w.opens, w.closes),
                (true, None) if listed == 0 => "未列出征集窗口".into(),
                (true, None) => format!("其 {listed} 个征集窗口均不在截止日期前开放"),
            },
            Evidence::Giving(total) => match (zh, total) {
                (false, None) => "no agreement signed with us".into(),
                (true, None) => "未与我们签署过协议".into(),
                (_, Some(t)) => {
                    let sum = i64::try_from(t.amount_minor).map_or_else(
                        |_| "-".into(),
                        |m| Money::from_minor(m, reporting).to_string(),
                    );
                    let last = t.last_signed.map(|d| d.to_string()).unwrap_or_default();
                    if zh {
                        format!("已签署 {} 份协议，共 {sum}，最近一份 {last}", t.signed)
                    } else {
                        let noun = if t.signed == 1 {
                            "agreement"
                        } else {
                            "agreements"
                        };
                        format!(
                            "{} {noun} signed with us, {sum} in all, the latest on {last}",
                            t.signed
                        )
                    }
                }
            },
            Evidence::Gates { unknown, .. } => {
                let failed: Vec<&str> = prospect
                    .gates
                    .iter()
                    .filter(|g| g.met == Some(false))
                    .map(|g| g.statement.as_str())
                    .collect();
                match (zh, failed.is_empty()) {
                    (false, true) => format!("no condition failed ({unknown} not known)"),
                    (false, false) => {
                        format!("not met: {} ({unknown} not known)", failed.join("; "))
                    }
                    (true, true) => format!("无不满足的条件（{unknown} 项未知）"),
                    (true, false) => format!("不满足：{}（{unknown} 项未知）", failed.join("；")),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{ExchangeRate, Gate};
    use rust_decimal::Decimal;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn prospect(id: i64) -> Prospect {
        Prospect {
            partner_id: PartnerId(id),
            themes: vec![],
            regions: vec![],
            keywords: vec![],
            excluded_countries: vec![],
            ticket: None,
            windows: vec![],
            gates: vec![],
            owner: String::new(),
            contacts: vec![],
            source: String::new(),
            verified_on: Some(day("2021-01-01")),
        }
    }

    #[test]
    fn each_factor_gives_its_points_and_the_ranking_follows_them() {
        let usd = Currency::USD;
        let eur: Currency = "EUR".parse().unwrap();
        let money = |n: i64, c| Money::from_minor(n * 100, c);
        let fit = Prospect {
            themes: vec!["cyber".into(), "inclusion".into()],
            regions: vec!["africa".into()],
            ticket: Some(Ticket {
                min: money(100_000, eur),
                typical: money(400_000, eur),
                max: money(1_000_000, eur),
            }),
            windows: vec![FundingWindow {
                name: "Call".into(),
                opens: day("2021-03-01"),
                closes: day("2021-06-30"),
                url: String::new(),
            }],
            ..prospect(1)
        };
        let half = Prospect {
            themes: vec!["cyber".into()],
            regions: vec!["europe".into()],
            gates: vec![Gate {
                statement: "LDCs only".into(),
                met: Some(false),
            }],
            ..prospect(2)
        };
        let prospects = vec![half, fit, prospect(3)];
        let mut giving = HashMap::new();
        giving.insert(
            PartnerId(1),
            PartnerTotal {
                signed: 2,
                financial: 2,
                amount_minor: 50_000_000,
                last_signed: Some(day("2020-05-01")),
            },
        );
        let rates = RateTable::new(vec![ExchangeRate {
            currency: eur,
            quote: usd,
            valid_from: day("2021-01-01"),
            rate: Decimal::new(12, 1),
        }]);
        let input = MatchInput {
            prospects: &prospects,
            giving: &giving,
            rates: &rates,
            reporting: usd,
        };
        let concept = Concept {
            themes: vec!["cyber".into(), "inclusion".into()],
            region: "africa".into(),
            amount: money(600_000, usd),
            by: Some(day("2021-05-01")),
        };
        let ranked = rank(&input, &concept, day("2021-04-01"), 10);
        let points = |r: &Ranked<'_>| r.factors.map(|f| f.points);
        assert_eq!(ranked[0].prospect.partner_id, PartnerId(1));
        // USD 600,000 is EUR 500,000 at 1.2: inside EUR 100,000 – 1,000,000.
        assert_eq!(points(&ranked[0]), [30, 20, 20, 15, 15, 0]);
        assert_eq!(ranked[0].score, 100);
        assert_eq!(ranked[1].prospect.partner_id, PartnerId(3));
        assert_eq!(points(&ranked[1]), [0, 10, 5, 5, 0, 0]);
        assert_eq!(points(&ranked[2]), [15, 0, 5, 5, 0, -25]);
        assert_eq!(ranked[2].score, 0);
        let lists = ReferenceLists::defaults();
        let why = ranked[0].factors[2].why(&concept, ranked[0].prospect, &lists, usd, Lang::En);
        assert!(why.contains("EUR 500,000.00"), "{why}");
        assert!(
            ranked[2].factors[5]
                .why(&concept, ranked[2].prospect, &lists, usd, Lang::En)
                .contains("LDCs only")
        );
        // Without the rate the ticket cannot be compared, and says so.
        let no_rates = RateTable::new(vec![]);
        let input = MatchInput {
            rates: &no_rates,
            ..input
        };
        let ranked = rank(&input, &concept, day("2021-04-01"), 1);
        assert_eq!(ranked.len(), 1);
        assert_eq!(ranked[0].factors[2].points, 0);
        let why = ranked[0].factors[2].why(&concept, ranked[0].prospect, &lists, usd, Lang::En);
        assert!(why.contains("no USD/EUR rate"), "{why}");
    }
}
