//! Plain types of the ledger: partners, agreements, money, periods and reference lists.
//! No I/O happens here.

mod agreement;
mod deal;
mod figures;
mod money;
mod money_in;
mod organisation;
mod period;
mod reference;

pub use agreement::{
    Agreement, AgreementId, FieldProblem, Partner, PartnerId, Status, ThemeShare, bp_text,
};
pub use deal::{
    Contact, FundingWindow, Gate, Opportunity, OpportunityId, Prospect, Stage, StageChange,
    StageProbabilities, Ticket,
};
pub use figures::{BoardFigure, FigureLocale, FigureStyle, board_figure, currency_name_zh};
pub use money::{
    Currency, ExchangeRate, MAX_AMOUNT, Money, MoneyError, RateTable, convert_minor,
    group_thousands, minor_text, minor_to_decimal,
};
pub use money_in::{Deliverable, Instalment, Receipt, ReportKind};
pub use organisation::{Organisation, ReportSettings};
pub use period::{Period, PeriodError, PeriodKind};
pub use reference::{Lang, ListKind, MULTI_REGIONAL, RefEntry, ReferenceLists};

/// Basis points in a whole: theme percentages are stored in hundredths of a percent.
pub const WHOLE_BP: u32 = 10_000;
