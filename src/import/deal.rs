//! Deals as an import reads them (`pledger import FILE --kind opportunities`): a row is one
//! deal, found again by its reference, with its partner (one the ledger has, or a new one
//! the row gives the type of), themes, region, ask, stage and the day it entered it, and the
//! stages it went through before (`identified 2021-01-10; contacted 2021-02-01`). A new deal
//! is recorded with that history; a deal the ledger has moves when the row's stage differs,
//! so importing the same sheet again changes nothing. Also the partner naming that deals and
//! prospects share.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::domain::{ListKind, Money, Opportunity, OpportunityId, Partner, PartnerId, Stage};
use crate::ledger::{LedgerError, Writer};

use super::cells::Cell;
use super::mapping::{FieldKind, field_kind};
use super::matching::fingerprint;
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{Action, LedgerView, Plan, RowReader, SheetAt, labels};
use super::values::{
    DayOrder, match_entry, parse_date, parse_probability, parse_stage, theme_shares,
};
use super::{ImportOptions, Problem, Severity};

field_kind! {
    /// A field of a deals sheet.
    pub enum DealField in "opportunities", required [Reference, Partner, Title, Theme, Region, Stage] {
        /// The deal's reference: an import finds the deal again by it.
        Reference => "reference",
        /// The partner asked.
        Partner => "partner",
        /// Its partner type (for a partner new to the ledger).
        PartnerType => "partner_type",
        /// Short title.
        Title => "title",
        /// Themes with their parts.
        Theme => "theme",
        /// Region.
        Region => "region",
        /// The amount asked.
        Ask => "ask",
        /// Its currency.
        Currency => "currency",
        /// Where the deal stands.
        Stage => "stage",
        /// The day it entered that stage.
        StageOn => "stage_on",
        /// The stages before, with their days.
        History => "history",
        /// A chance of signing someone typed (else the stage's).
        Probability => "probability",
        /// When signing is expected.
        ExpectedSigning => "expected_signing",
        /// What is to be done next.
        NextAction => "next_action",
        /// By when.
        NextActionDue => "next_action_due",
        /// Who follows the deal.
        Owner => "owner",
        /// Why it was lost or declined.
        Reason => "reason",
        /// The reference of the agreement a signed deal became.
        Agreement => "agreement",
    }
}

/// The deals kind of row.
pub struct Opportunities;

impl RowKind for Opportunities {
    type Field = DealField;
    type Item = DealRow;
    const NOUN: (&'static str, &'static str) = ("deal", "deals");
    const DATE: Option<DealField> = Some(DealField::StageOn);

    fn planner<'a>(
        view: &'a LedgerView,
        _plan: &mut Plan,
        at: SheetAt<'a, DealField>,
        _options: &ImportOptions,
    ) -> Option<impl PlanRows<DealRow> + Send + use<'a>> {
        Some(DealPlanner {
            view,
            at,
            order: DayOrder::Unknown,
            references: HashMap::new(),
            today: chrono::Local::now().date_naive(),
        })
    }

    fn writer<'a>(
        _w: &mut Writer<'_>,
        _view: &'a LedgerView,
        _plan: &Plan,
        at: SheetAt<'a, DealField>,
    ) -> Result<impl WriteRows<DealRow> + use<'a>, LedgerError> {
        Ok(DealWriter {
            at,
            partners: NewPartners::default(),
        })
    }
}

/// The partner a row names: one the ledger has, or one new to it.
#[derive(Clone, Debug)]
pub enum NamedPartner {
    /// The ledger's partner.
    Known(PartnerId),
    /// A partner to add (its id 0), named by the row with its type.
    New(Partner),
}

/// Reads the partner of a row from `name` and, for a partner new to the ledger, `kind`.
pub fn read_partner<F: FieldKind>(
    r: &mut RowReader<'_, F>,
    view: &LedgerView,
    name: F,
    kind: F,
) -> Option<NamedPartner> {
    let text = r.required(name, "the partner is missing")?;
    if let Some(id) = view.matcher.exact(&text) {
        return Some(NamedPartner::Known(id));
    }
    let Some(t) = r.text(kind) else {
        let hint = view
            .matcher
            .suggest(&text)
            .and_then(|(id, _)| view.partner(id))
            .map(|p| format!(" (is it '{}'?)", p.name))
            .unwrap_or_default();
        r.problem(
            name,
            Severity::Error,
            format!(
                "'{text}' is not a partner of the ledger{hint}; give its partner type to add it"
            ),
        );
        return None;
    };
    let Some(key) = match_entry(&view.lists, ListKind::PartnerType, &t) else {
        let list = labels(&view.lists, ListKind::PartnerType);
        r.problem(
            kind,
            Severity::Error,
            format!("'{t}' is not a partner type; the list is: {list}"),
        );
        return None;
    };
    Some(NamedPartner::New(Partner {
        id: PartnerId(0),
        name: text.into_owned(),
        name_zh: None,
        partner_type: key.to_string(),
        country: None,
        aliases: Vec::new(),
    }))
}

/// The partners an import adds, once each however many rows name them.
#[derive(Default)]
pub struct NewPartners {
    /// Fingerprints of the names added, to their id.
    added: HashMap<String, PartnerId>,
}

impl NewPartners {
    /// The id of the partner a row names, adding it to the ledger (and the plan) when new.
    pub fn id(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        named: NamedPartner,
    ) -> Result<PartnerId, LedgerError> {
        let partner = match named {
            NamedPartner::Known(id) => return Ok(id),
            NamedPartner::New(p) => p,
        };
        let key = fingerprint(&partner.name);
        if let Some(id) = self.added.get(&key) {
            return Ok(*id);
        }
        let id = w.add_partner(&partner)?;
        self.added.insert(key, id);
        plan.new_partners.push(Partner { id, ..partner });
        Ok(id)
    }

    /// How many partners were added.
    pub fn count(&self) -> usize {
        self.added.len()
    }
}

/// A deal as a row gives it.
pub struct PlannedDeal {
    partner: NamedPartner,
    /// The deal, its partner and id still to be found.
    deal: Opportunity,
    /// The day it entered its stage, when the row says.
    stage_on: Option<NaiveDate>,
    /// The stages before, oldest first.
    history: Vec<(Stage, NaiveDate)>,
    /// The reference of the agreement it became.
    agreement: Option<String>,
}

/// A row of a deals sheet as planned.
pub struct DealRow {
    number: usize,
    planned: Option<PlannedDeal>,
    problems: Vec<Problem>,
}

struct DealPlanner<'a> {
    view: &'a LedgerView,
    at: SheetAt<'a, DealField>,
    order: DayOrder,
    /// The references earlier rows gave, and their row.
    references: HashMap<String, usize>,
    today: NaiveDate,
}

impl PlanRows<DealRow> for DealPlanner<'_> {
    fn row(&mut self, row_number: usize, cells: &mut [Cell], out: &mut Vec<DealRow>) {
        let mut r = RowReader::new(self.at, row_number, cells);
        let planned = if r.check_cells() {
            self.read(&mut r)
        } else {
            None
        };
        out.push(DealRow {
            number: row_number,
            planned,
            problems: r.problems,
        });
    }

    fn set_order(&mut self, order: DayOrder) {
        self.order = order;
    }
}

impl DealPlanner<'_> {
    fn read(&mut self, r: &mut RowReader<'_, DealField>) -> Option<PlannedDeal> {
        use DealField as F;
        let order = self.order;
        let reference = r.required(F::Reference, "the deal's reference is missing");
        if let Some(reference) = &reference {
            let key = reference.to_lowercase();
            if let Some(first) = self.references.get(&key) {
                let message = format!("the reference '{reference}' appears already on row {first}");
                r.problem(F::Reference, Severity::Error, message);
            } else {
                self.references.insert(key, r.row_number);
            }
        }
        let partner = read_partner(r, self.view, F::Partner, F::PartnerType);
        let title = r.required(F::Title, "the deal's title is missing");
        let themes = r.text(F::Theme).and_then(|t| {
            theme_shares(&self.view.lists, &t)
                .map_err(|e| r.problem(F::Theme, Severity::Error, e))
                .ok()
        });
        if !r.filled(F::Theme) {
            r.problem(F::Theme, Severity::Error, "no theme given".into());
        }
        let region =
            r.required(F::Region, "the region is missing")
                .and_then(
                    |t| match match_entry(&self.view.lists, ListKind::Region, &t) {
                        Some(k) => Some(k.to_string()),
                        None => {
                            let list = labels(&self.view.lists, ListKind::Region);
                            let message = format!("'{t}' is not a region; the list is: {list}");
                            r.problem(F::Region, Severity::Error, message);
                            None
                        }
                    },
                );
        let ask = read_ask(r);
        let stage = r.required(F::Stage, "the stage is missing").and_then(|t| {
            parse_stage(&t)
                .map_err(|e| r.problem(F::Stage, Severity::Error, e))
                .ok()
        });
        let stage_on = optional_date(r, F::StageOn, order, "a stage date");
        let history = self.history(r);
        let probability = match r.cell(F::Probability) {
            Some((_, Cell::Number(n))) => Some(parse_probability(n, true)),
            _ => r.text(F::Probability).map(|t| parse_probability(&t, false)),
        };
        let probability_bp = match probability {
            Some(Ok(bp)) => Some(bp),
            Some(Err(e)) => {
                r.problem(F::Probability, Severity::Error, e);
                return None;
            }
            None => None,
        };
        let expected_signing = optional_date(r, F::ExpectedSigning, order, "a signing date");
        let next_action_due = optional_date(r, F::NextActionDue, order, "a due date");
        let text = |f| r.text(f).map(|t| t.into_owned()).unwrap_or_default();
        let (next_action, owner, reason) = (text(F::NextAction), text(F::Owner), text(F::Reason));
        let deal = Opportunity {
            id: OpportunityId(0),
            reference: Some(reference?.into_owned()),
            partner_id: PartnerId(0),
            title: title?.into_owned(),
            themes: themes?,
            region: region?,
            ask: ask.ok()?,
            stage: stage?,
            probability_bp,
            expected_signing: expected_signing.ok()?,
            next_action,
            next_action_due: next_action_due.ok()?,
            owner,
            reason,
            agreement_id: None,
        };
        let (stage_on, history) = (stage_on.ok()?, history?);
        let mut bad = false;
        for p in deal.problems(&self.view.lists) {
            let field = match p.field {
                "title" => F::Title,
                "region" => F::Region,
                "probability" => F::Probability,
                "ask" => F::Ask,
                "reason" => F::Reason,
                "themes" => F::Theme,
                _ => F::Reference,
            };
            r.problem(field, Severity::Error, p.message);
            bad = true;
        }
        let entered = stage_on.unwrap_or(self.today);
        if let Some((_, last)) = history.last().filter(|(_, d)| *d > entered) {
            let message =
                format!("the history's last move ({last}) is after the stage's day ({entered})");
            r.problem(F::History, Severity::Error, message);
            bad = true;
        }
        let agreement = r.text(F::Agreement).map(|t| t.into_owned());
        if agreement.is_some() && deal.stage != Stage::Signed {
            let message = format!(
                "a deal {} has no agreement yet; only a signed deal names one",
                deal.stage.as_str()
            );
            r.problem(F::Agreement, Severity::Error, message);
            bad = true;
        }
        if deal.stage == Stage::Signed && agreement.is_none() {
            r.problem(
                F::Stage,
                Severity::Warning,
                "a deal imported as signed without its agreement's reference (the agreement column) is not linked to an agreement".into(),
            );
        }
        if bad {
            return None;
        }
        Some(PlannedDeal {
            partner: partner?,
            deal,
            stage_on,
            history,
            agreement,
        })
    }

    /// The stages of the history cell, oldest first: `stage day` entries separated by `;`,
    /// `>` or new lines, days in order, no stage that ends a deal.
    fn history(&self, r: &mut RowReader<'_, DealField>) -> Option<Vec<(Stage, NaiveDate)>> {
        let Some(text) = r.text(DealField::History) else {
            return Some(Vec::new());
        };
        let mut out: Vec<(Stage, NaiveDate)> = Vec::new();
        for entry in text.split([';', '>', '\n', '；']).map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            let read = entry
                .rsplit_once(char::is_whitespace)
                .ok_or_else(|| format!("'{entry}' is not a stage and its day"))
                .and_then(|(stage, day)| {
                    Ok((parse_stage(stage.trim())?, parse_date(day, self.order)?))
                })
                .and_then(|(stage, day)| match out.last() {
                    Some((_, before)) if *before > day => Err(format!(
                        "'{entry}' comes before the move listed ahead of it"
                    )),
                    _ if !stage.is_open() => Err(format!(
                        "'{entry}': a deal {} has no stage after it",
                        stage.as_str()
                    )),
                    _ => Ok((stage, day)),
                });
            match read {
                Ok(step) => out.push(step),
                Err(e) => {
                    r.problem(DealField::History, Severity::Error, e);
                    return None;
                }
            }
        }
        Some(out)
    }
}

/// The amount asked, in the row's currency; `Err` when told as a problem.
fn read_ask(r: &mut RowReader<'_, DealField>) -> Result<Option<Money>, ()> {
    let Some((value, currency)) = r
        .amount(DealField::Ask, Some(DealField::Currency), false)
        .map_err(|_| ())?
    else {
        return Ok(None);
    };
    let Some(currency) = currency else {
        let message = "an ask needs its currency (a currency column, or a code in the cell)";
        r.problem(DealField::Ask, Severity::Error, message.into());
        return Err(());
    };
    Money::from_decimal(value, currency)
        .map(Some)
        .map_err(|e| r.problem(DealField::Ask, Severity::Error, e.to_string()))
}

/// The date of an optional field: `Ok(None)` when blank, `Err` when told as a problem.
pub fn optional_date<F: FieldKind>(
    r: &mut RowReader<'_, F>,
    field: F,
    order: DayOrder,
    what: &str,
) -> Result<Option<NaiveDate>, ()> {
    if !r.filled(field) {
        return Ok(None);
    }
    r.date(field, order, what).map(Some).ok_or(())
}

struct DealWriter<'a> {
    at: SheetAt<'a, DealField>,
    partners: NewPartners,
}

impl WriteRows<DealRow> for DealWriter<'_> {
    fn take(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        row: DealRow,
    ) -> Result<(), LedgerError> {
        let blocked = row.problems.iter().any(|p| p.severity == Severity::Error);
        let Some(p) = row.planned else {
            plan.nothing_from(row.problems);
            return Ok(());
        };
        let mut problems = row.problems;
        let reference = p.deal.reference.clone().unwrap_or_default();
        let label = || reference.clone();
        if blocked {
            plan.problems.extend(problems);
            plan.record(row.number, Action::Create, true, label);
            return Ok(());
        }
        let partner_id = self.partners.id(w, plan, p.partner)?;
        let old = w.opportunity_with_reference(&reference)?;
        let mut deal = Opportunity {
            partner_id,
            ..p.deal
        };
        if let Some(a) = &p.agreement {
            match w.agreement_with_reference(a)? {
                Some(found) => deal.agreement_id = Some(found.id),
                None => {
                    let message = format!("no agreement has the reference '{a}'");
                    let cell = Cell::Text(a.clone());
                    problems.extend(self.at.cell_problem(
                        row.number,
                        DealField::Agreement,
                        &cell,
                        Severity::Error,
                        message,
                    ));
                    plan.problems.extend(problems);
                    plan.record(row.number, Action::Create, true, label);
                    return Ok(());
                }
            }
        }
        let action = match &old {
            None => {
                // A new deal goes through its history, then enters the row's stage (and
                // only then is linked to the agreement it became).
                let entered = p
                    .stage_on
                    .unwrap_or_else(|| chrono::Local::now().date_naive());
                let mut id = OpportunityId(0);
                for (stage, on) in p.history {
                    let step = Opportunity {
                        id,
                        stage,
                        agreement_id: None,
                        ..deal.clone()
                    };
                    id = w.put_opportunity(&step, on)?.0;
                }
                deal.id = id;
                w.put_opportunity(&deal, entered)?;
                Action::Create
            }
            Some(old) => {
                deal.id = old.id;
                deal.agreement_id = deal.agreement_id.or(old.agreement_id);
                let changes = differences(old, &deal);
                let moves = old.stage != deal.stage;
                let on = p
                    .stage_on
                    .unwrap_or_else(|| chrono::Local::now().date_naive());
                let last = w.last_stage_move(old.id)?;
                match last.filter(|l| moves && *l > on) {
                    Some(last) => {
                        let message = format!(
                            "{reference} last moved on {last}; the row's stage day ({on}) is before it"
                        );
                        problems.extend(self.at.cell_problem(
                            row.number,
                            DealField::StageOn,
                            &Cell::Text(on.to_string()),
                            Severity::Error,
                            message,
                        ));
                        plan.problems.extend(problems);
                        plan.record(row.number, Action::Create, true, label);
                        return Ok(());
                    }
                    None if changes.is_empty() => Action::Unchanged,
                    None => {
                        w.put_opportunity(&deal, on)?;
                        Action::Update { changes }
                    }
                }
            }
        };
        plan.problems.extend(problems);
        plan.record(row.number, action, false, label);
        Ok(())
    }

    fn end(self, _w: &mut Writer<'_>, _plan: &mut Plan) -> Result<usize, LedgerError> {
        Ok(self.partners.count())
    }
}

/// The fields a row changes in a deal the ledger has: (field, old, new).
fn differences(old: &Opportunity, new: &Opportunity) -> Vec<(String, String, String)> {
    let show = |d: &Opportunity| {
        let day = |d: Option<NaiveDate>| d.map_or_else(|| "-".to_string(), |d| d.to_string());
        let themes: Vec<String> = d
            .themes
            .iter()
            .map(|t| format!("{} {}%", t.theme, crate::domain::bp_text(t.percent_bp)))
            .collect();
        [
            ("partner", d.partner_id.0.to_string()),
            ("title", d.title.clone()),
            ("theme", themes.join("; ")),
            ("region", d.region.clone()),
            ("ask", d.ask.map_or_else(|| "-".into(), |m| m.to_string())),
            ("stage", d.stage.as_str().to_string()),
            (
                "probability",
                d.probability_bp
                    .map_or_else(|| "-".into(), |p| format!("{}%", crate::domain::bp_text(p))),
            ),
            ("expected_signing", day(d.expected_signing)),
            ("next_action", d.next_action.clone()),
            ("next_action_due", day(d.next_action_due)),
            ("owner", d.owner.clone()),
            ("reason", d.reason.clone()),
            (
                "agreement",
                d.agreement_id
                    .map_or_else(|| "-".into(), |a| format!("#{}", a.0)),
            ),
        ]
    };
    show(old)
        .into_iter()
        .zip(show(new))
        .filter(|((_, a), (_, b))| a != b)
        .map(|((f, a), (_, b))| (f.to_string(), a, b))
        .collect()
}
