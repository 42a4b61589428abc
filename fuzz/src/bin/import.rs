//! The whole import of a CSV, read, mapped, planned and matched against a ledger holding
//! the sample, as a dry run (rolled back, so every input meets the same ledger): every value
//! parser in the context of its row. The first byte picks the kind of rows (agreements,
//! partners, rates, schedules, receipts, deliverables, prospects, opportunities).

use pledger::import::{ImportKind, ImportOptions, load_sample, read_delimited};
use pledger::ledger::Ledger;

fn main() {
    let Ok(mut ledger) = Ledger::open_in_memory() else {
        return;
    };
    if load_sample(&mut ledger).is_err() {
        return;
    }
    let options = ImportOptions::default();
    // A panic ends the process (AFL counts it as a crash): nothing is seen half-written.
    let mut ledger = std::panic::AssertUnwindSafe(ledger);
    afl::fuzz!(|data: &[u8]| {
        let Some((&pick, csv)) = data.split_first() else {
            return;
        };
        let Some(&kind) = ImportKind::ALL.get(usize::from(pick) % ImportKind::ALL.len()) else {
            return;
        };
        let Ok(workbook) = read_delimited("fuzz.csv", csv) else {
            return;
        };
        let _ = kind.import_book(&mut *ledger, workbook, &options, false, true, &mut |_| true);
    });
}
