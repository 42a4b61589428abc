//! The agreements page: a virtualised, sortable, searchable table with filters, and the
//! add/edit form with its validation messages.

use std::collections::HashMap;
use std::str::FromStr;

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};
use rust_decimal::Decimal;

use super::form::{Fields, FormAction, choice_ui, form_window_ui, labelled, list_options};
use super::format::t;
use super::format::{count_text, date_text};
use super::pie::color;
use super::state::Command;
use super::state::{Cache, Shared};
use crate::chart::{ChartKind, amount_text, palette};
use crate::domain::{
    Agreement, AgreementId, Currency, Lang, ListKind, Money, Opportunity, PartnerId, Period,
    Status, ThemeShare, WHOLE_BP,
};
use crate::ledger::AgreementFilter;

/// Sortable columns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortBy {
    /// Signing date.
    #[default]
    Signed,
    /// Reference.
    Reference,
    /// Partner name.
    Partner,
    /// Contribution amount (in its own currency's minor units).
    Amount,
}

/// The table's state: loaded rows, filters, sort, and the form.
#[derive(Default)]
pub struct AgreementsView {
    rows: Vec<Agreement>,
    loaded: Option<(u64, Option<Period>)>,
    visible: Vec<usize>,
    visible_key: Option<String>,
    /// Only agreements of this period; all when `None`.
    pub period: Option<Period>,
    search: String,
    partner: Option<PartnerId>,
    sort: SortBy,
    descending: bool,
    form: Option<AgreementForm>,
    confirm_delete: Option<AgreementId>,
}

impl AgreementsView {
    /// Forgets loaded rows after a ledger change.
    pub fn invalidate(&mut self) {
        self.loaded = None;
        self.visible_key = None;
    }
}

/// The add/edit form, as text the user types.
#[derive(Clone, Debug, Default)]
pub(super) struct AgreementForm {
    id: Option<AgreementId>,
    reference: String,
    title: String,
    partner: Option<PartnerId>,
    signed_on: String,
    status: Status,
    financial: bool,
    amount: String,
    currency: String,
    own: String,
    value_date: String,
    region: String,
    themes: Vec<(String, String)>,
    notes: String,
    errors: HashMap<&'static str, String>,
}

fn decimal_text(m: &Money) -> String {
    m.amount().to_string()
}

pub(super) fn parse_decimal(text: &str) -> Option<Decimal> {
    let cleaned: String = text
        .chars()
        .filter(|c| !matches!(c, ',' | ' ' | '\'' | '_'))
        .collect();
    Decimal::from_str(cleaned.trim()).ok()
}

impl AgreementForm {
    fn new(currency: Currency, period: &Period) -> AgreementForm {
        AgreementForm {
            signed_on: period.from.to_string(),
            financial: true,
            currency: currency.to_string(),
            region: "multi_regional".into(),
            themes: vec![(String::new(), "100".into())],
            ..AgreementForm::default()
        }
    }

    fn edit(a: &Agreement) -> AgreementForm {
        AgreementForm {
            id: Some(a.id),
            reference: a.reference.clone().unwrap_or_default(),
            title: a.title.clone(),
            partner: Some(a.partner_id),
            signed_on: a.signed_on.to_string(),
            status: a.status,
            financial: a.contribution.is_some(),
            amount: a
                .contribution
                .as_ref()
                .map(decimal_text)
                .unwrap_or_default(),
            currency: a
                .contribution
                .as_ref()
                .map(|m| m.currency.to_string())
                .unwrap_or_else(|| "USD".into()),
            own: a.own_part.as_ref().map(decimal_text).unwrap_or_default(),
            value_date: a.value_date.map(|d| d.to_string()).unwrap_or_default(),
            region: a.region.clone(),
            themes: a
                .themes
                .iter()
                .map(|s| (s.theme.clone(), crate::domain::bp_text(s.percent_bp)))
                .collect(),
            notes: a.notes.clone(),
            errors: HashMap::new(),
        }
    }

    /// A signed agreement prefilled from the deal `d`: its partner, title, ask, region and
    /// themes, signed on `signed_on`; the reference is the officer's to type.
    pub(super) fn from_deal(d: &Opportunity, signed_on: chrono::NaiveDate) -> AgreementForm {
        AgreementForm {
            title: d.title.clone(),
            partner: Some(d.partner_id),
            signed_on: signed_on.to_string(),
            status: Status::Signed,
            financial: d.ask.is_some(),
            amount: d.ask.as_ref().map(decimal_text).unwrap_or_default(),
            currency: d
                .ask
                .map_or_else(|| "USD".to_owned(), |m| m.currency.to_string()),
            region: d.region.clone(),
            themes: d
                .themes
                .iter()
                .map(|s| (s.theme.clone(), crate::domain::bp_text(s.percent_bp)))
                .collect(),
            ..AgreementForm::default()
        }
    }

    /// Shows `message` next to `field`, as a refusal found after [`AgreementForm::parse`].
    pub(super) fn refuse(&mut self, field: &'static str, message: String) {
        self.errors.insert(field, message);
    }

    /// The messages shown next to the fields.
    pub(super) fn errors(&self) -> &HashMap<&'static str, String> {
        &self.errors
    }

    /// The agreement the form describes, or the messages to show next to its fields.
    pub(super) fn parse(
        &mut self,
        lang: Lang,
        lists: &crate::domain::ReferenceLists,
    ) -> Option<Agreement> {
        let mut errors: HashMap<&'static str, String> = HashMap::new();
        let date = |text: &str| chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
        let signed_on = date(&self.signed_on);
        if signed_on.is_none() {
            errors.insert(
                "signed_on",
                t(lang, "A date as 2021-03-31", "日期格式：2021-03-31").into(),
            );
        }
        let value_date = if self.value_date.trim().is_empty() {
            None
        } else {
            let d = date(&self.value_date);
            if d.is_none() {
                errors.insert(
                    "value_date",
                    t(
                        lang,
                        "A date as 2021-03-31, or empty",
                        "日期格式：2021-03-31，或留空",
                    )
                    .into(),
                );
            }
            d
        };
        if self.partner.is_none() {
            errors.insert("partner", t(lang, "Choose a partner", "请选择伙伴").into());
        }
        let currency = Currency::from_str(self.currency.trim()).ok();
        if currency.is_none() {
            errors.insert(
                "currency",
                t(
                    lang,
                    "An ISO 4217 code such as USD",
                    "ISO 4217 货币代码，例如 USD",
                )
                .into(),
            );
        }
        let money =
            |text: &str, field: &'static str, errors: &mut HashMap<&'static str, String>| {
                if text.trim().is_empty() {
                    return None;
                }
                let cur = currency?;
                match parse_decimal(text).map(|d| Money::entered(d, cur)) {
                    Some(Ok(m)) => Some(m),
                    Some(Err(e)) => {
                        errors.insert(field, e.to_string());
                        None
                    }
                    None => {
                        errors.insert(
                            field,
                            t(lang, "A number such as 1800000.00", "数字，例如 1800000.00").into(),
                        );
                        None
                    }
                }
            };
        let contribution = if self.financial {
            let m = money(&self.amount, "contribution", &mut errors);
            if m.is_none() && !errors.contains_key("contribution") {
                errors.insert(
                    "contribution",
                    t(
                        lang,
                        "Enter the amount, or untick “financial”",
                        "请输入金额，或取消“财务捐款”",
                    )
                    .into(),
                );
            }
            m
        } else {
            None
        };
        let own_part = money(&self.own, "own_part", &mut errors);
        let themes = parse_themes(lang, &self.themes, &mut errors);
        let agreement = Agreement {
            id: self.id.unwrap_or(AgreementId(0)),
            reference: Some(self.reference.trim().to_owned()).filter(|r| !r.is_empty()),
            title: self.title.trim().to_owned(),
            partner_id: self.partner.unwrap_or(PartnerId(0)),
            signed_on: signed_on.unwrap_or_default(),
            status: self.status,
            contribution,
            value_date,
            own_part,
            region: self.region.clone(),
            themes,
            notes: self.notes.clone(),
        };
        if errors.is_empty() {
            for p in agreement.problems(lists) {
                errors.insert(p.field, p.message);
            }
        }
        self.errors = errors;
        self.errors.is_empty().then_some(agreement)
    }
}

impl AgreementsView {
    fn load_agreements(&mut self, s: &mut Shared) {
        // While an import is written with the ledger parked, the rows shown stay as they are.
        let (Some(revision), false) = (s.cache.revision, s.ledger.is_parked()) else {
            return;
        };
        let key = (revision, self.period.clone());
        if self.loaded.as_ref() == Some(&key) {
            return;
        }
        let filter = AgreementFilter {
            period: self.period.clone(),
            partner: None,
        };
        match s.ledger.agreements(&filter) {
            Ok(rows) => self.rows = rows,
            Err(e) => s.fail(&e.to_string()),
        }
        self.loaded = Some(key);
        self.visible_key = None;
    }

    fn matches_slice(&self, s: &Shared, a: &Agreement) -> bool {
        let Some(f) = &s.slice_filter else {
            return true;
        };
        if a.status != Status::Signed || a.contribution.is_none() {
            return false;
        }
        let unassigned = f.key == "unassigned";
        match f.chart {
            ChartKind::Cofunding | ChartKind::TopPartners | ChartKind::Pipeline => true,
            ChartKind::PartnerType => s.cache.partner(a.partner_id).is_some_and(|p| {
                p.partner_type == f.key || (unassigned && p.partner_type.is_empty())
            }),
            ChartKind::Region => a.region == f.key,
            ChartKind::Theme => {
                a.themes.iter().any(|s| s.theme == f.key) || (unassigned && a.themes.is_empty())
            }
        }
    }

    fn update_visible(&mut self, s: &mut Shared) {
        let key = format!(
            "{}|{:?}|{:?}|{:?}|{}",
            self.search, self.partner, s.slice_filter, self.sort, self.descending
        );
        if self.visible_key.as_ref() == Some(&key) {
            return;
        }
        let needle = self.search.to_lowercase();
        let name = |id: PartnerId| {
            s.cache
                .partner(id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        let mut visible: Vec<usize> = self
            .rows
            .iter()
            .enumerate()
            .filter(|(_, a)| self.partner.is_none_or(|p| a.partner_id == p))
            .filter(|(_, a)| self.matches_slice(s, a))
            .filter(|(_, a)| {
                needle.is_empty()
                    || a.title.to_lowercase().contains(&needle)
                    || a.reference
                        .as_deref()
                        .unwrap_or("")
                        .to_lowercase()
                        .contains(&needle)
                    || s.cache.partner(a.partner_id).is_some_and(|p| {
                        p.name.to_lowercase().contains(&needle)
                            || p.name_zh.as_deref().unwrap_or("").contains(&needle)
                    })
            })
            .map(|(i, _)| i)
            .collect();
        let rows = &self.rows;
        match self.sort {
            SortBy::Signed => visible.sort_by_key(|&i| rows[i].signed_on),
            SortBy::Reference => visible.sort_by_key(|&i| rows[i].reference.clone()),
            SortBy::Partner => visible.sort_by_key(|&i| name(rows[i].partner_id).to_lowercase()),
            SortBy::Amount => {
                visible.sort_by_key(|&i| rows[i].contribution.as_ref().map(|m| m.minor))
            }
        }
        if self.descending {
            visible.reverse();
        }
        self.visible = visible;
        self.visible_key = Some(key);
    }

    fn filters_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(t(lang, "Search", "搜索"));
            ui.add(egui::TextEdit::singleline(&mut self.search).desired_width(180.0))
                .labelled_by(label.id);
            let mut all_periods = self.period.is_none();
            let period_label = match &self.period {
                Some(p) => super::format::period_text(lang, p),
                None => t(lang, "All periods", "全部期间").to_owned(),
            };
            egui::ComboBox::from_id_salt("agreements-period")
                .selected_text(period_label)
                .show_ui(ui, |ui| {
                    if ui
                        .selectable_value(
                            &mut all_periods,
                            true,
                            t(lang, "All periods", "全部期间"),
                        )
                        .clicked()
                    {
                        self.period = None;
                    }
                    if ui
                        .selectable_label(!all_periods, super::format::period_text(lang, &s.period))
                        .clicked()
                    {
                        self.period = Some(s.period.clone());
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(egui::Role::ComboBox, true, t(lang, "Period", "期间"))
                });
            let partner_label = self
                .partner
                .and_then(|id| s.cache.partner(id))
                .map_or(t(lang, "All partners", "全部伙伴").to_owned(), |p| {
                    p.display_name(lang).to_owned()
                });
            egui::ComboBox::from_id_salt("agreements-partner")
                .selected_text(partner_label)
                .height(400.0)
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut self.partner,
                        None,
                        t(lang, "All partners", "全部伙伴"),
                    );
                    for p in &s.cache.partners {
                        ui.selectable_value(&mut self.partner, Some(p.id), p.display_name(lang));
                    }
                })
                .response
                .widget_info(|| {
                    egui::WidgetInfo::labeled(
                        egui::Role::ComboBox,
                        true,
                        t(lang, "Filter by partner", "按伙伴筛选"),
                    )
                });
            for (kind, en, zh) in [
                (ChartKind::PartnerType, "Type", "类型"),
                (ChartKind::Region, "Region", "区域"),
                (ChartKind::Theme, "Theme", "专题"),
            ] {
                let list = match kind {
                    ChartKind::PartnerType => ListKind::PartnerType,
                    ChartKind::Region => ListKind::Region,
                    _ => ListKind::Theme,
                };
                let current = s
                    .slice_filter
                    .as_ref()
                    .filter(|f| f.chart == kind)
                    .map_or(t(lang, en, zh).to_owned(), |f| f.label.clone());
                egui::ComboBox::from_id_salt(("agreements-filter", kind.slug()))
                    .selected_text(current)
                    .show_ui(ui, |ui| {
                        if ui.selectable_label(false, t(lang, "Any", "全部")).clicked() {
                            s.slice_filter = None;
                        }
                        for e in s.cache.lists.list(list) {
                            let on = s
                                .slice_filter
                                .as_ref()
                                .is_some_and(|f| f.chart == kind && f.key == e.key);
                            if ui.selectable_label(on, e.label(lang)).clicked() {
                                s.slice_filter = Some(super::state::SliceFilter {
                                    chart: kind,
                                    key: e.key.clone(),
                                    label: e.label(lang).to_owned(),
                                });
                            }
                        }
                    })
                    .response
                    .widget_info(|| {
                        egui::WidgetInfo::labeled(
                            egui::Role::ComboBox,
                            true,
                            format!("{} {}", t(lang, "Filter by", "筛选"), t(lang, en, zh)),
                        )
                    });
            }
            if let Some(f) = s.slice_filter.clone() {
                let chip = format!("{}: {}  ×", f.chart.title(lang), f.label);
                if ui
                    .button(chip)
                    .on_hover_text(t(lang, "Remove this filter", "移除此筛选"))
                    .clicked()
                {
                    s.slice_filter = None;
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(t(lang, "Add agreement…", "添加协议…")).clicked() {
                    let currency = s
                        .cache
                        .snapshot
                        .as_ref()
                        .map(|s| s.currency)
                        .unwrap_or_default();
                    self.form = Some(AgreementForm::new(currency, &s.period));
                }
            });
        });
    }

    /// The agreements page.
    pub(super) fn agreements_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        self.load_agreements(s);
        self.filters_ui(s, ui);
        self.update_visible(s);
        ui.label(
            RichText::new(format!(
                "{} / {} {}",
                count_text(self.visible.len()),
                count_text(self.rows.len()),
                t(lang, "agreements shown", "项协议显示中")
            ))
            .small()
            .color(color(palette::MUTED)),
        );
        let mut open: Option<usize> = None;
        let mut sort_clicked: Option<SortBy> = None;
        let header = |ui: &mut Ui,
                      text: &str,
                      by: Option<SortBy>,
                      sort: SortBy,
                      desc: bool|
         -> Option<SortBy> {
            let by = by?;
            let arrow = if by == sort {
                if desc { " ▼" } else { " ▲" }
            } else {
                ""
            };
            ui.add(egui::Button::new(RichText::new(format!("{text}{arrow}")).strong()).frame(false))
                .clicked()
                .then_some(by)
        };
        let (sort, desc) = (self.sort, self.descending);
        let row_height = 22.0;
        TableBuilder::new(ui)
            .striped(true)
            .sense(egui::Sense::click())
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(110.0).clip(true))
            .column(Column::initial(220.0).clip(true))
            .column(Column::initial(220.0).clip(true))
            .column(Column::initial(100.0))
            .column(Column::initial(80.0))
            .column(Column::initial(150.0))
            .column(Column::initial(160.0).clip(true))
            .column(Column::remainder().clip(true))
            .header(24.0, |mut h| {
                for (text, by) in [
                    (t(lang, "Reference", "编号"), Some(SortBy::Reference)),
                    (t(lang, "Partner", "伙伴"), Some(SortBy::Partner)),
                    (t(lang, "Title", "标题"), None),
                    (t(lang, "Signed", "签署日期"), Some(SortBy::Signed)),
                    (t(lang, "Status", "状态"), None),
                    (t(lang, "Contribution", "捐款"), Some(SortBy::Amount)),
                    (t(lang, "Region", "区域"), None),
                    (t(lang, "Themes", "专题"), None),
                ] {
                    h.col(|ui| {
                        if by.is_none() {
                            ui.label(RichText::new(text).strong());
                        } else if let Some(b) = header(ui, text, by, sort, desc) {
                            sort_clicked = Some(b);
                        }
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, self.visible.len(), |mut row| {
                    let Some(a) = self
                        .visible
                        .get(row.index())
                        .and_then(|&i| self.rows.get(i))
                    else {
                        return;
                    };
                    row.col(|ui| {
                        ui.label(a.reference.as_deref().unwrap_or("—"));
                    });
                    row.col(|ui| {
                        ui.label(
                            s.cache
                                .partner(a.partner_id)
                                .map_or("?", |p| p.display_name(lang)),
                        );
                    });
                    row.col(|ui| {
                        ui.label(&a.title);
                    });
                    row.col(|ui| {
                        ui.label(date_text(lang, a.signed_on));
                    });
                    row.col(|ui| {
                        ui.label(status_text(lang, a.status));
                    });
                    row.col(|ui| {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.label(a.contribution.as_ref().map_or_else(
                                || t(lang, "non-financial", "非财务").to_owned(),
                                |m| {
                                    format!(
                                        "{} {}",
                                        m.currency,
                                        amount_text(i128::from(m.minor), m.currency)
                                    )
                                },
                            ));
                        });
                    });
                    row.col(|ui| {
                        ui.label(s.cache.lists.label(ListKind::Region, &a.region, lang));
                    });
                    row.col(|ui| {
                        let themes: Vec<&str> = a
                            .themes
                            .iter()
                            .map(|t| s.cache.lists.label(ListKind::Theme, &t.theme, lang))
                            .collect();
                        ui.label(themes.join(", "));
                    });
                    if row.response().double_clicked() || row.response().clicked() {
                        open = Some(row.index());
                    }
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
        if let Some(i) = open
            && let Some(a) = self.visible.get(i).and_then(|&i| self.rows.get(i))
        {
            self.form = Some(AgreementForm::edit(a));
        }
        self.form_window(s, ui);
    }

    fn form_window(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let Some(mut form) = self.form.take() else {
            return;
        };
        let title = if form.id.is_some() {
            t(lang, "Edit agreement", "编辑协议")
        } else {
            t(lang, "New agreement", "新协议")
        };
        let mut armed = form.id.is_some() && self.confirm_delete == form.id;
        let action = form_window_ui(
            ui.ctx(),
            lang,
            title,
            520.0,
            &form.errors.clone(),
            form.id.is_some().then_some(&mut armed),
            |f| agreement_fields_ui(f, lang, &mut form, &s.cache),
            |_| {},
        );
        self.confirm_delete = form.id.filter(|_| armed);
        match action {
            FormAction::Save => {
                if let Some(a) = form.parse(lang, &s.cache.lists) {
                    s.commands.push(if form.id.is_some() {
                        Command::UpdateAgreement(Box::new(a))
                    } else {
                        Command::AddAgreement(Box::new(a))
                    });
                    return;
                }
            }
            FormAction::Cancel => return,
            FormAction::Delete => {
                if let Some(id) = form.id {
                    s.commands.push(Command::DeleteAgreement(id));
                }
                return;
            }
            FormAction::None => {}
        }
        self.form = Some(form);
    }
}

/// Theme rows as typed (theme key, percent) as shares; a single theme takes the whole. A
/// percentage that does not read is told under "themes".
pub(super) fn parse_themes(
    lang: Lang,
    rows: &[(String, String)],
    errors: &mut HashMap<&'static str, String>,
) -> Vec<ThemeShare> {
    let mut themes = Vec::new();
    for (theme, percent) in rows {
        if theme.is_empty() {
            continue;
        }
        match parse_decimal(percent).and_then(|d| {
            let bp = (d * Decimal::from(100)).normalize();
            (bp.scale() == 0)
                .then(|| u32::try_from(bp.mantissa()).ok())
                .flatten()
        }) {
            Some(bp) => themes.push(ThemeShare {
                theme: theme.clone(),
                percent_bp: bp,
            }),
            None => {
                errors.insert(
                    "themes",
                    t(
                        lang,
                        "Percentages such as 50 or 33.33",
                        "百分比，例如 50 或 33.33",
                    )
                    .into(),
                );
            }
        }
    }
    if themes.len() == 1
        && let Some(only) = themes.first_mut()
    {
        only.percent_bp = WHOLE_BP;
    }
    themes
}

/// The fields of the agreement form, as the agreements page and the signing of a deal lay
/// them out.
pub(super) fn agreement_fields_ui(
    f: &mut Fields<'_>,
    lang: Lang,
    form: &mut AgreementForm,
    cache: &Cache,
) {
    let lists = &cache.lists;
    let partners = cache
        .partners
        .iter()
        .map(|p| (Some(p.id), p.display_name(lang)));
    let regions = list_options(lists, ListKind::Region, lang);
    let themes = list_options(lists, ListKind::Theme, lang);
    let choose = t(lang, "Choose…", "请选择…");
    f.text(
        t(lang, "Reference", "编号"),
        "reference",
        &mut form.reference,
        None,
        None,
    );
    f.text(
        t(lang, "Title", "标题"),
        "title",
        &mut form.title,
        None,
        None,
    );
    f.choice(
        t(lang, "Partner", "伙伴"),
        "partner",
        &mut form.partner,
        partners,
        choose,
    );
    f.text(
        t(lang, "Signed on", "签署日期"),
        "signed_on",
        &mut form.signed_on,
        None,
        None,
    );
    f.row(t(lang, "Status", "状态"), &[], |ui| {
        ui.horizontal(|ui| {
            for s in [Status::Draft, Status::Signed, Status::Cancelled] {
                ui.selectable_value(&mut form.status, s, status_text(lang, s));
            }
        });
    });
    f.row(t(lang, "Financial", "财务捐款"), &[], |ui| {
        ui.checkbox(
            &mut form.financial,
            t(lang, "The partner contributes money", "伙伴提供资金"),
        );
    });
    let contribution = t(lang, "Contribution", "捐款");
    f.row(contribution, &["contribution", "currency"], |ui| {
        ui.horizontal(|ui| {
            let amount = egui::TextEdit::singleline(&mut form.amount).desired_width(160.0);
            labelled(
                ui.add_enabled(form.financial, amount),
                egui::Role::TextInput,
                contribution,
            );
            let currency = egui::TextEdit::singleline(&mut form.currency).desired_width(50.0);
            labelled(
                ui.add(currency),
                egui::Role::TextInput,
                t(lang, "Currency", "货币"),
            );
        });
    });
    let own = t(lang, "Own co-funding part", "本组织联合供资部分");
    f.text(own, "own_part", &mut form.own, Some(160.0), None);
    let hint = t(lang, "signing date", "默认为签署日期");
    f.text(
        t(lang, "Value date", "起息日"),
        "value_date",
        &mut form.value_date,
        None,
        Some(hint),
    );
    f.choice(
        t(lang, "Region", "区域"),
        "region",
        &mut form.region,
        regions,
        choose,
    );
    f.row(t(lang, "Themes (%)", "专题（%）"), &["themes"], |ui| {
        themes_ui(ui, lang, &mut form.themes, themes);
    });
    f.multiline(t(lang, "Notes", "备注"), "notes", &mut form.notes);
}

/// An agreement's themes with their percentages, one row each, with − and + theme.
pub(super) fn themes_ui<'t>(
    ui: &mut Ui,
    lang: Lang,
    rows: &mut Vec<(String, String)>,
    themes: impl Iterator<Item = (String, &'t str)> + Clone,
) {
    let mut remove = None;
    for (i, (theme, percent)) in rows.iter_mut().enumerate() {
        ui.push_id(i, |ui| {
            ui.horizontal(|ui| {
                choice_ui(
                    ui,
                    t(lang, "Theme", "专题"),
                    theme,
                    themes.clone(),
                    t(lang, "Choose…", "请选择…"),
                );
                let edit = egui::TextEdit::singleline(percent).desired_width(50.0);
                labelled(
                    ui.add(edit),
                    egui::Role::TextInput,
                    t(lang, "Percent", "百分比"),
                );
                if ui.small_button("−").clicked() {
                    remove = Some(i);
                }
            });
        });
    }
    if let Some(i) = remove {
        rows.remove(i);
    }
    if ui.small_button(t(lang, "+ theme", "+ 专题")).clicked() {
        rows.push((String::new(), String::new()));
    }
}

/// The status in `lang`.
pub fn status_text(lang: Lang, status: Status) -> &'static str {
    match status {
        Status::Draft => t(lang, "draft", "草案"),
        Status::Signed => t(lang, "signed", "已签署"),
        Status::Cancelled => t(lang, "cancelled", "已取消"),
    }
}
