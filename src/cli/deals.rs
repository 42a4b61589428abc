//! `pledger deal` (record a deal, move it along its stages, sign it into an agreement, show
//! it with its history) and `pledger pipeline`.

use anyhow::anyhow;
use chrono::NaiveDate;
use clap::Subcommand;

use super::{Failure, day_of, parse_period, print_json, refused, usage};
use crate::domain::{
    Agreement, AgreementId, Currency, ListKind, Money, Opportunity, OpportunityId, Partner,
    PartnerId, Period, ReferenceLists, Stage, Status, ThemeShare,
};
use crate::import::{match_entry, parse_number, parse_probability, parse_stage, theme_shares};
use crate::ledger::Ledger;
use crate::report::{PipelineInput, pipeline};

/// Deal subcommands.
#[derive(Subcommand, Debug)]
#[allow(clippy::large_enum_variant, reason = "parsed once per run")]
pub enum DealCommand {
    /// Record a deal (it enters its stage today, or on --on).
    Add {
        /// The partner asked: a name or alias in the ledger.
        #[arg(long)]
        partner: String,
        /// Short title.
        #[arg(long)]
        title: String,
        /// Themes with their parts ("Cybersecurity 60%; Digital inclusion 40%"); equal
        /// parts when none is given.
        #[arg(long)]
        theme: String,
        /// The region.
        #[arg(long)]
        region: String,
        /// The amount asked.
        #[arg(long)]
        ask: Option<String>,
        /// Its currency.
        #[arg(long)]
        currency: Option<String>,
        /// The stage (identified, contacted, concept_note, proposal_submitted,
        /// negotiation, pledged, signed, lost, declined, on_hold).
        #[arg(long, default_value = "identified")]
        stage: String,
        /// The organisation's reference of the deal.
        #[arg(long)]
        reference: Option<String>,
        /// A chance of signing (percent) that overrides the stage's.
        #[arg(long)]
        probability: Option<String>,
        /// When signing is expected (yyyy-mm-dd).
        #[arg(long)]
        expected: Option<String>,
        /// What is to be done next.
        #[arg(long)]
        next_action: Option<String>,
        /// By when (yyyy-mm-dd).
        #[arg(long)]
        next_due: Option<String>,
        /// Who follows the deal.
        #[arg(long)]
        owner: Option<String>,
        /// The day it entered its stage (yyyy-mm-dd; default today).
        #[arg(long)]
        on: Option<String>,
    },
    /// Move a deal to another stage (a typed probability is kept).
    Move {
        /// The deal's id.
        id: i64,
        /// The stage it enters.
        stage: String,
        /// The day (yyyy-mm-dd; default today).
        #[arg(long)]
        on: Option<String>,
        /// Why it was lost or declined.
        #[arg(long)]
        reason: Option<String>,
        /// A chance of signing (percent) that overrides the stage's; "default" drops it.
        #[arg(long)]
        probability: Option<String>,
    },
    /// Sign a deal: an agreement prefilled from it, the two linked.
    Sign {
        /// The deal's id.
        id: i64,
        /// The signing day (yyyy-mm-dd; default the expected one, else today).
        #[arg(long)]
        on: Option<String>,
        /// The agreement's reference.
        #[arg(long)]
        reference: Option<String>,
        /// The amount signed, when it differs from the ask.
        #[arg(long)]
        amount: Option<String>,
    },
    /// A deal, its probability and its history.
    Show {
        /// The deal's id.
        id: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The chance of signing each stage gives; sets those given (`negotiation=55`).
    Probabilities {
        /// STAGE=PERCENT pairs to set.
        set: Vec<String>,
    },
    /// Every deal.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// A percentage typed as `35` or `35%`, in hundredths of a percent (0 to 100 %).
fn percent(text: &str) -> Result<u32, Failure> {
    parse_probability(text, false).map_err(|e| usage(anyhow!(e)))
}

fn stage(text: &str) -> Result<Stage, Failure> {
    parse_stage(text).map_err(|e| usage(anyhow!(e)))
}

fn partner_named(partners: &[Partner], name: &str) -> Result<PartnerId, Failure> {
    let matcher = crate::import::PartnerMatcher::new(partners);
    if let Some(id) = matcher.exact(name) {
        return Ok(id);
    }
    let hint = matcher
        .suggest(name)
        .and_then(|(id, _)| partners.iter().find(|p| p.id == id))
        .map(|p| format!(" (did you mean '{}'?)", p.name))
        .unwrap_or_default();
    Err(refused(anyhow!(
        "no partner is named '{name}'{hint}; add it first (pledger import --kind partners)"
    )))
}

fn themes(lists: &ReferenceLists, text: &str) -> Result<Vec<ThemeShare>, Failure> {
    theme_shares(lists, text).map_err(|e| usage(anyhow!("--theme: {e}")))
}

fn money(amount: &str, currency: &str) -> Result<Money, Failure> {
    let c: Currency = currency
        .parse()
        .map_err(|e: crate::domain::MoneyError| usage(e.into()))?;
    let n = parse_number(amount).ok_or_else(|| usage(anyhow!("'{amount}' is not an amount")))?;
    Money::entered(n, c).map_err(|e| usage(e.into()))
}

fn deal_of(ledger: &Ledger, id: i64) -> Result<Opportunity, Failure> {
    ledger
        .opportunity(OpportunityId(id))?
        .ok_or_else(|| refused(anyhow!("there is no deal #{id}")))
}

/// A day the user typed (yyyy-mm-dd).
fn date(text: &str) -> Result<NaiveDate, Failure> {
    day_of(Some(text))
}

/// Runs a `pledger deal` subcommand.
pub fn deal(ledger: &mut Ledger, command: DealCommand) -> Result<(), Failure> {
    match command {
        DealCommand::Add {
            partner,
            title,
            theme,
            region,
            ask,
            currency,
            stage: stage_name,
            reference,
            probability,
            expected,
            next_action,
            next_due,
            owner,
            on,
        } => {
            let lists = ledger.reference_lists()?;
            let partners = ledger.partners()?;
            let ask = match (ask, currency) {
                (Some(a), Some(c)) => Some(money(&a, &c)?),
                (Some(_), None) => return Err(usage(anyhow!("--ask needs its --currency"))),
                (None, Some(_)) => return Err(usage(anyhow!("--currency needs an --ask"))),
                (None, None) => None,
            };
            let region = match_entry(&lists, ListKind::Region, &region)
                .ok_or_else(|| usage(anyhow!("--region: '{region}' is not in the region list")))?
                .to_string();
            let deal = Opportunity {
                id: OpportunityId(0),
                reference,
                partner_id: partner_named(&partners, &partner)?,
                title,
                themes: themes(&lists, &theme)?,
                region,
                ask,
                stage: stage(&stage_name)?,
                probability_bp: probability.as_deref().map(percent).transpose()?,
                expected_signing: expected.as_deref().map(date).transpose()?,
                next_action: next_action.unwrap_or_default(),
                next_action_due: next_due.as_deref().map(date).transpose()?,
                owner: owner.unwrap_or_default(),
                reason: String::new(),
                agreement_id: None,
            };
            let on = day_of(on.as_deref())?;
            let (id, _) = ledger.write(|w| w.put_opportunity(&deal, on))?;
            println!(
                "Deal #{} recorded: {} ({})",
                id.0,
                deal.title,
                deal.stage.as_str()
            );
            Ok(())
        }
        DealCommand::Move {
            id,
            stage: stage_name,
            on,
            reason,
            probability,
        } => {
            let mut deal = deal_of(ledger, id)?;
            let from = deal.stage;
            deal.stage = stage(&stage_name)?;
            if deal.stage == Stage::Signed {
                return Err(usage(anyhow!(
                    "a deal is signed with `pledger deal sign {id}`, which makes its agreement"
                )));
            }
            if let Some(r) = reason {
                deal.reason = r;
            }
            match probability.as_deref() {
                Some("default") => deal.probability_bp = None,
                Some(p) => deal.probability_bp = Some(percent(p)?),
                None => {}
            }
            let on = day_of(on.as_deref())?;
            ledger.write(|w| w.put_opportunity(&deal, on))?;
            let (bp, typed) = deal.probability(&ledger.stage_probabilities()?);
            println!(
                "Deal #{id} moved from {} to {} on {on}; probability {} %{}",
                from.as_str(),
                deal.stage.as_str(),
                crate::domain::bp_text(bp),
                if typed { " (typed, kept)" } else { "" }
            );
            Ok(())
        }
        DealCommand::Sign {
            id,
            on,
            reference,
            amount,
        } => {
            let deal = deal_of(ledger, id)?;
            let signed_on = match on.as_deref() {
                Some(t) => date(t)?,
                None => deal.expected_signing.map_or_else(|| day_of(None), Ok)?,
            };
            let contribution = match (amount, deal.ask) {
                (Some(a), Some(ask)) => Some(money(&a, ask.currency.code())?),
                (Some(_), None) => {
                    return Err(usage(anyhow!(
                        "the deal has no currency: record its ask first"
                    )));
                }
                (None, ask) => ask,
            };
            if contribution.is_none() {
                return Err(refused(anyhow!(
                    "deal #{id} has no amount: a signed deal needs one (--amount)"
                )));
            }
            let agreement = Agreement {
                id: AgreementId(0),
                reference,
                title: deal.title.clone(),
                partner_id: deal.partner_id,
                signed_on,
                status: Status::Signed,
                contribution,
                value_date: None,
                own_part: None,
                region: deal.region.clone(),
                themes: deal.themes.clone(),
                notes: format!("From deal #{id}"),
            };
            let agreement_id = ledger.write(|w| w.sign_opportunity(deal.id, &agreement))?;
            println!(
                "Deal #{id} signed on {signed_on}: agreement #{}",
                agreement_id.0
            );
            Ok(())
        }
        DealCommand::Show { id, json } => {
            let deal = deal_of(ledger, id)?;
            let history = ledger.stage_changes_of(deal.id)?;
            let (bp, typed) = deal.probability(&ledger.stage_probabilities()?);
            if json {
                return print_json(&serde_json::json!({
                    "deal": deal,
                    "probability_bp": bp,
                    "probability_typed": typed,
                    "history": history,
                }));
            }
            println!("Deal #{id}: {} ({})", deal.title, deal.stage.as_str());
            println!(
                "probability {} %{}",
                crate::domain::bp_text(bp),
                if typed { " (typed)" } else { "" }
            );
            if let Some(a) = deal.ask {
                println!("ask {a}");
            }
            if let Some(a) = deal.agreement_id {
                println!("agreement #{}", a.0);
            }
            for c in &history {
                println!(
                    "{}  {} -> {}",
                    c.on,
                    c.from.map_or("(recorded)", Stage::as_str),
                    c.to.as_str()
                );
            }
            Ok(())
        }
        DealCommand::Probabilities { set } => {
            let mut p = ledger.stage_probabilities()?;
            for pair in &set {
                let (name, value) = pair
                    .split_once('=')
                    .ok_or_else(|| usage(anyhow!("'{pair}' is not STAGE=PERCENT")))?;
                p.0[stage(name)?.index()] = percent(value)?;
            }
            if !set.is_empty() {
                ledger.write(|w| w.set_stage_probabilities(&p))?;
            }
            for s in Stage::ALL {
                println!("{:<19} {} %", s.as_str(), crate::domain::bp_text(p.of(s)));
            }
            Ok(())
        }
        DealCommand::List { json } => {
            let deals = ledger.opportunities()?;
            if json {
                return print_json(&deals);
            }
            for d in &deals {
                println!(
                    "#{:<6} {:<20} {:>22}  {}",
                    d.id.0,
                    d.stage.as_str(),
                    d.ask.map(|a| a.to_string()).unwrap_or_default(),
                    d.title
                );
            }
            Ok(())
        }
    }
}

/// `pledger pipeline`.
pub fn pipeline_command(
    ledger: &Ledger,
    as_of: Option<&str>,
    period: Option<&str>,
    json: bool,
) -> Result<(), Failure> {
    let as_of = day_of(as_of)?;
    let period = match period {
        Some(p) => parse_period(p)?,
        None => Period::parse(&crate::report::quarter_label(as_of)).map_err(|e| usage(e.into()))?,
    };
    let deals = ledger.opportunities()?;
    let changes = ledger.stage_changes()?;
    let partners = ledger.partners()?;
    let rates = ledger.rates()?;
    let probabilities = ledger.stage_probabilities()?;
    let input = PipelineInput {
        deals: &deals,
        changes: &changes,
        partners: &partners,
        rates: &rates,
        reporting: ledger.reporting_currency()?,
        probabilities: &probabilities,
    };
    let p = pipeline(&input, as_of, &period);
    if json {
        return print_json(&p);
    }
    print!("{}", super::text::pipeline_text(&p));
    Ok(())
}
