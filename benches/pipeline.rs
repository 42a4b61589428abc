//! Pipeline benchmark: a generated ledger of 50,000 partners and 100,000 deals (USD, EUR,
//! CHF; each with one to seven stage changes along the road, some lost or on hold, a fifth
//! with a typed probability); measures, in one run, the pipeline of a day computed by
//! Pledger (`report::pipeline`, from the rows read once) against the same figures by SQL
//! GROUP BY over the same tables (stage on the day from the history, count, nominal and
//! weighted per stage and currency, weighted by expected quarter, won and lost in the
//! quarter, days per stage), alternating. Run with `cargo bench --bench pipeline`
//! (`PLEDGER_BENCH_ROWS` changes the number of deals). Then one funding partner's profile
//! for each partner (50,000), and the ranking of them all for a project idea
//! (`report::rank`, the best 20), timed alone: its goal is absolute.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::float_arithmetic,
    clippy::print_stdout,
    reason = "a benchmark: fails loudly, prints ratios"
)]

use std::time::Instant;

use chrono::NaiveDate;
use std::collections::HashMap;

use pledger::domain::{Currency, FundingWindow, Gate, Money, PartnerId, Period, Prospect, Ticket};
use pledger::ledger::Ledger;
use pledger::report::{Concept, MatchInput, PartnerTotal, PipelineInput, pipeline, rank};
use rusqlite::params;

mod common;
use common::{Rng, generate_deals, versus};

/// One funding partner's profile for each of the first `count` generated partners: two to
/// four of six themes, one to three of seven regions, a ticket in USD, EUR or CHF, up to
/// three calls, up to two gates; stored as the ledger stores them.
fn generate_prospects(ledger: &Ledger, count: usize) {
    let conn = ledger.connection();
    let themes = ledger.reference_lists().expect("lists").themes;
    let regions = ledger.reference_lists().expect("lists").regions;
    let first: i64 = conn
        .query_row(
            "SELECT min(id) FROM partner WHERE name LIKE 'Generated%'",
            [],
            |r| r.get(0),
        )
        .expect("first");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let start = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut insert = conn
            .prepare("INSERT INTO prospect (partner_id, profile) VALUES (?1, ?2)")
            .expect("prepare");
        for i in 0..count {
            let pick = |rng: &mut Rng, keys: &[String], n: usize| -> Vec<String> {
                (0..n)
                    .map(|_| keys[rng.below(keys.len() as u64) as usize].clone())
                    .collect()
            };
            let theme_keys: Vec<String> = themes.iter().map(|e| e.key.clone()).collect();
            let region_keys: Vec<String> = regions.iter().map(|e| e.key.clone()).collect();
            let n = 2 + rng.below(3) as usize;
            let mut t = pick(&mut rng, &theme_keys, n);
            t.dedup();
            let n = 1 + rng.below(3) as usize;
            let mut r = pick(&mut rng, &region_keys, n);
            r.dedup();
            let currency: Currency = ["USD", "EUR", "CHF"][rng.below(3) as usize]
                .parse()
                .unwrap();
            let min = (1 + rng.below(50)) as i64 * 10_000_000;
            let max = min * (2 + rng.below(20)) as i64;
            let windows = (0..rng.below(4))
                .map(|w| {
                    let opens = start + chrono::Duration::days(rng.below(900) as i64);
                    FundingWindow {
                        name: format!("Call {w}"),
                        opens,
                        closes: opens + chrono::Duration::days(30 + rng.below(120) as i64),
                        url: String::new(),
                    }
                })
                .collect();
            let gates = (0..rng.below(3))
                .map(|g| Gate {
                    statement: format!("Condition {g}"),
                    met: [Some(true), Some(false), None][rng.below(3) as usize],
                })
                .collect();
            let p = Prospect {
                partner_id: PartnerId(first + i as i64),
                themes: t,
                regions: r,
                keywords: vec!["broadband".into()],
                excluded_countries: vec![],
                ticket: Some(Ticket {
                    min: Money::from_minor(min, currency),
                    typical: Money::from_minor((min + max) / 2, currency),
                    max: Money::from_minor(max, currency),
                }),
                windows,
                gates,
                owner: "Officer".into(),
                contacts: vec![],
                source: "generated".into(),
                verified_on: Some(start + chrono::Duration::days(rng.below(700) as i64)),
            };
            insert
                .execute(params![p.partner_id.0, serde_json::to_string(&p).unwrap()])
                .expect("prospect");
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
}

/// The same figures by SQL: the stage on the day from the history, per stage and currency
/// the count, nominal and weighted; weighted by expected quarter; won and lost in the
/// period; days per stage.
fn sql_pipeline(ledger: &Ledger, as_of: &str, from: &str, to: &str) -> usize {
    let conn = ledger.connection();
    let defaults = "CASE l.to_stage WHEN 'identified' THEN 500 WHEN 'contacted' THEN 1000 WHEN 'concept_note' THEN 2000 WHEN 'proposal_submitted' THEN 4000 WHEN 'negotiation' THEN 6000 WHEN 'pledged' THEN 8000 WHEN 'signed' THEN 10000 WHEN 'on_hold' THEN 1000 ELSE 0 END";
    let last = "WITH last AS (SELECT opportunity_id, to_stage, max(id) FROM stage_change WHERE on_day <= ?1 GROUP BY opportunity_id)";
    let stages = format!(
        "{last} SELECT l.to_stage, o.currency, count(*), sum(o.ask_minor),
                sum(o.ask_minor * coalesce(o.probability_bp, {defaults}) / 10000)
         FROM last l JOIN opportunity o ON o.id = l.opportunity_id GROUP BY 1, 2"
    );
    let quarters = format!(
        "{last} SELECT substr(o.expected_signing, 1, 4) || 'Q' || ((cast(substr(o.expected_signing, 6, 2) AS INTEGER) + 2) / 3),
                o.currency, sum(o.ask_minor * coalesce(o.probability_bp, {defaults}) / 10000)
         FROM last l JOIN opportunity o ON o.id = l.opportunity_id
         WHERE l.to_stage NOT IN ('signed', 'lost', 'declined') AND o.expected_signing IS NOT NULL GROUP BY 1, 2"
    );
    let won_lost = "SELECT to_stage, count(*) FROM stage_change WHERE on_day BETWEEN ?2 AND ?3 AND to_stage IN ('signed', 'lost', 'declined') GROUP BY 1";
    let days = "SELECT to_stage, count(*), avg(next_day - julianday(on_day)) FROM (
                    SELECT to_stage, on_day, julianday(lead(on_day) OVER (PARTITION BY opportunity_id ORDER BY id)) AS next_day
                    FROM stage_change WHERE on_day <= ?1) WHERE next_day IS NOT NULL GROUP BY 1";
    let mut n = 0;
    for sql in [stages.as_str(), quarters.as_str()] {
        let mut stmt = conn.prepare_cached(sql).expect("prepare");
        n += stmt
            .query_map([as_of], |r| r.get::<_, String>(0))
            .expect("query")
            .count();
    }
    let mut stmt = conn.prepare_cached(won_lost).expect("prepare");
    n += stmt
        .query_map(params![as_of, from, to], |r| r.get::<_, String>(0))
        .expect("query")
        .count();
    let mut stmt = conn.prepare_cached(days).expect("prepare");
    n += stmt
        .query_map([as_of], |r| r.get::<_, String>(0))
        .expect("query")
        .count();
    n
}

fn main() {
    let deals: usize = std::env::var("PLEDGER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let partners = deals / 2;
    let dir = tempfile::tempdir().expect("dir");
    let ledger = Ledger::open(&dir.path().join("pipeline.sqlite3")).expect("ledger");
    let t = Instant::now();
    let changes = generate_deals(&ledger, partners, deals, 1000, 90);
    println!(
        "generated {partners} partners, {deals} deals and {changes} stage changes in {:.1?}",
        t.elapsed()
    );

    let t = Instant::now();
    let opportunities = ledger.opportunities().expect("deals");
    let history = ledger.stage_changes().expect("changes");
    let all_partners = ledger.partners().expect("partners");
    let rates = ledger.rates().expect("rates");
    let probabilities = ledger.stage_probabilities().expect("probabilities");
    println!("reading the rows: {:.0?}", t.elapsed());
    let input = PipelineInput {
        deals: &opportunities,
        changes: &history,
        partners: &all_partners,
        rates: &rates,
        reporting: ledger.reporting_currency().expect("currency"),
        probabilities: &probabilities,
    };
    let as_of = NaiveDate::from_ymd_opt(2021, 6, 30).unwrap();
    let quarter = Period::quarter(2021, 2).unwrap();
    if std::env::var("ONLY").is_ok() {
        let t = Instant::now();
        for _ in 0..300 {
            std::hint::black_box(pipeline(&input, as_of, &quarter));
        }
        println!("SCRATCH {:?}", t.elapsed() / 300);
        return;
    }
    let t = Instant::now();
    generate_prospects(&ledger, partners);
    let t_read = Instant::now();
    let prospects = ledger.prospects().expect("prospects");
    println!(
        "generated {} prospects in {:.1?}; read in {:.0?}",
        prospects.len(),
        t_read - t,
        t_read.elapsed()
    );
    // A third of the partners gave before, the latest in the last four years.
    let mut rng = Rng(7);
    let giving: HashMap<PartnerId, PartnerTotal> = all_partners
        .iter()
        .filter_map(|p| {
            if rng.below(3) != 0 {
                return None;
            }
            let last = NaiveDate::from_ymd_opt(2017, 7, 1).unwrap()
                + chrono::Duration::days(rng.below(1460) as i64);
            let total = PartnerTotal {
                signed: 1 + rng.below(9),
                financial: 1,
                amount_minor: i128::from(1 + rng.below(90_000)) * 100_000,
                last_signed: Some(last),
            };
            Some((p.id, total))
        })
        .collect();
    let lists = ledger.reference_lists().expect("lists");
    let match_input = MatchInput {
        prospects: &prospects,
        giving: &giving,
        rates: &rates,
        reporting: input.reporting,
    };
    let concept = Concept {
        themes: lists.themes.iter().take(2).map(|e| e.key.clone()).collect(),
        region: lists.regions[0].key.clone(),
        amount: Money::from_minor(50_000_000, Currency::USD),
        by: NaiveDate::from_ymd_opt(2021, 9, 30),
    };
    let mut times = Vec::new();
    for _ in 0..9 {
        let t = Instant::now();
        let ranked = std::hint::black_box(rank(&match_input, &concept, as_of, 20));
        times.push(t.elapsed());
        assert_eq!(ranked.len(), 20);
        assert!(ranked[0].score >= ranked[19].score);
    }
    times.sort();
    println!(
        "match ranking of {} prospects (median of 9): {:.2} ms, fastest {:.2} ms, slowest {:.2} ms (goal <= 20 ms)",
        prospects.len(),
        times[4].as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[8].as_secs_f64() * 1000.0
    );
    versus(
        "pipeline on 2021-06-30",
        7,
        "<= 10 ms, >= 20x",
        || {
            let p = std::hint::black_box(pipeline(&input, as_of, &quarter));
            assert!(p.stages.iter().any(|s| s.count > 0));
        },
        || {
            let n = sql_pipeline(&ledger, "2021-06-30", "2021-04-01", "2021-06-30");
            assert!(std::hint::black_box(n) > 0);
        },
    );
}
