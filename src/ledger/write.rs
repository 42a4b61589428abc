//! Changes to the ledger, made inside one transaction by [`super::Ledger::write`]. Every
//! change is validated and leaves an audit entry with the old and new values, but for a new
//! agreement, whose values are its row's until an update or a delete records them as old.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Transaction, params};
use serde::Serialize;

use super::LedgerError;
use super::agreement_row;
use super::bulk::Held;
use super::read::{read_agreement, read_lists, read_themes};
use crate::domain::{
    Agreement, AgreementId, Currency, ExchangeRate, ListKind, Money, Organisation, Partner,
    PartnerId, ReferenceLists, ReportSettings,
};

/// The handle a write transaction hands to its closure.
pub struct Writer<'t> {
    /// The transaction, reached through what new agreements still owe.
    pub(super) held: Held<'t>,
    // The reference lists, read once per transaction (an import checks every row against
    // them) and dropped when they are replaced.
    lists: Option<ReferenceLists>,
}

pub(super) fn json<T: Serialize>(value: &T) -> Option<String> {
    serde_json::to_string(value).ok()
}

impl<'t> Writer<'t> {
    pub(super) fn new(tx: &'t Transaction<'t>) -> Writer<'t> {
        Writer {
            held: Held::new(tx),
            lists: None,
        }
    }

    /// Ends the writing: what is held is written, the date index is whole.
    pub(super) fn finish(&mut self) -> Result<(), LedgerError> {
        self.held.finish()
    }

    pub(super) fn audit(
        &mut self,
        entity: &str,
        id: &str,
        action: &str,
        old: Option<String>,
        new: Option<String>,
    ) -> Result<(), LedgerError> {
        self.held
            .tx()?
            .prepare_cached(
                "INSERT INTO audit (at, entity, entity_id, action, old, new, batch_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![self.held.now(), entity, id, action, old, new, self.held.batch()])?;
        Ok(())
    }

    /// Replaces the three reference lists with `lists` (labels, synonyms and order).
    pub fn replace_reference_lists(&mut self, lists: &ReferenceLists) -> Result<(), LedgerError> {
        self.lists = None;
        self.held.tx()?.execute("DELETE FROM reference_entry", [])?;
        for kind in [ListKind::PartnerType, ListKind::Region, ListKind::Theme] {
            for (position, e) in lists.list(kind).iter().enumerate() {
                self.held.tx()?
                    .prepare_cached(
                        "INSERT INTO reference_entry (kind, key, label_en, label_zh, iati_code, synonyms, position)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                    )?
                    .execute(params![
                        kind.as_str(),
                        e.key,
                        e.label_en,
                        e.label_zh,
                        e.iati_code,
                        json(&e.synonyms).unwrap_or_else(|| "[]".into()),
                        i64::try_from(position).unwrap_or(i64::MAX)
                    ])?;
            }
        }
        self.audit("reference_lists", "all", "update", None, json(lists))
    }

    /// Sets the reporting currency.
    pub fn set_reporting_currency(&mut self, currency: Currency) -> Result<(), LedgerError> {
        self.held.tx()?.execute(
            "UPDATE setting SET value = ?1 WHERE key = 'reporting_currency'",
            [currency.code()],
        )?;
        self.audit(
            "setting",
            "reporting_currency",
            "update",
            None,
            Some(currency.code().into()),
        )
    }

    /// Sets the report settings (settings `report_top`, `report_group_under_tenths`),
    /// refusing a top outside 1 to [`ReportSettings::MAX_TOP`] or a threshold above 100 %.
    pub fn set_report_settings(&mut self, settings: &ReportSettings) -> Result<(), LedgerError> {
        if !(1..=ReportSettings::MAX_TOP).contains(&settings.top) {
            return Err(LedgerError::Refused(format!(
                "a report lists 1 to {} top partners, not {}",
                ReportSettings::MAX_TOP,
                settings.top
            )));
        }
        if settings.group_under_tenths > 1000 {
            return Err(LedgerError::Refused(format!(
                "slices are grouped under 0 to 100 %, not {}.{} %",
                settings.group_under_tenths / 10,
                settings.group_under_tenths % 10
            )));
        }
        self.put_setting("report_top", &settings.top.to_string())?;
        self.put_setting(
            "report_group_under_tenths",
            &settings.group_under_tenths.to_string(),
        )
    }

    /// Sets the organisation's names (settings `org_name`, `org_short_name`).
    pub fn set_organisation(&mut self, org: &Organisation) -> Result<(), LedgerError> {
        self.put_setting("org_name", &org.name)?;
        self.put_setting("org_short_name", &org.short_name)
    }

    /// Sets setting `key` to `value`, audited; nothing when it holds that already.
    fn put_setting(&mut self, key: &str, value: &str) -> Result<(), LedgerError> {
        let old: Option<String> = self
            .held
            .tx()?
            .query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?;
        if old.as_deref() == Some(value) {
            return Ok(());
        }
        self.held.tx()?.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        self.audit("setting", key, "update", old, Some(value.to_owned()))
    }

    /// Remembers in mapping profile `profile` that a column headed with normalised text
    /// `header_key` holds `field`, for the next import of a sheet with that header.
    pub fn learn_mapping(
        &mut self,
        profile: &str,
        header_key: &str,
        field: &str,
    ) -> Result<(), LedgerError> {
        self.held.tx()?
            .prepare_cached(
                "INSERT OR REPLACE INTO mapping_profile (name, header_key, field) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![profile, header_key, field])?;
        Ok(())
    }

    fn check_partner(&self, p: &Partner) -> Result<(), LedgerError> {
        let mut problems = Vec::new();
        if p.name.trim().is_empty() {
            problems.push(crate::domain::FieldProblem {
                field: "name",
                message: "the name is blank".into(),
            });
        }
        let known: Option<i64> = self
            .held
            .peek()
            .query_row(
                "SELECT 1 FROM reference_entry WHERE kind = 'partner_type' AND key = ?1",
                [&p.partner_type],
                |r| r.get(0),
            )
            .optional()?;
        if known.is_none() {
            problems.push(crate::domain::FieldProblem {
                field: "partner_type",
                message: format!("'{}' is not in the partner-type list", p.partner_type),
            });
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(LedgerError::Invalid {
                what: "partner",
                problems,
            })
        }
    }

    /// Adds a partner with its aliases; refuses a name or alias another partner uses.
    pub fn add_partner(&mut self, partner: &Partner) -> Result<PartnerId, LedgerError> {
        self.check_partner(partner)?;
        self.held.tx()?
            .prepare_cached("INSERT INTO partner (name, name_zh, partner_type, country) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![partner.name.trim(), partner.name_zh, partner.partner_type, partner.country])
            .map_err(|e| refuse_duplicate(e, &format!("a partner named '{}' exists already", partner.name)))?;
        let id = PartnerId(self.held.tx()?.last_insert_rowid());
        for alias in &partner.aliases {
            self.insert_alias(id, alias)?;
        }
        let stored = Partner {
            id,
            ..partner.clone()
        };
        self.audit("partner", &id.0.to_string(), "create", None, json(&stored))?;
        Ok(id)
    }

    fn insert_alias(&mut self, id: PartnerId, alias: &str) -> Result<(), LedgerError> {
        let alias = alias.trim();
        if alias.is_empty() {
            return Ok(());
        }
        let owner: Option<i64> = self
            .held
            .tx()?
            .query_row(
                "SELECT partner_id FROM partner_alias WHERE alias = ?1",
                [alias],
                |r| r.get(0),
            )
            .optional()?;
        match owner {
            Some(o) if o == id.0 => Ok(()),
            Some(_) => Err(LedgerError::Refused(format!(
                "the alias '{alias}' belongs to another partner"
            ))),
            None => {
                self.held
                    .tx()?
                    .prepare_cached(
                        "INSERT INTO partner_alias (alias, partner_id) VALUES (?1, ?2)",
                    )?
                    .execute(params![alias, id.0])?;
                Ok(())
            }
        }
    }

    fn stored_partner(&self, id: PartnerId) -> Result<Partner, LedgerError> {
        let row = self
            .held
            .peek()
            .query_row(
                "SELECT name, name_zh, partner_type, country FROM partner WHERE id = ?1",
                [id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let Some((name, name_zh, partner_type, country)) = row else {
            return Err(LedgerError::NotFound(format!("partner {}", id.0)));
        };
        let mut stmt = self.held.peek().prepare_cached(
            "SELECT alias FROM partner_alias WHERE partner_id = ?1 ORDER BY alias",
        )?;
        let aliases = stmt
            .query_map([id.0], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(Partner {
            id,
            name,
            name_zh,
            partner_type,
            country,
            aliases,
        })
    }

    /// Replaces a partner's fields and aliases.
    pub fn update_partner(&mut self, partner: &Partner) -> Result<(), LedgerError> {
        self.check_partner(partner)?;
        let old = self.stored_partner(partner.id)?;
        if old == *partner {
            return Ok(());
        }
        self.held.tx()?
            .execute(
                "UPDATE partner SET name = ?2, name_zh = ?3, partner_type = ?4, country = ?5 WHERE id = ?1",
                params![partner.id.0, partner.name.trim(), partner.name_zh, partner.partner_type, partner.country],
            )
            .map_err(|e| refuse_duplicate(e, &format!("a partner named '{}' exists already", partner.name)))?;
        self.held.tx()?.execute(
            "DELETE FROM partner_alias WHERE partner_id = ?1",
            [partner.id.0],
        )?;
        for alias in &partner.aliases {
            self.insert_alias(partner.id, alias)?;
        }
        self.audit(
            "partner",
            &partner.id.0.to_string(),
            "update",
            json(&old),
            json(partner),
        )
    }

    /// Adds `alias` to a partner (a spelling confirmed during an import).
    pub fn add_alias(&mut self, id: PartnerId, alias: &str) -> Result<(), LedgerError> {
        let mut p = self.stored_partner(id)?;
        if p.aliases.iter().any(|a| a == alias.trim()) || p.name == alias.trim() {
            return Ok(());
        }
        p.aliases.push(alias.trim().to_string());
        self.update_partner(&p)
    }

    /// Deletes a partner that has no agreements.
    pub fn delete_partner(&mut self, id: PartnerId) -> Result<(), LedgerError> {
        let old = self.stored_partner(id)?;
        let n: i64 = self.held.tx()?.query_row(
            "SELECT count(*) FROM agreement WHERE partner_id = ?1",
            [id.0],
            |r| r.get(0),
        )?;
        if n > 0 {
            return Err(LedgerError::Refused(format!(
                "'{}' has {n} {}: merge the partner or delete its agreements first",
                old.name,
                if n == 1 { "agreement" } else { "agreements" }
            )));
        }
        self.held
            .tx()?
            .execute("DELETE FROM partner WHERE id = ?1", [id.0])?;
        self.audit("partner", &id.0.to_string(), "delete", json(&old), None)
    }

    /// Moves every agreement of `from` to `into`, keeps `from`'s name and aliases as aliases
    /// of `into`, and deletes `from`.
    pub fn merge_partners(&mut self, from: PartnerId, into: PartnerId) -> Result<(), LedgerError> {
        if from == into {
            return Err(LedgerError::Refused(
                "a partner cannot be merged into itself".into(),
            ));
        }
        let old = self.stored_partner(from)?;
        let mut target = self.stored_partner(into)?;
        let moved: Vec<i64> = {
            let mut stmt = self
                .held
                .tx()?
                .prepare_cached("SELECT id FROM agreement WHERE partner_id = ?1")?;
            stmt.query_map([from.0], |r| r.get(0))?
                .collect::<Result<_, _>>()?
        };
        for id in moved {
            let before = self.stored_agreement(AgreementId(id))?;
            let after = Agreement {
                partner_id: into,
                ..before.clone()
            };
            self.held.tx()?.execute(
                "UPDATE agreement SET partner_id = ?2 WHERE id = ?1",
                params![id, into.0],
            )?;
            self.audit(
                "agreement",
                &id.to_string(),
                "update",
                agreement_row::json(&before),
                agreement_row::json(&after),
            )?;
        }
        self.move_deals(from, into)?;
        self.held
            .tx()?
            .execute("DELETE FROM partner_alias WHERE partner_id = ?1", [from.0])?;
        self.held
            .tx()?
            .execute("DELETE FROM partner WHERE id = ?1", [from.0])?;
        self.audit("partner", &from.0.to_string(), "delete", json(&old), None)?;
        for alias in std::iter::once(old.name).chain(old.aliases) {
            if !target.aliases.contains(&alias) && alias != target.name {
                target.aliases.push(alias);
            }
        }
        self.update_partner(&target)
    }

    /// The reference lists as this transaction sees them, read once.
    pub(super) fn lists(&mut self) -> Result<&ReferenceLists, LedgerError> {
        if self.lists.is_none() {
            self.lists = Some(read_lists(self.held.peek())?);
        }
        Ok(self.lists.get_or_insert_with(ReferenceLists::defaults))
    }

    fn check_agreement(&mut self, a: &Agreement) -> Result<(), LedgerError> {
        let lists = match self.lists.take() {
            Some(lists) => lists,
            None => read_lists(self.held.peek())?,
        };
        let problems = a.problems(&lists);
        self.lists = Some(lists);
        if !problems.is_empty() {
            return Err(LedgerError::Invalid {
                what: "agreement",
                problems,
            });
        }
        // The partner's existence is the foreign key's to check: see `refuse`.
        Ok(())
    }

    /// Adds an agreement; refuses an invalid one or a reference already used. Its theme
    /// links and audit entry are held and written with the next agreements' ([`Held`]).
    pub fn add_agreement(&mut self, a: &Agreement) -> Result<AgreementId, LedgerError> {
        self.check_agreement(a)?;
        let id = self.held.insert_agreement(a, |e| refuse(e, a))?;
        Ok(AgreementId(id))
    }

    /// Drops the agreements' date index until the transaction ends, which builds it again
    /// ([`Held::defer_date_index`]).
    pub fn defer_date_index(&mut self) -> Result<(), LedgerError> {
        self.held.defer_date_index()
    }

    /// The highest agreement id so far (0 in an empty ledger): ids above it are new.
    pub fn last_agreement_id(&self) -> Result<i64, LedgerError> {
        super::read::last_agreement_id(self.held.peek())
    }

    /// Whether any agreement has a reference, as this transaction sees it.
    pub fn any_reference(&self) -> Result<bool, LedgerError> {
        super::read::any_reference(self.held.peek())
    }

    /// The agreement with `reference`, as this transaction sees it.
    pub fn agreement_with_reference(
        &mut self,
        reference: &str,
    ) -> Result<Option<Agreement>, LedgerError> {
        let found = super::read::agreement_with_reference(self.held.peek(), reference)?;
        self.complete(found)
    }

    /// Agreement `id`, as this transaction sees it.
    pub fn agreement(&mut self, id: AgreementId) -> Result<Option<Agreement>, LedgerError> {
        match read_agreement(self.held.peek(), id) {
            Ok(a) => self.complete(Some(a)),
            Err(LedgerError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `found` with all its theme links, some of which may be held back still.
    fn complete(&mut self, found: Option<Agreement>) -> Result<Option<Agreement>, LedgerError> {
        match found {
            Some(a) if self.held.holds_links_of(a.id.0) => {
                // Its links only: the run of ids created keeps its one audit entry.
                self.held.write_themes_held()?;
                read_agreement(self.held.peek(), a.id).map(Some)
            }
            other => Ok(other),
        }
    }

    /// The agreement of `partner` signed on `signed_on` for `contribution` with the lowest
    /// id in `ids` (the highest when `newest`), as this transaction sees it.
    pub fn agreement_like(
        &mut self,
        partner: PartnerId,
        signed_on: NaiveDate,
        contribution: Option<Money>,
        ids: std::ops::RangeInclusive<i64>,
        newest: bool,
    ) -> Result<Option<Agreement>, LedgerError> {
        // It searches by partner and date: a search per row needs the index.
        self.held.restore_date_index()?;
        let found = super::read::agreement_like(
            self.held.peek(),
            partner,
            signed_on,
            contribution,
            ids,
            newest,
        )?;
        self.complete(found)
    }

    fn stored_agreement(&mut self, id: AgreementId) -> Result<Agreement, LedgerError> {
        read_agreement(self.held.tx()?, id)
    }

    /// Replaces an agreement's fields; returns whether anything changed.
    pub fn update_agreement(&mut self, a: &Agreement) -> Result<bool, LedgerError> {
        self.check_agreement(a)?;
        let old = self.stored_agreement(a.id)?;
        if same_agreement(&old, a) {
            return Ok(false);
        }
        let mut update = self.held.tx()?.prepare_cached(&format!(
            "UPDATE agreement SET ({}) = ({}) WHERE id = ?{}",
            agreement_row::COLUMNS,
            (1..=agreement_row::BOUND)
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", "),
            agreement_row::BOUND + 1
        ))?;
        agreement_row::bind(&mut update, 1, a)?;
        update.raw_bind_parameter(agreement_row::BOUND + 1, a.id.0)?;
        update.raw_execute().map_err(|e| refuse(e, a))?;
        self.held.replace_themes(a, a.id.0)?;
        self.audit(
            "agreement",
            &a.id.0.to_string(),
            "update",
            agreement_row::json(&old),
            agreement_row::json(a),
        )?;
        Ok(true)
    }

    /// Deletes an agreement; refuses one with a payment schedule or receipts.
    pub fn delete_agreement(&mut self, id: AgreementId) -> Result<(), LedgerError> {
        if let Some(what) = self.money_in_of(id.0, id.0)? {
            return Err(LedgerError::Refused(format!("{what}: delete them first")));
        }
        let old = self.stored_agreement(id)?;
        self.held
            .tx()?
            .execute("DELETE FROM agreement WHERE id = ?1", [id.0])?;
        self.audit(
            "agreement",
            &id.0.to_string(),
            "delete",
            agreement_row::json(&old),
            None,
        )
    }

    /// Sets (or replaces) an exchange rate.
    pub fn set_rate(&mut self, rate: &ExchangeRate) -> Result<(), LedgerError> {
        self.put_rate(rate).map(|_| ())
    }

    /// Sets (or replaces) an exchange rate; returns what the ledger had for that currency,
    /// quote and day: `None` when it had no rate, else the rate it had (the same one when
    /// nothing changed).
    pub fn put_rate(
        &mut self,
        rate: &ExchangeRate,
    ) -> Result<Option<rust_decimal::Decimal>, LedgerError> {
        if rate.rate <= rust_decimal::Decimal::ZERO {
            return Err(LedgerError::Refused(format!(
                "a rate must be above zero, not {}",
                rate.rate
            )));
        }
        if rate.currency == rate.quote {
            return Err(LedgerError::Refused(format!(
                "{} to itself needs no rate",
                rate.currency
            )));
        }
        let key = format!("{}/{}/{}", rate.currency, rate.quote, rate.valid_from);
        let old: Option<String> = self
            .held.tx()?
            .query_row(
                "SELECT rate FROM exchange_rate WHERE currency = ?1 AND quote = ?2 AND valid_from = ?3",
                params![rate.currency.code(), rate.quote.code(), rate.valid_from.to_string()],
                |r| r.get(0),
            )
            .optional()?;
        let text = rate.rate.normalize().to_string();
        let had = match &old {
            Some(o) => Some(
                o.parse()
                    .map_err(|_| LedgerError::Corrupt(format!("rate '{o}'")))?,
            ),
            None => None,
        };
        if old.as_deref() == Some(text.as_str()) {
            return Ok(had);
        }
        self.held.tx()?.execute(
            "INSERT OR REPLACE INTO exchange_rate (currency, quote, valid_from, rate) VALUES (?1, ?2, ?3, ?4)",
            params![rate.currency.code(), rate.quote.code(), rate.valid_from.to_string(), text],
        )?;
        let action = if old.is_some() { "update" } else { "create" };
        self.audit("rate", &key, action, old, Some(text))?;
        Ok(had)
    }

    /// Puts back the rate `key` (`CUR/QUOTE/DATE`, as the audit names it) had: `old`, or no
    /// rate at all.
    fn restore_rate(&mut self, key: &str, old: Option<&str>) -> Result<(), LedgerError> {
        let corrupt = || LedgerError::Corrupt(format!("rate '{key}'"));
        let mut parts = key.splitn(3, '/');
        let (Some(currency), Some(quote), Some(day)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(corrupt());
        };
        match old {
            Some(old) => {
                self.held.tx()?.execute(
                    "UPDATE exchange_rate SET rate = ?4 WHERE currency = ?1 AND quote = ?2 AND valid_from = ?3",
                    params![currency, quote, day, old],
                )?;
            }
            None => {
                self.held.tx()?.execute(
                    "DELETE FROM exchange_rate WHERE currency = ?1 AND quote = ?2 AND valid_from = ?3",
                    params![currency, quote, day],
                )?;
            }
        }
        let action = if old.is_some() { "update" } else { "delete" };
        self.audit("rate", key, action, None, old.map(str::to_string))
    }

    /// Records the report of `publication.period` as published: its JSON and each
    /// agreement's contribution to it. Returns the publication's id.
    pub fn record_publication(
        &mut self,
        period: &crate::domain::Period,
        publication: &super::Publication,
    ) -> Result<i64, LedgerError> {
        self.held.tx()?.execute(
            "INSERT INTO publication (period, period_from, period_to, published_at, revision, report_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                publication.period,
                period.from.to_string(),
                period.to.to_string(),
                self.held.now(),
                i64::try_from(publication.revision).unwrap_or(i64::MAX),
                publication.report_json
            ],
        )?;
        let id = self.held.tx()?.last_insert_rowid();
        for a in &publication.agreements {
            self.held.tx()?
                .prepare_cached(
                    "INSERT INTO publication_agreement (publication_id, agreement_id, reference, partner, signed_on, amount_minor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(params![id, a.agreement_id.0, a.reference, a.partner, a.signed_on, a.amount_minor])?;
        }
        self.audit(
            "publication",
            &id.to_string(),
            "create",
            None,
            Some(publication.report_json.clone()),
        )?;
        Ok(id)
    }

    /// Opens an import batch; every later change in this transaction is tagged with it.
    pub fn begin_batch(&mut self, file_name: &str, sha256: &str) -> Result<i64, LedgerError> {
        let tx = self.held.tx()?;
        tx.execute(
            "INSERT INTO import_batch (file_name, sha256, imported_at, created, updated, unchanged, partners) VALUES (?1, ?2, ?3, 0, 0, 0, 0)",
            params![file_name, sha256, self.held.now()],
        )?;
        let id = tx.last_insert_rowid();
        self.held.set_batch(id)?;
        Ok(id)
    }

    /// Records the counts of the open batch.
    pub fn finish_batch(
        &mut self,
        created: usize,
        updated: usize,
        unchanged: usize,
        partners: usize,
    ) -> Result<(), LedgerError> {
        let Some(id) = self.held.batch() else {
            return Ok(());
        };
        let n = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        self.held.tx()?.execute(
            "UPDATE import_batch SET created = ?2, updated = ?3, unchanged = ?4, partners = ?5 WHERE id = ?1",
            params![id, n(created), n(updated), n(unchanged), n(partners)],
        )?;
        Ok(())
    }

    /// Reverses every change of import batch `batch`, newest first, restoring old values;
    /// returns how many changes it reversed.
    pub fn undo_batch(&mut self, batch: i64) -> Result<usize, LedgerError> {
        let undone: Option<Option<String>> = self
            .held
            .tx()?
            .query_row(
                "SELECT undone_at FROM import_batch WHERE id = ?1",
                [batch],
                |r| r.get(0),
            )
            .optional()?;
        match undone {
            None => return Err(LedgerError::NotFound(format!("import batch {batch}"))),
            Some(Some(at)) => {
                return Err(LedgerError::Refused(format!(
                    "import batch {batch} was undone already ({at})"
                )));
            }
            Some(None) => {}
        }
        let entries: Vec<(String, String, String, Option<String>)> = {
            let mut stmt = self.held.tx()?.prepare(
                "SELECT entity, entity_id, action, old FROM audit WHERE batch_id = ?1 ORDER BY id DESC",
            )?;
            stmt.query_map([batch], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })?
            .collect::<Result<_, _>>()?
        };
        let corrupt =
            |what: &str| LedgerError::Corrupt(format!("audit entry of batch {batch}: {what}"));
        if let Some(in_the_way) = self.changed_since(batch, &entries)? {
            return Err(LedgerError::Refused(format!(
                "import batch {batch} cannot be undone: later changes touch what it imported ({in_the_way}); undo those first"
            )));
        }
        // The undo's own changes are tagged with the batch they undo.
        self.held.set_batch(batch)?;
        let mut undone = 0;
        for (entity, ids, action, old) in &entries {
            if entity == "rate" {
                self.restore_rate(ids, old.as_deref())?;
                undone += 1;
                continue;
            }
            // One id, or the first and last of agreements created in a row.
            let (first, id) = match ids.split_once('-') {
                Some((first, last)) => (first.parse(), last.parse()),
                None => (ids.parse(), ids.parse()),
            };
            let (Ok(first), Ok(id)) = (first, id) else {
                return Err(corrupt(ids));
            };
            if first > id || (first < id && (entity != "agreement" || action != "create")) {
                return Err(corrupt(ids));
            }
            if (entity.as_str(), action.as_str()) == ("agreement", "create") {
                undone += self.delete_agreements_created(first, id)?;
                continue;
            }
            undone += 1;
            match (entity.as_str(), action.as_str()) {
                ("agreement", "update") => {
                    let old: Agreement = serde_json::from_str(old.as_deref().unwrap_or_default())
                        .map_err(|_| corrupt("old agreement"))?;
                    self.update_agreement(&old)?;
                }
                ("partner", "create") => self.delete_partner(PartnerId(id))?,
                ("instalment" | "receipt" | "deliverable", _) => {
                    self.undo_money_in(entity, id, action, old)?
                }
                ("partner", "update") => {
                    let old: Partner = serde_json::from_str(old.as_deref().unwrap_or_default())
                        .map_err(|_| corrupt("old partner"))?;
                    self.update_partner(&old)?;
                }
                (e, a) => return Err(corrupt(&format!("cannot undo {a} of {e}"))),
            }
        }
        self.held.tx()?.execute(
            "UPDATE import_batch SET undone_at = ?2 WHERE id = ?1",
            params![batch, self.held.now()],
        )?;
        Ok(undone)
    }

    /// What changed, after import batch `batch` (whose audit `entries` are given), the
    /// agreements and partners it created or changed: a later update or delete that is not
    /// itself undone (changes of a batch undone since, and that undo's own, are passed
    /// over). `None` when nothing did; else the first few, as text.
    fn changed_since(
        &mut self,
        batch: i64,
        entries: &[(String, String, String, Option<String>)],
    ) -> Result<Option<String>, LedgerError> {
        let mut agreements: Vec<(i64, i64)> = Vec::new();
        let mut partners: Vec<i64> = Vec::new();
        for (entity, ids, _, _) in entries {
            let (first, last) = ids.split_once('-').unwrap_or((ids, ids));
            let (Ok(first), Ok(last)) = (first.parse::<i64>(), last.parse::<i64>()) else {
                continue;
            };
            match entity.as_str() {
                "agreement" => agreements.push((first, last)),
                "partner" => partners.push(first),
                _ => {}
            }
        }
        let tx = self.held.tx()?;
        let last: Option<i64> = tx.query_row(
            "SELECT max(id) FROM audit WHERE batch_id = ?1",
            [batch],
            |r| r.get(0),
        )?;
        let Some(last) = last else {
            return Ok(None);
        };
        let mut stmt = tx.prepare(
            "SELECT a.entity, a.entity_id, a.action, a.batch_id FROM audit AS a
             LEFT JOIN import_batch AS b ON b.id = a.batch_id
             WHERE a.id > ?1 AND a.action IN ('update', 'delete')
               AND a.entity IN ('agreement', 'partner') AND b.undone_at IS NULL
             ORDER BY a.id",
        )?;
        let mut rows = stmt.query([last])?;
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            let (entity, id, action, by): (String, String, String, Option<i64>) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
            let Ok(id) = id.parse::<i64>() else {
                continue;
            };
            let ours = match entity.as_str() {
                "agreement" => agreements.iter().any(|(a, b)| (*a..=*b).contains(&id)),
                _ => partners.contains(&id),
            };
            if !ours {
                continue;
            }
            let name: Option<String> = if entity == "agreement" {
                tx.query_row(
                    "SELECT coalesce(reference, '') FROM agreement WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?
                .filter(|r: &String| !r.is_empty())
            } else {
                tx.query_row("SELECT name FROM partner WHERE id = ?1", [id], |r| r.get(0))
                    .optional()?
            };
            let what = match name {
                Some(n) => format!("{entity} {n}"),
                None => format!("{entity} {id}"),
            };
            let by = by.map_or_else(|| "an edit".to_string(), |b| format!("import batch {b}"));
            let action = if action == "update" {
                "changed"
            } else {
                "deleted"
            };
            found.push(format!("{what} {action} by {by}"));
            if found.len() == 3 {
                break;
            }
        }
        drop(rows);
        drop(stmt);
        // Instalments and receipts recorded since for the agreements the batch created
        // would go with them.
        for (first, last) in &agreements {
            if found.len() < 3
                && let Some(what) = self.money_in_of(*first, *last)?
            {
                found.push(what);
            }
        }
        Ok((!found.is_empty()).then(|| found.join(", ")))
    }

    /// Deletes the agreements `first..=last` that an import created, newest first, each
    /// with the audit entry [`Writer::delete_agreement`] writes (its old values in their
    /// JSON form); returns how many there were.
    fn delete_agreements_created(&mut self, first: i64, last: i64) -> Result<usize, LedgerError> {
        let tx = self.held.tx()?;
        let mut select = tx.prepare_cached(concat!(
            "SELECT ",
            agreement_columns!(),
            " FROM agreement WHERE id BETWEEN ?1 AND ?2 ORDER BY id DESC"
        ))?;
        let mut audit = tx.prepare_cached(
            "INSERT INTO audit (at, entity, entity_id, action, old, new, batch_id) VALUES (?1, 'agreement', ?2, 'delete', ?3, NULL, ?4)",
        )?;
        let mut rows = select.query([first, last])?;
        while let Some(row) = rows.next()? {
            let mut old = agreement_row::from_row(row)?;
            old.themes = read_themes(tx, old.id.0)?;
            audit.execute(params![
                self.held.now(),
                old.id.0.to_string(),
                agreement_row::json(&old),
                self.held.batch()
            ])?;
        }
        Ok(tx
            .prepare_cached("DELETE FROM agreement WHERE id BETWEEN ?1 AND ?2")?
            .execute([first, last])?)
    }

    /// Saves a mapping profile: normalised header text -> field name.
    pub fn save_mapping_profile(
        &mut self,
        name: &str,
        entries: &[(String, String)],
    ) -> Result<(), LedgerError> {
        self.held
            .tx()?
            .execute("DELETE FROM mapping_profile WHERE name = ?1", [name])?;
        for (header, field) in entries {
            self.held.tx()?
                .prepare_cached("INSERT OR REPLACE INTO mapping_profile (name, header_key, field) VALUES (?1, ?2, ?3)")?
                .execute(params![name, header, field])?;
        }
        Ok(())
    }
}

fn same_agreement(a: &Agreement, b: &Agreement) -> bool {
    let mut ta = a.themes.clone();
    let mut tb = b.themes.clone();
    ta.sort_by(|x, y| x.theme.cmp(&y.theme));
    tb.sort_by(|x, y| x.theme.cmp(&y.theme));
    Agreement {
        themes: ta,
        ..a.clone()
    } == Agreement {
        themes: tb,
        ..b.clone()
    }
}

fn refuse_duplicate(e: rusqlite::Error, message: &str) -> LedgerError {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => LedgerError::Refused(message.to_string()),
        _ => LedgerError::Sqlite(e),
    }
}

/// Why writing agreement `a` failed: a partner that does not exist (the foreign key), a
/// reference already used (the unique index), or SQLite's own error.
fn refuse(e: rusqlite::Error, a: &Agreement) -> LedgerError {
    let extended = match &e {
        rusqlite::Error::SqliteFailure(failure, _) => failure.extended_code,
        _ => 0,
    };
    match extended {
        rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            LedgerError::NotFound(format!("partner {}", a.partner_id.0))
        }
        rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => LedgerError::Refused(format!(
            "another agreement has the reference '{}'",
            a.reference.as_deref().unwrap_or_default()
        )),
        _ => LedgerError::Sqlite(e),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use rusqlite::Connection;

    use crate::domain::{
        Agreement, AgreementId, Currency, Money, Partner, PartnerId, Status, ThemeShare,
    };
    use crate::ledger::bulk::{DATE_INDEX, index_sql};
    use crate::ledger::{Ledger, LedgerError};

    fn date_index(conn: &Connection) -> Option<String> {
        index_sql(conn, DATE_INDEX).unwrap()
    }

    fn agreement(partner: PartnerId, i: u32) -> Agreement {
        Agreement {
            id: AgreementId(0),
            reference: Some(format!("D-{i}")),
            title: String::new(),
            partner_id: partner,
            // Out of date order.
            signed_on: NaiveDate::from_ymd_opt(2021, 1 + i * 5 % 12, 1 + i % 28).unwrap(),
            status: Status::Signed,
            contribution: Some(Money::from_minor(i64::from(i + 1) * 100, Currency::USD)),
            value_date: None,
            own_part: None,
            region: "africa".into(),
            themes: vec![ThemeShare {
                theme: "cybersecurity".into(),
                percent_bp: 10_000,
            }],
            notes: String::new(),
        }
    }

    #[test]
    fn a_deferred_date_index_is_built_again_before_the_commit_or_kept_by_a_rollback() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
        let schema = date_index(ledger.connection()).expect("the schema has a date index");
        let partner = ledger
            .write(|w| {
                w.add_partner(&Partner {
                    id: PartnerId(0),
                    name: "Norad".into(),
                    name_zh: None,
                    partner_type: "government".into(),
                    country: None,
                    aliases: Vec::new(),
                })
            })
            .unwrap();

        // Committed: dropped while the rows go in, then built with them.
        ledger
            .write(|w| {
                w.defer_date_index()?;
                w.defer_date_index()?;
                assert_eq!(date_index(w.held.peek()), None);
                for i in 0..40 {
                    w.add_agreement(&agreement(partner, i))?;
                }
                Ok(())
            })
            .unwrap();
        assert_eq!(date_index(ledger.connection()).as_ref(), Some(&schema));
        let check: String = ledger
            .connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "the rebuilt index holds every row");
        let plan: String = ledger
            .connection()
            .query_row(
                "EXPLAIN QUERY PLAN SELECT id FROM agreement WHERE signed_on = '2021-06-02'",
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert!(plan.contains(DATE_INDEX), "{plan}");

        // Rolled back: the index comes back with the rest.
        let failed = ledger.write(|w| {
            w.defer_date_index()?;
            w.add_agreement(&agreement(partner, 40))?;
            Err::<(), _>(LedgerError::Refused("stop".into()))
        });
        assert!(failed.is_err());
        assert_eq!(date_index(ledger.connection()).as_ref(), Some(&schema));
        assert_eq!(ledger.agreements(&Default::default()).unwrap().len(), 40);

        // A search by partner and date brings it back at once.
        ledger
            .write(|w| {
                w.defer_date_index()?;
                let like = agreement(partner, 7);
                let found = w.agreement_like(
                    partner,
                    like.signed_on,
                    like.contribution,
                    0..=i64::MAX,
                    false,
                )?;
                assert_eq!(found.and_then(|a| a.reference).as_deref(), Some("D-7"));
                assert_eq!(date_index(w.held.peek()).as_ref(), Some(&schema));
                Ok(())
            })
            .unwrap();
    }
}
