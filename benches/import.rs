//! Import benchmark. Generates a 100,000-row xlsx (rust_xlsxwriter) and measures, in one run:
//! calamine's own parse of it (streamed cells and `worksheet_range`), Pledger's end-to-end
//! import into a fresh ledger, the Python route (pandas `read_excel` with openpyxl, then
//! `to_sql`), the same import into a ledger already holding 1,000,000 agreements (each
//! import as a ratio to the mean of the streamed parses measured just before and just after
//! it, then the median ratio), and the peak memory of importing a 1,000,000-row xlsx (VmHWM
//! of a child process, above its idle VmRSS). Run with `cargo bench --bench import`. Sizes:
//! `PLEDGER_BENCH_IMPORT_ROWS`, `PLEDGER_BENCH_LEDGER_ROWS`, `PLEDGER_BENCH_PEAK_ROWS`. For
//! profiling, `PLEDGER_BENCH_CHILD=write` (or `import-once`) with `PLEDGER_BENCH_FILE=F` only
//! writes the workbook F (or imports it once into a fresh ledger, or into a copy of the
//! ledger file `PLEDGER_BENCH_LEDGER`), printing calamine's parse of F (the mean of one
//! before and one after the import) and the import's time.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    clippy::cast_possible_wrap,
    clippy::float_arithmetic,
    clippy::print_stdout,
    clippy::panic,
    reason = "a benchmark: fails loudly, prints ratios"
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use calamine::{Reader, Xlsx, open_workbook};
use pledger::domain::{Lang, ListKind};
use pledger::import::{ImportOptions, import_path};
use pledger::ledger::Ledger;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use common::{Rng, generate, median};

fn env_rows(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The sample partners and rates, as a consultant's ledger has them before an import.
fn prepared_ledger(path: &Path) -> Ledger {
    let mut l = Ledger::open(path).expect("ledger");
    pledger::import::import_bytes::<pledger::import::Partners>(
        &mut l,
        "partners.csv",
        pledger::import::sample::PARTNERS_CSV.as_bytes(),
    )
    .expect("partners");
    pledger::import::import_bytes::<pledger::import::Rates>(
        &mut l,
        "rates.csv",
        pledger::import::sample::RATES_CSV.as_bytes(),
    )
    .expect("rates");
    l
}

/// Writes `rows` agreements in a consultant's layout: references, sample partners, a date
/// cell, number amounts.
fn write_xlsx(path: &Path, rows: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let ledger = prepared_ledger(&dir.path().join("l.sqlite3"));
    let lists = ledger.reference_lists().expect("lists");
    let partners: Vec<(String, String)> = ledger
        .partners()
        .expect("partners")
        .into_iter()
        .map(|p| {
            let t = lists
                .label(ListKind::PartnerType, &p.partner_type, Lang::En)
                .to_string();
            (p.name, t)
        })
        .collect();
    let regions: Vec<&str> = lists.regions.iter().map(|e| e.label_en.as_str()).collect();
    let themes: Vec<&str> = lists.themes.iter().map(|e| e.label_en.as_str()).collect();
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let ws = book
        .add_worksheet_with_constant_memory()
        .expect("worksheet");
    ws.set_name("Agreements").expect("name");
    for (c, h) in [
        "Reference",
        "Title",
        "Partner",
        "Partner type",
        "Region",
        "Theme",
        "Signed on",
        "Amount",
        "Currency",
        "Own contribution",
        "Status",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(0, c as u16, *h).expect("header");
    }
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for i in 0..rows {
        let r = i as u32 + 1;
        let (partner, partner_type) = &partners[rng.below(partners.len() as u64) as usize];
        let day = 1 + rng.below(28) as u8;
        let month = 1 + rng.below(12) as u8;
        let year = 2015 + rng.below(7) as u16;
        ws.write_string(r, 0, format!("B-{i:07}")).expect("cell");
        ws.write_string(r, 1, format!("Generated agreement {i}"))
            .expect("cell");
        ws.write_string(r, 2, partner).expect("cell");
        ws.write_string(r, 3, partner_type).expect("cell");
        ws.write_string(r, 4, regions[rng.below(regions.len() as u64) as usize])
            .expect("cell");
        ws.write_string(r, 5, themes[rng.below(themes.len() as u64) as usize])
            .expect("cell");
        let d = ExcelDateTime::from_ymd(year, month, day).expect("date");
        ws.write_datetime_with_format(r, 6, &d, &date)
            .expect("cell");
        let cents = 100 + rng.below(500_000_000);
        ws.write_number(r, 7, cents as f64 / 100.0).expect("cell");
        ws.write_string(r, 8, "USD").expect("cell");
        ws.write_number(r, 9, (cents / 4) as f64 / 100.0)
            .expect("cell");
        ws.write_string(r, 10, "signed").expect("cell");
    }
    book.save(path).expect("save");
}

/// calamine alone, streaming every cell as Pledger does.
fn calamine_stream(path: &Path) -> usize {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let name = wb.sheet_names()[0].clone();
    let mut reader = wb.worksheet_cells_reader(&name).expect("reader");
    let mut n = 0;
    while let Some(c) = reader.next_cell().expect("cell") {
        n += usize::from(!matches!(c.get_value(), calamine::DataRef::Empty));
    }
    n
}

/// calamine alone, its usual whole-sheet `worksheet_range`.
fn calamine_range(path: &Path) -> usize {
    let mut wb: Xlsx<_> = open_workbook(path).expect("open");
    let name = wb.sheet_names()[0].clone();
    wb.worksheet_range(&name)
        .expect("range")
        .used_cells()
        .count()
}

fn pledger_import(ledger: &mut Ledger, path: &Path) -> usize {
    let (plan, summary) =
        import_path(ledger, path, &ImportOptions::default(), false).expect("import");
    assert_eq!(plan.error_count(), 0, "{:?}", plan.problems.first());
    summary.created
}

fn vm_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("field")
}

/// In a child process: import `file` into a fresh ledger; print idle VmRSS and VmHWM.
fn peak_child(file: &Path, read_only: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut ledger = prepared_ledger(&dir.path().join("peak.sqlite3"));
    let idle = vm_kb("VmRSS:");
    if read_only {
        let wb = pledger::import::read_file(file).expect("read");
        std::hint::black_box(&wb);
    } else {
        pledger_import(&mut ledger, file);
    }
    println!("PEAK {idle} {}", vm_kb("VmHWM:"));
}

fn peak_mb(file: &Path, mode: &str) -> f64 {
    let out = Command::new(std::env::current_exe().expect("exe"))
        .env("PLEDGER_BENCH_CHILD", mode)
        .env("PLEDGER_BENCH_FILE", file)
        .output()
        .expect("child");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.starts_with("PEAK "))
        .unwrap_or_else(|| panic!("child: {}", String::from_utf8_lossy(&out.stderr)));
    let v: Vec<f64> = line[5..]
        .split(' ')
        .map(|x| x.parse().expect("kB"))
        .collect();
    (v[1] - v[0]) / 1024.0
}

fn python_import(file: &Path, dir: &Path) -> Option<Duration> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/python_import.py");
    let db = dir.join("python.sqlite3");
    let start = Instant::now();
    let out = Command::new("python3")
        .arg(script)
        .arg(file)
        .arg(&db)
        .output()
        .ok()?;
    let elapsed = start.elapsed();
    if !out.status.success() {
        println!(
            "python route not measured: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
        return None;
    }
    Some(elapsed)
}

/// Copies the ledger file `from` to `to` and flushes the copy to disk, as a ledger at rest
/// is: else the import's commit, which syncs the file, would write out the whole copy.
fn copy_at_rest(from: &Path, to: &Path) {
    std::fs::copy(from, to).expect("copy the ledger");
    std::fs::File::open(to)
        .and_then(|f| f.sync_all())
        .expect("flush the copy");
}

/// Times calamine's streamed parse of `file` just before and just after Pledger's import of
/// it into `ledger`; returns the mean of the two parses, the import's time and the agreements
/// created. This machine's speed drifts by a third within seconds: a parse on each side of
/// the import keeps a drift during the pair from tilting its ratio either way.
fn parse_around_import(ledger: &mut Ledger, file: &Path) -> (Duration, Duration, usize) {
    let t = Instant::now();
    std::hint::black_box(calamine_stream(file));
    let before = t.elapsed();
    let t = Instant::now();
    let created = pledger_import(ledger, file);
    let import = t.elapsed();
    let t = Instant::now();
    std::hint::black_box(calamine_stream(file));
    let after = t.elapsed();
    ((before + after) / 2, import, created)
}

/// [`parse_around_import`] for the desktop app's import: the wizard's Commit of `file`, as
/// its review planned it, into the ledger at `path`, which the app holds open and parks
/// meanwhile, through the app's own code (`pledger::ui::commit_reviewed`).
fn parse_around_wizard_commit(path: &Path, file: &Path) -> (Duration, Duration, usize) {
    let mut app = prepared_ledger(path);
    let options = ImportOptions::default();
    let reviewed = pledger::import::import_file::<pledger::import::Agreements>(
        &mut app,
        file,
        &options,
        false,
        true,
        &mut |_| true,
    )
    .expect("the review")
    .plan;
    let t = Instant::now();
    std::hint::black_box(calamine_stream(file));
    let before = t.elapsed();
    let t = Instant::now();
    assert!(app.park().expect("park"));
    let reviewed = pledger::ui::Reviewed {
        kind: pledger::import::ImportKind::Agreements,
        file: file.to_path_buf(),
        options,
        plan: reviewed,
        head_only: false,
        skip_invalid: false,
    };
    let (_, summary) =
        pledger::ui::commit_reviewed(path, &reviewed, &mut |_| true).expect("commit");
    app.unpark().expect("unpark");
    let import = t.elapsed();
    let t = Instant::now();
    std::hint::black_box(calamine_stream(file));
    let after = t.elapsed();
    ((before + after) / 2, import, summary.created)
}

/// The median of `ratios`.
fn median_of(mut ratios: Vec<f64>) -> f64 {
    ratios.sort_by(f64::total_cmp);
    ratios.get(ratios.len() / 2).copied().unwrap_or(f64::NAN)
}

/// `1.52, 1.61, 1.48`.
fn ratios_text(ratios: &[f64]) -> String {
    ratios
        .iter()
        .map(|r| format!("{r:.2}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn main() {
    if let Ok(mode) = std::env::var("PLEDGER_BENCH_CHILD") {
        let file = PathBuf::from(std::env::var("PLEDGER_BENCH_FILE").expect("file"));
        match mode.as_str() {
            // For profiling: write the generated workbook, or import it once, and stop.
            "write" => write_xlsx(&file, env_rows("PLEDGER_BENCH_IMPORT_ROWS", 100_000)),
            "import-once" => {
                let dir = tempfile::tempdir().expect("temp dir");
                let path = dir.path().join("one.sqlite3");
                // Into a copy of PLEDGER_BENCH_LEDGER when given, else a fresh ledger.
                let mut ledger = match std::env::var_os("PLEDGER_BENCH_LEDGER") {
                    Some(from) => {
                        copy_at_rest(Path::new(&from), &path);
                        Ledger::open(&path).expect("ledger")
                    }
                    None => prepared_ledger(&path),
                };
                let (parse, import, created) = parse_around_import(&mut ledger, &file);
                println!(
                    "calamine parse {:.0} ms; imported {created} rows in {:.0} ms = {:.2}x",
                    parse.as_secs_f64() * 1e3,
                    import.as_secs_f64() * 1e3,
                    import.as_secs_f64() / parse.as_secs_f64()
                );
            }
            _ => peak_child(&file, mode == "read"),
        }
        return;
    }
    let rows = env_rows("PLEDGER_BENCH_IMPORT_ROWS", 100_000);
    let ledger_rows = env_rows("PLEDGER_BENCH_LEDGER_ROWS", 1_000_000);
    let peak_rows = env_rows("PLEDGER_BENCH_PEAK_ROWS", 1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let book = dir.path().join("agreements.xlsx");
    let start = Instant::now();
    write_xlsx(&book, rows);
    let size = std::fs::metadata(&book).expect("size").len();
    println!(
        "generated {rows}-row xlsx ({:.1} MB) in {:.1?}",
        size as f64 / 1e6,
        start.elapsed()
    );

    // Each import is paired with calamine's streamed parse measured on each side of it (see
    // `parse_around_import`), and each ratio is taken within its pair. On two cores single
    // pairs range from 1.0x to 1.9x (the three import threads share the cores with whatever
    // else runs); eleven pairs keep the median steadier than seven did.
    let runs = 11;
    let cells = calamine_stream(&book);
    assert!(cells >= rows * 11, "{cells} cells");
    let mut stream = Vec::new();
    let mut range = Vec::new();
    let mut import = Vec::new();
    let mut ratios = Vec::new();
    let mut wizard = Vec::new();
    let mut wizard_ratios = Vec::new();
    for run in 0..runs {
        let t = Instant::now();
        std::hint::black_box(calamine_range(&book));
        range.push(t.elapsed());
        let mut ledger = prepared_ledger(&dir.path().join(format!("fresh-{run}.sqlite3")));
        let (streamed, imported, created) = parse_around_import(&mut ledger, &book);
        assert_eq!(created, rows);
        ratios.push(imported.as_secs_f64() / streamed.as_secs_f64());
        stream.push(streamed);
        import.push(imported);
        // The desktop app's Commit of the same file, alternating with the CLI's import.
        let (parsed, committed, created) =
            parse_around_wizard_commit(&dir.path().join(format!("wizard-{run}.sqlite3")), &book);
        assert_eq!(created, rows);
        wizard_ratios.push(committed.as_secs_f64() / parsed.as_secs_f64());
        wizard.push(committed);
    }
    let (stream, range, import) = (median(stream), median(range), median(import));
    {
        // Where the time goes, once: reading the file whole, then the same pipeline over
        // the rows held (the route of a CSV, an xls or an ods).
        let mut ledger = prepared_ledger(&dir.path().join("phases.sqlite3"));
        let t = Instant::now();
        let wb = pledger::import::read_file(&book).expect("read");
        let read = t.elapsed();
        let t = Instant::now();
        let done = pledger::import::import_book::<pledger::import::Agreements>(
            &mut ledger,
            wb,
            &ImportOptions::default(),
            false,
            false,
            &mut |_| true,
        )
        .expect("import");
        let import = t.elapsed();
        assert_eq!(
            done.committed.expect("commit").expect("committed").created,
            rows
        );
        println!(
            "pledger phases (held whole): read {:.0} ms, plan and commit {:.0} ms",
            read.as_secs_f64() * 1e3,
            import.as_secs_f64() * 1e3,
        );
    }
    println!(
        "calamine parse (median of {runs}): streamed cells {:.0} ms, worksheet_range {:.0} ms",
        stream.as_secs_f64() * 1e3,
        range.as_secs_f64() * 1e3
    );
    println!(
        "pledger import into a fresh ledger (median of {runs}): {:.0} ms; ratio to calamine's streamed parse around it: {} -> median {:.2}x (goal <= 1.3x)",
        import.as_secs_f64() * 1e3,
        ratios_text(&ratios),
        median_of(ratios)
    );

    println!(
        "the desktop app's Commit of the same file into a fresh ledger (median of {runs}): {:.0} ms; ratio to the streamed parse around it: {} -> median {:.2}x (goal <= 1.4x)",
        median(wizard).as_secs_f64() * 1e3,
        ratios_text(&wizard_ratios),
        median_of(wizard_ratios)
    );

    match python_import(&book, dir.path()) {
        Some(py) => println!(
            "python route (pandas read_excel/openpyxl + to_sql): {:.0} ms; pledger {:.1}x faster (goal >= 10x)",
            py.as_secs_f64() * 1e3,
            py.as_secs_f64() / import.as_secs_f64()
        ),
        None => println!("python route: not measured (pandas/openpyxl missing?)"),
    }

    let big = dir.path().join("big.sqlite3");
    let mut ledger = Ledger::open(&big).expect("ledger");
    let t = Instant::now();
    generate(&mut ledger, ledger_rows);
    pledger::import::import_bytes::<pledger::import::Rates>(
        &mut ledger,
        "rates.csv",
        pledger::import::sample::RATES_CSV.as_bytes(),
    )
    .expect("rates");
    println!(
        "generated a ledger of {ledger_rows} agreements in {:.1?}",
        t.elapsed()
    );
    drop(ledger);
    let mut big_ratios = Vec::new();
    let mut into_big = Vec::new();
    let big_runs = 5;
    for run in 0..big_runs {
        // A copy of the 1,000,000-agreement ledger for each run.
        let copy = dir.path().join(format!("big-{run}.sqlite3"));
        copy_at_rest(&big, &copy);
        let mut ledger = Ledger::open(&copy).expect("ledger");
        let (parsed, imported, created) = parse_around_import(&mut ledger, &book);
        assert_eq!(created, rows);
        big_ratios.push(imported.as_secs_f64() / parsed.as_secs_f64());
        into_big.push(imported);
        drop(ledger);
        std::fs::remove_file(&copy).expect("remove the copy");
    }
    println!(
        "pledger import of {rows} rows into the {ledger_rows}-agreement ledger (median of {big_runs}): {:.0} ms; ratio to the streamed parse around it: {} -> median {:.2}x (goal <= 1.6x)",
        median(into_big).as_secs_f64() * 1e3,
        ratios_text(&big_ratios),
        median_of(big_ratios)
    );

    let huge = dir.path().join("peak.xlsx");
    write_xlsx(&huge, peak_rows);
    println!(
        "peak memory above idle, {peak_rows}-row xlsx ({:.1} MB): reading {:.0} MB; whole import {:.0} MB (goal <= 60 MB)",
        std::fs::metadata(&huge).expect("size").len() as f64 / 1e6,
        peak_mb(&huge, "read"),
        peak_mb(&huge, "import")
    );
}
