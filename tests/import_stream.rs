//! The one import pipeline (what `pledger import`, the wizard and the sample loader run): a
//! dry run makes the decisions its commit makes, row for row, and a sheet streamed from its
//! file makes those of the same sheet read whole, from CSV, xlsx and xlsb: duplicates inside
//! the file, a totals row, blank rows, notes below the data, slash dates decided by a later
//! row, new partners and themes, blocked rows.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests fail loudly")]

use std::path::Path;

use pledger::import::{self, ImportOptions, Plan, Severity};
use pledger::ledger::{AgreementFilter, Ledger};

const ROWS: &[&[&str]] = &[
    &["Agreements signed, first half of 2021"],
    &[],
    &[
        "Reference",
        "Partner",
        "Type",
        "Region",
        "Theme",
        "Signed",
        "Amount (USD)",
    ],
    &[
        "S-1",
        "Norad",
        "Government",
        "Africa",
        "Cybersecurity",
        "03/04/2021",
        "100",
    ],
    &[
        "S-2",
        "Ministry of Tides",
        "Government",
        "Asia and the Pacific",
        "Ocean data",
        "05/04/2021",
        "200",
    ],
    &[],
    &[
        "S-1",
        "Norad",
        "Government",
        "Africa",
        "Cybersecurity",
        "03/04/2021",
        "300",
    ],
    &[
        "",
        "Norad",
        "Government",
        "Africa",
        "Cybersecurity",
        "25/04/2021",
        "400",
    ],
    &[
        "",
        "Norad",
        "Government",
        "Africa",
        "Cybersecurity",
        "25/04/2021",
        "400",
    ],
    &[
        "S-3",
        "Ministry of Tides",
        "Government",
        "Atlantis",
        "Ocean data",
        "06/04/2021",
        "500",
    ],
    &[
        "S-4",
        "Unknown Fund",
        "",
        "Africa",
        "Cybersecurity",
        "07/04/2021",
        "600",
    ],
    &["Total", "", "", "", "", "", "2000"],
    &[
        "S-5",
        "Ministry of Tides",
        "Government",
        "Africa",
        "Ocean data",
        "2021-05-01",
        "700",
    ],
    &[],
    &["Source: field office reports"],
    &["Figures unaudited"],
];

fn csv_text() -> String {
    ROWS.iter()
        .map(|r| {
            r.iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn write_xlsx(path: &Path) {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in ROWS.iter().enumerate() {
        for (c, cell) in row.iter().enumerate().filter(|(_, c)| !c.is_empty()) {
            let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
            match cell.parse::<f64>() {
                Ok(n) if c == 6 => sheet.write_number(r, c, n).map(|_| ()),
                _ => sheet.write_string(r, c, *cell).map(|_| ()),
            }
            .unwrap();
        }
    }
    book.save(path).unwrap();
}

fn ledger_with_partners(path: &Path) -> Ledger {
    let mut ledger = Ledger::open(path).unwrap();
    import::import_bytes::<import::Partners>(
        &mut ledger,
        "partners.csv",
        import::sample::PARTNERS_CSV.as_bytes(),
    )
    .unwrap();
    ledger
}

/// What a plan says, in a form two plans compare by.
fn outline(plan: &Plan) -> (Vec<String>, (usize, usize, usize), usize, Vec<String>) {
    let problems = plan
        .problems
        .iter()
        .map(|p| format!("{:?} {:?} {:?} {}", p.severity, p.row, p.column, p.message))
        .collect();
    let partners = plan.new_partners.iter().map(|p| p.name.clone()).collect();
    (problems, plan.counts(), plan.skipped_rows, partners)
}

fn agreements(ledger: &Ledger) -> Vec<String> {
    ledger
        .agreements(&AgreementFilter::default())
        .unwrap()
        .into_iter()
        .map(|a| {
            format!(
                "{:?} {} {:?} {} {:?}",
                a.reference, a.signed_on, a.contribution, a.region, a.themes
            )
        })
        .collect()
}

/// `pledger import` of `file` with the default options, no progress.
fn streamed_import(
    ledger: &mut Ledger,
    file: &Path,
    skip_invalid: bool,
    dry_run: bool,
) -> Result<import::StreamedImport, import::ImportError> {
    import_file(ledger, file, false, skip_invalid, dry_run)
}

/// The import of `file` read whole first (as a CSV, an xls or the sample is), through the
/// same pipeline.
fn held_import(
    ledger: &mut Ledger,
    file: &Path,
    skip_invalid: bool,
    dry_run: bool,
) -> Result<import::StreamedImport, import::ImportError> {
    import_file(ledger, file, true, skip_invalid, dry_run)
}

fn import_file(
    ledger: &mut Ledger,
    file: &Path,
    held: bool,
    skip_invalid: bool,
    dry_run: bool,
) -> Result<import::StreamedImport, import::ImportError> {
    let options = ImportOptions::default();
    if held {
        let workbook = import::read_file(file)?;
        import::import_book::<import::Agreements>(
            ledger,
            workbook,
            &options,
            skip_invalid,
            dry_run,
            &mut |_| true,
        )
    } else {
        import::import_file::<import::Agreements>(
            ledger,
            file,
            &options,
            skip_invalid,
            dry_run,
            &mut |_| true,
        )
    }
}

fn dry_run_and_commit_decide_alike(file: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let mut held = ledger_with_partners(&dir.path().join("held.sqlite3"));
    let plan = held_import(&mut held, file, false, true).unwrap().plan;

    let mut streamed = ledger_with_partners(&dir.path().join("streamed.sqlite3"));
    let revision = streamed.revision().unwrap();
    let dry = streamed_import(&mut streamed, file, false, true).unwrap();
    assert!(dry.committed.is_none());
    assert_eq!(
        streamed.revision().unwrap(),
        revision,
        "a dry run writes nothing"
    );
    assert_eq!(outline(&dry.plan), outline(&plan));

    // The plan says what it found.
    let (problems, counts, skipped, partners) = outline(&plan);
    let has = |row: usize, text: &str| {
        problems
            .iter()
            .any(|p| p.contains(&format!("Some({row})")) && p.contains(text))
    };
    assert!(
        has(7, "reference 'S-1' appears already on row 4"),
        "{problems:#?}"
    );
    assert!(
        has(9, "same partner, date and amount as row 8"),
        "{problems:#?}"
    );
    assert!(has(10, "'Atlantis' is not a region"), "{problems:#?}");
    assert!(has(11, "no partner type"), "{problems:#?}");
    assert!(has(12, "a totals row"), "{problems:#?}");
    assert_eq!(counts, (5, 0, 0), "{problems:#?}");
    // Rows 6 and 14 are blank, 12 is the totals row, 15 and 16 are notes.
    assert_eq!(skipped, 5);
    assert_eq!(partners, ["Ministry of Tides"]);

    // Errors block the import; nothing is written.
    let blocked = streamed_import(&mut streamed, file, false, false).unwrap();
    assert!(matches!(
        blocked.committed,
        Some(Err(import::ImportError::Blocked { errors: 3, .. }))
    ));
    assert_eq!(streamed.revision().unwrap(), revision);

    // The valid rows only: the same agreements either way.
    let held_summary = held_import(&mut held, file, true, false)
        .unwrap()
        .committed
        .unwrap()
        .unwrap();
    let done = streamed_import(&mut streamed, file, true, false).unwrap();
    // The commit decided each row as the dry run did.
    assert_eq!(outline(&done.plan), outline(&dry.plan));
    assert_eq!(
        format!("{:?}", done.plan.rows),
        format!("{:?}", dry.plan.rows)
    );
    let streamed_summary = done.committed.unwrap().unwrap();
    assert_eq!(
        (streamed_summary.created, streamed_summary.partners_created),
        (held_summary.created, held_summary.partners_created)
    );
    assert_eq!(streamed_summary.skipped_invalid, 3);
    assert_eq!(agreements(&streamed), agreements(&held));
    let signed: Vec<String> = agreements(&streamed);
    assert!(
        signed
            .iter()
            .any(|a| a.contains("S-1") && a.contains("2021-04-03")),
        "03/04/2021 is day-first, as 25/04/2021 further down says: {signed:#?}"
    );

    // Again: nothing changes.
    let again = streamed_import(&mut streamed, file, true, false).unwrap();
    let summary = again.committed.unwrap().unwrap();
    assert_eq!(
        (summary.batch, summary.created, summary.updated),
        (None, 0, 0)
    );
    assert_eq!(summary.unchanged, 5);
    assert!(
        again
            .plan
            .problems
            .iter()
            .all(|p| p.severity == Severity::Warning || p.row != Some(4)),
        "a re-imported row is no duplicate of itself"
    );
}

#[test]
fn a_csv_plans_and_commits_alike_streamed_or_held() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("consultant.csv");
    std::fs::write(&file, csv_text()).unwrap();
    dry_run_and_commit_decide_alike(&file);
}

#[test]
fn an_xlsx_plans_and_commits_alike_streamed_or_held() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("consultant.xlsx");
    write_xlsx(&file);
    dry_run_and_commit_decide_alike(&file);
}

#[test]
fn a_truncated_xlsx_is_refused_by_the_streamed_import_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("consultant.xlsx");
    write_xlsx(&file);
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let mut ledger = ledger_with_partners(&dir.path().join("l.sqlite3"));
    let revision = ledger.revision().unwrap();
    let err = streamed_import(&mut ledger, &file, false, false).unwrap_err();
    assert!(err.to_string().contains("consultant.xlsx"), "{err}");
    assert_eq!(ledger.revision().unwrap(), revision);
}

#[test]
fn the_head_of_a_large_xlsx_previews_it_and_a_file_changed_since_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("consultant.xlsx");
    write_xlsx(&file);
    let head = import::read_head(&file, 4).unwrap().unwrap();
    let whole = import::read_file(&file).unwrap();
    assert_eq!(head.sha256, whole.sha256);
    let (head_rows, whole_rows) = (&head.sheets[0].rows, &whole.sheets[0].rows);
    assert_eq!(head_rows.len(), 4);
    assert_eq!(head_rows[..], whole_rows[..4]);
    let csv = dir.path().join("consultant.csv");
    std::fs::write(&csv, "Partner,Signed\nNorad,2021-03-04\n").unwrap();
    assert!(
        import::read_head(&csv, 4).unwrap().is_none(),
        "a CSV is read whole"
    );

    let mut ledger = ledger_with_partners(&dir.path().join("l.sqlite3"));
    let revision = ledger.revision().unwrap();
    let options = ImportOptions {
        reviewed_sha256: Some(head.sha256.clone()),
        ..Default::default()
    };
    let dry = import::import_file::<import::Agreements>(
        &mut ledger,
        &file,
        &options,
        true,
        true,
        &mut |_| true,
    );
    assert_eq!(dry.unwrap().plan.sha256, head.sha256);
    // The consultant saves another version while the user reviews the first.
    write_xlsx(&file);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in ROWS.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (u32::try_from(r).unwrap(), u16::try_from(c).unwrap());
            sheet
                .write_string(r, c, cell.replace("100", "150"))
                .unwrap();
        }
    }
    book.save(&file).unwrap();
    let err = import::import_file::<import::Agreements>(
        &mut ledger,
        &file,
        &options,
        true,
        false,
        &mut |_| true,
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("consultant.xlsx has changed since it was checked"),
        "{err}"
    );
    assert_eq!(ledger.revision().unwrap(), revision, "nothing was written");
}

#[test]
fn an_xlsb_streams_through_the_same_plan_as_when_held_whole() {
    let file =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/workbooks/consultant-2021Q1-zh.xlsb");
    let dir = tempfile::tempdir().unwrap();
    let mut held = ledger_with_partners(&dir.path().join("held.sqlite3"));
    let plan = held_import(&mut held, &file, false, false).unwrap().plan;

    let head = import::read_head(&file, 5)
        .unwrap()
        .expect("an xlsb streams");
    assert_eq!(head.sheets[0].rows.len(), 5);
    assert_eq!(head.sheets[0].rows[2][0].text(), "编号");

    let mut streamed = ledger_with_partners(&dir.path().join("streamed.sqlite3"));
    let done = streamed_import(&mut streamed, &file, false, false).unwrap();
    assert_eq!(outline(&done.plan), outline(&plan));
    assert_eq!(done.committed.unwrap().unwrap().created, 21);
    assert_eq!(agreements(&streamed), agreements(&held));
}

#[test]
fn a_header_row_given_below_the_first_rows_is_streamed_too() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes-first.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for r in 0..40u32 {
        sheet
            .write_string(r, 0, format!("Note {r}: how this sheet was compiled"))
            .unwrap();
    }
    let headers = [
        "Partner",
        "Type",
        "Region",
        "Theme",
        "Signed",
        "Amount (USD)",
    ];
    let values = [
        "Norad",
        "Government",
        "Africa",
        "Cybersecurity",
        "2021-03-04",
        "100",
    ];
    for (c, text) in headers.iter().enumerate() {
        let c = u16::try_from(c).unwrap();
        sheet.write_string(40, c, *text).unwrap();
        sheet.write_string(41, c, values[usize::from(c)]).unwrap();
    }
    book.save(&file).unwrap();
    let mut ledger = ledger_with_partners(&dir.path().join("l.sqlite3"));
    let options = ImportOptions {
        header_row: Some(41),
        ..Default::default()
    };
    let done = import::import_file::<import::Agreements>(
        &mut ledger,
        &file,
        &options,
        false,
        false,
        &mut |_| true,
    )
    .unwrap();
    assert_eq!(done.plan.header_row, 41);
    let problems = &done.plan.problems;
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(done.committed.unwrap().unwrap().created, 1);
}

#[test]
fn thousands_of_rows_of_uneven_widths_stream_as_they_read_whole() {
    // Enough rows for the reading thread to fill rows the planning thread gave back: a
    // cell left blank must not show what a longer row held there before.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("uneven.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    let header = [
        "Reference",
        "Title",
        "Partner",
        "Type",
        "Region",
        "Theme",
        "Signed",
        "Amount (USD)",
        "Notes",
    ];
    for (c, h) in (0u16..).zip(header) {
        sheet.write_string(0, c, h).unwrap();
    }
    for i in 1u32..=3000 {
        if i % 7 != 0 {
            sheet.write_string(i, 0, format!("U-{i}")).unwrap();
        }
        if i % 4 != 0 {
            sheet
                .write_string(i, 1, format!("Title of row {i}"))
                .unwrap();
        }
        sheet.write_string(i, 2, "Norad").unwrap();
        sheet.write_string(i, 3, "Government").unwrap();
        sheet.write_string(i, 4, "Africa").unwrap();
        sheet.write_string(i, 5, "Cybersecurity").unwrap();
        sheet
            .write_string(i, 6, format!("2021-{:02}-{:02}", 1 + i % 12, 1 + i % 28))
            .unwrap();
        if i % 3 != 0 {
            sheet.write_number(i, 7, f64::from(i) * 10.5).unwrap();
        }
        if i % 5 == 0 {
            sheet.write_string(i, 8, format!("Note {i}")).unwrap();
        }
    }
    book.save(&file).unwrap();

    let read = |ledger: &Ledger| -> Vec<String> {
        ledger
            .agreements(&AgreementFilter::default())
            .unwrap()
            .into_iter()
            .map(|a| {
                format!(
                    "{:?} {} {} {:?} {}",
                    a.reference, a.title, a.signed_on, a.contribution, a.notes
                )
            })
            .collect()
    };
    let mut held = ledger_with_partners(&dir.path().join("held.sqlite3"));
    held_import(&mut held, &file, false, false).unwrap();
    let mut streamed = ledger_with_partners(&dir.path().join("streamed.sqlite3"));
    let done = streamed_import(&mut streamed, &file, false, false).unwrap();
    assert_eq!(done.committed.unwrap().unwrap().created, 3000);
    let (held, streamed) = (read(&held), read(&streamed));
    assert_eq!(streamed.len(), 3000);
    assert_eq!(streamed, held);
    let row = |n: usize| streamed.iter().find(|a| a.contains(&format!("U-{n}\"")));
    // Row 12 has no title, no amount and no note; row 10 has all three.
    assert_eq!(
        row(12).unwrap(),
        "Some(\"U-12\")  2021-01-13 None ",
        "{streamed:?}"
    );
    assert!(row(10).unwrap().ends_with("Note 10"));
}

#[test]
fn a_bulk_import_commits_what_a_held_import_does_and_leaves_the_date_index_whole() {
    // 12,000 rows into a ledger without agreements: the date index is built once, at the
    // end. Rows without a reference, the last thousand, search by partner and date, which
    // brings the index back at once; the last row repeats an earlier one.
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bulk.csv");
    let mut csv = String::from("Reference,Partner,Type,Region,Theme,Signed,Amount (USD)\n");
    let first_day = chrono::NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
    let mut repeated = String::new();
    for i in 0..12_000u32 {
        let reference = if i < 11_000 {
            format!("B-{i}")
        } else {
            String::new()
        };
        // Out of date order.
        let day = first_day + chrono::Days::new(u64::from(i * 7919 % 1000));
        let line = format!("{reference},Norad,Government,Africa,Cybersecurity,{day},{i}\n");
        if i == 11_500 {
            repeated.clone_from(&line);
        }
        csv.push_str(&line);
    }
    write!(csv, "{repeated}").unwrap();
    std::fs::write(&file, csv).unwrap();

    let t = std::time::Instant::now();
    let mut held = ledger_with_partners(&dir.path().join("held.sqlite3"));
    let plan = held_import(&mut held, &file, true, false).unwrap().plan;
    eprintln!("held whole {:?}", t.elapsed());
    let mut streamed = ledger_with_partners(&dir.path().join("streamed.sqlite3"));
    let index = |l: &Ledger| -> String {
        l.connection()
            .query_row(
                "SELECT sql FROM sqlite_schema WHERE name = 'agreement_signed_on'",
                [],
                |r| r.get(0),
            )
            .unwrap()
    };
    let schema = index(&streamed);
    let done = streamed_import(&mut streamed, &file, true, false).unwrap();
    eprintln!("streamed {:?}", t.elapsed());
    assert_eq!(outline(&done.plan), outline(&plan));
    assert!(
        done.plan.problems.iter().any(|p| p.row == Some(12_002)
            && p.message
                .contains("same partner, date and amount as row 11502")),
        "{:?}",
        done.plan.problems
    );
    assert_eq!(done.committed.unwrap().unwrap().created, 12_000);
    assert_eq!(agreements(&streamed), agreements(&held));
    assert_eq!(index(&streamed), schema);
    let check: String = streamed
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    // Committed through a rollback journal (nothing else had the ledger open), then back to
    // the WAL.
    let mode: String = streamed
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");

    // Again: nothing changes.
    let again = streamed_import(&mut streamed, &file, true, false).unwrap();
    let summary = again.committed.unwrap().unwrap();
    assert_eq!((summary.created, summary.unchanged), (0, 12_000));
    assert_eq!(index(&streamed), schema);
}
