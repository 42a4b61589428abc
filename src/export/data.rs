//! Everything an export shows, read from the ledger once: the report, the reference lists,
//! the period's agreements (the annex) and the exchange rates they needed.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::ExportError;
use crate::domain::{AgreementId, Currency, Lang, Money, Period, ReferenceLists, Status};
use crate::ledger::{AgreementFilter, Ledger};
use crate::report::{Report, Snapshot};

/// One signed agreement of the period, as the annex lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnnexRow {
    /// The agreement.
    pub id: AgreementId,
    /// The organisation's reference, or empty.
    pub reference: String,
    /// Signing date.
    pub signed_on: NaiveDate,
    /// Partner's name.
    pub partner: String,
    /// Partner's Chinese name, when known.
    pub partner_zh: Option<String>,
    /// Partner-type key.
    pub partner_type: String,
    /// Region key.
    pub region: String,
    /// The contribution in its own currency; `None` when non-financial.
    pub contribution: Option<Money>,
    /// The contribution in the reporting currency, minor units; `None` when non-financial
    /// or when no rate is in force.
    pub converted_minor: Option<i128>,
}

impl AnnexRow {
    /// The partner's name in `lang`.
    pub fn partner_name(&self, lang: Lang) -> &str {
        match (lang, &self.partner_zh) {
            (Lang::Zh, Some(zh)) if !zh.is_empty() => zh,
            _ => &self.partner,
        }
    }
}

/// An exchange rate an amount of the period was converted at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateUsed {
    /// From this currency.
    pub currency: Currency,
    /// To the reporting currency.
    pub quote: Currency,
    /// The value date it was applied on.
    pub date: NaiveDate,
    /// Units of `quote` per unit of `currency`.
    pub rate: Decimal,
}

/// The report of a period with its annex and notes.
#[derive(Clone, Debug)]
pub struct ReportData {
    /// Every figure.
    pub report: Report,
    /// Labels of partner types, regions and themes.
    pub lists: ReferenceLists,
    /// The period's signed agreements, by date.
    pub annex: Vec<AnnexRow>,
    /// The rates the period's amounts were converted at.
    pub rates_used: Vec<RateUsed>,
    /// The ledger revision the figures were read at.
    pub revision: u64,
    /// When the ledger last changed (the newest audit entry), `2021-04-13T09:00:00Z`.
    pub ledger_changed_at: Option<String>,
    /// How the ledger's reports are drawn (pie slices grouped under a share...).
    pub settings: crate::domain::ReportSettings,
}

impl ReportData {
    /// Reads the report of `period` with its `top` partners, the annex and the notes.
    pub fn load(ledger: &Ledger, period: &Period, top: usize) -> Result<ReportData, ExportError> {
        let snapshot = Snapshot::load(ledger)?;
        let report = snapshot.report(period, top)?;
        let rates = ledger.rates()?;
        let partners = ledger.partners()?;
        let quote = snapshot.currency;
        let mut annex = Vec::new();
        let mut rates_used: Vec<RateUsed> = Vec::new();
        for a in ledger.agreements(&AgreementFilter {
            period: Some(period.clone()),
            partner: None,
        })? {
            if a.status != Status::Signed {
                continue;
            }
            let partner = partners.iter().find(|p| p.id == a.partner_id);
            let converted_minor = a.contribution.and_then(|m| {
                let date = a.conversion_date();
                let rate = rates.rate_on(m.currency, quote, date)?;
                if m.currency != quote {
                    rates_used.push(RateUsed {
                        currency: m.currency,
                        quote,
                        date,
                        rate,
                    });
                }
                m.convert(rate, quote).ok().map(|c| i128::from(c.minor))
            });
            annex.push(AnnexRow {
                id: a.id,
                reference: a.reference.clone().unwrap_or_default(),
                signed_on: a.signed_on,
                partner: partner.map_or_else(|| "?".to_owned(), |p| p.name.clone()),
                partner_zh: partner.and_then(|p| p.name_zh.clone()),
                partner_type: partner.map(|p| p.partner_type.clone()).unwrap_or_default(),
                region: a.region.clone(),
                contribution: a.contribution,
                converted_minor,
            });
        }
        annex.sort_by(|a, b| (a.signed_on, &a.reference).cmp(&(b.signed_on, &b.reference)));
        rates_used.sort_by_key(|r| (r.currency, r.date));
        rates_used.dedup_by_key(|r| (r.currency, r.date));
        let ledger_changed_at = ledger.audit(1)?.into_iter().next().map(|e| e.at);
        Ok(ReportData {
            report,
            lists: snapshot.lists.clone(),
            annex,
            rates_used,
            revision: snapshot.revision,
            ledger_changed_at,
            settings: ledger.report_settings()?,
        })
    }
}
