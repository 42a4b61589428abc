//! Amounts and currencies as a cell writes them: `parse_amount`, `parse_number`,
//! `says_no_money`, `Currency::from_str`, and the amount made money in the currency named.

use pledger::domain::{Currency, Money};
use pledger::import::{AmountValue, parse_amount, parse_number, says_no_money};

fn main() {
    afl::fuzz!(|data: &[u8]| {
        let Ok(text) = std::str::from_utf8(data) else {
            return;
        };
        let _ = says_no_money(text);
        let _ = parse_number(text);
        let currency = text.parse::<Currency>().ok();
        if let Some(c) = currency {
            let _ = (c.code(), c.is_iso_4217(), c.minor_digits());
        }
        if let Ok(AmountValue::Amount(value, named)) = parse_amount(text) {
            let currency = named.or(currency).unwrap_or(Currency::USD);
            if let Ok(money) = Money::from_decimal(value, currency) {
                let _ = money.amount();
                let _ = money.convert(rust_decimal::Decimal::new(122, 2), Currency::USD);
            }
        }
    });
}
