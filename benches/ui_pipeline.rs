//! The pipeline page's frame time (headless, no GPU: egui run + tessellation) on a ledger
//! of 100,000 deals over 50,000 partners, each deal with one to seven stage changes, some
//! lost or on hold, a fifth with a typed probability (the same shape as
//! `benches/pipeline.rs`); p50 and p99 over many frames, and the first frame that reads the
//! deals. Run with `cargo bench --bench ui_pipeline` (`PLEDGER_BENCH_ROWS` changes the
//! number of deals).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::float_arithmetic,
    clippy::print_stdout,
    reason = "a benchmark: fails loudly, prints figures"
)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use pledger::domain::{Lang, Stage};
use pledger::ledger::Ledger;
use pledger::ui::{PledgerApp, ScriptedDialogs, font_definitions};
use rusqlite::params;

mod common;
use common::Rng;

/// `partners` partners and `deals` deals with their histories, written straight in SQL.
fn generate(ledger: &Ledger, partners: usize, deals: usize) {
    let conn = ledger.connection();
    conn.execute_batch("BEGIN").expect("begin");
    let mut rng = Rng(0x853C_49E6_748F_EA9B);
    {
        let mut partner = conn
            .prepare("INSERT INTO partner (name, partner_type) VALUES (?1, 'government')")
            .expect("prepare");
        for i in 0..partners {
            partner
                .execute([format!("Generated partner {i}")])
                .expect("partner");
        }
        let first: i64 = conn
            .query_row("SELECT min(id) FROM partner", [], |r| r.get(0))
            .expect("first");
        let mut deal = conn
            .prepare(
                "INSERT INTO opportunity (partner_id, title, themes, region, ask_minor, currency, stage, probability_bp, expected_signing, next_action, next_action_due, owner)
                 VALUES (?1, ?2, '[{\"theme\":\"cybersecurity\",\"percent_bp\":10000}]', 'africa', ?3, ?4, ?5, ?6, ?7, 'Follow up', ?8, ?9)",
            )
            .expect("prepare");
        let mut change = conn
            .prepare("INSERT INTO stage_change (opportunity_id, on_day, from_stage, to_stage) VALUES (?1, ?2, ?3, ?4)")
            .expect("prepare");
        let currencies = ["USD", "EUR", "CHF"];
        let owners = ["Amina", "Li", "Sofía", "Jonas"];
        let start = NaiveDate::from_ymd_opt(2019, 1, 1).unwrap();
        for n in 0..deals {
            let steps = 1 + rng.below(7) as usize;
            let mut path: Vec<Stage> = Stage::ALL[..steps].to_vec();
            if steps < 7 {
                match rng.below(6) {
                    0 => path.push(Stage::Lost),
                    1 => path.push(Stage::OnHold),
                    _ => {}
                }
            }
            let stage = *path.last().unwrap();
            let typed = (rng.below(5) == 0).then(|| rng.below(10_001) as i64);
            let mut day = start + chrono::Duration::days(rng.below(600) as i64);
            let expected = day + chrono::Duration::days(rng.below(700) as i64);
            let due = day + chrono::Duration::days(rng.below(900) as i64);
            deal.execute(params![
                first + rng.below(partners as u64) as i64,
                format!("Generated deal {n}"),
                (1 + rng.below(5_000_000)) as i64 * 100,
                currencies[rng.below(3) as usize],
                stage.as_str(),
                typed,
                expected.to_string(),
                due.to_string(),
                owners[rng.below(4) as usize],
            ])
            .expect("deal");
            let id = conn.last_insert_rowid();
            let mut from: Option<Stage> = None;
            for s in path {
                change
                    .execute(params![
                        id,
                        day.to_string(),
                        from.map(Stage::as_str),
                        s.as_str()
                    ])
                    .expect("change");
                from = Some(s);
                day += chrono::Duration::days(1 + rng.below(40) as i64);
            }
        }
    }
    conn.execute_batch(
        "INSERT INTO exchange_rate (currency, quote, valid_from, rate) VALUES
             ('EUR', 'USD', '2018-01-01', '1.18'), ('CHF', 'USD', '2018-01-01', '1.07')
         ON CONFLICT DO NOTHING;
         COMMIT; ANALYZE;",
    )
    .expect("commit");
}

fn input() -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(
            egui::Pos2::ZERO,
            egui::vec2(1500.0, 1000.0),
        )),
        ..Default::default()
    }
}

/// One frame as the app runs it: layout, then tessellation into triangles.
fn frame(ctx: &egui::Context, app: &mut PledgerApp) -> usize {
    let mut output = ctx.run_ui(input(), |ui| app.frame_ui(ui));
    // No renderer takes the font atlas's updates.
    output.textures_delta.clear();
    ctx.tessellate(output.shapes, output.pixels_per_point).len()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let deals: usize = std::env::var("PLEDGER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let partners = deals / 2;
    let ledger = Ledger::open_in_memory().unwrap();
    let t = Instant::now();
    generate(&ledger, partners, deals);
    println!(
        "generated {partners} partners and {deals} deals in {:.1?}",
        t.elapsed()
    );
    let mut app = PledgerApp::new(ledger, Lang::En, Box::new(ScriptedDialogs::default()));
    app.set_today(NaiveDate::from_ymd_opt(2021, 6, 30).unwrap());
    let ctx = egui::Context::default();
    ctx.set_fonts(font_definitions(false));
    app.show_pipeline();
    let t = Instant::now();
    frame(&ctx, &mut app);
    println!(
        "pipeline page, first frame (reads the deals, computes the pipeline): {:.0} ms",
        ms(t.elapsed())
    );
    for _ in 0..20 {
        frame(&ctx, &mut app);
    }
    let loads = app.deal_loads();
    let mut times: Vec<Duration> = (0..600)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(frame(&ctx, &mut app));
            start.elapsed()
        })
        .collect();
    assert_eq!(app.deal_loads(), loads, "a frame read the deals again");
    times.sort();
    println!(
        "pipeline board frame (run + tessellate), {deals} deals: p50 {:.2} ms, p99 {:.2} ms (goal p99 <= 6), over {} frames",
        ms(percentile(&times, 50)),
        ms(percentile(&times, 99)),
        times.len()
    );
}
