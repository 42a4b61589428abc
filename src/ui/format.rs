//! Numbers, amounts and dates as each language writes them.

use chrono::{Datelike, NaiveDate};

use crate::chart::amount_text;
use crate::domain::{Currency, Lang, Period, PeriodKind};

/// `en` or `zh`, whichever `lang` is.
pub fn t(lang: Lang, en: &'static str, zh: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::Zh => zh,
    }
}

/// `31 Mar 2021` or `2021年3月31日`.
pub fn date_text(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::En => date.format("%-d %b %Y").to_string(),
        Lang::Zh => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

/// `USD 1,800,000.00` or `1,800,000.00 美元`.
pub fn money_text(lang: Lang, amount_minor: i128, currency: Currency) -> String {
    let amount = amount_text(amount_minor, currency);
    let code = currency.code();
    match lang {
        Lang::Zh => format!(
            "{amount} {}",
            crate::domain::currency_name_zh(currency).unwrap_or(code)
        ),
        Lang::En => format!("{code} {amount}"),
    }
}

/// An amount as a board figure, for tiles and charts: `USD 6.4 M`, `640万美元`.
pub fn figure_text(lang: Lang, amount_minor: i128, currency: Currency) -> String {
    crate::domain::board_figure(
        amount_minor,
        currency,
        lang.into(),
        crate::domain::FigureStyle::Compact,
    )
    .text
}

/// A change of an amount between two periods as a board figure: `+USD 1 M`, `−640万美元`.
pub fn figure_change_text(lang: Lang, now: i128, before: i128, currency: Currency) -> String {
    let diff = now - before;
    match diff.cmp(&0) {
        std::cmp::Ordering::Greater => format!("+{}", figure_text(lang, diff, currency)),
        std::cmp::Ordering::Less => format!("−{}", figure_text(lang, -diff, currency)),
        std::cmp::Ordering::Equal => "±0".to_owned(),
    }
}

/// A count with its thousands grouped: `1,000,000`.
pub fn count_text(n: impl Into<rust_decimal::Decimal>) -> String {
    crate::domain::group_thousands(&n.into())
}

/// A count and what it counts, as `lang` says it for that many: `1 partner`, `2 partners`,
/// `2 个新伙伴`.
pub fn counted(lang: Lang, n: usize, one: &str, many: &str, zh: &str) -> String {
    match lang {
        Lang::En => format!("{} {}", count_text(n), if n == 1 { one } else { many }),
        Lang::Zh => format!("{} {zh}", count_text(n)),
    }
}

/// A change of a count between two periods: `+5`, `−3`, `+1,200`, `±0`.
pub fn change_text(now: u64, before: u64) -> String {
    match now.cmp(&before) {
        std::cmp::Ordering::Greater => format!("+{}", count_text(now - before)),
        std::cmp::Ordering::Less => format!("−{}", count_text(before - now)),
        std::cmp::Ordering::Equal => "±0".to_owned(),
    }
}

/// The period as people say it: `2021 Q1` / `2021年第一季度`.
pub fn period_text(lang: Lang, period: &Period) -> String {
    const QUARTERS_ZH: [&str; 4] = ["一", "二", "三", "四"];
    let year = period.from.year();
    let quarter = usize::try_from(period.from.month0() / 3).unwrap_or(0);
    match (lang, period.kind) {
        (Lang::En, PeriodKind::Quarter) => format!("{year} Q{}", quarter + 1),
        (Lang::Zh, PeriodKind::Quarter) => {
            format!("{year}年第{}季度", QUARTERS_ZH.get(quarter).unwrap_or(&""))
        }
        (Lang::En, PeriodKind::Year) => format!("{year}"),
        (Lang::Zh, PeriodKind::Year) => format!("{year}年"),
        (Lang::En, PeriodKind::Month) => period.from.format("%B %Y").to_string(),
        (Lang::Zh, PeriodKind::Month) => format!("{year}年{}月", period.from.month()),
        (_, PeriodKind::Range) => format!(
            "{} – {}",
            date_text(lang, period.from),
            date_text(lang, period.to)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_follow_the_language() {
        let usd: Currency = "USD".parse().unwrap();
        assert_eq!(money_text(Lang::En, 180_000_000, usd), "USD 1,800,000.00");
        assert_eq!(money_text(Lang::Zh, 180_000_000, usd), "1,800,000.00 美元");
        let d = NaiveDate::from_ymd_opt(2021, 3, 31).unwrap();
        assert_eq!(date_text(Lang::En, d), "31 Mar 2021");
        assert_eq!(date_text(Lang::Zh, d), "2021年3月31日");
        let q = Period::parse("2021Q1").unwrap();
        assert_eq!(period_text(Lang::Zh, &q), "2021年第一季度");
        assert_eq!(change_text(19, 24), "−5");
        assert_eq!(change_text(101_234, 24), "+101,210");
    }
}
