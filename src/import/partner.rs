//! Partners as an import reads them (`pledger import FILE --kind partners`, the sample's
//! partner list): a row names a partner with its type, Chinese name, country and other
//! spellings; a partner the ledger has (by name or a known spelling) takes the row's values
//! and new spellings, another is created.

use std::collections::HashMap;

use crate::domain::{ListKind, Partner, PartnerId};
use crate::ledger::{LedgerError, Writer};

use super::ImportOptions;
use super::cells::Cell;
use super::mapping::field_kind;
use super::matching::fingerprint;
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{Action, LedgerView, Plan, RowReader, SheetAt, labels};
use super::values::match_entry;
use super::{Problem, Severity};

field_kind! {
    /// A field of a partners sheet.
    pub enum PartnerField in "partners", required [Name] {
        /// The partner's name.
        Name => "name",
        /// Its name in Chinese.
        NameZh => "name_zh",
        /// Its partner type (required for a partner new to the ledger).
        PartnerType => "partner_type",
        /// Its country.
        Country => "country",
        /// Other spellings, separated by `|` or `;`.
        Aliases => "aliases",
    }
}

/// The partners kind of row.
pub struct Partners;

impl RowKind for Partners {
    type Field = PartnerField;
    type Item = PartnerRow;
    const NOUN: (&'static str, &'static str) = ("partner", "partners");
    const DATE: Option<PartnerField> = None;

    fn planner<'a>(
        view: &'a LedgerView,
        _plan: &mut Plan,
        at: SheetAt<'a, PartnerField>,
        _options: &ImportOptions,
    ) -> Option<impl PlanRows<PartnerRow> + Send + use<'a>> {
        Some(PartnerPlanner {
            view,
            at,
            names: HashMap::new(),
        })
    }

    fn writer<'a>(
        _w: &mut Writer<'_>,
        _view: &'a LedgerView,
        _plan: &Plan,
        _at: SheetAt<'a, PartnerField>,
    ) -> Result<impl WriteRows<PartnerRow> + use<'a>, LedgerError> {
        Ok(PartnerWriter { created: 0 })
    }
}

/// A row of a partners sheet as planned.
pub struct PartnerRow {
    number: usize,
    /// The partner as it will be (its id is the ledger's for a partner it has), and what the
    /// row does to it; `None` when the row gives none.
    planned: Option<(Partner, Action)>,
    problems: Vec<Problem>,
}

/// Plans partner rows against the ledger's partners.
struct PartnerPlanner<'a> {
    view: &'a LedgerView,
    at: SheetAt<'a, PartnerField>,
    /// The fingerprints of the names and spellings earlier rows gave, and their row.
    names: HashMap<String, usize>,
}

impl PlanRows<PartnerRow> for PartnerPlanner<'_> {
    fn row(&mut self, row_number: usize, cells: &mut [Cell], out: &mut Vec<PartnerRow>) {
        let mut r = RowReader::new(self.at, row_number, cells);
        let planned = self.read(&mut r);
        out.push(PartnerRow {
            number: row_number,
            planned,
            problems: r.problems,
        });
    }
}

impl PartnerPlanner<'_> {
    fn read(&mut self, r: &mut RowReader<'_, PartnerField>) -> Option<(Partner, Action)> {
        use PartnerField as F;
        if !r.check_cells() {
            return None;
        }
        let name = r
            .required(F::Name, "the partner's name is missing")?
            .into_owned();
        // Spellings that differ only in case or punctuation are one ("Norad | NORAD").
        let mut keys = vec![fingerprint(&name)];
        let aliases: Vec<String> = r
            .text(F::Aliases)
            .map(|t| {
                t.split(['|', ';'])
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .filter(|s| {
                        let key = fingerprint(s);
                        let new = !keys.contains(&key);
                        keys.push(key);
                        new
                    })
                    .collect()
            })
            .unwrap_or_default();
        let existing = self.view.matcher.exact(&name);
        // Every spelling names this partner only: not another ledger partner, nor an
        // earlier row's.
        let mut clash = false;
        for (field, spelling) in
            std::iter::once((F::Name, &name)).chain(aliases.iter().map(|a| (F::Aliases, a)))
        {
            let key = fingerprint(spelling);
            if let Some(&first) = self.names.get(&key) {
                r.problem(
                    field,
                    Severity::Error,
                    format!("'{spelling}' appears already on row {first}"),
                );
                clash = true;
                continue;
            }
            self.names.insert(key, r.row_number);
            let owner = self.view.matcher.exact(spelling);
            if let Some(other) = owner.filter(|o| Some(*o) != existing)
                && let Some(p) = self.view.partner(other)
            {
                r.problem(
                    field,
                    Severity::Error,
                    format!(
                        "'{spelling}' is a spelling of another partner, '{}'",
                        p.name
                    ),
                );
                clash = true;
            }
        }
        let partner_type = match r.text(F::PartnerType) {
            Some(t) => match match_entry(&self.view.lists, ListKind::PartnerType, &t) {
                Some(key) => Some(key.to_string()),
                None => {
                    let list = labels(&self.view.lists, ListKind::PartnerType);
                    r.problem(
                        F::PartnerType,
                        Severity::Error,
                        format!("'{t}' is not a partner type; the list is: {list}"),
                    );
                    return None;
                }
            },
            None => None,
        };
        let name_zh = r.text(F::NameZh).map(|t| t.into_owned());
        let country = r.text(F::Country).map(|t| t.into_owned());
        if clash {
            return None;
        }
        let Some(old) = existing.and_then(|id| self.view.partner(id)) else {
            let Some(partner_type) = partner_type else {
                r.problem(
                    F::PartnerType,
                    Severity::Error,
                    format!("'{name}' is a new partner and the row gives no partner type"),
                );
                return None;
            };
            let partner = Partner {
                id: PartnerId(0),
                name,
                name_zh,
                partner_type,
                country,
                aliases,
            };
            return Some((partner, Action::Create));
        };
        // The row's values replace the ledger's; its spellings join those the ledger has.
        let mut new = old.clone();
        new.name_zh = name_zh.or(new.name_zh);
        new.partner_type = partner_type.unwrap_or(new.partner_type);
        new.country = country.or(new.country);
        for a in aliases {
            let key = fingerprint(&a);
            let known = std::iter::once(&new.name).chain(&new.aliases);
            if !known.map(|k| fingerprint(k)).any(|k| k == key) {
                new.aliases.push(a);
            }
        }
        let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
        let changes: Vec<(String, String, String)> = [
            ("name_zh", show(&old.name_zh), show(&new.name_zh)),
            (
                "partner_type",
                old.partner_type.clone(),
                new.partner_type.clone(),
            ),
            ("country", show(&old.country), show(&new.country)),
            ("aliases", old.aliases.join(" | "), new.aliases.join(" | ")),
        ]
        .into_iter()
        .filter(|(_, a, b)| a != b)
        .map(|(f, a, b)| (f.to_string(), a, b))
        .collect();
        let action = if changes.is_empty() {
            Action::Unchanged
        } else {
            Action::Update { changes }
        };
        Some((new, action))
    }
}

/// Writes planned partners.
struct PartnerWriter {
    created: usize,
}

impl WriteRows<PartnerRow> for PartnerWriter {
    fn take(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        row: PartnerRow,
    ) -> Result<(), LedgerError> {
        let blocked = row.problems.iter().any(|p| p.severity == Severity::Error);
        let Some((partner, action)) = row.planned else {
            plan.nothing_from(row.problems);
            return Ok(());
        };
        plan.problems.extend(row.problems);
        if !blocked {
            match action {
                Action::Create => {
                    w.add_partner(&partner)?;
                    self.created += 1;
                    plan.new_partners.push(partner.clone());
                }
                Action::Update { .. } => w.update_partner(&partner)?,
                Action::Unchanged => {}
            }
        }
        plan.record(row.number, action, blocked, || partner.name);
        Ok(())
    }

    fn end(self, _w: &mut Writer<'_>, _plan: &mut Plan) -> Result<usize, LedgerError> {
        Ok(self.created)
    }
}
