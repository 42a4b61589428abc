//! Money-in benchmark: a generated ledger of 1,000,000 agreements with 1,000,000 instalments
//! and 1,000,000 receipts; measures, in one run, the receivables and ageing of a day
//! computed by Pledger (`report::receivables`, from the rows read once) against the same
//! figures computed by SQL over the same tables (window functions for the oldest-first
//! allocation), alternating, and the time to read the rows. Run with `cargo bench --bench
//! money_in` (`PLEDGER_BENCH_ROWS` changes the size).

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

use pledger::ledger::{AgreementFilter, Ledger};
use rusqlite::params;

mod common;
use common::{Rng, generate, versus};

/// One instalment and one receipt an agreement with a contribution, in its currency: due
/// 0 to 2 years after the signature, received (for half of them) around the due date.
fn add_money_in(ledger: &Ledger) -> (usize, usize) {
    let conn = ledger.connection();
    conn.execute_batch("BEGIN").expect("begin");
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let rows: Vec<(i64, String, i64, String)> = conn
        .prepare("SELECT id, signed_on, amount_minor, currency FROM agreement WHERE amount_minor IS NOT NULL")
        .expect("prepare")
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let (mut instalments, mut receipts) = (0, 0);
    {
        let mut inst = conn
            .prepare("INSERT INTO instalment (agreement_id, due_on, amount_minor, currency) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        let mut rec = conn
            .prepare("INSERT INTO receipt (agreement_id, received_on, amount_minor, currency) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        // One or two (one in three) a financial agreement, each paid by one receipt: of
        // 1,000,000 agreements, three in four financial, about a million of each.
        for (id, signed, amount, currency) in &rows {
            let signed = chrono::NaiveDate::parse_from_str(signed, "%Y-%m-%d").unwrap();
            let parts = if rng.below(3) == 0 { 2 } else { 1 };
            for _ in 0..parts {
                let due = signed + chrono::Duration::days(rng.below(730) as i64);
                let written = inst
                    .execute(params![id, due.to_string(), amount / parts, currency])
                    .is_ok();
                instalments += usize::from(written);
                let on = due + chrono::Duration::days(rng.below(120) as i64 - 30);
                rec.execute(params![id, on.to_string(), amount / parts, currency])
                    .expect("receipt");
                receipts += 1;
            }
        }
    }
    conn.execute_batch("COMMIT; ANALYZE;").expect("commit");
    (instalments, receipts)
}

/// Overdue amounts by age and the total received, by SQL over the same tables (USD and EUR
/// apart, as the rows keep them): receipts pay instalments oldest first.
fn sql_receivables(ledger: &Ledger, as_of: &str) -> Vec<(String, String, i64)> {
    let sql = "
        WITH received AS (
            SELECT agreement_id, sum(amount_minor) AS got FROM receipt
            WHERE received_on <= ?1 GROUP BY agreement_id),
        due AS (
            SELECT i.agreement_id, i.due_on, i.amount_minor, i.currency,
                   sum(i.amount_minor) OVER (PARTITION BY i.agreement_id ORDER BY i.due_on
                                             ROWS UNBOUNDED PRECEDING) AS upto
            FROM instalment i),
        open AS (
            SELECT d.currency, d.due_on,
                   max(0, min(d.amount_minor, d.upto - coalesce(r.got, 0))) AS unpaid
            FROM due d LEFT JOIN received r ON r.agreement_id = d.agreement_id)
        SELECT currency,
               CASE WHEN due_on >= ?1 THEN 'expected'
                    WHEN julianday(?1) - julianday(due_on) <= 30 THEN '1-30'
                    WHEN julianday(?1) - julianday(due_on) <= 90 THEN '31-90'
                    WHEN julianday(?1) - julianday(due_on) <= 180 THEN '91-180'
                    ELSE 'over 180' END AS bucket,
               sum(unpaid)
        FROM open GROUP BY currency, bucket ORDER BY currency, bucket";
    let conn = ledger.connection();
    let mut stmt = conn.prepare_cached(sql).expect("prepare");
    stmt.query_map([as_of], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn main() {
    let rows: usize = std::env::var("PLEDGER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("dir");
    let mut ledger = Ledger::open(&dir.path().join("money.sqlite3")).expect("ledger");
    let t = Instant::now();
    generate(&mut ledger, rows);
    let (instalments, receipts) = add_money_in(&ledger);
    println!(
        "generated {rows} agreements, {instalments} instalments and {receipts} receipts in {:.1?}",
        t.elapsed()
    );

    let t = Instant::now();
    let agreements = ledger
        .agreements(&AgreementFilter::default())
        .expect("agreements");
    let partners = ledger.partners().expect("partners");
    let inst = ledger.instalments().expect("instalments");
    let rec = ledger.receipts().expect("receipts");
    let rates = ledger.rates().expect("rates");
    let currency = ledger.reporting_currency().expect("currency");
    println!("reading the rows: {:.0?}", t.elapsed());

    let t = Instant::now();
    let book =
        pledger::report::MoneyBook::new(&agreements, &partners, &inst, &rec, &rates, currency);
    println!(
        "indexing them (MoneyBook::new, once a ledger revision): {:.0?}",
        t.elapsed()
    );
    let as_of = chrono::NaiveDate::from_ymd_opt(2021, 6, 30).unwrap();
    versus(
        "receivables and ageing on 2021-06-30",
        5,
        "<= 20 ms, >= 20x",
        || {
            assert!(
                !std::hint::black_box(book.summary(as_of))
                    .partners
                    .is_empty()
            )
        },
        || assert!(!std::hint::black_box(sql_receivables(&ledger, "2021-06-30")).is_empty()),
    );
}
