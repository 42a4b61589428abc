//! What fuzzing found (see fuzz/README.md), each input kept as a test: the parsers must give
//! a problem for it, never panic, and never take it for a valid value.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{ok, pledger, temp_ledger};
use pledger::domain::ReferenceLists;
use pledger::import::{parse_probability, parse_theme_list, theme_shares};

/// Theme percentages too large for basis points: `Decimal * 100` overflowed and panicked
/// (fuzz target `themes`, 77 crashing inputs, all this one cause; three of them here).
#[test]
fn a_theme_percentage_too_large_to_count_is_unreadable_not_a_panic() {
    let lists = ReferenceLists::defaults();
    for cell in [
        "数字基础设施8888888888888888888888888880%、数字包容20%",
        "数字基础设施80%、数字包容22222222222222222222222222220%",
        "Cy5555555555555555555555555550%,;;be",
    ] {
        let err = parse_theme_list(cell).unwrap_err();
        assert!(err.contains("unreadable percentage"), "{cell}: {err}");
        assert!(theme_shares(&lists, cell).is_err(), "{cell}");
    }
}

/// The same multiplication in probabilities (`1e27 %` is 1e29 basis points): a problem.
#[test]
fn a_probability_too_large_to_count_is_refused_not_a_panic() {
    for (text, fraction) in [
        ("1000000000000000000000000000%", false),
        ("79228162514264337593543950335", false),
        ("-79228162514264337593543950335", true),
    ] {
        let err = parse_probability(text, fraction).unwrap_err();
        assert!(err.contains("is not a probability"), "{text}: {err}");
    }
}

/// Parts of nearly 2^32 basis points added in a u32: a panic with overflow checks, and in a
/// release build a sum that wraps round to exactly 100 % and passes.
#[test]
fn theme_parts_that_would_wrap_round_to_100_percent_do_not_add_to_100() {
    let lists = ReferenceLists::defaults();
    // 4,294,967,295 + 10,001 = 2^32 + 10,000 basis points.
    let cell = "Cybersecurity 42949672.95%; Digital inclusion 100.01%";
    let err = theme_shares(&lists, cell).unwrap_err();
    assert!(err.contains("do not add to 100"), "{err}");
}

/// Through the real binary: the overflowing theme cell is a problem of its cell, the import
/// writes nothing.
#[test]
fn an_overflowing_theme_cell_is_a_problem_of_its_cell_through_the_binary() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["init"]);
    let file = dir.path().join("themes.csv");
    std::fs::write(
        &file,
        "Reference,Partner,Type,Region,Theme,Signed,Amount,Currency\n\
         F-1,Norad,Government,Africa,Cybersecurity 5555555555555555555555555550%,2021-02-01,1000,USD\n",
    )
    .unwrap();
    let before = ok(&ledger, &["agreements", "--json"]);
    let out = pledger(&ledger, &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("row 2, column Theme (E)") && err.contains("unreadable percentage"),
        "{err}"
    );
    assert_eq!(ok(&ledger, &["agreements", "--json"]), before);
}

/// Workbooks on which calamine's readers panicked (fuzz target `xlsx`: 68 crashing inputs in
/// 6 minutes, 16 places in its xls, xlsx, xlsb and compound-file code: indexes out of
/// bounds, subtractions that overflow), one input per place, named after it. Read whole or
/// streamed, each is a damaged workbook, never a panic.
#[test]
fn workbooks_that_crashed_calamine_are_damaged_files_not_a_panic() {
    let dir = common::fixture("fuzz/xlsx");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 16);
    for file in &files {
        let whole = pledger::import::read_file(file);
        let streamed = pledger::import::read_head(file, 30);
        let damaged = |e: &pledger::import::ImportError| e.to_string().contains("damaged");
        assert!(
            whole.as_ref().err().is_some_and(damaged)
                || streamed.as_ref().err().is_some_and(damaged),
            "{}: {:?} / {:?}",
            file.display(),
            whole.map(|w| w.sheets.len()),
            streamed.map(|w| w.map(|w| w.sheets.len()))
        );
    }
}

/// Through the binary: the import says the file is damaged and writes nothing.
#[test]
fn a_workbook_that_crashed_calamine_is_refused_by_the_import() {
    let (_dir, ledger) = temp_ledger();
    ok(&ledger, &["init"]);
    for name in [
        "calamine-xlsb-cells-reader-151.xlsx",
        "calamine-xls-1531.xlsx",
    ] {
        let file = common::fixture(&format!("fuzz/xlsx/{name}"));
        let out = pledger(&ledger, &["import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("damaged"), "{name}: {err}");
    }
}

/// Two .xls files of 12.8 KB (fuzz target `xlsx`, its two "hangs") on which calamine 0.38's
/// `Xls::new` asked for about 11 GB at once: it parses every sheet up front and sizes it
/// from the corners its cells span, which a damaged record sets. Pledger now walks the BIFF
/// records first and refuses a sheet claiming more cells than it reads
/// (`workbook::xls_within_bounds`), so this runs in a few megabytes.
#[test]
fn an_xls_whose_cells_claim_a_huge_sheet_is_refused_without_exhausting_memory() {
    for name in ["calamine-from-sparse-1.xls", "calamine-from-sparse-2.xls"] {
        let file = common::fixture(&format!("fuzz/xls-memory/{name}"));
        assert!(pledger::import::read_file(&file).is_err(), "{name}");
    }
}
