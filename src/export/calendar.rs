//! What is due, as an iCalendar file (RFC 5545) that Outlook, Thunderbird and the phone's
//! calendar import: one all-day event a thing due, with a stable UID, so that importing a
//! newer file updates the events instead of doubling them.

use icalendar::{Calendar, Component, Event, EventLike};

use crate::report::{Due, DueItem, DueKind};

/// The event of `item`: all day on its due date (an all-day event ends, exclusive, the
/// next day).
fn event(item: &DueItem) -> Event {
    let what = match item.kind {
        DueKind::Instalment => "Instalment due",
        DueKind::Report => "Report due",
    };
    let next = item.due_on.succ_opt().unwrap_or(item.due_on);
    Event::new()
        .uid(&format!("{}@pledger", item.key))
        .starts(item.due_on)
        .ends(next)
        .summary(&format!("{what}: {} — {}", item.reference, item.partner))
        .description(&item.what)
        .done()
}

/// Every thing `due` holds open, late or not, as an iCalendar text.
pub fn calendar(due: &Due) -> String {
    let mut cal = Calendar::new();
    cal.name("Pledger: instalments and reports due");
    for item in &due.open {
        cal.push(event(item));
    }
    cal.done().to_string()
}
