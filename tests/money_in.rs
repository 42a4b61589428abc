//! Money in through the real binary: the sample's schedules and receipts, receivables equal
//! to the sums by hand, receipts matched by reference or by partner and instalment, a
//! re-imported receipts file that changes nothing, and bad rows named with nothing written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{batch_of, fixture, ok, pledger, temp_ledger};
use serde_json::Value;

fn receivables(ledger: &std::path::Path, as_of: &str) -> Value {
    serde_json::from_str(&ok(ledger, &["receivables", "--as-of", as_of, "--json"])).unwrap()
}

fn agreement<'v>(r: &'v Value, reference: &str) -> &'v Value {
    r["agreements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["ref"] == reference)
        .unwrap_or_else(|| panic!("{reference} not in the receivables"))
}

fn stderr_of(ledger: &std::path::Path, args: &[&str]) -> (Option<i32>, String) {
    let out = pledger(ledger, args);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The sums by hand, at the sample's rates of 2021-04-01 (EUR 1.175, GBP 1.38, CHF 1.065):
/// received EUR 300,000 + USD 1,000,000 + USD 1,400,000 + EUR 262,222.22 (USD 295,000 at
/// 1 / 1.125) + GBP 375,000 + CHF 210,000 + USD 562,500 + GBP 509,090.91.
#[test]
fn the_sample_receivables_are_the_sums_by_hand() {
    let (_dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let r = receivables(&ledger, "2021-06-30");
    assert_eq!(r["currency"], "USD");
    assert_eq!(r["totals"]["received"], "5066806.57", "{}", r["totals"]);
    // Overdue: FCDO's GBP 375,000 due 2021-04-30 (61 days), Norad's USD 600,000 left of the
    // instalment due 2021-03-31 (91 days).
    assert_eq!(r["totals"]["overdue"], "1117500.00");
    assert_eq!(r["ageing"]["31-90"], "517500.00");
    assert_eq!(r["ageing"]["91-180"], "600000.00");
    assert_eq!(r["ageing"]["1-30"], "0.00");
    // Due from the day on: MIIT's USD 1,000,000 and BMZ's EUR 237,777.78 in 2021Q2; SDC's
    // CHF 210,000 and FCDO's GBP 509,090.91 in 2021Q4.
    assert_eq!(r["expected_by_quarter"]["2021Q2"], "1279388.89");
    assert_eq!(r["expected_by_quarter"]["2021Q4"], "926195.46");
    // Rates obtained against the ledger's: -5,175 + 2,550 - 3,750 + 15,330 + 6,109.09.
    assert_eq!(r["exchange_gain_loss"], "15064.09");
    let norad = agreement(&r, "PA-2020-003");
    assert_eq!(norad["received"], "1400000.00");
    assert_eq!(norad["outstanding"], "600000.00");
    assert_eq!(norad["overdue"], "600000.00");
    // Paid in US dollars, counted in euros at the ledger's rate of its day.
    let bmz = agreement(&r, "PA-2020-019");
    assert_eq!(
        (bmz["currency"].as_str(), bmz["received"].as_str()),
        (Some("EUR"), Some("262222.22"))
    );
    // The receipt without the agreement's reference found it by partner and instalment.
    assert_eq!(agreement(&r, "PA-2019-025")["outstanding"], "0.00");
    assert_eq!(r["missing_rates"], serde_json::json!([]));

    // Earlier, the same ledger: nothing of 2021 has come in yet.
    let before = receivables(&ledger, "2020-12-31");
    assert_eq!(agreement(&before, "PA-2020-003")["overdue"], "0.00");
    assert_eq!(agreement(&before, "PA-2019-025")["overdue"], "0.00");
    assert_eq!(agreement(&before, "PA-2020-033")["received"], "0.00");
    assert_eq!(agreement(&before, "PA-2020-033")["overdue"], "0.00");

    // Loading the sample again, or its receipts file, changes nothing.
    let again = ok(
        &ledger,
        &[
            "import",
            fixture("sample/receipts.csv").to_str().unwrap(),
            "--kind",
            "receipts",
        ],
    );
    assert!(again.contains("Nothing to change"), "{again}");
    ok(&ledger, &["sample"]);
    assert_eq!(receivables(&ledger, "2021-06-30"), r);
    let text = ok(&ledger, &["receivables", "--as-of", "2021-06-30"]);
    assert!(
        text.contains("Overdue by age: 1-30 days USD 0.00; 31-90 days USD 517,500.00"),
        "{text}"
    );
}

#[test]
fn receipts_are_matched_told_and_undone() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let file = dir.path().join("bank.csv");
    std::fs::write(
        &file,
        "Date de valeur;Montant;Devise;Donneur d'ordre;Référence bancaire;Libellé\n\
         15/07/2021;375000,00;GBP;FCDO;BK-88;Second instalment\n\
         16/07/2021;-5000,00;USD;Norad;BK-89;Refund of an over-payment\n",
    )
    .unwrap();
    let f = file.to_str().unwrap();
    // Norad has several agreements and none expects a refund: the row waits for a reference.
    let (code, err) = stderr_of(&ledger, &["import", f, "--kind", "receipts"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("bank.csv, sheet 'bank', row 3, column Donneur d'ordre (D), value 'Norad': no signed agreement of Norad expects -5000"),
        "{err}"
    );
    let before = receivables(&ledger, "2021-07-31");
    assert_eq!(agreement(&before, "PA-2020-033")["received"], "375000.00");

    std::fs::write(
        &file,
        "Date de valeur;Montant;Devise;Accord;Donneur d'ordre;Référence bancaire\n\
         15/07/2021;375000,00;GBP;;FCDO;BK-88\n\
         16/07/2021;-5000,00;USD;PA-2020-003;;BK-89\n\
         20/07/2021;1500000,00;USD;PA-2019-025;;BK-90\n",
    )
    .unwrap();
    let out = ok(&ledger, &["import", f, "--kind", "receipts"]);
    assert!(out.contains("3 created"), "{out}");
    assert!(
        out.contains(
            "matched to PA-2020-033: the partner and an instalment of GBP 375,000.00 due 2021-04-30"
        ),
        "{out}"
    );
    assert!(out.contains("an over-payment of USD 1,500,000.00"), "{out}");
    let after = receivables(&ledger, "2021-07-31");
    assert_eq!(agreement(&after, "PA-2020-033")["received"], "750000.00");
    assert_eq!(agreement(&after, "PA-2020-033")["overdue"], "0.00");
    assert_eq!(agreement(&after, "PA-2020-003")["received"], "1395000.00");
    assert_eq!(
        agreement(&after, "PA-2019-025")["outstanding"],
        "-1500000.00"
    );

    let again = ok(&ledger, &["import", f, "--kind", "receipts"]);
    assert!(again.contains("Nothing to change"), "{again}");
    let batch = batch_of(&out);
    ok(&ledger, &["import", "--undo", &batch]);
    assert_eq!(receivables(&ledger, "2021-07-31"), before);
}

#[test]
fn bad_receipts_and_schedules_name_the_cell_and_write_nothing() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let before = receivables(&ledger, "2021-06-30");
    let file = dir.path().join("receipts.csv");
    std::fs::write(
        &file,
        "Received on,Amount,Currency,Agreement\n\
         2021-05-01,1000,USD,PA-9999-001\n\
         2021-05-02,abc,USD,PA-2020-003\n\
         2021-05-03,1000,XYZ,PA-2020-003\n\
         2021-05-04,1000,USD,\n",
    )
    .unwrap();
    let (code, err) = stderr_of(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "receipts"],
    );
    assert_eq!(code, Some(1), "{err}");
    for expected in [
        "row 2, column Agreement (D), value 'PA-9999-001': no agreement has the reference 'PA-9999-001'",
        "row 3, column Amount (B), value 'abc'",
        "row 4, column Currency (C), value 'XYZ': 'XYZ' is not an ISO 4217 currency code",
        "row 5, column Agreement (D): give the agreement's reference (or the partner) the receipt pays",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }

    let schedule = dir.path().join("schedule.csv");
    std::fs::write(
        &schedule,
        "Agreement,Due date,Amount\nPA-2021-025,2021-01-31,100000\nPA-2021-025,2021-12-31,20000\n",
    )
    .unwrap();
    let out = ok(
        &ledger,
        &["import", schedule.to_str().unwrap(), "--kind", "schedules"],
    );
    assert!(
        out.contains("due on 2021-01-31, before the agreement was signed (2021-05-11)"),
        "{out}"
    );
    assert!(
        out.contains("the schedule of PA-2021-025 adds to USD 120,000.00; the contribution is USD 150,000.00 (a difference of USD 30,000.00)"),
        "{out}"
    );
    let r = receivables(&ledger, "2021-06-30");
    assert_eq!(agreement(&r, "PA-2021-025")["scheduled"], "120000.00");
    assert_eq!(agreement(&r, "PA-2021-025")["overdue"], "100000.00");
    assert_eq!(r["totals"]["received"], before["totals"]["received"]);

    // A receipt in a currency the ledger has no rate for is listed, not guessed.
    std::fs::write(
        &file,
        "Received on,Amount,Currency,Agreement\n2021-06-01,1000000,JPY,PA-2021-025\n",
    )
    .unwrap();
    ok(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "receipts"],
    );
    let r = receivables(&ledger, "2021-06-30");
    assert_eq!(
        r["missing_rates"],
        serde_json::json!([{"currency": "JPY", "quote": "USD", "date": "2021-06-01"}])
    );
    assert_eq!(agreement(&r, "PA-2021-025")["received"], "0.00");
}

/// The sample's batches: 1 partners, 2 rates, 3 agreements, 4 schedules, 5 receipts,
/// 6 reports due.
#[test]
fn agreements_with_money_in_are_not_undone_or_deleted_under_it() {
    let (_dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let (code, err) = stderr_of(&ledger, &["import", "--undo", "3"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("has a payment schedule"), "{err}");
    ok(&ledger, &["import", "--undo", "5"]);
    let (_, err) = stderr_of(&ledger, &["import", "--undo", "3"]);
    assert!(err.contains("has a payment schedule"), "{err}");
    ok(&ledger, &["import", "--undo", "4"]);
    let (_, err) = stderr_of(&ledger, &["import", "--undo", "3"]);
    assert!(err.contains("has reports due"), "{err}");
    ok(&ledger, &["import", "--undo", "6"]);
    let due: Value =
        serde_json::from_str(&ok(&ledger, &["due", "--as-of", "2021-06-30", "--json"])).unwrap();
    assert_eq!(
        due["open"],
        serde_json::json!([]),
        "the reports' undo removed them"
    );
    ok(&ledger, &["import", "--undo", "3"]);
    let left: Value = serde_json::from_str(&ok(&ledger, &["agreements", "--json"])).unwrap();
    assert_eq!(left, serde_json::json!([]));
}

#[test]
fn what_is_due_is_listed_and_written_as_a_calendar_outlook_imports() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let due: Value =
        serde_json::from_str(&ok(&ledger, &["due", "--as-of", "2021-06-30", "--json"])).unwrap();
    let refs = |list: &Value| -> Vec<(String, String)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["kind"].as_str().unwrap().to_string(),
                    i["ref"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    // Late: Norad's instalment and financial report, FCDO's instalment, BMZ's mid-term review.
    assert_eq!(
        refs(&due["late"]),
        [
            ("instalment", "PA-2020-003"),
            ("report", "PA-2020-003"),
            ("instalment", "PA-2020-033"),
            ("report", "PA-2020-019"),
        ]
        .map(|(k, r)| (k.to_string(), r.to_string()))
    );
    assert_eq!(due["late"][0]["days"], -91);
    assert_eq!(refs(&due["soon"]).len(), 3, "{}", due["soon"]);

    let ics = dir.path().join("due.ics");
    let out = ok(
        &ledger,
        &[
            "calendar",
            "--out",
            ics.to_str().unwrap(),
            "--as-of",
            "2021-06-30",
        ],
    );
    assert!(out.contains("12 events"), "{out}");
    let text = std::fs::read_to_string(&ics).unwrap();
    assert!(
        text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"),
        "{text}"
    );
    // Valid by a parser of the standard, each event all day with a unique, stable UID.
    let parsed: icalendar::Calendar = text.parse().unwrap();
    use icalendar::Component;
    let events: Vec<&icalendar::Event> = parsed
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 12);
    let mut uids: Vec<&str> = events.iter().map(|e| e.get_uid().unwrap()).collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), 12);
    assert!(
        uids.contains(&"instalment-PA-2020-003-2021-03-31@pledger"),
        "{uids:?}"
    );
    assert!(
        text.contains("DTSTART;VALUE=DATE:20210331\r\nDTEND")
            || text.contains("DTEND;VALUE=DATE:20210401"),
        "{text}"
    );

    // A report sent, told by importing the list again with its sending date: no longer due.
    let sent = dir.path().join("sent.csv");
    std::fs::write(
        &sent,
        "Agreement,Report type,Due date,Sent on\nPA-2020-019,Narrative,2021-05-31,2021-06-28\n",
    )
    .unwrap();
    let out = ok(
        &ledger,
        &["import", sent.to_str().unwrap(), "--kind", "deliverables"],
    );
    assert!(out.contains("sent_on: - -> 2021-06-28"), "{out}");
    let due: Value =
        serde_json::from_str(&ok(&ledger, &["due", "--as-of", "2021-06-30", "--json"])).unwrap();
    assert_eq!(due["late"].as_array().unwrap().len(), 3);
}
