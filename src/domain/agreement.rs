//! Partners and the agreements signed with them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ListKind, Money, ReferenceLists, WHOLE_BP};

/// The ledger's identifier of a partner.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PartnerId(pub i64);

/// The ledger's identifier of an agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AgreementId(pub i64);

/// An organisation that signs agreements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Partner {
    /// Identifier; `PartnerId(0)` before the ledger stores it.
    pub id: PartnerId,
    /// The name as the organisation writes it.
    pub name: String,
    /// The name in Chinese, when known; shown in Chinese reports.
    pub name_zh: Option<String>,
    /// Key of the partner-type list.
    pub partner_type: String,
    /// ISO 3166 country code, where relevant.
    pub country: Option<String>,
    /// Other spellings seen in imported sheets, in any script.
    pub aliases: Vec<String>,
}

impl Partner {
    /// The name to show in `lang`.
    pub fn display_name(&self, lang: super::Lang) -> &str {
        match (lang, &self.name_zh) {
            (super::Lang::Zh, Some(zh)) if !zh.is_empty() => zh,
            _ => &self.name,
        }
    }
}

/// Where an agreement stands; only signed agreements count in reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Negotiated, not signed yet.
    Draft,
    /// Signed: counts in reports.
    #[default]
    Signed,
    /// Signed and then cancelled, or abandoned.
    Cancelled,
}

impl Status {
    /// The stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Signed => "signed",
            Status::Cancelled => "cancelled",
        }
    }

    /// The status for a stored name.
    pub fn from_name(name: &str) -> Option<Status> {
        [Status::Draft, Status::Signed, Status::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// One thematic priority of an agreement and its part of the contribution.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ThemeShare {
    /// Key of the theme list.
    pub theme: String,
    /// Part of the agreement, in hundredths of a percent (10000 = all of it).
    pub percent_bp: u32,
}

/// An agreement signed with one partner.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    /// Identifier; `AgreementId(0)` before the ledger stores it.
    pub id: AgreementId,
    /// The organisation's reference, unique when present.
    pub reference: Option<String>,
    /// Short title.
    pub title: String,
    /// The partner who signed.
    pub partner_id: PartnerId,
    /// Signing date, which decides the reporting period.
    pub signed_on: NaiveDate,
    /// Draft, signed or cancelled.
    pub status: Status,
    /// The partner's financial contribution; `None` for a non-financial agreement.
    pub contribution: Option<Money>,
    /// Date the conversion to the reporting currency is taken on; the signing date if unset.
    pub value_date: Option<NaiveDate>,
    /// The organisation's own co-funding part.
    pub own_part: Option<Money>,
    /// Key of the region list (`multi_regional` for several regions).
    pub region: String,
    /// Thematic priorities with their parts, adding to 100 %.
    pub themes: Vec<ThemeShare>,
    /// Free notes.
    pub notes: String,
}

/// A problem with one field of a partner or agreement, for a form or an import report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldProblem {
    /// The field's name (`region`, `themes`, ...).
    pub field: &'static str,
    /// What is wrong, in a sentence.
    pub message: String,
}

impl Agreement {
    /// The date amounts convert on.
    pub fn conversion_date(&self) -> NaiveDate {
        self.value_date.unwrap_or(self.signed_on)
    }

    /// Checks the agreement against the reference lists; empty when valid.
    pub fn problems(&self, lists: &ReferenceLists) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut push = |field, message: String| out.push(FieldProblem { field, message });
        if lists.entry(ListKind::Region, &self.region).is_none() {
            push(
                "region",
                format!("'{}' is not in the region list", self.region),
            );
        }
        for p in theme_problems(&self.themes, lists) {
            push(p.field, p.message);
        }
        if self.contribution.is_some_and(|c| c.minor <= 0) {
            push(
                "contribution",
                "a financial contribution must be above zero".into(),
            );
        }
        if self.own_part.is_some_and(|own| own.minor < 0) {
            push("own_part", "the own part cannot be negative".into());
        }
        if self
            .reference
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            push("reference", "the reference is blank".into());
        }
        out
    }
}

/// The problems of a list of theme shares: none, an unknown or repeated theme, a zero
/// share, parts not adding to 100 %.
pub(super) fn theme_problems(themes: &[ThemeShare], lists: &ReferenceLists) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    let mut push = |field, message: String| out.push(FieldProblem { field, message });
    if themes.is_empty() {
        push("themes", "at least one thematic priority is needed".into());
    } else {
        let total: u32 = themes.iter().map(|t| t.percent_bp).sum();
        if total != WHOLE_BP {
            push(
                "themes",
                format!("theme percentages add to {}, not 100", bp_text(total)),
            );
        }
        for t in themes {
            if lists.entry(ListKind::Theme, &t.theme).is_none() {
                push("themes", format!("'{}' is not in the theme list", t.theme));
            }
            if t.percent_bp == 0 {
                push("themes", format!("'{}' has a zero share", t.theme));
            }
        }
        let mut keys: Vec<&str> = themes.iter().map(|t| t.theme.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|w| w[0] == w[1]) {
            push("themes", "a theme is listed twice".into());
        }
    }
    out
}

/// Hundredths of a percent as text: 10000 -> "100", 3350 -> "33.5".
pub fn bp_text(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    if frac == 0 {
        whole.to_string()
    } else if frac.is_multiple_of(10) {
        format!("{whole}.{}", frac / 10)
    } else {
        format!("{whole}.{frac:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn sample() -> Agreement {
        Agreement {
            id: AgreementId(0),
            reference: Some("PA-1".into()),
            title: "Connectivity".into(),
            partner_id: PartnerId(1),
            signed_on: NaiveDate::from_ymd_opt(2021, 2, 1).unwrap(),
            status: Status::Signed,
            contribution: Some(Money::from_minor(100, Currency::USD)),
            value_date: None,
            own_part: None,
            region: "africa".into(),
            themes: vec![
                ThemeShare {
                    theme: "cybersecurity".into(),
                    percent_bp: 6000,
                },
                ThemeShare {
                    theme: "capacity".into(),
                    percent_bp: 4000,
                },
            ],
            notes: String::new(),
        }
    }

    #[test]
    fn a_valid_agreement_has_no_problems() {
        assert!(sample().problems(&ReferenceLists::defaults()).is_empty());
    }

    #[test]
    fn problems_name_the_field() {
        let mut a = sample();
        a.region = "mars".into();
        a.themes[1].percent_bp = 3000;
        a.contribution = Some(Money::from_minor(0, Currency::USD));
        let fields: Vec<_> = a
            .problems(&ReferenceLists::defaults())
            .iter()
            .map(|p| p.field)
            .collect();
        assert_eq!(fields, ["region", "themes", "contribution"]);
        assert_eq!(bp_text(9000), "90");
        assert_eq!(bp_text(3350), "33.5");
        assert_eq!(bp_text(3333), "33.33");
    }
}
