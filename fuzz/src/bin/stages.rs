//! Deal stages and probabilities as typed: `parse_stage`, `parse_probability` (as text and
//! as a fraction), and the normalised key both match on.

use pledger::import::{normalise, parse_probability, parse_stage};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = normalise(text);
        let _ = parse_stage(text);
        let _ = parse_probability(text, false);
        let _ = parse_probability(text, true);
    });
}
