//! Shared by the benchmarks: a deterministic ledger generator and a timer.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    reason = "benchmark support: fails loudly"
)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use pledger::domain::Stage;
use pledger::ledger::Ledger;
use rusqlite::params;

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(std::hint::black_box(f()));
        times.push(start.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

/// A deterministic generator (xorshift), so every run measures the same ledger.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

pub fn generate(ledger: &mut Ledger, rows: usize) {
    pledger::import::load_sample(ledger).expect("sample");
    let lists = ledger.reference_lists().expect("lists");
    let partners: Vec<i64> = ledger
        .partners()
        .expect("partners")
        .iter()
        .map(|p| p.id.0)
        .collect();
    let regions: Vec<String> = lists.regions.iter().map(|e| e.key.clone()).collect();
    let themes: Vec<String> = lists.themes.iter().map(|e| e.key.clone()).collect();
    let conn = ledger.connection();
    conn.execute_batch("BEGIN").expect("begin");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    {
        let mut insert = conn
            .prepare(
                "INSERT INTO agreement (title, partner_id, signed_on, status, amount_minor, currency, own_minor, own_currency, region)
                 VALUES ('generated', ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .expect("prepare");
        let mut theme = conn
            .prepare(
                "INSERT INTO agreement_theme (agreement_id, theme, percent_bp) VALUES (?1, ?2, ?3)",
            )
            .expect("prepare");
        for _ in 0..rows {
            let day = chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap()
                + chrono::Duration::days(rng.below(9000) as i64);
            let status = match rng.below(20) {
                0 => "draft",
                1 => "cancelled",
                _ => "signed",
            };
            let financial = rng.below(4) != 0;
            let currency = if rng.below(10) == 0 { "EUR" } else { "USD" };
            let amount = financial.then(|| (rng.below(5_000_000) as i64 + 1) * 100);
            let own = amount.map(|a| a / 4);
            insert
                .execute(params![
                    partners[rng.below(partners.len() as u64) as usize],
                    day.to_string(),
                    status,
                    amount,
                    amount.map(|_| currency),
                    own,
                    own.map(|_| "USD"),
                    regions[rng.below(regions.len() as u64) as usize],
                ])
                .expect("insert");
            let id = conn.last_insert_rowid();
            let first = rng.below(themes.len() as u64) as usize;
            if rng.below(4) == 0 {
                let second =
                    (first + 1 + rng.below(themes.len() as u64 - 1) as usize) % themes.len();
                theme
                    .execute(params![id, themes[first], 6000])
                    .expect("theme");
                theme
                    .execute(params![id, themes[second], 4000])
                    .expect("theme");
            } else {
                theme
                    .execute(params![id, themes[first], 10000])
                    .expect("theme");
            }
        }
    }
    conn.execute_batch("COMMIT; ANALYZE;").expect("commit");
}

/// Runs `ours` and `theirs` (the baseline) alternately `runs` times and prints, as `what`,
/// the median time of each, the ratio of every pair (theirs / ours) and their median, with
/// the `goals`. Each closure checks its own answer.
#[allow(
    clippy::float_arithmetic,
    clippy::print_stdout,
    reason = "a benchmark prints ratios"
)]
pub fn versus(
    what: &str,
    runs: usize,
    goals: &str,
    mut ours: impl FnMut(),
    mut theirs: impl FnMut(),
) {
    let (mut a, mut b, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        ours();
        let ours_time = t.elapsed();
        let t = Instant::now();
        theirs();
        let theirs_time = t.elapsed();
        a.push(ours_time);
        b.push(theirs_time);
        ratios.push(theirs_time.as_secs_f64() / ours_time.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let shown: Vec<f64> = ratios.iter().map(|r| (r * 10.0).round() / 10.0).collect();
    println!(
        "{what} (median of {runs}, alternating): pledger {:.2} ms, SQL {:.1} ms; SQL / pledger ratios {shown:?} -> median {:.1}x (goals: {goals})",
        ms(median(a)),
        ms(median(b)),
        ratios[ratios.len() / 2]
    );
}

/// `partners` partners and `deals` deals over them, written straight in SQL, in USD, EUR
/// and CHF, each with one to seven stage changes along the road (some then lost or on
/// hold), a fifth with a typed probability: a deal starts within `start_days` days of
/// 2019-01-01 and waits up to `gap_days` days between moves. Returns the stage changes
/// written.
pub fn generate_deals(
    ledger: &Ledger,
    partners: usize,
    deals: usize,
    start_days: u64,
    gap_days: u64,
) -> usize {
    let conn = ledger.connection();
    conn.execute_batch("BEGIN").expect("begin");
    let mut rng = Rng(0x853C_49E6_748F_EA9B);
    let mut changes = 0;
    {
        let mut partner = conn
            .prepare("INSERT INTO partner (name, partner_type) VALUES (?1, 'government')")
            .expect("prepare");
        for i in 0..partners {
            partner
                .execute([format!("Generated partner {i}")])
                .expect("partner");
        }
        let first: i64 = conn
            .query_row(
                "SELECT min(id) FROM partner WHERE name LIKE 'Generated%'",
                [],
                |r| r.get(0),
            )
            .expect("first");
        let mut deal = conn
            .prepare(
                "INSERT INTO opportunity (partner_id, title, themes, region, ask_minor, currency, stage, probability_bp, expected_signing, next_action, next_action_due, owner)
                 VALUES (?1, ?2, '[{\"theme\":\"cybersecurity\",\"percent_bp\":10000}]', 'africa', ?3, ?4, ?5, ?6, ?7, 'Follow up', ?8, ?9)",
            )
            .expect("prepare");
        let mut change = conn
            .prepare("INSERT INTO stage_change (opportunity_id, on_day, from_stage, to_stage) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        let currencies = ["USD", "EUR", "CHF"];
        let owners = ["Amina", "Li", "Sofía", "Jonas"];
        let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        for n in 0..deals {
            let steps = 1 + rng.below(7) as usize;
            let mut path: Vec<Stage> = Stage::ALL[..steps].to_vec();
            if steps < 7 {
                match rng.below(6) {
                    0 => path.push(Stage::Lost),
                    1 => path.push(Stage::OnHold),
                    _ => {}
                }
            }
            let stage = *path.last().unwrap();
            let typed = (rng.below(5) == 0).then(|| rng.below(10_001) as i64);
            let mut day = start + chrono::Duration::days(rng.below(start_days) as i64);
            let expected = day + chrono::Duration::days(rng.below(700) as i64);
            let due = day + chrono::Duration::days(rng.below(900) as i64);
            deal.execute(params![
                first + rng.below(partners as u64) as i64,
                format!("Generated deal {n}"),
                (1 + rng.below(5_000_000)) as i64 * 100,
                currencies[rng.below(3) as usize],
                stage.as_str(),
                typed,
                expected.to_string(),
                due.to_string(),
                owners[rng.below(4) as usize],
            ])
            .expect("deal");
            let id = conn.last_insert_rowid();
            let mut from: Option<Stage> = None;
            for s in path {
                change
                    .execute(params![
                        id,
                        day.to_string(),
                        from.map(Stage::as_str),
                        s.as_str()
                    ])
                    .expect("change");
                from = Some(s);
                changes += 1;
                day += chrono::Duration::days(1 + rng.below(gap_days) as i64);
            }
        }
    }
    conn.execute_batch(
        "INSERT INTO exchange_rate (currency, quote, valid_from, rate) VALUES
             ('EUR', 'USD', '2018-01-01', '1.18'), ('CHF', 'USD', '2018-01-01', '1.07')
         ON CONFLICT DO NOTHING;
         COMMIT; ANALYZE;",
    )
    .expect("commit");
    changes
}
