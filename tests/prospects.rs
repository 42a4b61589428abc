//! Deals and funding partners' profiles imported from sheets through the real binary (the
//! kind told from the headers, problems named by row and column, nothing written until the
//! file is valid, a second import changing nothing), the sample's pipeline, and matching
//! that explains every point of its scores.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::Path;

use common::{ok, pledger, temp_ledger};
use serde_json::Value;

fn json(ledger: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&ok(ledger, args)).unwrap()
}

/// Imports `text` as the CSV `name` beside the ledger; returns the exit code and stderr.
fn import(ledger: &Path, name: &str, text: &str) -> (Option<i32>, String) {
    let file = ledger.with_file_name(name);
    std::fs::write(&file, text).unwrap();
    let out = pledger(ledger, &["import", file.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code(), err)
}

const DEALS_HEAD: &str = "Référence,Partenaire,Titre,Thème,Région,Montant demandé,Devise,Étape,Depuis,Historique,Probabilité,Raison\n";

#[test]
fn deals_import_cell_by_cell_nothing_written_until_valid_then_again_changes_nothing() {
    let (_dir, ledger) = temp_ledger();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/sample/partners.csv");
    ok(
        &ledger,
        &["import", sample.to_str().unwrap(), "--kind", "partners"],
    );
    // French headers; row 3 has four faults, row 4 one.
    let bad = format!(
        "{DEALS_HEAD}D-1,Norad,Cyber drills,Cybersecurity,Africa,500000,USD,négociation,2021-03-01,identified 2020-11-02; contacted 2021-01-10,,\n\
         D-2,SDC,Skills,Nope,Africa,100000,,flying,2021-03-01,,150 %,\n\
         D-3,Norad,Lost one,Cybersecurity,Africa,100000,USD,perdu,2021-03-01,,,\n"
    );
    let (code, err) = import(&ledger, "deals.csv", &bad);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("read as opportunities"), "{err}");
    for expected in [
        "row 3, column Thème (D), value 'Nope': 'Nope' is not in the theme list",
        "row 3, column Étape (H), value 'flying': 'flying' is not a stage",
        "row 3, column Probabilité (K), value '150 %': '150 %' is not a probability between 0 and 100 %",
        "row 4, column Raison (L): a deal lost needs its reason",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    assert_eq!(
        json(&ledger, &["deal", "list", "--json"]),
        Value::Array(vec![])
    );

    let good = format!(
        "{DEALS_HEAD}D-1,Norad,Cyber drills,Cybersecurity,Africa,500000,USD,négociation,2021-03-01,identified 2020-11-02; contacted 2021-01-10,,\n\
         D-2,SDC,Skills,Capacity development 60%; Digital inclusion 40%,Africa,100000,CHF,note conceptuelle,2021-03-01,,35 %,\n\
         D-3,Norad,Lost one,Cybersecurity,Africa,100000,USD,perdu,2021-03-01,,,Went to another agency\n"
    );
    let (code, err) = import(&ledger, "deals.csv", &good);
    assert_eq!(code, Some(0), "{err}");
    let deals = json(&ledger, &["deal", "list", "--json"]);
    let deals = deals.as_array().unwrap();
    assert_eq!(deals.len(), 3);
    assert_eq!(deals[0]["stage"], "negotiation");
    assert_eq!(deals[1]["stage"], "concept_note");
    assert_eq!(deals[1]["probability_bp"], 3500);
    assert_eq!(deals[1]["themes"][0]["percent_bp"], 6000);
    // The history the row gives, then the stage it is in.
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    let moves: Vec<(&str, &str)> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["on"].as_str().unwrap(), c["to"].as_str().unwrap()))
        .collect();
    assert_eq!(
        moves,
        [
            ("2020-11-02", "identified"),
            ("2021-01-10", "contacted"),
            ("2021-03-01", "negotiation")
        ]
    );
    // Again: nothing changes, the history is not repeated.
    let file = ledger.with_file_name("deals.csv");
    let again = ok(
        &ledger,
        &["import", file.to_str().unwrap(), "--kind", "opportunities"],
    );
    assert!(again.contains("0 new, 0 updated, 3 unchanged"), "{again}");
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    assert_eq!(shown["history"].as_array().unwrap().len(), 3);
    // A later sheet moves the deal on, as of its day.
    let moved = good.replace("négociation,2021-03-01", "pledged,2021-05-10");
    let (code, err) = import(&ledger, "deals.csv", &moved);
    assert_eq!(code, Some(0), "{err}");
    let shown = json(&ledger, &["deal", "show", "1", "--json"]);
    let last = shown["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["on"].as_str(), last["to"].as_str()),
        (Some("2021-05-10"), Some("pledged"))
    );
}

#[test]
fn prospect_profiles_import_with_their_windows_and_gates_and_bad_cells_are_named() {
    let (_dir, ledger) = temp_ledger();
    let head = "Partner,Partner type,Themes,Regions,Ticket min,Ticket max,Currency,Windows,Gates,Verified on\n";
    let bad = format!(
        "{head}Lumen Philanthropies,,Cybersecurity,Africa,100000,50000,USD,\"Call: 2021-06-01 – 2021-03-01\",,2021-01-01\n"
    );
    let (code, err) = import(&ledger, "prospects.csv", &bad);
    assert_eq!(code, Some(1));
    for expected in [
        "row 2, column Partner (A), value 'Lumen Philanthropies': 'Lumen Philanthropies' is not a partner of the ledger; give its partner type to add it",
        "row 2, column Windows (H)",
        "'Call' closes (2021-03-01) before it opens (2021-06-01)",
    ] {
        assert!(err.contains(expected), "{expected}\n{err}");
    }
    let good = format!(
        "{head}Lumen Philanthropies,Foundation,Cybersecurity; Digital inclusion,Africa,50000,100000,USD,\"Call: 2021-03-01 – 2021-06-01 https://lumen.example.org\",\"co-funding of at least 20 % (yes); LDCs only: no\",2021-01-01\n"
    );
    let (code, err) = import(&ledger, "prospects.csv", &good);
    assert_eq!(code, Some(0), "{err}");
    let list = json(
        &ledger,
        &["prospects", "list", "--as-of", "2021-06-30", "--json"],
    );
    let p = &list[0];
    assert_eq!(p["partner"], "Lumen Philanthropies");
    assert_eq!(p["stale"], false);
    let profile = &p["profile"];
    assert_eq!(
        profile["themes"],
        serde_json::json!(["cybersecurity", "digital_inclusion"])
    );
    assert_eq!(profile["ticket"]["typical"]["minor"], 7_500_000);
    assert_eq!(profile["windows"][0]["url"], "https://lumen.example.org");
    assert_eq!(profile["gates"][1]["statement"], "LDCs only");
    assert_eq!(profile["gates"][1]["met"], false);
    let list = json(
        &ledger,
        &["prospects", "list", "--as-of", "2022-06-30", "--json"],
    );
    assert_eq!(list[0]["stale"], true);

    // Several contacts: one entry per contact in each contact column, in the same order.
    let head = "Partner,Contact,Contact role,Contact email,Contact language\n";
    let uneven = format!(
        "{head}Lumen Philanthropies,Ana Silva; Li Wei,Director,ana@lumen.example.org; li@lumen.example.org,en; zh\n"
    );
    let (code, err) = import(&ledger, "contacts.csv", &uneven);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("column Contact role (C)") && err.contains("1 entries here but 2 contacts"),
        "{err}"
    );
    let two = format!(
        "{head}Lumen Philanthropies,Ana Silva; Li Wei,Director; ,ana@lumen.example.org; li@lumen.example.org,en; zh\n"
    );
    let (code, err) = import(&ledger, "contacts.csv", &two);
    assert_eq!(code, Some(0), "{err}");
    let list = json(&ledger, &["prospects", "list", "--json"]);
    let contacts = &list[0]["profile"]["contacts"];
    assert_eq!(contacts.as_array().unwrap().len(), 2, "{contacts}");
    assert_eq!(contacts[1]["name"], "Li Wei");
    assert_eq!(contacts[1]["role"], "");
    assert_eq!(contacts[1]["language"], "zh");
}

#[test]
fn the_sample_pipeline_fills_every_stage_and_its_totals_are_the_deals_sums() {
    let (_dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let deals = json(&ledger, &["deal", "list", "--json"]);
    let deals = deals.as_array().unwrap();
    assert_eq!(deals.len(), 60);
    assert_eq!(
        json(&ledger, &["prospects", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        30
    );
    let p = json(&ledger, &["pipeline", "--as-of", "2021-06-30", "--json"]);
    let mut currencies = std::collections::BTreeSet::new();
    for stage in p["stages"].as_array().unwrap() {
        let key = stage["stage"].as_str().unwrap();
        let of_stage: Vec<&Value> = deals.iter().filter(|d| d["stage"] == key).collect();
        assert!(!of_stage.is_empty(), "no sample deal is {key}");
        assert_eq!(stage["count"], of_stage.len(), "{key}");
        // Nominal per currency: the asks' sum, in minor units.
        let mut sums: std::collections::BTreeMap<String, i64> = Default::default();
        for d in &of_stage {
            let c = d["ask"]["currency"].as_str().unwrap().to_string();
            *sums.entry(c.clone()).or_default() += d["ask"]["minor"].as_i64().unwrap();
            currencies.insert(c);
        }
        for (c, minor) in sums {
            let shown = stage["nominal"][&c].as_str().unwrap().replace('.', "");
            assert_eq!(shown.parse::<i64>().unwrap(), minor, "{key} {c}");
        }
        assert!(stage["nominal"]["total"].is_string(), "{key}: {stage}");
    }
    assert!(currencies.len() >= 3, "{currencies:?}");
    // The signed ones are the sample's agreements, linked.
    let signed: Vec<&Value> = deals.iter().filter(|d| d["stage"] == "signed").collect();
    assert!(signed.iter().all(|d| d["agreement_id"].is_number()));
    // Loading the sample again changes no deal.
    ok(&ledger, &["sample"]);
    assert_eq!(
        json(&ledger, &["deal", "list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        60
    );
    // Exported to xlsx, both sheets import back unchanged.
    let out = ledger.with_file_name("deals.xlsx");
    let file = out.to_str().unwrap();
    ok(&ledger, &["export", "deals", "--out", file]);
    let back = ok(&ledger, &["import", file, "--kind", "opportunities"]);
    assert!(back.contains("0 new, 0 updated, 60 unchanged"), "{back}");
    let back = ok(&ledger, &["import", file, "--kind", "prospects"]);
    assert!(back.contains("0 new, 0 updated, 30 unchanged"), "{back}");
}

#[test]
fn matching_ranks_the_sample_prospects_and_every_point_has_its_reason() {
    let (_dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    let args = [
        "prospects",
        "match",
        "--theme",
        "Cybersecurity",
        "--theme",
        "Digital inclusion",
        "--region",
        "Africa",
        "--amount",
        "500000",
        "--currency",
        "USD",
        "--by",
        "2021-09-30",
        "--as-of",
        "2021-06-30",
        "--top",
        "30",
        "--json",
    ];
    let m = json(&ledger, &args);
    assert_eq!(m["considered"], 30);
    let ranked = m["ranked"].as_array().unwrap();
    assert_eq!(ranked.len(), 30);
    let names: Vec<&str> = ranked
        .iter()
        .map(|r| r["partner"].as_str().unwrap())
        .collect();
    assert!(names[0].contains("Norad"), "{names:?}");
    let mut last = i64::MAX;
    for r in ranked {
        let factors = r["factors"].as_array().unwrap();
        let names: Vec<&str> = factors
            .iter()
            .map(|f| f["factor"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "themes",
                "region",
                "ticket",
                "window",
                "past_giving",
                "gates"
            ]
        );
        let sum: i64 = factors.iter().map(|f| f["points"].as_i64().unwrap()).sum();
        assert_eq!(r["score"], sum, "{r}");
        assert!(
            factors
                .iter()
                .all(|f| !f["why"].as_str().unwrap().is_empty())
        );
        assert!(r["score"].as_i64().unwrap() <= last);
        last = r["score"].as_i64().unwrap();
    }
    // A gate we fail costs 25 points and is named: AFD wants 30 % co-funding.
    let afd = ranked
        .iter()
        .find(|r| r["partner"].as_str().unwrap().contains("AFD"))
        .unwrap();
    let gates = &afd["factors"][5];
    assert_eq!(gates["points"], -25);
    assert!(
        gates["why"]
            .as_str()
            .unwrap()
            .contains("co-funding of at least 30 %"),
        "{gates}"
    );
    // A ticket in another currency is compared at the day's rate: FCDO's is in GBP.
    let fcdo = ranked
        .iter()
        .find(|r| r["partner"].as_str().unwrap().contains("FCDO"))
        .unwrap();
    let why = fcdo["factors"][2]["why"].as_str().unwrap();
    assert!(why.contains("GBP 362,318.84"), "{why}");
    // In Chinese too.
    let mut zh = args.to_vec();
    zh.extend(["--lang", "zh"]);
    let m = json(&ledger, &zh);
    assert!(
        m["ranked"][0]["factors"][0]["why"]
            .as_str()
            .unwrap()
            .contains("专题")
    );
    // Past giving is what had been signed by the day ranked on: UNICEF's 2021-05-11
    // agreement counts on 2021-06-30, not on 2021-05-01.
    let giving_of = |m: &serde_json::Value| {
        m["ranked"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["partner"].as_str().unwrap().contains("UNICEF"))
            .map(|r| r["factors"][4]["why"].as_str().unwrap().to_string())
            .unwrap()
    };
    let later = giving_of(&json(&ledger, &args));
    assert!(
        later.contains("2 agreements") && later.contains("2021-05-11"),
        "{later}"
    );
    let mut earlier = args.to_vec();
    let at = earlier.iter().position(|a| *a == "2021-06-30").unwrap();
    earlier[at] = "2021-05-01";
    let before = giving_of(&json(&ledger, &earlier));
    assert!(
        before.contains("1 agreement ") && !before.contains("2021-05-11"),
        "{before}"
    );
}
