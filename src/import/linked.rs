//! Rows that belong to an agreement the sheet names (instalments, receipts, reports): read
//! on the planning thread without the ledger, the agreement found when the row is written,
//! a problem with it told on the cell that names it.

use crate::domain::Agreement;
use crate::ledger::{LedgerError, Writer};

use super::cells::Cell;
use super::mapping::FieldKind;
use super::pipeline::PlanRows;
use super::plan::{Plan, RowReader, SheetAt};
use super::values::DayOrder;
use super::{Problem, Severity};

/// A row as planned, with the cells of the fields that name its agreement.
pub struct LinkedRow<T, F> {
    /// The sheet row, 1-based.
    pub number: usize,
    /// What the row gives, when it gives something.
    pub planned: Option<T>,
    /// Its problems so far.
    pub problems: Vec<Problem>,
    /// The fields that name the agreement, and their cells.
    cells: Vec<(F, Cell)>,
}

impl<T, F: FieldKind> LinkedRow<T, F> {
    /// Tells `message` on the cell of `field`, one of those that name the agreement.
    pub fn tell(&mut self, at: SheetAt<'_, F>, field: F, severity: Severity, message: String) {
        let cell = self
            .cells
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(&Cell::Empty, |(_, c)| c);
        self.problems
            .extend(at.cell_problem(self.number, field, cell, severity, message));
    }

    /// Whether an error blocks the row.
    pub fn blocked(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    /// The agreement with `reference`, or `None` with the error told on `field`'s cell.
    pub fn agreement(
        &mut self,
        w: &mut Writer<'_>,
        at: SheetAt<'_, F>,
        field: F,
        reference: &str,
    ) -> Result<Option<Agreement>, LedgerError> {
        let found = w.agreement_with_reference(reference)?;
        if found.is_none() {
            let message = format!("no agreement has the reference '{reference}'");
            self.tell(at, field, Severity::Error, message);
        }
        Ok(found)
    }

    /// Hands the row's problems to `plan`: the row gave nothing to write.
    pub fn nothing(self, plan: &mut Plan) {
        plan.nothing_from(self.problems);
    }
}

/// Plans rows with `read` (given the row and the sheet's day order), keeping the cells of
/// the fields `links` that name the agreement.
pub struct LinkedPlanner<'a, F: 'static, R> {
    at: SheetAt<'a, F>,
    order: DayOrder,
    links: &'static [F],
    read: R,
}

impl<'a, F: 'static, R> LinkedPlanner<'a, F, R> {
    /// A planner of the sheet at `at`.
    pub fn new(at: SheetAt<'a, F>, links: &'static [F], read: R) -> Self {
        LinkedPlanner {
            at,
            order: DayOrder::Unknown,
            links,
            read,
        }
    }
}

impl<F, R, T> PlanRows<LinkedRow<T, F>> for LinkedPlanner<'_, F, R>
where
    F: FieldKind,
    R: FnMut(&mut RowReader<'_, F>, DayOrder) -> Option<T>,
{
    fn row(&mut self, row_number: usize, cells: &mut [Cell], out: &mut Vec<LinkedRow<T, F>>) {
        let mut r = RowReader::new(self.at, row_number, cells);
        let planned = if r.check_cells() {
            (self.read)(&mut r, self.order)
        } else {
            None
        };
        let problems = r.problems;
        out.push(LinkedRow {
            number: row_number,
            planned,
            problems,
            cells: self
                .links
                .iter()
                .map(|f| (*f, self.at.take_cell(cells, *f)))
                .collect(),
        });
    }

    fn set_order(&mut self, order: DayOrder) {
        self.order = order;
    }
}
