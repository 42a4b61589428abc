//! What every page of the window shares: the ledger and what is derived from it, the
//! language, the period, the page shown, the status line, and the commands widgets push
//! (run after layout by the app). The pages take it as a parameter; none of them sees the
//! app itself.

use std::collections::HashMap;
use std::path::PathBuf;

use super::dialogs::FileDialogs;
use crate::chart::{PieChart, PipelineChart, PipelineFigures, TopTable};
use crate::domain::{
    Agreement, AgreementId, Currency, ExchangeRate, Lang, Opportunity, OpportunityId, Organisation,
    Partner, PartnerId, Period, Prospect, ReferenceLists, Stage, StageProbabilities,
};
use crate::ledger::{Change, Ledger};
use crate::report::{Report, ReportError, Snapshot};

/// The pages of the window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// Figures and charts of a period.
    Dashboard,
    /// The agreements table and form.
    Agreements,
    /// Partners, their totals, aliases and merges.
    Partners,
    /// The import wizard.
    Import,
    /// Reference lists, exchange rates, currency, language.
    Settings,
    /// Signed versus received: receipts, what is late, what comes next.
    MoneyIn,
    /// Funding partners' profiles and the match tool.
    Prospects,
    /// Deals before the signature: the board by stage, the table, the deal form.
    Pipeline,
}

/// A change the user asked for; run once, after layout, in one transaction.
#[derive(Clone, Debug)]
pub enum Command {
    /// Fill the ledger with the sample agreements.
    LoadSample,
    /// Add an agreement.
    AddAgreement(Box<Agreement>),
    /// Replace an agreement's fields.
    UpdateAgreement(Box<Agreement>),
    /// Delete an agreement.
    DeleteAgreement(AgreementId),
    /// Add a partner.
    AddPartner(Box<Partner>),
    /// Replace a partner's fields and aliases.
    UpdatePartner(Box<Partner>),
    /// Move every agreement of `from` to `into`; `from`'s name becomes an alias.
    MergePartners {
        /// The partner that disappears.
        from: PartnerId,
        /// The partner that stays.
        into: PartnerId,
    },
    /// Set an exchange rate.
    SetRate(ExchangeRate),
    /// Change the reporting currency.
    SetCurrency(Currency),
    /// Change the organisation's names.
    SetOrganisation(Organisation),
    /// Replace the reference lists.
    ReplaceLists(Box<ReferenceLists>),
    /// An import committed elsewhere (the wizard's thread): record it for undo.
    ImportCommitted {
        /// How to take it back.
        revert: Revert,
        /// A line for the status bar.
        summary: String,
    },
    /// Undo the last step.
    Undo,
    /// Redo the last undone step.
    Redo,
    /// Switch to another ledger file (created if missing).
    OpenLedger(PathBuf),
    /// Write a backup copy.
    Backup(PathBuf),
    /// Change the language.
    SetLang(Lang),
    /// Open the import wizard on a file.
    StartImport(PathBuf),
    /// Write one chart of the dashboard as a PNG.
    ExportChart(crate::chart::ChartKind, PathBuf),
    /// Put one chart of the dashboard on the clipboard as an image, as its PNG draws it.
    CopyChart(crate::chart::ChartKind),
    /// Write the period's advisory-group report as a PDF.
    ExportPdf(PathBuf),
    /// Write the period's tables and agreements as a workbook.
    ExportXlsx(PathBuf),
    /// Commit the import the wizard reviewed.
    CommitImport,
    /// Show the agreements page, filtered to a period (all periods with `None`).
    ShowAgreements(Option<Period>),
    /// Add a deal (id 0) or replace one; a stage it enters is recorded as of today.
    PutDeal(Box<Opportunity>),
    /// Move a deal to `stage` as of today, with the reason when it is lost or declined.
    MoveDeal {
        /// The deal.
        id: OpportunityId,
        /// The stage it enters (not signed: that is [`Command::SignDeal`]).
        stage: Stage,
        /// Why it was lost or declined; kept as it was when empty.
        reason: String,
    },
    /// Sign a deal into `agreement` (prefilled from it, edited by the officer).
    SignDeal {
        /// The deal.
        id: OpportunityId,
        /// The agreement it becomes.
        agreement: Box<Agreement>,
    },
    /// Add a funding partner's profile or replace the one it has; with `new_partner`, add
    /// that partner first and give the profile to it, in one step.
    PutProspect {
        /// The profile.
        prospect: Box<Prospect>,
        /// The partner to add for it, when it is a new one.
        new_partner: Option<Box<Partner>>,
    },
    /// Delete a partner's funding profile (the partner and its deals stay).
    DeleteProspect(PartnerId),
    /// Set the chance of signing each stage gives a deal without its own figure.
    SetStageProbabilities(StageProbabilities),
    /// Set how reports are drawn (the top partners listed), for the app, the command line
    /// and every file alike.
    SetReportSettings(crate::domain::ReportSettings),
}

impl Command {
    /// Whether the command changes the ledger (undo and redo too), or leaves it for another,
    /// or opens an import that plans on it: then it waits for an import's undo running on its
    /// own thread.
    pub(super) fn waits_for_undo(&self) -> bool {
        match self {
            Command::LoadSample
            | Command::AddAgreement(_)
            | Command::UpdateAgreement(_)
            | Command::DeleteAgreement(_)
            | Command::AddPartner(_)
            | Command::UpdatePartner(_)
            | Command::MergePartners { .. }
            | Command::SetRate(_)
            | Command::SetCurrency(_)
            | Command::SetOrganisation(_)
            | Command::ReplaceLists(_)
            | Command::PutDeal(_)
            | Command::MoveDeal { .. }
            | Command::SignDeal { .. }
            | Command::PutProspect { .. }
            | Command::DeleteProspect(_)
            | Command::SetStageProbabilities(_)
            | Command::SetReportSettings(_)
            | Command::OpenLedger(_)
            | Command::StartImport(_)
            | Command::CommitImport
            | Command::Undo
            | Command::Redo => true,
            Command::ImportCommitted { .. }
            | Command::Backup(_)
            | Command::SetLang(_)
            | Command::ExportChart(..)
            | Command::CopyChart(_)
            | Command::ExportPdf(_)
            | Command::ExportXlsx(_)
            | Command::ShowAgreements(_) => false,
        }
    }
}

/// How a step of the undo history is taken back.
#[derive(Clone, Debug)]
pub enum Revert {
    /// By running the statements recorded while it was written, backwards.
    Changes(Vec<Change>),
    /// By undoing its import batch: a large import is not recorded row by row.
    Batch(i64),
}

impl Revert {
    /// Size of what is held in memory for it.
    pub(super) fn len_bytes(&self) -> usize {
        match self {
            Revert::Changes(changes) => changes.iter().map(Change::len_bytes).sum(),
            Revert::Batch(_) => 0,
        }
    }
}

/// The revision and the day things due were counted at, and the count of those late and
/// of those due soon (`None` when they could not be read).
pub(super) type DueCount = (u64, chrono::NaiveDate, Option<(usize, usize)>);

/// The deals as the pipeline page and the dashboard show them, read at a ledger revision
/// for a day: the deals, the pipeline's figures per stage (from `report::pipeline`), the
/// chart, and each stage's deals as indices into `deals`.
pub(super) struct DealsCache {
    /// The revision and the day they were read for.
    pub key: (u64, chrono::NaiveDate),
    /// Every deal, by id.
    pub deals: Vec<Opportunity>,
    /// Deal id -> index in `deals`.
    pub index: HashMap<OpportunityId, usize>,
    /// Each stage's deals (indices into `deals`), indexed like [`Stage::ALL`].
    pub by_stage: Vec<Vec<usize>>,
    /// The pipeline's figures (per stage like [`Stage::ALL`]).
    pub figures: PipelineFigures,
    /// The chart of the open stages, and the language it was made in.
    pub chart: (Lang, PipelineChart),
    /// The stages' default chances of signing.
    pub probabilities: StageProbabilities,
    /// The reporting currency.
    pub currency: Currency,
    /// How many times the deals were read (tests check no frame reads them again).
    pub loads: u64,
}

/// Data derived from the ledger, reloaded only when its revision changes.
pub(super) struct Cache {
    /// Revision the cache was loaded at.
    pub revision: Option<u64>,
    /// The report snapshot.
    pub snapshot: Option<Snapshot>,
    /// The snapshot was read from the ledger, not from its file: worth keeping for the
    /// next start ([`super::PledgerApp::keep_snapshot`]).
    pub snapshot_fresh: bool,
    /// Partners, sorted by name.
    pub partners: Vec<Partner>,
    /// Partner id -> index in `partners`.
    pub partner_index: HashMap<PartnerId, usize>,
    /// Reference lists.
    pub lists: ReferenceLists,
    /// Number of agreements in the ledger (any status).
    pub agreement_count: u64,
    /// Each partner's signed agreements and contributions, for the partners page.
    pub partner_totals: HashMap<PartnerId, crate::report::PartnerTotal>,
    /// The exchange rates, for the settings page.
    pub rates: Vec<ExchangeRate>,
    /// What is late and due in the next days, as counted at a revision on a day, for the
    /// dashboard (`None` inside when it could not be read).
    pub due: Option<DueCount>,
    /// The key of the report below.
    pub(super) report_key: Option<(u64, Period, usize, Lang, chrono::NaiveDate)>,
    /// The period's report, or why there is none.
    pub report: Option<Result<Report, ReportError>>,
    /// The report of the period compared with, like for like (the same quarter a year
    /// before...), for the tiles' changes.
    pub previous: Option<Report>,
    /// That period.
    pub compared_with: Option<Period>,
    /// The four pies of the report.
    pub pies: Vec<PieChart>,
    /// The top-partners table.
    pub top: Option<TopTable>,
    /// How many times the report was computed (tests check no frame recomputes it).
    pub report_computations: u64,
    /// The deals and their pipeline, read when a page needs them.
    pub deals: Option<DealsCache>,
    /// Why the deals could not be read, at a revision.
    pub deals_error: Option<(u64, String)>,
}

impl Cache {
    pub(super) fn empty() -> Cache {
        Cache {
            revision: None,
            snapshot: None,
            snapshot_fresh: false,
            partners: Vec::new(),
            partner_index: HashMap::new(),
            lists: ReferenceLists::defaults(),
            agreement_count: 0,
            partner_totals: HashMap::new(),
            rates: Vec::new(),
            due: None,
            report_key: None,
            report: None,
            previous: None,
            compared_with: None,
            pies: Vec::new(),
            top: None,
            report_computations: 0,
            deals: None,
            deals_error: None,
        }
    }

    /// The partner with `id`.
    pub fn partner(&self, id: PartnerId) -> Option<&Partner> {
        self.partner_index
            .get(&id)
            .and_then(|&i| self.partners.get(i))
    }
}

/// What a slice click filters the agreements list to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SliceFilter {
    /// Which breakdown.
    pub chart: crate::chart::ChartKind,
    /// The slice's key.
    pub key: String,
    /// Its label, for the filter chip.
    pub label: String,
}

/// The state every page shares.
pub struct Shared {
    /// The ledger.
    pub ledger: Ledger,
    /// The language of the window.
    pub lang: Lang,
    /// The page shown.
    pub page: Page,
    /// The changes asked for in this frame, run after layout.
    pub commands: Vec<Command>,
    /// The status line, and whether it tells a failure.
    pub status: Option<(String, bool)>,
    /// Where files are asked for.
    pub dialogs: Box<dyn FileDialogs>,
    /// Ledgers opened lately.
    pub recent: Vec<PathBuf>,
    /// The dashboard's period.
    pub period: Period,
    /// How many partners the top table shows (the ledger's setting, or a value being
    /// dragged).
    pub top_n: usize,
    /// The ledger's report settings, read with each revision.
    pub report_settings: crate::domain::ReportSettings,
    /// What is derived from the ledger.
    pub cache: Cache,
    /// What a slice click filters the agreements list to.
    pub slice_filter: Option<SliceFilter>,
    /// An import batch is being undone on a thread of its own (the ledger is busy).
    pub undoing_import: bool,
    /// The day deals move on and actions fall due; the clock's when `None` (tests fix it).
    pub today: Option<chrono::NaiveDate>,
    /// Whether the report PDF has its pipeline section (remembered between runs).
    pub pdf_pipeline: bool,
}

impl Shared {
    /// Today, or the day tests fixed.
    pub fn today(&self) -> chrono::NaiveDate {
        self.today
            .unwrap_or_else(|| chrono::Local::now().date_naive())
    }

    /// Tells `message` on the status line as a failure.
    pub fn fail(&mut self, message: &str) {
        self.status = Some((message.to_owned(), true));
    }

    /// Tells `message` on the status line.
    pub fn inform(&mut self, message: String) {
        self.status = Some((message, false));
    }
}
