//! The command-line commands: parse arguments, open the ledger, run one command, and map
//! errors to exit codes (1: refused, 2: bad usage or unreadable input).

mod deals;
mod export;
mod prospects;
mod text;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::{Args, Parser, Subcommand};
use rust_decimal::Decimal;
use serde_json::json;

use crate::domain::{Currency, ExchangeRate, Lang, Period};
use crate::import::{self, ImportError, ImportOptions, Severity};
use crate::ledger::{self, AgreementFilter, Ledger, LedgerError};
use crate::report::Snapshot;

/// What `pledger --help` says after the commands and options.
const AFTER_HELP: &str = "\
Without a command, pledger opens the desktop app, with the import wizard on WORKBOOK when
one is given, on the ledger: --ledger PATH, else $PLEDGER_LEDGER, else
~/.local/share/pledger/ledger.sqlite3 (on macOS and Windows, the platform's data folder). Exit codes: 0 done, 1 refused, 2 bad usage or unreadable input.

Examples:
  pledger                                         open the desktop app
  pledger sheet.xlsx                              open it in the app's import wizard
  pledger --ledger team.sqlite3 sample            load the sample agreements into a ledger
  pledger report --period 2021Q1                  the advisory-group report of a quarter
  pledger import sheet.xlsx --dry-run             what an import would change
  pledger export pdf --period 2021Q1 --out r.pdf  the report as a PDF";

/// Pledger: the partnerships and resource-mobilization ledger.
#[derive(Parser, Debug)]
#[command(
    name = "pledger",
    version,
    about,
    long_about = None,
    after_help = AFTER_HELP,
    propagate_version = true
)]
pub struct Cli {
    /// The ledger file (default: the platform data folder, or $PLEDGER_LEDGER).
    #[arg(long, global = true, value_name = "PATH")]
    pub ledger: Option<PathBuf>,
    /// A workbook to import: the desktop app opens with the import wizard on it.
    #[arg(value_name = "WORKBOOK")]
    pub workbook: Option<PathBuf>,
    /// What to do; without a command, Pledger opens the desktop app.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create an empty ledger (at --ledger, or the default one); an existing one is left
    /// as it is.
    Init,
    /// Fill the ledger with the sample agreements of 2019 to 2021Q2 (loading twice changes nothing).
    Sample,
    /// Write a consistent single-file copy of the ledger.
    Backup {
        /// The copy to write (must not exist).
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// List partners.
    Partners {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// List agreements.
    Agreements {
        /// Only those signed in this period (2021Q1, 2020, 2021-03, 2021-01-01..2021-06-30).
        #[arg(long)]
        period: Option<String>,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Exchange rates.
    Rate {
        /// What to do with rates.
        #[command(subcommand)]
        command: RateCommand,
    },
    /// The advisory-group report for a period.
    Report {
        /// 2021Q1, 2020, 2021-03 or 2021-01-01..2021-06-30.
        #[arg(long)]
        period: String,
        /// Language of labels: en or zh.
        #[arg(long, default_value = "en")]
        lang: String,
        /// How many top partners to list (the ledger's report setting, 10, unless given).
        #[arg(long)]
        top: Option<usize>,
        /// Print JSON (a stable contract).
        #[arg(long)]
        json: bool,
    },
    /// Import agreements (partners, rates, schedules, receipts) from a workbook (xlsx, xlsm,
    /// xlsb, xls, ods) or a CSV/TSV sheet.
    Import(ImportArgs),
    /// Signed versus received on a day: per agreement and partner the signed, scheduled,
    /// received, outstanding and overdue amounts, overdue instalments by age, cash expected
    /// by quarter, the exchange gain or loss on receipts.
    Receivables {
        /// The day (yyyy-mm-dd; default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// Print JSON (a stable contract).
        #[arg(long)]
        json: bool,
    },
    /// What is late and what falls due in the next days: instalments not paid whole and
    /// reports not sent.
    Due {
        /// The day (yyyy-mm-dd; default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
        /// How many days ahead to look.
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// Write the instalments and reports still open as an iCalendar file (one all-day
    /// event each) for Outlook, Thunderbird or a phone.
    Calendar {
        /// The .ics file to write.
        #[arg(long, value_name = "FILE.ics")]
        out: PathBuf,
        /// The day whose receipts count (yyyy-mm-dd; default today).
        #[arg(long, value_name = "DATE")]
        as_of: Option<String>,
    },
    /// Freeze the report of a period as published; later reports show what changed since.
    Publish {
        /// The period.
        #[arg(long)]
        period: String,
        /// How many top partners the published report lists (the ledger's report setting,
        /// 10, unless given).
        #[arg(long)]
        top: Option<usize>,
    },
    /// Export the report: PNG charts, the PDF report, an Excel workbook.
    Export {
        /// What to export.
        #[command(subcommand)]
        command: export::ExportCommand,
    },
    /// The organisation's names, which headers of its own co-funding part carry
    /// ("ITU co-funding", "Part de l'UIT"); prints them, or sets those given.
    Org {
        /// The full name; several spellings separated by ";".
        #[arg(long)]
        name: Option<String>,
        /// The short name ("ITU"); several spellings separated by ";".
        #[arg(long)]
        short_name: Option<String>,
    },
    /// How the organisation's reports are drawn, kept in the ledger so that the app, these
    /// commands and every file show the same; prints them, or sets those given.
    ReportSettings {
        /// How many top partners a report lists (1 to 100; 10 by default).
        #[arg(long)]
        top: Option<usize>,
        /// Pie slices under this percentage of their total are grouped ("3 smaller") when
        /// two or more are (one decimal; 3 by default; 0 groups none).
        #[arg(long)]
        group_under: Option<String>,
    },
    /// Deals before the signature: record one, move it along its stages, sign it into
    /// an agreement, show it with its history.
    Deal {
        /// What to do with deals.
        #[command(subcommand)]
        command: deals::DealCommand,
    },
    /// Funding partners' profiles: list them, show one, rank them for a project idea
    /// (each factor of the score shown).
    Prospects {
        /// What to do with prospects.
        #[command(subcommand)]
        command: prospects::ProspectsCommand,
    },
    /// The pipeline on a day: per stage the deals, their nominal and weighted asks per
    /// currency and in the reporting currency, expected signings by quarter, won and lost
    /// in a period, days per stage, next actions overdue.
    Pipeline {
        /// The day (yyyy-mm-dd; default today).
        #[arg(long)]
        as_of: Option<String>,
        /// The period won and lost count in (default the quarter of the day).
        #[arg(long)]
        period: Option<String>,
        /// Print JSON (a stable contract).
        #[arg(long)]
        json: bool,
    },
    /// The latest changes recorded in the audit trail.
    Audit {
        /// How many entries.
        #[arg(long, default_value_t = 20)]
        limit: usize,
    },
}

/// Rate subcommands.
#[derive(Subcommand, Debug)]
pub enum RateCommand {
    /// Set the rate of CUR in the reporting currency from DATE on.
    Set {
        /// Currency code (EUR).
        currency: String,
        /// First day the rate applies (yyyy-mm-dd).
        date: String,
        /// Units of the reporting currency for one unit of CUR.
        rate: String,
    },
    /// List every rate.
    List {
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Options of `pledger import`.
#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The file to import (.xlsx, .xlsm, .xlsb, .xls, .ods, .csv, .tsv).
    #[arg(required_unless_present = "undo")]
    pub file: Option<PathBuf>,
    /// What the rows are: agreements, partners (name, type, Chinese name, country,
    /// aliases), rates (currency, valid from, rate, quote), schedules (agreement, due on,
    /// amount, currency, condition), receipts (received on, amount, currency, agreement or
    /// partner, reference, rate, notes) or deliverables (agreement, kind, title, due on,
    /// sent on), prospects (funding partners' profiles) or opportunities (deals); told
    /// from the headers when not given.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<import::ImportKind>,
    /// The sheet to read.
    #[arg(long)]
    pub sheet: Option<String>,
    /// The 1-based row holding the headers.
    #[arg(long, value_name = "N")]
    pub header_row: Option<usize>,
    /// Map a field to a column: --map amount="Contribution (USD)" (or "HEADER=FIELD");
    /// remembered for that header once the import commits.
    #[arg(long = "map", value_name = "FIELD=HEADER")]
    pub map: Vec<String>,
    /// Apply a saved mapping profile.
    #[arg(long)]
    pub profile: Option<String>,
    /// The encoding of a CSV or TSV file (windows-1252, gb18030, shift_jis, utf-16le,
    /// utf-8…); detected when not given.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// Save this mapping as a profile.
    #[arg(long, value_name = "NAME")]
    pub save_profile: Option<String>,
    /// Confirm a spelling of an existing partner: --match "MIIT China=Ministry of ...".
    #[arg(long = "match", value_name = "SPELLING=PARTNER")]
    pub matches: Vec<String>,
    /// Keep a spelling that looks like a ledger partner as a new partner: --new "Norad Fund".
    #[arg(long = "new", value_name = "SPELLING")]
    pub new_partners: Vec<String>,
    /// A file of partner decisions, one a line: SPELLING=PARTNER (the same partner) or
    /// SPELLING=new (a new partner); lines starting with # are comments.
    #[arg(long, value_name = "FILE")]
    pub decisions: Option<PathBuf>,
    /// Ask, for each partner name that looks like a ledger partner, whether it is the same
    /// partner or a new one (answers are read from standard input).
    #[arg(long)]
    pub ask: bool,
    /// Show the plan; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Commit the valid rows and leave the others.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
    /// Write the sheet's rows with a "Problems" column to this .xlsx, to send back for fixing.
    #[arg(long, value_name = "FILE.xlsx")]
    pub errors_out: Option<PathBuf>,
    /// Reverse an earlier import batch exactly.
    #[arg(long, value_name = "BATCH", conflicts_with = "file")]
    pub undo: Option<i64>,
}

/// An error with the exit code it maps to.
pub struct Failure {
    /// 1: refused; 2: bad usage or unreadable input.
    pub code: u8,
    /// What went wrong.
    pub error: anyhow::Error,
}

/// "3", "2.5", "3 %" as tenths of a percent (30, 25), from 0 to 100 %.
fn percent_tenths(text: &str) -> Option<u32> {
    let number: rust_decimal::Decimal = text.trim().trim_end_matches('%').trim().parse().ok()?;
    let tenths = number * rust_decimal::Decimal::TEN;
    if !tenths.fract().is_zero() {
        return None;
    }
    use rust_decimal::prelude::ToPrimitive;
    tenths
        .to_u32()
        .filter(|&t| t <= 1000 && !number.is_sign_negative())
}

fn usage(error: anyhow::Error) -> Failure {
    Failure { code: 2, error }
}

fn refused(error: anyhow::Error) -> Failure {
    Failure { code: 1, error }
}

impl From<LedgerError> for Failure {
    fn from(e: LedgerError) -> Failure {
        let code = match e {
            LedgerError::Refused(_) | LedgerError::Invalid { .. } | LedgerError::NotFound(_) => 1,
            _ => 2,
        };
        Failure {
            code,
            error: e.into(),
        }
    }
}

impl From<ImportError> for Failure {
    fn from(e: ImportError) -> Failure {
        match e {
            ImportError::Ledger(l) => l.into(),
            ImportError::Blocked { .. } => refused(e.into()),
            _ => usage(e.into()),
        }
    }
}

/// Parses the command line and runs it; the exit code to return.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("pledger: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

impl Command {
    /// Whether the command may create the ledger it is given: `init`, `sample` and
    /// `import`. The others need one: a mistyped path is an error, not a new empty ledger.
    fn creates_ledger(&self) -> bool {
        matches!(self, Command::Init | Command::Sample | Command::Import(_))
    }
}

fn open_ledger(path: Option<PathBuf>, create: bool) -> Result<Ledger, Failure> {
    let path = path.or_else(ledger::default_path).ok_or_else(|| {
        usage(anyhow!(
            "no home folder to keep the ledger in; give --ledger PATH"
        ))
    })?;
    if !create && !path.exists() {
        return Err(usage(anyhow!(
            "no ledger at {} (create one with pledger init, pledger sample or pledger import)",
            path.display()
        )));
    }
    Ledger::open(&path).map_err(|e| {
        usage(anyhow::Error::from(e).context(format!("cannot open the ledger {}", path.display())))
    })
}

fn parse_period(text: &str) -> Result<Period, Failure> {
    Period::parse(text).map_err(|e| usage(e.into()))
}

/// The report snapshot of `ledger`: a large ledger's is kept in a file for the next run.
fn snapshot_of(ledger: &Ledger) -> Result<Snapshot, Failure> {
    Ok(match ledger.path().and_then(ledger::snapshot_cache_path) {
        Some(file) => {
            let (snapshot, cached) = Snapshot::load_cached(ledger, &file)?;
            if !cached {
                let _ = snapshot.store(&file);
            }
            snapshot
        }
        None => Snapshot::load(ledger)?,
    })
}

fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value).map_err(|e| usage(e.into()))?;
    println!("{text}");
    Ok(())
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<(), Failure> {
    if let (Some(workbook), Some(_)) = (&cli.workbook, &cli.command) {
        return Err(usage(anyhow!(
            "'{}' before a command: to import it, run pledger import '{0}'",
            workbook.display()
        )));
    }
    let Some(command) = cli.command else {
        let path = cli.ledger.or_else(ledger::default_path).ok_or_else(|| {
            usage(anyhow!(
                "no home folder to keep the ledger in; give --ledger PATH"
            ))
        })?;
        if let Some(workbook) = &cli.workbook
            && !workbook.is_file()
        {
            return Err(usage(anyhow!(
                "'{}' is neither a command nor a workbook file (see pledger --help)",
                workbook.display()
            )));
        }
        return crate::ui::run(&path, cli.workbook).map_err(|e| Failure { error: e, code: 1 });
    };
    let mut ledger = open_ledger(cli.ledger, command.creates_ledger())?;
    match command {
        Command::Init => {
            println!(
                "Ledger ready: {} ({})",
                ledger
                    .path()
                    .map_or_else(|| "memory".into(), |p| p.display().to_string()),
                text::count(
                    usize::try_from(ledger.agreement_count()?).unwrap_or(usize::MAX),
                    "agreement",
                    "agreements"
                )
            );
            Ok(())
        }
        Command::Sample => {
            let s = import::load_sample(&mut ledger)?;
            println!(
                "Sample ledger loaded into {}: {} agreements created, {} updated, {} unchanged, {} partners created.",
                ledger
                    .path()
                    .map_or_else(|| "memory".into(), |p| p.display().to_string()),
                s.created,
                s.updated,
                s.unchanged,
                s.partners_created
            );
            println!("Try: pledger report --period 2021Q1");
            Ok(())
        }
        Command::Backup { to } => {
            ledger.backup(&to)?;
            println!("Backup written to {}", to.display());
            Ok(())
        }
        Command::Partners { json } => {
            let partners = ledger.partners()?;
            let lists = ledger.reference_lists()?;
            let agreements = ledger.agreements(&AgreementFilter::default())?;
            let count = |id| agreements.iter().filter(|a| a.partner_id == id).count();
            if json {
                let out: Vec<_> = partners
                    .iter()
                    .map(|p| json!({"id": p.id.0, "name": p.name, "name_zh": p.name_zh, "partner_type": p.partner_type,
                                    "country": p.country, "aliases": p.aliases, "agreements": count(p.id)}))
                    .collect();
                return print_json(&out);
            }
            print!("{}", text::partners_table(&partners, &lists, &count));
            Ok(())
        }
        Command::Agreements { period, json } => {
            let period = period.as_deref().map(parse_period).transpose()?;
            let agreements = ledger.agreements(&AgreementFilter {
                period,
                partner: None,
            })?;
            let partners = ledger.partners()?;
            let name = |id| {
                partners
                    .iter()
                    .find(|p| p.id == id)
                    .map_or_else(|| "?".to_string(), |p| p.name.clone())
            };
            if json {
                let out: Vec<_> = agreements
                    .iter()
                    .map(|a| json!({
                        "id": a.id.0, "reference": a.reference, "title": a.title, "partner": name(a.partner_id),
                        "signed_on": a.signed_on, "status": a.status,
                        "amount": a.contribution.map(|m| m.amount().to_string()), "currency": a.contribution.map(|m| m.currency.to_string()),
                        "own_contribution": a.own_part.map(|m| m.amount().to_string()), "own_currency": a.own_part.map(|m| m.currency.to_string()),
                        "region": a.region, "themes": a.themes, "notes": a.notes,
                    }))
                    .collect();
                return print_json(&out);
            }
            print!("{}", text::agreements_table(&agreements, &name));
            Ok(())
        }
        Command::Rate { command } => rate(&mut ledger, command),
        Command::Report {
            period,
            lang,
            top,
            json,
        } => {
            let period = parse_period(&period)?;
            let lang: Lang = lang.parse().map_err(|e: String| usage(anyhow!(e)))?;
            let snapshot = snapshot_of(&ledger)?;
            let top = export::top_of(&ledger, top)?;
            let report = snapshot
                .report(&period, top)
                .map_err(|e| refused(e.into()))?;
            let published = export::published_changes(&ledger, &period)?;
            if json {
                let mut value =
                    serde_json::to_value(report.to_json(lang)).map_err(|e| usage(e.into()))?;
                if let (Some(changes), Some(map)) = (published, value.as_object_mut()) {
                    map.insert("published".into(), json!(changes));
                }
                return print_json(&value);
            }
            print!("{}", text::report_text(&report, lang));
            if let Some(changes) = published {
                print!("{}", changes.text());
            }
            Ok(())
        }
        Command::Import(args) => import_command(&mut ledger, args),
        Command::Export { command } => export::export(&ledger, command),
        Command::Publish { period, top } => export::publish(&mut ledger, &period, top),
        Command::ReportSettings { top, group_under } => {
            let mut settings = ledger.report_settings()?;
            if let Some(top) = top {
                settings.top = top;
            }
            if let Some(text) = &group_under {
                settings.group_under_tenths = percent_tenths(text).ok_or_else(|| {
                    usage(anyhow!(
                        "--group-under '{text}' is not a percentage from 0 to 100 with one decimal at most (3, 2.5)"
                    ))
                })?;
            }
            if top.is_some() || group_under.is_some() {
                ledger
                    .write(|w| w.set_report_settings(&settings))
                    .map_err(|e| refused(e.into()))?;
            }
            let g = settings.group_under_tenths;
            println!("top partners listed: {}", settings.top);
            println!(
                "pie slices grouped under: {}.{} % (when two or more are)",
                g / 10,
                g % 10
            );
            Ok(())
        }
        Command::Org { name, short_name } => {
            let mut org = ledger.organisation()?;
            if name.is_some() || short_name.is_some() {
                for (value, what) in [(&name, "name"), (&short_name, "short name")] {
                    if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                        return Err(usage(anyhow!("the organisation's {what} is blank")));
                    }
                }
                org.name = name.unwrap_or(org.name);
                org.short_name = short_name.unwrap_or(org.short_name);
                ledger.write(|w| w.set_organisation(&org))?;
            }
            println!("name: {}\nshort name: {}", org.name, org.short_name);
            Ok(())
        }
        Command::Receivables { as_of, json } => receivables(&ledger, as_of.as_deref(), json),
        Command::Due { as_of, days, json } => {
            let (_, due) = due_of(&ledger, as_of.as_deref(), days)?;
            if json {
                return print_json(&due);
            }
            print!("{}", text::due_text(&due));
            Ok(())
        }
        Command::Calendar { out, as_of } => {
            let (_, due) = due_of(&ledger, as_of.as_deref(), 30)?;
            let ics = crate::export::calendar::calendar(&due);
            crate::files::write_whole(&out, ics.as_bytes())
                .with_context(|| format!("cannot write {}", out.display()))
                .map_err(refused)?;
            println!(
                "{} written: {}",
                out.display(),
                text::count(due.open.len(), "event", "events")
            );
            Ok(())
        }
        Command::Deal { command } => deals::deal(&mut ledger, command),
        Command::Prospects { command } => prospects::prospects(&ledger, command),
        Command::Pipeline {
            as_of,
            period,
            json,
        } => deals::pipeline_command(&ledger, as_of.as_deref(), period.as_deref(), json),
        Command::Audit { limit } => {
            for e in ledger.audit(limit)? {
                println!(
                    "{}  {:<7} {} {}{}",
                    e.at,
                    e.action,
                    e.entity,
                    e.entity_id.unwrap_or_default(),
                    e.batch_id
                        .map(|b| format!("  (import batch {b})"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
    }
}

/// The day `text` names (`yyyy-mm-dd`), today when none.
fn day_of(text: Option<&str>) -> Result<chrono::NaiveDate, Failure> {
    match text {
        Some(text) => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
            .map_err(|_| usage(anyhow!("'{text}' is not a date (yyyy-mm-dd)"))),
        None => Ok(chrono::Local::now().date_naive()),
    }
}

/// The receivables of the ledger on the day `as_of` names, and what is due then within
/// `days`.
fn due_of(
    ledger: &Ledger,
    as_of: Option<&str>,
    days: i64,
) -> Result<(crate::report::Receivables, crate::report::Due), Failure> {
    Ok(crate::report::load_receivables(
        ledger,
        day_of(as_of)?,
        days,
    )?)
}

/// `pledger receivables`.
fn receivables(ledger: &Ledger, as_of: Option<&str>, json: bool) -> Result<(), Failure> {
    let (r, _) = due_of(ledger, as_of, 30)?;
    if json {
        return print_json(&r);
    }
    print!("{}", text::receivables_text(&r));
    Ok(())
}

fn rate(ledger: &mut Ledger, command: RateCommand) -> Result<(), Failure> {
    match command {
        RateCommand::Set {
            currency,
            date,
            rate,
        } => {
            let currency: Currency = currency
                .parse()
                .map_err(|e: crate::domain::MoneyError| usage(e.into()))?;
            let valid_from = chrono::NaiveDate::parse_from_str(&date, "%Y-%m-%d")
                .with_context(|| format!("'{date}' is not a date (yyyy-mm-dd)"))
                .map_err(usage)?;
            let rate: Decimal = rate
                .parse()
                .with_context(|| format!("'{rate}' is not a rate"))
                .map_err(usage)?;
            let quote = ledger.reporting_currency()?;
            ledger.write(|w| {
                w.set_rate(&ExchangeRate {
                    currency,
                    quote,
                    valid_from,
                    rate,
                })
            })?;
            println!("1 {currency} = {rate} {quote} from {valid_from}");
            Ok(())
        }
        RateCommand::List { json } => {
            let table = ledger.rates()?;
            if json {
                let out: Vec<_> = table
                    .rates()
                    .iter()
                    .map(|r| json!({"currency": r.currency, "quote": r.quote, "valid_from": r.valid_from, "rate": r.rate.normalize().to_string()}))
                    .collect();
                return print_json(&out);
            }
            for r in table.rates() {
                println!(
                    "{}  1 {} = {} {}",
                    r.valid_from,
                    r.currency,
                    r.rate.normalize(),
                    r.quote
                );
            }
            Ok(())
        }
    }
}

fn split_pair(text: &str, what: &str) -> Result<(String, String), Failure> {
    text.split_once('=')
        .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
        .ok_or_else(|| usage(anyhow!("'{text}' is not {what}")))
}

/// Reads a decisions file (`SPELLING=PARTNER` or `SPELLING=new` a line) into `options`.
fn read_decisions(path: &std::path::Path, options: &mut ImportOptions) -> Result<(), Failure> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the decisions file {}", path.display()))
        .map_err(usage)?;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((spelling, partner)) = line.rsplit_once('=') else {
            return Err(usage(anyhow!(
                "{}, line {}: '{line}' is not SPELLING=PARTNER or SPELLING=new",
                path.display(),
                n + 1
            )));
        };
        let (spelling, partner) = (spelling.trim().to_string(), partner.trim().to_string());
        if partner.eq_ignore_ascii_case("new") {
            options.new_partners.push(spelling);
        } else {
            options.confirmed_matches.push((spelling, partner));
        }
    }
    Ok(())
}

/// Plans the import of `file` without writing, then asks on standard error, for each
/// partner name that looks like a ledger partner, whether it is that partner; the answers
/// ("s" same, "n" new, one a line on standard input) go into `options`.
fn ask_decisions(
    ledger: &mut Ledger,
    file: &std::path::Path,
    options: &mut ImportOptions,
) -> Result<(), Failure> {
    use std::io::{BufRead, Write};
    let done =
        import::import_file::<import::Agreements>(ledger, file, options, false, true, &mut |_| {
            true
        })?;
    let stdin = std::io::stdin();
    let mut lines = stdin.lock().lines();
    for m in &done.plan.near_matches {
        loop {
            eprint!(
                "Row {}: is \"{}\" the partner \"{}\" ({} % alike)? [s]ame / [n]ew: ",
                m.row, m.spelling, m.partner, m.percent
            );
            let _ = std::io::stderr().flush();
            let Some(Ok(answer)) = lines.next() else {
                return Err(usage(anyhow!(
                    "no answer for \"{}\"; nothing was written",
                    m.spelling
                )));
            };
            match answer.trim().to_lowercase().as_str() {
                "s" | "same" | "y" | "yes" => {
                    options
                        .confirmed_matches
                        .push((m.spelling.clone(), m.partner.clone()));
                }
                "n" | "new" | "no" => options.new_partners.push(m.spelling.clone()),
                _ => continue,
            }
            break;
        }
    }
    Ok(())
}

fn import_command(ledger: &mut Ledger, args: ImportArgs) -> Result<(), Failure> {
    if let Some(batch) = args.undo {
        let n = import::undo(ledger, batch)?;
        println!(
            "Import batch {batch} undone: {} reversed.",
            text::count(n, "change", "changes")
        );
        return Ok(());
    }
    let Some(file) = args.file.clone() else {
        return Err(usage(anyhow!("give the file to import")));
    };
    let mut options = ImportOptions {
        sheet: args.sheet.clone(),
        header_row: args.header_row,
        profile: args.profile.clone(),
        encoding: args
            .encoding
            .as_deref()
            .map(import::encoding_named)
            .transpose()?,
        ..Default::default()
    };
    for m in &args.matches {
        options
            .confirmed_matches
            .push(split_pair(m, "SPELLING=PARTNER")?);
    }
    options
        .new_partners
        .extend(args.new_partners.iter().cloned());
    if let Some(path) = &args.decisions {
        read_decisions(path, &mut options)?;
    }
    let decides = !options.confirmed_matches.is_empty() || !options.new_partners.is_empty();
    let kind = match args.kind {
        Some(kind) => kind,
        None => {
            let kind = import::ImportKind::of_file(&file)?;
            if kind != import::ImportKind::Agreements && !args.json {
                eprintln!(
                    "{}: read as {} (told from its headers; --kind chooses)",
                    file.display(),
                    kind.name()
                );
            }
            kind
        }
    };
    if kind != import::ImportKind::Agreements && (decides || args.ask) {
        return Err(usage(anyhow!(
            "--match, --new, --decisions and --ask decide the partners of agreements; they do not apply to --kind {}",
            kind.name()
        )));
    }
    if args.ask {
        ask_decisions(ledger, &file, &mut options)?;
    }
    import_kind(ledger, &file, kind, &args, options)
}

/// `pledger import` of `file` as rows of the kind `args` names.
fn import_kind(
    ledger: &mut Ledger,
    file: &std::path::Path,
    kind: import::ImportKind,
    args: &ImportArgs,
    mut options: ImportOptions,
) -> Result<(), Failure> {
    for m in &args.map {
        let (left, right) = split_pair(m, "FIELD=HEADER")?;
        let field = |s: &str| kind.field_named(s);
        let pair = match (field(&left), field(&right)) {
            (Ok(_), _) => (left, right),
            (Err(_), Ok(_)) => (right, left),
            (Err(e), Err(_)) => return Err(usage(anyhow!(e))),
        };
        options.map.push(pair);
    }
    let (plan, mapping, result) = match &args.errors_out {
        // The rows go back to the consultant as read: the sheet is held whole.
        Some(out) => {
            let wb = import::read_file_as(file, options.encoding, &mut |_| true)?;
            let done = kind.import_book(
                ledger,
                wb.clone(),
                &options,
                args.skip_invalid,
                args.dry_run,
                &mut |_| true,
            )?;
            let rows = import::write_errors_workbook(out, &wb, &done.plan)?;
            eprintln!(
                "{} with problems written to {} (column \"Problems\"; every problem on sheet \"Problems\")",
                text::count(rows, "row", "rows"),
                out.display()
            );
            (done.plan, done.mapping, done.committed)
        }
        // Otherwise rows are planned and written as they are read.
        None => {
            let done = kind.import_file(
                ledger,
                file,
                &options,
                args.skip_invalid,
                args.dry_run,
                &mut |_| true,
            )?;
            (done.plan, done.mapping, done.committed)
        }
    };
    if let Some(name) = &args.save_profile {
        ledger.write(|w| w.save_mapping_profile(name, &mapping.profile()))?;
    }
    if args.json {
        let summary = match &result {
            Some(Ok(s)) => json!(s),
            Some(Err(e)) => json!({"error": e.to_string()}),
            None => json!(null),
        };
        print_json(&json!({"plan": plan, "committed": summary}))?;
    } else {
        print!("{}", text::plan_text(&plan, &kind.fields(), args.dry_run));
        for p in &plan.problems {
            if p.severity == Severity::Error {
                eprintln!("{p}");
            }
        }
    }
    match result {
        None => Ok(()),
        Some(Ok(s)) => {
            if !args.json {
                match s.batch {
                    Some(b) => println!(
                        "Committed as import batch {b}: {} created, {} updated, {} unchanged, {} created{}. Undo with: pledger import --undo {b}",
                        s.created,
                        s.updated,
                        s.unchanged,
                        text::count(s.partners_created, "partner", "partners"),
                        if s.skipped_invalid > 0 {
                            format!(
                                ", {} left out",
                                text::count(s.skipped_invalid, "invalid row", "invalid rows")
                            )
                        } else {
                            String::new()
                        }
                    ),
                    None => println!(
                        "Nothing to change: the ledger has all these {} already.",
                        kind.noun().1
                    ),
                }
            }
            Ok(())
        }
        Some(Err(e)) => Err(e.into()),
    }
}
