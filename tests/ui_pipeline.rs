//! The pipeline page driven headless by egui_kittest, by role and label, on an in-memory
//! ledger with the sample partners and deals written through the ledger, the clock fixed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::float_arithmetic,
    reason = "tests"
)]

use chrono::NaiveDate;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use pledger::domain::{
    Currency, Lang, Money, Opportunity, OpportunityId, PartnerId, Stage, ThemeShare,
    group_thousands, minor_to_decimal,
};
use pledger::ledger::Ledger;
use pledger::ui::{PledgerApp, ScriptedDialogs, font_definitions};

/// The day every test runs on.
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 5, 6).unwrap()
}

fn deal(partner: PartnerId, title: &str, stage: Stage, minor: i64, currency: &str) -> Opportunity {
    Opportunity {
        id: OpportunityId(0),
        reference: None,
        partner_id: partner,
        title: title.into(),
        themes: vec![ThemeShare {
            theme: "cybersecurity".into(),
            percent_bp: 10_000,
        }],
        region: "africa".into(),
        ask: Some(Money::from_minor(minor, currency.parse().unwrap())),
        stage,
        probability_bp: None,
        expected_signing: None,
        next_action: String::new(),
        next_action_due: None,
        owner: "Amina".into(),
        reason: String::new(),
        agreement_id: None,
    }
}

/// A ledger with the sample partners and `deals` (for the first partner unless set),
/// recorded a week before [`today`].
fn ledger_with(deals: &[Opportunity]) -> Ledger {
    let mut ledger = Ledger::open_in_memory().unwrap();
    pledger::import::import_bytes::<pledger::import::Partners>(
        &mut ledger,
        "partners.csv",
        pledger::import::sample::PARTNERS_CSV.as_bytes(),
    )
    .unwrap();
    let first = ledger.partners().unwrap()[0].id;
    let recorded = today() - chrono::Duration::days(7);
    ledger
        .write(|w| {
            for d in deals {
                let mut d = d.clone();
                if d.partner_id.0 == 0 {
                    d.partner_id = first;
                }
                w.put_opportunity(&d, recorded)?;
            }
            Ok(())
        })
        .unwrap();
    ledger
}

/// The app on `ledger`, today fixed, showing the pipeline page.
fn pipeline_on(ledger: Ledger) -> Harness<'static, PledgerApp> {
    pipeline_answering(ledger, Vec::new(), true)
}

/// The same, its file dialogs answering `answers`; `named` checks that every widget has an
/// accessible name (the Settings page's list editors have none yet).
fn pipeline_answering(
    ledger: Ledger,
    answers: Vec<std::path::PathBuf>,
    named: bool,
) -> Harness<'static, PledgerApp> {
    let dialogs = ScriptedDialogs {
        answers: answers.into_iter().map(Some).collect(),
    };
    let mut app = PledgerApp::new(ledger, Lang::En, Box::new(dialogs));
    app.set_today(today());
    let mut h = Harness::builder()
        .with_size([1500.0, 1000.0])
        .with_max_steps(16)
        .with_accessibility_check(named)
        .with_context_setup(|ctx| {
            ctx.set_fonts(font_definitions(false));
            ctx.set_theme(egui::Theme::Light);
        })
        .build_ui_state(|ui, app: &mut PledgerApp| app.frame_ui(ui), app);
    h.run();
    // The tab (the dashboard's tile has the same title, as a label).
    h.get_all_by_label("Pipeline")
        .find(|n| n.accesskit_node().role() != Role::Label)
        .expect("the Pipeline tab")
        .click();
    h.run();
    h
}

/// The one deal of the ledger titled `title`.
fn stored(h: &Harness<'static, PledgerApp>, title: &str) -> Opportunity {
    h.state()
        .ledger()
        .opportunities()
        .unwrap()
        .into_iter()
        .find(|d| d.title == title)
        .unwrap_or_else(|| panic!("no deal {title}"))
}

/// Opens the card's "Move to…" menu and clicks `item`.
fn move_by_menu(h: &mut Harness<'static, PledgerApp>, title: &str, item: &str) {
    h.get_by_role_and_label(Role::Button, &format!("Move to… {title}"))
        .click();
    h.run();
    h.get_by_role_and_label(Role::Button, item).click();
    h.run();
}

#[test]
fn a_deal_moved_through_every_stage_by_the_menu_is_signed_into_a_linked_agreement() {
    let drills = deal(
        PartnerId(0),
        "Cyber drills",
        Stage::Identified,
        25_000_000,
        "USD",
    );
    let mut h = pipeline_on(ledger_with(&[drills]));
    for (item, stage) in [
        ("Contacted", Stage::Contacted),
        ("Concept note", Stage::ConceptNote),
        ("Proposal submitted", Stage::ProposalSubmitted),
        ("Negotiation", Stage::Negotiation),
        ("Pledged", Stage::Pledged),
    ] {
        move_by_menu(&mut h, "Cyber drills", item);
        assert_eq!(
            stored(&h, "Cyber drills").stage,
            stage,
            "{:?}",
            h.state().status()
        );
    }
    let before = h.state().ledger().agreement_count().unwrap();
    move_by_menu(&mut h, "Cyber drills", "Signed…");
    // The agreement form, prefilled from the deal; the officer types the reference.
    h.get_by_label("Sign deal: Cyber drills");
    let reference = h.get_by_role_and_label(Role::TextInput, "Reference");
    reference.click();
    reference.type_text("PA-2024-007");
    h.run();
    h.get_by_label("Save").click();
    h.run();
    assert!(
        h.query_by_label("Sign deal: Cyber drills").is_none(),
        "{:?}",
        h.state().status()
    );
    let signed = stored(&h, "Cyber drills");
    assert_eq!(signed.stage, Stage::Signed);
    let agreement_id = signed.agreement_id.expect("the deal links its agreement");
    let ledger = h.state().ledger();
    assert_eq!(ledger.agreement_count().unwrap(), before + 1);
    let agreement = ledger
        .agreements(&pledger::ledger::AgreementFilter::default())
        .unwrap()
        .into_iter()
        .find(|a| a.id == agreement_id)
        .expect("the agreement");
    assert_eq!(agreement.reference.as_deref(), Some("PA-2024-007"));
    assert_eq!(agreement.partner_id, signed.partner_id);
    assert_eq!(agreement.contribution, signed.ask);
    assert_eq!(agreement.region, "africa");
    assert_eq!(agreement.themes, signed.themes);
    assert_eq!(agreement.signed_on, today());
    // Every stage of the road is in its history, in order.
    let history: Vec<Stage> = ledger
        .stage_changes_of(signed.id)
        .unwrap()
        .iter()
        .map(|c| c.to)
        .collect();
    assert_eq!(history, Stage::ALL[..7].to_vec());
    // A signed deal moves no further.
    h.get_by_role_and_label(Role::Button, "Move to… Cyber drills")
        .click();
    h.run();
    assert!(
        h.query_by_role_and_label(Role::Button, "Contacted")
            .is_none()
    );
}

#[test]
fn a_typed_probability_survives_a_move_and_is_shown_as_set() {
    let mut hubs = deal(
        PartnerId(0),
        "Skills hubs",
        Stage::Contacted,
        1_000_000,
        "EUR",
    );
    hubs.probability_bp = Some(3500);
    let plain = deal(
        PartnerId(0),
        "Plain deal",
        Stage::Contacted,
        2_000_000,
        "EUR",
    );
    let mut h = pipeline_on(ledger_with(&[hubs, plain]));
    h.get_by_label("35 % (set)");
    // The other deal has its stage's default, not marked.
    h.get_by_label("10 %");
    move_by_menu(&mut h, "Skills hubs", "Negotiation");
    let moved = stored(&h, "Skills hubs");
    assert_eq!(moved.stage, Stage::Negotiation);
    assert_eq!(moved.probability_bp, Some(3500));
    h.get_by_label("35 % (set)");
    assert!(h.query_by_label("60 % (set)").is_none());
}

/// `USD 150,100.50`, as the board writes an amount.
fn money(minor: i128, code: &str) -> String {
    let currency: Currency = code.parse().unwrap();
    format!(
        "{code} {}",
        group_thousands(&minor_to_decimal(minor, currency))
    )
}

#[test]
fn each_column_header_shows_the_sum_of_its_deals_per_currency() {
    let deals = [
        deal(PartnerId(0), "N1", Stage::Negotiation, 15_000_050, "USD"),
        deal(PartnerId(0), "N2", Stage::Negotiation, 10_000, "USD"),
        deal(PartnerId(0), "N3", Stage::Negotiation, 5_000_000, "EUR"),
        deal(PartnerId(0), "N4", Stage::Negotiation, 2_000_000, "EUR"),
        deal(PartnerId(0), "C1", Stage::Contacted, 3_333_300, "CHF"),
        deal(PartnerId(0), "C2", Stage::Contacted, 1_111_100, "CHF"),
        deal(PartnerId(0), "P1", Stage::Pledged, 70_000_000, "USD"),
        deal(PartnerId(0), "P2", Stage::Pledged, 5_000_000, "USD"),
    ];
    let mut h = pipeline_on(ledger_with(&deals));
    let stored = h.state().ledger().opportunities().unwrap();
    let defaults = h.state().ledger().stage_probabilities().unwrap();
    for stage in [Stage::Negotiation, Stage::Contacted, Stage::Pledged] {
        for code in ["USD", "EUR", "CHF"] {
            let of_it: Vec<&Opportunity> = stored
                .iter()
                .filter(|d| d.stage == stage && d.ask.unwrap().currency.code() == code)
                .collect();
            if of_it.is_empty() {
                continue;
            }
            let nominal: i128 = of_it.iter().map(|d| i128::from(d.ask.unwrap().minor)).sum();
            // The amounts are chosen so each deal's weighting is exact.
            let weighted: i128 = of_it
                .iter()
                .map(|d| {
                    i128::from(d.ask.unwrap().minor) * i128::from(d.probability(&defaults).0)
                        / 10_000
                })
                .sum();
            h.get_by_label(&money(nominal, code));
            let w = money(weighted, code);
            let w = w.trim_start_matches(code).trim();
            h.get_by_label(&format!("weighted {w}"));
        }
    }
    // A stage's sum is its own: the pledged USD are not those of negotiation.
    assert!(
        h.query_by_label(&money(75_000_000 + 15_010_050, "USD"))
            .is_none()
    );
    // The column's count.
    h.get_by_label("Negotiation  4");
    h.get_by_label("Contacted  2");
    // No exchange rate in this ledger: the columns in other currencies say their total is
    // missing, and no amount was converted.
    assert!(h.get_all_by_label("Σ — a rate is missing").count() >= 2);
    h.run();
}

#[test]
fn a_deal_of_150_percent_shows_the_message_and_writes_nothing() {
    let drills = deal(
        PartnerId(0),
        "Cyber drills",
        Stage::Contacted,
        25_000_000,
        "USD",
    );
    let mut h = pipeline_on(ledger_with(&[drills]));
    let revision = h.state().ledger().revision().unwrap();
    move_by_menu(&mut h, "Cyber drills", "Open…");
    h.get_by_label("Edit deal");
    // The deal's history is in the form.
    h.get_by_label("recorded in Contacted");
    h.get_by_label("7 days in Contacted");
    let probability = h.get_by_role_and_label(Role::TextInput, "Probability (%)");
    probability.click();
    probability.type_text("150");
    h.run();
    h.get_by_label("Save").click();
    h.run();
    h.get_by_label("a probability is between 0 and 100 %");
    h.get_by_label("Edit deal");
    assert_eq!(h.state().ledger().revision().unwrap(), revision);
    assert_eq!(stored(&h, "Cyber drills").probability_bp, None);
}

#[test]
fn a_move_is_undone_with_its_history() {
    let drills = deal(
        PartnerId(0),
        "Cyber drills",
        Stage::Contacted,
        25_000_000,
        "USD",
    );
    let mut h = pipeline_on(ledger_with(&[drills]));
    move_by_menu(&mut h, "Cyber drills", "Negotiation");
    let moved = stored(&h, "Cyber drills");
    assert_eq!(moved.stage, Stage::Negotiation);
    let changes = |h: &Harness<'static, PledgerApp>| {
        h.state().ledger().stage_changes_of(moved.id).unwrap().len()
    };
    assert_eq!(changes(&h), 2);
    h.get_by_label("Negotiation  1");
    h.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    h.run();
    assert!(
        h.state().status().is_some_and(|s| s.starts_with("Undone")),
        "{:?}",
        h.state().status()
    );
    assert_eq!(stored(&h, "Cyber drills").stage, Stage::Contacted);
    assert_eq!(changes(&h), 1);
    h.get_by_label("Contacted  1");
    h.get_by_label("Negotiation  0");
}

#[test]
fn a_move_to_lost_asks_for_the_reason_and_without_one_writes_nothing() {
    let drills = deal(
        PartnerId(0),
        "Cyber drills",
        Stage::Contacted,
        25_000_000,
        "USD",
    );
    let mut h = pipeline_on(ledger_with(&[drills]));
    let revision = h.state().ledger().revision().unwrap();
    move_by_menu(&mut h, "Cyber drills", "Lost…");
    h.get_by_label("Move").click();
    h.run();
    h.get_by_label("a deal lost needs its reason");
    assert_eq!(h.state().ledger().revision().unwrap(), revision);
    let reason = h.get_by_role_and_label(Role::MultilineTextInput, "Reason");
    reason.click();
    reason.type_text("The funds went to another call");
    h.run();
    h.get_by_label("Move").click();
    h.run();
    let lost = stored(&h, "Cyber drills");
    assert_eq!(lost.stage, Stage::Lost);
    assert_eq!(lost.reason, "The funds went to another call");
}

#[test]
fn a_card_dragged_to_another_column_moves_there() {
    let drills = deal(
        PartnerId(0),
        "Cyber drills",
        Stage::Contacted,
        25_000_000,
        "USD",
    );
    let mut h = pipeline_on(ledger_with(&[drills]));
    let from = h.get_by_label("Cyber drills").rect().center();
    let to = h.get_by_label("Negotiation  0").rect().center() + egui::vec2(0.0, 200.0);
    h.hover_at(from);
    h.run();
    h.event(egui::Event::PointerButton {
        pos: from,
        button: egui::PointerButton::Primary,
        pressed: true,
        modifiers: egui::Modifiers::NONE,
    });
    h.run();
    for i in 1..=10 {
        let t = i as f32 / 10.0;
        h.hover_at(from + (to - from) * t);
        h.run();
    }
    h.event(egui::Event::PointerButton {
        pos: to,
        button: egui::PointerButton::Primary,
        pressed: false,
        modifiers: egui::Modifiers::NONE,
    });
    h.run();
    assert_eq!(
        stored(&h, "Cyber drills").stage,
        Stage::Negotiation,
        "{:?}",
        h.state().status()
    );
}

#[test]
fn the_table_filters_and_sorts_without_reading_the_ledger_again() {
    let mut late = deal(
        PartnerId(0),
        "Late deal",
        Stage::Negotiation,
        100_000,
        "USD",
    );
    late.next_action = "Call".into();
    late.next_action_due = Some(today() - chrono::Duration::days(3));
    let mut other = deal(PartnerId(0), "Other deal", Stage::Contacted, 900_000, "USD");
    other.owner = "Li".into();
    let mut h = pipeline_on(ledger_with(&[late, other]));
    let loads = h.state().deal_loads();
    h.get_by_label("Table").click();
    h.run();
    h.get_by_label("2 / 2 deals shown");
    h.get_by_label("Overdue actions only").click();
    h.run();
    h.get_by_label("1 / 2 deals shown");
    h.get_by_label("Late deal");
    assert!(h.query_by_label("Other deal").is_none());
    h.get_by_label("Overdue actions only").click();
    h.run();
    // Sorting by the ask, largest first on the second click.
    h.get_by_label("Sort by Ask").click();
    h.run();
    h.get_by_label("Sort by Ask").click();
    h.run();
    let first = h.get_by_label("Other deal").rect().top();
    let second = h.get_by_label("Late deal").rect().top();
    assert!(first < second, "{first} {second}");
    assert_eq!(h.state().deal_loads(), loads);
}

#[test]
fn the_dashboard_shows_the_pipeline_tile_and_exports_its_chart_and_the_pdf_section() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("pipeline.png");
    let pdf = dir.path().join("report.pdf");
    let pdf_off = dir.path().join("report-without.pdf");
    let mut late = deal(
        PartnerId(0),
        "Late deal",
        Stage::Negotiation,
        10_000_000,
        "USD",
    );
    late.next_action = "Call".into();
    late.next_action_due = Some(today() - chrono::Duration::days(3));
    let mut ledger = ledger_with(&[late]);
    pledger::import::load_sample(&mut ledger).unwrap();
    // The sample's own deals out: the tile counts the one above.
    ledger
        .connection()
        .execute_batch(
            "DELETE FROM stage_change WHERE opportunity_id IN (SELECT id FROM opportunity WHERE reference LIKE 'OP-%');
             DELETE FROM opportunity WHERE reference LIKE 'OP-%';",
        )
        .unwrap();
    let mut h = pipeline_answering(
        ledger,
        vec![png.clone(), pdf_off.clone(), pdf.clone()],
        false,
    );
    h.get_by_label("Dashboard").click();
    h.run();
    h.get_by_label("1 open deals");
    h.get_by_label("Weighted USD 60,000");
    h.get_by_label("1 overdue actions");
    h.get_by_label("Pipeline by stage");
    h.get_by_label("Export PNG… Pipeline by stage")
        .scroll_to_me();
    h.run();
    h.get_by_label("Export PNG… Pipeline by stage").click();
    h.run();
    let bytes = std::fs::read(&png).unwrap_or_else(|e| panic!("{e}: {:?}", h.state().status()));
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // The PDF's pipeline section is off until ticked in Settings.
    assert!(!h.state().pdf_pipeline());
    h.get_by_label("Export report PDF…").scroll_to_me();
    h.run();
    h.get_by_label("Export report PDF…").click();
    h.run();
    let without = std::fs::read(&pdf_off).unwrap().len();
    h.get_by_label("Settings").click();
    h.run();
    h.get_by_label("Report PDF");
    h.get_by_label("Add a section on the pipeline of open deals")
        .click();
    h.run();
    assert!(h.state().pdf_pipeline());
    h.get_by_label("Dashboard").click();
    h.run();
    h.get_by_label("Export report PDF…").scroll_to_me();
    h.run();
    h.get_by_label("Export report PDF…").click();
    h.run();
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "{:?}", h.state().status());
    // The section's heading, sentence and chart make the file larger.
    assert!(bytes.len() > without + 1000, "{} {without}", bytes.len());
    // The tile leads to the pipeline page.
    h.get_by_label("Show the pipeline").scroll_to_me();
    h.run();
    h.get_by_label("Show the pipeline").click();
    h.run();
    h.get_by_label("Negotiation  1");
}
