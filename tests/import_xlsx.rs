//! Importing workbooks written by a real spreadsheet program (LibreOffice Calc, see
//! fixtures/workbooks/make_workbooks.py) through the real binary: xlsx, xls, ods, the 1904
//! date system, wrong extensions, and bad files that are refused with the ledger untouched.

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

fn dump(ledger: &std::path::Path) -> (Value, Value, String) {
    let a = serde_json::from_str(&ok(ledger, &["agreements", "--json"])).unwrap();
    let p = serde_json::from_str(&ok(ledger, &["partners", "--json"])).unwrap();
    let audit = ok(ledger, &["audit", "--limit", "1000"]);
    (a, p, audit)
}

fn workbook(name: &str) -> String {
    fixture(&format!("workbooks/{name}"))
        .to_str()
        .unwrap()
        .to_string()
}

fn assert_2021q1(ledger: &std::path::Path) {
    let q1 = report_json(ledger, "2021Q1", "zh");
    assert_eq!(q1["agreements_signed"], 19);
    assert_eq!(q1["agreements_with_financial_contribution"], 14);
    assert_eq!(q1["partner_contributions"], "6400000.00");
    assert_eq!(q1["own_contributions"], "2021052.63");
    assert_eq!(q1["cofunding"]["own_share"], "0.240000");
    assert_eq!(q1["cofunding"]["partners_share"], "0.760000");
    let top = &q1["top_partners"];
    assert_eq!(top[0]["partner"], "中华人民共和国工业和信息化部");
    assert_eq!(top[0]["amount"], "1800000.00");
    assert_eq!(top[1]["partner"], "英国外交、联邦和发展部");
    assert_eq!(top[1]["amount"], "1400000.00");
    assert_eq!(top[2]["amount"], "562500.00");
}

/// Imports `file`, checks the 2021Q1 figures, then imports again and checks nothing changed.
fn imports_2021q1_then_nothing(file: &str) {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let out = ok(&ledger, &["import", file]);
    assert!(out.contains("21 created"), "{file}: {out}");
    assert_2021q1(&ledger);
    let before = dump(&ledger);
    let again = ok(&ledger, &["import", file]);
    assert!(again.contains("Nothing to change"), "{file}: {again}");
    assert_eq!(
        dump(&ledger),
        before,
        "{file}: a second import changed the ledger"
    );
}

#[test]
fn the_chinese_consultant_workbook_reproduces_2021q1_in_xlsx_xls_ods_and_xlsb() {
    for name in [
        "consultant-2021Q1-zh.xlsx",
        "consultant-2021Q1-zh.xls",
        "consultant-2021Q1-zh.ods",
        // The same rows in a workbook Excel wrote (see make_xlsb.py).
        "consultant-2021Q1-zh.xlsb",
    ] {
        imports_2021q1_then_nothing(&workbook(name));
    }
}

#[test]
fn the_plan_finds_the_header_under_the_title_and_skips_the_totals_formula() {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = workbook("consultant-2021Q1-zh.xlsx");
    let dry: Value =
        serde_json::from_str(&ok(&ledger, &["import", &file, "--dry-run", "--json"])).unwrap();
    assert_eq!(dry["plan"]["header_row"], 3);
    assert_eq!(dry["plan"]["sheet"], "consultant-2021Q1-zh");
    let problems = dry["plan"]["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["message"].as_str().unwrap().contains("totals row") && p["row"] == 25),
        "{problems:?}"
    );
    assert!(
        problems.iter().all(|p| p["severity"] != "error"),
        "{problems:?}"
    );
}

#[test]
fn dates_of_the_1904_system_read_as_the_same_days() {
    imports_2021q1_then_nothing(&workbook("consultant-2021Q1-zh-1904.xlsx"));
    imports_2021q1_then_nothing(&workbook("consultant-2021Q1-zh-1904.xlsb"));
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    ok(
        &ledger,
        &["import", &workbook("consultant-2021Q1-zh-1904.xlsx")],
    );
    let agreements: Value = serde_json::from_str(&ok(&ledger, &["agreements", "--json"])).unwrap();
    let first = agreements
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["reference"] == "PA-2021-002")
        .unwrap();
    assert_eq!(first["signed_on"], "2021-01-04");
    assert_eq!(first["amount"], "103700.00");
}

#[test]
fn an_english_workbook_with_amounts_as_text_reproduces_2020() {
    for name in ["partners-2020-en.xlsx", "partners-2020-en.ods"] {
        let (_dir, ledger) = temp_ledger();
        with_sample_partners(&ledger);
        ok(&ledger, &["import", &workbook(name)]);
        let y = report_json(&ledger, "2020", "en");
        assert_eq!(y["agreements_signed"], 43, "{name}");
        assert_eq!(y["agreements_with_financial_contribution"], 28, "{name}");
        assert_eq!(y["partner_contributions"], "15200000.00", "{name}");
        assert_eq!(y["top_partners"][0]["amount"], "3300000.00", "{name}");
        let before = dump(&ledger);
        let again = ok(&ledger, &["import", &workbook(name)]);
        assert!(again.contains("Nothing to change"), "{name}: {again}");
        assert_eq!(dump(&ledger), before);
    }
}

#[test]
fn messy_partner_spellings_find_the_ledger_partners() {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let partners_before: Value =
        serde_json::from_str(&ok(&ledger, &["partners", "--json"])).unwrap();
    let out = ok(
        &ledger,
        &["import", &workbook("messy-partners-2021Q1.xlsx")],
    );
    assert!(out.contains("21 created"), "{out}");
    assert_2021q1(&ledger);
    // The four sample partners were recognised, not created again.
    let partners: Value = serde_json::from_str(&ok(&ledger, &["partners", "--json"])).unwrap();
    for p in partners_before.as_array().unwrap() {
        let same = partners
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["name"] == p["name"])
            .count();
        assert_eq!(same, 1, "{}", p["name"]);
    }
}

#[test]
fn the_content_decides_not_the_extension() {
    // An xlsx named .csv and a CSV named .xlsx both import.
    imports_2021q1_then_nothing(&workbook("workbook-named.csv"));
    imports_2021q1_then_nothing(&workbook("csv-named.xlsx"));
}

#[test]
fn a_sheet_formatted_to_a_million_rows_reads_only_its_data() {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = workbook("formatted-to-1M-rows.xlsx");
    let wb = pledger::import::read_file(std::path::Path::new(&file)).unwrap();
    assert_eq!(wb.sheets.len(), 1);
    assert_eq!(
        wb.sheets[0].rows.len(),
        27,
        "rows up to the source note only"
    );
    let out = ok(&ledger, &["import", &file]);
    assert!(out.contains("21 created"), "{out}");
    assert_2021q1(&ledger);
}

/// Runs `pledger import FILE` on a ledger holding the sample partners and checks it is
/// refused with exit code `code`, a message containing each of `needles`, and no change.
fn refused(name: &str, code: i32, needles: &[&str]) -> String {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let before = dump(&ledger);
    let out = pledger(&ledger, &["import", &workbook(name)]);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "{name}: {err}");
    for n in needles {
        assert!(err.contains(n), "{name}: '{n}' not in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(dump(&ledger), before, "{name}: the ledger changed");
    err
}

#[test]
fn a_truncated_workbook_is_refused_and_the_ledger_untouched() {
    refused(
        "truncated.xlsx",
        2,
        &["cannot read truncated.xlsx", "damaged or incomplete"],
    );
    refused(
        "truncated.xlsb",
        2,
        &["cannot read truncated.xlsb", "damaged or incomplete"],
    );
}

#[test]
fn an_xlsb_excel_wrote_reads_as_its_cells() {
    // Excel's own file: a text, numbers, booleans and a date in row 2 of Sheet1.
    let file = workbook("excel-base.xlsb");
    let wb = pledger::import::read_file(std::path::Path::new(&file)).unwrap();
    let names: Vec<&str> = wb.sheets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Sheet1", "Sheet2", "Sheet3", "Merged Cells"]);
    let row: Vec<String> = wb.sheets[0].rows[1]
        .iter()
        .map(|c| c.text().into_owned())
        .collect();
    assert_eq!(
        row[..6],
        ["String", "1", "1.1", "TRUE", "FALSE", "2010-10-10"]
    );
}

#[test]
fn bad_files_are_refused_with_a_clear_message() {
    refused(
        "not-a-workbook.xlsx",
        2,
        &["cannot read not-a-workbook.xlsx", "not a zip archive"],
    );
    refused(
        "password.xlsx",
        2,
        &["cannot read password.xlsx", "protected with a password"],
    );
    // Encrypted by Excel (from python-calamine's tests).
    refused(
        "password.xlsb",
        2,
        &["cannot read password.xlsb", "protected with a password"],
    );
    refused(
        "zip-bomb.xlsx",
        2,
        &["cannot read zip-bomb.xlsx", "zip bomb", "sheet1.xml"],
    );
}

#[test]
fn formula_errors_name_the_cell_and_write_nothing() {
    let err = refused(
        "formula-errors.xlsx",
        1,
        &[
            "formula-errors.xlsx, sheet 'formula-errors', row 3, column Amount (G), value '#DIV/0!'",
            "row 4, column Signed on (F), value '#REF!'",
            "formula error",
            "nothing was written",
        ],
    );
    assert!(!err.contains("row 2,"), "{err}");
    // Each formula error is reported once, not again as a bad amount or date.
    assert_eq!(err.matches("#DIV/0!'").count(), 1, "{err}");
    assert!(!err.contains("is not a date"), "{err}");
}

#[test]
fn errors_out_writes_the_rows_back_with_their_problems() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let out_file = dir.path().join("to-fix.xlsx");
    let out = pledger(
        &ledger,
        &[
            "import",
            &workbook("formula-errors.xlsx"),
            "--errors-out",
            out_file.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 rows with problems written"), "{err}");
    let wb = pledger::import::read_file(&out_file).unwrap();
    let rows = &wb.sheets[0].rows;
    assert_eq!(rows[0][8].text(), "Problems");
    assert_eq!(rows[1][0].text(), "FE-1");
    assert_eq!(rows[1][6], pledger::import::Cell::Number("1000000".into()));
    assert!(rows[1].get(8).is_none_or(|c| c.is_blank()));
    assert!(rows[2][8].text().contains("#DIV/0!"), "{:?}", rows[2]);
    assert!(rows[3][8].text().contains("Signed on (F)"), "{:?}", rows[3]);
    let problems = &wb.sheets[1];
    assert_eq!(problems.name, "Problems");
    assert_eq!(problems.rows[0][0].text(), "Severity");
    assert!(problems.rows.len() >= 3, "{:?}", problems.rows);
}

#[test]
fn progress_is_reported_and_cancelling_at_any_phase_writes_nothing() {
    use pledger::import::{ImportError, ImportOptions, Phase, Progress, import_file};
    let (dir, ledger_path) = temp_ledger();
    with_sample_partners(&ledger_path);
    // A sheet of 3,000 agreements, enough for several reports in each phase.
    let mut csv =
        String::from("Reference,Partner,Partner type,Region,Theme,Signed on,Amount,Currency\n");
    for i in 0..3000 {
        csv.push_str(&format!(
            "P-{i},Norad,Government,Africa,Cybersecurity,2021-02-01,{},USD\n",
            1000 + i
        ));
    }
    let file = dir.path().join("many.csv");
    std::fs::write(&file, csv).unwrap();
    let before = dump(&ledger_path);
    let import = |ledger: &mut pledger::ledger::Ledger,
                  dry_run: bool,
                  progress: &mut dyn FnMut(Progress) -> bool| {
        import_file::<pledger::import::Agreements>(
            ledger,
            &file,
            &ImportOptions::default(),
            false,
            dry_run,
            progress,
        )
    };

    // A CSV is read whole, then its rows are planned and written as they come.
    // A dry run reports planning where a commit reports writing.
    for (stop_in, dry_run) in [
        (Phase::Reading, true),
        (Phase::Planning, true),
        (Phase::Reading, false),
        (Phase::Writing, false),
    ] {
        {
            let mut ledger = pledger::ledger::Ledger::open(&ledger_path).unwrap();
            let mut seen: Vec<Progress> = Vec::new();
            let mut progress = |p: Progress| {
                seen.push(p);
                p.phase != stop_in
            };
            let result = import(&mut ledger, dry_run, &mut progress);
            assert!(matches!(result, Err(ImportError::Cancelled)), "{result:?}");
            let last = seen.last().unwrap();
            assert_eq!(last.phase, stop_in);
            assert!(last.rows_done > 0 && last.rows_done < 3000, "{last:?}");
            drop(ledger);
            assert_eq!(dump(&ledger_path), before, "cancelled in {stop_in:?}");
        }
    }

    // Without cancelling, every phase reports, rows done grow to the whole sheet, and the
    // rows go in.
    let mut ledger = pledger::ledger::Ledger::open(&ledger_path).unwrap();
    let mut seen: Vec<Progress> = Vec::new();
    let mut progress = |p: Progress| {
        seen.push(p);
        true
    };
    let done = import(&mut ledger, false, &mut progress).unwrap();
    assert_eq!(done.committed.unwrap().unwrap().created, 3000);
    let mut phases: Vec<Phase> = seen.iter().map(|p| p.phase).collect();
    phases.dedup();
    assert_eq!(phases, [Phase::Reading, Phase::Writing]);
    let writing: Vec<usize> = seen
        .iter()
        .filter(|p| p.phase == Phase::Writing)
        .map(|p| p.rows_done)
        .collect();
    assert!(writing.windows(2).all(|w| w[0] <= w[1]), "{writing:?}");
    assert!(*writing.last().unwrap() >= 3000, "{writing:?}");
}

#[test]
fn a_workbook_named_on_the_command_line_must_exist_and_comes_before_no_command() {
    let (_dir, ledger) = temp_ledger();
    // A mistyped command is not taken for a workbook: no window opens.
    let out = pledger(&ledger, &["reprot"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("'reprot' is neither a command nor a workbook file"),
        "{err}"
    );
    let file = workbook("consultant-2021Q1-zh.xlsx");
    let out = pledger(&ledger, &[&file, "report", "--period", "2021Q1"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("to import it, run pledger import"), "{err}");
    assert!(!ledger.exists(), "nothing was opened");
}

/// Consultant workbooks in English, French and Chinese (LibreOffice): in-kind contributions
/// said in words, an abbreviated reference header and a header naming the organisation's
/// own part. Every column is placed, the in-kind rows are non-financial agreements, and the
/// 2021Q1 figures come out right; a second import changes nothing.
#[test]
fn consultant_workbooks_in_three_languages_with_in_kind_cells_import_whole() {
    for (name, reference, own) in [
        (
            "consultant-2021Q1-en.xlsx",
            "Agreement Ref.",
            "ITU co-funding (USD)",
        ),
        ("consultant-2021Q1-fr.xlsx", "N° d'accord", "Part de l'UIT"),
        ("consultant-2021Q1-zh-inkind.xlsx", "参考号", "本组织出资"),
    ] {
        let file = workbook(name);
        let (_dir, ledger) = temp_ledger();
        with_sample_partners(&ledger);
        let dry = ok(&ledger, &["import", &file, "--dry-run"]);
        assert!(dry.contains(reference), "{name}: {dry}");
        assert!(
            !dry.contains("not mapped"),
            "{name}: a column was left out\n{dry}"
        );
        assert!(
            dry.contains("5 agreements without a financial contribution"),
            "{name}: {dry}"
        );
        let plan: Value =
            serde_json::from_str(&ok(&ledger, &["import", &file, "--dry-run", "--json"])).unwrap();
        let mapped = plan["plan"]["mapped"].as_array().unwrap();
        let field_of = |header: &str| {
            mapped
                .iter()
                .find(|m| m[0] == header)
                .map(|m| m[1].as_str().unwrap().to_string())
        };
        assert_eq!(field_of(reference).as_deref(), Some("reference"), "{name}");
        assert_eq!(field_of(own).as_deref(), Some("own_contribution"), "{name}");
        assert_eq!(plan["plan"]["non_financial"], 5, "{name}");
        imports_2021q1_then_nothing(&file);
    }
}

/// An amount cell that is neither money nor a word for no money is an error naming the
/// file, sheet, row and column; the in-kind row beside it is not.
#[test]
fn an_unreadable_amount_beside_in_kind_cells_names_its_cell() {
    let (_dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = workbook("inkind-bad-amounts.xlsx");
    let before = dump(&ledger);
    let out = pledger(&ledger, &["import", &file]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("inkind-bad-amounts.xlsx")
            && errors[0].contains("row 3")
            && errors[0].contains("column Amount (G)")
            && errors[0].contains("'about some money' is not an amount"),
        "{stderr}"
    );
    assert_eq!(dump(&ledger), before, "a refused import changed the ledger");
}

/// A column the mapper cannot place is listed with its first values and a guess, and the
/// review says how to map it; mapped by hand once, the header is mapped the next time.
#[test]
fn an_unplaced_column_is_explained_and_a_hand_mapping_is_remembered() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = dir.path().join("odd.csv");
    std::fs::write(
        &file,
        "Partner,Type,Region,Theme,Signed,Amount (USD),Kontribution\n\
         Norad,Government,Africa,Cybersecurity,2021-03-04,100000,20000\n\
         Norad,Government,Europe,Cybersecurity,2021-03-05,50000,in kind\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let dry = ok(&ledger, &["import", file, "--dry-run"]);
    assert!(
        dry.contains("not mapped: column G \"Kontribution\" (20000, in kind): looks like own_contribution (its values are amounts); to import it: --map \"own_contribution=Kontribution\""),
        "{dry}"
    );
    // The order, HEADER=FIELD, works too.
    let out = ok(
        &ledger,
        &["import", file, "--map", "Kontribution=own_contribution"],
    );
    assert!(out.contains("2 created"), "{out}");
    let again = ok(&ledger, &["import", file, "--dry-run"]);
    assert!(
        again.contains("Kontribution") && again.contains("-> own_contribution"),
        "{again}"
    );
    assert!(!again.contains("not mapped"), "{again}");
    let q1 = report_json(&ledger, "2021Q1", "en");
    assert_eq!(q1["own_contributions"], "20000.00");
}

/// A new name that looks like a ledger partner (>= 50 % alike) is never created silently:
/// the import waits for a decision, given by --match, --new, a decisions file or --ask.
#[test]
fn a_partner_that_looks_like_a_ledger_partner_waits_for_a_decision() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    // No partner-type column: the decision is asked for all the same.
    let file = dir.path().join("typo.csv");
    std::fs::write(
        &file,
        "Partner,Region,Theme,Signed,Amount (USD)\n\
         Norwegian Agency for Developement Cooperation (Norad),Africa,Cybersecurity,2021-03-04,100\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let before = dump(&ledger);
    let out = pledger(&ledger, &["import", file]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("row 2: \"Norwegian Agency for Developement Cooperation (Norad)\" looks like \"Norwegian Agency for Development Cooperation (Norad)\"")
            && stdout.contains("waits for a decision"),
        "{stdout}"
    );
    assert!(
        stderr.contains("say whether it is the same partner or a new one"),
        "{stderr}"
    );
    assert!(
        stdout.contains("--match \"Norwegian Agency for Developement Cooperation (Norad)=Norwegian Agency for Development Cooperation (Norad)\" or --new \"Norwegian Agency for Developement Cooperation (Norad)\""),
        "{stdout}"
    );
    assert_eq!(dump(&ledger), before);
    // --skip-invalid does not create it either.
    let skip = pledger(&ledger, &["import", file, "--skip-invalid"]);
    assert_eq!(skip.status.code(), Some(0), "{skip:?}");
    assert!(
        String::from_utf8_lossy(&skip.stdout).contains("Nothing to change"),
        "{skip:?}"
    );
    let partners: Value = serde_json::from_str(&ok(&ledger, &["partners", "--json"])).unwrap();
    assert_eq!(
        partners, before.1,
        "a partner was created without a decision"
    );

    // A decisions file: the same partner.
    let decisions = dir.path().join("decisions.txt");
    std::fs::write(
        &decisions,
        "# spelling = partner, or = new\n\
         Norwegian Agency for Developement Cooperation (Norad) = Norwegian Agency for Development Cooperation (Norad)\n",
    )
    .unwrap();
    let out = ok(
        &ledger,
        &["import", file, "--decisions", decisions.to_str().unwrap()],
    );
    assert!(
        out.contains("1 created") && out.contains("0 partners created"),
        "{out}"
    );
    let partners: Value = serde_json::from_str(&ok(&ledger, &["partners", "--json"])).unwrap();
    assert_eq!(
        partners.as_array().unwrap().len(),
        before.1.as_array().unwrap().len()
    );
}

/// `--ask` asks for each near match on standard error and reads the answer from standard
/// input; "n" keeps the name as a new partner.
#[test]
fn ask_takes_the_decision_from_standard_input() {
    use std::io::Write;
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = dir.path().join("typo.csv");
    std::fs::write(
        &file,
        "Partner,Type,Region,Theme,Signed,Amount (USD)\n\
         Norwegian Agency for Developement Cooperation (Norad),Government,Africa,Cybersecurity,2021-03-04,100\n",
    )
    .unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_pledger"))
        .arg("--ledger")
        .arg(&ledger)
        .args(["import", file.to_str().unwrap(), "--ask"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"maybe\nn\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stderr}\n{stdout}");
    assert!(stderr.contains("[s]ame / [n]ew"), "{stderr}");
    assert!(stdout.contains("1 partner created"), "{stdout}");
}

/// The organisation's names are a setting: a sheet of another organisation's own part is
/// read once its short name is set.
#[test]
fn the_organisation_names_its_own_part() {
    let (dir, ledger) = temp_ledger();
    with_sample_partners(&ledger);
    let file = dir.path().join("acme.csv");
    std::fs::write(
        &file,
        "Partner,Type,Region,Theme,Signed,Amount (USD),ACME share\n\
         Norad,Government,Africa,Cybersecurity,2021-03-04,100000,25000\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    let dry = ok(&ledger, &["import", file, "--dry-run"]);
    assert!(dry.contains("not mapped: column G \"ACME share\""), "{dry}");
    let org = ok(
        &ledger,
        &["org", "--short-name", "ACME", "--name", "Acme Relief"],
    );
    assert!(org.contains("short name: ACME"), "{org}");
    let dry = ok(&ledger, &["import", file, "--dry-run"]);
    assert!(dry.contains("-> own_contribution"), "{dry}");
}
