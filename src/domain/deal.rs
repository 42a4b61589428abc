//! Deals before the signature: an opportunity (what is asked of a partner, and where the
//! asking stands) and a prospect (a funding partner's profile: what it funds, how much,
//! when, on which conditions).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::agreement::theme_problems;
use super::{AgreementId, FieldProblem, ListKind, Money, PartnerId, ReferenceLists, ThemeShare};

/// The ledger's identifier of an opportunity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpportunityId(pub i64);

/// Where a deal stands. The first seven are the road from first contact to signature, in
/// order; a deal leaves it lost, declined (both with a reason) or on hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Seen as worth approaching.
    Identified,
    /// First contact made.
    Contacted,
    /// A concept note sent.
    ConceptNote,
    /// A full proposal submitted.
    ProposalSubmitted,
    /// Terms being negotiated.
    Negotiation,
    /// The partner pledged.
    Pledged,
    /// Signed: an agreement now.
    Signed,
    /// Lost to another or abandoned.
    Lost,
    /// The partner said no.
    Declined,
    /// Paused.
    OnHold,
}

impl Stage {
    /// Every stage: the road in order, then the three off it.
    pub const ALL: [Stage; 10] = [
        Stage::Identified,
        Stage::Contacted,
        Stage::ConceptNote,
        Stage::ProposalSubmitted,
        Stage::Negotiation,
        Stage::Pledged,
        Stage::Signed,
        Stage::Lost,
        Stage::Declined,
        Stage::OnHold,
    ];

    /// Its key in the ledger, in JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Identified => "identified",
            Stage::Contacted => "contacted",
            Stage::ConceptNote => "concept_note",
            Stage::ProposalSubmitted => "proposal_submitted",
            Stage::Negotiation => "negotiation",
            Stage::Pledged => "pledged",
            Stage::Signed => "signed",
            Stage::Lost => "lost",
            Stage::Declined => "declined",
            Stage::OnHold => "on_hold",
        }
    }

    /// The stage a key or an English label names ("concept note", "Concept_Note").
    pub fn from_name(name: &str) -> Option<Stage> {
        let key = name.trim().to_lowercase().replace([' ', '-'], "_");
        Stage::ALL.into_iter().find(|s| s.as_str() == key)
    }

    /// Its position in [`Stage::ALL`].
    pub fn index(self) -> usize {
        Stage::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }

    /// Whether the deal is still being worked (neither signed, lost nor declined).
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Signed | Stage::Lost | Stage::Declined)
    }

    /// Whether the deal ended without a signature (a reason is then told).
    pub fn is_lost(self) -> bool {
        matches!(self, Stage::Lost | Stage::Declined)
    }
}

/// The chance of signing each stage gives a deal, in hundredths of a percent (10000 =
/// certain), indexed like [`Stage::ALL`]; a deal's own figure overrides its stage's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageProbabilities(pub [u32; 10]);

impl Default for StageProbabilities {
    /// 5, 10, 20, 40, 60, 80, 100 % along the road; 0 lost or declined; 10 % on hold.
    fn default() -> Self {
        StageProbabilities([500, 1000, 2000, 4000, 6000, 8000, 10000, 0, 0, 1000])
    }
}

impl StageProbabilities {
    /// The stage's figure.
    pub fn of(&self, stage: Stage) -> u32 {
        self.0[stage.index()]
    }
}

/// A deal: what is asked of a partner and where the asking stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opportunity {
    /// Identifier; `OpportunityId(0)` before the ledger stores it.
    pub id: OpportunityId,
    /// The organisation's reference, unique when present (an import finds the deal by it).
    pub reference: Option<String>,
    /// The partner asked.
    pub partner_id: PartnerId,
    /// Short title.
    pub title: String,
    /// Thematic priorities with their parts, adding to 100 %.
    pub themes: Vec<ThemeShare>,
    /// Key of the region list.
    pub region: String,
    /// The amount asked, once there is one.
    pub ask: Option<Money>,
    /// Where it stands.
    pub stage: Stage,
    /// A chance of signing someone typed, in hundredths of a percent; kept when the stage
    /// moves. `None`: the stage's default.
    pub probability_bp: Option<u32>,
    /// When signing is expected.
    pub expected_signing: Option<NaiveDate>,
    /// What is to be done next (the ledger hands it trimmed: empty when there is none).
    pub next_action: String,
    /// By when.
    pub next_action_due: Option<NaiveDate>,
    /// Who follows the deal.
    pub owner: String,
    /// Why it was lost or declined.
    pub reason: String,
    /// The agreement it became, once signed.
    pub agreement_id: Option<AgreementId>,
}

impl Opportunity {
    /// Its chance of signing in hundredths of a percent, and whether someone typed it.
    pub fn probability(&self, defaults: &StageProbabilities) -> (u32, bool) {
        match self.probability_bp {
            Some(p) => (p, true),
            None => (defaults.of(self.stage), false),
        }
    }

    /// Checks the deal against the reference lists; empty when valid.
    pub fn problems(&self, lists: &ReferenceLists) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut push = |field, message: String| out.push(FieldProblem { field, message });
        if self.title.trim().is_empty() {
            push("title", "the title is missing".into());
        }
        if lists.entry(ListKind::Region, &self.region).is_none() {
            push(
                "region",
                format!("'{}' is not in the region list", self.region),
            );
        }
        if self.probability_bp.is_some_and(|p| p > 10_000) {
            push("probability", "a probability is between 0 and 100 %".into());
        }
        if self.ask.is_some_and(|a| a.minor <= 0) {
            push("ask", "the amount asked must be above zero".into());
        }
        if self.stage == Stage::Signed && self.ask.is_none() {
            push("ask", "a signed deal needs its amount".into());
        }
        if self.stage.is_lost() && self.reason.trim().is_empty() {
            push(
                "reason",
                format!("a deal {} needs its reason", self.stage.as_str()),
            );
        }
        if self
            .reference
            .as_deref()
            .is_some_and(|r| r.trim().is_empty())
        {
            push("reference", "the reference is blank".into());
        }
        out.extend(theme_problems(&self.themes, lists));
        out
    }
}

/// A deal's move from one stage to another, on a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageChange {
    /// The deal.
    pub opportunity_id: OpportunityId,
    /// The day of the move.
    pub on: NaiveDate,
    /// The stage it left; `None` when the deal was recorded.
    pub from: Option<Stage>,
    /// The stage it entered.
    pub to: Stage,
}

/// The range of amounts a funding partner gives, in one currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The least it gives.
    pub min: Money,
    /// What it usually gives.
    pub typical: Money,
    /// The most it gives.
    pub max: Money,
}

/// A call or a budget cycle in which a funding partner takes proposals.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundingWindow {
    /// Its name ("Digital4Dev call 2022").
    pub name: String,
    /// The first day proposals are taken.
    pub opens: NaiveDate,
    /// The last day.
    pub closes: NaiveDate,
    /// Where it is described.
    pub url: String,
}

/// A condition a funding partner sets, and whether the organisation meets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gate {
    /// The condition, in a short sentence ("co-funding of at least 20 %").
    pub statement: String,
    /// Met, not met, or not known.
    pub met: Option<bool>,
}

/// A person at a funding partner.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Name.
    pub name: String,
    /// Role.
    pub role: String,
    /// E-mail.
    pub email: String,
    /// Phone.
    pub phone: String,
    /// The language to write in.
    pub language: String,
}

/// A funding partner's profile: who might fund what.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prospect {
    /// The partner it describes (one profile each); it may never have signed anything.
    pub partner_id: PartnerId,
    /// Keys of the themes it funds.
    pub themes: Vec<String>,
    /// Keys of the regions it funds.
    pub regions: Vec<String>,
    /// Sectors or keywords it states.
    pub keywords: Vec<String>,
    /// Countries (ISO codes) it does not fund.
    pub excluded_countries: Vec<String>,
    /// What it gives, when known.
    pub ticket: Option<Ticket>,
    /// Its calls.
    pub windows: Vec<FundingWindow>,
    /// Its conditions.
    pub gates: Vec<Gate>,
    /// Who keeps the relationship.
    pub owner: String,
    /// Its people.
    pub contacts: Vec<Contact>,
    /// Where the profile comes from.
    pub source: String,
    /// The day the profile was last checked.
    pub verified_on: Option<NaiveDate>,
}

impl Prospect {
    /// A profile not checked within a year of `today` (or never) is stale.
    pub fn is_stale(&self, today: NaiveDate) -> bool {
        self.verified_on
            .is_none_or(|v| (today - v).num_days() > 365)
    }

    /// Checks the profile against the reference lists; empty when valid.
    pub fn problems(&self, lists: &ReferenceLists) -> Vec<FieldProblem> {
        let mut out = Vec::new();
        let mut push = |field, message: String| out.push(FieldProblem { field, message });
        for t in &self.themes {
            if lists.entry(ListKind::Theme, t).is_none() {
                push("themes", format!("'{t}' is not in the theme list"));
            }
        }
        for r in &self.regions {
            if lists.entry(ListKind::Region, r).is_none() {
                push("regions", format!("'{r}' is not in the region list"));
            }
        }
        if let Some(t) = self.ticket {
            if t.min.currency != t.typical.currency || t.min.currency != t.max.currency {
                push(
                    "ticket",
                    "the ticket's amounts are in different currencies".into(),
                );
            } else if !(t.min.minor <= t.typical.minor && t.typical.minor <= t.max.minor) {
                push(
                    "ticket",
                    format!(
                        "the ticket is not min <= typical <= max ({} / {} / {})",
                        t.min, t.typical, t.max
                    ),
                );
            }
        }
        for w in &self.windows {
            if w.closes < w.opens {
                push(
                    "windows",
                    format!(
                        "'{}' closes ({}) before it opens ({})",
                        w.name, w.closes, w.opens
                    ),
                );
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Currency;

    fn deal() -> Opportunity {
        Opportunity {
            id: OpportunityId(0),
            reference: Some("OP-1".into()),
            partner_id: PartnerId(1),
            title: "Cyber drills".into(),
            themes: vec![ThemeShare {
                theme: "cybersecurity".into(),
                percent_bp: 10_000,
            }],
            region: "africa".into(),
            ask: Some(Money::from_minor(50_000_000, Currency::USD)),
            stage: Stage::Contacted,
            probability_bp: None,
            expected_signing: None,
            next_action: String::new(),
            next_action_due: None,
            owner: String::new(),
            reason: String::new(),
            agreement_id: None,
        }
    }

    #[test]
    fn stages_read_from_keys_and_labels() {
        assert_eq!(Stage::from_name("Concept note"), Some(Stage::ConceptNote));
        assert_eq!(Stage::from_name("on-hold"), Some(Stage::OnHold));
        assert_eq!(Stage::from_name("won"), None);
        for s in Stage::ALL {
            assert_eq!(Stage::from_name(s.as_str()), Some(s));
        }
    }

    #[test]
    fn a_typed_probability_wins_over_the_stage() {
        let defaults = StageProbabilities::default();
        let mut d = deal();
        assert_eq!(d.probability(&defaults), (1000, false));
        d.probability_bp = Some(3300);
        d.stage = Stage::Negotiation;
        assert_eq!(d.probability(&defaults), (3300, true));
    }

    #[test]
    fn bad_deals_name_the_field() {
        let lists = ReferenceLists::defaults();
        assert!(deal().problems(&lists).is_empty());
        let mut d = deal();
        d.probability_bp = Some(12_000);
        d.stage = Stage::Lost;
        d.themes[0].theme = "astrology".into();
        let fields: Vec<_> = d.problems(&lists).iter().map(|p| p.field).collect();
        assert_eq!(fields, ["probability", "reason", "themes"]);
        let mut d = deal();
        d.stage = Stage::Signed;
        d.ask = None;
        assert_eq!(d.problems(&lists)[0].field, "ask");
    }

    #[test]
    fn a_window_closing_before_it_opens_is_refused() {
        let day = |m| NaiveDate::from_ymd_opt(2022, m, 1).unwrap();
        let p = Prospect {
            partner_id: PartnerId(1),
            themes: vec!["cybersecurity".into()],
            regions: vec!["africa".into()],
            keywords: vec![],
            excluded_countries: vec![],
            ticket: None,
            windows: vec![FundingWindow {
                name: "Call".into(),
                opens: day(6),
                closes: day(3),
                url: String::new(),
            }],
            gates: vec![],
            owner: String::new(),
            contacts: vec![],
            source: String::new(),
            verified_on: Some(day(1)),
        };
        assert_eq!(p.problems(&ReferenceLists::defaults())[0].field, "windows");
        assert!(!p.is_stale(day(12)));
        assert!(p.is_stale(NaiveDate::from_ymd_opt(2023, 3, 1).unwrap()));
    }
}
