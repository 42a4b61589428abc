//! Values and sizes at the edge of what an import takes, through the real binary: sums that
//! pass 2^127 on the way, receipts beyond the cap, cells quoted as written.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::fmt::Write as _;

use common::{fixture, ok, pledger, temp_ledger};
use rust_decimal::Decimal;

/// `n` agreements of EUR 1,000,000,000,000.00 signed in 2021 Q1, the first `big` of them
/// with one partner and the others shared by two more.
fn agreements_at_the_cap(n: usize, big: usize) -> String {
    let mut csv = String::from(
        "Reference,Title,Partner,Partner type,Region,Theme,Signed on,Amount,Currency,Status\n",
    );
    for i in 0..n {
        let partner = if i < big {
            "Giant Fund".to_string()
        } else {
            format!("Large Fund {}", i % 2)
        };
        let region = if i % 3 == 0 { "Africa" } else { "Europe" };
        writeln!(
            csv,
            "CAP-{i:06},At the cap,{partner},Government,{region},Enabling environment,2021-02-15,1000000000000.00,EUR,signed"
        )
        .unwrap();
    }
    csv
}

fn amount(v: &serde_json::Value) -> Decimal {
    v.as_str()
        .expect("an amount as text")
        .parse()
        .expect("a decimal")
}

#[test]
fn sums_past_two_to_the_127_give_exact_figures() {
    let (dir, ledger) = temp_ledger();
    ok(
        &ledger,
        &["import", fixture("sample/rates.csv").to_str().unwrap()],
    );
    let file = dir.path().join("cap.csv");
    // 15,000 agreements at 1.22: the total is USD 18.3 quadrillion, 1.83e18 cents; one
    // partner's share times the total passes i128 when taken in 128 bits.
    std::fs::write(&file, agreements_at_the_cap(15_000, 10_000)).unwrap();
    ok(&ledger, &["import", file.to_str().unwrap()]);

    let report: serde_json::Value = serde_json::from_str(&ok(
        &ledger,
        &["report", "--period", "2021Q1", "--json", "--top", "3"],
    ))
    .unwrap();
    let total = amount(&report["partner_contributions"]);
    assert_eq!(total, "18300000000000000.00".parse::<Decimal>().unwrap());
    let top = report["top_partners"].as_array().unwrap();
    assert_eq!(top[0]["partner"], "Giant Fund");
    assert_eq!(
        amount(&top[0]["amount"]),
        "12200000000000000.00".parse::<Decimal>().unwrap()
    );
    assert_eq!(top[0]["percent"], "66.7");
    for p in &top[1..] {
        assert_eq!(
            amount(&p["amount"]),
            "3050000000000000.00".parse::<Decimal>().unwrap()
        );
    }
    for breakdown in ["by_partner_type", "by_region", "by_theme"] {
        let slices = report[breakdown].as_array().unwrap();
        let sum: Decimal = slices.iter().map(|s| amount(&s["amount"])).sum();
        assert_eq!(sum, total, "{breakdown}");
        assert!(slices.iter().all(|s| amount(&s["amount"]) > Decimal::ZERO));
        let tenths: Decimal = slices
            .iter()
            .map(|s| s["percent"].as_str().unwrap().parse::<Decimal>().unwrap())
            .sum();
        assert_eq!(tenths, Decimal::ONE_HUNDRED, "{breakdown}");
    }
    let regions = report["by_region"].as_array().unwrap();
    let africa = regions.iter().find(|r| r["key"] == "africa").unwrap();
    // Every third agreement: 5,000 of them.
    assert_eq!(
        amount(&africa["amount"]),
        "6100000000000000.00".parse::<Decimal>().unwrap()
    );
    // The text report says the same, with no minus sign anywhere.
    let text = ok(&ledger, &["report", "--period", "2021Q1"]);
    assert!(text.contains("18,300,000,000,000,000.00"), "{text}");
    let negative = |w: &str| {
        w.strip_prefix('-')
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
    };
    assert!(!text.split_whitespace().any(negative), "{text}");
}

#[test]
fn receipts_beyond_the_cap_are_refused_and_nothing_changes() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let before = ok(&ledger, &["receivables", "--as-of", "2021-06-30", "--json"]);
    let file = dir.path().join("receipts.csv");
    std::fs::write(
        &file,
        "Value date,Amount,Currency,Agreement,Bank reference,Rate obtained\n\
         2021-03-01,90000000000000000,EUR,PA-2019-014,X1,1.2\n\
         2021-03-02,90000000000000000,EUR,PA-2019-014,X2,1.2\n",
    )
    .unwrap();
    let out = pledger(&ledger, &["import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for row in ["row 2", "row 3"] {
        assert!(
            all.lines().any(|l| l.contains(row)
                && l.contains("'90000000000000000' is larger than an amount Pledger takes")),
            "{all}"
        );
    }
    assert!(all.contains("nothing was written"), "{all}");
    let after = ok(&ledger, &["receivables", "--as-of", "2021-06-30", "--json"]);
    assert_eq!(before, after);
    // The figures leave nothing out for a false reason.
    let r: serde_json::Value = serde_json::from_str(&after).unwrap();
    assert_eq!(r["too_large"], serde_json::json!([]));
}

#[test]
fn messages_quote_cells_as_written() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let file = dir.path().join("edges.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
    let head = [
        "Reference",
        "Title",
        "Partner",
        "Partner type",
        "Region",
        "Theme",
        "Signed on",
        "Amount",
        "Currency",
    ];
    for (c, h) in head.iter().enumerate() {
        sheet.write(0, u16::try_from(c).unwrap(), *h).unwrap();
    }
    let rows: [(f64, f64, &str); 3] = [
        (-1.0, 1000.0, "EUR"),
        (44_242.0, 1e308, "EUR"),
        (44_242.0, 1000.0, "XQZ"),
    ];
    for (i, (signed, value, currency)) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap();
        sheet.write(r, 0, format!("EDGE-{i}")).unwrap();
        sheet.write(r, 1, "Edge").unwrap();
        sheet.write(r, 2, "Edge Partner").unwrap();
        sheet.write(r, 3, "Government").unwrap();
        sheet.write(r, 4, "Europe").unwrap();
        sheet.write(r, 5, "Enabling environment").unwrap();
        sheet
            .write_number_with_format(r, 6, *signed, &date)
            .unwrap();
        sheet.write_number(r, 7, *value).unwrap();
        sheet.write(r, 8, *currency).unwrap();
    }
    book.save(&file).unwrap();
    let out = pledger(&ledger, &["import", file.to_str().unwrap(), "--dry-run"]);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The serial -1 as the cell holds it, not as a date before 1900.
    assert!(all.contains("value '-1': '-1' is not a date"), "{all}");
    assert!(!all.contains("1899"), "{all}");
    // 1e308 as written, not as 309 digits.
    assert!(all.contains("value '1e308': '1e308' is too large"), "{all}");
    assert!(!all.contains("100000000000000000000"), "{all}");
    // An unknown currency is one problem, on its cell.
    assert!(
        all.contains("'XQZ' is not an ISO 4217 currency code"),
        "{all}"
    );
    assert!(!all.contains("no currency given"), "{all}");
}
