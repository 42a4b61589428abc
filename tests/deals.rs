//! Deals through the real binary: a deal moved through every stage and signed becomes an
//! agreement that the report of its quarter counts; a typed probability survives stage
//! moves; the pipeline's figures per currency equal the deals' sums by hand; bad input is
//! refused with the field named and nothing written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::Path;

use common::{ok, pledger, report_json, temp_ledger};
use serde_json::Value;

/// Fills `ledger` with the sample's partners and rates (not its deals).
fn partners_and_rates(ledger: &Path) {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample");
    for (file, kind) in [("partners.csv", "partners"), ("rates.csv", "rates")] {
        let path = sample.join(file);
        ok(ledger, &["import", path.to_str().unwrap(), "--kind", kind]);
    }
}

fn json(ledger: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(ledger, args)).unwrap()
}

/// The arguments of `pledger deal add` for `partner`, with `theme`, in Africa, then `extra`.
fn add_args<'a>(partner: &'a str, theme: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "deal",
        "add",
        "--partner",
        partner,
        "--theme",
        theme,
        "--region",
        "Africa",
    ];
    args.extend_from_slice(extra);
    args
}

/// Records a deal with Norad, split 60/40 between two themes.
fn add(ledger: &Path, extra: &[&str]) -> String {
    let theme = "Cybersecurity 60%; Capacity development 40%";
    ok(ledger, &add_args("Norad", theme, extra))
}

/// Runs pledger, asserts it exited with `code`; returns stderr.
fn failing(ledger: &Path, code: i32, args: &[&str]) -> String {
    let out = pledger(ledger, args);
    assert_eq!(out.status.code(), Some(code), "pledger {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The entry of `list` (a JSON list of `{stage, ...}`) for the stage `key`.
fn of_stage<'v>(list: &'v Value, key: &str) -> &'v Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["stage"] == key)
        .unwrap_or_else(|| panic!("no {key} in {list}"))
}

fn refused_usage(ledger: &Path, args: &[&str]) -> String {
    failing(ledger, 2, args)
}

fn refused(ledger: &Path, args: &[&str]) -> String {
    failing(ledger, 1, args)
}

#[test]
fn a_deal_moved_through_every_stage_and_signed_is_an_agreement_in_the_report() {
    let (_dir, ledger) = temp_ledger();
    partners_and_rates(&ledger);
    let before = report_json(&ledger, "2022Q1", "en");
    assert_eq!(before["agreements_signed"], 0);
    let out = add(
        &ledger,
        &[
            "--title",
            "Cyber drills in the Sahel",
            "--ask",
            "750000",
            "--currency",
            "USD",
            "--on",
            "2021-06-01",
            "--expected",
            "2022-02-15",
        ],
    );
    assert!(out.contains("Deal #1 recorded"), "{out}");
    let days = [
        ("contacted", "2021-06-20"),
        ("concept_note", "2021-07-15"),
        ("proposal_submitted", "2021-09-01"),
        ("negotiation", "2021-11-10"),
        ("pledged", "2022-01-05"),
    ];
    for (stage, on) in days {
        ok(&ledger, &["deal", "move", "1", stage, "--on", on]);
    }
    // The road's stages have their default probabilities.
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    assert_eq!(shown["probability_bp"], 8000);
    assert_eq!(shown["probability_typed"], false);
    let out = ok(
        &ledger,
        &["deal", "sign", "1", "--reference", "PA-2022-001"],
    );
    assert!(out.contains("signed on 2022-02-15: agreement #"), "{out}");

    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    assert_eq!(shown["deal"]["stage"], "signed");
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 7, "recorded, five moves, signed");
    assert_eq!(history[6]["from"], "pledged");
    assert_eq!(history[6]["on"], "2022-02-15");

    // The agreement is prefilled from the deal and linked to it.
    let agreements = json(&ledger, &["agreements", "--period", "2022Q1", "--json"]);
    let a = &agreements.as_array().unwrap()[0];
    assert_eq!(a["reference"], "PA-2022-001");
    assert_eq!(a["title"], "Cyber drills in the Sahel");
    assert_eq!(shown["deal"]["agreement_id"], a["id"]);
    let report = report_json(&ledger, "2022Q1", "en");
    assert_eq!(report["agreements_signed"], 1);
    assert_eq!(report["partner_contributions"], "750000.00");
    let themes: Vec<(&str, &str)> = report["by_theme"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["key"].as_str().unwrap(), t["amount"].as_str().unwrap()))
        .collect();
    assert!(
        themes.contains(&("cybersecurity", "450000.00")),
        "{themes:?}"
    );

    // A move dated before the last one is refused: the history runs forwards.
    add(&ledger, &["--title", "Second", "--on", "2022-01-10"]);
    let e = refused(
        &ledger,
        &["deal", "move", "2", "contacted", "--on", "2022-01-09"],
    );
    assert!(e.contains("last moved on 2022-01-10"), "{e}");
    // Signing twice is refused, a deal that became an agreement stays signed, and the
    // pipeline counts the deal won.
    refused(&ledger, &["deal", "sign", "1"]);
    let e = refused(
        &ledger,
        &["deal", "move", "1", "negotiation", "--on", "2022-04-01"],
    );
    assert!(e.contains("stays signed"), "{e}");
    let p = json(
        &ledger,
        &[
            "pipeline",
            "--as-of",
            "2022-03-31",
            "--period",
            "2022Q1",
            "--json",
        ],
    );
    assert_eq!((p["won"].as_u64(), p["lost"].as_u64()), (Some(1), Some(0)));
    assert_eq!(p["conversion_percent"], "100.0");
    let proposal = of_stage(&p["days_in_stage"], "proposal_submitted");
    assert_eq!(proposal["average_days"], "70.0");
}

#[test]
fn a_typed_probability_survives_a_stage_move_until_dropped() {
    let (_dir, ledger) = temp_ledger();
    partners_and_rates(&ledger);
    add(
        &ledger,
        &[
            "--title",
            "Drills",
            "--ask",
            "100000",
            "--currency",
            "USD",
            "--probability",
            "35",
        ],
    );
    let out = ok(&ledger, &["deal", "move", "1", "negotiation"]);
    assert!(out.contains("probability 35 % (typed, kept)"), "{out}");
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    assert_eq!(
        (&shown["probability_bp"], &shown["probability_typed"]),
        (&Value::from(3500), &Value::from(true))
    );
    ok(
        &ledger,
        &["deal", "move", "1", "pledged", "--probability", "default"],
    );
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    assert_eq!(shown["probability_bp"], 8000);
    // The stage's default is the officer's to change.
    let out = ok(
        &ledger,
        &["deal", "probabilities", "pledged=75", "on_hold=0"],
    );
    assert!(out.contains("pledged             75 %"), "{out}");
    refused_usage(&ledger, &["deal", "probabilities", "pledged=175"]);
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    assert_eq!(shown["probability_bp"], 7500);
}

#[test]
fn the_pipeline_sums_each_currency_as_the_deals_add_by_hand() {
    let (_dir, ledger) = temp_ledger();
    partners_and_rates(&ledger);
    let deals: [(&str, &str, &str, Option<&str>); 5] = [
        ("negotiation", "100000.50", "USD", None),
        ("negotiation", "200000", "EUR", Some("33.33")),
        ("negotiation", "50000", "USD", None),
        ("proposal_submitted", "80000", "CHF", None),
        ("on_hold", "10000", "EUR", None),
    ];
    for (i, (stage, ask, currency, probability)) in deals.iter().enumerate() {
        let title = format!("Deal {i}");
        let mut args = vec![
            "--title",
            &title,
            "--ask",
            ask,
            "--currency",
            currency,
            "--stage",
            stage,
            "--on",
            "2021-03-01",
            "--expected",
            "2021-10-01",
        ];
        if let Some(p) = probability {
            args.extend(["--probability", p]);
        }
        add(&ledger, &args);
    }
    let p = json(&ledger, &["pipeline", "--as-of", "2021-04-02", "--json"]);
    let stage = |key| of_stage(&p["stages"], key);
    let n = stage("negotiation");
    assert_eq!(n["count"], 3);
    // USD 100,000.50 + 50,000 = 150,000.50; EUR 200,000.
    assert_eq!(n["nominal"]["USD"], "150000.50");
    assert_eq!(n["nominal"]["EUR"], "200000.00");
    // At the sample's EUR rate of 2021-04-01 (1.175): 150,000.50 + 235,000 = 385,000.50.
    assert_eq!(n["nominal"]["total"], "385000.50");
    // Weighted: 60 % of USD 150,000.50 (deal by deal: 60,000.30 + 30,000), 33.33 % of
    // EUR 200,000 = 66,660; in USD 90,000.30 + 66,660 * 1.175 = 78,325.50 -> 168,325.80.
    assert_eq!(n["weighted"]["USD"], "90000.30");
    assert_eq!(n["weighted"]["EUR"], "66660.00");
    assert_eq!(n["weighted"]["total"], "168325.80");
    // CHF at 1.065: 80,000 -> USD 85,200; weighted 40 %.
    let s = stage("proposal_submitted");
    assert_eq!(s["nominal"]["total"], "85200.00");
    assert_eq!(s["weighted"]["CHF"], "32000.00");
    assert_eq!(stage("on_hold")["weighted"]["EUR"], "1000.00");
    // Expected in 2021Q4: every open deal's weighted ask (on hold too).
    let q = &p["expected_by_quarter"]["2021Q4"];
    assert_eq!(q["USD"], "90000.30");
    assert_eq!(q["EUR"], "67660.00");
    assert_eq!(q["CHF"], "32000.00");
    assert!(p["missing_rates"].as_array().unwrap().is_empty());

    // A currency without a rate: no total, and the rate named.
    add(
        &ledger,
        &[
            "--title",
            "Yen",
            "--ask",
            "1000000",
            "--currency",
            "JPY",
            "--stage",
            "negotiation",
        ],
    );
    let p = json(&ledger, &["pipeline", "--as-of", "2030-01-01", "--json"]);
    let n = &of_stage(&p["stages"], "negotiation")["nominal"];
    assert_eq!(n["JPY"], "1000000");
    assert!(n.get("total").is_none(), "{n}");
    let missing = p["missing_rates"].as_array().unwrap();
    assert!(
        missing.iter().any(|m| m["currency"] == "JPY"),
        "{missing:?}"
    );
}

#[test]
fn bad_deals_are_refused_with_the_field_named_and_nothing_written() {
    let (_dir, ledger) = temp_ledger();
    partners_and_rates(&ledger);
    fn bad<'a>(partner: &'a str, theme: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
        add_args(partner, theme, &[&["--title", "Bad"], extra].concat())
    }
    let usage = |extra: &[&str]| failing(&ledger, 2, &bad("Norad", "Cybersecurity", extra));
    assert!(usage(&["--probability", "120"]).contains("between 0 and 100"));
    assert!(usage(&["--ask", "5000"]).contains("--currency"));
    assert!(usage(&["--stage", "won"]).contains("not a stage"));
    let e = failing(&ledger, 2, &bad("Norad", "Astrology", &[]));
    assert!(e.contains("'Astrology' is not in the theme list"), "{e}");
    let e = refused(
        &ledger,
        &bad("Norad", "Cybersecurity", &["--stage", "signed"]),
    );
    assert!(e.contains("ask: a signed deal needs its amount"), "{e}");
    let e = refused(&ledger, &bad("Nobody at all", "Cybersecurity", &[]));
    assert!(e.contains("no partner is named 'Nobody at all'"), "{e}");
    assert_eq!(
        json(&ledger, &["deal", "list", "--json"]),
        Value::Array(vec![])
    );

    add(&ledger, &["--title", "Good"]);
    let e = refused(&ledger, &["deal", "move", "1", "lost"]);
    assert!(e.contains("reason: a deal lost needs its reason"), "{e}");
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    assert_eq!(shown["deal"]["stage"], "identified");
    assert_eq!(shown["history"].as_array().unwrap().len(), 1);
    let e = refused(&ledger, &["deal", "sign", "1"]);
    assert!(e.contains("has no amount"), "{e}");
    ok(
        &ledger,
        &["deal", "move", "1", "lost", "--reason", "Budget cut"],
    );
    let p = json(&ledger, &["pipeline", "--json"]);
    assert_eq!(p["lost"], 1);
}
