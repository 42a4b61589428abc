//! Board figures: an amount as a board reads it, "USD 6.4 M", "640万美元", "6,4 M USD",
//! rather than to the cent.
//!
//! The amount is first rounded to whole units; the unit (million and billion, or 万 and 亿
//! in Chinese) is chosen from that rounded value, so that 999,999.5 is "USD 1 M" and not
//! "USD 1,000,000"; the figure then shows up to two decimals of its unit, trailing zeros
//! dropped, taken from the exact amount (rounded once, half away from zero). A figure that
//! grows to a thousand of its unit on rounding moves up a unit (999,996,000 is "USD 1 B").
//! The figure knows whether it was rounded, so that a sentence says "about" only then.

use rust_decimal::{Decimal, RoundingStrategy};

use super::money::{Currency, minor_to_decimal};

/// The conventions a figure is written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FigureLocale {
    /// "USD 6.4 M", "USD 6.4 million", "USD 562,500".
    #[default]
    En,
    /// "640万美元", "1.23亿美元", "562,500美元".
    Zh,
    /// "6,4 M USD", "6,4 millions USD", "562 500 USD" (a no-break space between thousands).
    Fr,
}

impl From<super::Lang> for FigureLocale {
    fn from(lang: super::Lang) -> FigureLocale {
        match lang {
            super::Lang::En => FigureLocale::En,
            super::Lang::Zh => FigureLocale::Zh,
        }
    }
}

/// How the unit is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FigureStyle {
    /// For charts, tiles and slides: "USD 6.4 M".
    Compact,
    /// For sentences: "USD 6.4 million".
    Words,
}

/// An amount written as a board figure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BoardFigure {
    /// The figure: "USD 6.4 M".
    pub text: String,
    /// Its number and unit alone, for a donut's hole: "6.4 M", "640万", "562,500".
    pub number: String,
    /// Its currency alone: "USD", "美元".
    pub currency: String,
    /// Whether it differs from the exact amount.
    pub rounded: bool,
}

impl BoardFigure {
    /// The figure for a sentence: "about USD 6.4 million" when rounded, else as it is.
    pub fn in_sentence(&self, locale: FigureLocale) -> String {
        if !self.rounded {
            return self.text.clone();
        }
        match locale {
            FigureLocale::En => format!("about {}", self.text),
            FigureLocale::Zh => format!("约{}", self.text),
            FigureLocale::Fr => format!("environ {}", self.text),
        }
    }
}

/// A unit a figure can be shown in: its size, and its compact and spoken names (singular,
/// plural).
struct Unit {
    size: i64,
    compact: &'static str,
    one: &'static str,
    many: &'static str,
}

/// The units of `locale`, largest first.
fn units(locale: FigureLocale) -> &'static [Unit] {
    match locale {
        FigureLocale::En => &[
            Unit {
                size: 1_000_000_000,
                compact: "B",
                one: "billion",
                many: "billion",
            },
            Unit {
                size: 1_000_000,
                compact: "M",
                one: "million",
                many: "million",
            },
        ],
        FigureLocale::Zh => &[
            Unit {
                size: 100_000_000,
                compact: "亿",
                one: "亿",
                many: "亿",
            },
            Unit {
                size: 10_000,
                compact: "万",
                one: "万",
                many: "万",
            },
        ],
        FigureLocale::Fr => &[
            Unit {
                size: 1_000_000_000,
                compact: "Md",
                one: "milliard",
                many: "milliards",
            },
            Unit {
                size: 1_000_000,
                compact: "M",
                one: "million",
                many: "millions",
            },
        ],
    }
}

/// The Chinese name of a currency in running text ("美元"), when it has a common one.
pub fn currency_name_zh(currency: Currency) -> Option<&'static str> {
    Some(match currency.code() {
        "USD" => "美元",
        "EUR" => "欧元",
        "CHF" => "瑞士法郎",
        "GBP" => "英镑",
        "JPY" => "日元",
        "CNY" => "人民币",
        "CAD" => "加元",
        "AUD" => "澳元",
        "SEK" => "瑞典克朗",
        "NOK" => "挪威克朗",
        "DKK" => "丹麦克朗",
        "KRW" => "韩元",
        "SAR" => "沙特里亚尔",
        "AED" => "阿联酋迪拉姆",
        "INR" => "印度卢比",
        "RUB" => "卢布",
        "BRL" => "巴西雷亚尔",
        "ZAR" => "南非兰特",
        _ => return None,
    })
}

/// `minor` units of `currency` as a board figure in `locale` and `style`.
pub fn board_figure(
    minor: i128,
    currency: Currency,
    locale: FigureLocale,
    style: FigureStyle,
) -> BoardFigure {
    let exact = minor_to_decimal(minor, currency);
    let whole = exact.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    let list = units(locale);
    // The largest unit the rounded amount reaches, moved up when its figure rounds to a
    // whole larger unit.
    let mut chosen: Option<(usize, Decimal)> = None;
    for (i, unit) in list.iter().enumerate() {
        if whole.abs() >= Decimal::from(unit.size) {
            let figure = in_unit(exact, unit.size);
            chosen = Some((i, figure));
            if let Some(larger) = i.checked_sub(1).and_then(|j| list.get(j)) {
                let ratio = Decimal::from(larger.size / unit.size);
                if figure.abs() >= ratio {
                    chosen = Some((i - 1, in_unit(exact, larger.size)));
                }
            }
            break;
        }
    }
    let (number, unit, rounded) = match chosen.and_then(|(i, f)| Some((list.get(i)?, f))) {
        Some((unit, figure)) => {
            let back = figure * Decimal::from(unit.size);
            let name = match style {
                FigureStyle::Compact => unit.compact,
                FigureStyle::Words if figure.abs() < Decimal::TWO => unit.one,
                FigureStyle::Words => unit.many,
            };
            (number_text(figure, locale), Some(name), back != exact)
        }
        None => (number_text(whole, locale), None, whole != exact),
    };
    let code = currency.code();
    let (number, currency_label, text) = match (locale, unit) {
        (FigureLocale::En, Some(u)) => {
            let n = format!("{number} {u}");
            let text = format!("{code} {n}");
            (n, code.to_owned(), text)
        }
        (FigureLocale::En, None) => (number.clone(), code.to_owned(), format!("{code} {number}")),
        (FigureLocale::Zh, u) => {
            let n = format!("{number}{}", u.unwrap_or(""));
            match currency_name_zh(currency) {
                Some(name) => {
                    let text = format!("{n}{name}");
                    (n, name.to_owned(), text)
                }
                None => {
                    let text = format!("{n} {code}");
                    (n, code.to_owned(), text)
                }
            }
        }
        (FigureLocale::Fr, u) => {
            let n = match u {
                Some(u) => format!("{number} {u}"),
                None => number,
            };
            let text = format!("{n} {code}");
            (n, code.to_owned(), text)
        }
    };
    BoardFigure {
        text,
        number,
        currency: currency_label,
        rounded,
    }
}

/// `exact` in units of `size`, to two decimals at most, half away from zero.
fn in_unit(exact: Decimal, size: i64) -> Decimal {
    exact
        .checked_div(Decimal::from(size))
        .unwrap_or_default()
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        .normalize()
}

/// A figure's number with the locale's separators: "1,234.5", "1234.5" (Chinese figures
/// stay under ten thousand of their unit), "1 234,5" (with a no-break space).
fn number_text(value: Decimal, locale: FigureLocale) -> String {
    let text = value.normalize().to_string();
    let (sign, digits) = text
        .strip_prefix('-')
        .map_or(("", text.as_str()), |d| ("-", d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    let (group, point) = match locale {
        FigureLocale::En => (",", "."),
        FigureLocale::Zh => ("", "."),
        FigureLocale::Fr => ("\u{a0}", ","),
    };
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push_str(group);
        }
        out.push(c);
    }
    if !frac.is_empty() {
        out.push_str(point);
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cents(units: &str) -> i128 {
        use rust_decimal::prelude::ToPrimitive;
        let d: Decimal = units.parse().unwrap_or_default();
        (d * Decimal::ONE_HUNDRED).to_i128().unwrap_or_default()
    }

    fn figure(units: &str, locale: FigureLocale, style: FigureStyle) -> (String, bool) {
        let f = board_figure(cents(units), Currency::USD, locale, style);
        (f.text, f.rounded)
    }

    #[test]
    fn english_board_figures_at_the_edges() {
        use FigureLocale::En;
        use FigureStyle::{Compact, Words};
        let cases = [
            ("999999", "USD 999,999", false),
            ("999999.5", "USD 1 M", true),
            ("999999.49", "USD 999,999", true),
            ("1000000", "USD 1 M", false),
            ("1450000", "USD 1.45 M", false),
            ("6400000", "USD 6.4 M", false),
            ("6405000", "USD 6.41 M", true),
            ("15200000", "USD 15.2 M", false),
            ("123456789", "USD 123.46 M", true),
            ("999996000", "USD 1 B", true),
            ("2500000000", "USD 2.5 B", false),
            ("562500", "USD 562,500", false),
            ("562500.25", "USD 562,500", true),
            ("0", "USD 0", false),
        ];
        for (amount, text, rounded) in cases {
            assert_eq!(
                figure(amount, En, Compact),
                (text.to_string(), rounded),
                "{amount}"
            );
        }
        assert_eq!(figure("6400000", En, Words).0, "USD 6.4 million");
        assert_eq!(figure("1000000", En, Words).0, "USD 1 million");
        let about = board_figure(cents("6405000"), Currency::USD, En, Words);
        assert_eq!(about.in_sentence(En), "about USD 6.41 million");
        let exact = board_figure(cents("1450000"), Currency::USD, En, Words);
        assert_eq!(exact.in_sentence(En), "USD 1.45 million");
    }

    #[test]
    fn chinese_board_figures_use_wan_and_yi() {
        use FigureLocale::Zh;
        use FigureStyle::Compact;
        let cases = [
            ("999999", "100万美元", true),
            ("999999.5", "100万美元", true),
            ("1000000", "100万美元", false),
            ("1450000", "145万美元", false),
            ("6400000", "640万美元", false),
            ("15200000", "1520万美元", false),
            ("123456789", "1.23亿美元", true),
            ("99999999", "1亿美元", true),
            ("9999", "9999美元", false),
            ("12345", "1.23万美元", true),
        ];
        for (amount, text, rounded) in cases {
            assert_eq!(
                figure(amount, Zh, Compact),
                (text.to_string(), rounded),
                "{amount}"
            );
        }
        let about = board_figure(cents("123456789"), Currency::USD, Zh, Compact);
        assert_eq!(about.in_sentence(Zh), "约1.23亿美元");
        let sek = board_figure(cents("6400000"), "SEK".parse().unwrap(), Zh, Compact);
        assert_eq!(sek.text, "640万瑞典克朗");
        assert_eq!(
            (sek.number.as_str(), sek.currency.as_str()),
            ("640万", "瑞典克朗")
        );
        let xof = board_figure(6_400_000, "XOF".parse().unwrap(), Zh, Compact);
        assert_eq!(xof.text, "640万 XOF");
    }

    #[test]
    fn french_board_figures_put_the_currency_last() {
        use FigureLocale::Fr;
        use FigureStyle::{Compact, Words};
        assert_eq!(figure("6400000", Fr, Compact).0, "6,4 M USD");
        assert_eq!(figure("1450000", Fr, Words).0, "1,45 million USD");
        assert_eq!(figure("6400000", Fr, Words).0, "6,4 millions USD");
        assert_eq!(figure("562500", Fr, Compact).0, "562\u{a0}500 USD");
        let about = board_figure(cents("123456789"), Currency::USD, Fr, Compact);
        assert_eq!(about.in_sentence(Fr), "environ 123,46 M USD");
    }

    #[test]
    fn negative_amounts_keep_their_sign() {
        assert_eq!(
            figure("-6400000", FigureLocale::En, FigureStyle::Compact).0,
            "USD -6.4 M"
        );
        assert_eq!(
            figure("-999999.5", FigureLocale::En, FigureStyle::Compact).0,
            "USD -1 M"
        );
    }
}
