//! Dates and periods as typed: `parse_date` in every day order, `Period::parse` and the
//! period's label and neighbours.

use pledger::domain::Period;
use pledger::import::{DayOrder, parse_date};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        for order in [
            DayOrder::DayFirst,
            DayOrder::MonthFirst,
            DayOrder::Unknown,
            DayOrder::Mixed,
        ] {
            let _ = parse_date(text, order);
        }
        if let Ok(period) = Period::parse(text) {
            let _ = period.label();
            let _ = period.contains(period.from);
            let _ = period.previous().map(|p| p.label());
            let _ = period.next().map(|p| p.label());
        }
    });
}
