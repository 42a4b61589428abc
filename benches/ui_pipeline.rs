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
use pledger::domain::Lang;
use pledger::ledger::Ledger;
use pledger::ui::{PledgerApp, ScriptedDialogs, font_definitions};

mod common;
use common::generate_deals;

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
    generate_deals(&ledger, partners, deals, 600, 40);
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
