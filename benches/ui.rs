//! Desktop app benchmark on a generated ledger of 1,000,000 agreements (headless, no GPU):
//! the dashboard's frame time (egui run + tessellation), the agreements table's frame time
//! with 1,000 rows and with every row of the ledger, and a period change shown in the next
//! frame. Run with `cargo bench --bench ui` (`PLEDGER_BENCH_ROWS` changes the size).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::float_arithmetic,
    clippy::print_stdout,
    reason = "a benchmark: fails loudly, prints ratios"
)]

use std::time::{Duration, Instant};

use pledger::domain::{Lang, Period};
use pledger::ledger::Ledger;
use pledger::ui::{PledgerApp, ScriptedDialogs, font_definitions};

mod common;
use common::generate;

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
    let output = ctx.run_ui(input(), |ui| app.frame_ui(ui));
    let primitives = ctx.tessellate(output.shapes, output.pixels_per_point);
    primitives.len()
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

fn frames(ctx: &egui::Context, app: &mut PledgerApp, n: usize) -> (Duration, Duration) {
    for _ in 0..20 {
        frame(ctx, app);
    }
    let mut times: Vec<Duration> = (0..n)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(frame(ctx, app));
            start.elapsed()
        })
        .collect();
    times.sort();
    (percentile(&times, 50), percentile(&times, 99))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn app_with(rows: usize) -> (egui::Context, PledgerApp) {
    let mut ledger = Ledger::open_in_memory().unwrap();
    generate(&mut ledger, rows);
    // The generated EUR amounts reach back to 2000: one rate covers them all.
    ledger
        .write(|w| {
            w.set_rate(&pledger::domain::ExchangeRate {
                currency: "EUR".parse().unwrap(),
                quote: "USD".parse().unwrap(),
                valid_from: chrono::NaiveDate::from_ymd_opt(1999, 1, 1).unwrap(),
                rate: "1.1".parse().unwrap(),
            })
        })
        .unwrap();
    let app = PledgerApp::new(ledger, Lang::En, Box::new(ScriptedDialogs::default()));
    let ctx = egui::Context::default();
    ctx.set_fonts(font_definitions(false));
    (ctx, app)
}

fn main() {
    let rows: usize = std::env::var("PLEDGER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let start = Instant::now();
    let (ctx, mut app) = app_with(rows);
    println!(
        "generated and loaded {rows} agreements in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    app.set_period(Period::parse("2021Q1").unwrap());
    let (p50, p99) = frames(&ctx, &mut app, 400);
    println!(
        "dashboard frame (run + tessellate): p50 {:.2} ms (goal <= 2), p99 {:.2} ms (goal <= 6)",
        ms(p50),
        ms(p99)
    );

    let snapshot = pledger::report::Snapshot::load(app.ledger()).unwrap();
    for label in ["2010", "2000-01-01..2024-12-31"] {
        let period = Period::parse(label).unwrap();
        let start = Instant::now();
        for _ in 0..10 {
            std::hint::black_box(snapshot.report(&period, 10).unwrap());
        }
        println!(
            "  report of {label} alone: {:.2} ms",
            ms(start.elapsed()) / 10.0
        );
    }
    drop(snapshot);
    let mut changes = Vec::new();
    for i in 0..40 {
        let period = if i % 2 == 0 {
            Period::parse("2010").unwrap()
        } else {
            Period::parse("2000-01-01..2024-12-31").unwrap()
        };
        let start = Instant::now();
        app.set_period(period);
        frame(&ctx, &mut app);
        changes.push(start.elapsed());
    }
    changes.sort();
    println!(
        "period change shown in the next frame (recompute + frame): p50 {:.2} ms, max {:.2} ms (goal: recompute < 10)",
        ms(percentile(&changes, 50)),
        ms(percentile(&changes, 100))
    );

    app.show_agreements(None);
    let load = Instant::now();
    frame(&ctx, &mut app);
    println!(
        "agreements table: first frame, loading all rows: {:.0} ms",
        ms(load.elapsed())
    );
    let (big50, big99) = frames(&ctx, &mut app, 200);

    let (small_ctx, mut small) = app_with(1_000);
    small.show_agreements(None);
    let (small50, small99) = frames(&small_ctx, &mut small, 200);
    println!(
        "agreements table frame: {} rows p50 {:.2} ms p99 {:.2} ms; 1,000 rows p50 {:.2} ms p99 {:.2} ms; ratio {:.2} (goal: about 1, independent of the row count)",
        rows,
        ms(big50),
        ms(big99),
        ms(small50),
        ms(small99),
        big50.as_secs_f64() / small50.as_secs_f64()
    );
}
