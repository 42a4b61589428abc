//! Published reports: the figures of a period as they were sent to the advisory group,
//! with each agreement's contribution to them, so later changes can be traced.

use rusqlite::{OptionalExtension, params};

use super::{Ledger, LedgerError};
use crate::domain::{AgreementId, Period};

/// One agreement's part in a published report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedAgreement {
    /// The agreement.
    pub agreement_id: AgreementId,
    /// Its reference, or empty.
    pub reference: String,
    /// The partner's name at publication.
    pub partner: String,
    /// Signing date, `yyyy-mm-dd`.
    pub signed_on: String,
    /// Contribution in reporting-currency minor units; `None` when non-financial.
    pub amount_minor: Option<i64>,
}

/// A report as published.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    /// Row id.
    pub id: i64,
    /// The period's label, `2021Q1`.
    pub period: String,
    /// When it was published (UTC, RFC 3339).
    pub published_at: String,
    /// The ledger revision its figures were read at.
    pub revision: u64,
    /// The report's JSON (the `pledger report --json` contract, in English).
    pub report_json: String,
    /// The period's signed agreements at publication.
    pub agreements: Vec<PublishedAgreement>,
}

impl Ledger {
    /// The latest publication of `period`, if it was ever published.
    pub fn publication(&self, period: &Period) -> Result<Option<Publication>, LedgerError> {
        let row = self
            .conn
            .query_row(
                "SELECT id, period, published_at, revision, report_json FROM publication
                 WHERE period_from = ?1 AND period_to = ?2 ORDER BY id DESC LIMIT 1",
                params![period.from.to_string(), period.to.to_string()],
                |r| {
                    Ok(Publication {
                        id: r.get(0)?,
                        period: r.get(1)?,
                        published_at: r.get(2)?,
                        revision: u64::try_from(r.get::<_, i64>(3)?).unwrap_or_default(),
                        report_json: r.get(4)?,
                        agreements: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut publication) = row else {
            return Ok(None);
        };
        let mut stmt = self.conn.prepare(
            "SELECT agreement_id, reference, partner, signed_on, amount_minor
             FROM publication_agreement WHERE publication_id = ?1 ORDER BY signed_on, reference",
        )?;
        publication.agreements = stmt
            .query_map([publication.id], |r| {
                Ok(PublishedAgreement {
                    agreement_id: AgreementId(r.get(0)?),
                    reference: r.get(1)?,
                    partner: r.get(2)?,
                    signed_on: r.get(3)?,
                    amount_minor: r.get(4)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(publication))
    }
}
