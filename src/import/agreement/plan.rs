//! A row of cells -> an agreement of a partner (existing, or new to the ledger), every
//! problem located to its cell; planning remembers what earlier rows added (new partners and
//! themes, list look-ups) for the rows after them.

use std::borrow::Cow;
use std::collections::HashMap;

use rust_decimal::Decimal;

use crate::domain::{
    Agreement, AgreementId, Currency, ListKind, Money, Partner, PartnerId, RefEntry,
    ReferenceLists, Status, ThemeShare,
};

use super::super::cells::Cell;
use super::super::matching::{DECIDE_FROM, PartnerMatcher, fingerprint, percent_of_one};
use super::super::pipeline::PlanRows;
use super::super::plan::{
    Action, LedgerView, NearMatch, Plan, RowReader, SheetAt, labels, number_amount,
};
use super::super::values::{
    AmountValue, DayOrder, match_entry, parse_amount, parse_status, parse_theme_list, theme_weights,
};
use super::super::{ImportOptions, Problem, Severity};
use super::Field;

/// What planning agreements sends the writing side, in sheet order.
pub enum Item {
    /// A partner new to the ledger, named first by the row that follows.
    Partner(Partner),
    /// The reference lists, now that the row that follows added a theme to them.
    Lists(Box<ReferenceLists>),
    /// A data row.
    Row(ReadRow),
    /// What planning counted over the whole sheet, sent after its last row: near matches of
    /// partner names and agreements without a financial contribution.
    Tally(Vec<NearMatch>, usize),
}

/// A data row as planning read it.
pub struct ReadRow {
    /// 1-based.
    pub number: usize,
    /// The agreement the row gives and its partner, when it gives one.
    pub planned: Option<(Agreement, PartnerRef)>,
    pub problems: Vec<Problem>,
    /// The row's reference and partner cells ([`KEY_FIELDS`]), which a duplicate shows.
    pub keys: [Cell; 2],
}

/// The cells a [`ReadRow`] keeps.
pub const KEY_FIELDS: [Field; 2] = [Field::Reference, Field::Partner];

/// Which partner a planned row belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PartnerRef {
    /// A partner already in the ledger.
    Existing(PartnerId),
    /// The plan's new partner at this index.
    New(usize),
}

/// Reads data rows one at a time, in sheet order, into agreements.
pub struct AgreementPlanner<'a> {
    view: &'a LedgerView,
    at: SheetAt<'a, Field>,
    lists: ReferenceLists,
    matcher: PartnerMatcher,
    new_partners: NewPartners,
    entries: EntryMemo,
    /// The signing-date column's day order, for slash dates.
    order: DayOrder,
    /// Gathers the partners planning adds (rows name a new partner by its index here), the
    /// near matches and the non-financial agreements.
    added: Plan,
    partners_sent: usize,
    themes_sent: usize,
}

impl<'a> AgreementPlanner<'a> {
    /// A planner for the sheet at `at`; takes the confirmed spellings of `options` into
    /// `plan` as new aliases, or as problems when they name no partner.
    pub fn new(
        view: &'a LedgerView,
        plan: &mut Plan,
        at: SheetAt<'a, Field>,
        options: &ImportOptions,
    ) -> AgreementPlanner<'a> {
        let mut matcher = view.matcher.clone();
        for (spelling, partner_name) in &options.confirmed_matches {
            if let Some(p) = view
                .partners
                .iter()
                .find(|p| p.name == *partner_name || matcher.exact(partner_name) == Some(p.id))
            {
                matcher.add(spelling, p.id);
                plan.new_aliases.push((p.id, spelling.clone()));
            } else {
                plan.problems.push(at.sheet_problem(format!(
                    "--match names '{partner_name}', which is not a partner"
                )));
            }
        }
        AgreementPlanner {
            view,
            at,
            themes_sent: view.lists.themes.len(),
            lists: view.lists.clone(),
            matcher,
            new_partners: NewPartners {
                index: HashMap::new(),
                kept_new: options
                    .new_partners
                    .iter()
                    .map(|s| fingerprint(s))
                    .collect(),
                looked: HashMap::new(),
            },
            entries: EntryMemo::default(),
            order: DayOrder::Unknown,
            added: Plan::empty(at.file, "", at.sheet, at.mapping),
            partners_sent: 0,
        }
    }
}

impl PlanRows<Item> for AgreementPlanner<'_> {
    fn row(&mut self, row_number: usize, cells: &mut [Cell], out: &mut Vec<Item>) {
        let mut r = RowReader::new(self.at, row_number, cells);
        let planned = read_row(
            &mut r,
            &mut self.entries,
            self.view,
            &mut self.lists,
            &mut self.matcher,
            &mut self.added,
            &mut self.new_partners,
            self.order,
        );
        let problems = r.problems;
        let new_partners = self
            .added
            .new_partners
            .get(self.partners_sent..)
            .unwrap_or_default();
        self.partners_sent += new_partners.len();
        out.extend(new_partners.iter().cloned().map(Item::Partner));
        if self.lists.themes.len() > self.themes_sent {
            self.themes_sent = self.lists.themes.len();
            out.push(Item::Lists(Box::new(self.lists.clone())));
        }
        let keys = KEY_FIELDS.map(|f| self.at.take_cell(cells, f));
        out.push(Item::Row(ReadRow {
            number: row_number,
            planned,
            problems,
            keys,
        }));
    }

    fn set_order(&mut self, order: DayOrder) {
        self.order = order;
    }

    fn end(&mut self, out: &mut Vec<Item>) {
        out.push(Item::Tally(
            std::mem::take(&mut self.added.near_matches),
            self.added.non_financial,
        ));
    }
}

/// Look-ups already made, by text as written: a sheet repeats the same few partners,
/// partner types, regions and themes on every row.
#[derive(Default)]
struct EntryMemo {
    /// Reference-list entries: partner types, regions, themes.
    lists: [HashMap<String, Option<String>>; 3],
    /// Partner names: their fingerprint and the partner it names exactly.
    partners: HashMap<String, (String, Option<PartnerId>)>,
}

/// Distinct texts a memo keeps at most, so that a sheet of all-different names stays small.
const MEMO_MAX: usize = 4096;

impl EntryMemo {
    fn list(&mut self, kind: ListKind) -> &mut HashMap<String, Option<String>> {
        let [types, regions, themes] = &mut self.lists;
        match kind {
            ListKind::PartnerType => types,
            ListKind::Region => regions,
            ListKind::Theme => themes,
        }
    }

    /// Remembers that `text` means entry `key` of `kind`.
    fn remember(&mut self, kind: ListKind, text: &str, key: Option<String>) {
        let memo = self.list(kind);
        if memo.len() < MEMO_MAX {
            memo.insert(text.to_string(), key);
        }
    }

    /// [`match_entry`], remembered for the rest of the sheet.
    fn entry(&mut self, lists: &ReferenceLists, kind: ListKind, text: &str) -> Option<String> {
        if let Some(found) = self.list(kind).get(text) {
            return found.clone();
        }
        let found = match_entry(lists, kind, text).map(str::to_string);
        self.remember(kind, text, found.clone());
        found
    }

    /// The fingerprint of partner name `name`, and the partner `matcher` finds by it.
    fn partner(&mut self, matcher: &PartnerMatcher, name: &str) -> (String, Option<PartnerId>) {
        if let Some(found) = self.partners.get(name) {
            return found.clone();
        }
        let key = fingerprint(name);
        let found = (key.clone(), matcher.exact_key(&key));
        if self.partners.len() < MEMO_MAX {
            self.partners.insert(name.to_string(), found.clone());
        }
        found
    }
}

fn money(value: Decimal, currency: Currency) -> Result<Money, String> {
    if !currency.is_iso_4217() {
        return Err(format!("'{currency}' is not an ISO 4217 currency code"));
    }
    if value > Decimal::from(crate::domain::MAX_AMOUNT) {
        return Err(format!(
            "{value} is larger than an agreement Pledger takes (at most {} {currency})",
            crate::domain::group_thousands(&Decimal::from(crate::domain::MAX_AMOUNT))
        ));
    }
    Money::from_decimal(value, currency).map_err(|e| e.to_string())
}

fn slug(text: &str) -> String {
    let s: String = text
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    s.split('_')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// What importing `agreement` of `partner` does, given the ledger agreement it matches
/// (`lists`: the reference lists with the themes the rows added); takes the matched
/// agreement's id and value date into `agreement`.
pub(super) fn row_action(
    view: &LedgerView,
    lists: &ReferenceLists,
    plan: &Plan,
    agreement: &mut Agreement,
    partner: PartnerRef,
    existing: Option<&Agreement>,
) -> Action {
    let Some(old) = existing else {
        return Action::Create;
    };
    agreement.id = old.id;
    agreement.value_date = old.value_date;
    if let PartnerRef::Existing(pid) = partner {
        agreement.partner_id = pid;
    }
    let changes = differences(
        old,
        agreement,
        &view.partners,
        &plan.new_partners,
        partner,
        lists,
    );
    if changes.is_empty() {
        Action::Unchanged
    } else {
        Action::Update { changes }
    }
}

/// The themes of `lists` that the ledger's lists lack: those the rows added.
pub(super) fn added_themes(view: &LedgerView, lists: &ReferenceLists) -> Vec<RefEntry> {
    lists
        .themes
        .iter()
        .filter(|t| view.lists.entry(ListKind::Theme, &t.key).is_none())
        .cloned()
        .collect()
}

/// The new partners the rows named so far, and the names the user keeps new.
struct NewPartners {
    /// Fingerprint -> index in [`Plan::new_partners`], and the error its rows carry while
    /// nobody said whether it is a partner the ledger has.
    index: HashMap<String, (usize, Option<String>)>,
    /// Fingerprints of the names the user said are new partners (`--new`).
    kept_new: std::collections::HashSet<String>,
    /// Fingerprint -> what a row naming it is told of its near match, looked for once per
    /// name (a row without a partner type names its partner anew each time).
    looked: HashMap<String, Option<(Severity, String)>>,
}

impl NewPartners {
    /// Looks, once per name, for a ledger partner like the new name `spelling` (fingerprint
    /// `key`): records it in `plan.near_matches` and reports it on the row. Returns the
    /// error that the rows of this name carry until the user decides, when the names are at
    /// least [`DECIDE_FROM`] alike: such a partner is never created silently.
    #[allow(
        clippy::too_many_arguments,
        reason = "the row, the ledger, the plan and the name"
    )]
    fn near_match(
        &mut self,
        r: &mut RowReader<'_, Field>,
        view: &LedgerView,
        matcher: &PartnerMatcher,
        plan: &mut Plan,
        key: &str,
        spelling: &str,
    ) -> Option<String> {
        if self.kept_new.contains(key) {
            return None;
        }
        let told = match self.looked.get(key) {
            Some(told) => told.clone(),
            None => {
                let told = near_match_of(view, matcher, plan, r.row_number, spelling);
                self.looked.insert(key.to_string(), told.clone());
                told
            }
        };
        let (severity, message) = told?;
        r.problem(Field::Partner, severity, message.clone());
        (severity == Severity::Error).then_some(message)
    }
}

/// The ledger partner most like `spelling`, recorded in `plan.near_matches`, and what its
/// rows are told: an error to decide from [`DECIDE_FROM`], else a warning.
fn near_match_of(
    view: &LedgerView,
    matcher: &PartnerMatcher,
    plan: &mut Plan,
    row: usize,
    spelling: &str,
) -> Option<(Severity, String)> {
    let (id, score) = matcher.suggest(spelling)?;
    let name = view.partner(id)?.name.as_str();
    let percent = percent_of_one(score);
    let needs_decision = score >= DECIDE_FROM;
    plan.near_matches.push(NearMatch {
        spelling: spelling.to_string(),
        partner: name.to_string(),
        partner_id: id,
        percent,
        row,
        needs_decision,
    });
    Some(if needs_decision {
        (
            Severity::Error,
            format!(
                "'{spelling}' is not a partner yet but looks like '{name}' ({percent} % alike): \
                 say whether it is the same partner or a new one"
            ),
        )
    } else {
        (
            Severity::Warning,
            format!("new partner; it looks like '{name}' ({percent} % alike): the same partner?"),
        )
    })
}

#[allow(
    clippy::too_many_arguments,
    reason = "the row, its look-ups, the ledger and what earlier rows added"
)]
fn read_row(
    r: &mut RowReader<'_, Field>,
    entries: &mut EntryMemo,
    view: &LedgerView,
    lists: &mut ReferenceLists,
    matcher: &mut PartnerMatcher,
    plan: &mut Plan,
    new_partners: &mut NewPartners,
    order: DayOrder,
) -> Option<(Agreement, PartnerRef)> {
    if !r.check_cells() {
        return None;
    }
    let (Some(partner_name), true) = (r.text(Field::Partner), r.filled(Field::SignedOn)) else {
        if r.text(Field::Partner).is_none() {
            r.problem(
                Field::Partner,
                Severity::Error,
                "the partner is missing".into(),
            );
        }
        if !r.filled(Field::SignedOn) {
            r.problem(
                Field::SignedOn,
                Severity::Error,
                "the signing date is missing".into(),
            );
        }
        return None;
    };

    let signed_on = r.date(Field::SignedOn, order, "a signing date");

    // Partner type, region, themes, status.
    let type_text = r.text(Field::PartnerType);
    let partner_type = type_text.as_ref().and_then(|t| {
        let key = entries.entry(lists, ListKind::PartnerType, t);
        if key.is_none() {
            r.problem(
                Field::PartnerType,
                Severity::Error,
                format!(
                    "'{t}' is not a partner type; the list is: {}",
                    labels(lists, ListKind::PartnerType)
                ),
            );
        }
        key
    });
    let region = match r.text(Field::Region) {
        Some(t) => match entries.entry(lists, ListKind::Region, &t) {
            Some(k) => Some(k),
            None => {
                r.problem(
                    Field::Region,
                    Severity::Error,
                    format!(
                        "'{t}' is not a region; the list is: {}",
                        labels(lists, ListKind::Region)
                    ),
                );
                None
            }
        },
        None => {
            r.problem(
                Field::Region,
                Severity::Error,
                "the region is missing (use Multi-regional for several)".into(),
            );
            None
        }
    };
    let themes = read_themes(r, entries, lists);
    let status = match r.text(Field::Status).map(|t| parse_status(&t)).transpose() {
        Ok(s) => s.unwrap_or(Status::Signed),
        Err(e) => {
            r.problem(Field::Status, Severity::Error, e);
            Status::Signed
        }
    };

    // Money.
    let column_currency = r
        .text(Field::Currency)
        .and_then(|t| match t.parse::<Currency>() {
            Ok(c) if c.is_iso_4217() => Some(c),
            Ok(_) => {
                r.problem(
                    Field::Currency,
                    Severity::Error,
                    format!("'{t}' is not an ISO 4217 currency code"),
                );
                None
            }
            Err(_) => {
                r.problem(
                    Field::Currency,
                    Severity::Error,
                    format!("'{t}' is not a currency code"),
                );
                None
            }
        });
    // A currency cell that names no currency is its own problem, not "no currency given".
    let column_currency = match column_currency {
        Some(c) => Ok(Some(c)),
        None if r.text(Field::Currency).is_some() => Err(()),
        None => Ok(None),
    };
    let contribution = read_money(r, Field::Amount, column_currency, view.currency);
    let own_part = read_money(r, Field::OwnContribution, column_currency, view.currency);

    // Partner.
    let (key, exact) = entries.partner(matcher, &partner_name);
    let partner = match exact {
        Some(id) => {
            if let (Some(t), Some(p)) = (&partner_type, view.partner(id))
                && *t != p.partner_type
            {
                r.problem(
                    Field::PartnerType,
                    Severity::Warning,
                    format!(
                        "the ledger has '{}' as {}; keeping the ledger's type",
                        p.name, p.partner_type
                    ),
                );
            }
            Some(PartnerRef::Existing(id))
        }
        None => {
            if let Some((i, undecided)) = new_partners.index.get(&key) {
                if let Some(message) = undecided {
                    r.problem(Field::Partner, Severity::Error, message.clone());
                }
                Some(PartnerRef::New(*i))
            } else {
                let undecided =
                    new_partners.near_match(r, view, matcher, plan, &key, &partner_name);
                match &partner_type {
                    Some(t) => {
                        let i = plan.new_partners.len();
                        plan.new_partners.push(Partner {
                            id: PartnerId(0),
                            name: partner_name.trim().to_string(),
                            name_zh: None,
                            partner_type: t.clone(),
                            country: r.text(Field::Country).map(Cow::into_owned),
                            aliases: vec![],
                        });
                        new_partners.index.insert(key, (i, undecided));
                        Some(PartnerRef::New(i))
                    }
                    None => {
                        if type_text.is_none() {
                            r.problem(Field::PartnerType, Severity::Error, format!("'{partner_name}' is a new partner and the row gives no partner type"));
                        }
                        None
                    }
                }
            }
        }
    };

    let (Some(signed_on), Some(region), Some(partner)) = (signed_on, region, partner) else {
        return None;
    };
    let contribution = contribution.ok()?;
    let own_part = own_part.ok()?;
    if own_part.is_some() && contribution.is_none() {
        r.problem(
            Field::OwnContribution,
            Severity::Warning,
            "an own part on a non-financial agreement does not count in the co-funding figures"
                .into(),
        );
    }
    let agreement = Agreement {
        id: AgreementId(0),
        reference: r.text(Field::Reference).map(Cow::into_owned),
        title: r
            .text(Field::Title)
            .map(Cow::into_owned)
            .unwrap_or_default(),
        partner_id: match partner {
            PartnerRef::Existing(id) => id,
            PartnerRef::New(_) => PartnerId(0),
        },
        signed_on,
        status,
        contribution,
        value_date: None,
        own_part,
        region,
        themes: themes?,
        notes: r
            .text(Field::Notes)
            .map(Cow::into_owned)
            .unwrap_or_default(),
    };
    if agreement.contribution.is_none() {
        plan.non_financial += 1;
    }
    if let Some(c) = agreement.contribution.filter(|c| c.minor <= 0) {
        r.problem(
            Field::Amount,
            Severity::Error,
            format!(
                "{} is not above zero; leave the cell blank for a non-financial agreement",
                c.amount()
            ),
        );
        return None;
    }
    Some((agreement, partner))
}

/// The amount in `field`'s cell, in the currency it names, else its header's, else the
/// currency column's (`Err` when that cell holds no currency code, already reported), else
/// the reporting currency (with a warning).
fn read_money(
    r: &mut RowReader<'_, Field>,
    field: Field,
    column_currency: Result<Option<Currency>, ()>,
    reporting: Currency,
) -> Result<Option<Money>, ()> {
    let Some((col, cell)) = r.cell(field) else {
        return Ok(None);
    };
    let parsed = match cell {
        Cell::Number(n) => number_amount(n).map(|d| AmountValue::Amount(d.normalize(), None)),
        other => parse_amount(&other.text()),
    };
    match parsed {
        Ok(AmountValue::NonFinancial) => Ok(None),
        Ok(AmountValue::Amount(value, text_currency)) => {
            let header_currency = r.at.mapping.header_currency.get(col).copied().flatten();
            let currency = match text_currency.or(header_currency) {
                Some(c) => Some(c),
                None => column_currency?,
            };
            let currency = match currency {
                Some(c) => c,
                None => {
                    r.problem(
                        field,
                        Severity::Warning,
                        format!("no currency given; taken as {reporting}, the reporting currency"),
                    );
                    reporting
                }
            };
            money(value, currency)
                .map(Some)
                .map_err(|e| r.problem(field, Severity::Error, e))
        }
        Err(e) => {
            r.problem(field, Severity::Error, e);
            Err(())
        }
    }
}

fn read_themes(
    r: &mut RowReader<'_, Field>,
    entries: &mut EntryMemo,
    lists: &mut ReferenceLists,
) -> Option<Vec<ThemeShare>> {
    let Some(text) = r.text(Field::Theme) else {
        r.problem(
            Field::Theme,
            Severity::Error,
            "no thematic priority given".into(),
        );
        return None;
    };
    let parts = match parse_theme_list(&text) {
        Ok(p) => p,
        Err(e) => {
            r.problem(Field::Theme, Severity::Error, e);
            return None;
        }
    };
    let mut keys = Vec::new();
    for part in &parts {
        let key = match entries.entry(lists, ListKind::Theme, &part.name) {
            Some(k) => k,
            None => {
                let key = slug(&part.name);
                entries.remember(ListKind::Theme, &part.name, Some(key.clone()));
                r.problem(
                    Field::Theme,
                    Severity::Warning,
                    format!(
                        "'{}' is a new theme; it will be added to the theme list",
                        part.name
                    ),
                );
                lists.themes.push(RefEntry {
                    key: key.clone(),
                    label_en: part.name.clone(),
                    label_zh: part.name.clone(),
                    iati_code: None,
                    synonyms: vec![],
                });
                key
            }
        };
        keys.push(key);
    }
    let weights = match theme_weights(&parts) {
        Ok(w) => w,
        Err(e) => {
            r.problem(Field::Theme, Severity::Error, e);
            return None;
        }
    };
    Some(
        keys.into_iter()
            .zip(weights)
            .map(|(theme, percent_bp)| ThemeShare { theme, percent_bp })
            .collect(),
    )
}

fn differences(
    old: &Agreement,
    new: &Agreement,
    partners: &[Partner],
    new_partners: &[Partner],
    partner: PartnerRef,
    lists: &ReferenceLists,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut cmp = |field: &str, a: String, b: String| {
        if a != b {
            out.push((field.to_string(), a, b));
        }
    };
    let partner_name = |id: PartnerId| {
        partners
            .iter()
            .find(|p| p.id == id)
            .map_or_else(|| id.0.to_string(), |p| p.name.clone())
    };
    let new_partner = match partner {
        PartnerRef::Existing(id) => partner_name(id),
        PartnerRef::New(i) => new_partners
            .get(i)
            .map_or_else(String::new, |p| p.name.clone()),
    };
    let money = |m: &Option<Money>| m.map_or_else(|| "-".to_string(), |m| m.to_string());
    let themes = |t: &[ThemeShare]| {
        let mut v: Vec<String> = t
            .iter()
            .map(|s| {
                format!(
                    "{} {}%",
                    lists.label(ListKind::Theme, &s.theme, crate::domain::Lang::En),
                    crate::domain::bp_text(s.percent_bp)
                )
            })
            .collect();
        v.sort();
        v.join("; ")
    };
    cmp(
        "reference",
        old.reference.clone().unwrap_or_default(),
        new.reference.clone().unwrap_or_default(),
    );
    cmp("title", old.title.clone(), new.title.clone());
    cmp("partner", partner_name(old.partner_id), new_partner);
    cmp(
        "signed_on",
        old.signed_on.to_string(),
        new.signed_on.to_string(),
    );
    cmp(
        "status",
        old.status.as_str().into(),
        new.status.as_str().into(),
    );
    cmp("amount", money(&old.contribution), money(&new.contribution));
    cmp(
        "own_contribution",
        money(&old.own_part),
        money(&new.own_part),
    );
    cmp("region", old.region.clone(), new.region.clone());
    cmp("theme", themes(&old.themes), themes(&new.themes));
    cmp("notes", old.notes.clone(), new.notes.clone());
    out
}
