//! The profile form of the prospects page: a funding partner's profile as text the user
//! types (themes and regions ticked from the reference lists; windows, gates and contacts
//! as rows added and removed), read back into a [`Prospect`] or into messages naming the
//! fields. Nothing is written until it reads whole: then the page pushes
//! [`Command::PutProspect`].

use chrono::NaiveDate;
use egui::{RichText, Ui};

use super::agreements::parse_decimal;
use super::form::{FieldErrors, Fields, FormAction, form_window_ui, labelled, list_options};
use super::format::t;
use super::pie::color;
use super::state::{Command, Shared};
use crate::chart::palette;
use crate::domain::{
    Contact, Currency, FundingWindow, Gate, Lang, ListKind, Money, Partner, PartnerId, Prospect,
    ReferenceLists, Ticket,
};

/// The width of the form's window.
const FORM_WIDTH: f32 = 900.0;
/// The width the theme and region boxes wrap at: the form's, less its labels' column.
const TICKS_WIDTH: f32 = 720.0;

/// A funding window as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct WindowRow {
    name: String,
    opens: String,
    closes: String,
    url: String,
}

impl WindowRow {
    fn is_blank(&self) -> bool {
        [&self.name, &self.opens, &self.closes, &self.url]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// An eligibility gate as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct GateRow {
    statement: String,
    met: Option<bool>,
}

/// The profile form, as text the user types.
#[derive(Clone, Debug, Default)]
pub(super) struct ProspectForm {
    /// The partner whose profile is edited; `None` for a new profile.
    editing: Option<PartnerId>,
    /// The partner chosen for a new profile.
    partner: Option<PartnerId>,
    /// A partner the new profile creates, instead of one chosen: its name and type key
    /// (empty until chosen).
    new_partner: Option<(String, String)>,
    /// Whether Delete… waits for its second click.
    confirm_delete: bool,
    themes: Vec<String>,
    regions: Vec<String>,
    keywords: String,
    excluded: String,
    min: String,
    typical: String,
    max: String,
    currency: String,
    windows: Vec<WindowRow>,
    gates: Vec<GateRow>,
    owner: String,
    contacts: Vec<Contact>,
    source: String,
    verified: String,
    errors: FieldErrors,
}

/// Adds `message` to those shown under `field`, a line each.
fn add(errors: &mut FieldErrors, field: &'static str, message: String) {
    errors
        .entry(field)
        .and_modify(|m| {
            m.push('\n');
            m.push_str(&message);
        })
        .or_insert(message);
}

/// Text split at commas and semicolons, trimmed, blanks dropped.
fn split_list(text: &str) -> impl Iterator<Item = &str> {
    text.split([',', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// A day typed as yyyy-mm-dd: `Ok(None)` when blank, `Err` when it does not read.
fn day(text: &str) -> Result<Option<NaiveDate>, ()> {
    match text.trim() {
        "" => Ok(None),
        d => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ()),
    }
}

fn day_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

impl ProspectForm {
    /// An empty profile, its ticket in `currency`.
    pub(super) fn new(currency: Currency) -> ProspectForm {
        ProspectForm {
            currency: currency.to_string(),
            ..ProspectForm::default()
        }
    }

    /// The form of the stored profile `p`.
    pub(super) fn edit(p: &Prospect, currency: Currency) -> ProspectForm {
        let amount = |m: Money| m.amount().normalize().to_string();
        ProspectForm {
            editing: Some(p.partner_id),
            partner: Some(p.partner_id),
            themes: p.themes.clone(),
            regions: p.regions.clone(),
            keywords: p.keywords.join(", "),
            excluded: p.excluded_countries.join(", "),
            min: p.ticket.map(|t| amount(t.min)).unwrap_or_default(),
            typical: p.ticket.map(|t| amount(t.typical)).unwrap_or_default(),
            max: p.ticket.map(|t| amount(t.max)).unwrap_or_default(),
            currency: p
                .ticket
                .map_or_else(|| currency.to_string(), |t| t.min.currency.to_string()),
            windows: p
                .windows
                .iter()
                .map(|w| WindowRow {
                    name: w.name.clone(),
                    opens: day_text(w.opens),
                    closes: day_text(w.closes),
                    url: w.url.clone(),
                })
                .collect(),
            gates: p
                .gates
                .iter()
                .map(|g| GateRow {
                    statement: g.statement.clone(),
                    met: g.met,
                })
                .collect(),
            owner: p.owner.clone(),
            contacts: p.contacts.clone(),
            source: p.source.clone(),
            verified: p.verified_on.map(day_text).unwrap_or_default(),
            errors: FieldErrors::new(),
            ..ProspectForm::default()
        }
    }

    /// Whether the form edits a stored profile.
    pub(super) fn is_edit(&self) -> bool {
        self.editing.is_some()
    }

    /// Shows the form's window; a profile that reads whole is pushed to be saved. Returns
    /// whether the form stays open.
    pub(super) fn window_ui(&mut self, s: &mut Shared, ui: &Ui, taken: &[PartnerId]) -> bool {
        let lang = s.lang;
        let title = if self.is_edit() {
            t(lang, "Edit profile", "编辑档案")
        } else {
            t(lang, "New profile", "新建档案")
        };
        let errors = self.errors.clone();
        let today = s.today();
        let mut confirm_delete = self.confirm_delete;
        let action = form_window_ui(
            ui.ctx(),
            lang,
            title,
            FORM_WIDTH,
            &errors,
            self.editing.is_some().then_some(&mut confirm_delete),
            |f| self.fields_ui(f, lang, s, taken, today),
            |_| {},
        );
        self.confirm_delete = confirm_delete;
        match action {
            FormAction::Save => match self.parse(lang, &s.cache.lists, &s.cache.partners) {
                Some((prospect, new_partner)) => {
                    s.commands.push(Command::PutProspect {
                        prospect: Box::new(prospect),
                        new_partner: new_partner.map(Box::new),
                    });
                    false
                }
                None => true,
            },
            FormAction::Delete => {
                if let Some(id) = self.editing {
                    s.commands.push(Command::DeleteProspect(id));
                }
                false
            }
            FormAction::Cancel => false,
            FormAction::None => true,
        }
    }

    /// The partner row of a new profile: a partner without a profile chosen, or, after
    /// "New partner…", the name and type of the partner the profile creates.
    fn partner_ui(&mut self, f: &mut Fields<'_>, lang: Lang, s: &Shared, taken: &[PartnerId]) {
        let partner_label = t(lang, "Partner", "伙伴");
        let choose = t(lang, "Choose…", "请选择…");
        if let Some((name, partner_type)) = &mut self.new_partner {
            let mut back = false;
            f.row(partner_label, &["partner"], |ui| {
                ui.horizontal(|ui| {
                    let edit = egui::TextEdit::singleline(name)
                        .hint_text(t(lang, "the new partner's name", "新伙伴名称"))
                        .desired_width(300.0);
                    labelled(
                        ui.add(edit),
                        egui::Role::TextInput,
                        t(lang, "New partner's name", "新伙伴名称"),
                    );
                    back = ui
                        .button(t(lang, "An existing partner…", "选择已有伙伴…"))
                        .clicked();
                });
            });
            let types = list_options(&s.cache.lists, ListKind::PartnerType, lang);
            f.choice(
                t(lang, "Partner type", "伙伴类型"),
                "partner_type",
                partner_type,
                types,
                choose,
            );
            if back {
                self.new_partner = None;
            }
            return;
        }
        // A partner has one profile: a new one is for a partner without.
        let partners = s
            .cache
            .partners
            .iter()
            .filter(|p| !taken.contains(&p.id))
            .map(|p| (Some(p.id), p.display_name(lang)));
        let mut new = false;
        f.row(partner_label, &["partner"], |ui| {
            ui.horizontal(|ui| {
                super::form::choice_ui(ui, partner_label, &mut self.partner, partners, choose);
                new = ui.button(t(lang, "New partner…", "新伙伴…")).clicked();
            });
        });
        if new {
            self.new_partner = Some((String::new(), String::new()));
        }
    }

    fn fields_ui(
        &mut self,
        f: &mut Fields<'_>,
        lang: Lang,
        s: &Shared,
        taken: &[PartnerId],
        today: NaiveDate,
    ) {
        let partner_label = t(lang, "Partner", "伙伴");
        match self.editing {
            Some(id) => {
                let name = s
                    .cache
                    .partner(id)
                    .map_or_else(|| format!("#{}", id.0), |p| p.display_name(lang).to_owned());
                f.row(partner_label, &["partner"], |ui| {
                    ui.label(RichText::new(name).strong());
                });
            }
            None => self.partner_ui(f, lang, s, taken),
        }
        let lists = &s.cache.lists;
        f.row(t(lang, "Themes", "专题"), &["themes"], |ui| {
            ticks_ui(ui, lang, lists, ListKind::Theme, &mut self.themes);
        });
        f.row(t(lang, "Regions", "区域"), &["regions"], |ui| {
            ticks_ui(ui, lang, lists, ListKind::Region, &mut self.regions);
        });
        f.text(
            t(lang, "Keywords", "关键词"),
            "keywords",
            &mut self.keywords,
            Some(560.0),
            Some(t(
                lang,
                "comma separated: 5G, rural broadband",
                "逗号分隔：5G, 农村宽带",
            )),
        );
        f.text(
            t(lang, "Excluded countries", "不资助的国家"),
            "excluded_countries",
            &mut self.excluded,
            Some(560.0),
            Some(t(
                lang,
                "ISO codes, comma separated: FR, KEN",
                "ISO 代码，逗号分隔：FR, KEN",
            )),
        );
        let ticket = t(lang, "Ticket", "额度");
        f.row(ticket, &["ticket", "currency"], |ui| {
            ui.horizontal(|ui| {
                for (value, en, zh, hint, width) in [
                    (
                        &mut self.min,
                        "Ticket min",
                        "最低额度",
                        t(lang, "min", "最低"),
                        110.0,
                    ),
                    (
                        &mut self.typical,
                        "Ticket typical",
                        "常见额度",
                        t(lang, "typical (middle)", "常见（默认居中）"),
                        130.0,
                    ),
                    (
                        &mut self.max,
                        "Ticket max",
                        "最高额度",
                        t(lang, "max", "最高"),
                        110.0,
                    ),
                    (
                        &mut self.currency,
                        "Ticket currency",
                        "额度货币",
                        "USD",
                        50.0,
                    ),
                ] {
                    let edit = egui::TextEdit::singleline(value)
                        .hint_text(hint)
                        .desired_width(width);
                    labelled(ui.add(edit), egui::Role::TextInput, t(lang, en, zh));
                }
            });
            ui.label(
                RichText::new(t(
                    lang,
                    "Min, typical (the middle when empty), max and currency; all empty: no ticket known.",
                    "最低、常见（留空则取中间值）、最高额度及货币；全部留空：额度未知。",
                ))
                .small()
                .color(color(palette::MUTED)),
            );
        });
        f.row(
            t(lang, "Funding windows", "征集窗口"),
            &["windows"],
            |ui| {
                self.windows_ui(ui, lang);
            },
        );
        f.row(
            t(lang, "Eligibility gates", "资格条件"),
            &["gates"],
            |ui| {
                self.gates_ui(ui, lang);
            },
        );
        f.text(
            t(lang, "Relationship owner", "关系负责人"),
            "owner",
            &mut self.owner,
            Some(300.0),
            None,
        );
        f.row(t(lang, "Contacts", "联系人"), &["contacts"], |ui| {
            self.contacts_ui(ui, lang);
        });
        f.text(
            t(lang, "Source", "来源"),
            "source",
            &mut self.source,
            Some(560.0),
            Some(t(lang, "where the profile comes from", "档案信息的来源")),
        );
        let verified = t(lang, "Last verified", "最近核实");
        f.row(verified, &["verified_on"], |ui| {
            ui.horizontal(|ui| {
                let edit = egui::TextEdit::singleline(&mut self.verified)
                    .hint_text("yyyy-mm-dd")
                    .desired_width(110.0);
                labelled(ui.add(edit), egui::Role::TextInput, verified);
                if ui.button(t(lang, "Today", "今天")).clicked() {
                    self.verified = day_text(today);
                }
            });
        });
    }

    fn windows_ui(&mut self, ui: &mut Ui, lang: Lang) {
        let widths = [220.0, 100.0, 100.0, 240.0];
        let mut remove = None;
        let heads = [
            t(lang, "Name", "名称"),
            t(lang, "Opens", "开始"),
            t(lang, "Closes", "截止"),
            t(lang, "URL", "网址"),
        ];
        rows_ui(
            ui,
            "profile-windows",
            &heads,
            &mut self.windows,
            |ui, i, w| {
                let n = i + 1;
                let cells = [
                    (&mut w.name, "Window name", "窗口名称", ""),
                    (&mut w.opens, "Opens", "开始日期", "yyyy-mm-dd"),
                    (&mut w.closes, "Closes", "截止日期", "yyyy-mm-dd"),
                    (&mut w.url, "URL", "网址", "https://"),
                ];
                for ((value, en, zh, hint), width) in cells.into_iter().zip(widths) {
                    let label = format!("{} {n}", t(lang, en, zh));
                    cell_ui(ui, value, &label, hint, width);
                }
                let label = format!("{} {n}", t(lang, "Remove window", "删除窗口"));
                if remove_button_ui(ui, &label) {
                    remove = Some(i);
                }
            },
        );
        if let Some(i) = remove {
            self.windows.remove(i);
        }
        if ui.small_button(t(lang, "+ window", "+ 窗口")).clicked() {
            self.windows.push(WindowRow::default());
        }
    }

    fn gates_ui(&mut self, ui: &mut Ui, lang: Lang) {
        let mut remove = None;
        for (i, g) in self.gates.iter_mut().enumerate() {
            let n = i + 1;
            ui.horizontal(|ui| {
                let label = format!("{} {n}", t(lang, "Gate", "条件"));
                let hint = t(lang, "co-funding of at least 20 %", "至少 20% 的联合供资");
                cell_ui(ui, &mut g.statement, &label, hint, 480.0);
                let met = [
                    (None, t(lang, "unknown", "未知")),
                    (Some(true), t(lang, "met", "满足")),
                    (Some(false), t(lang, "not met", "不满足")),
                ];
                let label = format!("{} {n}", t(lang, "Gate met", "是否满足条件"));
                let current = met
                    .iter()
                    .find(|(v, _)| *v == g.met)
                    .map_or("", |(_, text)| text);
                let response = egui::ComboBox::from_id_salt(("gate-met", i))
                    .selected_text(current)
                    .width(100.0)
                    .show_ui(ui, |ui| {
                        for (v, text) in met {
                            ui.selectable_value(&mut g.met, v, text);
                        }
                    })
                    .response;
                labelled(response, egui::Role::ComboBox, &label);
                let label = format!("{} {n}", t(lang, "Remove gate", "删除条件"));
                if remove_button_ui(ui, &label) {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.gates.remove(i);
        }
        if ui.small_button(t(lang, "+ gate", "+ 条件")).clicked() {
            self.gates.push(GateRow::default());
        }
    }

    fn contacts_ui(&mut self, ui: &mut Ui, lang: Lang) {
        let widths = [150.0, 150.0, 190.0, 120.0, 50.0];
        let mut remove = None;
        let heads = [
            t(lang, "Name", "姓名"),
            t(lang, "Role", "职务"),
            t(lang, "E-mail", "电子邮件"),
            t(lang, "Phone", "电话"),
            t(lang, "Language", "语言"),
        ];
        rows_ui(
            ui,
            "profile-contacts",
            &heads,
            &mut self.contacts,
            |ui, i, c| {
                let n = i + 1;
                let cells = [
                    (&mut c.name, "Contact name", "联系人姓名", ""),
                    (&mut c.role, "Contact role", "联系人职务", ""),
                    (&mut c.email, "Contact e-mail", "联系人电子邮件", ""),
                    (&mut c.phone, "Contact phone", "联系人电话", ""),
                    (&mut c.language, "Contact language", "联系语言", "en"),
                ];
                for ((value, en, zh, hint), width) in cells.into_iter().zip(widths) {
                    let label = format!("{} {n}", t(lang, en, zh));
                    cell_ui(ui, value, &label, hint, width);
                }
                let label = format!("{} {n}", t(lang, "Remove contact", "删除联系人"));
                if remove_button_ui(ui, &label) {
                    remove = Some(i);
                }
            },
        );
        if let Some(i) = remove {
            self.contacts.remove(i);
        }
        if ui.small_button(t(lang, "+ contact", "+ 联系人")).clicked() {
            self.contacts.push(Contact::default());
        }
    }

    /// The ticket typed: `None` when all its amounts are blank.
    fn ticket(&self, lang: Lang, errors: &mut FieldErrors) -> Option<Ticket> {
        let texts = [&self.min, &self.typical, &self.max];
        if texts.iter().all(|s| s.trim().is_empty()) {
            return None;
        }
        let currency = match self
            .currency
            .trim()
            .to_ascii_uppercase()
            .parse::<Currency>()
        {
            Ok(c) if c.is_iso_4217() => Some(c),
            _ => {
                add(
                    errors,
                    "currency",
                    t(
                        lang,
                        "Ticket currency: an ISO 4217 code such as USD",
                        "额度货币：ISO 4217 代码，例如 USD",
                    )
                    .into(),
                );
                None
            }
        };
        let mut amount = |text: &str, en: &'static str, zh: &'static str| -> Option<Money> {
            if text.trim().is_empty() {
                return None;
            }
            let name = t(lang, en, zh);
            let Some(d) = parse_decimal(text).filter(|d| !d.is_sign_negative()) else {
                let message = match lang {
                    Lang::En => {
                        format!("{name}: '{}' is not an amount such as 250000", text.trim())
                    }
                    Lang::Zh => format!("{name}：“{}”不是金额（例如 250000）", text.trim()),
                };
                add(errors, "ticket", message);
                return None;
            };
            match Money::entered(d, currency?) {
                Ok(m) => Some(m),
                Err(e) => {
                    add(errors, "ticket", format!("{name}: {e}"));
                    None
                }
            }
        };
        let min = amount(&self.min, "Ticket min", "最低额度");
        let typical = amount(&self.typical, "Ticket typical", "常见额度");
        let max = amount(&self.max, "Ticket max", "最高额度");
        if errors.contains_key("ticket") || currency.is_none() {
            return None;
        }
        let (Some(min), Some(max)) = (min, max) else {
            add(
                errors,
                "ticket",
                t(
                    lang,
                    "Ticket: give its min and max (the typical amount may be left empty)",
                    "额度：请填写最低和最高额度（常见额度可留空）",
                )
                .into(),
            );
            return None;
        };
        if min.minor > max.minor {
            let message = match lang {
                Lang::En => format!(
                    "Ticket: the min ({}) is above the max ({})",
                    self.min.trim(),
                    self.max.trim()
                ),
                Lang::Zh => format!(
                    "额度：最低额度（{}）高于最高额度（{}）",
                    self.min.trim(),
                    self.max.trim()
                ),
            };
            add(errors, "ticket", message);
            return None;
        }
        let typical = typical.unwrap_or_else(|| {
            Money::from_minor(min.minor + (max.minor - min.minor) / 2, min.currency)
        });
        Some(Ticket { min, typical, max })
    }

    fn windows(&self, lang: Lang, errors: &mut FieldErrors) -> Vec<FundingWindow> {
        let mut out = Vec::new();
        for (i, w) in self.windows.iter().enumerate() {
            if w.is_blank() {
                continue;
            }
            let row = format!("{} {}", t(lang, "Window", "窗口"), i + 1);
            let bad = |en: &'static str, zh: &'static str, errors: &mut FieldErrors| {
                let sep = t(lang, ": ", "：");
                add(errors, "windows", format!("{row}{sep}{}", t(lang, en, zh)));
            };
            if w.name.trim().is_empty() {
                bad("the name is missing", "缺少名称", errors);
            }
            let opens = day(&w.opens);
            let closes = day(&w.closes);
            if !matches!(opens, Ok(Some(_))) {
                bad(
                    "the opening day is not a date (yyyy-mm-dd)",
                    "开始日期不是日期（yyyy-mm-dd）",
                    errors,
                );
            }
            if !matches!(closes, Ok(Some(_))) {
                bad(
                    "the closing day is not a date (yyyy-mm-dd)",
                    "截止日期不是日期（yyyy-mm-dd）",
                    errors,
                );
            }
            let (Ok(Some(opens)), Ok(Some(closes))) = (opens, closes) else {
                continue;
            };
            if closes < opens {
                bad("it closes before it opens", "截止日期早于开始日期", errors);
                continue;
            }
            out.push(FundingWindow {
                name: w.name.trim().to_owned(),
                opens,
                closes,
                url: w.url.trim().to_owned(),
            });
        }
        out
    }

    fn gates(&self, lang: Lang, errors: &mut FieldErrors) -> Vec<Gate> {
        let mut out = Vec::new();
        for (i, g) in self.gates.iter().enumerate() {
            if g.statement.trim().is_empty() {
                if g.met.is_some() {
                    let message = match lang {
                        Lang::En => format!("Gate {}: the statement is missing", i + 1),
                        Lang::Zh => format!("条件 {}：缺少条件内容", i + 1),
                    };
                    add(errors, "gates", message);
                }
                continue;
            }
            out.push(Gate {
                statement: g.statement.trim().to_owned(),
                met: g.met,
            });
        }
        out
    }

    fn contacts(&self, lang: Lang, errors: &mut FieldErrors) -> Vec<Contact> {
        let mut out = Vec::new();
        for (i, c) in self.contacts.iter().enumerate() {
            let c = Contact {
                name: c.name.trim().to_owned(),
                role: c.role.trim().to_owned(),
                email: c.email.trim().to_owned(),
                phone: c.phone.trim().to_owned(),
                language: c.language.trim().to_owned(),
            };
            if c == Contact::default() {
                continue;
            }
            let n = i + 1;
            if c.name.is_empty() {
                let message = match lang {
                    Lang::En => format!("Contact {n}: the name is missing"),
                    Lang::Zh => format!("联系人 {n}：缺少姓名"),
                };
                add(errors, "contacts", message);
            }
            if !c.email.is_empty() && !c.email.contains('@') {
                let message = match lang {
                    Lang::En => format!("Contact {n}: '{}' is not an e-mail address", c.email),
                    Lang::Zh => format!("联系人 {n}：“{}”不是电子邮件地址", c.email),
                };
                add(errors, "contacts", message);
            }
            out.push(c);
        }
        out
    }

    /// The partner a new profile creates, when the form names one; its problems go to
    /// `errors` (a name is needed, not one the ledger has, and a type).
    fn new_partner(
        &self,
        lang: Lang,
        partners: &[Partner],
        errors: &mut FieldErrors,
    ) -> Option<Partner> {
        let (name, partner_type) = self.new_partner.as_ref()?;
        let name = name.trim();
        if name.is_empty() {
            errors.insert(
                "partner",
                t(lang, "The new partner needs a name", "新伙伴需要名称").into(),
            );
        } else if let Some(same) = partners.iter().find(|p| {
            p.name.to_lowercase() == name.to_lowercase()
                || p.aliases
                    .iter()
                    .any(|a| a.to_lowercase() == name.to_lowercase())
        }) {
            let message = match lang {
                Lang::En => format!(
                    "The ledger has a partner named '{}' already: choose it instead",
                    same.name
                ),
                Lang::Zh => format!("账本中已有伙伴“{}”：请改为选择它", same.name),
            };
            errors.insert("partner", message);
        }
        if partner_type.is_empty() {
            errors.insert(
                "partner_type",
                t(lang, "Choose the new partner's type", "请选择新伙伴的类型").into(),
            );
        }
        Some(Partner {
            id: PartnerId(0),
            name: name.to_owned(),
            name_zh: None,
            partner_type: partner_type.clone(),
            country: None,
            aliases: Vec::new(),
        })
    }

    /// The profile the form describes, with the partner it creates when it names a new one
    /// (the profile's partner id is then 0 until that partner is stored), or the messages
    /// to show next to its fields.
    pub(super) fn parse(
        &mut self,
        lang: Lang,
        lists: &ReferenceLists,
        partners: &[Partner],
    ) -> Option<(Prospect, Option<Partner>)> {
        let mut errors = FieldErrors::new();
        let new_partner = if self.editing.is_none() {
            self.new_partner(lang, partners, &mut errors)
        } else {
            None
        };
        let partner = self.editing.or(self.partner);
        if partner.is_none() && new_partner.is_none() {
            errors.insert("partner", t(lang, "Choose a partner", "请选择伙伴").into());
        }
        let mut excluded = Vec::new();
        for code in split_list(&self.excluded) {
            if (2..=3).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphabetic()) {
                excluded.push(code.to_ascii_uppercase());
            } else {
                let message = match lang {
                    Lang::En => format!(
                        "Excluded countries: '{code}' is not an ISO country code (such as FR or FRA)"
                    ),
                    Lang::Zh => {
                        format!("不资助的国家：“{code}”不是 ISO 国家代码（例如 FR 或 FRA）")
                    }
                };
                add(&mut errors, "excluded_countries", message);
            }
        }
        let ticket = self.ticket(lang, &mut errors);
        let windows = self.windows(lang, &mut errors);
        let gates = self.gates(lang, &mut errors);
        let contacts = self.contacts(lang, &mut errors);
        let verified_on = day(&self.verified).unwrap_or_else(|()| {
            errors.insert(
                "verified_on",
                t(
                    lang,
                    "Last verified: a date as 2024-06-30, or empty",
                    "最近核实：日期格式 2024-06-30，或留空",
                )
                .into(),
            );
            None
        });
        let prospect = Prospect {
            partner_id: if new_partner.is_some() {
                PartnerId(0)
            } else {
                partner.unwrap_or(PartnerId(0))
            },
            themes: self.themes.clone(),
            regions: self.regions.clone(),
            keywords: split_list(&self.keywords).map(str::to_owned).collect(),
            excluded_countries: excluded,
            ticket,
            windows,
            gates,
            owner: self.owner.trim().to_owned(),
            contacts,
            source: self.source.trim().to_owned(),
            verified_on,
        };
        for p in prospect.problems(lists) {
            errors.entry(p.field).or_insert(p.message);
        }
        self.errors = errors;
        self.errors.is_empty().then_some((prospect, new_partner))
    }
}

/// The entries of list `kind` as boxes to tick, each named "Theme: …" or "Region: …" (the
/// prospects page has boxes of its own with the bare names).
fn ticks_ui(
    ui: &mut Ui,
    lang: Lang,
    lists: &ReferenceLists,
    kind: ListKind,
    keys: &mut Vec<String>,
) {
    let kind_name = match kind {
        ListKind::Theme => t(lang, "Theme", "专题"),
        ListKind::Region => t(lang, "Region", "区域"),
        ListKind::PartnerType => t(lang, "Partner type", "伙伴类型"),
    };
    ui.set_max_width(TICKS_WIDTH);
    ui.horizontal_wrapped(|ui| {
        for e in lists.list(kind) {
            let mut on = keys.contains(&e.key);
            let response = ui.checkbox(&mut on, e.label(lang));
            let label = format!("{kind_name}{}{}", t(lang, ": ", "："), e.label(lang));
            if labelled(response, egui::Role::CheckBox, &label).changed() {
                if on {
                    keys.push(e.key.clone());
                } else {
                    keys.retain(|k| *k != e.key);
                }
            }
        }
        // A key the lists no longer hold stays shown, to be unticked.
        let unknown: Vec<String> = keys
            .iter()
            .filter(|k| lists.entry(kind, k).is_none())
            .cloned()
            .collect();
        for k in unknown {
            let mut on = true;
            let response = ui.checkbox(&mut on, &k);
            let label = format!("{kind_name}{}{k}", t(lang, ": ", "："));
            if labelled(response, egui::Role::CheckBox, &label).changed() && !on {
                keys.retain(|x| *x != k);
            }
        }
    });
}

/// A text field of a list's row, exactly `width_px` wide, named `label`.
fn cell_ui(ui: &mut Ui, value: &mut String, label: &str, hint: &str, width_px: f32) {
    let edit = egui::TextEdit::singleline(value).hint_text(hint);
    let response = ui.add_sized([width_px, ui.spacing().interact_size.y], edit);
    labelled(response, egui::Role::TextInput, label);
}

/// A list's rows in a grid under its column heads (none while the list is empty); `row`
/// lays out the fields of the row `i`, a column each.
fn rows_ui<T>(
    ui: &mut Ui,
    id: &str,
    heads: &[&str],
    rows: &mut [T],
    mut row: impl FnMut(&mut Ui, usize, &mut T),
) {
    if rows.is_empty() {
        return;
    }
    egui::Grid::new(id)
        .num_columns(heads.len() + 1)
        .spacing([6.0, 4.0])
        .show(ui, |ui| {
            for head in heads {
                ui.label(RichText::new(*head).small().color(color(palette::MUTED)));
            }
            ui.end_row();
            for (i, r) in rows.iter_mut().enumerate() {
                row(ui, i, r);
                ui.end_row();
            }
        });
}

/// A row's "−" button, named `label`; whether it was clicked.
fn remove_button_ui(ui: &mut Ui, label: &str) -> bool {
    let response = ui.small_button("−").on_hover_text(label);
    labelled(response, egui::Role::Button, label).clicked()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ProspectForm {
        ProspectForm {
            partner: Some(PartnerId(1)),
            themes: vec!["cybersecurity".into()],
            regions: vec!["africa".into()],
            ..ProspectForm::new(Currency::USD)
        }
    }

    #[test]
    fn the_typical_amount_defaults_to_the_middle_and_all_blank_is_no_ticket() {
        let lists = ReferenceLists::defaults();
        let mut f = form();
        assert_eq!(
            f.parse(Lang::En, &lists, &[]).and_then(|(p, _)| p.ticket),
            None
        );
        f.min = "100000".into();
        f.max = "300,000".into();
        let ticket = f.parse(Lang::En, &lists, &[]).and_then(|(p, _)| p.ticket);
        assert_eq!(ticket.map(|t| t.typical.minor), Some(20_000_000));
    }

    #[test]
    fn bad_input_names_its_field() {
        let lists = ReferenceLists::defaults();
        let mut f = form();
        f.min = "500000".into();
        f.max = "100000".into();
        f.excluded = "FR, 12".into();
        f.verified = "yesterday".into();
        f.windows.push(WindowRow {
            name: "Call".into(),
            opens: "2024-06-01".into(),
            closes: "2024-03-01".into(),
            url: String::new(),
        });
        f.contacts.push(Contact {
            email: "nobody".into(),
            ..Contact::default()
        });
        assert!(f.parse(Lang::En, &lists, &[]).is_none());
        let mut fields: Vec<_> = f.errors.keys().copied().collect();
        fields.sort_unstable();
        assert_eq!(
            fields,
            [
                "contacts",
                "excluded_countries",
                "ticket",
                "verified_on",
                "windows"
            ]
        );
        assert_eq!(
            f.errors.get("ticket").map(String::as_str),
            Some("Ticket: the min (500000) is above the max (100000)")
        );
        assert!(f.errors["contacts"].contains("the name is missing"));
        assert!(f.errors["contacts"].contains("'nobody' is not an e-mail address"));
        f.currency = "XYZ".into();
        f.max = "900000".into();
        assert!(f.parse(Lang::En, &lists, &[]).is_none());
        assert!(f.errors.contains_key("currency"));
    }

    #[test]
    fn a_stored_profile_reads_back_unchanged() {
        let lists = ReferenceLists::defaults();
        let mut f = form();
        f.min = "100000".into();
        f.typical = "150000".into();
        f.max = "300000".into();
        f.keywords = "5G, rural broadband".into();
        f.gates.push(GateRow {
            statement: "co-funding".into(),
            met: Some(true),
        });
        f.windows.push(WindowRow {
            name: "Call".into(),
            opens: "2024-01-01".into(),
            closes: "2024-03-01".into(),
            url: "https://example.org".into(),
        });
        f.verified = "2024-02-02".into();
        let p = f.parse(Lang::En, &lists, &[]).map(|(p, _)| p);
        let Some(p) = p else {
            panic!("{:?}", f.errors);
        };
        let mut again = ProspectForm::edit(&p, Currency::USD);
        assert_eq!(again.parse(Lang::En, &lists, &[]).map(|(p, _)| p), Some(p));
    }
}
