//! The partners page: totals and agreement counts, editing type, country and aliases, and
//! merging two partners.

use egui::{RichText, Ui};
use egui_extras::{Column, TableBuilder};

use super::form::{FieldErrors, FormAction, choice_ui, form_window_ui, list_options};
use super::format::t;
use super::pie::color;
use super::state::Command;
use super::state::Shared;
use crate::chart::{amount_text, palette};
use crate::domain::{ListKind, Partner, PartnerId};

/// The partners page's state.
#[derive(Default)]
pub struct PartnersView {
    search: String,
    form: Option<PartnerForm>,
}

impl PartnersView {
    /// Opens the form on a new partner.
    pub fn start_new(&mut self) {
        self.form = Some(PartnerForm {
            partner: Partner {
                id: PartnerId(0),
                name: String::new(),
                name_zh: None,
                partner_type: "government".into(),
                country: None,
                aliases: Vec::new(),
            },
            name_zh: String::new(),
            country: String::new(),
            aliases: String::new(),
            merge_into: None,
            confirm_merge: false,
            errors: FieldErrors::new(),
        });
    }
}

struct PartnerForm {
    partner: Partner,
    name_zh: String,
    country: String,
    aliases: String,
    merge_into: Option<PartnerId>,
    confirm_merge: bool,
    errors: FieldErrors,
}

impl PartnerForm {
    /// The partner the form's fields describe.
    fn parsed(&self) -> Partner {
        let mut p = self.partner.clone();
        p.name = p.name.trim().to_owned();
        p.name_zh = Some(self.name_zh.trim().to_owned()).filter(|s| !s.is_empty());
        p.country = Some(self.country.trim().to_uppercase()).filter(|s| !s.is_empty());
        p.aliases = self
            .aliases
            .lines()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        p
    }

    fn edit(p: &Partner) -> PartnerForm {
        PartnerForm {
            partner: p.clone(),
            name_zh: p.name_zh.clone().unwrap_or_default(),
            country: p.country.clone().unwrap_or_default(),
            aliases: p.aliases.join("\n"),
            merge_into: None,
            confirm_merge: false,
            errors: FieldErrors::new(),
        }
    }
}

impl PartnersView {
    /// The partners page.
    pub(super) fn partners_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let totals = &s.cache.partner_totals;
        let currency = s
            .cache
            .snapshot
            .as_ref()
            .map(|s| s.currency)
            .unwrap_or_default();
        ui.horizontal(|ui| {
            let label = ui.label(t(lang, "Search", "搜索"));
            ui.add(egui::TextEdit::singleline(&mut self.search).desired_width(200.0))
                .labelled_by(label.id);
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button(t(lang, "Add a partner…", "添加伙伴…")).clicked() {
                    self.start_new();
                }
            });
        });
        let needle = self.search.to_lowercase();
        let shown: Vec<usize> = s
            .cache
            .partners
            .iter()
            .enumerate()
            .filter(|(_, p)| {
                needle.is_empty()
                    || p.name.to_lowercase().contains(&needle)
                    || p.name_zh.as_deref().unwrap_or("").contains(&needle)
                    || p.aliases.iter().any(|a| a.to_lowercase().contains(&needle))
            })
            .map(|(i, _)| i)
            .collect();
        let mut open = None;
        TableBuilder::new(ui)
            .striped(true)
            .sense(egui::Sense::click())
            .column(Column::initial(300.0).clip(true))
            .column(Column::initial(220.0).clip(true))
            .column(Column::initial(200.0).clip(true))
            .column(Column::initial(70.0))
            .column(Column::initial(90.0))
            .column(Column::initial(160.0))
            .column(Column::remainder().clip(true))
            .header(24.0, |mut h| {
                for text in [
                    t(lang, "Partner", "伙伴"),
                    t(lang, "Chinese name", "中文名称"),
                    t(lang, "Type", "类型"),
                    t(lang, "Country", "国家"),
                    t(lang, "Agreements", "协议数"),
                    t(lang, "Contributions", "捐款总额"),
                    t(lang, "Aliases", "别名"),
                ] {
                    h.col(|ui| {
                        ui.label(RichText::new(text).strong());
                    });
                }
            })
            .body(|body| {
                body.rows(22.0, shown.len(), |mut row| {
                    let Some(p) = shown
                        .get(row.index())
                        .and_then(|&i| s.cache.partners.get(i))
                    else {
                        return;
                    };
                    let total = totals.get(&p.id).copied().unwrap_or_default();
                    row.col(|ui| {
                        ui.label(&p.name);
                    });
                    row.col(|ui| {
                        ui.label(p.name_zh.as_deref().unwrap_or(""));
                    });
                    row.col(|ui| {
                        ui.label(
                            s.cache
                                .lists
                                .label(ListKind::PartnerType, &p.partner_type, lang),
                        );
                    });
                    row.col(|ui| {
                        ui.label(p.country.as_deref().unwrap_or(""));
                    });
                    row.col(|ui| {
                        ui.label(total.signed.to_string());
                    });
                    row.col(|ui| {
                        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                            ui.label(amount_text(total.amount_minor, currency));
                        });
                    });
                    row.col(|ui| {
                        ui.label(p.aliases.join(" · "));
                    });
                    if row.response().clicked() {
                        open = Some(p.clone());
                    }
                });
            });
        if let Some(p) = open {
            self.form = Some(PartnerForm::edit(&p));
        }
        self.partner_window(s, ui);
    }

    fn partner_window(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let Some(mut form) = self.form.take() else {
            return;
        };
        let editing = form.partner.id != PartnerId(0);
        let title = if editing {
            t(lang, "Edit partner", "编辑伙伴")
        } else {
            t(lang, "New partner", "新伙伴")
        };
        let types = list_options(&s.cache.lists, ListKind::PartnerType, lang);
        let this = form.partner.id;
        let others = s
            .cache
            .partners
            .iter()
            .filter(move |p| p.id != this)
            .map(|p| (Some(p.id), p.display_name(lang)));
        let mut merge = None;
        let action = form_window_ui(
            ui.ctx(),
            lang,
            title,
            440.0,
            &form.errors,
            None,
            |f| {
                f.text(
                    t(lang, "Name", "名称"),
                    "name",
                    &mut form.partner.name,
                    None,
                    None,
                );
                f.text(
                    t(lang, "Chinese name", "中文名称"),
                    "name_zh",
                    &mut form.name_zh,
                    None,
                    None,
                );
                let choose = t(lang, "Choose…", "请选择…");
                f.choice(
                    t(lang, "Type", "类型"),
                    "partner_type",
                    &mut form.partner.partner_type,
                    types,
                    choose,
                );
                let country = t(lang, "Country (ISO code)", "国家（ISO 代码）");
                f.text(country, "country", &mut form.country, Some(60.0), None);
                f.multiline(
                    t(lang, "Aliases, one per line", "别名（每行一个）"),
                    "aliases",
                    &mut form.aliases,
                );
            },
            |ui| {
                if !editing {
                    return;
                }
                ui.separator();
                ui.label(
                    RichText::new(t(lang, "Merge into another partner", "合并到另一个伙伴"))
                        .strong(),
                );
                ui.horizontal(|ui| {
                    let choose = t(lang, "Choose…", "请选择…");
                    choice_ui(
                        ui,
                        t(lang, "Merge into", "合并到"),
                        &mut form.merge_into,
                        others,
                        choose,
                    );
                    if let Some(into) = form.merge_into {
                        if form.confirm_merge {
                            let really = RichText::new(t(lang, "Really merge", "确认合并"))
                                .color(color(palette::ERROR));
                            if ui.button(really).clicked() {
                                merge = Some(into);
                            }
                        } else if ui.button(t(lang, "Merge…", "合并…")).clicked() {
                            form.confirm_merge = true;
                        }
                    }
                });
                ui.label(
                    RichText::new(t(
                        lang,
                        "The agreements move to the chosen partner; this name becomes one of its aliases.",
                        "协议将转到所选伙伴；此名称成为其别名。",
                    ))
                    .small()
                    .color(color(palette::MUTED)),
                );
            },
        );
        if let Some(into) = merge {
            s.commands.push(Command::MergePartners {
                from: form.partner.id,
                into,
            });
            return;
        }
        match action {
            FormAction::Save => {
                let p = form.parsed();
                if p.name.is_empty() {
                    form.errors.insert(
                        "name",
                        t(lang, "A partner needs a name.", "伙伴需要名称。").to_owned(),
                    );
                } else {
                    s.commands.push(if editing {
                        Command::UpdatePartner(Box::new(p))
                    } else {
                        Command::AddPartner(Box::new(p))
                    });
                    return;
                }
            }
            FormAction::Cancel | FormAction::Delete => return,
            FormAction::None => {}
        }
        self.form = Some(form);
    }
}
