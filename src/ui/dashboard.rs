//! The dashboard: period picker, tiles, the four pies and the top-partners table; once the
//! ledger holds deals, the pipeline's tile and chart.

use egui::{RichText, Sense, Ui};

use super::format::t;
use super::format::{change_text, count_text, figure_change_text, figure_text, period_text};
use super::pie::{color, pie_ui};
use super::state::{Command, Page, Shared, SliceFilter};
use crate::chart::{PipelineChart, palette};
use crate::domain::{Lang, Period, PeriodKind, ReportSettings};
use crate::report::ReportError;

/// The kinds of period the picker offers.
const KINDS: [(PeriodKind, &str, &str); 4] = [
    (PeriodKind::Quarter, "Quarter", "季度"),
    (PeriodKind::Year, "Year", "年度"),
    (PeriodKind::Month, "Month", "月份"),
    (PeriodKind::Range, "Custom", "自定义"),
];

/// The same date in a period of another kind.
fn period_of_kind(kind: PeriodKind, around: &Period) -> Option<Period> {
    use chrono::Datelike;
    let d = around.from;
    match kind {
        PeriodKind::Quarter => Period::quarter(d.year(), d.month0() / 3 + 1),
        PeriodKind::Year => Period::year(d.year()),
        PeriodKind::Month => Period::month(d.year(), d.month()),
        PeriodKind::Range => Some(Period {
            kind: PeriodKind::Range,
            from: around.from,
            to: around.to,
        }),
    }
}

/// A tile: its title, its figure, and its change against `compared` ("vs 2020 Q2").
fn tile_ui(ui: &mut Ui, title: &str, value: &str, change: Option<(String, i128)>, compared: &str) {
    egui::Frame::group(ui.style())
        .inner_margin(egui::Margin::same(10))
        .show(ui, |ui| {
            ui.set_min_width(220.0);
            ui.vertical(|ui| {
                ui.label(RichText::new(title).color(color(palette::MUTED)));
                ui.label(RichText::new(value).size(22.0).strong());
                if let Some((text, sign)) = change {
                    let c = match sign.signum() {
                        1 => palette::UP,
                        -1 => palette::DOWN,
                        _ => palette::MUTED,
                    };
                    ui.label(
                        RichText::new(format!("{text} {compared}"))
                            .small()
                            .color(color(c)),
                    );
                }
            });
        });
}

/// What is late and what falls due in the next 30 days, counted today: a button to the
/// Money in page, when anything is.
fn due_button_ui(s: &mut Shared, ui: &mut Ui) {
    let lang = s.lang;
    let today = chrono::Local::now().date_naive();
    let revision = s.cache.revision.unwrap_or(0);
    if !matches!(s.cache.due, Some((r, d, _)) if r == revision && d == today) {
        let counts = crate::report::load_due(&s.ledger, today, super::money_in::DUE_DAYS)
            .ok()
            .map(|d| (d.late.len(), d.soon.len()));
        s.cache.due = Some((revision, today, counts));
    }
    let Some((_, _, Some((late, soon)))) = s.cache.due else {
        return;
    };
    if late + soon == 0 {
        return;
    }
    let text = match lang {
        Lang::En => format!("{late} late · {soon} due in the next 30 days"),
        Lang::Zh => format!("逾期 {late} 项 · 未来 30 天到期 {soon} 项"),
    };
    let c = if late > 0 {
        palette::DOWN
    } else {
        palette::MUTED
    };
    if ui
        .button(RichText::new(text).color(color(c)))
        .on_hover_text(t(
            lang,
            "Instalments not paid whole and reports not sent: see Money in",
            "未付清的分期付款和未提交的报告：见“资金到账”",
        ))
        .clicked()
    {
        s.page = Page::MoneyIn;
    }
}

fn period_picker_ui(s: &mut Shared, ui: &mut Ui) {
    let lang = s.lang;
    ui.horizontal(|ui| {
        ui.label(t(lang, "Period", "期间"));
        let current = KINDS
            .iter()
            .find(|k| k.0 == s.period.kind)
            .map_or("", |k| t(lang, k.1, k.2));
        egui::ComboBox::from_id_salt("period-kind")
            .selected_text(current)
            .show_ui(ui, |ui| {
                for (kind, en, zh) in KINDS {
                    if ui
                        .selectable_label(s.period.kind == kind, t(lang, en, zh))
                        .clicked()
                        && let Some(p) = period_of_kind(kind, &s.period)
                    {
                        s.period = p;
                    }
                }
            })
            .response
            .widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::ComboBox,
                    true,
                    t(lang, "Kind of period", "期间类型"),
                )
            });
        if ui
            .button("◀")
            .on_hover_text(t(lang, "Previous period", "上一期"))
            .clicked()
            && let Some(p) = s.period.previous()
        {
            s.period = p;
        }
        ui.label(
            RichText::new(period_text(lang, &s.period))
                .strong()
                .size(16.0),
        );
        if ui
            .button("▶")
            .on_hover_text(t(lang, "Next period", "下一期"))
            .clicked()
            && let Some(p) = s.period.next()
        {
            s.period = p;
        }
        if s.period.kind == PeriodKind::Range {
            let mut from = s.period.from.to_string();
            let mut to = s.period.to.to_string();
            let from_label = ui.label(t(lang, "From", "从"));
            let a = ui
                .add(egui::TextEdit::singleline(&mut from).desired_width(90.0))
                .labelled_by(from_label.id);
            let to_label = ui.label(t(lang, "to", "至"));
            let b = ui
                .add(egui::TextEdit::singleline(&mut to).desired_width(90.0))
                .labelled_by(to_label.id);
            if (a.changed() || b.changed())
                && let Ok(p) = Period::parse(&format!("{from}..{to}"))
            {
                s.period = p;
            }
        }
    });
}

/// The dashboard page.
pub(super) fn dashboard_ui(s: &mut Shared, ui: &mut Ui) {
    let lang = s.lang;
    ui.horizontal(|ui| {
        period_picker_ui(s, ui);
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            export_report_buttons_ui(s, ui);
            due_button_ui(s, ui);
        });
    });
    ui.add_space(6.0);
    let report = match &s.cache.report {
        Some(Ok(r)) => r.clone(),
        Some(Err(ReportError::MissingRates(_))) | None => {
            let message = match &s.cache.report {
                Some(Err(e)) => e.to_string(),
                _ => String::new(),
            };
            ui.label(RichText::new(message).color(color(palette::ERROR)));
            if ui
                .button(t(lang, "Set exchange rates…", "设置汇率…"))
                .clicked()
            {
                s.page = Page::Settings;
            }
            return;
        }
    };
    let previous = s.cache.previous.clone();
    // What the tiles compare with, said on each: "vs 2020 Q2", "较2020年第二季度".
    let compared = s
        .cache
        .compared_with
        .as_ref()
        .map(|p| match lang {
            Lang::En => format!("vs {}", period_text(lang, p)),
            Lang::Zh => format!("较{}", period_text(lang, p)),
        })
        .unwrap_or_default();
    // The pipeline's tile and chart, once the ledger holds deals.
    super::pipeline::load_deals(s);
    let pipeline = s
        .cache
        .deals
        .as_ref()
        .filter(|d| !d.deals.is_empty())
        .map(|d| d.chart.1.clone());
    // Its own scroll position: the settings page's is not the dashboard's.
    egui::ScrollArea::vertical()
        .id_salt("dashboard")
        .show(ui, |ui| {
            ui.horizontal_wrapped(|ui| {
                let change = |now: u64, before: Option<u64>| {
                    before.map(|b| (change_text(now, b), i128::from(now) - i128::from(b)))
                };
                tile_ui(
                    ui,
                    t(lang, "Agreements signed", "签署的协议"),
                    &count_text(report.agreements_signed),
                    change(
                        report.agreements_signed,
                        previous.as_ref().map(|p| p.agreements_signed),
                    ),
                    &compared,
                );
                tile_ui(
                    ui,
                    t(lang, "With a financial contribution", "含财务捐款的协议"),
                    &count_text(report.agreements_financial),
                    change(
                        report.agreements_financial,
                        previous.as_ref().map(|p| p.agreements_financial),
                    ),
                    &compared,
                );
                let money_change = |now: i128, before: Option<i128>| {
                    before.map(|b| (figure_change_text(lang, now, b, report.currency), now - b))
                };
                tile_ui(
                    ui,
                    t(lang, "Partners' contributions", "伙伴捐款总额"),
                    &figure_text(lang, report.partner_total_minor, report.currency),
                    money_change(
                        report.partner_total_minor,
                        previous.as_ref().map(|p| p.partner_total_minor),
                    ),
                    &compared,
                );
                tile_ui(
                    ui,
                    t(lang, "Own co-funding part", "本组织联合供资部分"),
                    &figure_text(lang, report.own_total_minor, report.currency),
                    money_change(
                        report.own_total_minor,
                        previous.as_ref().map(|p| p.own_total_minor),
                    ),
                    &compared,
                );
                if let Some(chart) = pipeline.as_ref()
                    && pipeline_tile_ui(ui, lang, chart)
                {
                    s.page = Page::Pipeline;
                }
            });
            ui.add_space(10.0);
            let pies = s.cache.pies.clone();
            let selected = s.slice_filter.clone();
            let width = ui.available_width();
            let columns = if width > 1100.0 { 2 } else { 1 };
            let diameter = 170.0;
            egui::Grid::new("pies")
                .num_columns(columns)
                .spacing([28.0, 18.0])
                .show(ui, |ui| {
                    for (i, pie) in pies.iter().enumerate() {
                        ui.vertical(|ui| {
                            let key = selected
                                .as_ref()
                                .filter(|s| s.chart == pie.kind)
                                .map(|s| s.key.as_str());
                            let response = pie_ui(ui, pie, key, diameter);
                            // The smaller ones grouped list themselves in the tooltip; a
                            // click on any other slice shows its agreements.
                            if let Some(slice) = response
                                .clicked
                                .and_then(|i| pie.slices.get(i))
                                .filter(|slice| slice.members.is_empty())
                            {
                                s.slice_filter = Some(SliceFilter {
                                    chart: pie.kind,
                                    key: slice.key.clone(),
                                    label: slice.label.clone(),
                                });
                                let period = Some(s.period.clone());
                                s.commands.push(Command::ShowAgreements(period));
                            }
                            export_chart_button_ui(s, ui, pie.kind);
                        });
                        if (i + 1) % columns == 0 {
                            ui.end_row();
                        }
                    }
                });
            ui.add_space(12.0);
            top_partners_ui(s, ui);
            if let Some(chart) = pipeline.as_ref() {
                ui.add_space(16.0);
                pipeline_chart_ui(ui, chart);
                export_chart_button_ui(s, ui, crate::chart::ChartKind::Pipeline);
            }
        });
}

fn top_partners_ui(s: &mut Shared, ui: &mut Ui) {
    let lang = s.lang;
    let Some(table) = s.cache.top.clone() else {
        return;
    };
    ui.horizontal(|ui| {
        ui.label(RichText::new(&table.title).strong().size(15.0));
        ui.label(
            RichText::new(&table.subtitle)
                .small()
                .color(color(palette::MUTED)),
        );
        ui.add_space(16.0);
        ui.label(t(lang, "Show", "显示"));
        let top = ui
            .add(egui::DragValue::new(&mut s.top_n).range(1..=ReportSettings::MAX_TOP))
            .on_hover_text(t(
                lang,
                "Kept in the ledger: the PDF, the workbook and the command line list as many",
                "保存在账本中：PDF、工作簿和命令行列出同样多的伙伴",
            ));
        top.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::SpinButton,
                true,
                t(lang, "Number of top partners", "主要伙伴数量"),
            )
        });
        // Written once the value is settled: when a drag ends or a typed value is taken.
        if (top.drag_stopped() || (top.changed() && !top.dragged()))
            && s.report_settings.top != s.top_n
        {
            s.commands.push(Command::SetReportSettings(ReportSettings {
                top: s.top_n,
                ..s.report_settings.clone()
            }));
        }
        export_chart_button_ui(s, ui, crate::chart::ChartKind::TopPartners);
    });
    if table.rows.is_empty() {
        ui.label(RichText::new(&table.empty_text).color(color(palette::MUTED)));
        return;
    }
    egui::Grid::new("top-partners")
        .striped(true)
        .num_columns(5)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for h in &table.headers {
                ui.label(RichText::new(h).strong());
            }
            ui.end_row();
            for row in &table.rows {
                for (i, cell) in row.iter().enumerate() {
                    if i >= 3 {
                        super::pie::right_aligned_ui(ui, if i == 3 { 110.0 } else { 56.0 }, cell);
                    } else {
                        ui.label(cell);
                    }
                }
                ui.end_row();
            }
        });
}

/// "Export PNG…" and "Copy" under a chart: the same chart model, written through SVG.
fn export_chart_button_ui(s: &mut Shared, ui: &mut Ui, kind: crate::chart::ChartKind) {
    ui.horizontal(|ui| export_and_copy_ui(s, ui, kind));
}

/// "Export PNG…" and "Copy" side by side.
fn export_and_copy_ui(s: &mut Shared, ui: &mut Ui, kind: crate::chart::ChartKind) {
    let lang = s.lang;
    let button = ui
        .small_button(t(lang, "Export PNG…", "导出 PNG…"))
        .on_hover_text(kind.title(lang));
    button.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Button,
            true,
            format!(
                "{} {}",
                t(lang, "Export PNG…", "导出 PNG…"),
                kind.title(lang)
            ),
        )
    });
    if button.clicked()
        && let Some(path) = s
            .dialogs
            .save_file(&format!("{}-{}.png", kind.slug(), s.period.label()), "png")
    {
        s.commands
            .push(super::state::Command::ExportChart(kind, path));
    }
    // Copy: the same image, on the clipboard, to paste into PowerPoint or WPS.
    let copy = ui.small_button(t(lang, "Copy", "复制")).on_hover_text(t(
        lang,
        "Copy the chart as an image, to paste into slides",
        "将图表复制为图片，以便粘贴到幻灯片中",
    ));
    copy.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Button,
            true,
            format!("{} {}", t(lang, "Copy", "复制"), kind.title(lang)),
        )
    });
    if copy.clicked() {
        s.commands.push(super::state::Command::CopyChart(kind));
    }
}

fn export_report_buttons_ui(s: &mut Shared, ui: &mut Ui) {
    let lang = s.lang;
    if ui
        .button(t(lang, "Export report PDF…", "导出报告 PDF…"))
        .clicked()
        && let Some(path) = s
            .dialogs
            .save_file(&format!("report-{}.pdf", s.period.label()), "pdf")
    {
        s.commands.push(super::state::Command::ExportPdf(path));
    }
    if ui
        .button(t(lang, "Export tables (xlsx)…", "导出表格（xlsx）…"))
        .clicked()
        && let Some(path) = s
            .dialogs
            .save_file(&format!("report-{}.xlsx", s.period.label()), "xlsx")
    {
        s.commands.push(super::state::Command::ExportXlsx(path));
    }
}

/// The dashboard's pipeline tile: open deals, their weighted total, overdue actions; a
/// click shows the pipeline page.
pub(super) fn pipeline_tile_ui(ui: &mut Ui, lang: Lang, chart: &PipelineChart) -> bool {
    let weighted = chart.weighted_total_minor.map_or_else(
        || t(lang, "— a rate is missing", "— 缺少汇率").to_owned(),
        |m| figure_text(lang, m, chart.currency),
    );
    let response = egui::Frame::group(ui.style())
        .inner_margin(egui::Margin::same(10))
        .show(ui, |ui| {
            ui.set_min_width(220.0);
            ui.vertical(|ui| {
                ui.label(
                    RichText::new(t(lang, "Pipeline", "筹资渠道")).color(color(palette::MUTED)),
                );
                ui.label(
                    RichText::new(format!(
                        "{} {}",
                        count_text(chart.open_count),
                        t(lang, "open deals", "项进行中的洽谈")
                    ))
                    .size(22.0)
                    .strong(),
                );
                ui.label(format!("{} {weighted}", t(lang, "Weighted", "加权")));
                let overdue = RichText::new(format!(
                    "{} {}",
                    count_text(chart.overdue_count),
                    t(lang, "overdue actions", "项逾期行动")
                ))
                .small();
                ui.label(if chart.overdue_count > 0 {
                    overdue.color(color(palette::DOWN))
                } else {
                    overdue.color(color(palette::MUTED))
                });
            });
        })
        .response
        .interact(Sense::click())
        .on_hover_cursor(egui::CursorIcon::PointingHand);
    response.widget_info(|| {
        egui::WidgetInfo::labeled(
            egui::Role::Button,
            true,
            t(lang, "Show the pipeline", "查看筹资渠道"),
        )
    });
    response.clicked()
}

/// The pipeline chart painted from the chart model, as the SVG draws it.
#[allow(
    clippy::float_arithmetic,
    clippy::cast_possible_truncation,
    reason = "screen geometry"
)]
pub(super) fn pipeline_chart_ui(ui: &mut Ui, chart: &PipelineChart) {
    ui.label(RichText::new(&chart.title).strong().size(15.0));
    ui.label(
        RichText::new(&chart.subtitle)
            .small()
            .color(color(palette::MUTED)),
    );
    let [asked, weighted] = chart.colors.map(color);
    ui.horizontal(|ui| {
        for (text, c) in chart.legend.iter().zip([asked, weighted]) {
            let (r, _) = ui.allocate_exact_size(egui::vec2(11.0, 11.0), Sense::hover());
            ui.painter().rect_filled(r, 2.0, c);
            ui.label(RichText::new(text).small());
        }
    });
    if chart.is_empty() {
        ui.label(RichText::new(&chart.empty_text).color(color(palette::MUTED)));
        return;
    }
    let bar_width = 320.0;
    egui::Grid::new("pipeline-chart")
        .num_columns(3)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            for bar in &chart.bars {
                ui.label(format!("{} ({})", bar.label, count_text(bar.count)));
                let (r, response) =
                    ui.allocate_exact_size(egui::vec2(bar_width, 20.0), Sense::hover());
                let painter = ui.painter();
                painter.rect_filled(r, 2.0, color(palette::RULE_LIGHT));
                let nominal = egui::Rect::from_min_size(
                    r.min,
                    egui::vec2(bar_width * bar.nominal_fraction as f32, 20.0),
                );
                painter.rect_filled(nominal, 2.0, asked);
                let w = egui::Rect::from_min_size(
                    r.min + egui::vec2(0.0, 4.0),
                    egui::vec2(bar_width * bar.weighted_fraction as f32, 12.0),
                );
                painter.rect_filled(w, 1.0, weighted);
                response.on_hover_text(format!(
                    "{}: {} {}\n{}: {} {}",
                    chart.legend[0],
                    chart.currency,
                    bar.nominal_text,
                    chart.legend[1],
                    chart.currency,
                    bar.weighted_text
                ));
                ui.vertical(|ui| {
                    ui.label(RichText::new(&bar.weighted_text).strong());
                    ui.label(
                        RichText::new(&bar.nominal_text)
                            .small()
                            .color(color(palette::MUTED)),
                    );
                });
                ui.end_row();
            }
        });
    if !chart.note.is_empty() {
        ui.label(
            RichText::new(&chart.note)
                .small()
                .color(color(palette::WARNING)),
        );
    }
}
