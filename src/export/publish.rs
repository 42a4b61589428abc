//! Published figures: freeze a period's report as sent to the advisory group, and later
//! tell which figures changed since and which agreements caused it.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use super::{ExportError, ReportData};
use crate::domain::{AgreementId, Lang, minor_to_decimal};
use crate::ledger::{Publication, PublishedAgreement};

/// The publication record of `data`: its report JSON (English) and every agreement's
/// contribution in the reporting currency.
pub fn freeze(data: &ReportData) -> Result<Publication, ExportError> {
    let report_json = serde_json::to_string(&data.report.to_json(Lang::En))
        .map_err(|e| ExportError::Encode(e.to_string()))?;
    Ok(Publication {
        id: 0,
        period: data.report.period.label(),
        published_at: String::new(),
        revision: data.revision,
        report_json,
        agreements: data
            .annex
            .iter()
            .map(|a| PublishedAgreement {
                agreement_id: a.id,
                reference: a.reference.clone(),
                partner: a.partner.clone(),
                signed_on: a.signed_on.to_string(),
                amount_minor: a.converted_minor.and_then(|m| i64::try_from(m).ok()),
            })
            .collect(),
    })
}

/// How many top partners a publication lists, so a later report is compared like for like.
pub fn published_top(publication: &Publication) -> usize {
    serde_json::from_str::<Value>(&publication.report_json)
        .ok()
        .and_then(|v| {
            v.get("top_partners")
                .and_then(Value::as_array)
                .map(Vec::len)
        })
        .unwrap_or(0)
}

/// A figure that differs from its published value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FigureChange {
    /// Where it is in the report JSON: `partner_contributions`, `by_region[africa].percent`.
    pub figure: String,
    /// As published (`null` when the figure is new).
    pub published: Option<String>,
    /// Now (`null` when the figure is gone).
    pub current: Option<String>,
}

/// An agreement whose part in the report changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AgreementChange {
    /// The agreement's id.
    pub id: i64,
    /// Its reference.
    pub reference: String,
    /// Its partner.
    pub partner: String,
    /// Its contribution in the reporting currency as published, an exact decimal (`null`: not in the
    /// publication, or non-financial).
    pub published_amount: Option<String>,
    /// Its contribution now (`null`: no longer in the period, or non-financial).
    pub current_amount: Option<String>,
}

/// What changed since a period was published.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// When it was published.
    pub published_at: String,
    /// The ledger revision its figures were read at.
    pub revision: u64,
    /// True when any figure differs.
    pub changed: bool,
    /// The figures that differ.
    pub figures: Vec<FigureChange>,
    /// Agreements of the period signed or entered since.
    pub added: Vec<AgreementChange>,
    /// Agreements of the publication no longer in the period (deleted, cancelled, moved).
    pub removed: Vec<AgreementChange>,
    /// Agreements whose contribution changed.
    pub changed_amount: Vec<AgreementChange>,
}

/// Flattens a report JSON into `path -> value`; list entries are named by their `key`
/// (breakdowns) or `rank` (top partners).
fn flatten(prefix: &str, value: &Value, out: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let name = item
                    .get("key")
                    .or_else(|| item.get("rank"))
                    .map_or_else(|| i.to_string(), |v| v.to_string().replace('"', ""));
                flatten(&format!("{prefix}[{name}]"), item, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// What changed in `data` since `publication`.
pub fn changes_since(publication: &Publication, data: &ReportData) -> Result<Changes, ExportError> {
    let published: Value = serde_json::from_str(&publication.report_json)
        .map_err(|e| ExportError::Encode(format!("the published report is unreadable: {e}")))?;
    let current = serde_json::to_value(data.report.to_json(Lang::En))
        .map_err(|e| ExportError::Encode(e.to_string()))?;
    let (mut before, mut now) = (BTreeMap::new(), BTreeMap::new());
    flatten("", &published, &mut before);
    flatten("", &current, &mut now);
    let mut figures = Vec::new();
    let paths: std::collections::BTreeSet<&String> = before.keys().chain(now.keys()).collect();
    for path in paths {
        let (b, n) = (before.get(path), now.get(path));
        if b != n {
            figures.push(FigureChange {
                figure: path.clone(),
                published: b.cloned(),
                current: n.cloned(),
            });
        }
    }

    let currency = data.report.currency;
    let text = |m: Option<i128>| m.map(|m| minor_to_decimal(m, currency).to_string());
    let old: BTreeMap<AgreementId, &PublishedAgreement> = publication
        .agreements
        .iter()
        .map(|a| (a.agreement_id, a))
        .collect();
    let (mut added, mut removed, mut changed_amount) = (Vec::new(), Vec::new(), Vec::new());
    for a in &data.annex {
        match old.get(&a.id) {
            None => added.push(AgreementChange {
                id: a.id.0,
                reference: a.reference.clone(),
                partner: a.partner.clone(),
                published_amount: None,
                current_amount: text(a.converted_minor),
            }),
            Some(p) if p.amount_minor.map(i128::from) != a.converted_minor => {
                changed_amount.push(AgreementChange {
                    id: a.id.0,
                    reference: a.reference.clone(),
                    partner: a.partner.clone(),
                    published_amount: text(p.amount_minor.map(i128::from)),
                    current_amount: text(a.converted_minor),
                });
            }
            Some(_) => {}
        }
    }
    for p in &publication.agreements {
        if !data.annex.iter().any(|a| a.id == p.agreement_id) {
            removed.push(AgreementChange {
                id: p.agreement_id.0,
                reference: p.reference.clone(),
                partner: p.partner.clone(),
                published_amount: text(p.amount_minor.map(i128::from)),
                current_amount: None,
            });
        }
    }
    Ok(Changes {
        published_at: publication.published_at.clone(),
        revision: publication.revision,
        changed: !figures.is_empty(),
        figures,
        added,
        removed,
        changed_amount,
    })
}

impl Changes {
    /// The changes as lines for the terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "\nPublished {} (ledger revision {}): {}",
            self.published_at,
            self.revision,
            if self.changed {
                "figures changed since"
            } else {
                "no figure changed since"
            }
        );
        for f in &self.figures {
            let _ = writeln!(
                out,
                "  {}: {} -> {}",
                f.figure,
                f.published.as_deref().unwrap_or("(none)"),
                f.current.as_deref().unwrap_or("(none)")
            );
        }
        let groups = [
            ("added", &self.added),
            ("removed", &self.removed),
            ("changed amount", &self.changed_amount),
        ];
        for (what, list) in groups {
            for a in list {
                let _ = writeln!(
                    out,
                    "  agreement {} ({}) {what}: {} -> {}",
                    if a.reference.is_empty() {
                        a.id.to_string()
                    } else {
                        a.reference.clone()
                    },
                    a.partner,
                    a.published_amount.as_deref().unwrap_or("-"),
                    a.current_amount.as_deref().unwrap_or("-")
                );
            }
        }
        out
    }
}
