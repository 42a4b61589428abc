//! The pipeline page: the board (a column per stage, its header with the count and the
//! nominal and weighted totals that `report::pipeline` computed, cards moved by drag and
//! drop or by their "Move to…" menu), the table of every deal with filters and sorting, the
//! deal form with its history, and the signing of a deal into an agreement. Columns and the
//! table lay out only the rows in view, so a ledger of 100,000 deals draws as fast as ten.

use chrono::NaiveDate;
use egui::{Id, RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};
use rust_decimal::Decimal;

use super::agreements::{
    AgreementForm, agreement_fields_ui, parse_decimal, parse_themes, themes_ui,
};
use super::form::{FieldErrors, FormAction, form_window_ui, labelled, list_options};
use super::format::{count_text, date_text, money_text, t};
use super::pie::color;
use super::state::{Command, DealsCache, Shared};
use crate::chart::pipeline::total_minor;
use crate::chart::{PipelineChart, PipelineFigures, palette, stage_label};
use crate::domain::{
    Currency, Lang, ListKind, Money, Opportunity, OpportunityId, PartnerId, Stage, StageChange,
    StageProbabilities, bp_text,
};
use crate::ledger::LedgerError;
use crate::report::{PipelineInput, pipeline};

/// A card's height on the board, spacing included: cards are laid out as rows of a
/// virtualised list.
const CARD_HEIGHT: f32 = 100.0;
/// The size of secondary text on the board: the app's small text is too small for amounts.
const SMALL_PT: f32 = 11.5;
/// A folded column's width (lost, declined, on hold start folded).
const FOLDED_WIDTH: f32 = 96.0;

/// What is dragged across the board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct DraggedDeal(OpportunityId);

/// Board or table.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Mode {
    #[default]
    Board,
    Table,
}

/// The table's sortable columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
enum SortBy {
    Reference,
    Partner,
    Title,
    #[default]
    Stage,
    Ask,
    Probability,
    Expected,
    Action,
    Due,
    Owner,
}

/// What a card or a row asked for this frame; done after layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asked {
    Open(OpportunityId),
    Move(OpportunityId, Stage),
}

/// The pipeline page's state.
#[derive(Default)]
pub struct PipelineView {
    mode: Mode,
    /// The off-road columns unfolded (lost, declined, on hold).
    unfolded: [bool; 3],
    stage_filter: Option<Stage>,
    owner_filter: Option<String>,
    partner_filter: String,
    overdue_only: bool,
    sort: SortBy,
    descending: bool,
    /// The table's rows (indices into the cache's deals), and what they were made for.
    visible: Vec<usize>,
    visible_key: Option<String>,
    /// The owners named in the deals, for the filter, and the cache key they were read at.
    owners: Option<((u64, NaiveDate), Vec<String>)>,
    form: Option<DealForm>,
    sign: Option<SignDialog>,
    reason: Option<ReasonDialog>,
}

/// The deal form, as text the user types, with the deal's history.
#[derive(Clone, Debug, Default)]
struct DealForm {
    id: Option<OpportunityId>,
    reference: String,
    partner: Option<PartnerId>,
    title: String,
    themes: Vec<(String, String)>,
    region: String,
    ask: String,
    currency: String,
    stage: Option<Stage>,
    probability: String,
    expected: String,
    next_action: String,
    due: String,
    owner: String,
    reason: String,
    agreement_id: Option<crate::domain::AgreementId>,
    /// The deal's stage changes, each with the days spent in the stage it entered.
    history: Vec<(StageChange, i64)>,
    errors: FieldErrors,
}

/// A move to lost or declined, waiting for its reason.
#[derive(Clone, Debug)]
struct ReasonDialog {
    deal: Opportunity,
    stage: Stage,
    reason: String,
    error: Option<String>,
}

/// The agreement a deal is signed into, being edited.
struct SignDialog {
    deal: Opportunity,
    /// The day of its last move: signing cannot be dated before it.
    last_move: Option<NaiveDate>,
    form: AgreementForm,
}

/// `35 %`, and `(set)` when someone typed it.
pub fn probability_text(lang: Lang, bp: u32, typed: bool) -> String {
    let set = if typed {
        t(lang, " (set)", "（设定）")
    } else {
        ""
    };
    format!("{} %{set}", bp_text(bp))
}

/// Whether the deal's next action is overdue on `today`, as the pipeline counts it.
fn overdue(d: &Opportunity, today: NaiveDate) -> bool {
    d.stage.is_open()
        && !d.next_action.trim().is_empty()
        && d.next_action_due.is_some_and(|due| due < today)
}

/// Reads the deals and computes their pipeline when the revision or the day moved; remakes the chart only when the language changed.
pub(super) fn load_deals(s: &mut Shared) {
    let (Some(revision), false) = (s.cache.revision, s.ledger.is_parked()) else {
        return;
    };
    let key = (revision, s.today());
    if let Some(d) = &mut s.cache.deals
        && d.key == key
    {
        if d.chart.0 != s.lang {
            d.chart = (s.lang, PipelineChart::from_figures(&d.figures, s.lang));
        }
        return;
    }
    if s.cache
        .deals_error
        .as_ref()
        .is_some_and(|(r, _)| *r == revision)
    {
        return;
    }
    let loads = s.cache.deals.as_ref().map_or(0, |d| d.loads);
    match read_deals(s, key) {
        Ok(mut d) => {
            d.loads = loads + 1;
            s.cache.deals = Some(d);
            s.cache.deals_error = None;
        }
        Err(e) => s.cache.deals_error = Some((revision, e.to_string())),
    }
}

fn read_deals(s: &Shared, key: (u64, NaiveDate)) -> Result<DealsCache, LedgerError> {
    let deals = s.ledger.opportunities()?;
    let changes = s.ledger.stage_changes()?;
    let probabilities = s.ledger.stage_probabilities()?;
    let rates = s.ledger.rates()?;
    let currency = s.ledger.reporting_currency()?;
    let input = PipelineInput {
        deals: &deals,
        changes: &changes,
        partners: &s.cache.partners,
        rates: &rates,
        reporting: currency,
        probabilities: &probabilities,
    };
    // Won and lost are not shown here: the year of the day is as good a period as any.
    use chrono::Datelike;
    let year = crate::domain::Period::year(key.1.year());
    let Some(year) = year else {
        return Err(LedgerError::Refused(format!("no year for {}", key.1)));
    };
    let p = pipeline(&input, key.1, &year);
    let figures = PipelineFigures {
        as_of: p.as_of,
        currency,
        stages: p.stages.clone(),
        missing_rates: p.missing_rates.clone(),
        overdue_count: p.overdue_actions.len(),
    };
    drop(p);
    let mut by_stage: Vec<Vec<usize>> = vec![Vec::new(); Stage::ALL.len()];
    for (i, d) in deals.iter().enumerate() {
        by_stage[d.stage.index()].push(i);
    }
    // The next action due first (the overdue at the top), then those without one.
    for column in &mut by_stage {
        column.sort_by_key(|&i| {
            let d = &deals[i];
            (d.next_action_due.is_none(), d.next_action_due, d.id)
        });
    }
    let index = deals.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let chart = PipelineChart::from_figures(&figures, s.lang);
    Ok(DealsCache {
        key,
        deals,
        index,
        by_stage,
        figures,
        chart: (s.lang, chart),
        probabilities,
        currency,
        loads: 0,
    })
}

/// The amounts of a column's header: per currency the nominal, then the weighted below it;
/// the total in the reporting currency when there are several currencies or another one.
fn totals_ui(ui: &mut Ui, lang: Lang, figures: &crate::report::StageFigures, reporting: Currency) {
    let weighted = t(lang, "weighted", "加权");
    let mut currencies = 0;
    for (code, amount) in figures.nominal.iter().filter(|(c, _)| *c != "total") {
        let Ok(currency) = code.parse::<Currency>() else {
            continue;
        };
        currencies += 1;
        ui.label(money_text(lang, minor_of(*amount, currency), currency));
        let w = figures
            .weighted
            .get(code)
            .map_or(0, |d| minor_of(*d, currency));
        ui.label(
            RichText::new(format!(
                "{weighted} {}",
                crate::chart::amount_text(w, currency)
            ))
            .size(SMALL_PT)
            .color(color(palette::MUTED)),
        );
    }
    let single_reporting = currencies == 1 && figures.nominal.contains_key(reporting.code());
    if currencies == 0 || single_reporting {
        return;
    }
    match (
        total_minor(&figures.nominal, reporting),
        total_minor(&figures.weighted, reporting),
    ) {
        (Some(n), Some(w)) => {
            ui.label(RichText::new(format!("Σ {}", money_text(lang, n, reporting))).strong());
            ui.label(
                RichText::new(format!("Σ {weighted} {}", money_text(lang, w, reporting)))
                    .size(SMALL_PT)
                    .color(color(palette::MUTED)),
            );
        }
        _ => {
            ui.label(
                RichText::new(t(lang, "Σ — a rate is missing", "Σ — 缺少汇率"))
                    .size(SMALL_PT)
                    .color(color(palette::WARNING)),
            );
        }
    }
}

/// An exact amount of `currency` in minor units.
fn minor_of(amount: Decimal, currency: Currency) -> i128 {
    let mut d = amount;
    d.rescale(currency.minor_digits());
    d.mantissa()
}

/// The stages a deal may be moved to from its menu: every other one; signing and losing
/// open a dialog (their labels end with "…"). A signed deal stays signed.
fn move_menu_ui(ui: &mut Ui, lang: Lang, deal: &Opportunity, asked: &mut Option<Asked>) {
    if ui.button(t(lang, "Open…", "打开…")).clicked() {
        *asked = Some(Asked::Open(deal.id));
    }
    if deal.stage == Stage::Signed {
        return;
    }
    ui.separator();
    ui.label(
        RichText::new(t(lang, "Move to", "移至"))
            .size(SMALL_PT)
            .color(color(palette::MUTED)),
    );
    for stage in Stage::ALL.into_iter().filter(|s| *s != deal.stage) {
        let dialog = stage == Stage::Signed || stage.is_lost();
        let text = if dialog {
            format!("{}…", stage_label(stage, lang))
        } else {
            stage_label(stage, lang).to_owned()
        };
        if ui.button(text).clicked() {
            *asked = Some(Asked::Move(deal.id, stage));
        }
    }
}

/// One card: partner, title, ask and probability, next action and its due day (red when
/// overdue). Dragged to another column it moves; its "⋯" and its context menu move it too.
#[allow(
    clippy::too_many_arguments,
    clippy::float_arithmetic,
    reason = "a card's parts, each its own; screen geometry"
)]
fn card_ui(
    ui: &mut Ui,
    lang: Lang,
    deal: &Opportunity,
    partner: &str,
    probabilities: &StageProbabilities,
    today: NaiveDate,
    width: f32,
    asked: &mut Option<Asked>,
) {
    let size = egui::vec2(width, CARD_HEIGHT - ui.spacing().item_spacing.y);
    let (rect, response) = ui.allocate_exact_size(size, Sense::click_and_drag());
    let card_label = format!("{} {}", t(lang, "Deal", "洽谈"), deal.title);
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &card_label));
    if deal.stage != Stage::Signed {
        response.dnd_set_drag_payload(DraggedDeal(deal.id));
    }
    if response.double_clicked() {
        *asked = Some(Asked::Open(deal.id));
    }
    response.context_menu(|ui| move_menu_ui(ui, lang, deal, asked));
    if !ui.is_rect_visible(rect) {
        return;
    }
    let visuals = ui.visuals();
    let stroke = if response.hovered() {
        visuals.widgets.hovered.bg_stroke
    } else {
        visuals.widgets.noninteractive.bg_stroke
    };
    ui.painter().rect(
        rect,
        4.0,
        visuals.extreme_bg_color,
        stroke,
        egui::StrokeKind::Inside,
    );
    let inner = rect.shrink2(egui::vec2(6.0, 4.0));
    let mut child = ui.new_child(
        egui::UiBuilder::new()
            .max_rect(inner)
            .layout(egui::Layout::top_down(egui::Align::Min)),
    );
    child.style_mut().interaction.selectable_labels = false;
    child.spacing_mut().item_spacing.y = 1.0;
    child.set_clip_rect(rect.intersect(ui.clip_rect()));
    let menu_width = 22.0;
    child.horizontal(|ui| {
        ui.set_max_width(inner.width());
        ui.add_sized(
            [inner.width() - menu_width - 4.0, 14.0],
            egui::Label::new(
                RichText::new(partner)
                    .size(SMALL_PT)
                    .color(color(palette::MUTED)),
            )
            .truncate(),
        );
        let menu = ui.menu_button("⋯", |ui| move_menu_ui(ui, lang, deal, asked));
        let menu_label = format!("{} {}", t(lang, "Move to…", "移至…"), deal.title);
        menu.response
            .on_hover_text(t(lang, "Move to…", "移至…"))
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &menu_label));
    });
    child.add(egui::Label::new(RichText::new(&deal.title).strong()).truncate());
    let ask = deal.ask.map_or_else(
        || t(lang, "no ask yet", "尚无金额").to_owned(),
        |m| money_text(lang, i128::from(m.minor), m.currency),
    );
    child.add(egui::Label::new(ask).truncate());
    let (bp, typed) = deal.probability(probabilities);
    let mut chance = probability_text(lang, bp, typed);
    if let Some(day) = deal.expected_signing {
        chance = format!(
            "{chance} · {} {}",
            t(lang, "signs", "预计"),
            date_text(lang, day)
        );
    }
    child.add(egui::Label::new(RichText::new(chance).size(SMALL_PT)).truncate());
    let action = if deal.next_action.trim().is_empty() {
        RichText::new(t(lang, "no next action", "无下一步行动")).color(color(palette::MUTED))
    } else {
        let due = deal.next_action_due.map_or_else(String::new, |d| {
            format!(" · {} {}", t(lang, "due", "截止"), date_text(lang, d))
        });
        let text = RichText::new(format!("{}{due}", deal.next_action));
        if overdue(deal, today) {
            text.color(color(palette::DOWN))
        } else {
            text
        }
    };
    child.add(egui::Label::new(action.size(SMALL_PT)).truncate());
}

impl PipelineView {
    /// Forgets what was typed for another ledger.
    pub fn reset(&mut self) {
        *self = PipelineView::default();
    }

    /// The pipeline page.
    pub(super) fn pipeline_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        load_deals(s);
        let mut asked = None;
        ui.horizontal(|ui| {
            for (mode, en, zh) in [
                (Mode::Board, "Board", "看板"),
                (Mode::Table, "Table", "表格"),
            ] {
                if ui
                    .selectable_label(self.mode == mode, t(lang, en, zh))
                    .clicked()
                {
                    self.mode = mode;
                }
            }
            ui.separator();
            if let Some(d) = &s.cache.deals {
                let chart = &d.chart.1;
                let weighted = chart.weighted_total_minor.map_or_else(
                    || t(lang, "— a rate is missing", "— 缺少汇率").to_owned(),
                    |m| money_text(lang, m, chart.currency),
                );
                ui.label(format!(
                    "{} {} · {} {weighted} · {} {}",
                    count_text(chart.open_count),
                    t(lang, "open deals", "项进行中的洽谈"),
                    t(lang, "weighted", "加权"),
                    count_text(chart.overdue_count),
                    t(lang, "overdue actions", "项逾期行动"),
                ));
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(t(lang, "New deal…", "新建洽谈…")).clicked() {
                    self.form = Some(DealForm::new(s));
                }
            });
        });
        if let Some((_, e)) = &s.cache.deals_error {
            ui.label(RichText::new(e).color(color(palette::ERROR)));
        }
        if let Some(d) = &s.cache.deals
            && !d.chart.1.note.is_empty()
        {
            ui.label(
                RichText::new(&d.chart.1.note)
                    .size(SMALL_PT)
                    .color(color(palette::WARNING)),
            );
        }
        ui.add_space(4.0);
        match self.mode {
            Mode::Board => self.board_ui(s, ui, &mut asked),
            Mode::Table => self.table_ui(s, ui, &mut asked),
        }
        self.asked(s, asked);
        self.form_window(s, ui);
        self.reason_window(s, ui);
        self.sign_window(s, ui);
    }

    /// Opens the form, moves a deal, or opens the dialog a move needs.
    fn asked(&mut self, s: &mut Shared, asked: Option<Asked>) {
        let Some(asked) = asked else {
            return;
        };
        let Some(d) = &s.cache.deals else {
            return;
        };
        let id = match asked {
            Asked::Open(id) | Asked::Move(id, _) => id,
        };
        let Some(deal) = d.index.get(&id).and_then(|&i| d.deals.get(i)).cloned() else {
            return;
        };
        match asked {
            Asked::Open(_) => self.form = Some(DealForm::edit(s, &deal)),
            Asked::Move(_, stage) if stage == deal.stage => {}
            Asked::Move(_, Stage::Signed) => self.sign = Some(SignDialog::new(s, deal)),
            Asked::Move(_, stage) if stage.is_lost() => {
                self.reason = Some(ReasonDialog {
                    reason: deal.reason.clone(),
                    deal,
                    stage,
                    error: None,
                })
            }
            Asked::Move(_, stage) => s.commands.push(Command::MoveDeal {
                id,
                stage,
                reason: String::new(),
            }),
        }
    }

    /// The board: a column per stage, the off-road ones folded until unfolded.
    #[allow(clippy::float_arithmetic, reason = "screen geometry")]
    fn board_ui(&mut self, s: &mut Shared, ui: &mut Ui, asked: &mut Option<Asked>) {
        let lang = s.lang;
        let today = s.today();
        let Some(d) = &s.cache.deals else {
            return;
        };
        let spacing = 8.0;
        let folded = self.unfolded.iter().filter(|u| !**u).count();
        let wide = Stage::ALL.len() - folded;
        let available = ui.available_width() - spacing * (Stage::ALL.len() as f32) - 12.0;
        let width = ((available - FOLDED_WIDTH * folded as f32) / wide as f32).max(130.0);
        // The header is as tall as the tallest column needs, so every column's cards start
        // at the same height.
        let lines = d
            .figures
            .stages
            .iter()
            .map(|f| {
                let n = f.nominal.keys().filter(|k| *k != "total").count();
                let total = n > 1 || (n == 1 && !f.nominal.contains_key(d.currency.code()));
                2 * n + 2 * usize::from(total)
            })
            .max()
            .unwrap_or(0);
        let header_height = 44.0 + 17.0 * lines as f32;
        let dragging = egui::DragAndDrop::payload::<DraggedDeal>(ui.ctx());
        let mut columns: Vec<(Stage, egui::Rect)> = Vec::with_capacity(Stage::ALL.len());
        egui::ScrollArea::horizontal()
            .id_salt("pipeline-board")
            .show(ui, |ui| {
                ui.horizontal_top(|ui| {
                    ui.spacing_mut().item_spacing.x = spacing;
                    for stage in Stage::ALL {
                        let off = match stage {
                            Stage::Lost => Some(0),
                            Stage::Declined => Some(1),
                            Stage::OnHold => Some(2),
                            _ => None,
                        };
                        let unfolded = off.is_none_or(|i| self.unfolded[i]);
                        let w = if unfolded { width } else { FOLDED_WIDTH };
                        let Some(figures) = d.figures.stages.get(stage.index()) else {
                            continue;
                        };
                        let rows = d.by_stage.get(stage.index()).map_or(&[][..], Vec::as_slice);
                        let column = ui.vertical(|ui| {
                            ui.set_width(w);
                            ui.set_max_width(w);
                            ui.allocate_ui_with_layout(
                                egui::vec2(w, header_height),
                                egui::Layout::top_down(egui::Align::Min),
                                |ui| {
                                    ui.set_min_size(egui::vec2(w, header_height));
                                    ui.add(
                                        egui::Label::new(
                                            RichText::new(format!(
                                                "{}  {}",
                                                stage_label(stage, lang),
                                                count_text(figures.count)
                                            ))
                                            .strong()
                                            .size(15.0),
                                        )
                                        .truncate(),
                                    )
                                    .on_hover_text(stage_label(stage, lang));
                                    if let Some(i) = off {
                                        let text = if unfolded {
                                            t(lang, "◀ Fold", "◀ 收起")
                                        } else {
                                            t(lang, "Show ▶", "展开 ▶")
                                        };
                                        let label = format!("{text} {}", stage_label(stage, lang));
                                        let button = ui.small_button(text);
                                        button.widget_info(|| {
                                            egui::WidgetInfo::labeled(
                                                egui::Role::Button,
                                                true,
                                                &label,
                                            )
                                        });
                                        if button.clicked() {
                                            self.unfolded[i] = !unfolded;
                                        }
                                    }
                                    if unfolded {
                                        totals_ui(ui, lang, figures, d.currency);
                                    }
                                },
                            );
                            ui.separator();
                            if !unfolded {
                                ui.allocate_space(egui::vec2(w, ui.available_height()));
                                return;
                            }
                            egui::ScrollArea::vertical()
                                .id_salt(("pipeline-column", stage.as_str()))
                                .auto_shrink([false, false])
                                .show_rows(
                                    ui,
                                    CARD_HEIGHT - ui.spacing().item_spacing.y,
                                    rows.len(),
                                    |ui, range| {
                                        for &i in rows.get(range).unwrap_or(&[]) {
                                            let Some(deal) = d.deals.get(i) else {
                                                continue;
                                            };
                                            let partner = s
                                                .cache
                                                .partner(deal.partner_id)
                                                .map_or("?", |p| p.display_name(lang));
                                            card_ui(
                                                ui,
                                                lang,
                                                deal,
                                                partner,
                                                &d.probabilities,
                                                today,
                                                ui.available_width().min(w),
                                                asked,
                                            );
                                        }
                                    },
                                );
                        });
                        columns.push((stage, column.response.rect));
                    }
                });
            });
        // A card dropped on another column moves there; the column under it is outlined.
        let Some(dragged) = dragging else {
            return;
        };
        let pointer = ui.ctx().pointer_latest_pos();
        let over = pointer.and_then(|p| columns.iter().find(|(_, r)| r.contains(p)));
        if let Some((_, rect)) = over {
            ui.painter().rect_stroke(
                rect.expand(2.0),
                4.0,
                egui::Stroke::new(2.0, color(palette::HIGHLIGHT)),
                egui::StrokeKind::Outside,
            );
        }
        if let Some(p) = pointer {
            let title = d
                .index
                .get(&dragged.0)
                .and_then(|&i| d.deals.get(i))
                .map_or("", |d| d.title.as_str());
            let painter = ui.ctx().layer_painter(egui::LayerId::new(
                egui::Order::Tooltip,
                Id::unique("dragged-deal"),
            ));
            let galley = painter.layout_no_wrap(
                title.to_owned(),
                egui::FontId::proportional(13.0),
                color(palette::TEXT),
            );
            let r = egui::Rect::from_min_size(
                p + egui::vec2(8.0, 8.0),
                galley.size() + egui::vec2(12.0, 8.0),
            );
            painter.rect(
                r,
                4.0,
                color(palette::BACKGROUND),
                egui::Stroke::new(1.0, color(palette::HIGHLIGHT)),
                egui::StrokeKind::Inside,
            );
            painter.galley(r.min + egui::vec2(6.0, 4.0), galley, color(palette::TEXT));
        }
        if ui.input(|i| i.pointer.any_released())
            && let Some((stage, _)) = over
        {
            egui::DragAndDrop::clear_payload(ui.ctx());
            *asked = Some(Asked::Move(dragged.0, *stage));
        }
    }

    /// The table's rows for the filters and sort, made again only when they change.
    fn update_visible(&mut self, s: &Shared) {
        let Some(d) = &s.cache.deals else {
            return;
        };
        let key = format!(
            "{:?}|{:?}|{:?}|{}|{}|{:?}|{}|{}",
            d.key,
            self.stage_filter,
            self.owner_filter,
            self.partner_filter,
            self.overdue_only,
            self.sort,
            self.descending,
            s.lang as u8
        );
        if self.visible_key.as_ref() == Some(&key) {
            return;
        }
        let owners_key = d.key;
        if self.owners.as_ref().is_none_or(|(k, _)| *k != owners_key) {
            let mut owners: Vec<String> = d
                .deals
                .iter()
                .map(|o| o.owner.trim())
                .filter(|o| !o.is_empty())
                .map(str::to_owned)
                .collect();
            owners.sort();
            owners.dedup();
            self.owners = Some((owners_key, owners));
        }
        let today = d.key.1;
        let needle = self.partner_filter.trim().to_lowercase();
        let lang = s.lang;
        let name = |id: PartnerId| s.cache.partner(id).map_or("?", |p| p.display_name(lang));
        let mut visible: Vec<usize> = d
            .deals
            .iter()
            .enumerate()
            .filter(|(_, o)| self.stage_filter.is_none_or(|st| o.stage == st))
            .filter(|(_, o)| {
                self.owner_filter
                    .as_deref()
                    .is_none_or(|w| o.owner.trim() == w)
            })
            .filter(|(_, o)| !self.overdue_only || overdue(o, today))
            .filter(|(_, o)| {
                needle.is_empty()
                    || s.cache.partner(o.partner_id).is_some_and(|p| {
                        p.name.to_lowercase().contains(&needle)
                            || p.name_zh.as_deref().unwrap_or("").contains(&needle)
                    })
            })
            .map(|(i, _)| i)
            .collect();
        let deals = &d.deals;
        let probabilities = &d.probabilities;
        match self.sort {
            SortBy::Reference => visible.sort_by_key(|&i| deals[i].reference.clone()),
            SortBy::Partner => {
                visible.sort_by_cached_key(|&i| name(deals[i].partner_id).to_lowercase())
            }
            SortBy::Title => visible.sort_by_cached_key(|&i| deals[i].title.to_lowercase()),
            SortBy::Stage => visible.sort_by_key(|&i| (deals[i].stage, deals[i].id)),
            SortBy::Ask => visible.sort_by_key(|&i| {
                deals[i]
                    .ask
                    .map(|m| (m.currency.code().to_owned(), m.minor))
            }),
            SortBy::Probability => visible.sort_by_key(|&i| deals[i].probability(probabilities).0),
            SortBy::Expected => visible.sort_by_key(|&i| deals[i].expected_signing),
            SortBy::Action => visible.sort_by_cached_key(|&i| deals[i].next_action.to_lowercase()),
            SortBy::Due => visible.sort_by_key(|&i| deals[i].next_action_due),
            SortBy::Owner => visible.sort_by_cached_key(|&i| deals[i].owner.to_lowercase()),
        }
        if self.descending {
            visible.reverse();
        }
        self.visible = visible;
        self.visible_key = Some(key);
    }

    fn filters_ui(&mut self, s: &Shared, ui: &mut Ui) {
        let lang = s.lang;
        ui.horizontal_wrapped(|ui| {
            let any = t(lang, "Any stage", "全部阶段");
            let current = self.stage_filter.map_or(any, |st| stage_label(st, lang));
            egui::ComboBox::from_id_salt("deals-stage")
                .selected_text(current)
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.stage_filter, None, any);
                    for st in Stage::ALL {
                        ui.selectable_value(
                            &mut self.stage_filter,
                            Some(st),
                            stage_label(st, lang),
                        );
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, t(lang, "Stage", "阶段"))
                });
            let any_owner = t(lang, "Any owner", "全部负责人");
            let owners = self.owners.as_ref().map_or(&[][..], |(_, o)| o.as_slice());
            egui::ComboBox::from_id_salt("deals-owner")
                .selected_text(self.owner_filter.as_deref().unwrap_or(any_owner))
                .show_ui(ui, |ui| {
                    ui.selectable_value(&mut self.owner_filter, None, any_owner);
                    for o in owners {
                        ui.selectable_value(&mut self.owner_filter, Some(o.clone()), o);
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::Role::ComboBox,
                        true,
                        t(lang, "Owner", "负责人"),
                    )
                });
            let label = ui.label(t(lang, "Partner", "伙伴"));
            ui.add(egui::TextEdit::singleline(&mut self.partner_filter).desired_width(180.0))
                .labelled_by(label.id);
            ui.checkbox(
                &mut self.overdue_only,
                t(lang, "Overdue actions only", "仅逾期行动"),
            );
        });
    }

    fn table_ui(&mut self, s: &mut Shared, ui: &mut Ui, asked: &mut Option<Asked>) {
        let lang = s.lang;
        self.update_visible(s);
        self.filters_ui(s, ui);
        self.update_visible(s);
        let Some(d) = &s.cache.deals else {
            return;
        };
        ui.label(
            RichText::new(format!(
                "{} / {} {}",
                count_text(self.visible.len()),
                count_text(d.deals.len()),
                t(lang, "deals shown", "项洽谈显示中")
            ))
            .size(SMALL_PT)
            .color(color(palette::MUTED)),
        );
        let today = d.key.1;
        let mut sort_clicked = None;
        let (sort, desc) = (self.sort, self.descending);
        let headers = [
            (t(lang, "Reference", "编号"), SortBy::Reference),
            (t(lang, "Partner", "伙伴"), SortBy::Partner),
            (t(lang, "Title", "标题"), SortBy::Title),
            (t(lang, "Stage", "阶段"), SortBy::Stage),
            (t(lang, "Ask", "申请金额"), SortBy::Ask),
            (t(lang, "Probability", "概率"), SortBy::Probability),
            (t(lang, "Expected signing", "预计签署"), SortBy::Expected),
            (t(lang, "Next action", "下一步行动"), SortBy::Action),
            (t(lang, "Due", "截止"), SortBy::Due),
            (t(lang, "Owner", "负责人"), SortBy::Owner),
        ];
        TableBuilder::new(ui)
            .striped(true)
            .sense(Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(90.0).clip(true))
            .column(Column::initial(170.0).clip(true))
            .column(Column::initial(170.0).clip(true))
            .column(Column::initial(115.0).clip(true))
            .column(Column::initial(125.0).clip(true))
            .column(Column::initial(80.0))
            .column(Column::initial(100.0))
            .column(Column::initial(150.0).clip(true))
            .column(Column::initial(100.0))
            .column(Column::remainder().clip(true))
            .header(24.0, |mut h| {
                for (text, by) in headers {
                    h.col(|ui| {
                        let arrow = match (by == sort, desc) {
                            (true, true) => " ▼",
                            (true, false) => " ▲",
                            _ => "",
                        };
                        let button =
                            egui::Button::new(RichText::new(format!("{text}{arrow}")).strong())
                                .frame(false);
                        let response = ui.add(button);
                        response.widget_info(|| {
                            egui::WidgetInfo::labeled(
                                egui::Role::Button,
                                true,
                                format!("{} {text}", t(lang, "Sort by", "排序")),
                            )
                        });
                        if response.clicked() {
                            sort_clicked = Some(by);
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(22.0, self.visible.len(), |mut row| {
                    let Some(o) = self.visible.get(row.index()).and_then(|&i| d.deals.get(i))
                    else {
                        return;
                    };
                    row.col(|ui| {
                        ui.label(o.reference.as_deref().unwrap_or("—"));
                    });
                    row.col(|ui| {
                        ui.label(
                            s.cache
                                .partner(o.partner_id)
                                .map_or("?", |p| p.display_name(lang)),
                        );
                    });
                    row.col(|ui| {
                        ui.label(&o.title);
                    });
                    row.col(|ui| {
                        ui.label(stage_label(o.stage, lang));
                    });
                    row.col(|ui| {
                        ui.label(o.ask.map_or_else(String::new, |m| {
                            money_text(lang, i128::from(m.minor), m.currency)
                        }));
                    });
                    row.col(|ui| {
                        let (bp, typed) = o.probability(&d.probabilities);
                        ui.label(probability_text(lang, bp, typed));
                    });
                    row.col(|ui| {
                        ui.label(
                            o.expected_signing
                                .map(|x| date_text(lang, x))
                                .unwrap_or_default(),
                        );
                    });
                    row.col(|ui| {
                        ui.label(&o.next_action);
                    });
                    row.col(|ui| {
                        let due = o
                            .next_action_due
                            .map(|x| date_text(lang, x))
                            .unwrap_or_default();
                        if overdue(o, today) {
                            ui.label(RichText::new(due).color(color(palette::DOWN)));
                        } else {
                            ui.label(due);
                        }
                    });
                    row.col(|ui| {
                        ui.label(&o.owner);
                    });
                    let response = row.response();
                    if response.double_clicked() {
                        *asked = Some(Asked::Open(o.id));
                    }
                    response.context_menu(|ui| move_menu_ui(ui, lang, o, asked));
                });
            });
        if let Some(by) = sort_clicked {
            if self.sort == by {
                self.descending = !self.descending;
            } else {
                self.sort = by;
                self.descending = false;
            }
        }
    }

    fn form_window(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let Some(mut form) = self.form.take() else {
            return;
        };
        let title = if form.id.is_some() {
            t(lang, "Edit deal", "编辑洽谈")
        } else {
            t(lang, "New deal", "新建洽谈")
        };
        let probabilities = s
            .cache
            .deals
            .as_ref()
            .map(|d| d.probabilities.clone())
            .unwrap_or_default();
        let errors = form.errors.clone();
        let history = form.history.clone();
        let can_sign = form.id.is_some()
            && form.stage.is_some_and(Stage::is_open)
            && form.agreement_id.is_none();
        let mut sign = false;
        let action = form_window_ui(
            ui.ctx(),
            lang,
            title,
            560.0,
            &errors,
            None,
            |f| form.fields_ui(f, lang, s, &probabilities),
            |ui| sign = history_ui(ui, lang, &history, can_sign),
        );
        match action {
            FormAction::Save => {
                if let Some(o) = form.parse(lang, &s.cache.lists) {
                    s.commands.push(Command::PutDeal(Box::new(o)));
                    return;
                }
            }
            FormAction::Cancel | FormAction::Delete => return,
            FormAction::None => {}
        }
        if sign
            && let Some(id) = form.id
            && let Some(d) = &s.cache.deals
            && let Some(deal) = d.index.get(&id).and_then(|&i| d.deals.get(i)).cloned()
        {
            self.sign = Some(SignDialog::new(s, deal));
            return;
        }
        self.form = Some(form);
    }

    fn reason_window(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let Some(mut dialog) = self.reason.take() else {
            return;
        };
        let title = format!(
            "{} {} → {}",
            t(lang, "Move", "移动"),
            dialog.deal.title,
            stage_label(dialog.stage, lang)
        );
        let mut done = None;
        egui::Window::new(title)
            .collapsible(false)
            .resizable(false)
            .show(ui.ctx(), |ui| {
                ui.label(t(
                    lang,
                    "Why was it lost or declined?",
                    "为何失去或被拒绝？",
                ));
                let edit = egui::TextEdit::multiline(&mut dialog.reason).desired_rows(3);
                labelled(
                    ui.add(edit),
                    egui::Role::MultilineTextInput,
                    t(lang, "Reason", "原因"),
                );
                if let Some(e) = &dialog.error {
                    ui.label(RichText::new(e).color(color(palette::ERROR)));
                }
                ui.horizontal(|ui| {
                    if ui.button(t(lang, "Move", "移动")).clicked() {
                        done = Some(true);
                    }
                    if ui.button(t(lang, "Cancel", "取消")).clicked() {
                        done = Some(false);
                    }
                });
            });
        match done {
            Some(true) => {
                // The ledger's own check: nothing is written when it refuses.
                let moved = Opportunity {
                    stage: dialog.stage,
                    reason: dialog.reason.trim().to_owned(),
                    ..dialog.deal.clone()
                };
                let problems = moved.problems(&s.cache.lists);
                if problems.is_empty() {
                    s.commands.push(Command::MoveDeal {
                        id: dialog.deal.id,
                        stage: dialog.stage,
                        reason: moved.reason,
                    });
                    return;
                }
                dialog.error = Some(
                    problems
                        .iter()
                        .map(|p| p.message.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                );
            }
            Some(false) => return,
            None => {}
        }
        self.reason = Some(dialog);
    }

    fn sign_window(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let Some(mut dialog) = self.sign.take() else {
            return;
        };
        let title = format!(
            "{} {}",
            t(lang, "Sign deal:", "签署洽谈："),
            dialog.deal.title
        );
        let errors = dialog.form.errors().clone();
        let action = form_window_ui(
            ui.ctx(),
            lang,
            &title,
            520.0,
            &errors,
            None,
            |f| agreement_fields_ui(f, lang, &mut dialog.form, &s.cache),
            |ui| {
                ui.label(
                    RichText::new(t(
                        lang,
                        "Saving adds the agreement, moves the deal to signed and links the two.",
                        "保存后将添加协议，把洽谈移至已签署并将两者关联。",
                    ))
                    .size(SMALL_PT)
                    .color(color(palette::MUTED)),
                );
            },
        );
        match action {
            FormAction::Save => {
                if let Some(a) = dialog.form.parse(lang, &s.cache.lists) {
                    match dialog.last_move.filter(|last| a.signed_on < *last) {
                        Some(last) => dialog.form.refuse(
                            "signed_on",
                            format!(
                                "{} {}",
                                t(lang, "The deal last moved on", "该洽谈最近一次移动于"),
                                date_text(lang, last)
                            ),
                        ),
                        None => {
                            s.commands.push(Command::SignDeal {
                                id: dialog.deal.id,
                                agreement: Box::new(a),
                            });
                            return;
                        }
                    }
                }
            }
            FormAction::Cancel | FormAction::Delete => return,
            FormAction::None => {}
        }
        self.sign = Some(dialog);
    }
}

impl SignDialog {
    fn new(s: &Shared, deal: Opportunity) -> SignDialog {
        let last_move = s
            .ledger
            .stage_changes_of(deal.id)
            .ok()
            .and_then(|c| c.last().map(|c| c.on));
        let today = s.today();
        let on = deal
            .expected_signing
            .unwrap_or(today)
            .max(last_move.unwrap_or(NaiveDate::MIN));
        let form = AgreementForm::from_deal(&deal, on);
        SignDialog {
            deal,
            last_move,
            form,
        }
    }
}

impl DealForm {
    fn new(s: &Shared) -> DealForm {
        let currency = s
            .cache
            .snapshot
            .as_ref()
            .map(|s| s.currency)
            .unwrap_or_default();
        DealForm {
            currency: currency.to_string(),
            region: crate::domain::MULTI_REGIONAL.to_owned(),
            themes: vec![(String::new(), "100".into())],
            stage: Some(Stage::Identified),
            ..DealForm::default()
        }
    }

    fn edit(s: &Shared, d: &Opportunity) -> DealForm {
        let changes = s.ledger.stage_changes_of(d.id).unwrap_or_default();
        let today = s.today();
        let history = changes
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let until = changes.get(i + 1).map_or(today, |n| n.on);
                (c.clone(), (until - c.on).num_days().max(0))
            })
            .collect();
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        DealForm {
            id: Some(d.id),
            reference: d.reference.clone().unwrap_or_default(),
            partner: Some(d.partner_id),
            title: d.title.clone(),
            themes: d
                .themes
                .iter()
                .map(|s| (s.theme.clone(), bp_text(s.percent_bp)))
                .collect(),
            region: d.region.clone(),
            ask: d.ask.map(|m| m.amount().to_string()).unwrap_or_default(),
            currency: d.ask.map_or_else(
                || {
                    s.cache
                        .snapshot
                        .as_ref()
                        .map(|s| s.currency)
                        .unwrap_or_default()
                        .to_string()
                },
                |m| m.currency.to_string(),
            ),
            stage: Some(d.stage),
            probability: d.probability_bp.map(bp_text).unwrap_or_default(),
            expected: day(d.expected_signing),
            next_action: d.next_action.clone(),
            due: day(d.next_action_due),
            owner: d.owner.clone(),
            reason: d.reason.clone(),
            agreement_id: d.agreement_id,
            history,
            errors: FieldErrors::new(),
        }
    }

    fn fields_ui(
        &mut self,
        f: &mut super::form::Fields<'_>,
        lang: Lang,
        s: &Shared,
        probabilities: &StageProbabilities,
    ) {
        let lists = &s.cache.lists;
        let choose = t(lang, "Choose…", "请选择…");
        f.text(
            t(lang, "Reference", "编号"),
            "reference",
            &mut self.reference,
            None,
            None,
        );
        let partners = s
            .cache
            .partners
            .iter()
            .map(|p| (Some(p.id), p.display_name(lang)));
        f.choice(
            t(lang, "Partner", "伙伴"),
            "partner",
            &mut self.partner,
            partners,
            choose,
        );
        f.text(
            t(lang, "Title", "标题"),
            "title",
            &mut self.title,
            None,
            None,
        );
        let themes = list_options(lists, ListKind::Theme, lang);
        f.row(t(lang, "Themes (%)", "专题（%）"), &["themes"], |ui| {
            themes_ui(ui, lang, &mut self.themes, themes);
        });
        let regions = list_options(lists, ListKind::Region, lang);
        f.choice(
            t(lang, "Region", "区域"),
            "region",
            &mut self.region,
            regions,
            choose,
        );
        let ask = t(lang, "Ask", "申请金额");
        f.row(ask, &["ask", "currency"], |ui| {
            ui.horizontal(|ui| {
                let amount = egui::TextEdit::singleline(&mut self.ask).desired_width(160.0);
                labelled(ui.add(amount), egui::Role::TextInput, ask);
                let currency = egui::TextEdit::singleline(&mut self.currency).desired_width(50.0);
                labelled(
                    ui.add(currency),
                    egui::Role::TextInput,
                    t(lang, "Currency", "货币"),
                );
            });
        });
        // Signing goes through its dialog (it adds the agreement): the form offers the
        // other stages, or shows signed; a deal that became an agreement stays signed.
        let signed = self.stage == Some(Stage::Signed);
        let linked = self.agreement_id.is_some();
        let stages = Stage::ALL
            .into_iter()
            .filter(|st| {
                if linked {
                    *st == Stage::Signed
                } else {
                    signed || *st != Stage::Signed
                }
            })
            .map(|st| (Some(st), stage_label(st, lang)));
        f.choice(
            t(lang, "Stage", "阶段"),
            "stage",
            &mut self.stage,
            stages,
            choose,
        );
        let default = self
            .stage
            .map(|st| probability_text(lang, probabilities.of(st), false))
            .unwrap_or_default();
        let hint = format!("{} {default}", t(lang, "stage default:", "阶段默认："));
        f.text(
            t(lang, "Probability (%)", "概率（%）"),
            "probability",
            &mut self.probability,
            Some(200.0),
            Some(&hint),
        );
        let date_hint = t(lang, "2024-06-30", "2024-06-30");
        f.text(
            t(lang, "Expected signing", "预计签署"),
            "expected",
            &mut self.expected,
            Some(120.0),
            Some(date_hint),
        );
        f.text(
            t(lang, "Next action", "下一步行动"),
            "next_action",
            &mut self.next_action,
            None,
            None,
        );
        f.text(
            t(lang, "Due", "截止"),
            "due",
            &mut self.due,
            Some(120.0),
            Some(date_hint),
        );
        f.text(
            t(lang, "Owner", "负责人"),
            "owner",
            &mut self.owner,
            None,
            None,
        );
        f.text(
            t(lang, "Reason (lost or declined)", "原因（失去或被拒绝）"),
            "reason",
            &mut self.reason,
            None,
            None,
        );
    }

    /// The deal the form describes, or the messages to show next to its fields.
    fn parse(&mut self, lang: Lang, lists: &crate::domain::ReferenceLists) -> Option<Opportunity> {
        let mut errors = FieldErrors::new();
        let date = |text: &str, field: &'static str, errors: &mut FieldErrors| {
            if text.trim().is_empty() {
                return None;
            }
            let d = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
            if d.is_none() {
                errors.insert(
                    field,
                    t(
                        lang,
                        "A date as 2024-06-30, or empty",
                        "日期格式：2024-06-30，或留空",
                    )
                    .into(),
                );
            }
            d
        };
        let expected_signing = date(&self.expected, "expected", &mut errors);
        let next_action_due = date(&self.due, "due", &mut errors);
        if self.partner.is_none() {
            errors.insert("partner", t(lang, "Choose a partner", "请选择伙伴").into());
        }
        if self.stage.is_none() {
            errors.insert("stage", t(lang, "Choose a stage", "请选择阶段").into());
        }
        let ask = if self.ask.trim().is_empty() {
            None
        } else {
            match self.currency.trim().parse::<Currency>() {
                Err(_) => {
                    errors.insert(
                        "currency",
                        t(
                            lang,
                            "An ISO 4217 code such as USD",
                            "ISO 4217 货币代码，例如 USD",
                        )
                        .into(),
                    );
                    None
                }
                Ok(c) => match parse_decimal(&self.ask).map(|d| Money::entered(d, c)) {
                    Some(Ok(m)) => Some(m),
                    Some(Err(e)) => {
                        errors.insert("ask", e.to_string());
                        None
                    }
                    None => {
                        errors.insert(
                            "ask",
                            t(lang, "A number such as 1800000.00", "数字，例如 1800000.00").into(),
                        );
                        None
                    }
                },
            }
        };
        let probability_bp = if self.probability.trim().is_empty() {
            None
        } else {
            let text = self.probability.trim().trim_end_matches('%');
            let bp = parse_decimal(text).and_then(|d| {
                let bp = (d * Decimal::from(100)).normalize();
                (bp.scale() == 0 && !bp.is_sign_negative())
                    .then(|| u32::try_from(bp.mantissa()).ok())
                    .flatten()
            });
            if bp.is_none() {
                errors.insert(
                    "probability",
                    t(
                        lang,
                        "A percentage such as 35, or empty for the stage's",
                        "百分比，例如 35；留空则用阶段默认值",
                    )
                    .into(),
                );
            }
            bp
        };
        let themes = parse_themes(lang, &self.themes, &mut errors);
        let deal = Opportunity {
            id: self.id.unwrap_or(OpportunityId(0)),
            reference: Some(self.reference.trim().to_owned()).filter(|r| !r.is_empty()),
            partner_id: self.partner.unwrap_or(PartnerId(0)),
            title: self.title.trim().to_owned(),
            themes,
            region: self.region.clone(),
            ask,
            stage: self.stage.unwrap_or(Stage::Identified),
            probability_bp,
            expected_signing,
            next_action: self.next_action.trim().to_owned(),
            next_action_due,
            owner: self.owner.trim().to_owned(),
            reason: self.reason.trim().to_owned(),
            agreement_id: self.agreement_id,
        };
        for p in deal.problems(lists) {
            errors.entry(p.field).or_insert(p.message);
        }
        self.errors = errors;
        self.errors.is_empty().then_some(deal)
    }
}

/// The deal's stage changes with the days spent in each; returns whether "Sign…" was
/// clicked.
fn history_ui(ui: &mut Ui, lang: Lang, history: &[(StageChange, i64)], can_sign: bool) -> bool {
    let mut sign = false;
    if can_sign {
        sign = ui.button(t(lang, "Sign…", "签署…")).clicked();
    }
    if history.is_empty() {
        return sign;
    }
    ui.separator();
    ui.label(RichText::new(t(lang, "History", "历史")).strong());
    egui::Grid::new("deal-history")
        .striped(true)
        .num_columns(3)
        .show(ui, |ui| {
            for (c, days) in history {
                ui.label(date_text(lang, c.on));
                let moved = match c.from {
                    Some(from) => {
                        format!("{} → {}", stage_label(from, lang), stage_label(c.to, lang))
                    }
                    None => format!(
                        "{} {}",
                        t(lang, "recorded in", "记录于"),
                        stage_label(c.to, lang)
                    ),
                };
                ui.label(moved);
                ui.label(match lang {
                    Lang::En => format!("{days} days in {}", stage_label(c.to, lang)),
                    Lang::Zh => format!("在{}阶段 {days} 天", stage_label(c.to, lang)),
                });
                ui.end_row();
            }
        });
    sign
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typed_probability_is_marked_set() {
        assert_eq!(probability_text(Lang::En, 6000, true), "60 % (set)");
        assert_eq!(probability_text(Lang::En, 3350, false), "33.5 %");
        assert_eq!(probability_text(Lang::Zh, 6000, true), "60 %（设定）");
    }

    #[test]
    fn amounts_keep_their_minor_units() {
        let usd: Currency = "USD".parse().unwrap_or_default();
        assert_eq!(minor_of(Decimal::new(15_000_050, 2), usd), 15_000_050);
        assert_eq!(minor_of(Decimal::new(3, 0), usd), 300);
    }

    #[test]
    fn the_form_refuses_150_percent_with_the_deals_own_message() {
        let mut form = DealForm {
            partner: Some(PartnerId(1)),
            title: "Cyber drills".into(),
            themes: vec![("cybersecurity".into(), "100".into())],
            region: "africa".into(),
            stage: Some(Stage::Contacted),
            probability: "150".into(),
            ..DealForm::default()
        };
        let lists = crate::domain::ReferenceLists::defaults();
        assert!(form.parse(Lang::En, &lists).is_none());
        assert_eq!(
            form.errors.get("probability").map(String::as_str),
            Some("a probability is between 0 and 100 %")
        );
        form.probability = "35".into();
        let deal = form.parse(Lang::En, &lists);
        assert_eq!(deal.and_then(|d| d.probability_bp), Some(3500));
    }
}
