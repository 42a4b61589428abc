//! Exports through the real binary: the PDF report in English and Chinese read back with
//! poppler's `pdftotext` and `pdffonts`, PNG charts decoded at the asked width, the XLSX
//! workbook, empty periods, published figures; and the SVG writer against committed
//! snapshots.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail loudly"
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::{ok, pledger, report_json, temp_ledger};
use pledger::chart::svg::{Background, SvgOptions, pie_svg, table_svg};
use pledger::chart::{ChartKind, PieChart, TopTable};
use pledger::domain::{Lang, Period};
use pledger::ledger::Ledger;
use pledger::report::Snapshot;
use resvg::tiny_skia::Pixmap;

fn sample() -> (tempfile::TempDir, std::path::PathBuf) {
    let (dir, ledger) = temp_ledger();
    ok(&ledger, &["sample"]);
    (dir, ledger)
}

fn poppler(tool: &str, args: &[&str], file: &Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .args(if tool == "pdftotext" { &["-"][..] } else { &[] })
        .output()
        .unwrap_or_else(|e| panic!("{tool} is needed (poppler-utils): {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The PDF's text with runs of whitespace made single spaces.
fn pdf_text(file: &Path) -> String {
    poppler("pdftotext", &[], file)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every font `pdffonts` lists is embedded; returns how many there are.
fn assert_fonts_embedded(file: &Path) -> usize {
    let out = Command::new("pdffonts").arg(file).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().skip(2).collect();
    for row in &rows {
        let cols: Vec<&str> = row.split_whitespace().collect();
        // name type... encoding emb sub uni object ID: emb is the 5th column from the end.
        let emb = cols[cols.len() - 5];
        assert_eq!(emb, "yes", "font not embedded: {row}");
    }
    rows.len()
}

#[test]
fn the_pdf_report_holds_the_headline_figures_and_top_partners_in_both_languages() {
    let (dir, ledger) = sample();
    let en = dir.path().join("report-en.pdf");
    let zh = dir.path().join("report-zh.pdf");
    ok(
        &ledger,
        &[
            "export",
            "pdf",
            "--period",
            "2021Q1",
            "--out",
            en.to_str().unwrap(),
        ],
    );
    ok(
        &ledger,
        &[
            "export",
            "pdf",
            "--period",
            "2021Q1",
            "--lang",
            "zh",
            "--paper",
            "letter",
            "--out",
            zh.to_str().unwrap(),
        ],
    );

    let text = pdf_text(&en);
    assert!(
        text.contains(
            "In the first quarter of 2021, 19 agreements were signed with partners, 14 of which carry financial contributions totalling USD 6.4 million."
        ),
        "{text}"
    );
    for needle in [
        "(MIIT)",
        "(FCDO)",
        "(KSrelief)",
        // Board figures: exact ones without "about".
        "Republic of China, USD 1.8 million.",
        "USD 562,500.",
        "6,400,000.00",
        "Annex",
        "PA-2021-020",
        "largest remainder",
        "Page 1 of",
    ] {
        assert!(
            text.contains(needle),
            "{needle} missing from the English PDF"
        );
    }

    let text_zh: String = pdf_text(&zh).split_whitespace().collect();
    for needle in [
        "2021年一季度，电信发展局与合作伙伴签署了19项协议，其中14项协议涉及的财务捐款为640万美元。",
        "中华人民共和国工业和信息化部",
        "英国外交、联邦和发展部",
        "沙特阿拉伯萨勒曼国王人道主义援助与救济中心",
        "56.25万美元",
        "6,400,000.00",
        "联合供资构成",
        "第1页",
    ] {
        assert!(
            text_zh.contains(needle),
            "{needle} missing from the Chinese PDF: {text_zh}"
        );
    }

    assert!(assert_fonts_embedded(&en) >= 1);
    assert!(assert_fonts_embedded(&zh) >= 1);
    let info = poppler("pdfinfo", &[], &zh);
    assert!(info.contains("612 x 792"), "Letter paper: {info}");
    let info = poppler("pdfinfo", &[], &en);
    assert!(info.contains("595.28 x 841.89"), "A4 paper: {info}");
}

fn decode(file: &Path) -> Pixmap {
    Pixmap::decode_png(&std::fs::read(file).unwrap()).expect("a PNG")
}

#[test]
fn each_png_chart_decodes_at_the_asked_width() {
    let (dir, ledger) = sample();
    for (i, kind) in ChartKind::ALL.iter().enumerate() {
        let file = dir.path().join(format!("{}.png", kind.slug()));
        let width = 500 + 100 * u32::try_from(i).unwrap();
        ok(
            &ledger,
            &[
                "export",
                "png",
                "--chart",
                kind.slug(),
                "--period",
                "2021Q1",
                "--lang",
                if i % 2 == 0 { "en" } else { "zh" },
                "--width",
                &width.to_string(),
                "--out",
                file.to_str().unwrap(),
            ],
        );
        let png = decode(&file);
        assert_eq!(png.width(), width, "{}", kind.slug());
        assert!(png.height() > width / 4, "{}", kind.slug());
        // White background by default.
        let corner = png.pixel(0, 0).unwrap();
        assert_eq!(
            (corner.red(), corner.green(), corner.blue(), corner.alpha()),
            (255, 255, 255, 255)
        );
    }
    let file = dir.path().join("region-transparent.png");
    ok(
        &ledger,
        &[
            "export",
            "png",
            "--chart",
            "region",
            "--period",
            "2021Q1",
            "--transparent",
            "--dpi",
            "192",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    let png = decode(&file);
    assert_eq!(png.width(), 1280, "640 px at 96 dpi drawn at 192 dpi");
    assert_eq!(png.pixel(0, 0).unwrap().alpha(), 0, "transparent corner");
    // Something was drawn: some pixels are opaque.
    assert!(png.pixels().iter().any(|p| p.alpha() == 255));
}

#[test]
fn exports_of_an_empty_period_say_so() {
    let (dir, ledger) = sample();
    let pdf = dir.path().join("empty.pdf");
    let out = ok(
        &ledger,
        &[
            "export",
            "pdf",
            "--period",
            "2015",
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("No financial contributions in this period"),
        "{out}"
    );
    let text = pdf_text(&pdf);
    assert!(
        text.contains("No financial contributions in this period"),
        "{text}"
    );
    assert!(text.contains("In 2015, 0 agreements were signed"), "{text}");

    let png = dir.path().join("empty.png");
    let out = ok(
        &ledger,
        &[
            "export",
            "png",
            "--chart",
            "theme",
            "--period",
            "2015",
            "--out",
            png.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("No financial contributions in this period"),
        "{out}"
    );
    assert_eq!(decode(&png).width(), 1280);

    let xlsx = dir.path().join("empty.xlsx");
    let out = ok(
        &ledger,
        &[
            "export",
            "xlsx",
            "--period",
            "2015",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(
        out.contains("No financial contributions in this period"),
        "{out}"
    );
}

/// The XML of `name` inside the workbook.
fn xlsx_part(file: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(file).unwrap()).unwrap();
    let mut part = archive.by_name(name).unwrap();
    let mut text = String::new();
    std::io::Read::read_to_string(&mut part, &mut text).unwrap();
    text
}

#[test]
fn the_workbook_has_numbers_as_numbers_and_dates_as_dates() {
    let (dir, ledger) = sample();
    let xlsx = dir.path().join("q1.xlsx");
    let out = ok(
        &ledger,
        &[
            "export",
            "xlsx",
            "--period",
            "2021Q1",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    assert!(!out.contains("No financial"), "{out}");
    let workbook = xlsx_part(&xlsx, "xl/workbook.xml");
    for sheet in ["Summary", "Breakdowns", "Top partners", "Agreements"] {
        assert!(workbook.contains(&format!("name=\"{sheet}\"")), "{sheet}");
    }
    // Summary: 19 agreements and the partners' total are numbers, not text.
    let summary = xlsx_part(&xlsx, "xl/worksheets/sheet1.xml");
    assert!(summary.contains("<c r=\"B6\"><v>19</v></c>"), "{summary}");
    assert!(summary.contains("<v>6400000</v>"), "{summary}");
    // Agreements: 2021-01-01 is Excel day 44197 (a date cell), amounts are numbers.
    let agreements = xlsx_part(&xlsx, "xl/worksheets/sheet4.xml");
    let b2 = agreements
        .split("<c r=\"B2\"")
        .nth(1)
        .and_then(|rest| rest.split("</c>").next())
        .unwrap();
    assert!(
        b2.contains("<v>44197</v>") && !b2.contains("t=\"s\""),
        "{b2}"
    );
    assert!(
        agreements.contains("<v>103700</v>"),
        "PA-2021-002's USD 103,700"
    );
    let strings = xlsx_part(&xlsx, "xl/sharedStrings.xml");
    assert!(strings.contains("中华人民共和国工业和信息化部"));
}

#[test]
fn bad_export_usage_exits_2() {
    let (dir, ledger) = sample();
    let out = dir.path().join("x.png");
    let out = out.to_str().unwrap();
    for args in [
        vec![
            "export", "png", "--chart", "pie", "--period", "2021Q1", "--out", out,
        ],
        vec![
            "export", "png", "--chart", "region", "--period", "2021Q5", "--out", out,
        ],
        vec![
            "export", "png", "--chart", "region", "--period", "2021Q1", "--width", "0", "--out",
            out,
        ],
        vec![
            "export", "pdf", "--period", "2021Q1", "--paper", "a5", "--out", out,
        ],
        vec![
            "export",
            "pdf",
            "--period",
            "2021Q1",
            "--out",
            "/no/such/folder/x.pdf",
        ],
    ] {
        let o = pledger(&ledger, &args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn publish_then_report_shows_what_changed_and_why() {
    let (_dir, ledger) = sample();
    let before = report_json(&ledger, "2021Q1", "en");
    assert!(before.get("published").is_none(), "never published yet");
    let out = ok(&ledger, &["publish", "--period", "2021Q1"]);
    assert!(out.contains("Published 2021Q1"), "{out}");

    let same = report_json(&ledger, "2021Q1", "en");
    assert_eq!(same["published"]["changed"], false);
    assert_eq!(
        same["partner_contributions"],
        before["partner_contributions"]
    );

    // A new rate changes the euro agreement's contribution (PA-2021-003, EUR 175,000).
    ok(&ledger, &["rate", "set", "EUR", "2021-01-12", "1.3"]);
    let after = report_json(&ledger, "2021Q1", "en");
    let published = &after["published"];
    assert_eq!(published["changed"], true);
    let figures = published["figures"].as_array().unwrap();
    let total = figures
        .iter()
        .find(|f| f["figure"] == "partner_contributions")
        .expect("the total changed");
    assert_eq!(total["published"], "6400000.00");
    assert_eq!(total["current"], "6414000.00");
    let changed = published["changed_amount"].as_array().unwrap();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert_eq!(changed[0]["reference"], "PA-2021-003");
    assert_eq!(changed[0]["published_amount"], "213500.00");
    assert_eq!(changed[0]["current_amount"], "227500.00");
    assert!(published["added"].as_array().unwrap().is_empty());

    let text = ok(&ledger, &["report", "--period", "2021Q1"]);
    assert!(text.contains("figures changed since"), "{text}");
    assert!(
        text.contains("PA-2021-003") && text.contains("213500.00 -> 227500.00"),
        "{text}"
    );
}

/// Compares `svg` with `tests/snapshots/NAME`; `UPDATE_SNAPSHOTS=1` rewrites it.
fn assert_snapshot(name: &str, svg: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, svg).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}; run with UPDATE_SNAPSHOTS=1", path.display()));
    assert!(
        expected == svg,
        "{name} differs from its snapshot; if the change is meant, run with UPDATE_SNAPSHOTS=1 and review the diff"
    );
}

#[test]
fn svg_charts_match_their_snapshots() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    pledger::import::load_sample(&mut ledger).unwrap();
    let snapshot = Snapshot::load(&ledger).unwrap();
    let q1 = snapshot
        .report(&Period::parse("2021Q1").unwrap(), 3)
        .unwrap();
    let empty = snapshot.report(&Period::parse("2015").unwrap(), 3).unwrap();
    let lists = &snapshot.lists;
    let white = SvgOptions::default();
    let transparent = SvgOptions {
        width_px: 960,
        background: Background::Transparent,
    };

    let pt = pie_svg(
        &PieChart::from_report(ChartKind::PartnerType, &q1, lists, Lang::En, 30),
        white,
    );
    assert!(pt.contains(r#"font-family="Noto Sans CJK SC""#));
    assert!(pt.contains("66.1%") && pt.contains("4,227,200.00"));
    assert_snapshot("partner-type-2021Q1-en.svg", &pt);

    let region = pie_svg(
        &PieChart::from_report(ChartKind::Region, &q1, lists, Lang::Zh, 30),
        transparent,
    );
    assert!(region.contains(r#"width="960""#) && !region.contains("<rect width=\"100%\""));
    assert_snapshot("region-2021Q1-zh.svg", &region);

    let top = table_svg(&TopTable::from_report(&q1, lists, Lang::En), white);
    assert!(top.contains("Commonwealth &amp;"), "escaped");
    assert_snapshot("top-partners-2021Q1-en.svg", &top);

    let none = pie_svg(
        &PieChart::from_report(ChartKind::Cofunding, &empty, lists, Lang::En, 30),
        white,
    );
    assert!(none.contains("No financial contributions in this period"));
    assert!(!none.contains("<path"), "no slices drawn");
    assert_snapshot("cofunding-empty-en.svg", &none);
}

#[test]
fn every_door_lists_the_top_partners_the_ledger_settings_say() {
    let (dir, ledger) = sample();
    // The default: ten, in the report, the workbook and the PDF's table alike.
    assert!(ok(&ledger, &["report-settings"]).contains("top partners listed: 10"));
    let count = |ledger: &Path| {
        let report: serde_json::Value =
            serde_json::from_str(&ok(ledger, &["report", "--period", "2021Q1", "--json"])).unwrap();
        report["top_partners"].as_array().unwrap().len()
    };
    assert_eq!(count(&ledger), 10);
    ok(&ledger, &["report-settings", "--top", "4"]);
    assert_eq!(count(&ledger), 4);
    let text = ok(&ledger, &["report", "--period", "2021Q1"]);
    assert!(text.contains("  4. "), "{text}");
    assert!(!text.contains("  5. "), "{text}");
    // The workbook's top-partners sheet: a header and four rows.
    let xlsx = dir.path().join("q1.xlsx");
    ok(
        &ledger,
        &[
            "export",
            "xlsx",
            "--period",
            "2021Q1",
            "--out",
            xlsx.to_str().unwrap(),
        ],
    );
    let top = xlsx_part(&xlsx, "xl/worksheets/sheet3.xml");
    assert_eq!(top.matches("<row ").count(), 5, "{top}");
    // The PDF: the headline names three; the table (drawn from the same report) four.
    let pdf = dir.path().join("q1.pdf");
    ok(
        &ledger,
        &[
            "export",
            "pdf",
            "--period",
            "2021Q1",
            "--out",
            pdf.to_str().unwrap(),
        ],
    );
    let text = pdf_text(&pdf)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(text.contains("Saudi Arabia, USD 562,500."), "{text}");
    assert!(
        !text.contains("Digital Bridges Foundation, USD 500,000."),
        "{text}"
    );
    assert!(text.contains("Digital Bridges Foundation"), "{text}");
    // A --top given still wins for that run; a top outside 1 to 100 is refused.
    let report: serde_json::Value = serde_json::from_str(&ok(
        &ledger,
        &["report", "--period", "2021Q1", "--json", "--top", "2"],
    ))
    .unwrap();
    assert_eq!(report["top_partners"].as_array().unwrap().len(), 2);
    let refused = pledger(&ledger, &["report-settings", "--top", "0"]);
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("1 to 100 top partners"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    assert_eq!(count(&ledger), 4);
    // The pies' grouping threshold lives beside it.
    assert!(
        ok(&ledger, &["report-settings", "--group-under", "2.5"])
            .contains("pie slices grouped under: 2.5 %")
    );
    let bad = pledger(&ledger, &["report-settings", "--group-under", "abc"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn pies_sort_their_slices_and_group_the_smaller_ones_exactly() {
    let mut ledger = Ledger::open_in_memory().unwrap();
    pledger::import::load_sample(&mut ledger).unwrap();
    let snapshot = Snapshot::load(&ledger).unwrap();
    let q1 = snapshot
        .report(&Period::parse("2021Q1").unwrap(), 10)
        .unwrap();
    let lists = &snapshot.lists;
    let themes = PieChart::from_report(ChartKind::Theme, &q1, lists, Lang::En, 30);
    // Largest first, the four under 3 % grouped last under a label no theme can be taken for.
    let amounts: Vec<i128> = themes.slices.iter().map(|s| s.amount_minor).collect();
    let shown = &amounts[..amounts.len() - 1];
    assert!(shown.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
    let smaller = themes.slices.last().unwrap();
    assert_eq!(smaller.label, "4 smaller");
    assert_eq!(smaller.members.len(), 4);
    assert!(smaller.members.iter().all(|m| m.percent_tenths < 30));
    assert_eq!(
        smaller.amount_minor,
        smaller.members.iter().map(|m| m.amount_minor).sum::<i128>()
    );
    // The sums stay exact: the amounts add to the total, the percentages to 100.0.
    assert_eq!(amounts.iter().sum::<i128>(), q1.partner_total_minor);
    assert_eq!(
        themes.slices.iter().map(|s| s.percent_tenths).sum::<u32>(),
        1000
    );
    assert_eq!(smaller.percent_text, "7.1%");
    // One slice under the threshold stays itself (Europe, 0.2 %); 0 groups nothing.
    let regions = PieChart::from_report(ChartKind::Region, &q1, lists, Lang::En, 30);
    assert!(regions.slices.iter().any(|s| s.label == "Europe"));
    assert!(regions.slices.iter().all(|s| s.members.is_empty()));
    let ungrouped = PieChart::from_report(ChartKind::Theme, &q1, lists, Lang::En, 0);
    assert_eq!(ungrouped.slices.len(), themes.slices.len() + 3);
    // In Chinese, and in the SVG the PNG and PDF draw: the group lists what it holds.
    let zh = PieChart::from_report(ChartKind::Theme, &q1, lists, Lang::Zh, 30);
    assert_eq!(zh.slices.last().unwrap().label, "其余4项");
    let svg = pie_svg(&themes, SvgOptions::default());
    assert!(svg.contains("4 smaller"), "{svg}");
    assert!(svg.contains("Cybersecurity 2.9%"), "{svg}");
    // Large slices carry their percentage on the ring.
    assert!(svg.contains(">41.0%<"), "{svg}");
}

#[test]
fn a_slide_png_has_exactly_the_slide_size() {
    let (dir, ledger) = sample();
    for (size, transparent, w, h) in [
        ("1920x1080", false, 1920, 1080),
        ("1280x720", true, 1280, 720),
    ] {
        let out = dir.path().join(format!("slide-{size}.png"));
        let mut args = vec![
            "export", "png", "--chart", "theme", "--period", "2021Q1", "--size", size, "--out",
        ];
        let out_text = out.to_str().unwrap().to_owned();
        args.push(&out_text);
        if transparent {
            args.push("--transparent");
        }
        ok(&ledger, &args);
        let png = decode(&out);
        assert_eq!((png.width(), png.height()), (w, h));
        // The corner: white on a white slide, clear on a transparent one.
        let corner = png.pixel(0, 0).unwrap();
        assert_eq!(corner.alpha(), if transparent { 0 } else { 255 });
    }
    let bad = pledger(
        &ledger,
        &[
            "export", "png", "--chart", "theme", "--period", "2021Q1", "--size", "19x", "--out",
            "x.png",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("write it as 1920x1080"));
}
