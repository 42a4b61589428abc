//! The prospects page: the funding partners' profiles, and the match tool that ranks them
//! for a project idea (themes, region, amount, deadline) with every factor of each score and
//! its reason shown. The profiles are read once per ledger revision; a ranking is computed
//! when the idea or the ledger changes, not every frame. "New profile…" and a click on a
//! profile's row open the profile form (`prospect_form.rs`).

use chrono::NaiveDate;
use egui::{RichText, Sense, Ui};
use egui_extras::{Column, TableBuilder};

use super::form::{choice_ui, labelled, list_options};
use super::format::t;
use super::pie::color;
use super::prospect_form::ProspectForm;
use super::state::Shared;
use crate::chart::palette;
use crate::domain::{Currency, Lang, ListKind, Money, PartnerId, Prospect, RateTable};
use crate::import::parse_number;
use crate::report::{Concept, MatchInput, rank};

/// How many prospects a ranking shows.
const SHOWN: usize = 20;

/// One prospect of a ranking as shown: its row in the profiles, its score, its factors
/// (name, points, most, why) and whether its profile is stale.
struct Row {
    prospect: usize,
    score: i32,
    factors: Vec<(&'static str, i32, i32, String)>,
    stale: bool,
}

/// What a ranking was computed from: the ledger revision, the idea and the language.
type RankKey = (
    u64,
    Vec<String>,
    String,
    Money,
    Option<NaiveDate>,
    NaiveDate,
    Lang,
);

/// The profiles and the rates as read, or why they could not be.
type Loaded = Result<(Vec<Prospect>, RateTable), String>;

/// The prospects page's state.
#[derive(Default)]
pub struct ProspectsView {
    /// Theme keys of the idea.
    themes: Vec<String>,
    /// Region key of the idea.
    region: String,
    /// The amount needed, as typed.
    amount: String,
    /// Its currency, as typed (the reporting one when empty).
    currency: String,
    /// The deadline, as typed.
    by: String,
    /// The day to rank on, as typed (today when empty).
    as_of: String,
    /// The profiles and rates, read at a revision.
    loaded: Option<(u64, Loaded)>,
    /// The last ranking and what it was computed from.
    ranked: Option<(RankKey, Vec<Row>)>,
    /// The profile form, when open.
    form: Option<ProspectForm>,
}

impl ProspectsView {
    /// The idea typed, or the first thing wrong with it (`None` while nothing is asked).
    fn concept(&self, lang: Lang, reporting: Currency) -> Option<Result<Concept, String>> {
        if self.themes.is_empty() && self.amount.trim().is_empty() {
            return None;
        }
        let bad = |en: &'static str, zh: &'static str| Some(Err(t(lang, en, zh).to_string()));
        if self.themes.is_empty() {
            return bad("Tick at least one theme.", "请至少勾选一个专题。");
        }
        if self.region.is_empty() {
            return bad("Choose the region.", "请选择区域。");
        }
        let currency = match self.currency.trim() {
            "" => reporting,
            c => match c.parse::<Currency>() {
                Ok(c) if c.is_iso_4217() => c,
                _ => {
                    return bad(
                        "The currency is not an ISO code (USD, EUR…).",
                        "货币不是 ISO 代码（USD、EUR…）。",
                    );
                }
            },
        };
        let Some(amount) = parse_number(&self.amount)
            .and_then(|n| Money::from_decimal(n, currency).ok())
            .filter(|m| m.minor > 0)
        else {
            return bad(
                "Type the amount needed (500000).",
                "请输入所需金额（500000）。",
            );
        };
        let by = match self.by.trim() {
            "" => None,
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    return bad(
                        "Type the deadline as yyyy-mm-dd.",
                        "截止日期请按 yyyy-mm-dd 输入。",
                    );
                }
            },
        };
        Some(Ok(Concept {
            themes: self.themes.clone(),
            region: self.region.clone(),
            amount,
            by,
        }))
    }

    /// The page.
    pub fn prospects_ui(&mut self, s: &mut Shared, ui: &mut Ui) {
        let revision = s.cache.revision.unwrap_or(0);
        if !matches!(&self.loaded, Some((r, _)) if *r == revision) {
            let read = s
                .ledger
                .prospects()
                .and_then(|p| Ok((p, s.ledger.rates()?)))
                .map_err(|e| e.to_string());
            self.loaded = Some((revision, read));
        }
        // Held apart while the page runs, so the idea's fields can change meanwhile.
        let Some((read_at, loaded)) = self.loaded.take() else {
            return;
        };
        self.page_ui(s, ui, &loaded, revision);
        if let Some(mut form) = self.form.take() {
            let taken: Vec<PartnerId> = match &loaded {
                Ok((prospects, _)) => prospects.iter().map(|p| p.partner_id).collect(),
                Err(_) => Vec::new(),
            };
            if form.window_ui(s, ui, &taken) {
                self.form = Some(form);
            }
        }
        self.loaded = Some((read_at, loaded));
    }

    /// The reporting currency, as the cached snapshot has it.
    fn reporting(s: &Shared) -> Currency {
        s.cache
            .snapshot
            .as_ref()
            .map_or(Currency::USD, |snap| snap.currency)
    }

    /// Opens the form on the profile `p`.
    fn open(&mut self, s: &Shared, p: &Prospect) {
        self.form = Some(ProspectForm::edit(p, Self::reporting(s)));
    }

    fn page_ui(&mut self, s: &mut Shared, ui: &mut Ui, loaded: &Loaded, revision: u64) {
        let lang = s.lang;
        let (prospects, rates) = match loaded {
            Ok(l) => l,
            Err(e) => {
                ui.colored_label(color(palette::DOWN), e);
                return;
            }
        };
        let today = match NaiveDate::parse_from_str(self.as_of.trim(), "%Y-%m-%d") {
            Ok(d) => d,
            Err(_) => chrono::Local::now().date_naive(),
        };
        ui.horizontal(|ui| {
            ui.heading(t(lang, "Prospects", "潜在伙伴"));
            let stale = prospects.iter().filter(|p| p.is_stale(today)).count();
            ui.label(match lang {
                Lang::En => format!(
                    "{} funding partners' profiles, {stale} not verified within a year",
                    prospects.len()
                ),
                Lang::Zh => format!(
                    "{} 个供资伙伴档案，其中 {stale} 个一年内未核实",
                    prospects.len()
                ),
            });
            if ui.button(t(lang, "New profile…", "新建档案…")).clicked() {
                self.form = Some(ProspectForm::new(Self::reporting(s)));
            }
        });
        if prospects.is_empty() {
            ui.label(t(
                lang,
                "No profile yet. Add one with “New profile…”, import them with pledger import FILE --kind prospects, or load the sample.",
                "尚无档案。可点击“新建档案…”添加，或用 pledger import 文件 --kind prospects 导入，或载入示例账本。",
            ));
            return;
        }
        ui.separator();
        ui.label(RichText::new(t(lang, "Match a project idea", "为项目构想匹配伙伴")).strong());
        let reporting = Self::reporting(s);
        self.idea_ui(ui, s, reporting);
        match self.concept(lang, reporting) {
            None => {
                ui.label(t(
                    lang,
                    "Tick the themes, choose the region and type the amount: the prospects are ranked, each point explained.",
                    "勾选专题、选择区域并输入金额：潜在伙伴将被排序，每一分都有说明。",
                ));
                ui.separator();
                if let Some(p) = profiles_ui(ui, s, prospects, today).and_then(|i| prospects.get(i))
                {
                    self.open(s, p);
                }
            }
            Some(Err(e)) => {
                ui.colored_label(color(palette::DOWN), e);
            }
            Some(Ok(concept)) => {
                let key: RankKey = (
                    revision,
                    concept.themes.clone(),
                    concept.region.clone(),
                    concept.amount,
                    concept.by,
                    today,
                    lang,
                );
                if !matches!(&self.ranked, Some((k, _)) if *k == key) {
                    // Past giving as it stood on the day ranked on.
                    let giving = s
                        .cache
                        .snapshot
                        .as_ref()
                        .map(|snapshot| snapshot.partner_totals(Some(today)))
                        .unwrap_or_default();
                    let input = MatchInput {
                        prospects,
                        giving: &giving,
                        rates,
                        reporting,
                    };
                    let rows = rank(&input, &concept, today, SHOWN)
                        .into_iter()
                        .map(|r| Row {
                            prospect: prospects
                                .iter()
                                .position(|p| std::ptr::eq(p, r.prospect))
                                .unwrap_or(0),
                            score: r.score,
                            factors: r
                                .factors
                                .iter()
                                .map(|f| {
                                    let why = f.why(
                                        &concept,
                                        r.prospect,
                                        &s.cache.lists,
                                        reporting,
                                        lang,
                                    );
                                    (f.name, f.points, f.max, why)
                                })
                                .collect(),
                            stale: r.stale,
                        })
                        .collect();
                    self.ranked = Some((key, rows));
                }
                let edit = match &self.ranked {
                    Some((_, rows)) => ranking_ui(ui, s, prospects, rows),
                    None => None,
                };
                if let Some(p) = edit.and_then(|i| prospects.get(i)) {
                    self.open(s, p);
                }
            }
        }
    }

    fn idea_ui(&mut self, ui: &mut Ui, s: &Shared, reporting: Currency) {
        let lang = s.lang;
        ui.horizontal_wrapped(|ui| {
            ui.label(t(lang, "Themes:", "专题："));
            for e in &s.cache.lists.themes {
                let mut on = self.themes.contains(&e.key);
                if ui.checkbox(&mut on, e.label(lang)).changed() {
                    if on {
                        self.themes.push(e.key.clone());
                    } else {
                        self.themes.retain(|k| *k != e.key);
                    }
                }
            }
        });
        ui.horizontal(|ui| {
            ui.label(t(lang, "Region", "区域"));
            choice_ui(
                ui,
                t(lang, "Region", "区域"),
                &mut self.region,
                list_options(&s.cache.lists, ListKind::Region, lang),
                t(lang, "(choose)", "（请选择）"),
            );
            let field = |ui: &mut Ui, value: &mut String, label: &str, hint: &str, width: f32| {
                ui.label(label);
                let r = ui.add(
                    egui::TextEdit::singleline(value)
                        .hint_text(hint)
                        .desired_width(width),
                );
                labelled(r, egui::Role::TextInput, label);
            };
            field(
                ui,
                &mut self.amount,
                t(lang, "Amount needed", "所需金额"),
                "500000",
                110.0,
            );
            field(
                ui,
                &mut self.currency,
                t(lang, "Currency", "货币"),
                reporting.code(),
                50.0,
            );
            field(
                ui,
                &mut self.by,
                t(lang, "Deadline", "截止日期"),
                "yyyy-mm-dd",
                90.0,
            );
            let today = chrono::Local::now().date_naive().to_string();
            field(
                ui,
                &mut self.as_of,
                t(lang, "As of", "截至日期"),
                &today,
                90.0,
            );
            if ui.button(t(lang, "Clear", "清除")).clicked() {
                let form = self.form.take();
                *self = ProspectsView::default();
                self.form = form;
            }
        });
    }
}

fn name_of(s: &Shared, p: &Prospect) -> String {
    s.cache
        .partner(p.partner_id)
        .map_or_else(|| format!("#{}", p.partner_id.0), |x| x.name.clone())
}

/// The ranking: a line a prospect with its score and the points of each factor, and under
/// it the reason of each. Returns the profile (its index) whose "Edit profile…" was clicked.
fn ranking_ui(ui: &mut Ui, s: &Shared, prospects: &[Prospect], rows: &[Row]) -> Option<usize> {
    let mut edit = None;
    let lang = s.lang;
    let factor_name = |name: &str| match (lang, name) {
        (Lang::En, "themes") => "Themes",
        (Lang::En, "region") => "Region",
        (Lang::En, "ticket") => "Ticket",
        (Lang::En, "window") => "Call open",
        (Lang::En, "past_giving") => "Past giving",
        (Lang::En, _) => "Gates",
        (Lang::Zh, "themes") => "专题",
        (Lang::Zh, "region") => "区域",
        (Lang::Zh, "ticket") => "额度",
        (Lang::Zh, "window") => "征集窗口",
        (Lang::Zh, "past_giving") => "以往出资",
        (Lang::Zh, _) => "条件",
    };
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (i, row) in rows.iter().enumerate() {
                let Some(p) = prospects.get(row.prospect) else {
                    continue;
                };
                let title = format!(
                    "{}. {}   {} {}{}",
                    i + 1,
                    name_of(s, p),
                    row.score,
                    t(lang, "points", "分"),
                    if row.stale {
                        t(lang, "  (profile stale: verify)", "（档案已过期，请核实）")
                    } else {
                        ""
                    }
                );
                egui::CollapsingHeader::new(RichText::new(title).strong())
                    .id_salt(("ranked", row.prospect))
                    .default_open(i < 3)
                    .show(ui, |ui| {
                        egui::Grid::new(("factors", row.prospect))
                            .striped(true)
                            .show(ui, |ui| {
                                for (name, points, max, why) in &row.factors {
                                    ui.label(factor_name(name));
                                    let text = RichText::new(format!("{points:+} / {max}"));
                                    ui.label(if *points < 0 {
                                        text.color(color(palette::DOWN))
                                    } else {
                                        text
                                    });
                                    ui.label(why);
                                    ui.end_row();
                                }
                            });
                        let label = format!(
                            "{} {}",
                            t(lang, "Edit profile…", "编辑档案…"),
                            name_of(s, p)
                        );
                        let button = ui.button(t(lang, "Edit profile…", "编辑档案…"));
                        if labelled(button, egui::Role::Button, &label).clicked() {
                            edit = Some(row.prospect);
                        }
                    });
            }
        });
    edit
}

/// Every profile, a row each; returns the one (its index) whose row was clicked.
fn profiles_ui(ui: &mut Ui, s: &Shared, prospects: &[Prospect], today: NaiveDate) -> Option<usize> {
    let mut open = None;
    let lang = s.lang;
    let lists = &s.cache.lists;
    let labels = |kind, keys: &[String]| {
        keys.iter()
            .map(|k| lists.label(kind, k, lang).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    // The row takes the click, not the text of its cells.
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .striped(true)
        .sense(Sense::click())
        .column(Column::initial(300.0).clip(true))
        .column(Column::initial(260.0).clip(true))
        .column(Column::initial(170.0).clip(true))
        .column(Column::initial(230.0).clip(true))
        .column(Column::initial(200.0).clip(true))
        .column(Column::remainder().at_least(90.0))
        .header(22.0, |mut h| {
            for (en, zh) in [
                ("Partner", "伙伴"),
                ("Themes", "专题"),
                ("Regions", "区域"),
                ("Ticket", "额度"),
                ("Next call", "下一个征集窗口"),
                ("Verified", "核实日期"),
            ] {
                h.col(|ui| {
                    ui.strong(t(lang, en, zh));
                });
            }
        })
        .body(|body| {
            body.rows(20.0, prospects.len(), |mut row| {
                let Some(p) = prospects.get(row.index()) else {
                    return;
                };
                row.col(|ui| {
                    ui.add(egui::Label::new(name_of(s, p)).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(labels(ListKind::Theme, &p.themes)).truncate());
                });
                row.col(|ui| {
                    ui.add(egui::Label::new(labels(ListKind::Region, &p.regions)).truncate());
                });
                row.col(|ui| {
                    let ticket = p.ticket.map(|t| format!("{} – {}", t.min, t.max));
                    ui.add(egui::Label::new(ticket.unwrap_or_default()).truncate());
                });
                row.col(|ui| {
                    // The next call to close, else the last one, marked closed.
                    let next = p
                        .windows
                        .iter()
                        .filter(|w| w.closes >= today)
                        .min_by_key(|w| w.closes);
                    let text = match next {
                        Some(w) => format!("{} ({} – {})", w.name, w.opens, w.closes),
                        None => p.windows.iter().max_by_key(|w| w.closes).map_or_else(
                            String::new,
                            |w| {
                                format!("{} ({} {})", w.name, t(lang, "closed", "已截止"), w.closes)
                            },
                        ),
                    };
                    ui.add(egui::Label::new(text).truncate());
                });
                row.col(|ui| {
                    let text = RichText::new(
                        p.verified_on
                            .map(|d| d.to_string())
                            .unwrap_or_else(|| "-".into()),
                    );
                    ui.label(if p.is_stale(today) {
                        text.color(color(palette::DOWN))
                    } else {
                        text
                    });
                });
                if row.response().clicked() {
                    open = Some(row.index());
                }
            });
        });
    open
}
