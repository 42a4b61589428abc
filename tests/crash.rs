//! Kill -9 at random moments: the real binary, doing an import, an edit, an export or a
//! backup, is killed at a seeded random time inside its run, until 200 kills; after each kill the ledger passes
//! SQLite's integrity check, holds all or none of the import's rows, the rate edit is the
//! old rate or the new one, the report PDF that was there is a whole PDF, and a backup is
//! either absent or a whole ledger.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cast_possible_truncation,
    reason = "tests fail loudly"
)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use common::{ok, temp_ledger};
use pledger::ledger::Ledger;

/// A deterministic generator (xorshift), so every run kills at the same moments.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// `rows` agreements of Norad, referenced `{prefix}-1`, `{prefix}-2`…, as a CSV.
fn workbook(path: &Path, prefix: &str, rows: usize) {
    use std::fmt::Write as _;
    let mut text = String::from("Reference,Partner,Region,Theme,Signed on,Amount,Currency\n");
    for i in 1..=rows {
        let _ = writeln!(
            text,
            "{prefix}-{i},Norad,Africa,Cybersecurity,2021-02-{:02},{},USD",
            i % 28 + 1,
            1000 + i
        );
    }
    std::fs::write(path, text).unwrap();
}

/// Agreements whose reference starts with `prefix`, and the integrity check's answer.
fn state(ledger: &Path, prefix: &str) -> (i64, String) {
    let l = Ledger::open(ledger).expect("the ledger opens after a kill");
    let conn = l.connection();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT count(*) FROM agreement WHERE reference LIKE ?1 || '-%'",
            [prefix],
            |r| r.get(0),
        )
        .unwrap();
    (n, check)
}

/// Whether `path` holds a whole PDF.
fn whole_pdf(path: &Path) -> bool {
    let bytes = std::fs::read(path).unwrap_or_default();
    bytes.starts_with(b"%PDF") && bytes.windows(5).rev().take(64).any(|w| w == b"%%EOF")
}

#[test]
fn killed_at_random_moments_nothing_is_lost_or_half_written() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let pdf = dir.path().join("report.pdf");
    let pdf_arg = pdf.to_str().unwrap().to_string();
    ok(
        &ledger,
        &["export", "pdf", "--period", "2021Q2", "--out", &pdf_arg],
    );
    assert!(whole_pdf(&pdf));
    // The report of a quarter the imports (signed in February 2021) stay out of, so the
    // export takes as long however many rows the kills let in.
    let mut rng = Rng(0x5DEE_CE66_D1CE_4E5B);
    let rows = 1000;
    // How long each step takes whole, so that kills fall inside it: timed once each.
    let mut took = [0u64; 4];
    let (mut imported, mut kills) = (0, 0);
    // Until 200 commands were killed while running (a kill that comes after the command
    // ended does not count), within a bound.
    let mut round = 0;
    while kills < 200 && round < 500 {
        // The first four rounds run each step whole, to time it.
        let calibrating = round < 4;
        let prefix = format!("K{round}");
        let book = dir.path().join(format!("{prefix}.csv"));
        let backup = dir.path().join(format!("backup-{round}.sqlite3"));
        let rate = format!("1.{:03}7", rng.below(1000));
        let step = if calibrating { round } else { rng.below(4) };
        if step == 0 {
            workbook(&book, &prefix, rows);
        }
        let args: Vec<String> = match step {
            0 => vec!["import".into(), book.to_str().unwrap().into()],
            1 => vec![
                "rate".into(),
                "set".into(),
                "EUR".into(),
                "2021-01-01".into(),
                rate.clone(),
            ],
            2 => ["export", "pdf", "--period", "2021Q2", "--out", &pdf_arg]
                .map(String::from)
                .to_vec(),
            _ => vec![
                "backup".into(),
                "--to".into(),
                backup.to_str().unwrap().into(),
            ],
        };
        let before_rate = rate_of_eur(&ledger);
        let mut child = Command::new(env!("CARGO_BIN_EXE_pledger"))
            .arg("--ledger")
            .arg(&ledger)
            .args(&args)
            .env_remove("PLEDGER_LEDGER")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if calibrating {
            let start = std::time::Instant::now();
            let _ = child.wait();
            took[step as usize] = start.elapsed().as_millis().max(2) as u64;
        } else {
            // Up to a fifth past the time the step took whole: some commands finish
            // however loaded the machine is now against when it was timed.
            let span = took[step as usize] * 6 / 5;
            std::thread::sleep(Duration::from_millis(rng.below(span)));
            if child.try_wait().unwrap().is_none() {
                kills += 1;
            }
            let _ = child.kill();
            let _ = child.wait();
        }

        let (n, check) = state(&ledger, &prefix);
        assert_eq!(check, "ok", "round {round}, step {step}");
        assert!(
            n == 0 || n == rows as i64,
            "round {round}: {n} of {rows} rows"
        );
        imported += usize::from(n > 0 && !calibrating);
        let after_rate = rate_of_eur(&ledger);
        assert!(
            after_rate == before_rate || (step == 1 && after_rate == rate),
            "round {round}: EUR rate {after_rate}"
        );
        assert!(whole_pdf(&pdf), "round {round}: the report PDF is broken");
        if backup.exists() {
            let copy = Ledger::open(&backup).expect("a backup that exists is a ledger");
            let check: String = copy
                .connection()
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok", "round {round}: backup");
        }
        round += 1;
    }
    // The kills fell in the middle of the work, and some imports had time to finish.
    assert!(
        kills >= 200,
        "only {kills} of {round} commands were killed while running (steps took {took:?} ms)"
    );
    assert!(imported > 0, "no import that was raced finished");
    eprintln!("{kills} kills in {round} rounds; steps took {took:?} ms");
}

/// The ledger's EUR rate of 2021-01-01, as text.
fn rate_of_eur(ledger: &Path) -> String {
    let l = Ledger::open(ledger).unwrap();
    l.connection()
        .query_row(
            "SELECT rate FROM exchange_rate WHERE currency = 'EUR' AND valid_from = '2021-01-01'",
            [],
            |r| r.get(0),
        )
        .unwrap_or_default()
}
