//! The money-in page: signed versus received on a day — the totals, overdue instalments by
//! age, cash expected by quarter, and one row an agreement (overdue ones first). It takes
//! what it shows from the ledger it is given, not from the app.

use chrono::NaiveDate;
use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use rust_decimal::Decimal;

use super::format::t;
use super::pie::color;
use crate::chart::palette;
use crate::domain::{Currency, Lang, group_thousands};
use crate::ledger::Ledger;
use crate::report::{Due, DueItem, DueKind, Receivables, load_receivables};

/// The money-in page's state: the day asked for, and the receivables computed for it at a
/// ledger revision.
#[derive(Default)]
pub struct MoneyInView {
    /// The day as typed (`yyyy-mm-dd`); today when empty.
    as_of: String,
    computed: Option<Computed>,
}

/// The receivables and what is due, computed at a ledger revision for a day.
type Computed = (u64, NaiveDate, Result<(Receivables, Due), String>);

/// How many days ahead the page and the dashboard look for what falls due.
pub const DUE_DAYS: i64 = 30;

/// The lines of `items`, late or soon, as the page lists them.
fn due_list_ui(ui: &mut Ui, lang: Lang, title: &str, items: &[DueItem]) {
    ui.label(RichText::new(format!("{title} ({})", items.len())).strong());
    for i in items {
        let when = match (lang, i.days) {
            (Lang::En, d) if d < 0 => format!("{} days late", -d),
            (Lang::Zh, d) if d < 0 => format!("逾期 {} 天", -d),
            (Lang::En, 0) => "today".into(),
            (Lang::Zh, 0) => "今天".into(),
            (Lang::En, d) => format!("in {d} days"),
            (Lang::Zh, d) => format!("{d} 天后"),
        };
        let kind = match i.kind {
            DueKind::Instalment => t(lang, "Instalment", "分期付款"),
            DueKind::Report => t(lang, "Report", "报告"),
        };
        let text = RichText::new(format!(
            "{}  {kind}  {} · {} — {} ({when})",
            i.due_on, i.reference, i.partner, i.what
        ));
        ui.label(if i.days < 0 {
            text.color(color(palette::DOWN))
        } else {
            text
        });
    }
}

/// `USD 1,800,000.00` (or `1,800,000.00 USD` in Chinese) from an exact decimal.
fn amount(lang: Lang, value: Decimal, currency: Currency) -> String {
    match lang {
        Lang::En => format!("{currency} {}", group_thousands(&value)),
        Lang::Zh => format!("{} {currency}", group_thousands(&value)),
    }
}

fn tile_ui(ui: &mut Ui, title: &str, value: String, warn: bool) {
    egui::Frame::group(ui.style())
        .inner_margin(egui::Margin::same(10))
        .show(ui, |ui| {
            ui.set_min_width(200.0);
            ui.vertical(|ui| {
                ui.label(RichText::new(title).color(color(palette::MUTED)));
                let text = RichText::new(value).size(20.0).strong();
                ui.label(if warn {
                    text.color(color(palette::DOWN))
                } else {
                    text
                });
            });
        });
}

/// The page, for `ledger` in `lang`.
pub fn money_in_ui(ui: &mut Ui, lang: Lang, view: &mut MoneyInView, ledger: &Ledger) {
    let today = chrono::Local::now().date_naive();
    ui.horizontal(|ui| {
        ui.heading(t(lang, "Money in", "资金到账"));
        ui.label(t(lang, "as of", "截至"));
        ui.add(
            egui::TextEdit::singleline(&mut view.as_of)
                .hint_text(today.to_string())
                .desired_width(100.0),
        )
        .widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::TextInput, true, t(lang, "As of", "截至日期"))
        });
        if ui.button(t(lang, "Today", "今天")).clicked() {
            view.as_of.clear();
        }
    });
    let as_of = match view.as_of.trim() {
        "" => today,
        text => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => {
                ui.colored_label(
                    color(palette::DOWN),
                    t(
                        lang,
                        "Type the day as yyyy-mm-dd (2021-06-30).",
                        "请按 yyyy-mm-dd 输入日期（2021-06-30）。",
                    ),
                );
                return;
            }
        },
    };
    let revision = ledger.revision().unwrap_or(0);
    let stale = !matches!(&view.computed, Some((r, d, _)) if *r == revision && *d == as_of);
    if stale {
        let r = load_receivables(ledger, as_of, DUE_DAYS).map_err(|e| e.to_string());
        view.computed = Some((revision, as_of, r));
    }
    let Some((_, _, result)) = &view.computed else {
        return;
    };
    let (r, due) = match result {
        Ok((r, due)) => (r, due),
        Err(e) => {
            ui.colored_label(color(palette::DOWN), e);
            return;
        }
    };
    if r.agreements.is_empty() {
        ui.label(t(
            lang,
            "No signed agreement yet. Import payment schedules and receipts with pledger import FILE --kind schedules (or receipts).",
            "尚无已签署协议。可用 pledger import 文件 --kind schedules（或 receipts）导入付款计划和收款。",
        ));
        return;
    }
    let c = r.currency;
    ui.horizontal_wrapped(|ui| {
        tile_ui(
            ui,
            t(lang, "Signed", "已签署"),
            amount(lang, r.totals.signed, c),
            false,
        );
        tile_ui(
            ui,
            t(lang, "Received", "已到账"),
            amount(lang, r.totals.received, c),
            false,
        );
        tile_ui(
            ui,
            t(lang, "Outstanding", "未到账"),
            amount(lang, r.totals.outstanding, c),
            false,
        );
        tile_ui(
            ui,
            t(lang, "Overdue", "逾期"),
            amount(lang, r.totals.overdue, c),
            r.totals.overdue > Decimal::ZERO,
        );
    });
    ui.add_space(6.0);
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(t(lang, "Overdue by age (days):", "按逾期天数：")).strong());
        for (days, value) in &r.ageing {
            let days = match (lang, days.strip_prefix("over ")) {
                (Lang::Zh, Some(n)) => format!("{n} 以上"),
                (Lang::En, Some(n)) => format!("over {n}"),
                _ => days.clone(),
            };
            ui.label(format!("{days}: {}", amount(lang, *value, c)));
        }
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(t(lang, "Expected by quarter:", "按季度预计到账：")).strong());
        if r.expected_by_quarter.is_empty() {
            ui.label(t(lang, "nothing scheduled", "无付款计划"));
        }
        for (quarter, value) in &r.expected_by_quarter {
            ui.label(format!("{quarter}: {}", amount(lang, *value, c)));
        }
    });
    ui.label(format!(
        "{} {}",
        t(lang, "Exchange gain or loss on receipts:", "收款汇兑损益："),
        amount(lang, r.exchange_gain_loss, c)
    ));
    for m in &r.missing_rates {
        ui.colored_label(
            color(palette::DOWN),
            match lang {
                Lang::En => format!(
                    "No {} → {} rate on {}: those amounts are left out of the totals (Settings → Exchange rates).",
                    m.currency, m.quote, m.date
                ),
                Lang::Zh => format!(
                    "缺少 {} 日 {} → {} 的汇率：相关金额未计入合计（设置 → 汇率）。",
                    m.date, m.currency, m.quote
                ),
            },
        );
    }
    for m in &r.too_large {
        ui.colored_label(
            color(palette::DOWN),
            match lang {
                Lang::En => format!(
                    "{} → {} on {}: the sum is too large to convert and is left out of the totals.",
                    m.currency, m.quote, m.date
                ),
                Lang::Zh => format!(
                    "{} 日 {} → {}：金额过大，无法换算，未计入合计。",
                    m.date, m.currency, m.quote
                ),
            },
        );
    }
    ui.add_space(6.0);
    egui::CollapsingHeader::new(format!(
        "{}: {} · {}: {}",
        t(lang, "Late", "逾期"),
        due.late.len(),
        t(lang, "due in the next 30 days", "未来 30 天到期"),
        due.soon.len()
    ))
    .id_salt("due")
    .default_open(true)
    .show(ui, |ui| {
        egui::ScrollArea::vertical()
            .max_height(160.0)
            .id_salt("due-list")
            .show(ui, |ui| {
                due_list_ui(ui, lang, t(lang, "Late", "逾期"), &due.late);
                due_list_ui(
                    ui,
                    lang,
                    t(lang, "Due in the next 30 days", "未来 30 天到期"),
                    &due.soon,
                );
            });
    });
    ui.add_space(6.0);
    // Overdue first, the largest first; then the rest by reference.
    let mut rows: Vec<&crate::report::AgreementDue> = r.agreements.iter().collect();
    rows.sort_by(|a, b| {
        let key = |x: &crate::report::AgreementDue| {
            x.reporting.as_ref().map_or(Decimal::ZERO, |m| m.overdue)
        };
        key(b)
            .cmp(&key(a))
            .then_with(|| a.reference.cmp(&b.reference))
    });
    TableBuilder::new(ui)
        .striped(true)
        .column(Column::initial(110.0))
        .column(Column::initial(300.0).clip(true))
        .columns(Column::initial(150.0), 4)
        .column(Column::remainder())
        .header(24.0, |mut h| {
            for text in [
                t(lang, "Agreement", "协议"),
                t(lang, "Partner", "伙伴"),
                t(lang, "Signed", "已签署"),
                t(lang, "Received", "已到账"),
                t(lang, "Outstanding", "未到账"),
                t(lang, "Overdue", "逾期"),
                t(lang, "Scheduled", "计划"),
            ] {
                h.col(|ui| {
                    ui.label(RichText::new(text).strong());
                });
            }
        })
        .body(|body| {
            body.rows(22.0, rows.len(), |mut row| {
                let Some(a) = rows.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    ui.label(&a.reference);
                });
                row.col(|ui| {
                    ui.label(match (lang, &a.partner_zh) {
                        (Lang::Zh, Some(zh)) => zh,
                        _ => &a.partner,
                    });
                });
                for (value, warn) in [
                    (a.signed, false),
                    (a.received, false),
                    (a.outstanding, false),
                    (a.overdue, a.overdue > Decimal::ZERO),
                    (a.scheduled, false),
                ] {
                    row.col(|ui| {
                        let text = RichText::new(amount(lang, value, a.currency));
                        ui.label(if warn {
                            text.color(color(palette::DOWN))
                        } else {
                            text
                        });
                    });
                }
            });
        });
}
