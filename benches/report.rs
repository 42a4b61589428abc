//! Report engine benchmark: a generated ledger of 1,000,000 agreements; measures, in one
//! run, loading the snapshot, a full recompute of every report figure, and the same figures
//! computed by SQL `GROUP BY` as the baseline. Run with `cargo bench --bench report`
//! (`PLEDGER_BENCH_ROWS` changes the size; `PLEDGER_BENCH_LEDGER=FILE` keeps the generated
//! ledger there, and measures it again on the next run without generating it).

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

use pledger::domain::Period;
use pledger::ledger::Ledger;
use pledger::report::Snapshot;
use rusqlite::params;

mod common;
use common::{generate, time};

/// The same figures by SQL GROUP BY (EUR converted at one rate in SQL).
fn sql_report(ledger: &Ledger, period: &Period) -> (i64, i64, i64, Vec<(String, i64)>) {
    let conn = ledger.connection();
    let (from, to) = (period.from.to_string(), period.to.to_string());
    let usd = "CASE WHEN a.currency = 'USD' THEN a.amount_minor ELSE CAST(round(a.amount_minor * 1.22) AS INTEGER) END";
    let (signed, financial, total): (i64, i64, i64) = conn
        .query_row(
            &format!("SELECT count(*), count(a.amount_minor), coalesce(sum({usd}), 0) FROM agreement a WHERE a.status = 'signed' AND a.signed_on BETWEEN ?1 AND ?2"),
            params![from, to],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("totals");
    let mut groups = Vec::new();
    for sql in [
        "SELECT 'own', coalesce(sum(a.own_minor), 0) FROM agreement a WHERE a.status = 'signed' AND a.amount_minor IS NOT NULL AND a.signed_on BETWEEN ?1 AND ?2".to_string(),
        format!(
            "SELECT p.partner_type, sum({usd}) FROM agreement a JOIN partner p ON p.id = a.partner_id WHERE a.status = 'signed' AND a.amount_minor IS NOT NULL AND a.signed_on BETWEEN ?1 AND ?2 GROUP BY p.partner_type"
        ),
        format!(
            "SELECT a.region, sum({usd}) FROM agreement a WHERE a.status = 'signed' AND a.amount_minor IS NOT NULL AND a.signed_on BETWEEN ?1 AND ?2 GROUP BY a.region"
        ),
        format!(
            "SELECT t.theme, sum({usd} * t.percent_bp / 10000) FROM agreement a JOIN agreement_theme t ON t.agreement_id = a.id WHERE a.status = 'signed' AND a.amount_minor IS NOT NULL AND a.signed_on BETWEEN ?1 AND ?2 GROUP BY t.theme"
        ),
        format!(
            "SELECT a.partner_id, sum({usd}) AS s FROM agreement a WHERE a.status = 'signed' AND a.amount_minor IS NOT NULL AND a.signed_on BETWEEN ?1 AND ?2 GROUP BY a.partner_id ORDER BY s DESC LIMIT 3"
        ),
    ] {
        let mut stmt = conn.prepare_cached(&sql).expect("prepare");
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok((
                    r.get::<_, rusqlite::types::Value>(0)
                        .map(|v| format!("{v:?}"))?,
                    r.get::<_, i64>(1)?,
                ))
            })
            .expect("query");
        groups.extend(rows.map(|r| r.expect("row")));
    }
    (signed, financial, total, groups)
}

fn main() {
    let rows: usize = std::env::var("PLEDGER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    // `PLEDGER_BENCH_LEDGER=F` keeps the generated ledger in F and reuses it when there.
    let path = std::env::var_os("PLEDGER_BENCH_LEDGER").map_or_else(
        || dir.path().join("bench.sqlite3"),
        std::path::PathBuf::from,
    );
    if !path.exists() {
        let mut ledger = Ledger::open(&path).expect("ledger");
        let gen_start = Instant::now();
        generate(&mut ledger, rows);
        ledger
            .connection()
            .execute(
                "INSERT INTO exchange_rate VALUES ('EUR', 'USD', '1990-01-01', '1.22')",
                [],
            )
            .expect("rate");
        println!(
            "generated {rows} agreements (+ the sample) in {:.1?}",
            gen_start.elapsed()
        );
    }
    // Measure the ledger as the app finds it: opened afresh, its write-ahead log folded in.
    let ledger = Ledger::open(&path).expect("reopen");
    let (load, snapshot) = time(3, || Snapshot::load(&ledger).expect("snapshot"));
    let bytes = snapshot.agreement_bytes() as f64 / snapshot.len() as f64;
    let all = Period::parse("2000-01-01..2025-12-31").expect("period");
    let year = Period::parse("2010").expect("period");
    let (recompute_all, report) = time(21, || snapshot.report(&all, 3).expect("report"));
    let (recompute_year, _) = time(51, || snapshot.report(&year, 3).expect("report"));
    let (sql_all, baseline) = time(3, || sql_report(&ledger, &all));
    let (sql_year, _) = time(5, || sql_report(&ledger, &year));
    assert_eq!(
        report.agreements_signed as i64, baseline.0,
        "both count the same agreements"
    );
    assert_eq!(report.agreements_financial as i64, baseline.1);

    println!(
        "snapshot: {} signed agreements, load {:.1?} (goal < 1 s), {bytes:.1} bytes per agreement (goal <= 40)",
        snapshot.len(),
        load
    );

    // Opening the ledger again to its first report, as the app and `pledger report` do:
    // from the snapshot file kept at the last exit, and, for comparison, without it.
    let cache = dir.path().join("snapshot.bin");
    let (kept, _) = Snapshot::load_cached(&ledger, &cache).expect("snapshot");
    kept.store(&cache).expect("store the snapshot");
    drop(ledger);
    let q1 = Period::parse("2021Q1").expect("period");
    let mut cached = Vec::new();
    let mut uncached = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let ledger = Ledger::open(&path).expect("open");
        let (s, from_file) = Snapshot::load_cached(&ledger, &cache).expect("snapshot");
        assert!(from_file);
        std::hint::black_box(s.report(&q1, 3).expect("report"));
        cached.push(t.elapsed());
        drop((s, ledger));
        let t = Instant::now();
        let ledger = Ledger::open(&path).expect("open");
        let s = Snapshot::load(&ledger).expect("snapshot");
        std::hint::black_box(s.report(&q1, 3).expect("report"));
        uncached.push(t.elapsed());
    }
    cached.sort();
    uncached.sort();
    println!(
        "open to a computed report (median of 5, alternating): {:.0?} from the kept snapshot (goal <= 0.4 s), {:.0?} reading every agreement",
        cached[2], uncached[2]
    );
    println!(
        "full recompute, all {} years: {:.2?} (goal < 10 ms); SQL GROUP BY baseline {:.1?}; ratio {:.0}x (goal >= 20x)",
        26,
        recompute_all,
        sql_all,
        sql_all.as_secs_f64() / recompute_all.as_secs_f64()
    );
    println!(
        "full recompute, one year: {:.3?}; SQL GROUP BY baseline {:.1?}; ratio {:.0}x",
        recompute_year,
        sql_year,
        sql_year.as_secs_f64() / recompute_year.as_secs_f64()
    );
}
