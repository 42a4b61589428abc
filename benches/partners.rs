//! Partner matching at scale. Measures, in one run, the import of a sheet of agreements
//! that each name a new partner (so that each name is looked up for near matches) into a
//! ledger without partners and into a ledger of many partners, alternately, and prints the
//! median of each and their difference (goal: at most 2 s more with 50,000 partners for
//! 30,000 rows). Then the near-match look-up alone, by the trigram index against the scan
//! of every partner it replaces, on the same names. Run with `cargo bench --bench partners`;
//! sizes: `PLEDGER_BENCH_MATCH_ROWS` (30,000), `PLEDGER_BENCH_MATCH_PARTNERS` (50,000),
//! `PLEDGER_BENCH_MATCH_RUNS` (3).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::float_arithmetic,
    clippy::print_stdout,
    reason = "a benchmark: fails loudly, prints its figures"
)]

mod common;

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use pledger::domain::{Partner, PartnerId};
use pledger::import::{ImportOptions, PartnerMatcher, import_path};
use pledger::ledger::Ledger;

use common::{Rng, median};

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Organisation-like names: a distinctive invented word or two among the words such names
/// share ("Ministry", "Development", "Fund"...), so that near matches are plausible but
/// rare, as in a real ledger.
fn names(rng: &mut Rng, n: usize) -> Vec<String> {
    const COMMON: &[&str] = &[
        "Ministry of",
        "Agency for",
        "Foundation",
        "Development Fund",
        "Bank",
        "Institute",
        "Telecom",
        "Cooperation Office",
        "Digital Trust",
        "Council",
    ];
    // Invented words of two to four syllables, each a consonant, a vowel and now and then
    // a closing consonant: about 180 syllables, so that two names rarely share much.
    const CONSONANTS: &[u8] = b"bcdfghjklmnprstvwz";
    const VOWELS: &[u8] = b"aeiou";
    let word = |rng: &mut Rng| {
        let k = 2 + rng.below(3) as usize;
        let mut w = String::new();
        for _ in 0..k {
            w.push(char::from(
                CONSONANTS[rng.below(CONSONANTS.len() as u64) as usize],
            ));
            w.push(char::from(VOWELS[rng.below(VOWELS.len() as u64) as usize]));
            if rng.below(3) == 0 {
                w.push(char::from(
                    CONSONANTS[rng.below(CONSONANTS.len() as u64) as usize],
                ));
            }
        }
        if let Some(first) = w.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        w
    };
    (0..n)
        .map(|_| {
            let common = COMMON[rng.below(COMMON.len() as u64) as usize];
            let (a, b) = (word(rng), word(rng));
            format!("{a} {b} {common}")
        })
        .collect()
}

/// A ledger holding `names` as partners (written straight in SQL).
fn ledger_with_partners(path: &Path, names: &[String]) {
    let ledger = Ledger::open(path).expect("ledger");
    let conn = ledger.connection();
    conn.execute_batch("BEGIN").expect("begin");
    {
        let mut insert = conn
            .prepare("INSERT OR IGNORE INTO partner (name, partner_type) VALUES (?1, 'government')")
            .expect("prepare");
        for n in names {
            insert.execute([n]).expect("insert");
        }
    }
    conn.execute_batch("COMMIT").expect("commit");
}

/// `names.len()` agreements in USD signed in 2021 Q1, one for each new partner.
fn sheet(path: &Path, names: &[String]) {
    let mut csv = String::from(
        "Reference,Title,Partner,Partner type,Region,Theme,Signed on,Amount,Currency\n",
    );
    for (i, n) in names.iter().enumerate() {
        writeln!(
            csv,
            "NEW-{i:06},Connectivity,{n},Government,Africa,Enabling environment,2021-02-15,{}.00,USD",
            10_000 + i
        )
        .unwrap();
    }
    std::fs::write(path, csv).expect("write sheet");
}

/// Imports `sheet` into a copy of the ledger `template`; the import's time.
fn import_into_copy(template: &Path, sheet: &Path, dir: &Path) -> Duration {
    let copy = dir.join("copy.sqlite3");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
    }
    std::fs::copy(template, &copy).expect("copy ledger");
    let mut ledger = Ledger::open(&copy).expect("open copy");
    let start = Instant::now();
    let (plan, summary) =
        import_path(&mut ledger, sheet, &ImportOptions::default(), false).expect("import");
    let took = start.elapsed();
    assert!(
        plan.near_matches.is_empty(),
        "{:?}",
        plan.near_matches.first()
    );
    assert!(summary.partners_created > 0);
    took
}

fn main() {
    let rows = env_size("PLEDGER_BENCH_MATCH_ROWS", 30_000);
    let partners = env_size("PLEDGER_BENCH_MATCH_PARTNERS", 50_000);
    let runs = env_size("PLEDGER_BENCH_MATCH_RUNS", 3);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = Rng(0x51A7_E5EE_D00D_F00D);
    let mut ledger_names = names(&mut rng, partners);
    ledger_names.sort();
    ledger_names.dedup();
    let partners = ledger_names.len();
    let mut new_names = names(&mut rng, rows);
    // Names the ledger already holds, or near ones, are not new: drop them, as a sheet of
    // new partners would not hold them (the near ones would wait for a decision).
    let full = PartnerMatcher::new(&as_partners(&ledger_names));
    new_names.retain(|n| full.suggest(n).is_none());
    new_names.sort();
    new_names.dedup();
    let mut seen = PartnerMatcher::default();
    new_names.retain(|n| {
        let near = seen.suggest(n).is_some();
        seen.add(n, PartnerId(0));
        !near
    });

    let empty = dir.path().join("empty.sqlite3");
    ledger_with_partners(&empty, &[]);
    let full_ledger = dir.path().join("full.sqlite3");
    ledger_with_partners(&full_ledger, &ledger_names);
    let file = dir.path().join("new-partners.csv");
    sheet(&file, &new_names);

    let (mut into_empty, mut into_full) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        into_empty.push(import_into_copy(&empty, &file, dir.path()));
        into_full.push(import_into_copy(&full_ledger, &file, dir.path()));
    }
    let (e, f) = (median(into_empty), median(into_full));
    println!(
        "import of {} rows naming new partners (median of {runs}, alternating): into an empty ledger {:.2} s, into a ledger of {partners} partners {:.2} s: {:+.2} s more (goal: at most 2 s more)",
        new_names.len(),
        e.as_secs_f64(),
        f.as_secs_f64(),
        f.as_secs_f64() - e.as_secs_f64()
    );

    // The look-up alone: the index against the scan it replaces, on 200 of the names.
    let sample: Vec<&String> = new_names.iter().take(200).collect();
    let (mut indexed, mut scanned, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = Instant::now();
        let a: Vec<_> = sample.iter().map(|n| full.suggest(n)).collect();
        let ti = t.elapsed();
        let t = Instant::now();
        let b: Vec<_> = sample.iter().map(|n| full.suggest_by_scan(n)).collect();
        let ts = t.elapsed();
        assert_eq!(a, b, "the index and the scan decide alike");
        ratios.push(ts.as_secs_f64() / ti.as_secs_f64());
        indexed.push(ti);
        scanned.push(ts);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "near-match look-up of {} names against {partners} partners (median of {runs}, alternating): index {:.1} ms, scan {:.1} ms; scan / index median {:.0}x",
        sample.len(),
        median(indexed).as_secs_f64() * 1000.0,
        median(scanned).as_secs_f64() * 1000.0,
        ratios[ratios.len() / 2]
    );
}

fn as_partners(names: &[String]) -> Vec<Partner> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| Partner {
            id: PartnerId(i64::try_from(i).unwrap()),
            name: n.clone(),
            name_zh: None,
            partner_type: "government".into(),
            country: None,
            aliases: Vec::new(),
        })
        .collect()
}
