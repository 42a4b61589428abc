//! Reading the values people type into workbooks: amounts, dates, statuses, theme lists
//! and reference-list entries, in English, French and Chinese.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::domain::{Currency, ListKind, ReferenceLists, Stage, Status, ThemeShare};

/// What an amount cell says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AmountValue {
    /// Blank, "n/a", "in kind", "-": no financial contribution.
    NonFinancial,
    /// An amount, with the currency the text names, if any.
    Amount(Decimal, Option<Currency>),
}

/// Whole cells that say there is no money: a dash, "n/a", "none", "s.o." (sans objet), 无…
/// Compared after [`normalise`], so case, accents, spaces and punctuation do not matter.
const NO_MONEY_WORDS: &[&str] = &[
    "",
    "na",
    "nap",
    "none",
    "nil",
    "nothing",
    "zero",
    "notapplicable",
    "nonapplicable",
    "so",
    "sansobjet",
    "neant",
    "aucun",
    "aucune",
    "无",
    "没有",
    "不适用",
    "暂无",
    "空",
];

/// Words that, anywhere in a cell, say a contribution is not money: "In kind (staff time)",
/// "Contribution en nature", "实物捐助", "non-monetary". Compared after [`normalise`].
const NOT_MONEY_MARKS: &[&str] = &[
    "inkind",
    "nonfinancial",
    "nonmonetary",
    "noncash",
    "nofinancial",
    "nomoney",
    "ennature",
    "nonfinancier",
    "nonfinanciere",
    "nonmonetaire",
    "实物",
    "非财务",
    "非现金",
    "非货币",
    "无财务",
    "无资金",
];

/// Whether an amount cell's text says there is no financial contribution: the whole cell
/// is a dash or a word for nothing, or it names an in-kind contribution anywhere.
pub fn says_no_money(text: &str) -> bool {
    let key = normalise(text);
    NO_MONEY_WORDS.contains(&key.as_str()) || NOT_MONEY_MARKS.iter().any(|m| key.contains(m))
}

const CURRENCY_WORDS: &[(&str, &str)] = &[
    ("美元", "USD"),
    ("欧元", "EUR"),
    ("瑞士法郎", "CHF"),
    ("瑞郎", "CHF"),
    ("英镑", "GBP"),
    ("人民币", "CNY"),
    ("日元", "JPY"),
    ("US$", "USD"),
    ("$", "USD"),
    ("€", "EUR"),
    ("£", "GBP"),
    ("¥", "CNY"),
    ("fr.", "CHF"),
    ("sfr", "CHF"),
];

/// Reads an amount as typed: `1,800,000`, `1 800 000`, `1.800.000,50`, `USD 1,800,000`,
/// `$562,500.00`, `CHF 250'000`, `1.4 million`, `180万`, `约180万美元`; or a non-financial mark.
pub fn parse_amount(text: &str) -> Result<AmountValue, String> {
    let original = text;
    if says_no_money(text) {
        return Ok(AmountValue::NonFinancial);
    }
    let mut t = text.trim().to_lowercase();
    for prefix in [
        "approximately",
        "approx.",
        "approx",
        "about",
        "around",
        "circa",
        "ca.",
        "environ",
        "约",
        "大约",
        "~",
        "≈",
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            t = rest.trim().to_string();
        }
    }
    let mut currency = None;
    for (word, code) in CURRENCY_WORDS {
        if t.contains(word) {
            t = t.replacen(word, " ", 1);
            currency = Currency::from_str(code).ok();
            break;
        }
    }
    // A three-letter code before or after the number.
    let words: Vec<String> = t.split_whitespace().map(str::to_string).collect();
    let mut rest = Vec::new();
    for w in words {
        if w.len() == 3
            && w.chars().all(|c| c.is_ascii_alphabetic())
            && !["mln", "bln", "mio"].contains(&w.as_str())
        {
            let code: Currency = w
                .parse()
                .map_err(|_| format!("'{original}' is not an amount"))?;
            if currency.is_some_and(|c| c != code) {
                return Err(format!("'{original}' names two currencies"));
            }
            currency = Some(code);
        } else {
            rest.push(w);
        }
    }
    let mut t = rest.join(" ");
    let mut multiplier = Decimal::ONE;
    for (word, factor) in [
        ("billion", 1_000_000_000i64),
        ("bn", 1_000_000_000),
        ("million", 1_000_000),
        ("millions", 1_000_000),
        ("mln", 1_000_000),
        ("mio", 1_000_000),
        ("m", 1_000_000),
        ("thousand", 1_000),
        ("k", 1_000),
        ("百万", 1_000_000),
        ("亿", 100_000_000),
        ("万", 10_000),
        ("千", 1_000),
    ] {
        let trimmed = t.trim_end();
        if let Some(stripped) = trimmed.strip_suffix(word) {
            let before = stripped.trim_end();
            let joined_ok = word.chars().all(|c| !c.is_ascii_alphabetic())
                || stripped.ends_with(' ')
                || before.ends_with(|c: char| c.is_ascii_digit());
            if joined_ok && !before.is_empty() {
                multiplier = Decimal::from(factor);
                t = before.to_string();
                break;
            }
        }
    }
    let number = parse_number(t.trim()).ok_or_else(|| format!("'{original}' is not an amount"))?;
    let value = number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("'{original}' is too large"))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("'{original}' is negative"));
    }
    Ok(AmountValue::Amount(value.normalize(), currency))
}

/// A number with thousands separators (`,` `.` space `'`) and a decimal point or comma.
pub fn parse_number(text: &str) -> Option<Decimal> {
    let cleaned: String = text
        .chars()
        .filter(|c| {
            !matches!(
                c,
                ' ' | '\u{a0}' | '\u{202f}' | '\u{2009}' | '\'' | '’' | '_'
            )
        })
        .collect();
    if cleaned.is_empty()
        || !cleaned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '-' | '+'))
    {
        return None;
    }
    let commas = cleaned.matches(',').count();
    let dots = cleaned.matches('.').count();
    let normal = match (commas, dots) {
        (0, 0) | (0, 1) => cleaned,
        (0, _) => cleaned.replace('.', ""),
        (_, 0) => {
            let after = cleaned.rsplit(',').next().unwrap_or_default();
            if commas == 1 && after.len() != 3 {
                cleaned.replace(',', ".")
            } else {
                cleaned.replace(',', "")
            }
        }
        _ => {
            let last_comma = cleaned.rfind(',').unwrap_or(0);
            let last_dot = cleaned.rfind('.').unwrap_or(0);
            if last_comma > last_dot {
                cleaned.replace('.', "").replace(',', ".")
            } else {
                cleaned.replace(',', "")
            }
        }
    };
    Decimal::from_str(&normal).ok()
}

/// The day/month order of a column's slash dates, decided from all its values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayOrder {
    /// 31/12/2021.
    DayFirst,
    /// 12/31/2021.
    MonthFirst,
    /// No value tells; a value such as 03/04/2021 is ambiguous.
    Unknown,
    /// Values contradict each other.
    Mixed,
}

fn slash_parts(text: &str) -> Option<(u32, u32, i32)> {
    let parts: Vec<&str> = text.trim().split(['/', '-', '.']).collect();
    let [a, b, y] = parts.as_slice() else {
        return None;
    };
    if a.len() > 2 || b.len() > 2 || !(y.len() == 4 || y.len() == 2) {
        return None;
    }
    let year: i32 = y.parse().ok()?;
    let year = if y.len() == 2 { 2000 + year } else { year };
    Some((a.parse().ok()?, b.parse().ok()?, year))
}

/// What a date column's values tell of its day order so far.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct DayEvidence {
    day_first: bool,
    month_first: bool,
}

impl DayEvidence {
    /// Takes `value` into account; true when it is a slash date, whose reading depends on
    /// the column's order.
    pub(super) fn add(&mut self, value: &str) -> bool {
        let Some((a, b, _)) = slash_parts(value) else {
            return false;
        };
        self.day_first |= a > 12 && b <= 12;
        self.month_first |= b > 12 && a <= 12;
        true
    }

    /// The order the values seen tell.
    pub(super) fn order(self) -> DayOrder {
        match (self.day_first, self.month_first) {
            (true, false) => DayOrder::DayFirst,
            (false, true) => DayOrder::MonthFirst,
            (true, true) => DayOrder::Mixed,
            (false, false) => DayOrder::Unknown,
        }
    }
}

/// Reads a date: ISO, `2021/03/12`, `2021.03.12`, `2021年3月12日`, `12 March 2021`,
/// `March 12, 2021`, `12-Mar-2021`, or dd/mm/yyyy and mm/dd/yyyy as `order` says.
pub fn parse_date(text: &str, order: DayOrder) -> Result<NaiveDate, String> {
    let t = text.trim();
    let bad = || format!("'{text}' is not a date");
    if let Some(d) = [
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y.%m.%d",
        "%Y年%m月%d日",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|f| NaiveDate::parse_from_str(t, f).ok())
    {
        return Ok(d);
    }
    let words = t.replace(',', " ");
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if let Some(d) = [
        "%d %B %Y", "%B %d %Y", "%d %b %Y", "%b %d %Y", "%d-%b-%Y", "%d-%b-%y", "%e %B %Y",
    ]
    .iter()
    .find_map(|f| NaiveDate::parse_from_str(&words, f).ok())
    {
        return Ok(d);
    }
    if let Some((a, b, year)) = slash_parts(t) {
        let (day, month) = match order {
            DayOrder::DayFirst => (a, b),
            DayOrder::MonthFirst => (b, a),
            _ if a > 12 => (a, b),
            _ if b > 12 => (b, a),
            _ if a == b => (a, b),
            DayOrder::Mixed => {
                return Err(format!(
                    "'{text}': the column mixes day-first and month-first dates"
                ));
            }
            DayOrder::Unknown => {
                return Err(format!(
                    "'{text}' is ambiguous: day/month or month/day? No date in the column tells; write it as yyyy-mm-dd"
                ));
            }
        };
        return NaiveDate::from_ymd_opt(year, month, day).ok_or_else(bad);
    }
    Err(bad())
}

/// Reads a status; blank means signed.
pub fn parse_status(text: &str) -> Result<Status, String> {
    match normalise(text).as_str() {
        "" | "signed" | "signé" | "signe" | "executed" | "active" | "已签署" | "签署" | "已签"
        | "生效" => Ok(Status::Signed),
        "draft" | "pending" | "negotiation" | "innegotiation" | "projet" | "brouillon" | "草稿"
        | "待签署" | "谈判中" => Ok(Status::Draft),
        "cancelled" | "canceled" | "annulé" | "annule" | "terminated" | "已取消" | "取消"
        | "终止" => Ok(Status::Cancelled),
        _ => Err(format!(
            "'{text}' is not a status (signed, draft or cancelled)"
        )),
    }
}

/// Lowercase, without accents, spaces or punctuation: the form labels are compared in.
pub fn normalise(text: &str) -> String {
    if text.is_ascii() {
        // ASCII has nothing to decompose and no combining marks: the same result, sooner.
        return text
            .bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| char::from(b.to_ascii_lowercase()))
            .collect();
    }
    normalise_any(text)
}

/// [`normalise`] for any text.
fn normalise_any(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Finds the entry of `kind` whose key, labels or synonyms match `text`.
pub fn match_entry<'a>(lists: &'a ReferenceLists, kind: ListKind, text: &str) -> Option<&'a str> {
    let wanted = normalise(text);
    if wanted.is_empty() {
        return None;
    }
    lists.list(kind).iter().find_map(|e| {
        let hit = normalise(&e.key) == wanted
            || normalise(&e.label_en) == wanted
            || normalise(&e.label_zh) == wanted
            || e.synonyms.iter().any(|s| normalise(s) == wanted);
        hit.then_some(e.key.as_str())
    })
}

/// One theme as written in a cell, with its percentage in basis points when given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ThemePart {
    /// The theme's text.
    pub name: String,
    /// Its percentage in hundredths of a percent, when written.
    pub percent_bp: Option<u32>,
}

/// The parts of 100 % (in basis points) of themes as written: equal when no part gives a
/// percentage, the percentages when every part gives one (they must add to 100).
pub fn theme_weights(parts: &[ThemePart]) -> Result<Vec<u32>, String> {
    let given: Vec<Option<u32>> = parts.iter().map(|p| p.percent_bp).collect();
    if given.iter().all(Option::is_none) {
        let equal = vec![1; parts.len()];
        return Ok(
            crate::report::split_by_weights(i64::from(crate::domain::WHOLE_BP), &equal)
                .into_iter()
                .map(|w| u32::try_from(w).unwrap_or(0))
                .collect(),
        );
    }
    if !given.iter().all(Option::is_some) {
        return Err("give a percentage for every theme or for none".into());
    }
    let w: Vec<u32> = given.into_iter().flatten().collect();
    // Parts of up to u32::MAX basis points each must not wrap round to 100 %.
    let total = w.iter().try_fold(0u32, |sum, &bp| sum.checked_add(bp));
    if total != Some(crate::domain::WHOLE_BP) {
        return Err("the theme percentages do not add to 100".into());
    }
    Ok(w)
}

/// The themes of a cell (`Cybersecurity 60%; Digital inclusion 40%`, or names alone for
/// equal parts), each found in the theme list; a theme the list lacks is an error (a deal's
/// or a prospect's themes do not grow the list as an agreement import does).
pub fn theme_shares(lists: &ReferenceLists, text: &str) -> Result<Vec<ThemeShare>, String> {
    let parts = parse_theme_list(text)?;
    if parts.is_empty() {
        return Err("no theme given".into());
    }
    let mut keys = Vec::new();
    for p in &parts {
        let key = match_entry(lists, ListKind::Theme, &p.name)
            .ok_or_else(|| format!("'{}' is not in the theme list", p.name))?;
        keys.push(key.to_string());
    }
    Ok(keys
        .into_iter()
        .zip(theme_weights(&parts)?)
        .map(|(theme, percent_bp)| ThemeShare { theme, percent_bp })
        .collect())
}

/// A probability written `35`, `35 %` or `35,5%`, in hundredths of a percent; refused outside
/// 0 to 100 %. A fraction (`0.35`, as a cell formatted as a percentage holds it) is read as
/// such when `fraction` says the cell is a number of at most 1.
pub fn parse_probability(text: &str, fraction: bool) -> Result<u32, String> {
    let bad = || format!("'{text}' is not a probability between 0 and 100 %");
    let n = parse_number(text.trim().trim_end_matches(['%', '％']).trim()).ok_or_else(bad)?;
    let percent = if fraction && n <= Decimal::ONE {
        n.checked_mul(Decimal::ONE_HUNDRED).ok_or_else(bad)?
    } else {
        n
    };
    // A number too large for basis points is no probability (and would overflow).
    let bp = percent
        .checked_mul(Decimal::ONE_HUNDRED)
        .ok_or_else(bad)?
        .round();
    if bp.is_sign_negative() && !bp.is_zero() {
        return Err(bad());
    }
    let bp = u32::try_from(bp.mantissa()).map_err(|_| bad())?;
    if bp > crate::domain::WHOLE_BP {
        return Err(bad());
    }
    Ok(bp)
}

/// Other ways sheets name the stages of a deal, in English, French and Chinese (normalised
/// as [`normalise`] does).
const STAGE_WORDS: [(&str, Stage); 38] = [
    ("identifie", Stage::Identified),
    ("已识别", Stage::Identified),
    ("识别", Stage::Identified),
    ("firstcontact", Stage::Contacted),
    ("contacte", Stage::Contacted),
    ("已联系", Stage::Contacted),
    ("联系", Stage::Contacted),
    ("concept", Stage::ConceptNote),
    ("conceptnotesent", Stage::ConceptNote),
    ("noteconceptuelle", Stage::ConceptNote),
    ("概念说明", Stage::ConceptNote),
    ("概念文件", Stage::ConceptNote),
    ("proposal", Stage::ProposalSubmitted),
    ("proposalsent", Stage::ProposalSubmitted),
    ("propositionsoumise", Stage::ProposalSubmitted),
    ("proposition", Stage::ProposalSubmitted),
    ("已提交提案", Stage::ProposalSubmitted),
    ("提案", Stage::ProposalSubmitted),
    ("negotiating", Stage::Negotiation),
    ("negociation", Stage::Negotiation),
    ("谈判", Stage::Negotiation),
    ("pledge", Stage::Pledged),
    ("promesse", Stage::Pledged),
    ("annonce", Stage::Pledged),
    ("已认捐", Stage::Pledged),
    ("认捐", Stage::Pledged),
    ("signe", Stage::Signed),
    ("已签署", Stage::Signed),
    ("签署", Stage::Signed),
    ("perdu", Stage::Lost),
    ("失败", Stage::Lost),
    ("refuse", Stage::Declined),
    ("decline", Stage::Declined),
    ("被拒", Stage::Declined),
    ("拒绝", Stage::Declined),
    ("enattente", Stage::OnHold),
    ("suspendu", Stage::OnHold),
    ("暂停", Stage::OnHold),
];

/// The stage `text` names: its key or English label (`concept note`), or another way of
/// saying it in English, French or Chinese (`note conceptuelle`, `谈判`).
pub fn parse_stage(text: &str) -> Result<Stage, String> {
    if let Some(s) = Stage::from_name(text) {
        return Ok(s);
    }
    let wanted = normalise(text);
    Stage::ALL
        .iter()
        .map(|s| (normalise(s.as_str()), *s))
        .chain(STAGE_WORDS.iter().map(|(w, s)| ((*w).to_string(), *s)))
        .find(|(w, _)| *w == wanted)
        .map(|(_, s)| s)
        .ok_or_else(|| {
            let known: Vec<&str> = Stage::ALL.iter().map(|s| s.as_str()).collect();
            format!("'{text}' is not a stage (one of {})", known.join(", "))
        })
}

/// Splits `Cybersecurity 60%; Digital inclusion 40%` (also `、` `/` `|` newlines) into parts.
pub fn parse_theme_list(text: &str) -> Result<Vec<ThemePart>, String> {
    let mut out = Vec::new();
    for piece in text
        .split([';', '；', '、', '|', '\n', '/'])
        .flat_map(split_at_commas)
    {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        let (name, percent) = match piece.rfind(['%', '％']) {
            Some(end) => {
                let head = &piece[..end];
                let start = head
                    .rfind(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                    .map_or(0, |i| {
                        i + head[i..].chars().next().map_or(1, char::len_utf8)
                    });
                let number = parse_number(&head[start..])
                    .ok_or_else(|| format!("'{piece}' has an unreadable percentage"))?;
                // A percentage too large for basis points overflows: unreadable.
                let bp = number
                    .checked_mul(Decimal::ONE_HUNDRED)
                    .map(|bp| bp.round())
                    .and_then(|bp| u32::try_from(bp.mantissa()).ok())
                    .ok_or_else(|| format!("'{piece}' has an unreadable percentage"))?;
                let name = head[..start]
                    .trim()
                    .trim_end_matches([':', '：', '(', '（', '-', '–'])
                    .trim();
                (name.to_string(), Some(bp))
            }
            None => (piece.to_string(), None),
        };
        if name.is_empty() {
            return Err(format!("'{piece}' names no theme"));
        }
        out.push(ThemePart {
            name,
            percent_bp: percent,
        });
    }
    Ok(out)
}

/// `piece` split at its commas when each part ends with a percentage ("Cybersecurity 50%,
/// Digital inclusion 50%"); else whole, so that a name or a decimal comma ("33,5%") keeps.
fn split_at_commas(piece: &str) -> Vec<&str> {
    let parts: Vec<&str> = piece.split([',', '，']).collect();
    let all_percent = parts.len() > 1
        && parts
            .iter()
            .all(|p| p.trim_end().ends_with(['%', '％']) && p.trim().len() > 1);
    if all_percent { parts } else { vec![piece] }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_ascii_shortcut_normalises_as_the_general_path(text in "[ -~]{0,40}") {
            proptest::prop_assert_eq!(normalise(&text), normalise_any(&text));
        }
    }

    fn amount(text: &str) -> (String, Option<String>) {
        match parse_amount(text).unwrap() {
            AmountValue::Amount(d, c) => (d.to_string(), c.map(|c| c.to_string())),
            AmountValue::NonFinancial => ("none".into(), None),
        }
    }

    #[test]
    fn amounts_as_people_type_them() {
        let usd = Some("USD".to_string());
        assert_eq!(amount("1,800,000"), ("1800000".into(), None));
        assert_eq!(amount("1 800 000"), ("1800000".into(), None));
        assert_eq!(amount("1.800.000,50"), ("1800000.5".into(), None));
        assert_eq!(amount("USD 1,800,000"), ("1800000".into(), usd.clone()));
        assert_eq!(amount("$562,500.00"), ("562500".into(), usd.clone()));
        assert_eq!(amount("CHF 250'000"), ("250000".into(), Some("CHF".into())));
        assert_eq!(amount("1.4 million"), ("1400000".into(), None));
        assert_eq!(amount("180万"), ("1800000".into(), None));
        assert_eq!(amount("约180万美元"), ("1800000".into(), usd.clone()));
        assert_eq!(amount("1.45M USD"), ("1450000".into(), usd));
        assert_eq!(amount("12,5"), ("12.5".into(), None));
        for none in [
            "n/a",
            "N/A",
            "In kind",
            "In-kind (expertise and staff time)",
            "In kind contribution",
            "-",
            "—",
            "–",
            "--",
            "",
            "none",
            "Nil",
            "实物",
            "实物捐助",
            "不适用",
            "无",
            "非现金捐助",
            "en nature",
            "Contribution en nature",
            "s.o.",
            "S.O.",
            "sans objet",
            "néant",
            "Non-financial",
            "non monetary",
        ] {
            assert_eq!(amount(none).0, "none", "{none}");
        }
        for bad in ["abc", "-5", "1,8,0x", "USD EUR 5"] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_in_many_forms() {
        let d = |s: &str| parse_date(s, DayOrder::Unknown).map(|d| d.to_string());
        for s in [
            "2021-03-12",
            "2021/03/12",
            "2021.03.12",
            "2021年3月12日",
            "12 March 2021",
            "March 12, 2021",
            "12-Mar-2021",
            "13/03/2021",
        ] {
            let expected = if s.starts_with("13") {
                "2021-03-13"
            } else {
                "2021-03-12"
            };
            assert_eq!(d(s).as_deref(), Ok(expected), "{s}");
        }
        assert!(d("03/04/2021").unwrap_err().contains("ambiguous"));
        assert_eq!(
            parse_date("03/04/2021", DayOrder::DayFirst)
                .unwrap()
                .to_string(),
            "2021-04-03"
        );
        assert_eq!(
            parse_date("03/04/2021", DayOrder::MonthFirst)
                .unwrap()
                .to_string(),
            "2021-03-04"
        );
        let day_order = |values: [&str; 2]| {
            let mut evidence = DayEvidence::default();
            for v in values {
                evidence.add(v);
            }
            evidence.order()
        };
        assert_eq!(day_order(["13/01/2021", "03/04/2021"]), DayOrder::DayFirst);
        assert_eq!(
            day_order(["01/13/2021", "03/04/2021"]),
            DayOrder::MonthFirst
        );
        assert_eq!(day_order(["13/01/2021", "01/13/2021"]), DayOrder::Mixed);
        assert!(d("31 Feb 2021").is_err());
    }

    #[test]
    fn themes_with_and_without_percentages() {
        let parts = parse_theme_list("Cybersecurity 60%; Digital inclusion (40%)").unwrap();
        assert_eq!(
            parts[0],
            ThemePart {
                name: "Cybersecurity".into(),
                percent_bp: Some(6000)
            }
        );
        assert_eq!(
            parts[1],
            ThemePart {
                name: "Digital inclusion".into(),
                percent_bp: Some(4000)
            }
        );
        let commas = parse_theme_list("Cybersecurity 50%, Digital inclusion 50%").unwrap();
        assert_eq!(
            commas,
            parse_theme_list("Cybersecurity 50%; Digital inclusion 50%").unwrap()
        );
        assert_eq!(
            parse_theme_list("Capacity development 33,5%").unwrap()[0].percent_bp,
            Some(3350)
        );
        let parts = parse_theme_list("网络安全、能力建设").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].percent_bp, None);
        assert_eq!(
            parse_theme_list("Capacity development 33.5%").unwrap()[0].percent_bp,
            Some(3350)
        );
    }

    #[test]
    fn list_entries_match_in_both_languages() {
        let lists = ReferenceLists::defaults();
        assert_eq!(
            match_entry(&lists, ListKind::Region, "multi-regional"),
            Some("multi_regional")
        );
        assert_eq!(
            match_entry(&lists, ListKind::Region, "多个区域"),
            Some("multi_regional")
        );
        assert_eq!(
            match_entry(&lists, ListKind::PartnerType, "Member State"),
            Some("government")
        );
        assert_eq!(
            match_entry(&lists, ListKind::PartnerType, "联合国组织"),
            Some("un")
        );
        assert_eq!(match_entry(&lists, ListKind::PartnerType, "Martians"), None);
        assert_eq!(parse_status("Signé").unwrap(), Status::Signed);
        assert_eq!(parse_status("已取消").unwrap(), Status::Cancelled);
    }
}
