//! Deals in the ledger: opportunities with the history of their stages, funding partners'
//! profiles, and the chance of signing each stage gives. Written through the [`Writer`]
//! with an audit entry each, so undo, redo and import batches treat them like agreements.
//!
//! A stage change is a row of `stage_change` written by the same call that moves the deal:
//! no caller can move a stage without its history.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, params};

use super::money_in::all;
use super::read::{parse_currency, parse_date};
use super::write::json;
use super::{Ledger, LedgerError, Put, Writer};
use crate::domain::{
    Agreement, AgreementId, Money, Opportunity, OpportunityId, PartnerId, Prospect, Stage,
    StageChange, StageProbabilities, ThemeShare,
};

const OPPORTUNITY: &str = "SELECT id, reference, partner_id, title, themes, region, ask_minor, currency, stage, probability_bp, expected_signing, next_action, next_action_due, owner, reason, agreement_id FROM opportunity";

const CHANGE: &str = "SELECT opportunity_id, on_day, from_stage, to_stage FROM stage_change";

fn stage_of(text: &str) -> Result<Stage, LedgerError> {
    Stage::from_name(text).ok_or_else(|| LedgerError::Corrupt(format!("stage '{text}'")))
}

fn day_of(text: Option<String>) -> Result<Option<NaiveDate>, LedgerError> {
    text.map(|t| parse_date(&t)).transpose()
}

/// `text` without its surrounding white space, reusing its buffer when it has none.
fn trimmed(text: String) -> String {
    if text.trim().len() == text.len() {
        text
    } else {
        text.trim().to_string()
    }
}

fn opportunity_of(row: &rusqlite::Row<'_>) -> Result<Opportunity, LedgerError> {
    let themes: String = row.get(4)?;
    let themes: Vec<ThemeShare> = serde_json::from_str(&themes)
        .map_err(|_| LedgerError::Corrupt(format!("deal themes '{themes}'")))?;
    let ask = match (
        row.get::<_, Option<i64>>(6)?,
        row.get::<_, Option<String>>(7)?,
    ) {
        (Some(minor), Some(c)) => Some(Money::from_minor(minor, parse_currency(&c)?)),
        _ => None,
    };
    Ok(Opportunity {
        id: OpportunityId(row.get(0)?),
        reference: row.get(1)?,
        partner_id: PartnerId(row.get(2)?),
        title: row.get(3)?,
        themes,
        region: row.get(5)?,
        ask,
        stage: stage_of(&row.get::<_, String>(8)?)?,
        probability_bp: row.get(9)?,
        expected_signing: day_of(row.get(10)?)?,
        // Trimmed as read, so a report tells an action from none by its length alone,
        // without reading its text.
        next_action: trimmed(row.get(11)?),
        next_action_due: day_of(row.get(12)?)?,
        owner: row.get(13)?,
        reason: row.get(14)?,
        agreement_id: row.get::<_, Option<i64>>(15)?.map(AgreementId),
    })
}

fn change_of(row: &rusqlite::Row<'_>) -> Result<StageChange, LedgerError> {
    Ok(StageChange {
        opportunity_id: OpportunityId(row.get(0)?),
        on: parse_date(&row.get::<_, String>(1)?)?,
        from: row
            .get::<_, Option<String>>(2)?
            .map(|s| stage_of(&s))
            .transpose()?,
        to: stage_of(&row.get::<_, String>(3)?)?,
    })
}

fn prospect_of(row: &rusqlite::Row<'_>) -> Result<Prospect, LedgerError> {
    let text: String = row.get(0)?;
    serde_json::from_str(&text).map_err(|e| LedgerError::Corrupt(format!("prospect: {e}")))
}

const PROBABILITIES: &str = "stage_probabilities";

fn probabilities_in(conn: &rusqlite::Connection) -> Result<StageProbabilities, LedgerError> {
    let text: Option<String> = conn
        .query_row(
            "SELECT value FROM setting WHERE key = ?1",
            [PROBABILITIES],
            |r| r.get(0),
        )
        .optional()?;
    match text {
        None => Ok(StageProbabilities::default()),
        Some(t) => serde_json::from_str(&t)
            .map_err(|_| LedgerError::Corrupt(format!("stage probabilities '{t}'"))),
    }
}

impl Ledger {
    /// Every deal, by id.
    pub fn opportunities(&self) -> Result<Vec<Opportunity>, LedgerError> {
        let sql = format!("{OPPORTUNITY} ORDER BY id");
        all(self.connection(), &sql, [], opportunity_of)
    }

    /// The deal with `id`.
    pub fn opportunity(&self, id: OpportunityId) -> Result<Option<Opportunity>, LedgerError> {
        let sql = format!("{OPPORTUNITY} WHERE id = ?1");
        Ok(all(self.connection(), &sql, [id.0], opportunity_of)?.pop())
    }

    /// Every stage change, by deal and in the order they happened.
    pub fn stage_changes(&self) -> Result<Vec<StageChange>, LedgerError> {
        let sql = format!("{CHANGE} ORDER BY opportunity_id, id");
        all(self.connection(), &sql, [], change_of)
    }

    /// The stage changes of the deal `id`, in the order they happened.
    pub fn stage_changes_of(&self, id: OpportunityId) -> Result<Vec<StageChange>, LedgerError> {
        let sql = format!("{CHANGE} WHERE opportunity_id = ?1 ORDER BY id");
        all(self.connection(), &sql, [id.0], change_of)
    }

    /// Every funding partner's profile, by partner.
    pub fn prospects(&self) -> Result<Vec<Prospect>, LedgerError> {
        all(
            self.connection(),
            "SELECT profile FROM prospect ORDER BY partner_id",
            [],
            prospect_of,
        )
    }

    /// The chance of signing each stage gives (the defaults until someone sets them).
    pub fn stage_probabilities(&self) -> Result<StageProbabilities, LedgerError> {
        probabilities_in(self.connection())
    }
}

impl Writer<'_> {
    /// The deal with `id`, as this transaction sees it.
    pub fn opportunity(&mut self, id: OpportunityId) -> Result<Option<Opportunity>, LedgerError> {
        let sql = format!("{OPPORTUNITY} WHERE id = ?1");
        Ok(all(self.held.tx()?, &sql, [id.0], opportunity_of)?.pop())
    }

    /// The deal with `reference`, as this transaction sees it.
    pub fn opportunity_with_reference(
        &mut self,
        reference: &str,
    ) -> Result<Option<Opportunity>, LedgerError> {
        let sql = format!("{OPPORTUNITY} WHERE reference = ?1");
        Ok(all(self.held.tx()?, &sql, [reference], opportunity_of)?.pop())
    }

    /// Puts a deal: a new one (id 0, and no deal has its reference) is added, else the
    /// stored one is replaced. Its stage entering or changing is recorded as of `on`.
    /// Refuses a deal with problems, or an unknown partner.
    pub fn put_opportunity(
        &mut self,
        o: &Opportunity,
        on: NaiveDate,
    ) -> Result<(OpportunityId, Put<Opportunity>), LedgerError> {
        let problems = o.problems(self.lists()?);
        if !problems.is_empty() {
            return Err(LedgerError::Invalid {
                what: "deal",
                problems,
            });
        }
        let old = if o.id.0 != 0 {
            self.opportunity(o.id)?
        } else {
            match &o.reference {
                Some(r) => self.opportunity_with_reference(r)?,
                None => None,
            }
        };
        if o.id.0 != 0 && old.is_none() {
            return Err(LedgerError::Refused(format!(
                "there is no deal #{}",
                o.id.0
            )));
        }
        if let Some(d) = &old
            && let Some(a) = d.agreement_id
            && o.stage != Stage::Signed
        {
            return Err(LedgerError::Refused(format!(
                "deal #{} became agreement #{}: it stays signed (undo the signing, or delete the agreement, to reopen the deal)",
                d.id.0, a.0
            )));
        }
        let from = old.as_ref().map(|d| d.stage);
        let old_id = old.as_ref().map(|d| d.id);
        let themes = json(&o.themes).unwrap_or_else(|| "[]".into());
        let (minor, currency) = match o.ask {
            Some(m) => (Some(m.minor), Some(m.currency.code().to_string())),
            None => (None, None),
        };
        let days = [o.expected_signing, o.next_action_due].map(|d| d.map(|d| d.to_string()));
        let values = params![
            o.reference,
            o.partner_id.0,
            o.title,
            themes,
            o.region,
            minor,
            currency,
            o.stage.as_str(),
            o.probability_bp,
            days[0],
            o.next_action,
            days[1],
            o.owner,
            o.reason,
            o.agreement_id.map(|a| a.0),
        ];
        let mut created = 0;
        let put = self.put(
            "opportunity",
            old.map(|d| (d.id.0, d)),
            |id| Opportunity {
                id: OpportunityId(id),
                ..o.clone()
            },
            |tx, id| {
                let mut with_id = values.to_vec();
                with_id.push(&id);
                tx.execute(
                    "UPDATE opportunity SET reference = ?1, partner_id = ?2, title = ?3, themes = ?4, region = ?5, ask_minor = ?6, currency = ?7, stage = ?8, probability_bp = ?9, expected_signing = ?10, next_action = ?11, next_action_due = ?12, owner = ?13, reason = ?14, agreement_id = ?15 WHERE id = ?16",
                    with_id.as_slice(),
                )
            },
            |tx| {
                tx.prepare_cached(
                    "INSERT INTO opportunity (reference, partner_id, title, themes, region, ask_minor, currency, stage, probability_bp, expected_signing, next_action, next_action_due, owner, reason, agreement_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
                )?
                .execute(values)?;
                created = tx.last_insert_rowid();
                Ok(created)
            },
        );
        let put = put.map_err(|e| match e {
            LedgerError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                LedgerError::Refused(format!(
                    "the deal's partner (#{}) or agreement is not in the ledger, or its reference is taken",
                    o.partner_id.0
                ))
            }
            other => other,
        })?;
        let id = match put {
            Put::Created => OpportunityId(created),
            _ => old_id.unwrap_or(o.id),
        };
        if from != Some(o.stage) {
            // A move dated before the deal's last one would make its history run backwards.
            if let Some(last) = self.last_stage_move(id)?.filter(|l| *l > on) {
                return Err(LedgerError::Refused(format!(
                    "deal #{} last moved on {last}: a move cannot be dated {on}, before it",
                    id.0
                )));
            }
            self.held
                .tx()?
                .prepare_cached(
                    "INSERT INTO stage_change (opportunity_id, on_day, from_stage, to_stage) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![
                    id.0,
                    on.to_string(),
                    from.map(Stage::as_str),
                    o.stage.as_str()
                ])?;
        }
        Ok((id, put))
    }

    /// The day of the deal's last stage change, if it has one.
    pub fn last_stage_move(&mut self, id: OpportunityId) -> Result<Option<NaiveDate>, LedgerError> {
        let last: Option<String> = self.held.tx()?.query_row(
            "SELECT max(on_day) FROM stage_change WHERE opportunity_id = ?1",
            [id.0],
            |r| r.get(0),
        )?;
        Ok(last.and_then(|l| l.parse().ok()))
    }

    /// Signs the deal `id`: adds `agreement` (prefilled from the deal, edited by the
    /// officer), moves the deal to signed as of the agreement's signing day and links the
    /// two. Refuses a deal already signed into an agreement.
    pub fn sign_opportunity(
        &mut self,
        id: OpportunityId,
        agreement: &Agreement,
    ) -> Result<AgreementId, LedgerError> {
        let Some(deal) = self.opportunity(id)? else {
            return Err(LedgerError::Refused(format!("there is no deal #{}", id.0)));
        };
        if let Some(a) = deal.agreement_id {
            return Err(LedgerError::Refused(format!(
                "deal #{} was signed already (agreement #{})",
                id.0, a.0
            )));
        }
        let agreement_id = self.add_agreement(agreement)?;
        let signed = Opportunity {
            stage: Stage::Signed,
            ask: agreement.contribution.or(deal.ask),
            agreement_id: Some(agreement_id),
            ..deal
        };
        self.put_opportunity(&signed, agreement.signed_on)?;
        Ok(agreement_id)
    }

    /// Puts a funding partner's profile (one per partner: it replaces the stored one).
    pub fn put_prospect(&mut self, p: &Prospect) -> Result<Put<Prospect>, LedgerError> {
        let problems = p.problems(self.lists()?);
        if !problems.is_empty() {
            return Err(LedgerError::Invalid {
                what: "prospect",
                problems,
            });
        }
        let old = all(
            self.held.tx()?,
            "SELECT profile FROM prospect WHERE partner_id = ?1",
            [p.partner_id.0],
            prospect_of,
        )?
        .pop();
        let profile = json(p).unwrap_or_default();
        let partner = p.partner_id.0;
        self.put(
            "prospect",
            old.map(|o| (partner, o)),
            |_| p.clone(),
            |tx, id| {
                tx.execute(
                    "UPDATE prospect SET profile = ?2 WHERE partner_id = ?1",
                    params![id, profile],
                )
            },
            |tx| {
                tx.execute(
                    "INSERT INTO prospect (partner_id, profile) VALUES (?1, ?2)",
                    params![partner, profile],
                )?;
                Ok(partner)
            },
        )
    }

    /// Deletes the funding profile of the partner `id` (the partner and its deals stay).
    pub fn delete_prospect(&mut self, id: PartnerId) -> Result<(), LedgerError> {
        match self.take_prospect(id)? {
            Some(_) => Ok(()),
            None => Err(LedgerError::NotFound(format!(
                "the profile of partner #{}",
                id.0
            ))),
        }
    }

    /// Deletes the profile of the partner `id` and returns it; `None` when it has none.
    fn take_prospect(&mut self, id: PartnerId) -> Result<Option<Prospect>, LedgerError> {
        let old = all(
            self.held.tx()?,
            "SELECT profile FROM prospect WHERE partner_id = ?1",
            [id.0],
            prospect_of,
        )?
        .pop();
        if let Some(old) = &old {
            self.held
                .tx()?
                .execute("DELETE FROM prospect WHERE partner_id = ?1", [id.0])?;
            self.audit("prospect", &id.0.to_string(), "delete", json(old), None)?;
        }
        Ok(old)
    }

    /// Moves the deals of the partner `from` to `into`, and its profile when `into` has
    /// none (else `from`'s is dropped), as a merge of the two partners does.
    pub(super) fn move_deals(
        &mut self,
        from: PartnerId,
        into: PartnerId,
    ) -> Result<(), LedgerError> {
        let sql = format!("{OPPORTUNITY} WHERE partner_id = ?1");
        for before in all(self.held.tx()?, &sql, [from.0], opportunity_of)? {
            let after = Opportunity {
                partner_id: into,
                ..before.clone()
            };
            self.held.tx()?.execute(
                "UPDATE opportunity SET partner_id = ?2 WHERE id = ?1",
                params![before.id.0, into.0],
            )?;
            let id = before.id.0.to_string();
            self.audit("opportunity", &id, "update", json(&before), json(&after))?;
        }
        if let Some(old) = self.take_prospect(from)? {
            let has: bool = self.held.tx()?.query_row(
                "SELECT count(*) > 0 FROM prospect WHERE partner_id = ?1",
                [into.0],
                |r| r.get(0),
            )?;
            if !has {
                self.put_prospect(&Prospect {
                    partner_id: into,
                    ..old
                })?;
            }
        }
        Ok(())
    }

    /// Sets the chance of signing each stage gives.
    pub fn set_stage_probabilities(&mut self, p: &StageProbabilities) -> Result<(), LedgerError> {
        if let Some(bad) = p.0.iter().find(|bp| **bp > 10_000) {
            return Err(LedgerError::Refused(format!(
                "a probability is between 0 and 100 %, not {}",
                crate::domain::bp_text(*bad)
            )));
        }
        let old = probabilities_in(self.held.tx()?)?;
        self.held.tx()?.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![PROBABILITIES, json(p)],
        )?;
        self.audit("setting", PROBABILITIES, "update", json(&old), json(p))
    }
}
