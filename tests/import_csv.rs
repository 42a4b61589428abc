//! Importing consultants' sheets through the real binary: automatic mapping, messy values,
//! re-imports that change nothing, corrections, undo, and bad input that writes nothing.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{fixture, ok, pledger, report_json, temp_ledger};
use serde_json::Value;

fn with_sample_partners(ledger: &std::path::Path) {
    let mut l = pledger::ledger::Ledger::open(ledger).unwrap();
    pledger::import::import_bytes::<pledger::import::Partners>(
        &mut l,
        "partners.csv",
        pledger::import::sample::PARTNERS_CSV.as_bytes(),
    )
    .unwrap();
    pledger::import::import_bytes::<pledger::import::Rates>(
        &mut l,
        "rates.csv",
        pledger::import::sample::RATES_CSV.as_bytes(),
    )
    .unwrap();
}

fn dump(ledger: &std::path::Path) -> (Value, Value) {
    let a = serde_json::from_str(&ok(ledger, &["agreements", "--json"])).unwrap();
    let p = serde_json::from_str(&ok(ledger, &["partners", "--json"])).unwrap();
    (a, p)
}

#[test]
fn a_chinese_consultant_sheet_reproduces_2021q1_and_reimports_as_no_change() {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = fixture("workbooks/consultant-2021Q1-zh.csv");
    let file = file.to_str().unwrap();

    let dry: Value =
        serde_json::from_str(&ok(&ledger, &["import", file, "--dry-run", "--json"])).unwrap();
    assert_eq!(dry["plan"]["header_row"], 3);
    assert!(dry["committed"].is_null());
    let warnings: Vec<&str> = dry["plan"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["message"].as_str().unwrap())
        .collect();
    assert!(
        warnings.iter().any(|w| w.contains("totals row")),
        "{warnings:?}"
    );
    assert_eq!(
        report_json(&ledger, "2021Q1", "en")["agreements_signed"],
        0,
        "a dry run writes nothing"
    );

    let out = ok(&ledger, &["import", file]);
    assert!(out.contains("21 created"), "{out}");
    let q1 = report_json(&ledger, "2021Q1", "zh");
    assert_eq!(q1["agreements_signed"], 19);
    assert_eq!(q1["agreements_with_financial_contribution"], 14);
    assert_eq!(q1["partner_contributions"], "6400000.00");
    assert_eq!(q1["own_contributions"], "2021052.63");
    assert_eq!(
        q1["top_partners"][0]["partner"],
        "中华人民共和国工业和信息化部"
    );
    assert_eq!(q1["top_partners"][0]["amount"], "1800000.00");
    assert_eq!(q1["top_partners"][1]["amount"], "1400000.00");
    assert_eq!(q1["top_partners"][2]["amount"], "562500.00");

    let before = dump(&ledger);
    let again = ok(&ledger, &["import", file]);
    assert!(again.contains("Nothing to change"), "{again}");
    assert_eq!(dump(&ledger), before);
}

#[test]
fn an_english_sheet_with_synonyms_and_day_first_dates_reproduces_2020() {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = fixture("workbooks/partners-2020-en.tsv");
    ok(&ledger, &["import", file.to_str().unwrap()]);
    let y = report_json(&ledger, "2020", "en");
    assert_eq!(y["agreements_signed"], 43);
    assert_eq!(y["agreements_with_financial_contribution"], 28);
    assert_eq!(y["partner_contributions"], "15200000.00");
    assert_eq!(y["top_partners"][0]["amount"], "3300000.00");
}

#[test]
fn corrections_update_field_by_field_and_undo_restores_exactly() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let original = "Reference,Partner,Partner type,Region,Theme,Signed on,Amount,Currency\n\
                    X-1,Norad,Government,Africa,Cybersecurity,2021-02-01,\"1,000,000\",USD\n\
                    X-2,Acme Telecom,Private sector,Europe,Digital inclusion,2021-02-02,250000,EUR\n";
    let first = dir.path().join("first.csv");
    std::fs::write(&first, original).unwrap();
    let empty = dump(&ledger);
    let out = ok(&ledger, &["import", first.to_str().unwrap()]);
    assert!(
        out.contains("2 created") && out.contains("1 partner created"),
        "{out}"
    );
    let after_first = dump(&ledger);

    let corrected = dir.path().join("corrected.csv");
    std::fs::write(
        &corrected,
        original.replace("\"1,000,000\"", "\"1,200,000\""),
    )
    .unwrap();
    let out = ok(&ledger, &["import", corrected.to_str().unwrap()]);
    assert!(
        out.contains("1 updated") && out.contains("amount: USD 1,000,000.00 -> USD 1,200,000.00"),
        "{out}"
    );
    assert!(out.contains("import batch 4"), "{out}");

    ok(&ledger, &["import", "--undo", "4"]);
    assert_eq!(dump(&ledger), after_first);
    ok(&ledger, &["import", "--undo", "3"]);
    assert_eq!(dump(&ledger), empty);
    assert_eq!(
        pledger(&ledger, &["import", "--undo", "3"]).status.code(),
        Some(1)
    );
}

#[test]
fn bad_values_name_the_cell_and_write_nothing() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = dir.path().join("bad.csv");
    std::fs::write(
        &file,
        "Partner,Type,Region,Theme,Date,Amount\n\
         Norad,Government,Africa,Cybersecurity,2021-02-01,500000\n\
         Norad,Government,Mars,Cybersecurity,2021-02-03,100\n\
         Someone New,Alien,Africa,Cybersecurity,2021-02-04,abc\n",
    )
    .unwrap();
    let before = dump(&ledger);
    let out = pledger(&ledger, &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.csv, sheet 'bad', row 3, column Region (C), value 'Mars'"),
        "{err}"
    );
    assert!(
        err.contains("row 4, column Amount (F), value 'abc'"),
        "{err}"
    );
    assert!(err.contains("'Alien' is not a partner type"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert_eq!(dump(&ledger), before);

    // --skip-invalid commits the valid row only.
    let out = ok(
        &ledger,
        &["import", file.to_str().unwrap(), "--skip-invalid"],
    );
    assert!(
        out.contains("1 created") && out.contains("2 invalid rows left out"),
        "{out}"
    );
}

#[test]
fn ambiguous_dates_are_reported_not_guessed_and_mapping_can_be_explicit() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = dir.path().join("dates.csv");
    std::fs::write(&file, "Partner,Type,Region,Theme,Signed,Funds\nNorad,Government,Africa,Cybersecurity,03/04/2021,100\n").unwrap();
    let out = pledger(&ledger, &["import", file.to_str().unwrap(), "--dry-run"]);
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("ambiguous"), "{text}");
    assert!(
        text.contains("not mapped: column F \"Funds\" (100): looks like amount"),
        "{text}"
    );
    let json: Value = serde_json::from_str(&ok(
        &ledger,
        &[
            "import",
            file.to_str().unwrap(),
            "--dry-run",
            "--json",
            "--map",
            "amount=Funds",
        ],
    ))
    .unwrap();
    assert!(
        json["plan"]["mapped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m[0] == "Funds" && m[1] == "amount")
    );
    // Unreadable files are usage errors (exit 2).
    let xyz = dir.path().join("notes.xyz");
    std::fs::write(&xyz, "x").unwrap();
    assert_eq!(
        pledger(&ledger, &["import", xyz.to_str().unwrap()])
            .status
            .code(),
        Some(2)
    );
}

/// Values that would pass as cells but break a report later are per-cell problems at
/// import: a currency that is not ISO 4217, an amount past what converts exactly, a year
/// outside 1900–2200, a cell longer than Excel's 32,767 characters (shown as an excerpt);
/// nothing is written. Theme splits written with commas read as with semicolons.
#[test]
fn hostile_values_are_problems_of_their_cell_and_nothing_is_written() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let long = "x".repeat(40_000);
    let file = dir.path().join("hostile.csv");
    std::fs::write(
        &file,
        format!(
            "Reference,Partner,Type,Region,Theme,Signed,Amount,Currency,Notes\n\
             H-1,Norad,Government,Africa,Cybersecurity,2021-02-01,1000,XYZ,\n\
             H-2,Norad,Government,Africa,Cybersecurity,2021-02-02,1000,BTC,\n\
             H-3,Norad,Government,Africa,Cybersecurity,2021-02-03,9000000000000000,EUR,\n\
             H-4,Norad,Government,Africa,Cybersecurity,0000-01-01,1000,USD,\n\
             H-5,Norad,Government,Africa,Cybersecurity,2500-01-01,1000,USD,\n\
             H-6,Norad,Government,Africa,Cybersecurity,2021-02-06,1000,USD,{long}\n\
             H-7,Norad,Government,Africa,\"Cybersecurity 50%, Digital inclusion 50%\",2021-02-07,1000,USD,\n"
        ),
    )
    .unwrap();
    let before = ok(&ledger, &["agreements", "--json"]);
    let out = pledger(&ledger, &["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = |row: usize| -> String {
        err.lines()
            .find(|l| l.contains(&format!("row {row},")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line(2).contains("'XYZ' is not an ISO 4217 currency code"),
        "{err}"
    );
    assert!(
        line(3).contains("'BTC' is not an ISO 4217 currency code"),
        "{err}"
    );
    assert!(
        line(4).contains("is larger than an agreement Pledger takes"),
        "{err}"
    );
    assert!(
        line(5).contains("column Signed") && line(5).contains("years 1900 to 2200"),
        "{err}"
    );
    assert!(
        line(6).contains("2500-01-01") && line(6).contains("years 1900 to 2200"),
        "{err}"
    );
    assert!(line(7).contains("the cell holds 40000 characters"), "{err}");
    assert!(
        line(7).len() < 400,
        "a value is shown as an excerpt: {}",
        line(7).len()
    );
    assert!(
        line(8).is_empty(),
        "comma-separated theme splits read: {}",
        line(8)
    );
    assert!(err.len() < 4_000, "stderr holds {} bytes", err.len());
    assert_eq!(ok(&ledger, &["agreements", "--json"]), before);
    // The valid row only: its theme split as written.
    ok(
        &ledger,
        &["import", file.to_str().unwrap(), "--skip-invalid"],
    );
    let agreements: Value = serde_json::from_str(&ok(&ledger, &["agreements", "--json"])).unwrap();
    let h7 = agreements
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["reference"] == "H-7")
        .expect("H-7 imported");
    assert_eq!(h7["themes"].as_array().unwrap().len(), 2, "{h7}");
}

/// Undoing an import whose agreements a later import changed is refused, naming what is in
/// the way; undone in order, newest first, both go. (Batches 1 and 2 are the sample's
/// partners and rates.)
#[test]
fn an_older_import_is_not_undone_over_later_changes() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let first = dir.path().join("first.csv");
    std::fs::write(
        &first,
        "Reference,Partner,Type,Region,Theme,Signed,Amount (USD)\n\
         U-1,Norad,Government,Africa,Cybersecurity,2021-02-01,1000\n\
         U-2,Norad,Government,Africa,Cybersecurity,2021-02-02,2000\n",
    )
    .unwrap();
    let second = dir.path().join("second.csv");
    std::fs::write(
        &second,
        "Reference,Partner,Type,Region,Theme,Signed,Amount (USD)\n\
         U-2,Norad,Government,Africa,Cybersecurity,2021-02-02,2500\n",
    )
    .unwrap();
    ok(&ledger, &["import", first.to_str().unwrap()]);
    let out = ok(&ledger, &["import", second.to_str().unwrap()]);
    assert!(out.contains("1 updated"), "{out}");
    let before = ok(&ledger, &["agreements", "--json"]);
    let refused = pledger(&ledger, &["import", "--undo", "3"]);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(
        err.contains("import batch 3 cannot be undone")
            && err.contains("agreement U-2 changed by import batch 4"),
        "{err}"
    );
    assert_eq!(
        ok(&ledger, &["agreements", "--json"]),
        before,
        "nothing was undone"
    );
    ok(&ledger, &["import", "--undo", "4"]);
    ok(&ledger, &["import", "--undo", "3"]);
    let left: Value = serde_json::from_str(&ok(&ledger, &["agreements", "--json"])).unwrap();
    assert!(
        left.as_array()
            .unwrap()
            .iter()
            .all(|a| !a["reference"].as_str().unwrap_or("").starts_with("U-")),
        "{left}"
    );
}

/// Converted sums are exact to the cent: each amount is converted to hundredths of a cent,
/// and each figure rounded once, so 10,000 agreements of JPY 1 at 0.0095 report USD 95.00
/// (rounded one by one they made USD 100.00).
#[test]
fn converted_sums_are_rounded_once() {
    use std::fmt::Write as _;
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    ok(&ledger, &["rate", "set", "JPY", "2021-01-01", "0.0095"]);
    let mut csv = String::from("Reference,Partner,Type,Region,Theme,Signed,Amount,Currency\n");
    for i in 0..10_000 {
        writeln!(
            csv,
            "Y-{i},Norad,Government,Africa,Cybersecurity,2021-02-01,1,JPY"
        )
        .unwrap();
    }
    let file = dir.path().join("yen.csv");
    std::fs::write(&file, csv).unwrap();
    ok(&ledger, &["import", file.to_str().unwrap()]);
    let report = report_json(&ledger, "2021Q1", "en");
    assert_eq!(report["partner_contributions"], "95.00", "{report}");
    assert_eq!(report["top_partners"][0]["amount"], "95.00");
    assert_eq!(report["by_region"][0]["amount"], "95.00");
}

/// The partner names of the ledger.
fn partner_names(ledger: &std::path::Path) -> Vec<String> {
    let p: Value = serde_json::from_str(&ok(ledger, &["partners", "--json"])).unwrap();
    let list = p.as_array().cloned().unwrap_or_default();
    list.iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect()
}

/// A sheet naming one new partner, written in Windows-1252 (what Excel on a Western
/// European Windows saves as "CSV").
fn windows_1252_sheet() -> Vec<u8> {
    let text = "Reference,Partner,Type,Region,Theme,Signed,Amount,Currency\r\n\
                E-1,Société Générale Café,Private sector,Europe,Cybersecurity,2021-02-01,250000,EUR\r\n\
                E-2,Fondation Hélène Müller,Fund,Europe,Cybersecurity,2021-02-02,1000,EUR\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&bytes).is_err());
    bytes.into_owned()
}

#[test]
fn a_windows_1252_sheet_imports_with_its_accents_and_the_review_names_its_encoding() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = dir.path().join("cafe.csv");
    std::fs::write(&file, windows_1252_sheet()).unwrap();
    let file = file.to_str().unwrap();

    let review = ok(&ledger, &["import", file, "--dry-run"]);
    assert!(
        review.contains("read as windows-1252 (detected; --encoding NAME chooses)"),
        "{review}"
    );
    let dry: Value =
        serde_json::from_str(&ok(&ledger, &["import", file, "--dry-run", "--json"])).unwrap();
    assert_eq!(dry["plan"]["encoding"]["name"], "windows-1252");
    assert_eq!(dry["plan"]["encoding"]["chosen"], "detected");

    ok(&ledger, &["import", file]);
    let names = partner_names(&ledger);
    assert!(
        names.iter().any(|n| n == "Société Générale Café"),
        "{names:?}"
    );
    assert!(
        names.iter().any(|n| n == "Fondation Hélène Müller"),
        "{names:?}"
    );
}

#[test]
fn a_gb18030_sheet_is_named_so_in_the_review_and_imports_its_chinese_names() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let review = ok(
        &ledger,
        &[
            "import",
            fixture("workbooks/consultant-2021Q1-zh.csv")
                .to_str()
                .unwrap(),
            "--dry-run",
        ],
    );
    assert!(review.contains("read as gb18030 (detected"), "{review}");

    let text = "编号,供资伙伴,合作伙伴类型,区域,专题重点,签署日期,财务捐款（美元）\r\n\
                ZH-1,中国信息通信研究院,政府,亚太,网络安全,2021年3月1日,120000\r\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    let file = dir.path().join("caict.csv");
    std::fs::write(&file, &bytes).unwrap();
    let review = ok(&ledger, &["import", file.to_str().unwrap()]);
    assert!(review.contains("read as gb18030"), "{review}");
    let names = partner_names(&ledger);
    assert!(names.iter().any(|n| n == "中国信息通信研究院"), "{names:?}");
}

#[test]
fn invalid_bytes_in_a_utf8_sheet_are_a_problem_on_their_row_and_nothing_is_written() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let mut bytes = "Reference,Partner,Type,Region,Theme,Signed,Amount,Currency\n\
                     U-1,Société Générale Café,Private sector,Europe,Cybersecurity,2021-02-01,1000,EUR\n\
                     U-2,Fondation Hélène Müller,Fund,Europe,Cybersecurity,2021-02-02,1000,EUR\n"
        .as_bytes()
        .to_vec();
    bytes.extend_from_slice(
        b"U-3,Bad \xff\xfe Bytes,Fund,Europe,Cybersecurity,2021-02-03,1000,EUR\n",
    );
    bytes.extend_from_slice(
        "U-4,Zürich Fund,Fund,Europe,Cybersecurity,2021-02-04,1000,EUR\n".as_bytes(),
    );
    let file = dir.path().join("bad-bytes.csv");
    std::fs::write(&file, &bytes).unwrap();
    let file = file.to_str().unwrap();
    let before = dump(&ledger);

    for args in [vec!["import", file], vec!["import", file, "--skip-invalid"]] {
        let out = pledger(&ledger, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        let bad: Vec<&str> = err
            .lines()
            .filter(|l| l.contains("not UTF-8 text"))
            .collect();
        assert_eq!(bad.len(), 1, "{err}");
        // The cell is quoted as read, each malformed byte a U+FFFD.
        assert!(
            bad[0].starts_with(
                "error: bad-bytes.csv, sheet 'bad-bytes', row 4, column Partner (B), value 'Bad \u{FFFD}\u{FFFD} Bytes':"
            ),
            "{err}"
        );
        assert!(err.contains("--encoding"), "{err}");
        assert!(err.contains("nothing was written"), "{err}");
        let out = String::from_utf8_lossy(&out.stdout);
        assert!(out.contains("read as UTF-8"), "{out}");
        assert_eq!(dump(&ledger), before);
    }
}

#[test]
fn the_encoding_given_overrides_the_one_detected() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let path = dir.path().join("cafe.csv");
    std::fs::write(&path, windows_1252_sheet()).unwrap();
    let file = path.to_str().unwrap();
    let before = dump(&ledger);

    // Read as UTF-8, as told, the accents are bytes that are not UTF-8: problems, on their rows.
    let out = pledger(&ledger, &["import", file, "--encoding", "utf-8"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for row in [2, 3] {
        assert!(
            err.lines()
                .any(|l| l.contains(&format!("row {row}, column Partner (B)"))
                    && l.contains("not UTF-8 text")),
            "{err}"
        );
    }
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("read as UTF-8 (as given)"),
        "{out:?}"
    );
    assert_eq!(dump(&ledger), before);

    // A name the file cannot mean is a usage error, before anything is read.
    let out = pledger(&ledger, &["import", file, "--encoding", "klingon"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("'klingon' is not an encoding"), "{err}");

    // Any label of the Encoding Standard: cp1252 is windows-1252.
    let review = ok(&ledger, &["import", file, "--encoding", "cp1252"]);
    assert!(
        review.contains("read as windows-1252 (as given)"),
        "{review}"
    );
    let names = partner_names(&ledger);
    assert!(
        names.iter().any(|n| n == "Société Générale Café"),
        "{names:?}"
    );

    // A UTF-8 file read as windows-1252, as told: the override wins over the UTF-8 rule.
    let utf8 = dir.path().join("utf8.csv");
    std::fs::write(
        &utf8,
        "Reference,Partner,Type,Region,Theme,Signed,Amount,Currency\n\
         O-1,Ãœber Fund,Fund,Europe,Cybersecurity,2021-02-05,1000,EUR\n"
            .as_bytes(),
    )
    .unwrap();
    let dry: Value = serde_json::from_str(&ok(
        &ledger,
        &[
            "import",
            utf8.to_str().unwrap(),
            "--encoding",
            "windows-1252",
            "--dry-run",
            "--json",
        ],
    ))
    .unwrap();
    assert_eq!(dry["plan"]["encoding"]["name"], "windows-1252");
    assert_eq!(dry["plan"]["encoding"]["chosen"], "given");
}
