//! Reporting periods by signing date: a quarter, a year, a month or a date range.

use std::fmt;

use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// An inclusive range of signing dates with the label people use for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Period {
    /// What kind of period it is.
    pub kind: PeriodKind,
    /// First day, inclusive.
    pub from: NaiveDate,
    /// Last day, inclusive.
    pub to: NaiveDate,
}

/// The shape of a period, which decides its label and its neighbours.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PeriodKind {
    /// A calendar quarter, `2021Q1`.
    Quarter,
    /// A calendar year, `2020`.
    Year,
    /// A calendar month, `2021-03`.
    Month,
    /// Any inclusive range, `2021-01-01..2021-06-30`.
    Range,
}

/// Why a text is not a period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "'{0}' is not a period: use a quarter (2021Q1), a year (2020), a month (2021-03) or a range (2021-01-01..2021-06-30)"
)]
pub struct PeriodError(pub String);

impl Period {
    /// Parses `2021Q1` (also `Q1 2021`, `2021-Q1`, `T1 2021`, `2021年第一季度`), `2020`,
    /// `2021-03` (`2021年3月`) or `2021-01-01..2021-06-30`.
    pub fn parse(text: &str) -> Result<Period, PeriodError> {
        let t = text.trim();
        let err = || PeriodError(text.to_string());
        if let Some((a, b)) = t.split_once("..") {
            let from = parse_iso(a).ok_or_else(err)?;
            let to = parse_iso(b).ok_or_else(err)?;
            if to < from {
                return Err(err());
            }
            return Ok(Period {
                kind: PeriodKind::Range,
                from,
                to,
            });
        }
        if let Some(period) = chinese(t) {
            return period.ok_or_else(err);
        }
        if let Some((year, q)) = quarter_of(t) {
            return Period::quarter(year, q).ok_or_else(err);
        }
        if let Some((y, m)) = t.split_once('-') {
            let year: i32 = y.parse().map_err(|_| err())?;
            let month: u32 = m.parse().map_err(|_| err())?;
            return Period::month(year, month).ok_or_else(err);
        }
        let year: i32 = t.parse().map_err(|_| err())?;
        Period::year(year).ok_or_else(err)
    }

    /// The calendar year `year`.
    pub fn year(year: i32) -> Option<Period> {
        Some(Period {
            kind: PeriodKind::Year,
            from: NaiveDate::from_ymd_opt(year, 1, 1)?,
            to: NaiveDate::from_ymd_opt(year, 12, 31)?,
        })
    }

    /// Quarter `q` (1 to 4) of `year`.
    pub fn quarter(year: i32, q: u32) -> Option<Period> {
        if !(1..=4).contains(&q) {
            return None;
        }
        let from = NaiveDate::from_ymd_opt(year, (q - 1) * 3 + 1, 1)?;
        let to = from.checked_add_months(Months::new(3))?.pred_opt()?;
        Some(Period {
            kind: PeriodKind::Quarter,
            from,
            to,
        })
    }

    /// Month `month` (1 to 12) of `year`.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        let from = NaiveDate::from_ymd_opt(year, month, 1)?;
        let to = from.checked_add_months(Months::new(1))?.pred_opt()?;
        Some(Period {
            kind: PeriodKind::Month,
            from,
            to,
        })
    }

    /// Whether `date` falls in the period.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// The period of the same kind just before this one (for a range, the range of the
    /// same length that ends the day before it starts).
    pub fn previous(&self) -> Option<Period> {
        self.shift(-1)
    }

    /// The period of the same kind just after this one.
    pub fn next(&self) -> Option<Period> {
        self.shift(1)
    }

    /// The period this one is compared with, like for like, on `today`: a quarter with the
    /// same quarter a year before, a month with the same month, a finished year with the
    /// year before, a year still under way with the same span of the year before (1 January
    /// to the same day), a range with the same range a year earlier. 29 February falls back
    /// to the 28th.
    pub fn like_for_like(&self, today: NaiveDate) -> Option<Period> {
        let year_before = |d: NaiveDate| d.checked_sub_months(Months::new(12));
        match self.kind {
            PeriodKind::Quarter | PeriodKind::Month => self.shift(match self.kind {
                PeriodKind::Quarter => -4,
                _ => -12,
            }),
            PeriodKind::Year if self.contains(today) && today < self.to => Some(Period {
                kind: PeriodKind::Range,
                from: year_before(self.from)?,
                to: year_before(today)?,
            }),
            PeriodKind::Year => self.shift(-1),
            PeriodKind::Range => Some(Period {
                kind: PeriodKind::Range,
                from: year_before(self.from)?,
                to: year_before(self.to)?,
            }),
        }
    }

    fn shift(&self, step: i32) -> Option<Period> {
        let y = self.from.year();
        match self.kind {
            PeriodKind::Year => Period::year(y + step),
            PeriodKind::Quarter => {
                let index = y * 4 + i32::try_from(self.from.month0() / 3).ok()? + step;
                Period::quarter(
                    index.div_euclid(4),
                    u32::try_from(index.rem_euclid(4)).ok()? + 1,
                )
            }
            PeriodKind::Month => {
                let index = y * 12 + i32::try_from(self.from.month0()).ok()? + step;
                Period::month(
                    index.div_euclid(12),
                    u32::try_from(index.rem_euclid(12)).ok()? + 1,
                )
            }
            PeriodKind::Range => {
                let days = (self.to - self.from).num_days() + 1;
                let offset = Duration::days(days * i64::from(step));
                Some(Period {
                    kind: PeriodKind::Range,
                    from: self.from.checked_add_signed(offset)?,
                    to: self.to.checked_add_signed(offset)?,
                })
            }
        }
    }

    /// The label people use: `2021Q1`, `2020`, `2021-03`, `2021-01-01..2021-06-30`.
    pub fn label(&self) -> String {
        match self.kind {
            PeriodKind::Year => format!("{}", self.from.year()),
            PeriodKind::Quarter => format!("{}Q{}", self.from.year(), self.from.month0() / 3 + 1),
            PeriodKind::Month => format!("{}-{:02}", self.from.year(), self.from.month()),
            PeriodKind::Range => format!("{}..{}", self.from, self.to),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

fn parse_iso(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// A quarter written `2021Q1`, `2021 Q1`, `2021-Q1`, `Q1 2021`, `Q1-2021`, or with `T`
/// (trimestre): its year and number.
fn quarter_of(text: &str) -> Option<(i32, u32)> {
    let compact: String = text
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '_' | '/' | '\u{a0}'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let (year, q) = match compact.find(['Q', 'T'])? {
        0 => (compact.get(2..)?, compact.get(1..2)?),
        4 => (compact.get(..4)?, compact.get(5..)?),
        _ => return None,
    };
    if year.len() != 4 || q.len() != 1 {
        return None;
    }
    Some((year.parse().ok()?, q.parse().ok()?))
}

/// A period written in Chinese: `2021年第一季度`, `2021年一季度`, `2021年第1季度`, `2021年3月`,
/// `2021年`. `None` when the text is not Chinese; `Some(None)` when it is but names no period.
fn chinese(text: &str) -> Option<Option<Period>> {
    let (year, rest) = text.split_once('年')?;
    let Ok(year) = year.trim().parse::<i32>() else {
        return Some(None);
    };
    let rest = rest.trim();
    if rest.is_empty() {
        return Some(Period::year(year));
    }
    let number = |t: &str| -> Option<u32> {
        let t = t.trim().trim_start_matches('第');
        t.parse().ok().or_else(|| {
            [
                "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二",
            ]
            .iter()
            .position(|n| *n == t)
            .and_then(|i| u32::try_from(i + 1).ok())
        })
    };
    if let Some(q) = rest.strip_suffix("季度") {
        return Some(number(q).and_then(|q| Period::quarter(year, q)));
    }
    if let Some(m) = rest.strip_suffix('月') {
        return Some(number(m).and_then(|m| Period::month(year, m)));
    }
    Some(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_compare_like_for_like() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let today = day("2021-08-10");
        let of = |p: &str| Period::parse(p).unwrap().like_for_like(today).unwrap();
        assert_eq!(of("2021Q2"), Period::parse("2020Q2").unwrap());
        assert_eq!(of("2021Q1"), Period::parse("2020Q1").unwrap());
        assert_eq!(of("2021-03"), Period::parse("2020-03").unwrap());
        assert_eq!(of("2020"), Period::parse("2019").unwrap());
        // A year under way: the same span of the year before.
        assert_eq!(of("2021"), Period::parse("2020-01-01..2020-08-10").unwrap());
        // On the year's last day it is whole.
        assert_eq!(
            Period::parse("2021")
                .unwrap()
                .like_for_like(day("2021-12-31")),
            Period::parse("2020").ok()
        );
        assert_eq!(
            of("2021-01-15..2021-06-30"),
            Period::parse("2020-01-15..2020-06-30").unwrap()
        );
        assert_eq!(
            of("2020-02-29..2020-03-31"),
            Period::parse("2019-02-28..2019-03-31").unwrap()
        );
        // The ◀ ▶ buttons still step by period.
        assert_eq!(
            Period::parse("2021Q2").unwrap().previous(),
            Period::parse("2021Q1").ok()
        );
    }

    #[test]
    fn quarters_as_people_write_them() {
        for text in [
            "2021Q1",
            "2021 Q1",
            "2021-Q1",
            "Q1 2021",
            "q1-2021",
            "T1 2021",
            "2021年第一季度",
            "2021年一季度",
            "2021年第1季度",
        ] {
            assert_eq!(
                Period::parse(text).map(|p| p.label()).as_deref(),
                Ok("2021Q1"),
                "{text}"
            );
        }
        assert_eq!(Period::parse("2021年3月").unwrap().label(), "2021-03");
        assert_eq!(Period::parse("2020年").unwrap().label(), "2020");
        for bad in ["2021Q5", "Q 2021", "2021年第五季度", "2021年春", "Q12"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parses_every_kind() {
        let q = Period::parse("2021Q1").unwrap();
        assert_eq!(
            (q.from.to_string(), q.to.to_string()),
            ("2021-01-01".into(), "2021-03-31".into())
        );
        assert_eq!(q.label(), "2021Q1");
        let y = Period::parse("2020").unwrap();
        assert_eq!(y.to.to_string(), "2020-12-31");
        let m = Period::parse("2020-02").unwrap();
        assert_eq!(m.to.to_string(), "2020-02-29");
        let r = Period::parse("2021-01-01..2021-06-30").unwrap();
        assert_eq!(r.label(), "2021-01-01..2021-06-30");
        for bad in ["2021Q5", "20x1", "2021-13", "2021-02-01..2021-01-01", ""] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn neighbours_keep_the_kind() {
        assert_eq!(
            Period::parse("2021Q1").unwrap().previous().unwrap().label(),
            "2020Q4"
        );
        assert_eq!(
            Period::parse("2020Q4").unwrap().next().unwrap().label(),
            "2021Q1"
        );
        assert_eq!(
            Period::parse("2021-01")
                .unwrap()
                .previous()
                .unwrap()
                .label(),
            "2020-12"
        );
        assert_eq!(
            Period::parse("2020").unwrap().next().unwrap().label(),
            "2021"
        );
        let r = Period::parse("2021-01-11..2021-01-20")
            .unwrap()
            .previous()
            .unwrap();
        assert_eq!(r.label(), "2021-01-01..2021-01-10");
    }
}
