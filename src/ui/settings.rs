//! Settings: language, reporting currency, the report PDF's optional pipeline section, the
//! chance of signing each stage gives a deal, exchange rates, and the reference lists in
//! both languages.

use std::str::FromStr;

use egui::{RichText, Ui};

use super::agreements::parse_decimal;
use super::form::labelled;
use super::format::t;
use super::pie::color;
use super::state::Command;
use super::state::Shared;
use crate::chart::{palette, stage_label};
use crate::domain::{
    Currency, ExchangeRate, Lang, ListKind, Organisation, RefEntry, ReferenceLists, Stage,
    StageProbabilities, bp_text,
};

/// The settings page's state: drafts of what the user is typing.
#[derive(Default)]
pub struct SettingsView {
    currency: String,
    /// The organisation's name and short name, as typed; read from the ledger when `None`.
    org: Option<Organisation>,
    rate_currency: String,
    rate_date: String,
    rate_value: String,
    lists: Option<ReferenceLists>,
    new_key: [String; 3],
    error: Option<String>,
    /// The stages' chances of signing as typed (percent, like [`Stage::ALL`]), and the
    /// revision they were read at: read again when the ledger moves.
    probabilities: Option<(u64, Vec<String>)>,
    /// Why the chances typed were refused.
    probabilities_error: Option<String>,
}

const KINDS: [(ListKind, &str, &str); 3] = [
    (ListKind::PartnerType, "Partner types", "伙伴类型"),
    (ListKind::Region, "Regions", "区域"),
    (ListKind::Theme, "Thematic priorities", "专题优先事项"),
];

impl SettingsView {
    /// The settings page.
    pub(super) fn settings_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let currency = s
            .cache
            .snapshot
            .as_ref()
            .map(|s| s.currency)
            .unwrap_or_default();
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading(t(lang, "Language", "语言"));
            ui.horizontal(|ui| {
                for (l, name) in [(Lang::En, "English"), (Lang::Zh, "中文")] {
                    if ui.radio(s.lang == l, name).clicked() {
                        s.commands.push(Command::SetLang(l));
                    }
                }
            });
            ui.add_space(10.0);
            ui.heading(t(lang, "Reporting currency", "报告货币"));
            ui.horizontal(|ui| {
                if self.currency.is_empty() {
                    self.currency = currency.to_string();
                }
                let edit = egui::TextEdit::singleline(&mut self.currency).desired_width(60.0);
                labelled(
                    ui.add(edit),
                    egui::Role::TextInput,
                    t(lang, "Reporting currency", "报告货币"),
                );
                if ui.button(t(lang, "Set", "设置")).clicked() {
                    match Currency::from_str(self.currency.trim()) {
                        Ok(c) => s.commands.push(Command::SetCurrency(c)),
                        Err(e) => self.error = Some(e.to_string()),
                    }
                }
            });
            ui.add_space(10.0);
            ui.heading(t(lang, "Report PDF", "报告 PDF"));
            ui.checkbox(
                &mut s.pdf_pipeline,
                t(
                    lang,
                    "Add a section on the pipeline of open deals",
                    "添加进行中洽谈（筹资渠道）一节",
                ),
            );
            ui.label(
                RichText::new(t(
                    lang,
                    "Kept on this computer for every ledger; off unless ticked.",
                    "保存在本机，适用于所有账本；默认不添加。",
                ))
                .small()
                .color(color(palette::MUTED)),
            );
            ui.add_space(10.0);
            self.probabilities_ui(s, ui);
            ui.add_space(10.0);
            self.organisation_ui(s, ui);
            ui.add_space(10.0);
            self.rates_ui(s, ui, currency);
            ui.add_space(10.0);
            self.lists_ui(s, ui);
            if let Some(e) = &self.error {
                ui.label(RichText::new(e).color(color(palette::ERROR)));
            }
        });
    }

    /// The default chance of signing of each stage: what a deal without its own figure is
    /// weighted with on the pipeline.
    fn probabilities_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        ui.heading(t(lang, "Chance of signing by stage", "各阶段的签署概率"));
        let revision = s.cache.revision.unwrap_or(0);
        let stale = !matches!(&self.probabilities, Some((r, _)) if *r == revision);
        if stale && !s.ledger.is_parked() {
            match s.ledger.stage_probabilities() {
                Ok(p) => {
                    let typed = p.0.iter().map(|bp| bp_text(*bp)).collect();
                    self.probabilities = Some((revision, typed));
                }
                Err(e) => self.probabilities_error = Some(e.to_string()),
            }
        }
        let Some((_, typed)) = self.probabilities.as_mut() else {
            return;
        };
        egui::Grid::new("stage-probabilities")
            .num_columns(3)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                for (stage, value) in Stage::ALL.iter().zip(typed.iter_mut()) {
                    ui.label(stage_label(*stage, lang));
                    let edit = egui::TextEdit::singleline(value).desired_width(60.0);
                    let label = format!("{} (%)", stage_label(*stage, lang));
                    labelled(ui.add(edit), egui::Role::TextInput, &label);
                    ui.label("%");
                    ui.end_row();
                }
            });
        ui.label(
            RichText::new(t(
                lang,
                "A deal without a probability of its own is weighted with its stage's.",
                "未单独设定概率的洽谈按其所处阶段的概率加权。",
            ))
            .small()
            .color(color(palette::MUTED)),
        );
        if ui
            .button(t(lang, "Save the probabilities", "保存概率"))
            .clicked()
        {
            match parse_probabilities(lang, typed) {
                Ok(p) => {
                    self.probabilities_error = None;
                    s.commands.push(Command::SetStageProbabilities(p));
                }
                Err(e) => self.probabilities_error = Some(e),
            }
        }
        if let Some(e) = &self.probabilities_error {
            ui.label(RichText::new(e).color(color(palette::ERROR)));
        }
    }

    /// The organisation's names, which the importer reads in headers of its own part
    /// ("ITU co-funding", "Part de l'UIT").
    fn organisation_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        ui.heading(t(lang, "Organisation", "本组织"));
        if self.org.is_none() && !s.ledger.is_parked() {
            self.org = Some(s.ledger.organisation().unwrap_or_default());
        }
        let Some(org) = self.org.as_mut() else {
            return;
        };
        egui::Grid::new("organisation")
            .num_columns(2)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                for (value, en, zh) in [
                    (&mut org.name, "Name", "名称"),
                    (&mut org.short_name, "Short name", "简称"),
                ] {
                    let label = ui.label(t(lang, en, zh));
                    ui.add(egui::TextEdit::singleline(value).desired_width(420.0))
                        .labelled_by(label.id);
                    ui.end_row();
                }
            });
        ui.label(
            RichText::new(t(
                lang,
                "Separate spellings in several languages with “;”. Imports read columns such as “ITU co-funding” as the organisation's own part.",
                "多种语言的写法用“;”分隔。导入时，“国际电联出资”等列被读作本组织出资。",
            ))
            .small()
            .color(color(palette::MUTED)),
        );
        if ui.button(t(lang, "Save the names", "保存名称")).clicked() {
            if org.name.trim().is_empty() || org.short_name.trim().is_empty() {
                self.error = Some(
                    t(
                        lang,
                        "The organisation's name and short name cannot be blank.",
                        "本组织的名称和简称不能为空。",
                    )
                    .into(),
                );
            } else {
                self.error = None;
                s.commands.push(Command::SetOrganisation(org.clone()));
            }
        }
    }

    fn rates_ui(&mut self, s: &mut Shared, ui: &mut Ui, currency: Currency) {
        let lang = s.lang;
        ui.heading(t(lang, "Exchange rates", "汇率"));
        let rates = s.cache.rates.clone();
        egui::Grid::new("rates")
            .striped(true)
            .num_columns(3)
            .show(ui, |ui| {
                ui.label(RichText::new(t(lang, "Currency", "货币")).strong());
                ui.label(RichText::new(t(lang, "In force from", "生效日期")).strong());
                ui.label(RichText::new(t(lang, "Rate", "汇率")).strong());
                ui.end_row();
                for r in &rates {
                    ui.label(format!("{} → {}", r.currency, r.quote));
                    ui.label(r.valid_from.to_string());
                    ui.label(r.rate.to_string());
                    ui.end_row();
                }
            });
        ui.horizontal(|ui| {
            ui.label(t(lang, "1 unit of", "1 单位"));
            labelled(
                ui.add(
                    egui::TextEdit::singleline(&mut self.rate_currency)
                        .hint_text("CHF")
                        .desired_width(50.0),
                ),
                egui::Role::TextInput,
                t(lang, "Rate: currency", "汇率：货币"),
            );
            ui.label(format!("= ? {currency} {}", t(lang, "from", "自")));
            labelled(
                ui.add(
                    egui::TextEdit::singleline(&mut self.rate_date)
                        .hint_text("2021-01-01")
                        .desired_width(90.0),
                ),
                egui::Role::TextInput,
                t(lang, "Rate: in force from", "汇率：生效日期"),
            );
            labelled(
                ui.add(
                    egui::TextEdit::singleline(&mut self.rate_value)
                        .hint_text("1.0925")
                        .desired_width(80.0),
                ),
                egui::Role::TextInput,
                t(lang, "Rate: value", "汇率：数值"),
            );
            if ui.button(t(lang, "Add rate", "添加汇率")).clicked() {
                let parsed = (|| {
                    let from =
                        Currency::from_str(self.rate_currency.trim()).map_err(|e| e.to_string())?;
                    let date = chrono::NaiveDate::parse_from_str(self.rate_date.trim(), "%Y-%m-%d")
                        .map_err(|_| {
                            t(
                                lang,
                                "The date must read 2021-01-01",
                                "日期格式应为 2021-01-01",
                            )
                            .to_owned()
                        })?;
                    let rate =
                        rust_decimal::Decimal::from_str(self.rate_value.trim()).map_err(|_| {
                            t(lang, "The rate must be a number", "汇率必须是数字").to_owned()
                        })?;
                    Ok::<_, String>(ExchangeRate {
                        currency: from,
                        quote: currency,
                        valid_from: date,
                        rate,
                    })
                })();
                match parsed {
                    Ok(rate) => {
                        s.commands.push(Command::SetRate(rate));
                        self.error = None;
                    }
                    Err(e) => self.error = Some(e),
                }
            }
        });
    }

    fn lists_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let lang = s.lang;
        let lists = self.lists.get_or_insert_with(|| s.cache.lists.clone());
        for (n, (kind, en, zh)) in KINDS.into_iter().enumerate() {
            ui.heading(t(lang, en, zh));
            egui::Grid::new(("list", kind.as_str()))
                .striped(true)
                .num_columns(4)
                .show(ui, |ui| {
                    ui.label(RichText::new(t(lang, "Key", "键")).strong());
                    ui.label(RichText::new("English").strong());
                    ui.label(RichText::new("中文").strong());
                    ui.label(
                        RichText::new(t(lang, "Synonyms (comma separated)", "同义词（逗号分隔）"))
                            .strong(),
                    );
                    ui.end_row();
                    for e in lists.list_mut(kind).iter_mut() {
                        ui.label(&e.key);
                        let key = e.key.clone();
                        let cell = |ui: &mut Ui, value: &mut String, what: &str| {
                            let edit = egui::TextEdit::singleline(value);
                            labelled(
                                ui.add(edit),
                                egui::Role::TextInput,
                                &format!("{key}: {what}"),
                            )
                        };
                        cell(ui, &mut e.label_en, "English");
                        cell(ui, &mut e.label_zh, "中文");
                        let mut synonyms = e.synonyms.join(", ");
                        let what = t(lang, "synonyms", "同义词");
                        if cell(ui, &mut synonyms, what).changed() {
                            e.synonyms = synonyms
                                .split(',')
                                .map(str::trim)
                                .filter(|s| !s.is_empty())
                                .map(str::to_owned)
                                .collect();
                        }
                        ui.end_row();
                    }
                });
            {
                ui.horizontal(|ui| {
                    let key = &mut self.new_key[n];
                    labelled(
                        ui.add(
                            egui::TextEdit::singleline(key)
                                .hint_text(t(lang, "new_key", "新键"))
                                .desired_width(140.0),
                        ),
                        egui::Role::TextInput,
                        &format!("{}: {}", t(lang, en, zh), t(lang, "new key", "新键")),
                    );
                    if ui.button(t(lang, "Add entry", "添加条目")).clicked()
                        && !key.trim().is_empty()
                    {
                        let k = key.trim().to_lowercase().replace(' ', "_");
                        if !lists.list(kind).iter().any(|e| e.key == k) {
                            lists.list_mut(kind).push(RefEntry {
                                key: k.clone(),
                                label_en: k.replace('_', " "),
                                label_zh: String::new(),
                                iati_code: None,
                                synonyms: Vec::new(),
                            });
                        }
                        key.clear();
                    }
                });
            }
            ui.add_space(8.0);
        }
        let (save, discard) = ui
            .horizontal(|ui| {
                (
                    ui.button(t(lang, "Save lists", "保存列表")).clicked(),
                    ui.button(t(lang, "Discard changes", "放弃更改")).clicked(),
                )
            })
            .inner;
        if save {
            s.commands
                .push(Command::ReplaceLists(Box::new(lists.clone())));
            self.lists = None;
        }
        if discard {
            self.lists = None;
        }
    }
}

/// The chances typed (percent, like [`Stage::ALL`]) in hundredths of a percent, or the
/// first one refused, its stage named.
fn parse_probabilities(lang: Lang, typed: &[String]) -> Result<StageProbabilities, String> {
    let mut out = StageProbabilities::default();
    for ((stage, text), bp) in Stage::ALL.iter().zip(typed).zip(out.0.iter_mut()) {
        let text = text.trim().trim_end_matches('%').trim();
        let read = parse_decimal(text).and_then(|d| {
            let hundredths = (d * rust_decimal::Decimal::from(100)).normalize();
            (hundredths.scale() == 0 && !hundredths.is_sign_negative())
                .then(|| u32::try_from(hundredths.mantissa()).ok())
                .flatten()
        });
        let name = stage_label(*stage, lang);
        match read {
            Some(v) if v <= 10_000 => *bp = v,
            Some(_) => {
                return Err(match lang {
                    Lang::En => format!("{name}: {text} % is not between 0 and 100 %"),
                    Lang::Zh => format!("{name}：{text}% 不在 0 到 100% 之间"),
                });
            }
            None => {
                return Err(match lang {
                    Lang::En => format!("{name}: '{text}' is not a percentage such as 35"),
                    Lang::Zh => format!("{name}：“{text}”不是百分比（例如 35）"),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probabilities_are_read_in_percent_and_refused_with_their_stage() {
        let mut typed: Vec<String> = StageProbabilities::default()
            .0
            .iter()
            .map(|bp| bp_text(*bp))
            .collect();
        assert_eq!(
            parse_probabilities(Lang::En, &typed),
            Ok(StageProbabilities::default())
        );
        typed[4] = "62.5 %".into();
        assert_eq!(
            parse_probabilities(Lang::En, &typed).map(|p| p.of(Stage::Negotiation)),
            Ok(6250)
        );
        typed[1] = "120".into();
        assert_eq!(
            parse_probabilities(Lang::En, &typed),
            Err("Contacted: 120 % is not between 0 and 100 %".into())
        );
        typed[1] = "-5".into();
        assert!(parse_probabilities(Lang::En, &typed).is_err());
    }
}
