//! The desktop app driven headless by egui_kittest, by role and label, on an in-memory
//! ledger: what a person sees and clicks.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    reason = "tests"
)]

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use pledger::domain::{Lang, Period};
use pledger::ledger::Ledger;
use pledger::ui::{PledgerApp, ScriptedDialogs, font_definitions};

fn harness(lang: Lang) -> Harness<'static, PledgerApp> {
    harness_answering(lang, Vec::new())
}

/// A harness whose file dialogs answer `answers`, in order.
fn harness_answering(lang: Lang, answers: Vec<std::path::PathBuf>) -> Harness<'static, PledgerApp> {
    let ledger = Ledger::open_in_memory().unwrap();
    let dialogs = ScriptedDialogs {
        answers: answers.into_iter().map(Some).collect(),
    };
    harness_of(PledgerApp::new(ledger, lang, Box::new(dialogs)))
}

/// `ledger` with the sample partners.
fn with_sample_partners(mut ledger: Ledger) -> Ledger {
    pledger::import::import_bytes::<pledger::import::Partners>(
        &mut ledger,
        "partners.csv",
        pledger::import::sample::PARTNERS_CSV.as_bytes(),
    )
    .unwrap();
    ledger
}

/// The app on `ledger` with its import wizard open on `file`, planned.
fn wizard_on(ledger: Ledger, file: std::path::PathBuf) -> Harness<'static, PledgerApp> {
    let dialogs = ScriptedDialogs {
        answers: [Some(file)].into_iter().collect(),
    };
    let mut h = harness_of(PledgerApp::new(ledger, Lang::En, Box::new(dialogs)));
    open_the_wizard(&mut h);
    h
}

/// Whether the wizard's "Commit import" is disabled.
fn commit_disabled(h: &Harness<'static, PledgerApp>) -> bool {
    h.get_by_label("Commit import")
        .accesskit_node()
        .is_disabled()
}

/// A headless window (no renderer) showing `app`.
fn harness_of(app: PledgerApp) -> Harness<'static, PledgerApp> {
    Harness::builder()
        .with_size([1500.0, 1100.0])
        .with_max_steps(16)
        .with_context_setup(|ctx| {
            ctx.set_fonts(font_definitions(false));
            ctx.set_theme(egui::Theme::Light);
        })
        .build_ui_state(|ui, app: &mut PledgerApp| app.frame_ui(ui), app)
}

/// Loads the sample, which lands on its latest quarter (2021Q2), then steps back to 2021Q1
/// with the period picker, as a person would.
fn load_sample(h: &mut Harness<'static, PledgerApp>) {
    h.get_by_label("Load the sample ledger").click();
    h.run();
    assert_eq!(h.state().period().label(), "2021Q2");
    h.get_by_label("◀").click();
    h.run();
    assert_eq!(h.state().period().label(), "2021Q1");
}

#[test]
fn welcome_page_then_the_sample_dashboard_of_2021q1() {
    let mut h = harness(Lang::En);
    h.run();
    h.get_by_label("Welcome to Pledger");
    h.get_by_label("Import a workbook…");
    h.get_by_label("Add a partner…");
    load_sample(&mut h);
    h.get_by_label("2021 Q1");
    h.get_by_label("Agreements signed");
    h.get_by_label("19");
    h.get_by_label("14");
    h.get_by_label("USD 6.4 M");
    for chart in [
        "Co-funding composition",
        "Contributions by partner type",
        "Contributions by region",
        "Contributions by thematic priority",
        "Top funding partners",
    ] {
        h.get_by_label(chart);
    }
    h.get_by_label_contains("(MIIT)");
    h.get_by_label_contains("(FCDO)");
    h.get_by_label_contains("(KSrelief)");
    // A frame with nothing changed computes nothing.
    let computed = h.state().report_computations();
    h.run();
    assert_eq!(h.state().report_computations(), computed);
}

#[test]
fn previous_period_button_moves_to_2020q4() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    h.get_by_label("◀").click();
    h.run();
    assert_eq!(h.state().period().label(), "2020Q4");
}

#[test]
fn clicking_a_legend_slice_filters_the_agreements_list() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    // The Europe slice of the region pie.
    h.get_by_label("Europe").click();
    h.run();
    h.get_by_label_contains("Contributions by region: Europe");
    let node = h.get_by_label_contains("agreements shown");
    let shown = node
        .accesskit_node()
        .label()
        .or_else(|| node.value())
        .unwrap_or_default();
    let (visible, all) = shown
        .split_once(" / ")
        .unwrap_or_else(|| panic!("{shown:?}"));
    let all: usize = all.split_whitespace().next().unwrap().parse().unwrap();
    let visible: usize = visible.parse().unwrap();
    assert!(visible > 0 && visible < all, "{shown}");
}

#[test]
fn clicking_on_the_donut_itself_filters_too() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    // Twelve o'clock of the co-funding donut: the start of the first slice, the largest
    // (the partners' part).
    let title = h.get_by_label("Co-funding composition").rect();
    let center = egui::pos2(title.left() + 91.0, title.bottom() + 20.0 + 91.0);
    let ring = egui::pos2(center.x + 2.0, center.y - 70.0);
    h.hover_at(ring);
    h.run();
    h.event(egui::Event::PointerButton {
        pos: ring,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.event(egui::Event::PointerButton {
        pos: ring,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run();
    h.get_by_label_contains("Co-funding composition: Partners' part");
}

#[test]
fn add_an_agreement_through_the_form_then_undo_it() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    h.get_by_label("Agreements").click();
    h.run();
    h.get_by_label("Add agreement…").click();
    h.run();
    // Saving an empty form shows the messages next to the fields.
    h.get_by_label("Save").click();
    h.run();
    h.get_by_label("Choose a partner");
    h.get_by_label("Enter the amount, or untick “financial”");
    // Fill the form as a person would.
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Partner")
        .click();
    h.run();
    let miit = "Ministry of Industry and Information Technology (MIIT), People's Republic of China";
    h.get_all_by_label(miit)
        .find(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
        .expect("the partner in the drop-down")
        .scroll_to_me();
    h.run();
    h.get_all_by_label(miit)
        .find(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
        .expect("the partner in the drop-down")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Theme")
        .click();
    h.run();
    h.get_all_by_label("Capacity development")
        .find(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
        .expect("the theme in the drop-down")
        .scroll_to_me();
    h.run();
    h.get_all_by_label("Capacity development")
        .find(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
        .expect("the theme in the drop-down")
        .click();
    h.run();
    let amount = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Contribution");
    amount.click();
    amount.type_text("1000000");
    h.run();
    h.get_by_label("Save").click();
    h.run();
    if h.query_by_label("New agreement").is_some() {
        let red: Vec<&str> = [
            "Choose a partner",
            "A date as 2021-03-31",
            "Enter the amount, or untick “financial”",
            "A number such as 1800000.00",
            "Percentages such as 50 or 33.33",
            "Fix the fields marked in red.",
        ]
        .into_iter()
        .filter(|m| h.query_by_label(m).is_some())
        .collect();
        panic!("the form stayed open: {red:?}");
    }
    h.get_by_label("Dashboard").click();
    h.run();
    h.get_by_label("20");
    h.get_by_label("USD 7.4 M");
    // Ctrl+Z restores the ledger exactly.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(
        h.state().status().is_some_and(|s| s.starts_with("Undone")),
        "{:?}",
        h.state().status()
    );
    h.get_by_label("19");
    h.get_by_label("USD 6.4 M");
    // And Ctrl+Shift+Z brings it back.
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run();
    h.get_by_label("USD 7.4 M");
}

#[test]
fn a_form_saves_on_enter_and_closes_on_escape() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    h.get_by_label("Partners").click();
    h.run();
    h.get_by_label("Add a partner…").click();
    h.run();
    h.get_by_label("New partner");
    // Escape closes the form, nothing saved.
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.query_by_label("New partner").is_none());
    let partners = h.state().ledger().partners().unwrap().len();
    // Enter saves: a blank name is refused next to its field, a name goes in.
    h.get_by_label("Add a partner…").click();
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    h.get_by_label("A partner needs a name.");
    let name = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Name");
    name.click();
    name.type_text("Enter Foundation");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    assert!(h.query_by_label("New partner").is_none());
    assert_eq!(h.state().ledger().partners().unwrap().len(), partners + 1);
}

#[test]
fn switching_to_chinese_shows_the_seed_labels() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    h.get_by_label("中文").click();
    h.run();
    assert_eq!(h.state().lang(), Lang::Zh);
    h.get_by_label("签署的协议");
    h.get_by_label("640万美元");
    h.get_by_label("按伙伴类型分列的捐款");
    h.get_by_label("2021年第一季度");
    h.get_by_label_contains("中华人民共和国工业和信息化部");
    // Partner-type labels exactly as the seed report prints them.
    assert!(
        h.get_all_by_label("国际电联成员国和其他政府实体")
            .next()
            .is_some()
    );
    let _ = Period::parse("2021Q1").unwrap();
}

#[test]
fn exports_from_the_dashboard_write_the_files_the_screen_shows() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("region.png");
    let pdf = dir.path().join("report.pdf");
    let mut h = harness_answering(Lang::En, vec![png.clone(), pdf.clone()]);
    h.run();
    load_sample(&mut h);
    h.get_by_label("Export PNG… Contributions by region")
        .click();
    h.run();
    let bytes = std::fs::read(&png).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    h.get_by_label("Export report PDF…").click();
    h.run();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "{:?}", h.state().status());
}

/// The import wizard on `file` with the sample's partners and rates in an in-memory ledger:
/// reads it, shows its plan, commits, shows 2021Q1, then undo takes the import back and redo
/// puts it back again. Files above `whole_read_bytes` are previewed from their first rows
/// (the preview says so in `note`), imported streamed and undone by their batch.
fn wizard_imports_the_consultant_workbook(
    whole_read_bytes: u64,
    note: Option<&str>,
    ledger: Ledger,
) {
    let mut ledger = with_sample_partners(ledger);
    pledger::import::import_bytes::<pledger::import::Rates>(
        &mut ledger,
        "rates.csv",
        pledger::import::sample::RATES_CSV.as_bytes(),
    )
    .unwrap();
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/workbooks/consultant-2021Q1-zh.xlsx");
    let dialogs = ScriptedDialogs {
        answers: [Some(file)].into_iter().collect(),
    };
    let mut app = PledgerApp::new(ledger, Lang::En, Box::new(dialogs));
    app.set_whole_read_bytes(whole_read_bytes);
    let mut h = harness_of(app);
    open_the_wizard(&mut h);
    h.get_by_label_contains("Plan: 21 new, 0 updated");
    // Its in-kind rows are agreements without money, not errors.
    h.get_by_label_contains("5 without a financial contribution");
    if let Some(note) = note {
        h.get_by_label_contains(note);
    }
    h.get_by_label("Commit import").click();
    // On a ledger file the commit runs on a thread of its own.
    until(&mut h, |h| h.query_by_label("Show the dashboard").is_some());
    h.get_by_label("Show the dashboard").click();
    h.run();
    h.get_by_label("2021 Q1");
    h.get_by_label("19");
    h.get_by_label("USD 6.4 M");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    let count = |h: &Harness<'static, PledgerApp>| h.state().ledger().agreement_count().unwrap();
    // On a ledger file a streamed import's batch is undone on a thread of its own.
    until(&mut h, |h| count(h) == 0);
    assert_eq!(count(&h), 0, "{:?}", h.state().status());
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run();
    if note.is_some() {
        // A streamed import is undone by its batch, which keeps nothing for redo.
        assert_eq!(count(&h), 0);
        h.get_by_label_contains("to redo it, import the file again");
    } else {
        assert_eq!(count(&h), 21, "{:?}", h.state().status());
    }
}

/// Opens the import page and the wizard on the file the dialogs answer, and waits for its
/// plan (read on a background thread while the window keeps drawing).
fn open_the_wizard(h: &mut Harness<'static, PledgerApp>) {
    h.run();
    h.get_by_label("Import").click();
    h.run();
    h.get_by_label("Import a workbook…").click();
    until(h, |h| h.query_by_label("Commit import").is_some());
}

/// Steps the harness, 20 ms apart, until `done` (at most 4 s), then runs it to rest.
fn until(
    h: &mut Harness<'static, PledgerApp>,
    done: impl Fn(&Harness<'static, PledgerApp>) -> bool,
) {
    for _ in 0..200 {
        h.step();
        if done(h) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.run();
}

#[test]
fn the_import_wizard_reads_a_consultant_workbook_commits_it_and_undo_takes_it_back() {
    wizard_imports_the_consultant_workbook(u64::MAX, None, Ledger::open_in_memory().unwrap());
    // In a ledger file: committed on a thread of its own, recorded for undo and redo.
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    wizard_imports_the_consultant_workbook(u64::MAX, None, ledger);
}

#[test]
fn the_wizard_commits_a_bulk_import_with_the_apps_connection_parked() {
    use std::fmt::Write as _;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bulk.csv");
    let mut csv = String::from("Reference,Partner,Type,Region,Theme,Signed,Amount (USD)\n");
    for i in 0..12_000u32 {
        writeln!(
            csv,
            "W-{i},Norad,Government,Africa,Cybersecurity,2021-02-01,{}",
            i + 1
        )
        .unwrap();
    }
    std::fs::write(&file, csv).unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let mut h = wizard_on(with_sample_partners(Ledger::open(&path).unwrap()), file);
    h.get_by_label_contains("Plan: 12,000 new");
    h.get_by_label("Commit import").click();
    h.step();
    // The import's own connection has the file to itself: the app's is closed meanwhile,
    // and a change asked for then waits.
    assert!(h.state().ledger().is_parked());
    until(&mut h, |h| h.query_by_label("Show the dashboard").is_some());
    assert!(!h.state().ledger().is_parked());
    assert_eq!(h.state().ledger().agreement_count().unwrap(), 12_000);
    let mode: String = h
        .state()
        .ledger()
        .connection()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    // Undo takes the whole import back.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    let count = |h: &Harness<'static, PledgerApp>| h.state().ledger().agreement_count().unwrap();
    until(&mut h, |h| count(h) == 0);
    assert_eq!(count(&h), 0, "{:?}", h.state().status());
}

#[test]
fn a_large_workbook_is_previewed_from_its_first_rows_and_imported_as_it_is_read() {
    let note = "the first 1,000 rows are shown";
    wizard_imports_the_consultant_workbook(0, Some(note), Ledger::open_in_memory().unwrap());
    // In a ledger file: planned, committed and undone on threads of their own.
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    wizard_imports_the_consultant_workbook(0, Some(note), ledger);
}

/// The 2021Q1 dashboard rendered by wgpu (Mesa's software Vulkan on CI) in `lang`, compared
/// with `tests/snapshots/NAME.png`; `UPDATE_SNAPSHOTS=1` rewrites them.
fn dashboard_snapshot(lang: Lang, name: &str) {
    let ledger = Ledger::open_in_memory().unwrap();
    let mut app = PledgerApp::new(ledger, lang, Box::new(ScriptedDialogs::default()));
    app.push(pledger::ui::Command::LoadSample);
    let mut h = Harness::builder()
        .with_size([1400.0, 1000.0])
        .with_max_steps(16)
        .with_theme(egui::Theme::Light)
        .wgpu()
        .with_context_setup(|ctx| {
            ctx.set_fonts(font_definitions(false));
            ctx.set_theme(egui::Theme::Light);
        })
        .build_ui_state(|ui, app: &mut PledgerApp| app.frame_ui(ui), app);
    h.run();
    h.state_mut().set_period(Period::parse("2021Q1").unwrap());
    h.run();
    h.snapshot(name);
}

#[test]
fn dashboard_snapshot_in_english() {
    dashboard_snapshot(Lang::En, "dashboard_en");
}

#[test]
fn dashboard_snapshot_in_chinese() {
    dashboard_snapshot(Lang::Zh, "dashboard_zh");
}

#[test]
fn a_near_match_of_a_partner_name_is_offered_and_confirming_it_replans() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = with_sample_partners(Ledger::open_in_memory().unwrap());
    let mut h = wizard_on(ledger, typo_csv(dir.path()));
    h.get_by_label_contains("1 partner to create");
    h.get_by_label_contains("→ “Norwegian Agency for Development Cooperation (Norad)”");
    h.get_by_label("Same partner").click();
    h.run();
    h.get_by_label_contains("0 partners to create");
    assert!(h.query_by_label("Same partner").is_none());
}

/// A ledger file at `path` holding the sample partners and the 21 agreements of the 2021Q1
/// consultant workbook, imported as one batch; and that batch.
fn ledger_with_an_import(path: &std::path::Path) -> (Ledger, i64) {
    let mut ledger = with_sample_partners(Ledger::open(path).unwrap());
    let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/workbooks/consultant-2021Q1-zh.xlsx");
    let (_, summary) =
        pledger::import::import_path(&mut ledger, &file, &Default::default(), false).unwrap();
    assert_eq!(summary.created, 21);
    (ledger, summary.batch.unwrap())
}

/// A CSV in `dir` whose one row misspells a sample partner (Norad).
fn typo_csv(dir: &std::path::Path) -> std::path::PathBuf {
    one_row_csv(
        dir,
        "typo.csv",
        "Norwegian Agency for Developement Cooperation (Norad)",
    )
}

/// A CSV in `dir` whose one row names a partner somewhat like a sample partner (Norad,
/// 45 % alike): offered as a near match, without waiting for a decision.
fn near_csv(dir: &std::path::Path) -> std::path::PathBuf {
    one_row_csv(dir, "near.csv", "Norad Development Agency")
}

/// A CSV `name` in `dir` of one agreement with `partner`.
fn one_row_csv(dir: &std::path::Path, name: &str, partner: &str) -> std::path::PathBuf {
    let file = dir.join(name);
    std::fs::write(
        &file,
        format!(
            "Partner,Type,Region,Theme,Signed,Amount (USD)\n\
             {partner},Government,Africa,Cybersecurity,2021-03-04,100\n"
        ),
    )
    .unwrap();
    file
}

#[test]
fn a_partner_name_very_like_a_ledger_partner_waits_for_a_decision_in_the_wizard() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = with_sample_partners(Ledger::open_in_memory().unwrap());
    let mut h = wizard_on(ledger, typo_csv(dir.path()));
    let partners = h.state().ledger().partners().unwrap().len();
    assert!(
        commit_disabled(&h),
        "a look-alike partner is never created silently"
    );
    h.get_by_label("decide:");
    h.get_by_label("A new partner").click();
    until(&mut h, |h| h.query_by_label("decide:").is_none());
    assert!(!commit_disabled(&h));
    h.get_by_label_contains("1 partner to create");
    h.get_by_label("Commit import").click();
    until(&mut h, |h| h.query_by_label("Close").is_some());
    assert_eq!(h.state().ledger().partners().unwrap().len(), partners + 1);
}

#[test]
fn the_wizard_names_the_encoding_of_a_windows_1252_csv_and_imports_its_accents() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cafe.csv");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(
        "Partner,Type,Region,Theme,Signed,Amount (USD)\r\n\
         Société Générale Café,Private sector,Europe,Cybersecurity,2021-03-04,100\r\n",
    );
    std::fs::write(&file, &bytes).unwrap();
    let ledger = with_sample_partners(Ledger::open_in_memory().unwrap());
    let mut h = wizard_on(ledger, file);
    h.get_by_label("Text read as windows-1252 (detected)");
    h.get_by_label("Commit import").click();
    until(&mut h, |h| h.query_by_label("Close").is_some());
    let partners = h.state().ledger().partners().unwrap();
    assert!(
        partners.iter().any(|p| p.name == "Société Générale Café"),
        "{:?}",
        partners.iter().map(|p| &p.name).collect::<Vec<_>>()
    );
}

#[test]
fn while_an_import_is_undone_the_open_wizard_neither_commits_nor_replans() {
    use pledger::ui::{Command, Revert};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let (ledger, batch) = ledger_with_an_import(&path);
    let dialogs = ScriptedDialogs {
        answers: [Some(near_csv(dir.path()))].into_iter().collect(),
    };
    let mut app = PledgerApp::new(ledger, Lang::En, Box::new(dialogs));
    app.push(Command::ImportCommitted {
        revert: Revert::Batch(batch),
        summary: "Imported".into(),
    });
    let mut h = harness_of(app);
    open_the_wizard(&mut h);
    h.get_by_label_contains("1 partner to create");
    assert!(!commit_disabled(&h));

    // Another program holds the ledger's write lock, so the undo, on its own thread, waits.
    let blocker = rusqlite::Connection::open(&path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    h.state_mut().push(Command::Undo);
    for _ in 0..3 {
        h.step();
    }
    assert!(
        commit_disabled(&h),
        "Commit waits for the undo: {:?}, {} agreements",
        h.state().status(),
        h.state().ledger().agreement_count().unwrap()
    );
    h.get_by_label("An import is being undone: commit when it has finished.");
    // Confirming a near match asks for a new plan, which waits for the undo too.
    h.get_by_label("Same partner").click();
    for _ in 0..5 {
        h.step();
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    h.get_by_label_contains("1 partner to create");
    assert_eq!(h.state().ledger().agreement_count().unwrap(), 21);

    blocker.execute_batch("COMMIT").unwrap();
    drop(blocker);
    until(&mut h, |h| {
        h.query_by_label_contains("0 partners to create").is_some()
    });
    h.get_by_label_contains("0 partners to create");
    assert!(!commit_disabled(&h));
    assert_eq!(h.state().ledger().agreement_count().unwrap(), 0);
}

#[test]
fn changes_made_while_an_import_is_undone_wait_for_the_undo_then_are_made() {
    use pledger::domain::{Partner, PartnerId};
    use pledger::ui::{Command, Revert};
    let dir = tempfile::tempdir().unwrap();
    let (ledger, batch) = ledger_with_an_import(&dir.path().join("ledger.sqlite3"));
    let partner_type = ledger.partners().unwrap()[0].partner_type.clone();
    let mut app = PledgerApp::new(ledger, Lang::En, Box::new(ScriptedDialogs::default()));
    app.push(Command::ImportCommitted {
        revert: Revert::Batch(batch),
        summary: "Imported".into(),
    });
    let ctx = egui::Context::default();
    app.run_commands(&ctx);
    // The undo starts on a thread of its own; its outcome is taken at the next frame.
    app.push(Command::Undo);
    app.run_commands(&ctx);
    let partner = Partner {
        id: PartnerId(0),
        name: "Added while undoing".into(),
        name_zh: None,
        partner_type,
        country: None,
        aliases: vec![],
    };
    app.push(Command::AddPartner(Box::new(partner)));
    app.run_commands(&ctx);
    let added = |app: &PledgerApp| {
        app.ledger()
            .partners()
            .unwrap()
            .iter()
            .any(|p| p.name == "Added while undoing")
    };
    assert!(!added(&app), "the change waits for the undo");
    assert!(
        app.status()
            .is_some_and(|s| s.contains("will be made when it has finished")),
        "{:?}",
        app.status()
    );
    let mut h = harness_of(app);
    until(&mut h, |h| added(h.state()));
    assert!(added(h.state()), "{:?}", h.state().status());
    assert_eq!(h.state().ledger().agreement_count().unwrap(), 0);
    h.get_by_label_contains("Added Added while undoing");
}

#[test]
fn the_money_in_page_shows_what_came_in_and_what_is_late_on_a_day() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    h.get_by_label("Money in").click();
    h.run();
    let day = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "As of");
    day.click();
    day.type_text("2021-06-30");
    h.run();
    // The sums the receivables test checks by hand.
    h.get_by_label("USD 5,066,806.57");
    h.get_by_label("USD 1,117,500.00");
    h.get_by_label("31-90: USD 517,500.00");
    h.get_by_label("2021Q4: USD 926,195.46");
    // Norad's USD 600,000 left of its 2021-03-31 instalment: outstanding and overdue.
    assert_eq!(h.query_all_by_label("USD 600,000.00").count(), 2);
    // What is late and due soon, listed with the days.
    h.get_by_label("Late: 4 · due in the next 30 days: 3");
    h.get_by_label_contains("PA-2020-003 · Norwegian Agency for Development Cooperation (Norad) — USD 600,000.00 (on receipt of the annual report) (91 days late)");
    // A day mistyped is told, not guessed.
    let day = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "As of");
    day.click();
    day.type_text("x");
    h.run();
    h.get_by_label("Type the day as yyyy-mm-dd (2021-06-30).");
}

/// A finance system's receipts export opened in the wizard is taken for receipts (its
/// headers say so), mapped, matched to the sample's agreements and committed; undo takes it
/// back. Choosing another kind maps the sheet again.
#[test]
fn the_wizard_takes_a_receipts_export_for_receipts_and_commits_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    pledger::import::load_sample(&mut ledger).unwrap();
    let receipts = |l: &Ledger| l.receipts().unwrap().len();
    let before = receipts(&ledger);
    let file = dir.path().join("finance-export.csv");
    std::fs::write(
        &file,
        "Value date,Amount,Currency,Agreement,Bank reference\n\
         2021-07-15,375000.00,GBP,PA-2020-033,BK-88\n\
         2021-07-20,250000.00,EUR,PA-2020-019,BK-90\n",
    )
    .unwrap();
    let mut h = wizard_on(ledger, file);
    // The mapping has the fields of a receipt.
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Received on *");
    h.get_by_label_contains("Plan: 2 new, 0 updated");
    // Taken for agreements instead, the sheet lacks a partner: nothing to commit.
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "The rows are")
        .click();
    h.run();
    // The page bar has its Agreements too: the list's is the last.
    h.get_all_by_label("Agreements").last().unwrap().click();
    until(&mut h, |h| {
        h.query_by_label_contains("no column gives the partner field")
            .is_some()
    });
    assert!(commit_disabled(&h));
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "The rows are")
        .click();
    h.run();
    h.get_by_label("Receipts").click();
    until(&mut h, |h| {
        h.query_by_label_contains("Plan: 2 new").is_some()
    });
    h.get_by_label("Commit import").click();
    until(&mut h, |h| h.query_by_label("Show the dashboard").is_some());
    assert_eq!(receipts(h.state().ledger()), before + 2);
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    until(&mut h, |h| receipts(h.state().ledger()) == before);
    assert_eq!(receipts(h.state().ledger()), before);
}

/// Clicks the entry `label` of the open drop-down (not a label elsewhere on the page).
fn choose_in_drop_down(h: &mut Harness<'static, PledgerApp>, label: &str) {
    h.get_all_by_label(label)
        .find(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
        .expect("the entry in the drop-down")
        .click();
    h.run();
}

#[test]
fn the_prospects_page_ranks_the_sample_for_an_idea_and_explains_each_point() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    h.get_by_label("Prospects").click();
    h.run();
    h.get_by_label_contains("30 funding partners' profiles");
    // Before an idea is typed, the profiles are listed.
    h.get_by_label("Norwegian Agency for Development Cooperation (Norad)");
    for theme in ["Cybersecurity", "Digital inclusion"] {
        h.get_by_role_and_label(egui::accesskit::Role::CheckBox, theme)
            .click();
    }
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Region")
        .click();
    h.run();
    choose_in_drop_down(&mut h, "Africa");
    for (field, text) in [
        ("Amount needed", "500000"),
        ("Deadline", "2021-09-30"),
        ("As of", "2021-06-30"),
    ] {
        let input = h.get_by_role_and_label(egui::accesskit::Role::TextInput, field);
        input.click();
        input.type_text(text);
        h.run();
    }
    h.run();
    // Norad funds both themes in Africa, its call is open and it gave within two years.
    h.get_by_label_contains("1. Norwegian Agency for Development Cooperation (Norad)   100 points");
    let both = h
        .get_all_by_label("funds 2 of 2 themes: Cybersecurity, Digital inclusion")
        .count();
    assert!(both >= 2, "Norad and UNICEF fund both themes: {both}");
    h.get_by_label("Budget cycle 2022 is open 2021-05-01 – 2021-08-15");
    // Each factor's points are shown with the most it gives.
    assert!(h.get_all_by_label("+30 / 30").count() >= 2);
    h.get_by_label_contains("3 agreements signed with us, USD 4,300,000.00 in all");
    // A bad amount says so instead of ranking.
    let amount = h.get_by_role_and_label(egui::accesskit::Role::TextInput, "Amount needed");
    amount.click();
    amount.type_text("x");
    h.run();
    h.get_by_label("Type the amount needed (500000).");
    assert!(h.query_by_label_contains("100 points").is_none());
}

/// The sample loaded, on the Prospects page.
fn prospects_of_the_sample() -> Harness<'static, PledgerApp> {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    h.get_by_label("Prospects").click();
    h.run();
    h
}

/// Types `text` into the text field `label`, after what it holds.
fn type_into(h: &mut Harness<'static, PledgerApp>, label: &str, text: &str) {
    let input = h.get_by_role_and_label(egui::accesskit::Role::TextInput, label);
    input.click();
    input.type_text(text);
    h.run();
}

/// Replaces what the text field `label` holds with `text`.
fn retype(h: &mut Harness<'static, PledgerApp>, label: &str, text: &str) {
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .click();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::TextInput, label)
        .type_text(text);
    h.run();
}

/// The stored profile of the partner named `name`.
fn profile_of(h: &Harness<'static, PledgerApp>, name: &str) -> Option<pledger::domain::Prospect> {
    let ledger = h.state().ledger();
    let id = ledger
        .partners()
        .unwrap()
        .into_iter()
        .find(|p| p.name == name)?
        .id;
    ledger
        .prospects()
        .unwrap()
        .into_iter()
        .find(|p| p.partner_id == id)
}

const GENEVA: &str = "University of Geneva";
const NORAD: &str = "Norwegian Agency for Development Cooperation (Norad)";

/// Fills a new profile for the University of Geneva (which has none): a theme, a region, a
/// ticket, one window and two contacts, and saves it.
fn add_the_geneva_profile(h: &mut Harness<'static, PledgerApp>) {
    h.get_by_label("New profile…").click();
    h.run();
    h.get_by_label("New profile");
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Partner")
        .click();
    h.run();
    // Partners with a profile are not offered.
    assert!(
        h.get_all_by_label(NORAD)
            .all(|n| n.accesskit_node().role() == egui::accesskit::Role::Label)
    );
    h.get_all_by_label(GENEVA)
        .find(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
        .expect("the partner in the drop-down")
        .scroll_to_me();
    h.run();
    choose_in_drop_down(h, GENEVA);
    for tick in ["Theme: Cybersecurity", "Region: Africa"] {
        h.get_by_role_and_label(egui::accesskit::Role::CheckBox, tick)
            .click();
        h.run();
    }
    type_into(h, "Ticket min", "100000");
    type_into(h, "Ticket max", "500000");
    h.get_by_label("+ window").click();
    h.run();
    type_into(h, "Window name 1", "Research call 2021");
    type_into(h, "Opens 1", "2021-03-01");
    type_into(h, "Closes 1", "2021-05-31");
    for _ in 0..2 {
        h.get_by_label("+ contact").click();
        h.run();
    }
    type_into(h, "Contact name 1", "Marie Dubois");
    type_into(h, "Contact e-mail 1", "marie.dubois@unige.example.ch");
    type_into(h, "Contact language 1", "fr");
    type_into(h, "Contact name 2", "Jonas Weber");
    type_into(h, "Contact role 2", "Grants office");
    type_into(h, "Relationship owner", "Anna Keller");
    type_into(h, "Last verified", "2021-04-01");
    h.get_by_label("Save").click();
    h.run();
}

#[test]
fn a_new_profile_with_two_contacts_and_a_window_is_saved_through_the_form() {
    let mut h = prospects_of_the_sample();
    assert!(profile_of(&h, GENEVA).is_none());
    add_the_geneva_profile(&mut h);
    assert!(
        h.query_by_label("New profile").is_none(),
        "the form stayed open: {:?}",
        h.state().status()
    );
    let p = profile_of(&h, GENEVA).expect("the profile saved");
    assert_eq!(p.themes, ["cybersecurity"]);
    assert_eq!(p.regions, ["africa"]);
    let ticket = p.ticket.expect("a ticket");
    assert_eq!(ticket.min.minor, 10_000_000);
    // The typical amount left empty is the middle.
    assert_eq!(ticket.typical.minor, 30_000_000);
    assert_eq!(ticket.max.minor, 50_000_000);
    assert_eq!(ticket.min.currency.code(), "USD");
    assert_eq!(p.windows.len(), 1);
    assert_eq!(p.windows[0].name, "Research call 2021");
    assert_eq!(p.windows[0].closes.to_string(), "2021-05-31");
    let names: Vec<&str> = p.contacts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Marie Dubois", "Jonas Weber"]);
    assert_eq!(p.contacts[0].email, "marie.dubois@unige.example.ch");
    assert_eq!(p.contacts[0].language, "fr");
    assert_eq!(p.contacts[1].role, "Grants office");
    assert_eq!(p.owner, "Anna Keller");
    assert_eq!(
        p.verified_on.map(|d| d.to_string()).as_deref(),
        Some("2021-04-01")
    );
    // The page reads the profiles again: 31 now, the new one in the table.
    h.get_by_label_contains("31 funding partners' profiles");
    h.get_by_label(GENEVA);
}

#[test]
fn a_new_profile_for_a_new_partner_adds_both_in_one_step() {
    let mut h = prospects_of_the_sample();
    let partners = h.state().ledger().partners().unwrap().len();
    h.get_by_label("New profile…").click();
    h.run();
    h.get_by_label("New partner…").click();
    h.run();
    // A name the ledger has is refused: the partner is chosen instead.
    type_into(&mut h, "New partner's name", GENEVA);
    h.get_by_label("Save").click();
    h.run();
    h.get_by_label_contains("The ledger has a partner named 'University of Geneva' already");
    h.get_by_label_contains("Choose the new partner's type");
    assert_eq!(h.state().ledger().partners().unwrap().len(), partners);
    retype(&mut h, "New partner's name", "Fondation Lumière");
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Partner type")
        .click();
    h.run();
    choose_in_drop_down(&mut h, "Funds");
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Theme: Cybersecurity")
        .click();
    h.run();
    h.get_by_label("Save").click();
    h.run();
    assert!(
        h.query_by_label("New profile").is_none(),
        "the form stayed open: {:?}",
        h.state().status()
    );
    let p = profile_of(&h, "Fondation Lumière").expect("the new partner's profile");
    assert_eq!(p.themes, ["cybersecurity"]);
    let ledger = h.state().ledger().partners().unwrap();
    assert_eq!(ledger.len(), partners + 1);
    let new = ledger
        .iter()
        .find(|x| x.name == "Fondation Lumière")
        .unwrap();
    assert_eq!(new.partner_type, "fund");
    h.get_by_label_contains("31 funding partners' profiles");
    // One step: undone, neither the profile nor the partner is left.
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(profile_of(&h, "Fondation Lumière").is_none());
    assert_eq!(h.state().ledger().partners().unwrap().len(), partners);
}

#[test]
fn a_profile_is_deleted_after_a_second_click_and_the_partner_stays() {
    let mut h = prospects_of_the_sample();
    let partners = h.state().ledger().partners().unwrap().len();
    h.get_by_label(NORAD).click();
    h.run();
    h.get_by_label("Delete…").click();
    h.run();
    // The first click only asks again.
    assert!(profile_of(&h, NORAD).is_some());
    h.get_by_label("Really delete").click();
    h.run();
    assert!(h.query_by_label("Edit profile").is_none());
    assert!(profile_of(&h, NORAD).is_none(), "{:?}", h.state().status());
    assert_eq!(h.state().ledger().partners().unwrap().len(), partners);
    h.get_by_label_contains("29 funding partners' profiles");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(profile_of(&h, NORAD).is_some());
    h.get_by_label_contains("30 funding partners' profiles");
}

#[test]
fn a_profile_saved_is_undone_and_redone() {
    let mut h = prospects_of_the_sample();
    add_the_geneva_profile(&mut h);
    assert!(profile_of(&h, GENEVA).is_some(), "{:?}", h.state().status());
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(
        h.state().status().is_some_and(|s| s.starts_with("Undone")),
        "{:?}",
        h.state().status()
    );
    assert!(profile_of(&h, GENEVA).is_none());
    h.get_by_label_contains("30 funding partners' profiles");
    h.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    h.run();
    assert_eq!(profile_of(&h, GENEVA).map(|p| p.contacts.len()), Some(2));
}

#[test]
fn a_click_on_a_profiles_row_opens_it_and_its_owner_is_changed() {
    let mut h = prospects_of_the_sample();
    let before = profile_of(&h, NORAD).expect("Norad's sample profile");
    h.get_by_label(NORAD).click();
    h.run();
    h.get_by_label("Edit profile");
    retype(&mut h, "Relationship owner", "Ingrid Solberg");
    h.get_by_label("Save").click();
    h.run();
    assert!(
        h.query_by_label("Edit profile").is_none(),
        "{:?}",
        h.state().status()
    );
    let after = profile_of(&h, NORAD).unwrap();
    assert_eq!(after.owner, "Ingrid Solberg");
    // Everything else is as it was.
    assert_eq!(
        pledger::domain::Prospect {
            owner: before.owner.clone(),
            ..after
        },
        before
    );
}

#[test]
fn a_ticket_whose_min_is_above_its_max_is_refused_and_nothing_is_written() {
    let mut h = prospects_of_the_sample();
    let before = h.state().ledger().prospects().unwrap();
    let revision = h.state().ledger().revision().unwrap();
    h.get_by_label(NORAD).click();
    h.run();
    h.get_by_label("Edit profile");
    retype(&mut h, "Ticket min", "9000000");
    h.get_by_label("Save").click();
    h.run();
    h.get_by_label_contains("Ticket: the min (9000000) is above the max");
    h.get_by_label("Fix the fields marked in red.");
    h.get_by_label("Edit profile");
    assert_eq!(h.state().ledger().revision().unwrap(), revision);
    assert_eq!(h.state().ledger().prospects().unwrap(), before);
    // Escape leaves the form, still nothing written.
    h.key_press(egui::Key::Escape);
    h.run();
    assert!(h.query_by_label("Edit profile").is_none());
    assert_eq!(h.state().ledger().revision().unwrap(), revision);
}

/// A deal of the first sample partner in negotiation, with `probability_bp` typed or not.
fn negotiation(title: &str, probability_bp: Option<u32>) -> pledger::domain::Opportunity {
    pledger::domain::Opportunity {
        id: pledger::domain::OpportunityId(0),
        reference: None,
        partner_id: pledger::domain::PartnerId(0),
        title: title.into(),
        themes: vec![pledger::domain::ThemeShare {
            theme: "cybersecurity".into(),
            percent_bp: 10_000,
        }],
        region: "africa".into(),
        ask: Some(pledger::domain::Money::from_minor(
            100_000_000,
            pledger::domain::Currency::USD,
        )),
        stage: pledger::domain::Stage::Negotiation,
        probability_bp,
        expected_signing: None,
        next_action: String::new(),
        next_action_due: None,
        owner: String::new(),
        reason: String::new(),
        agreement_id: None,
    }
}

#[test]
fn a_stages_probability_set_in_settings_weights_the_deals_without_their_own() {
    let mut ledger = with_sample_partners(Ledger::open_in_memory().unwrap());
    let first = ledger.partners().unwrap()[0].id;
    let on = chrono::NaiveDate::from_ymd_opt(2024, 5, 1).unwrap();
    ledger
        .write(|w| {
            for d in [
                negotiation("Plain deal", None),
                negotiation("Typed deal", Some(3500)),
            ] {
                w.put_opportunity(
                    &pledger::domain::Opportunity {
                        partner_id: first,
                        ..d
                    },
                    on,
                )?;
            }
            Ok(())
        })
        .unwrap();
    let mut app = PledgerApp::new(ledger, Lang::En, Box::new(ScriptedDialogs::default()));
    app.set_today(chrono::NaiveDate::from_ymd_opt(2024, 5, 6).unwrap());
    let mut h = Harness::builder()
        .with_size([1500.0, 1100.0])
        .with_max_steps(16)
        .with_context_setup(|ctx| {
            ctx.set_fonts(font_definitions(false));
            ctx.set_theme(egui::Theme::Light);
        })
        .build_ui_state(|ui, app: &mut PledgerApp| app.frame_ui(ui), app);
    h.run();
    let pipeline_tab = |h: &mut Harness<'static, PledgerApp>| {
        h.get_all_by_label("Pipeline")
            .find(|n| n.accesskit_node().role() != egui::accesskit::Role::Label)
            .expect("the Pipeline tab")
            .click();
        h.run();
    };
    pipeline_tab(&mut h);
    h.get_by_label("60 %");
    h.get_by_label("35 % (set)");
    h.get_by_label("Settings").click();
    h.run();
    h.get_by_label("Chance of signing by stage");
    retype(&mut h, "Negotiation (%)", "75");
    h.get_by_label("Save the probabilities").click();
    h.run();
    let ledger =
        |h: &Harness<'static, PledgerApp>| h.state().ledger().stage_probabilities().unwrap();
    assert_eq!(
        ledger(&h).of(pledger::domain::Stage::Negotiation),
        7500,
        "{:?}",
        h.state().status()
    );
    pipeline_tab(&mut h);
    h.get_by_label("75 %");
    h.get_by_label("35 % (set)");
    assert!(h.query_by_label("60 %").is_none());
    // 120 % is refused, its stage named, and nothing is written.
    h.get_by_label("Settings").click();
    h.run();
    let revision = h.state().ledger().revision().unwrap();
    let before = ledger(&h);
    retype(&mut h, "Contacted (%)", "120");
    h.get_by_label("Save the probabilities").click();
    h.run();
    h.get_by_label("Contacted: 120 % is not between 0 and 100 %");
    assert_eq!(h.state().ledger().revision().unwrap(), revision);
    assert_eq!(ledger(&h), before);
}

#[test]
fn a_ranked_prospects_profile_opens_from_its_entry() {
    let mut h = prospects_of_the_sample();
    h.get_by_role_and_label(egui::accesskit::Role::CheckBox, "Cybersecurity")
        .click();
    h.run();
    h.get_by_role_and_label(egui::accesskit::Role::ComboBox, "Region")
        .click();
    h.run();
    choose_in_drop_down(&mut h, "Africa");
    type_into(&mut h, "Amount needed", "500000");
    type_into(&mut h, "As of", "2021-06-30");
    h.get_by_label(&format!("Edit profile… {NORAD}")).click();
    h.run();
    h.get_by_label("Edit profile");
    h.get_by_label(NORAD);
}

#[test]
fn the_top_partners_shown_are_the_ledgers_setting_for_every_door() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    // The ledger's setting, 10, is what the dashboard lists.
    assert_eq!(h.state().ledger().report_settings().unwrap().top, 10);
    h.get_by_label_contains("Food and Agriculture Organization");
    // Nine, typed: written to the ledger, so the PDF, the workbook and the command line
    // list nine too.
    // Focused, the spin button edits as text: the value typed over is taken on Enter.
    h.get_by_label("Number of top partners").focus();
    h.run();
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    h.run();
    h.get_by_label("Number of top partners").type_text("9");
    h.run();
    h.key_press(egui::Key::Enter);
    h.run();
    h.run();
    assert_eq!(h.state().top_n(), 9, "the view");
    assert_eq!(h.state().ledger().report_settings().unwrap().top, 9);
}

#[test]
fn tiles_compare_like_for_like_and_say_with_what() {
    let ledger = Ledger::open_in_memory().unwrap();
    let mut app = PledgerApp::new(ledger, Lang::En, Box::new(ScriptedDialogs::default()));
    app.set_today(chrono::NaiveDate::from_ymd_opt(2021, 5, 15).unwrap());
    let mut h = harness_of(app);
    h.run();
    load_sample(&mut h);
    // 2021 Q1 against 2020 Q1, not against 2020 Q4.
    assert!(h.query_all_by_label_contains("vs 2020 Q1").count() >= 3);
    assert_eq!(h.query_all_by_label_contains("vs 2020 Q4").count(), 0);
    // A year under way against the same span of the year before.
    h.state_mut().set_period(Period::year(2021).unwrap());
    h.run();
    h.run();
    assert!(
        h.query_all_by_label_contains("vs 1 Jan 2020 – 15 May 2020")
            .count()
            >= 3
    );
    // A custom range against the same range a year earlier.
    h.state_mut()
        .set_period(Period::parse("2021-02-01..2021-03-31").unwrap());
    h.run();
    h.run();
    assert!(
        h.query_all_by_label_contains("vs 1 Feb 2020 – 31 Mar 2020")
            .count()
            >= 3
    );
    // And in Chinese.
    h.get_by_label("中文").click();
    h.run();
    assert!(
        h.query_all_by_label_contains("较2020年2月1日 – 2020年3月31日")
            .count()
            >= 3
    );
}

#[test]
fn copy_puts_the_charts_image_on_the_clipboard() {
    let mut h = harness(Lang::En);
    h.run();
    load_sample(&mut h);
    for chart in ["Contributions by region", "Top funding partners"] {
        h.get_by_label(&format!("Copy {chart}")).click();
        // The copy is an output command of the frame that runs it.
        let mut copied = None;
        for _ in 0..4 {
            h.step();
            copied = copied.or_else(|| {
                h.output()
                    .platform_output
                    .commands
                    .iter()
                    .find_map(|c| match c {
                        egui::OutputCommand::CopyImage(image) => Some(image.size),
                        _ => None,
                    })
            });
        }
        let [width, height] = copied.unwrap_or_else(|| panic!("{chart}: nothing copied"));
        // The PNG's image: 1280 px wide, as tall as the chart.
        assert_eq!(width, 1280, "{chart}");
        assert!(height > 300, "{chart}: {height}");
        h.run();
        h.get_by_label_contains("copied as an image");
    }
}
