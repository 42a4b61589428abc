//! The ledger file as a user meets it: migrations from old files, refusal of newer ones
//! and of non-ledgers, backups, rates, exit codes and the audit trail.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use common::{fixture, ok, pledger, report_json, temp_ledger};
use pledger::domain::{
    Agreement, AgreementId, Currency, Money, Partner, PartnerId, Period, Status, ThemeShare,
};
use pledger::ledger::{Ledger, LedgerError, latest_version};
use pledger::report::Snapshot;

/// A partner to hang agreements on.
fn norad() -> Partner {
    Partner {
        id: PartnerId(0),
        name: "Norad".into(),
        name_zh: None,
        partner_type: "government".into(),
        country: Some("NO".into()),
        aliases: vec![],
    }
}

fn v1_ledger(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&std::fs::read_to_string(fixture("ledger-v1.sql")).unwrap())
        .unwrap();
}

#[test]
fn a_first_schema_ledger_migrates_and_keeps_its_data() {
    let (_dir, path) = temp_ledger();
    v1_ledger(&path);
    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(
        pledger::ledger::version(ledger.connection()).unwrap(),
        latest_version()
    );
    assert_eq!(ledger.revision().unwrap(), 7);
    assert_eq!(
        ledger.partners().unwrap()[0].aliases,
        vec!["Norad".to_string()]
    );
    let report = Snapshot::load(&ledger)
        .unwrap()
        .report(&Period::parse("2020").unwrap(), 3)
        .unwrap();
    // USD 3,300,000 + EUR 1,000.00 at 1.12.
    assert_eq!(report.partner_total_minor, 330_000_000 + 112_000);
    assert!(ledger.batches().unwrap().is_empty());
    assert_eq!(ledger.audit(10).unwrap().len(), 1);
}

#[test]
fn newer_and_foreign_files_are_refused() {
    let (dir, path) = temp_ledger();
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    match Ledger::open(&path) {
        Err(LedgerError::TooNew { found: 99, .. }) => {}
        other => panic!("expected TooNew, got {other:?}"),
    }
    let out = pledger(&path, &["partners"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("newer Pledger"));

    let text = dir.path().join("notes.sqlite3");
    std::fs::write(&text, "these are not the droids").unwrap();
    let out = pledger(&text, &["partners"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not a Pledger ledger") && err.contains("notes.sqlite3"),
        "{err}"
    );
}

#[test]
fn backups_rates_and_exit_codes() {
    let (dir, path) = temp_ledger();
    ok(&path, &["sample"]);
    let copy = dir.path().join("copy.sqlite3");
    ok(&path, &["backup", "--to", copy.to_str().unwrap()]);
    assert_eq!(
        report_json(&copy, "2021Q1", "en"),
        report_json(&path, "2021Q1", "en")
    );
    // Refused: the backup exists already.
    assert_eq!(
        pledger(&path, &["backup", "--to", copy.to_str().unwrap()])
            .status
            .code(),
        Some(1)
    );
    // Bad usage.
    assert_eq!(
        pledger(&path, &["report", "--period", "2021Q7"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        pledger(&path, &["rate", "set", "EURO", "2021-01-01", "1.2"])
            .status
            .code(),
        Some(2)
    );

    ok(&path, &["rate", "set", "JPY", "2021-01-01", "0.0095"]);
    let rates: serde_json::Value =
        serde_json::from_str(&ok(&path, &["rate", "list", "--json"])).unwrap();
    assert!(
        rates
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["currency"] == "JPY" && r["rate"] == "0.0095")
    );
}

#[test]
fn a_missing_rate_is_named_not_guessed() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    let nok: Currency = "NOK".parse().unwrap();
    ledger
        .write(|w| {
            let p = w.add_partner(&norad())?;
            w.add_agreement(&Agreement {
                id: AgreementId(0),
                reference: None,
                title: "T".into(),
                partner_id: p,
                signed_on: chrono::NaiveDate::from_ymd_opt(2021, 2, 3).unwrap(),
                status: Status::Signed,
                contribution: Some(Money::from_minor(100_000, nok)),
                value_date: None,
                own_part: None,
                region: "africa".into(),
                themes: vec![ThemeShare {
                    theme: "capacity".into(),
                    percent_bp: 10_000,
                }],
                notes: String::new(),
            })
        })
        .unwrap();
    let err = Snapshot::load(&ledger)
        .unwrap()
        .report(&Period::parse("2021Q1").unwrap(), 3)
        .unwrap_err();
    assert!(
        err.to_string().contains("NOK to USD on 2021-02-03"),
        "{err}"
    );
    // Another period is unaffected.
    assert!(
        Snapshot::load(&ledger)
            .unwrap()
            .report(&Period::parse("2020").unwrap(), 3)
            .is_ok()
    );
}

#[test]
fn every_write_bumps_the_revision_and_is_audited() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    let before = ledger.revision().unwrap();
    let id = ledger
        .write(|w| {
            w.add_partner(&Partner {
                id: PartnerId(0),
                name: "UNDP".into(),
                name_zh: None,
                partner_type: "un".into(),
                country: None,
                aliases: vec!["United Nations Development Programme".into()],
            })
        })
        .unwrap();
    assert_eq!(ledger.revision().unwrap(), before + 1);
    let mut p = ledger.partner(id).unwrap();
    p.country = Some("US".into());
    ledger.write(|w| w.update_partner(&p)).unwrap();
    let audit = ledger.audit(5).unwrap();
    assert_eq!(audit[0].action, "update");
    assert!(
        audit[0]
            .old
            .as_deref()
            .unwrap()
            .contains("\"country\":null")
    );
    assert!(
        audit[0]
            .new
            .as_deref()
            .unwrap()
            .contains("\"country\":\"US\"")
    );
    // An invalid change is refused whole: nothing lands, the revision stays.
    let rev = ledger.revision().unwrap();
    let bad = ledger.write(|w| {
        w.delete_partner(id)?;
        w.add_partner(&Partner {
            partner_type: "martians".into(),
            ..p.clone()
        })
    });
    assert!(matches!(bad, Err(LedgerError::Invalid { .. })), "{bad:?}");
    assert_eq!(ledger.revision().unwrap(), rev);
    assert_eq!(ledger.partners().unwrap().len(), 1);
}

#[test]
fn agreements_created_in_a_row_share_one_audit_entry_and_their_batch_undoes_them_all() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    let agreement = |partner, reference: &str, themes: &[(&str, u32)]| Agreement {
        id: AgreementId(0),
        reference: Some(reference.into()),
        title: "T".into(),
        partner_id: partner,
        signed_on: chrono::NaiveDate::from_ymd_opt(2021, 2, 3).unwrap(),
        status: Status::Signed,
        contribution: Some(Money::from_minor(100_000, Currency::USD)),
        value_date: None,
        own_part: None,
        region: "africa".into(),
        themes: themes
            .iter()
            .map(|(theme, percent_bp)| ThemeShare {
                theme: (*theme).into(),
                percent_bp: *percent_bp,
            })
            .collect(),
        notes: String::new(),
    };
    let (batch, ids) = ledger
        .write(|w| {
            let batch = w.begin_batch("agreements.xlsx", "00")?;
            let p = w.add_partner(&norad())?;
            let mut ids = Vec::new();
            for (reference, themes) in [
                ("A-1", vec![("capacity", 10_000)]),
                ("A-2", vec![("capacity", 4_000), ("statistics", 6_000)]),
                ("A-3", vec![("statistics", 10_000)]),
            ] {
                let mut a = agreement(p, reference, &themes);
                // Each shape of the audit's JSON: no money, own part, value date, notes.
                match reference {
                    "A-2" => {
                        a.own_part = Some(Money::from_minor(25_000, Currency::USD));
                        a.value_date = chrono::NaiveDate::from_ymd_opt(2021, 2, 5);
                        a.notes = "in two \"tranches\"".into();
                    }
                    "A-3" => a.contribution = None,
                    _ => {}
                }
                ids.push(w.add_agreement(&a)?);
            }
            // Theme links still held back are read with the agreement all the same.
            let found = w.agreement_with_reference("A-2")?.unwrap();
            assert_eq!(found.themes.len(), 2);
            ids.push(w.add_agreement(&agreement(p, "A-4", &[("statistics", 10_000)]))?);
            Ok((batch, ids))
        })
        .unwrap();
    assert_eq!(ledger.agreement(ids[1]).unwrap().themes.len(), 2);
    assert_eq!(ledger.agreement(ids[3]).unwrap().themes.len(), 1);
    let creates: Vec<_> = ledger
        .audit(10)
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "agreement")
        .collect();
    assert_eq!(creates.len(), 1, "{creates:?}");
    assert_eq!(
        creates[0].entity_id.as_deref(),
        Some(format!("{}-{}", ids[0].0, ids[3].0).as_str())
    );
    assert_eq!(creates[0].action, "create");
    assert_eq!(creates[0].batch_id, Some(batch));

    let before: Vec<Agreement> = ids
        .iter()
        .map(|id| ledger.agreement(*id).unwrap())
        .collect();

    // Undo deletes each agreement of the range, and the partner: five changes.
    assert_eq!(ledger.write(|w| w.undo_batch(batch)).unwrap(), 5);
    for id in &ids {
        assert!(ledger.agreement(*id).is_err());
    }
    assert!(ledger.partners().unwrap().is_empty());
    // Each deletion's audit entry holds the agreement as it was, newest first, in the JSON
    // a single deletion writes.
    let deleted: Vec<_> = ledger
        .audit(20)
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "agreement" && e.action == "delete")
        .collect();
    assert_eq!(deleted.len(), 4);
    for (entry, agreement) in deleted.iter().zip(before.iter()) {
        assert_eq!(entry.entity_id, Some(agreement.id.0.to_string()));
        let old = entry.old.as_deref().unwrap();
        assert_eq!(old, serde_json::to_string(agreement).unwrap());
        assert_eq!(&serde_json::from_str::<Agreement>(old).unwrap(), agreement);
    }
}

#[test]
fn merging_partners_moves_agreements_and_keeps_the_old_name_as_alias() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    pledger::import::load_sample(&mut ledger).unwrap();
    let partners = ledger.partners().unwrap();
    let miit = partners
        .iter()
        .find(|p| p.aliases.contains(&"MIIT".to_string()))
        .unwrap()
        .id;
    let dup = ledger
        .write(|w| {
            w.add_partner(&Partner {
                id: PartnerId(0),
                name: "Ministry of Industry & IT (China)".into(),
                name_zh: None,
                partner_type: "government".into(),
                country: Some("CN".into()),
                aliases: vec![],
            })
        })
        .unwrap();
    ledger.write(|w| w.merge_partners(dup, miit)).unwrap();
    let merged = ledger.partner(miit).unwrap();
    assert!(
        merged
            .aliases
            .contains(&"Ministry of Industry & IT (China)".to_string())
    );
    assert!(ledger.partner(dup).is_err());
}

/// The layers of ARCHITECTURE.md: only `ledger` speaks SQL; only `ui` names egui, eframe or rfd.
#[test]
fn layers_keep_to_their_rooms() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path).unwrap();
            if !rel.starts_with("ledger/") {
                assert!(
                    !text.contains("rusqlite"),
                    "{rel} speaks SQL outside src/ledger"
                );
            }
            if !rel.starts_with("ui/") {
                for gui in ["egui", "eframe", "rfd::"] {
                    assert!(!text.contains(gui), "{rel} names {gui} outside src/ui");
                }
            }
        }
    }
}

#[test]
fn a_file_ledger_reads_its_halves_on_two_connections_as_one_read() {
    let (_dir, path) = temp_ledger();
    let mut file = Ledger::open(&path).unwrap();
    pledger::import::load_sample(&mut file).unwrap();
    let mut memory = Ledger::open_in_memory().unwrap();
    pledger::import::load_sample(&mut memory).unwrap();

    // Each half's agreements, and every link, exactly once and in id order.
    let keys: Vec<String> = vec!["capacity".into()];
    for ledger in [&file, &memory] {
        let ((low, low_links), (high, high_links)) = ledger
            .read_halves(|scan, range| {
                let mut ids = Vec::new();
                scan.signed_agreements(range.clone(), |r| {
                    ids.push(r.id);
                    Ok(())
                })?;
                Ok((ids, scan.theme_links(&keys, range)?))
            })
            .unwrap();
        assert!(!low.is_empty() && !high.is_empty());
        let links: Vec<_> = low_links.iter().chain(&high_links).collect();
        let all: Vec<i64> = low.iter().chain(&high).copied().collect();
        assert!(all.windows(2).all(|w| w[0] < w[1]), "{all:?}");
        let signed: i64 = ledger
            .connection()
            .query_row(
                "SELECT count(*) FROM agreement WHERE status = 'signed'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(all.len(), usize::try_from(signed).unwrap());
        let linked: i64 = ledger
            .connection()
            .query_row("SELECT count(*) FROM agreement_theme", [], |r| r.get(0))
            .unwrap();
        assert_eq!(links.len(), usize::try_from(linked).unwrap());
        assert!(links.windows(2).all(|w| w[0].agreement <= w[1].agreement));
    }

    // The same report either way.
    for period in ["2020", "2021Q1", "2019-06-01..2021-12-31"] {
        let p = Period::parse(period).unwrap();
        let from_file = Snapshot::load(&file).unwrap().report(&p, 5).unwrap();
        let from_memory = Snapshot::load(&memory).unwrap().report(&p, 5).unwrap();
        assert_eq!(
            format!("{from_file:?}"),
            format!("{from_memory:?}"),
            "{period}"
        );
    }
}

#[test]
fn a_write_waits_for_another_programs_write_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let mut ledger = Ledger::open(&path).unwrap();
    // Another program writes to the ledger for 300 ms.
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let releasing = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(300));
        other.execute_batch("COMMIT").unwrap();
    });
    // A write that reads before it writes, as an import does.
    let id = ledger
        .write(|w| {
            assert_eq!(w.last_agreement_id()?, 0);
            w.add_partner(&norad())
        })
        .unwrap();
    releasing.join().unwrap();
    assert_eq!(ledger.partners().unwrap()[0].id, id);
}

/// A reading command on a path that holds no ledger says so and creates nothing; `init`,
/// `sample` and `import` create the ledger they are given.
#[test]
fn a_mistyped_ledger_path_is_an_error_not_a_new_empty_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("ledgr.sqlite3");
    for args in [
        &["report", "--period", "2021Q1"][..],
        &["agreements"],
        &["partners"],
        &["export", "xlsx", "--period", "2021Q1", "--out", "x.xlsx"],
        &["audit"],
    ] {
        let out = common::pledger(&missing, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains("no ledger at") && err.contains("ledgr.sqlite3"),
            "{err}"
        );
        assert!(!missing.exists(), "{args:?} created a ledger");
    }
    let out = common::ok(&missing, &["init"]);
    assert!(
        out.contains("Ledger ready") && out.contains("0 agreements"),
        "{out}"
    );
    assert!(common::ok(&missing, &["report", "--period", "2021Q1"]).contains("2021"));
}
