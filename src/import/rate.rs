//! Exchange rates as an import reads them (`pledger import FILE --kind rates`, the sample's
//! rates): a row gives a currency, the first day a rate applies, the rate, and the currency
//! it is quoted in (the reporting currency when the sheet has no such column).

use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{Currency, ExchangeRate};
use crate::ledger::{LedgerError, Writer};

use super::ImportOptions;
use super::cells::Cell;
use super::mapping::field_kind;
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{Action, LedgerView, Plan, RowReader, SheetAt};
use super::values::{DayOrder, parse_number};
use super::{Problem, Severity};

field_kind! {
    /// A field of a rates sheet.
    pub enum RateField in "rates", required [Currency, ValidFrom, Rate] {
        /// The currency converted from.
        Currency => "currency",
        /// The first day the rate applies.
        ValidFrom => "valid_from",
        /// Units of the quote currency for one unit of the currency.
        Rate => "rate",
        /// The currency converted to (the reporting currency when the sheet has none).
        Quote => "quote",
    }
}

/// The exchange-rates kind of row.
pub struct Rates;

impl RowKind for Rates {
    type Field = RateField;
    type Item = RateRow;
    const NOUN: (&'static str, &'static str) = ("rate", "rates");
    const DATE: Option<RateField> = Some(RateField::ValidFrom);

    fn planner<'a>(
        view: &'a LedgerView,
        _plan: &mut Plan,
        at: SheetAt<'a, RateField>,
        _options: &ImportOptions,
    ) -> Option<impl PlanRows<RateRow> + Send + use<'a>> {
        Some(RatePlanner {
            at,
            reporting: view.currency,
            order: DayOrder::Unknown,
            seen: HashMap::new(),
        })
    }

    fn writer<'a>(
        _w: &mut Writer<'_>,
        _view: &'a LedgerView,
        _plan: &Plan,
        _at: SheetAt<'a, RateField>,
    ) -> Result<impl WriteRows<RateRow> + use<'a>, LedgerError> {
        Ok(RateWriter)
    }
}

/// A row of a rates sheet as planned.
pub struct RateRow {
    number: usize,
    rate: Option<ExchangeRate>,
    problems: Vec<Problem>,
}

/// Reads rate rows.
struct RatePlanner<'a> {
    at: SheetAt<'a, RateField>,
    reporting: Currency,
    order: DayOrder,
    /// The currency, quote and day of the rates earlier rows gave, and their row.
    seen: HashMap<(Currency, Currency, NaiveDate), usize>,
}

impl PlanRows<RateRow> for RatePlanner<'_> {
    fn row(&mut self, row_number: usize, cells: &mut [Cell], out: &mut Vec<RateRow>) {
        let mut r = RowReader::new(self.at, row_number, cells);
        let rate = self.read(&mut r);
        out.push(RateRow {
            number: row_number,
            rate,
            problems: r.problems,
        });
    }

    fn set_order(&mut self, order: DayOrder) {
        self.order = order;
    }
}

impl RatePlanner<'_> {
    fn read(&mut self, r: &mut RowReader<'_, RateField>) -> Option<ExchangeRate> {
        use RateField as F;
        if !r.check_cells() {
            return None;
        }
        let currency_of = |r: &mut RowReader<'_, RateField>, field: F| {
            let text = r.text(field)?;
            match text.parse::<Currency>() {
                Ok(c) if c.is_iso_4217() => Some(c),
                _ => {
                    r.problem(
                        field,
                        Severity::Error,
                        format!("'{text}' is not an ISO 4217 currency code"),
                    );
                    None
                }
            }
        };
        let currency = currency_of(r, F::Currency);
        let quote = match r.text(F::Quote) {
            Some(_) => currency_of(r, F::Quote),
            None => Some(self.reporting),
        };
        if r.text(F::Currency).is_none() {
            r.problem(
                F::Currency,
                Severity::Error,
                "the currency is missing".into(),
            );
        }
        let valid_from = r.date(F::ValidFrom, self.order, "a rate's first day");
        let rate = match r.cell(F::Rate).map(|(_, c)| c) {
            Some(Cell::Number(n)) => n.parse::<Decimal>().ok(),
            _ => r.text(F::Rate).and_then(|t| parse_number(&t)),
        };
        let rate = match rate {
            Some(v) if v > Decimal::ZERO => Some(v.normalize()),
            _ => {
                let message = match r.text(F::Rate) {
                    None => "the rate is missing".to_string(),
                    Some(t) => format!("'{t}' is not a rate above zero"),
                };
                r.problem(F::Rate, Severity::Error, message);
                None
            }
        };
        let (currency, quote, valid_from, rate) = (currency?, quote?, valid_from?, rate?);
        if currency == quote {
            let field = match r.at.mapping.column(F::Quote) {
                Some(_) => F::Quote,
                None => F::Currency,
            };
            r.problem(
                field,
                Severity::Error,
                format!("{currency} to itself needs no rate"),
            );
            return None;
        }
        if let Some(first) = self
            .seen
            .insert((currency, quote, valid_from), r.row_number)
        {
            r.problem(
                F::ValidFrom,
                Severity::Error,
                format!("row {first} gives the {currency} rate of {valid_from} already"),
            );
            return None;
        }
        Some(ExchangeRate {
            currency,
            quote,
            valid_from,
            rate,
        })
    }
}

/// Writes planned rates.
struct RateWriter;

impl WriteRows<RateRow> for RateWriter {
    fn take(
        &mut self,
        w: &mut Writer<'_>,
        plan: &mut Plan,
        row: RateRow,
    ) -> Result<(), LedgerError> {
        let Some(rate) = row.rate else {
            plan.nothing_from(row.problems);
            return Ok(());
        };
        let blocked = row.problems.iter().any(|p| p.severity == Severity::Error);
        plan.problems.extend(row.problems);
        let action = if blocked {
            Action::Create
        } else {
            match w.put_rate(&rate)? {
                None => Action::Create,
                Some(old) if old == rate.rate => Action::Unchanged,
                Some(old) => Action::Update {
                    changes: vec![("rate".into(), old.to_string(), rate.rate.to_string())],
                },
            }
        };
        plan.record(row.number, action, blocked, || {
            format!("{}/{} {}", rate.currency, rate.quote, rate.valid_from)
        });
        Ok(())
    }

    fn end(self, _w: &mut Writer<'_>, _plan: &mut Plan) -> Result<usize, LedgerError> {
        Ok(0)
    }
}
