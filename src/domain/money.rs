//! Currencies, exact money amounts and exchange rates.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code, such as `USD` or `CHF`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Default for Currency {
    /// The default reporting currency, US dollars.
    fn default() -> Currency {
        Currency(*b"USD")
    }
}

/// Why a text is not a currency code or an amount is not representable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The text is not three ASCII letters.
    #[error("'{0}' is not an ISO 4217 currency code (three letters, such as USD)")]
    BadCurrency(String),
    /// The amount has more decimals than the currency has minor units.
    #[error("{amount} has more decimals than {currency} allows ({minor_digits})")]
    TooPrecise {
        /// The amount as given.
        amount: Decimal,
        /// Its currency.
        currency: Currency,
        /// The currency's number of minor-unit digits.
        minor_digits: u32,
    },
    /// The amount does not fit the ledger's range.
    #[error("{0} is too large")]
    Overflow(Decimal),
    /// An amount above [`MAX_AMOUNT`] units of its currency.
    #[error("{0} is larger than an amount Pledger takes (at most 1,000,000,000,000 {1})")]
    AboveLimit(Decimal, Currency),
    /// A negative amount where only positive ones make sense.
    #[error("{0} is negative")]
    Negative(Decimal),
}

impl Currency {
    /// US dollar, the default reporting currency.
    pub const USD: Currency = Currency(*b"USD");
    /// Swiss franc, the organisation's own budget currency.
    pub const CHF: Currency = Currency(*b"CHF");

    /// The three-letter code.
    pub fn code(&self) -> &str {
        // The bytes are checked ASCII uppercase letters on construction.
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// Whether the code is one of ISO 4217's (`XYZ` and `BTC` are not).
    pub fn is_iso_4217(&self) -> bool {
        iso_currency::Currency::from_code(self.code()).is_some()
    }

    /// How many decimal digits the currency's minor unit has (2 for USD, 0 for JPY).
    pub fn minor_digits(&self) -> u32 {
        const ZERO: &[&str] = &[
            "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
            "VND", "VUV", "XAF", "XOF", "XPF",
        ];
        const THREE: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
        let code = self.code();
        if ZERO.contains(&code) {
            0
        } else if THREE.contains(&code) {
            3
        } else {
            2
        }
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        let bytes = t.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_alphabetic) {
            let mut code = [0u8; 3];
            for (slot, b) in code.iter_mut().zip(bytes) {
                *slot = b.to_ascii_uppercase();
            }
            Ok(Currency(code))
        } else {
            Err(MoneyError::BadCurrency(s.to_string()))
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = MoneyError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.code().to_string()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An exact amount of money: integer minor units of one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
pub struct Money {
    /// The amount in minor units (cents for USD).
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

/// The largest amount Pledger takes for an agreement, an instalment, a receipt or a deal,
/// in units of its currency: any amount up to it stays exact in minor units once converted
/// at any plausible rate, and a million of them still sum without overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000;

impl Money {
    /// An amount from integer minor units.
    pub fn from_minor(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }

    /// An amount from an exact decimal; refuses one that needs more decimals than the
    /// currency's minor unit, so nothing is rounded silently.
    pub fn from_decimal(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        let digits = currency.minor_digits();
        let normal = amount.normalize();
        if normal.scale() > digits {
            return Err(MoneyError::TooPrecise {
                amount,
                currency,
                minor_digits: digits,
            });
        }
        let minor = normal
            .checked_mul(Decimal::from(10i64.pow(digits)))
            .and_then(|d| i64::try_from(d.trunc()).ok())
            .ok_or(MoneyError::Overflow(amount))?;
        Ok(Money { minor, currency })
    }

    /// [`Money::from_decimal`] of an amount a person enters (an agreement, an instalment, a
    /// receipt, a deal's ask), refused above [`MAX_AMOUNT`] units, as the import refuses it.
    pub fn entered(amount: Decimal, currency: Currency) -> Result<Money, MoneyError> {
        if amount.abs() > Decimal::from(MAX_AMOUNT) {
            return Err(MoneyError::AboveLimit(amount, currency));
        }
        Money::from_decimal(amount, currency)
    }

    /// The amount as an exact decimal with the currency's minor digits.
    pub fn amount(&self) -> Decimal {
        minor_to_decimal(i128::from(self.minor), self.currency)
    }

    /// Converts into another currency at `rate` (units of `to` per unit of this currency),
    /// rounding half away from zero to the target's minor unit.
    pub fn convert(&self, rate: Decimal, to: Currency) -> Result<Money, MoneyError> {
        if to == self.currency {
            return Ok(*self);
        }
        let value = self
            .amount()
            .checked_mul(rate)
            .ok_or(MoneyError::Overflow(self.amount()))?
            .round_dp_with_strategy(to.minor_digits(), RoundingStrategy::MidpointAwayFromZero);
        Money::from_decimal(value, to)
    }
}

/// `minor` units of `from` converted at `rate` (units of `to` per unit of `from`) into
/// minor units of `to`, rounded half away from zero, exactly: the product is taken in 256
/// bits, so any sum of amounts converts; `None` only when the result passes 128 bits.
pub fn convert_minor(minor: i128, from: Currency, rate: Decimal, to: Currency) -> Option<i128> {
    use ethnum::I256;
    if from == to {
        return Some(minor);
    }
    // minor * rate * 10^to_digits / 10^from_digits, with rate = mantissa / 10^scale.
    let ten = I256::from(10u8);
    let num = I256::from(minor) * I256::from(rate.mantissa()) * ten.pow(to.minor_digits());
    let den = ten.pow(rate.scale() + from.minor_digits());
    let (q, r) = (num / den, num % den);
    let rounded = if r.abs() * I256::from(2u8) >= den {
        q + num.signum()
    } else {
        q
    };
    i128::try_from(rounded).ok()
}

/// `minor` units of `currency` as [`Money`] shows itself ("EUR 1,234.50"), for sums that
/// may pass what one amount holds.
pub fn minor_text(minor: i128, currency: Currency) -> String {
    format!(
        "{currency} {}",
        group_thousands(&minor_to_decimal(minor, currency))
    )
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, group_thousands(&self.amount()))
    }
}

/// A sum of minor units as an exact decimal of `currency`.
pub fn minor_to_decimal(minor: i128, currency: Currency) -> Decimal {
    let mut d = Decimal::from_i128_with_scale(minor, 0);
    // Scale cannot fail for the two or three digits currencies use.
    let _ = d.set_scale(currency.minor_digits());
    d
}

/// `1800000.00` -> `1,800,000.00`.
pub fn group_thousands(amount: &Decimal) -> String {
    let text = amount.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(text.len() + int.len() / 3);
    out.push_str(sign);
    for (i, ch) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// One exchange rate: `rate` units of `quote` for one unit of `currency`, in force from
/// `valid_from` until the next rate of the same pair.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRate {
    /// The currency converted from.
    pub currency: Currency,
    /// The currency converted to (the reporting currency when it was set).
    pub quote: Currency,
    /// First day the rate applies.
    pub valid_from: NaiveDate,
    /// Units of `quote` per unit of `currency`.
    pub rate: Decimal,
}

/// The rates of a ledger, looked up by currency pair and value date.
#[derive(Clone, Debug, Default)]
pub struct RateTable {
    // Sorted by (currency, quote, valid_from).
    rates: Vec<ExchangeRate>,
}

impl RateTable {
    /// A table from any list of rates.
    pub fn new(mut rates: Vec<ExchangeRate>) -> RateTable {
        rates.sort_by(|a, b| {
            (a.currency, a.quote, a.valid_from).cmp(&(b.currency, b.quote, b.valid_from))
        });
        RateTable { rates }
    }

    /// Every rate, sorted by pair and date.
    pub fn rates(&self) -> &[ExchangeRate] {
        &self.rates
    }

    /// The rate from `from` to `to` in force on `date`: the latest one on or before it;
    /// the inverse of a `to`-to-`from` rate when only that exists.
    pub fn rate_on(&self, from: Currency, to: Currency, date: NaiveDate) -> Option<Decimal> {
        if from == to {
            return Some(Decimal::ONE);
        }
        self.direct(from, to, date).or_else(|| {
            self.direct(to, from, date)
                .filter(|r| !r.is_zero())
                .and_then(|r| Decimal::ONE.checked_div(r))
        })
    }

    fn direct(&self, from: Currency, to: Currency, date: NaiveDate) -> Option<Decimal> {
        let end = self
            .rates
            .partition_point(|r| (r.currency, r.quote, r.valid_from) <= (from, to, date));
        let candidate = self.rates.get(end.checked_sub(1)?)?;
        (candidate.currency == from && candidate.quote == to).then_some(candidate.rate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_convert_exactly_however_large() {
        let (eur, usd, jpy) = (
            "EUR".parse::<Currency>().unwrap(),
            Currency::USD,
            "JPY".parse::<Currency>().unwrap(),
        );
        let rate = Decimal::new(122, 2);
        // 100,000 agreements of EUR 1,000,000,000,000.00.
        let minor = 100_000i128 * 100_000_000_000_000;
        assert_eq!(
            convert_minor(minor, eur, rate, usd),
            Some(12_200_000_000_000_000_000)
        );
        // Half a cent rounds away from zero, as Money::convert does.
        let m = Money::from_minor(12_345, eur);
        let r = Decimal::new(11_005, 4);
        assert_eq!(
            convert_minor(12_345, eur, r, usd),
            Some(i128::from(m.convert(r, usd).unwrap().minor))
        );
        assert_eq!(
            convert_minor(-12_345, eur, r, usd),
            Some(-i128::from(m.convert(r, usd).unwrap().minor))
        );
        assert_eq!(
            convert_minor(100, usd, Decimal::new(150, 0), jpy),
            Some(150)
        );
        assert_eq!(convert_minor(i128::MAX, eur, rate, usd), None);
    }
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn day(s: &str) -> NaiveDate {
        NaiveDate::from_str(s).unwrap()
    }

    #[test]
    fn money_keeps_exact_minor_units() {
        let m = Money::from_decimal(d("1800000.5"), Currency::USD).unwrap();
        assert_eq!(m.minor, 180_000_050);
        assert_eq!(m.amount().to_string(), "1800000.50");
        assert_eq!(m.to_string(), "USD 1,800,000.50");
        let jpy: Currency = "jpy".parse().unwrap();
        assert!(Money::from_decimal(d("1.5"), jpy).is_err());
        assert!(Money::from_decimal(d("0.001"), Currency::USD).is_err());
        assert!(Money::from_decimal(d("1.000"), Currency::USD).is_ok());
    }

    #[test]
    fn currency_codes_are_three_letters() {
        assert_eq!("chf".parse::<Currency>().unwrap(), Currency::CHF);
        assert!("US".parse::<Currency>().is_err());
        assert!("U$D".parse::<Currency>().is_err());
    }

    #[test]
    fn conversion_rounds_half_away_from_zero() {
        let eur = Money::from_decimal(d("0.05"), "EUR".parse().unwrap()).unwrap();
        assert_eq!(eur.convert(d("1.1"), Currency::USD).unwrap().minor, 6);
    }

    #[test]
    fn rate_in_force_is_the_latest_on_or_before_the_date() {
        let eur: Currency = "EUR".parse().unwrap();
        let table = RateTable::new(vec![
            ExchangeRate {
                currency: eur,
                quote: Currency::USD,
                valid_from: day("2021-01-01"),
                rate: d("1.2"),
            },
            ExchangeRate {
                currency: eur,
                quote: Currency::USD,
                valid_from: day("2020-01-01"),
                rate: d("1.1"),
            },
        ]);
        assert_eq!(
            table.rate_on(eur, Currency::USD, day("2020-06-30")),
            Some(d("1.1"))
        );
        assert_eq!(
            table.rate_on(eur, Currency::USD, day("2021-01-01")),
            Some(d("1.2"))
        );
        assert_eq!(table.rate_on(eur, Currency::USD, day("2019-12-31")), None);
        assert_eq!(
            table.rate_on(Currency::CHF, Currency::USD, day("2021-01-01")),
            None
        );
        assert_eq!(
            table
                .rate_on(Currency::USD, eur, day("2021-06-01"))
                .unwrap()
                .round_dp(4),
            d("0.8333")
        );
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(&d("6400000.00")), "6,400,000.00");
        assert_eq!(group_thousands(&d("-562500")), "-562,500");
        assert_eq!(group_thousands(&d("999")), "999");
    }
}
