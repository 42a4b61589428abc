//! Export benchmark on the sample ledger, in one run: the 2021Q1 PDF report (goal
//! <= 500 ms), one PNG chart (goal <= 150 ms), and the route a user might take instead —
//! pandas + matplotlib drawing the same four pies into a PDF from the same figures
//! (`benches/python_pies.py`) — with the ratio (goal: Pledger >= 5x faster).
//! Run with `cargo bench --bench export`; pandas and matplotlib are pip-installed first when
//! missing (not timed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::float_arithmetic,
    clippy::print_stdout,
    reason = "a benchmark: fails loudly, prints ratios"
)]

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use pledger::chart::svg::{SvgOptions, pie_svg};
use pledger::chart::{ChartKind, PieChart};
use pledger::domain::{Lang, Period, minor_to_decimal};
use pledger::export::ReportData;
use pledger::export::pdf::{Paper, Template, report_pdf};
use pledger::export::png::{PngSize, svg_to_png};
use pledger::ledger::Ledger;
use serde_json::json;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(std::hint::black_box(f()));
        times.push(start.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn python_ready() -> bool {
    Command::new("python3")
        .args(["-c", "import pandas, matplotlib"])
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    pledger::import::load_sample(&mut ledger).unwrap();
    let period = Period::parse("2021Q1").unwrap();
    let template = Template::bundled().unwrap();

    // The first run also builds the font caches; the median of the next ones is reported.
    let data = ReportData::load(&ledger, &period, 3).unwrap();
    let _ = report_pdf(&data, Lang::En, Paper::A4, &template).unwrap();
    let (pdf_time, pdf) = time(9, || {
        let data = ReportData::load(&ledger, &period, 3).unwrap();
        report_pdf(&data, Lang::En, Paper::A4, &template).unwrap()
    });
    let (pdf_zh_time, _) = time(9, || {
        let data = ReportData::load(&ledger, &period, 3).unwrap();
        report_pdf(&data, Lang::Zh, Paper::A4, &template).unwrap()
    });
    let (png_time, png) = time(9, || {
        let chart = PieChart::from_report(
            ChartKind::PartnerType,
            &data.report,
            &data.lists,
            Lang::En,
            30,
        );
        svg_to_png(
            &pie_svg(&chart, SvgOptions::default()),
            PngSize::WidthPx(1280),
        )
        .unwrap()
    });

    println!("export benchmark, sample ledger, 2021Q1");
    println!(
        "  PDF report (en), load + layout + write:  {:8.1} ms  ({} bytes; goal <= 500 ms)",
        ms(pdf_time),
        pdf.len()
    );
    println!(
        "  PDF report (zh):                         {:8.1} ms",
        ms(pdf_zh_time)
    );
    println!(
        "  PNG chart, partner type, 1280 px:        {:8.1} ms  ({} bytes; goal <= 150 ms)",
        ms(png_time),
        png.len()
    );

    // The same four pies, drawn by pandas + matplotlib from the same figures.
    let charts: Vec<_> = PieChart::all(&data.report, &data.lists, Lang::En, 30)
        .iter()
        .map(|c| {
            json!({
                "title": c.title,
                "subtitle": c.subtitle,
                "slices": c.slices.iter().map(|s| json!({
                    "label": s.label,
                    "amount": minor_to_decimal(s.amount_minor, c.currency).to_string(),
                    "percent": s.percent_text,
                    "color": s.color.hex(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let figures = dir.path().join("figures.json");
    std::fs::write(&figures, json!({ "charts": charts }).to_string()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/python_pies.py");
    if !python_ready() {
        println!("  (installing pandas and matplotlib with pip; not timed)");
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "pandas", "matplotlib"])
            .status();
    }
    if !python_ready() {
        println!("  Python route: not measured (python3 with pandas and matplotlib unavailable)");
        return;
    }
    let out_pdf = dir.path().join("python.pdf");
    let mut inside = Vec::new();
    let (python_time, _) = time(5, || {
        let out = Command::new("python3")
            .arg(&script)
            .arg(&figures)
            .arg(&out_pdf)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let seconds: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        inside.push(Duration::from_secs_f64(seconds));
    });
    let python_drawing = median(inside);
    println!(
        "  Python pandas + matplotlib, 4 pies PDF:  {:8.1} ms  (whole run; of which drawing and writing after the imports {:.1} ms)",
        ms(python_time),
        ms(python_drawing)
    );
    println!(
        "  ratio, Python whole run / Pledger PDF:   {:8.1}x  (goal >= 5x)",
        python_time.as_secs_f64() / pdf_time.as_secs_f64()
    );
    println!(
        "  ratio, Python drawing only / Pledger PDF: {:7.1}x  (Python's interpreter start and imports left out; Pledger also lays out the annex, notes and table)",
        python_drawing.as_secs_f64() / pdf_time.as_secs_f64()
    );
}
