//! Theme splits as a cell writes them (`Cybersecurity 60%; Digital inclusion 40%`):
//! `parse_theme_list`, and `theme_shares` against the default reference lists.

use pledger::domain::ReferenceLists;
use pledger::import::{parse_theme_list, theme_shares};

fn main() {
    let lists = ReferenceLists::defaults();
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = parse_theme_list(text);
        let _ = theme_shares(&lists, text);
    });
}
