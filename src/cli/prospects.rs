//! `pledger prospects`: funding partners' profiles, and the ranking of them for a project
//! idea with each factor of every score told.

use anyhow::anyhow;
use clap::Subcommand;
use serde_json::json;

use super::{Failure, day_of, print_json, refused, snapshot_of, usage};
use crate::domain::{Lang, ListKind, Money, Partner, Prospect};
use crate::import::{match_entry, parse_number};
use crate::ledger::Ledger;
use crate::report::{Concept, MatchInput, rank};

/// Prospects subcommands.
#[derive(Subcommand, Debug)]
pub enum ProspectsCommand {
    /// Rank the prospects for a project idea: themes, region, amount, deadline.
    Match {
        /// A theme the project serves (repeat for several).
        #[arg(long = "theme", required = true)]
        themes: Vec<String>,
        /// Its region.
        #[arg(long)]
        region: String,
        /// The amount needed.
        #[arg(long)]
        amount: String,
        /// Its currency.
        #[arg(long)]
        currency: String,
        /// The deadline (yyyy-mm-dd): a call must open by then.
        #[arg(long)]
        by: Option<String>,
        /// The day to rank on (yyyy-mm-dd; default today).
        #[arg(long)]
        as_of: Option<String>,
        /// How many to show.
        #[arg(long, default_value_t = 10)]
        top: usize,
        /// The language of the explanations (en, zh).
        #[arg(long, default_value = "en")]
        lang: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Every profile, stale ones marked.
    List {
        /// The day staleness is told on (yyyy-mm-dd; default today).
        #[arg(long)]
        as_of: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

fn name_of(partners: &[Partner], p: &Prospect) -> String {
    partners
        .iter()
        .find(|x| x.id == p.partner_id)
        .map_or_else(|| format!("#{}", p.partner_id.0), |x| x.name.clone())
}

/// Runs a `pledger prospects` subcommand.
pub fn prospects(ledger: &Ledger, command: ProspectsCommand) -> Result<(), Failure> {
    let partners = ledger.partners()?;
    let prospects = ledger.prospects()?;
    match command {
        ProspectsCommand::List { as_of, json } => {
            let today = day_of(as_of.as_deref())?;
            if json {
                let rows: Vec<_> = prospects
                    .iter()
                    .map(|p| json!({"partner": name_of(&partners, p), "stale": p.is_stale(today), "profile": p}))
                    .collect();
                return print_json(&rows);
            }
            for p in &prospects {
                println!(
                    "{:<60} {} themes, {} regions, {} windows{}",
                    name_of(&partners, p),
                    p.themes.len(),
                    p.regions.len(),
                    p.windows.len(),
                    if p.is_stale(today) {
                        "  (stale: verify)"
                    } else {
                        ""
                    }
                );
            }
            Ok(())
        }
        ProspectsCommand::Match {
            themes,
            region,
            amount,
            currency,
            by,
            as_of,
            top,
            lang,
            json,
        } => {
            let lang: Lang = lang.parse().map_err(|e: String| usage(anyhow!(e)))?;
            let lists = ledger.reference_lists()?;
            let key = |kind, text: &str, what: &str| {
                match_entry(&lists, kind, text)
                    .map(str::to_string)
                    .ok_or_else(|| usage(anyhow!("--{what}: '{text}' is not in the {what} list")))
            };
            let themes = themes
                .iter()
                .map(|t| key(ListKind::Theme, t, "theme"))
                .collect::<Result<Vec<_>, _>>()?;
            let currency = currency
                .parse()
                .map_err(|e: crate::domain::MoneyError| usage(e.into()))?;
            let amount = parse_number(&amount)
                .ok_or_else(|| usage(anyhow!("--amount: '{amount}' is not an amount")))
                .and_then(|n| Money::from_decimal(n, currency).map_err(|e| usage(e.into())))?;
            let concept = Concept {
                themes,
                region: key(ListKind::Region, &region, "region")?,
                amount,
                by: by.as_deref().map(|d| day_of(Some(d))).transpose()?,
            };
            let as_of = day_of(as_of.as_deref())?;
            if prospects.is_empty() {
                return Err(refused(anyhow!(
                    "the ledger has no prospects; import their profiles with pledger import FILE --kind prospects"
                )));
            }
            let snapshot = snapshot_of(ledger)?;
            let giving = snapshot.partner_totals(Some(as_of));
            let rates = ledger.rates()?;
            let reporting = ledger.reporting_currency()?;
            let input = MatchInput {
                prospects: &prospects,
                giving: &giving,
                rates: &rates,
                reporting,
            };
            let ranked = rank(&input, &concept, as_of, top);
            if json {
                let rows: Vec<_> = ranked
                    .iter()
                    .map(|r| {
                        let factors: Vec<_> = r
                            .factors
                            .iter()
                            .map(|f| {
                                json!({
                                    "factor": f.name,
                                    "points": f.points,
                                    "max": f.max,
                                    "why": f.why(&concept, r.prospect, &lists, reporting, lang),
                                })
                            })
                            .collect();
                        json!({
                            "partner": name_of(&partners, r.prospect),
                            "partner_id": r.prospect.partner_id.0,
                            "score": r.score,
                            "stale": r.stale,
                            "factors": factors,
                        })
                    })
                    .collect();
                return print_json(&json!({"considered": prospects.len(), "ranked": rows}));
            }
            println!(
                "{} prospects ranked for {} in {}; the best {}:",
                prospects.len(),
                concept.amount,
                lists.label(ListKind::Region, &concept.region, lang),
                ranked.len()
            );
            for (i, r) in ranked.iter().enumerate() {
                println!(
                    "{:>2}. {:<60} {:>4} points{}",
                    i + 1,
                    name_of(&partners, r.prospect),
                    r.score,
                    if r.stale {
                        "  (profile stale: verify)"
                    } else {
                        ""
                    }
                );
                for f in &r.factors {
                    println!(
                        "      {:<12} {:>+4} / {:<3} {}",
                        f.name,
                        f.points,
                        f.max,
                        f.why(&concept, r.prospect, &lists, reporting, lang)
                    );
                }
            }
            Ok(())
        }
    }
}
