//! CSV and TSV bytes in any encoding: `read_delimited` (encoding detected, delimiter
//! detected, rows with malformed bytes located), and `read_delimited_as` in an encoding the
//! first byte picks, as `--encoding` gives one.

use pledger::import::{read_delimited, read_delimited_as};

const GIVEN: [&encoding_rs::Encoding; 6] = [
    encoding_rs::UTF_8,
    encoding_rs::WINDOWS_1252,
    encoding_rs::GB18030,
    encoding_rs::SHIFT_JIS,
    encoding_rs::UTF_16LE,
    encoding_rs::UTF_16BE,
];

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(wb) = read_delimited("fuzz.csv", data) {
            let rows = wb.sheets.first().map_or(0, |s| s.rows.len());
            // A row with malformed bytes is a row of the sheet.
            assert!(
                wb.malformed
                    .iter()
                    .all(|m| m.row >= 1 && m.row <= rows.max(1))
            );
        }
        let Some((&pick, rest)) = data.split_first() else {
            return;
        };
        let given = GIVEN.get(usize::from(pick) % GIVEN.len()).copied();
        let _ = read_delimited_as("fuzz.csv", rest, given, &mut |_| true);
    });
}
