//! The other kinds of row through the one pipeline and the real binary: partner lists and
//! rate tables, in the three languages, with updates, re-imports that change nothing, undo,
//! and bad cells named by file, sheet, row and column with nothing written.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{batch_of, ok, pledger, temp_ledger};
use serde_json::Value;

/// Writes `rows` as the only sheet, named `sheet`, of a new xlsx at `path`.
fn xlsx(path: &std::path::Path, sheet: &str, rows: &[&[&str]]) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet().set_name(sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, value) in row.iter().enumerate() {
            let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
            match value.parse::<f64>() {
                Ok(n) => ws.write_number(r, c, n).unwrap(),
                Err(_) => ws.write_string(r, c, *value).unwrap(),
            };
        }
    }
    book.save(path).unwrap();
}

fn partners(ledger: &std::path::Path) -> Vec<Value> {
    let all: Value = serde_json::from_str(&ok(ledger, &["partners", "--json"])).unwrap();
    all.as_array().unwrap().clone()
}

fn rates(ledger: &std::path::Path) -> Value {
    serde_json::from_str(&ok(ledger, &["rate", "list", "--json"])).unwrap()
}

#[test]
fn a_french_partner_list_creates_updates_and_reimports_as_no_change() {
    let (dir, ledger) = temp_ledger();
    let file = dir.path().join("partenaires.xlsx");
    xlsx(
        &file,
        "Partenaires",
        &[
            &["Liste des partenaires, décembre 2026"],
            &[],
            &[
                "Nom",
                "Nom chinois",
                "Type de partenaire",
                "Pays",
                "Autres noms",
            ],
            &[
                "Agence norvégienne de coopération (Norad)",
                "挪威发展合作署",
                "Gouvernement",
                "NO",
                "Norad | NORAD",
            ],
            &[
                "Banque africaine de développement",
                "",
                "Organisation internationale",
                "",
                "BAfD",
            ],
        ],
    );
    let f = file.to_str().unwrap();
    let dry: Value = serde_json::from_str(&ok(
        &ledger,
        &["import", f, "--kind", "partners", "--dry-run", "--json"],
    ))
    .unwrap();
    assert_eq!(dry["plan"]["header_row"], 3, "{dry}");
    assert_eq!(dry["plan"]["new_partners"].as_array().unwrap().len(), 2);
    assert!(partners(&ledger).is_empty(), "a dry run writes nothing");

    let out = ok(&ledger, &["import", f, "--kind", "partners"]);
    assert!(out.contains("2 created"), "{out}");
    let all = partners(&ledger);
    let norad = all
        .iter()
        .find(|p| p["name_zh"] == "挪威发展合作署")
        .unwrap();
    assert_eq!(norad["partner_type"], "government");
    // "NORAD" is "Norad" again: one spelling.
    assert_eq!(norad["aliases"], serde_json::json!(["Norad"]), "{norad}");
    let afdb = all.iter().find(|p| p["aliases"][0] == "BAfD").unwrap();
    assert_eq!(afdb["partner_type"], "intl_org", "{afdb}");

    let again = ok(&ledger, &["import", f, "--kind", "partners"]);
    assert!(again.contains("Nothing to change"), "{again}");

    // A later list, in Chinese, names Norad by a spelling the ledger knows and adds one.
    let later = dir.path().join("partners-zh.csv");
    std::fs::write(
        &later,
        "名称,类型,国家,别名\nNorad,政府,NO,Norwegian Agency for Development Cooperation\n",
    )
    .unwrap();
    let out = ok(
        &ledger,
        &["import", later.to_str().unwrap(), "--kind", "partners"],
    );
    assert!(
        out.contains("1 updated") && out.contains("aliases:"),
        "{out}"
    );
    let norad: Vec<Value> = partners(&ledger)
        .into_iter()
        .filter(|p| p["name_zh"] == "挪威发展合作署")
        .collect();
    assert_eq!(norad.len(), 1, "the same partner, not a new one");
    assert_eq!(norad[0]["aliases"].as_array().unwrap().len(), 2);
    let batch = batch_of(&out);
    ok(&ledger, &["import", "--undo", &batch]);
    let norad = partners(&ledger)
        .into_iter()
        .find(|p| p["name_zh"] == "挪威发展合作署")
        .unwrap();
    assert_eq!(norad["aliases"], serde_json::json!(["Norad"]), "undone");
}

#[test]
fn bad_partner_rows_name_the_cell_and_write_nothing() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["init"]);
    let file = dir.path().join("partners.csv");
    std::fs::write(
        &file,
        "Name,Type,Aliases\n\
         Acme Telecom,Private sector,ACME\n\
         Globex,Spaceship,\n\
         Initech,Private sector,ACME\n\
         ,Government,GOV\n",
    )
    .unwrap();
    let out = pledger(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "partners"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("partners.csv, sheet 'partners', row 3, column Type (B), value 'Spaceship': 'Spaceship' is not a partner type"),
        "{err}"
    );
    assert!(
        err.contains("row 4, column Aliases (C), value 'ACME': 'ACME' appears already on row 2"),
        "{err}"
    );
    assert!(
        err.contains("row 5, column Name (A): the partner's name is missing"),
        "{err}"
    );
    assert!(partners(&ledger).is_empty(), "nothing written");
    // --skip-invalid takes the valid row only.
    let out = ok(
        &ledger,
        &[
            "import",
            file.to_str().unwrap(),
            "--kind",
            "partners",
            "--skip-invalid",
        ],
    );
    assert!(out.contains("1 created"), "{out}");
    assert_eq!(partners(&ledger).len(), 1);
}

#[test]
fn a_rate_table_in_french_sets_updates_and_undoes_rates() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["init"]);
    let file = dir.path().join("taux.csv");
    std::fs::write(
        &file,
        "Devise;Date d'effet;Taux\nEUR;01/01/2021;1,2200\nCHF;01/01/2021;1,0900\nEUR;13/07/2021;1,1800\n",
    )
    .unwrap();
    let out = ok(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "rates"],
    );
    assert!(out.contains("3 created"), "{out}");
    let list = rates(&ledger);
    let eur: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["currency"] == "EUR")
        .collect();
    assert_eq!(eur.len(), 2, "{list}");
    assert!(
        eur.iter()
            .any(|r| r["valid_from"] == "2021-07-13" && r["rate"] == "1.18"),
        "slash dates read day first (13/07): {list}"
    );
    let again = ok(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "rates"],
    );
    assert!(again.contains("Nothing to change"), "{again}");

    let before = rates(&ledger);
    std::fs::write(
        &file,
        "Currency,Valid from,Rate\nEUR,2021-01-01,1.25\nJPY,2021-01-01,0.0095\n",
    )
    .unwrap();
    let out = ok(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "rates"],
    );
    assert!(
        out.contains("1 created, 1 updated") && out.contains("rate: 1.22 -> 1.25"),
        "{out}"
    );
    let batch = batch_of(&out);
    ok(&ledger, &["import", "--undo", &batch]);
    assert_eq!(
        rates(&ledger),
        before,
        "undo restores the rate and removes the new one"
    );
}

#[test]
fn bad_rate_rows_name_the_cell_and_write_nothing() {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["init"]);
    let file = dir.path().join("rates.csv");
    std::fs::write(
        &file,
        "Currency,Date,Rate\nEUR,2021-01-01,0\nXYZ,2021-01-01,1.1\nCHF,2021-02-30,1.1\nGBP,2021-01-01,1.3\nGBP,2021-01-01,1.4\nUSD,2021-01-01,1\n",
    )
    .unwrap();
    let out = pledger(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "rates"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    for expected in [
        "row 2, column Rate (C), value '0': '0' is not a rate above zero",
        "row 3, column Currency (A), value 'XYZ': 'XYZ' is not an ISO 4217 currency code",
        "row 4, column Date (B), value '2021-02-30'",
        "row 6, column Date (B), value '2021-01-01': row 5 gives the GBP rate of 2021-01-01 already",
        "row 7, column Currency (A), value 'USD': USD to itself needs no rate",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert_eq!(rates(&ledger), serde_json::json!([]), "nothing written");
    let refused = pledger(
        &ledger,
        &[
            "import",
            file.to_str().unwrap(),
            "--kind",
            "rates",
            "--new",
            "Acme",
        ],
    );
    assert_eq!(refused.status.code(), Some(2));
}
