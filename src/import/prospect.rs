//! Funding partners' profiles as an import reads them (`pledger import FILE --kind
//! prospects`): a row is the profile of one partner (one the ledger has, or a new one the
//! row gives the type of), replacing the profile it had. Lists are written in one cell,
//! separated by `;`, `|` or new lines:
//! - themes and regions by their names in the reference lists; keywords; excluded countries
//!   by ISO code;
//! - funding windows as `name: opens – closes url` (`Call 2022: 2022-01-10 – 2022-03-31
//!   https://…`);
//! - eligibility gates as a statement with what we know of it in brackets or after a colon
//!   (`co-funding of at least 20 % (yes)`, `LDCs only: no`, `…(?)`); no answer is unknown.
//!
//! The ticket is min / typical / max in one currency; a typical amount not given is the
//! middle of the range. Contacts come from the contact columns, one entry per contact.

use std::collections::HashMap;

use crate::domain::{Contact, FundingWindow, Gate, ListKind, Money, PartnerId, Prospect, Ticket};
use crate::ledger::{LedgerError, Put, Writer};

use super::cells::Cell;
use super::deal::{NamedPartner, NewPartners, optional_date, read_partner};
use super::mapping::field_kind;
use super::matching::fingerprint;
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{Action, LedgerView, Plan, RowReader, SheetAt, labels};
use super::values::{DayOrder, match_entry, normalise, parse_date, parse_theme_list};
use super::{ImportOptions, Problem, Severity};

field_kind! {
    /// A field of a prospects sheet.
    pub enum ProspectField in "prospects", required [Partner] {
        /// The funding partner.
        Partner => "partner",
        /// Its partner type (for a partner new to the ledger).
        PartnerType => "partner_type",
        /// The themes it funds.
        Themes => "themes",
        /// The regions it funds.
        Regions => "regions",
        /// Sectors or keywords it states.
        Keywords => "keywords",
        /// Countries it does not fund.
        ExcludedCountries => "excluded_countries",
        /// The least it gives.
        TicketMin => "ticket_min",
        /// What it usually gives.
        TicketTypical => "ticket_typical",
        /// The most it gives.
        TicketMax => "ticket_max",
        /// The ticket's currency.
        Currency => "currency",
        /// Its calls.
        Windows => "windows",
        /// Its conditions, and whether we meet them.
        Gates => "gates",
        /// Who keeps the relationship.
        Owner => "owner",
        /// A contact's name.
        Contact => "contact",
        /// The contact's role.
        ContactRole => "contact_role",
        /// The contact's e-mail.
        ContactEmail => "contact_email",
        /// The contact's phone.
        ContactPhone => "contact_phone",
        /// The language to write to the contact in.
        ContactLanguage => "contact_language",
        /// Where the profile comes from.
        Source => "source",
        /// The day the profile was last checked.
        VerifiedOn => "verified_on",
    }
}

/// The prospects kind of row.
pub struct Prospects;

impl RowKind for Prospects {
    type Field = ProspectField;
    type Item = ProspectRow;
    const NOUN: (&'static str, &'static str) = ("prospect", "prospects");
    const DATE: Option<ProspectField> = Some(ProspectField::VerifiedOn);

    fn planner<'a>(
        view: &'a LedgerView,
        _plan: &mut Plan,
        at: SheetAt<'a, ProspectField>,
        _options: &ImportOptions,
    ) -> Option<impl PlanRows<ProspectRow> + Send + use<'a>> {
        Some(ProspectPlanner {
            view,
            at,
            order: DayOrder::Unknown,
            partners: HashMap::new(),
        })
    }

    fn writer<'a>(
        _w: &mut Writer<'_>,
        _view: &'a LedgerView,
        _plan: &Plan,
        _at: SheetAt<'a, ProspectField>,
    ) -> Result<impl WriteRows<ProspectRow> + use<'a>, LedgerError> {
        Ok(ProspectWriter {
            partners: NewPartners::default(),
        })
    }
}

/// A row of a prospects sheet as planned: the partner, and the profile (its partner still
/// to be found).
pub struct ProspectRow {
    number: usize,
    planned: Option<(NamedPartner, String, Prospect)>,
    problems: Vec<Problem>,
}

struct ProspectPlanner<'a> {
    view: &'a LedgerView,
    at: SheetAt<'a, ProspectField>,
    order: DayOrder,
    /// The fingerprints of the partners earlier rows named, and their row.
    partners: HashMap<String, usize>,
}

impl PlanRows<ProspectRow> for ProspectPlanner<'_> {
    fn row(&mut self, row_number: usize, cells: &mut [Cell], out: &mut Vec<ProspectRow>) {
        let mut r = RowReader::new(self.at, row_number, cells);
        let planned = if r.check_cells() {
            self.read(&mut r)
        } else {
            None
        };
        out.push(ProspectRow {
            number: row_number,
            planned,
            problems: r.problems,
        });
    }

    fn set_order(&mut self, order: DayOrder) {
        self.order = order;
    }
}

/// The contacts of a row: each contact column holds one entry per contact, in the same
/// order, separated by `;` or new lines (an entry left empty between two separators is not
/// known); a column with another number of entries than the others is an error. A contact
/// with every entry empty is dropped.
fn contacts(r: &mut RowReader<'_, ProspectField>) -> Option<Vec<Contact>> {
    use ProspectField as F;
    const COLUMNS: [ProspectField; 5] = [
        F::Contact,
        F::ContactRole,
        F::ContactEmail,
        F::ContactPhone,
        F::ContactLanguage,
    ];
    let values = COLUMNS.map(|f| {
        r.text(f)
            .map(|t| {
                t.trim()
                    .split([';', '\n', '；'])
                    .map(|e| e.trim().to_string())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    });
    let n = values.iter().map(Vec::len).max().unwrap_or(0);
    let mut bad = false;
    for (field, v) in COLUMNS.into_iter().zip(&values) {
        if !v.is_empty() && v.len() != n {
            let message = format!(
                "{} entries here but {n} contacts in the other contact columns: give one entry per contact, in the same order, separated by ';' (leave one empty between two ';' when not known)",
                v.len()
            );
            r.problem(field, Severity::Error, message);
            bad = true;
        }
    }
    if bad {
        return None;
    }
    let at = |column: usize, i: usize| values[column].get(i).cloned().unwrap_or_default();
    let all = (0..n)
        .map(|i| Contact {
            name: at(0, i),
            role: at(1, i),
            email: at(2, i),
            phone: at(3, i),
            language: at(4, i),
        })
        .filter(|c| *c != Contact::default())
        .collect();
    Some(all)
}

/// The entries of a list cell.
fn entries(text: &str) -> impl Iterator<Item = &str> {
    text.split([';', '|', '\n', '；'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
}

impl ProspectPlanner<'_> {
    fn read(
        &mut self,
        r: &mut RowReader<'_, ProspectField>,
    ) -> Option<(NamedPartner, String, Prospect)> {
        use ProspectField as F;
        let name = r.text(F::Partner).map(|t| t.into_owned());
        if let Some(name) = &name {
            let key = fingerprint(name);
            if let Some(first) = self.partners.get(&key) {
                let message = format!("'{name}' has a profile already on row {first}");
                r.problem(F::Partner, Severity::Error, message);
            } else {
                self.partners.insert(key, r.row_number);
            }
        }
        let partner = read_partner(r, self.view, F::Partner, F::PartnerType);
        let themes = self.keys(r, F::Themes, ListKind::Theme, "theme");
        let regions = self.keys(r, F::Regions, ListKind::Region, "region");
        let keywords = r
            .text(F::Keywords)
            .map(|t| entries(&t).map(str::to_string).collect())
            .unwrap_or_default();
        let excluded = excluded_countries(r);
        let ticket = read_ticket(r);
        let windows = self.windows(r);
        let gates = r
            .text(F::Gates)
            .map(|t| entries(&t).map(gate).collect())
            .unwrap_or_default();
        let verified_on = optional_date(r, F::VerifiedOn, self.order, "a verification date");
        let contacts = contacts(r);
        let text = |f| r.text(f).map(|t| t.into_owned()).unwrap_or_default();
        let prospect = Prospect {
            partner_id: PartnerId(0),
            themes: themes?,
            regions: regions?,
            keywords,
            excluded_countries: excluded?,
            ticket: ticket.ok()?,
            windows: windows?,
            gates,
            owner: text(F::Owner),
            contacts: contacts?,
            source: text(F::Source),
            verified_on: verified_on.ok()?,
        };
        let mut bad = false;
        for p in prospect.problems(&self.view.lists) {
            let field = match p.field {
                "themes" => F::Themes,
                "regions" => F::Regions,
                "ticket" => F::TicketTypical,
                "windows" => F::Windows,
                _ => F::Partner,
            };
            r.problem(field, Severity::Error, p.message);
            bad = true;
        }
        if bad {
            return None;
        }
        Some((partner?, name?, prospect))
    }

    /// The keys of the list entries a cell names; an entry the list lacks is an error.
    fn keys(
        &self,
        r: &mut RowReader<'_, ProspectField>,
        field: ProspectField,
        kind: ListKind,
        what: &str,
    ) -> Option<Vec<String>> {
        let Some(text) = r.text(field) else {
            return Some(Vec::new());
        };
        // Themes may carry percentages as an agreement's do; a profile keeps the names.
        let names: Vec<String> = match kind {
            ListKind::Theme => match parse_theme_list(&text) {
                Ok(parts) => parts.into_iter().map(|p| p.name).collect(),
                Err(e) => {
                    r.problem(field, Severity::Error, e);
                    return None;
                }
            },
            _ => entries(&text).map(str::to_string).collect(),
        };
        let mut keys: Vec<String> = Vec::new();
        for name in names {
            match match_entry(&self.view.lists, kind, &name) {
                Some(k) if keys.iter().any(|have| have == k) => {}
                Some(k) => keys.push(k.to_string()),
                None => {
                    let list = labels(&self.view.lists, kind);
                    let message = format!("'{name}' is not a {what}; the list is: {list}");
                    r.problem(field, Severity::Error, message);
                    return None;
                }
            }
        }
        Some(keys)
    }

    /// The funding windows of the windows cell.
    fn windows(&self, r: &mut RowReader<'_, ProspectField>) -> Option<Vec<FundingWindow>> {
        let Some(text) = r.text(ProspectField::Windows) else {
            return Some(Vec::new());
        };
        let mut out = Vec::new();
        for entry in text.split([';', '\n', '；']).map(str::trim) {
            if entry.is_empty() {
                continue;
            }
            match window(entry, self.order) {
                Ok(w) => out.push(w),
                Err(e) => {
                    r.problem(ProspectField::Windows, Severity::Error, e);
                    return None;
                }
            }
        }
        Some(out)
    }
}

/// A funding window written `name: opens – closes url`.
fn window(entry: &str, order: DayOrder) -> Result<FundingWindow, String> {
    let mut name = Vec::new();
    let mut days = Vec::new();
    let mut url = String::new();
    let separators = ['–', '—', '~', '至', '→'];
    for token in entry.split(char::is_whitespace).flat_map(|t| t.split("..")) {
        for token in token.split(separators) {
            let token = token.trim();
            if token.is_empty() {
                continue;
            }
            if token.starts_with("http://") || token.starts_with("https://") {
                url = token.to_string();
            } else if let Some(day) = (days.len() < 2)
                .then(|| parse_date(token, order).ok())
                .flatten()
            {
                days.push(day);
            } else if days.is_empty() {
                name.push(token);
            } else if !matches!(normalise(token).as_str(), "to" | "au" | "a" | "until") {
                return Err(format!("'{entry}': '{token}' is neither a day nor a link"));
            }
        }
    }
    let name = name.join(" ");
    let name = name.trim_end_matches([':', '：', ',']).trim();
    match (days.as_slice(), name.is_empty()) {
        (_, true) => Err(format!("'{entry}' names no window")),
        ([opens, closes], false) => Ok(FundingWindow {
            name: name.to_string(),
            opens: *opens,
            closes: *closes,
            url,
        }),
        _ => Err(format!(
            "'{entry}' needs the day the window opens and the day it closes"
        )),
    }
}

/// A gate written with what we know of it: `(yes)`, `: no`, `(?)`; unknown without.
fn gate(entry: &str) -> Gate {
    let answer = |text: &str| -> Option<Option<bool>> {
        match normalise(text).as_str() {
            "yes" | "y" | "true" | "met" | "oui" | "vrai" | "是" | "满足" => Some(Some(true)),
            "no" | "n" | "false" | "notmet" | "non" | "faux" | "否" | "不满足" => {
                Some(Some(false))
            }
            "" | "unknown" | "inconnu" | "未知" => Some(None),
            _ => None,
        }
    };
    let trimmed = entry.trim();
    let split = trimmed
        .strip_suffix([')', '）'])
        .and_then(|head| head.rsplit_once(['(', '（']))
        .or_else(|| trimmed.rsplit_once([':', '：']));
    if let Some((statement, said)) = split
        && let Some(met) = answer(said)
        && !statement.trim().is_empty()
    {
        return Gate {
            statement: statement.trim().to_string(),
            met,
        };
    }
    Gate {
        statement: trimmed.to_string(),
        met: None,
    }
}

/// The ISO codes of the excluded-countries cell.
fn excluded_countries(r: &mut RowReader<'_, ProspectField>) -> Option<Vec<String>> {
    let Some(text) = r.text(ProspectField::ExcludedCountries) else {
        return Some(Vec::new());
    };
    let mut out = Vec::new();
    for code in entries(&text).flat_map(|e| e.split(',')).map(str::trim) {
        if code.is_empty() {
            continue;
        }
        if !(2..=3).contains(&code.len()) || !code.chars().all(|c| c.is_ascii_alphabetic()) {
            let message = format!("'{code}' is not an ISO country code (such as FR or FRA)");
            r.problem(ProspectField::ExcludedCountries, Severity::Error, message);
            return None;
        }
        out.push(code.to_ascii_uppercase());
    }
    Some(out)
}

/// The ticket of the row; `Err` when told as a problem.
fn read_ticket(r: &mut RowReader<'_, ProspectField>) -> Result<Option<Ticket>, ()> {
    use ProspectField as F;
    let mut read = |field| -> Result<Option<Money>, ()> {
        let Some((value, currency)) = r.amount(field, Some(F::Currency), false).map_err(|_| ())?
        else {
            return Ok(None);
        };
        let Some(currency) = currency else {
            let message =
                "a ticket amount needs its currency (a currency column, or a code in the cell)";
            r.problem(field, Severity::Error, message.into());
            return Err(());
        };
        Money::from_decimal(value, currency)
            .map(Some)
            .map_err(|e| r.problem(field, Severity::Error, e.to_string()))
    };
    let (min, typical, max) = (
        read(F::TicketMin)?,
        read(F::TicketTypical)?,
        read(F::TicketMax)?,
    );
    match (min, typical, max) {
        (None, None, None) => Ok(None),
        (Some(min), typical, Some(max)) => {
            let typical = typical.unwrap_or(Money::from_minor(
                min.minor + (max.minor - min.minor) / 2,
                min.currency,
            ));
            Ok(Some(Ticket { min, typical, max }))
        }
        (min, _, _) => {
            let field = if min.is_none() {
                F::TicketMin
            } else {
                F::TicketMax
            };
            r.problem(
                field,
                Severity::Error,
                "give the ticket's min and max (the typical amount may be left out)".into(),
            );
            Err(())
        }
    }
}

struct ProspectWriter {
    partners: NewPartners,
}

impl WriteRows<ProspectRow> for ProspectWriter {
    fn take(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        row: ProspectRow,
    ) -> Result<(), LedgerError> {
        let blocked = row.problems.iter().any(|p| p.severity == Severity::Error);
        let Some((partner, name, prospect)) = row.planned else {
            plan.nothing_from(row.problems);
            return Ok(());
        };
        plan.problems.extend(row.problems);
        if blocked {
            plan.record(row.number, Action::Create, true, || name);
            return Ok(());
        }
        let partner_id = self.partners.id(w, plan, partner)?;
        let prospect = Prospect {
            partner_id,
            ..prospect
        };
        let action = match w.put_prospect(&prospect)? {
            Put::Created => Action::Create,
            Put::Unchanged => Action::Unchanged,
            Put::Updated(old) => Action::Update {
                changes: differences(&old, &prospect),
            },
        };
        plan.record(row.number, action, false, || name);
        Ok(())
    }

    fn end(self, _w: &mut Writer<'_>, _plan: &mut Plan) -> Result<usize, LedgerError> {
        Ok(self.partners.count())
    }
}

/// The parts of a profile an import changes: (part, old, new), each as JSON.
fn differences(old: &Prospect, new: &Prospect) -> Vec<(String, String, String)> {
    let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) =
        (serde_json::to_value(old), serde_json::to_value(new))
    else {
        return Vec::new();
    };
    b.into_iter()
        .filter_map(|(field, new)| {
            let old = a.get(&field).cloned().unwrap_or_default();
            (old != new).then(|| (field, old.to_string(), new.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gates_say_what_we_know() {
        let g = gate("co-funding of at least 20 % (yes)");
        assert_eq!(g.statement, "co-funding of at least 20 %");
        assert_eq!(g.met, Some(true));
        assert_eq!(gate("LDCs only: non").met, Some(false));
        assert_eq!(gate("audited accounts (?)").met, None);
        let plain = gate("projects in Asia (mostly)");
        assert_eq!(plain.statement, "projects in Asia (mostly)");
        assert_eq!(plain.met, None);
    }

    #[test]
    fn windows_name_their_days_and_link() {
        let w = window(
            "Call 2022: 2022-01-10 – 2022-03-31 https://example.org/call",
            DayOrder::Unknown,
        )
        .unwrap();
        assert_eq!(w.name, "Call 2022");
        assert_eq!(w.opens.to_string(), "2022-01-10");
        assert_eq!(w.closes.to_string(), "2022-03-31");
        assert_eq!(w.url, "https://example.org/call");
        let w = window("Budget cycle 2022-06-01..2022-09-30", DayOrder::Unknown).unwrap();
        assert_eq!(w.name, "Budget cycle");
        assert!(window("Call 2022: 2022-01-10", DayOrder::Unknown).is_err());
        assert!(window("2022-01-10 – 2022-03-31", DayOrder::Unknown).is_err());
    }
}
