//! Mapping a sheet's columns to agreement fields: by header synonyms in English, French and
//! Chinese, then saved profiles, then explicit `field=Header` choices.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use serde::Serialize;

use crate::domain::{Currency, ListKind, Organisation, ReferenceLists};

use super::cells::{Cell, Sheet};
use super::matching::similarity;
use super::values::{
    AmountValue, match_entry, normalise, parse_amount, parse_date, parse_status, parse_theme_list,
    says_no_money,
};

/// A field an import column can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// Agreement reference.
    Reference,
    /// Title.
    Title,
    /// Partner name (required).
    Partner,
    /// Partner type.
    PartnerType,
    /// Partner's country.
    Country,
    /// Region of implementation.
    Region,
    /// Thematic priorities.
    Theme,
    /// Signing date (required).
    SignedOn,
    /// Partner's contribution.
    Amount,
    /// Currency of the amounts.
    Currency,
    /// Own co-funding part.
    OwnContribution,
    /// Status.
    Status,
    /// Notes.
    Notes,
}

impl Field {
    /// Every field, in display order.
    pub const ALL: [Field; 13] = [
        Field::Reference,
        Field::Title,
        Field::Partner,
        Field::PartnerType,
        Field::Country,
        Field::Region,
        Field::Theme,
        Field::SignedOn,
        Field::Amount,
        Field::Currency,
        Field::OwnContribution,
        Field::Status,
        Field::Notes,
    ];

    /// The field's name on the command line and in profiles.
    pub fn name(&self) -> &'static str {
        match self {
            Field::Reference => "reference",
            Field::Title => "title",
            Field::Partner => "partner",
            Field::PartnerType => "partner_type",
            Field::Country => "country",
            Field::Region => "region",
            Field::Theme => "theme",
            Field::SignedOn => "signed_on",
            Field::Amount => "amount",
            Field::Currency => "currency",
            Field::OwnContribution => "own_contribution",
            Field::Status => "status",
            Field::Notes => "notes",
        }
    }

    /// The headers that name this field ([`HEADERS`]).
    fn synonyms(&self) -> &'static [String] {
        let index = Field::ALL.iter().position(|f| f == self).unwrap_or(0);
        synonym_lists().get(index).map_or(&[], Vec::as_slice)
    }
}

/// The header synonyms of every field, one line a field: `field: synonym | synonym | ...`.
const HEADERS: &str = include_str!("../../assets/import/headers.txt");

/// [`HEADERS`] read once: the synonyms of each field, in [`Field::ALL`]'s order.
fn synonym_lists() -> &'static [Vec<String>] {
    static LISTS: OnceLock<Vec<Vec<String>>> = OnceLock::new();
    LISTS.get_or_init(|| {
        let mut lists = vec![Vec::new(); Field::ALL.len()];
        for line in HEADERS.lines().filter(|l| !l.starts_with('#')) {
            let Some((field, synonyms)) = line.split_once(':') else {
                continue;
            };
            let Some(i) = Field::ALL.iter().position(|f| f.name() == field.trim()) else {
                continue;
            };
            if let Some(list) = lists.get_mut(i) {
                list.extend(synonyms.split('|').map(|s| s.trim().to_string()));
            }
        }
        lists
    })
}

impl FromStr for Field {
    type Err = String;
    fn from_str(s: &str) -> Result<Field, String> {
        let wanted = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Field::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| {
                format!(
                    "'{s}' is not a field; fields are {}",
                    Field::ALL.map(|f| f.name()).join(", ")
                )
            })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A header split into its normalised key and the currency it names, if any:
/// `Amount (USD)` -> (`amount`, USD); `金额（美元）` -> (`金额`, USD).
pub fn header_key(header: &str) -> (String, Option<Currency>) {
    let mut text = header.trim().to_string();
    let mut currency = None;
    for (open, close) in [('(', ')'), ('（', '）'), ('[', ']')] {
        if let (Some(a), Some(b)) = (text.find(open), text.rfind(close))
            && a < b
        {
            let inner = &text[a + open.len_utf8()..b];
            if let Ok(super::values::AmountValue::Amount(_, Some(c))) =
                super::values::parse_amount(&format!("1 {inner}"))
            {
                currency = Some(c);
                text = format!("{}{}", &text[..a], &text[b + close.len_utf8()..]);
            } else if let Ok(c) = inner.trim().parse::<Currency>() {
                currency = Some(c);
                text = format!("{}{}", &text[..a], &text[b + close.len_utf8()..]);
            }
        }
    }
    (normalise(&text), currency)
}

/// The field a header names, for a sheet of the default organisation (ITU).
pub fn field_for_header(header: &str) -> Option<Field> {
    default_reader().field(header)
}

/// Each field's synonyms, normalised once, to the field (the first field in
/// [`Field::ALL`] that lists a synonym takes it).
fn synonym_fields() -> &'static HashMap<String, Field> {
    static FIELDS: OnceLock<HashMap<String, Field>> = OnceLock::new();
    FIELDS.get_or_init(|| synonyms_by(normalise))
}

/// Each field's synonyms in their word form ([`words_key`]: abbreviations spelt out,
/// little words and plural endings dropped), to the field.
fn synonym_words() -> &'static HashMap<String, Field> {
    static FIELDS: OnceLock<HashMap<String, Field>> = OnceLock::new();
    FIELDS.get_or_init(|| synonyms_by(|s| words_key(&header_words(s))))
}

/// Every field's synonyms by `key_of` them, to the field; the first field takes a key.
fn synonyms_by(key_of: impl Fn(&str) -> String) -> HashMap<String, Field> {
    let mut fields = HashMap::new();
    for f in Field::ALL {
        for s in f.synonyms() {
            let key = key_of(s);
            if !key.is_empty() {
                fields.entry(key).or_insert(f);
            }
        }
    }
    fields
}

/// The word standing for the organisation itself in [`header_words`].
const OWN: &str = "own";

/// Abbreviations of header words, spelt out. Keys are lowercase without accents.
const ABBREVIATIONS: &[(&str, &str)] = &[
    ("ref", "reference"),
    ("refs", "reference"),
    ("no", "number"),
    ("nos", "number"),
    ("nr", "number"),
    ("nro", "number"),
    ("num", "number"),
    ("nbr", "number"),
    ("numero", "number"),
    ("agr", "agreement"),
    ("agmt", "agreement"),
    ("agrmt", "agreement"),
    ("amt", "amount"),
    ("contrib", "contribution"),
    ("ccy", "currency"),
    ("cur", "currency"),
    ("curr", "currency"),
    ("org", "organisation"),
    ("orga", "organisation"),
    ("organization", "organisation"),
    ("dt", "date"),
    ("sig", "signature"),
    ("desc", "description"),
    ("descr", "description"),
    ("proj", "project"),
    ("prj", "project"),
    ("rmk", "remarks"),
    ("rmks", "remarks"),
    ("cofinancing", "cofunding"),
    ("cofinancement", "cofunding"),
    ("cofinancing", "cofunding"),
];

/// Words that say nothing of a column's field: "N° *de l'*accord", "Date *of* signature".
const LITTLE_WORDS: &[&str] = &[
    "of", "the", "a", "an", "in", "for", "by", "s", "de", "d", "l", "la", "le", "les", "du", "des",
    "en", "et", "and", "par",
];

/// Words that make a header the partner's: "Co-funding partner" is not our part.
const PARTNER_WORDS: &[&str] = &[
    "partner",
    "donor",
    "funder",
    "contributor",
    "partenaire",
    "bailleur",
    "donateur",
    "伙伴",
    "捐助方",
    "出资方",
    "合作方",
    "捐款方",
];

/// Words that name a part of money: with the organisation's name they make the own part.
const PART_WORDS: &[&str] = &[
    "part",
    "share",
    "contribution",
    "cofunding",
    "quote",
    "quotepart",
    "funding",
    "amount",
];

/// Words that may stand beside a number word in a reference header: "Agreement No.",
/// "N° d'accord", "Contract #".
const REFERENCE_WORDS: &[&str] = &[
    "agreement",
    "accord",
    "contract",
    "contrat",
    "project",
    "projet",
    "file",
    "dossier",
    "internal",
    "interne",
    "reference",
    "number",
    "id",
    "code",
    "our",
    OWN,
];

/// Chinese reference headers: a prefix of these followed by 编号 or 号 ("参考号", "协议编号").
const REFERENCE_PREFIXES_ZH: &[&str] = &[
    "",
    "协议",
    "合同",
    "参考",
    "项目",
    "文件",
    "合作协议",
    "本组织",
];

/// A header as words: lowercase, accents and punctuation dropped, `#`, `№` and `N°` read as
/// "number", abbreviations spelt out ([`ABBREVIATIONS`]), "co-funding" joined, and the
/// organisation's names (`own`) replaced by the word [`OWN`] (in Chinese, by 本组织).
fn header_words_of(header: &str, own: &[Vec<String>]) -> Vec<String> {
    use unicode_normalization::UnicodeNormalization;
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    for c in header.nfkd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
            continue;
        }
        let number_sign = matches!(c, '#' | '№') || (matches!(c, '°' | 'º') && word == "n");
        if number_sign && word == "n" {
            word.clear();
        }
        if !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if number_sign {
            words.push("number".into());
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    // "co-funding", "co funding" -> "cofunding".
    let mut joined: Vec<String> = Vec::with_capacity(words.len());
    for w in words {
        match joined.last_mut() {
            Some(last)
                if last == "co"
                    && ["funding", "financing", "financement"].contains(&w.as_str()) =>
            {
                *last = "cofunding".into();
            }
            _ => joined.push(w),
        }
    }
    let mut words: Vec<String> = joined
        .into_iter()
        .map(|w| {
            ABBREVIATIONS
                .iter()
                .find(|(short, _)| *short == w)
                .map_or(w, |(_, long)| (*long).to_string())
        })
        .collect();
    for name in own {
        replace_own(&mut words, name);
    }
    words
}

/// Replaces each run of `name`'s words in `words` by [`OWN`]; a Chinese name inside a word
/// ("国际电联出资") by 本组织.
fn replace_own(words: &mut Vec<String>, name: &[String]) {
    if name.is_empty() {
        return;
    }
    let mut i = 0;
    while i + name.len() <= words.len() {
        if words[i..i + name.len()] == *name {
            words.splice(i..i + name.len(), [OWN.to_string()]);
        }
        i += 1;
    }
    if let [single] = name
        && !single.is_ascii()
    {
        for w in words.iter_mut() {
            if w.contains(single.as_str()) && w != single {
                *w = w.replace(single.as_str(), "本组织");
            }
        }
    }
}

/// [`header_words_of`] without organisation names.
fn header_words(header: &str) -> Vec<String> {
    header_words_of(header, &[])
}

/// The words of a header as one key: little words dropped, a plural `s` taken off.
fn words_key(words: &[String]) -> String {
    words
        .iter()
        .filter(|w| !LITTLE_WORDS.contains(&w.as_str()))
        .map(|w| match w.strip_suffix('s') {
            Some(stem) if w.is_ascii() && stem.len() >= 3 => stem,
            _ => w.as_str(),
        })
        .collect()
}

/// Reads headers for one organisation: by the synonyms, then with abbreviations spelt out,
/// then by the classes of header people write for a reference ("Agreement Ref.", "N°",
/// "#", "参考号") and for the organisation's own part ("ITU co-funding", "BDT share",
/// "our contribution", "本组织出资", "part de l'organisation").
#[derive(Clone, Debug)]
pub struct HeaderReader {
    own: Vec<Vec<String>>,
}

impl Default for HeaderReader {
    fn default() -> HeaderReader {
        HeaderReader::new(&Organisation::default())
    }
}

impl HeaderReader {
    /// A reader for sheets of `org`.
    pub fn new(org: &Organisation) -> HeaderReader {
        let mut own: Vec<Vec<String>> = org
            .spellings()
            .map(header_words)
            .filter(|w| !w.is_empty())
            .collect();
        // Longest names first, so that a full name is replaced before a word of it.
        own.sort_by_key(|w| std::cmp::Reverse(w.len()));
        HeaderReader { own }
    }

    /// The field `header` names, if any.
    pub fn field(&self, header: &str) -> Option<Field> {
        let (key, _) = header_key(header);
        if let Some(f) = synonym_fields().get(&key) {
            return Some(*f);
        }
        let text = strip_currency(header);
        let words = header_words_of(&text, &self.own);
        if let Some(f) = synonym_words().get(&words_key(&words)) {
            return Some(*f);
        }
        let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
        let meaningful: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !LITTLE_WORDS.contains(w))
            .collect();
        let number_word = meaningful
            .iter()
            .any(|w| ["number", "reference", "id"].contains(w));
        if number_word && meaningful.iter().all(|w| REFERENCE_WORDS.contains(w)) {
            return Some(Field::Reference);
        }
        if let [single] = meaningful.as_slice()
            && !single.is_ascii()
        {
            let prefix = single
                .strip_suffix("编号")
                .or_else(|| single.strip_suffix('号'));
            if prefix.is_some_and(|p| REFERENCE_PREFIXES_ZH.contains(&p)) {
                return Some(Field::Reference);
            }
        }
        let partner_words = has(PARTNER_WORDS)
            || words
                .iter()
                .any(|w| PARTNER_WORDS.iter().any(|p| !p.is_ascii() && w.contains(p)));
        if partner_words {
            return None;
        }
        let contains_any = |set: &[&str]| words.iter().any(|w| set.iter().any(|s| w.contains(s)));
        let ours =
            has(&[OWN, "our", "notre", "nos", "organisation"]) || contains_any(&["本组织", "我方"]);
        let part = has(PART_WORDS) || contains_any(&["出资", "部分", "份额", "资金", "捐款"]);
        let matching = has(&["matching", "cofunding", "contrepartie"]) || contains_any(&["配套"]);
        if (ours && part) || matching {
            return Some(Field::OwnContribution);
        }
        None
    }

    /// How many header cells of a row name a field.
    fn score(&self, row: &[Cell]) -> usize {
        row.iter()
            .filter(|c| matches!(c, Cell::Text(t) if self.field(t).is_some()))
            .count()
    }
}

/// `header` without the currency it names in brackets: `ITU co-funding (USD)` -> `ITU co-funding`.
fn strip_currency(header: &str) -> String {
    let mut text = header.trim().to_string();
    if header_key(header).1.is_some() {
        for (open, close) in [('(', ')'), ('（', '）'), ('[', ']')] {
            if let (Some(a), Some(b)) = (text.find(open), text.rfind(close))
                && a < b
            {
                text = format!("{}{}", &text[..a], &text[b + close.len_utf8()..]);
            }
        }
    }
    text
}

/// How a sheet's columns map to fields.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    /// Index of the header row (0-based).
    pub header_row: usize,
    /// The header text of each column.
    pub headers: Vec<String>,
    /// The field of each column, if mapped.
    pub fields: Vec<Option<Field>>,
    /// The currency each column's header names, if any.
    pub header_currency: Vec<Option<Currency>>,
    /// Columns mapped by hand (`--map`, the wizard's choice), which a commit remembers for
    /// their header ([`crate::ledger::LEARNED_PROFILE`]).
    pub by_hand: Vec<usize>,
    /// The columns no field took, with their first values and a best guess.
    pub guesses: Vec<ColumnGuess>,
}

/// A column the mapper could not place: its first values and what it may hold.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ColumnGuess {
    /// The header as written.
    pub header: String,
    /// The column's letter.
    pub column: String,
    /// Its first values (each cut to 40 characters).
    pub examples: Vec<String>,
    /// The field it most likely holds, if any field fits.
    pub field: Option<Field>,
    /// Why that field: "its values are dates", "its header is like 'reference'".
    pub reason: String,
}

impl Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Mapping {
    /// The column that fills `field`.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// Maps the columns of `headers` automatically, for the default organisation.
    pub fn automatic(header_row: usize, headers: &[String]) -> Mapping {
        Mapping::automatic_for(header_row, headers, default_reader())
    }

    /// Maps the columns of `headers` automatically, reading them with `reader`.
    pub fn automatic_for(header_row: usize, headers: &[String], reader: &HeaderReader) -> Mapping {
        let mut fields: Vec<Option<Field>> = Vec::with_capacity(headers.len());
        for h in headers {
            let f = reader.field(h).filter(|f| !fields.contains(&Some(*f)));
            fields.push(f);
        }
        Mapping {
            header_row,
            headers: headers.to_vec(),
            header_currency: headers.iter().map(|h| header_key(h).1).collect(),
            fields,
            by_hand: vec![],
            guesses: vec![],
        }
    }

    /// Fills [`Mapping::guesses`] for the columns left unmapped, from the first rows of
    /// `sheet` below the header.
    pub fn guess_unmapped(&mut self, sheet: &Sheet, lists: &ReferenceLists) {
        self.guesses = (0..self.headers.len())
            .filter(|&c| self.fields[c].is_none() && !self.headers[c].trim().is_empty())
            .map(|c| self.guess(c, sheet, lists))
            .collect();
    }

    fn guess(&self, column: usize, sheet: &Sheet, lists: &ReferenceLists) -> ColumnGuess {
        let values: Vec<&Cell> = sheet
            .rows
            .iter()
            .skip(self.header_row + 1)
            .filter_map(|r| r.get(column))
            .filter(|c| !c.is_blank())
            .take(50)
            .collect();
        let examples = values
            .iter()
            .take(3)
            .map(|c| excerpt(&c.text(), 40))
            .collect();
        let free = |f: Field| self.column(f).is_none();
        let all =
            |test: &dyn Fn(&Cell) -> bool| !values.is_empty() && values.iter().all(|c| test(c));
        let text_all = |test: &dyn Fn(&str) -> bool| all(&|c: &Cell| test(&c.text()));
        let by_values: Option<(Field, &str)> = if all(&|c| {
            matches!(c, Cell::Date(_))
                || parse_date(&c.text(), super::values::DayOrder::DayFirst).is_ok()
        }) {
            Some((Field::SignedOn, "its values are dates"))
        } else if text_all(&|t| t.trim().parse::<Currency>().is_ok()) {
            Some((Field::Currency, "its values are currency codes"))
        } else if all(&|c| {
            matches!(c, Cell::Number(_))
                || matches!(parse_amount(&c.text()), Ok(AmountValue::Amount(..)))
                || says_no_money(&c.text())
        }) {
            [Field::Amount, Field::OwnContribution]
                .into_iter()
                .find(|f| free(*f))
                .map(|f| (f, "its values are amounts"))
        } else if text_all(&|t| match_entry(lists, ListKind::Region, t).is_some()) {
            Some((Field::Region, "its values are regions"))
        } else if text_all(&|t| match_entry(lists, ListKind::PartnerType, t).is_some()) {
            Some((Field::PartnerType, "its values are partner types"))
        } else if text_all(&|t| {
            parse_theme_list(t).is_ok_and(|parts| {
                !parts.is_empty()
                    && parts
                        .iter()
                        .all(|p| match_entry(lists, ListKind::Theme, &p.name).is_some())
            })
        }) {
            Some((Field::Theme, "its values are thematic priorities"))
        } else if text_all(&|t| parse_status(t).is_ok()) {
            Some((Field::Status, "its values are statuses"))
        } else {
            None
        };
        let (field, reason) = match by_values.filter(|(f, _)| free(*f)) {
            Some((f, why)) => (Some(f), why.to_string()),
            None => match self.like_header(column, &free) {
                Some((f, synonym)) => (Some(f), format!("its header is like '{synonym}'")),
                None => (None, "no field fits its header or its values".into()),
            },
        };
        ColumnGuess {
            header: self.headers[column].clone(),
            column: column_letter(column),
            examples,
            field,
            reason,
        }
    }

    /// The free field with the synonym most like column `column`'s header (by character
    /// trigrams, at least 0.4 alike), and that synonym.
    fn like_header(
        &self,
        column: usize,
        free: &dyn Fn(Field) -> bool,
    ) -> Option<(Field, &'static str)> {
        let key = header_key(&self.headers[column]).0;
        let mut best: Option<(Field, &'static str, f32)> = None;
        for f in Field::ALL.into_iter().filter(|f| free(*f)) {
            for synonym in f.synonyms() {
                let score = similarity(&key, &normalise(synonym));
                if score >= 0.4 && best.is_none_or(|(_, _, b)| score > b) {
                    best = Some((f, synonym.as_str(), score));
                }
            }
        }
        best.map(|(f, s, _)| (f, s))
    }

    /// Applies a saved profile (normalised header -> field) over the automatic choices.
    pub fn apply_profile(&mut self, profile: &[(String, String)]) {
        for (key, field) in profile {
            let Ok(field) = field.parse::<Field>() else {
                continue;
            };
            if let Some(i) = self.headers.iter().position(|h| header_key(h).0 == *key) {
                self.set(i, field);
            }
        }
    }

    /// The hand-made choices a commit remembers: normalised header -> field name.
    pub fn learned(&self) -> Vec<(String, String)> {
        self.by_hand
            .iter()
            .filter_map(|&c| {
                let field = self.fields.get(c).copied().flatten()?;
                let key = header_key(self.headers.get(c)?).0;
                (!key.is_empty()).then(|| (key, field.name().to_string()))
            })
            .collect()
    }

    /// Maps the column headed `header` to `field`; errors when no column has that header.
    pub fn map_explicit(&mut self, field: Field, header: &str) -> Result<(), String> {
        let wanted = header_key(header).0;
        let i = self
            .headers
            .iter()
            .position(|h| h.trim() == header.trim() || header_key(h).0 == wanted)
            .ok_or_else(|| {
                format!(
                    "no column is headed '{header}' (headers: {})",
                    self.headers.join(", ")
                )
            })?;
        self.set(i, field);
        if !self.by_hand.contains(&i) {
            self.by_hand.push(i);
        }
        Ok(())
    }

    fn set(&mut self, column: usize, field: Field) {
        for f in &mut self.fields {
            if *f == Some(field) {
                *f = None;
            }
        }
        if let Some(slot) = self.fields.get_mut(column) {
            *slot = Some(field);
        }
    }

    /// The profile that reproduces this mapping: normalised header -> field name.
    pub fn profile(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .zip(&self.fields)
            .filter_map(|(h, f)| f.map(|f| (header_key(h).0, f.name().to_string())))
            .collect()
    }
}

/// The header reader of the default organisation, made once.
fn default_reader() -> &'static HeaderReader {
    static READER: OnceLock<HeaderReader> = OnceLock::new();
    READER.get_or_init(HeaderReader::default)
}

/// How many header cells of a row name a field.
fn header_score(row: &[Cell]) -> usize {
    default_reader().score(row)
}

/// At most `chars` characters of `text`, with "…" when cut: for messages.
pub fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().nth(chars).is_some() {
        out.push('…');
    }
    out
}

/// Finds the header row among the first rows: the one naming the most fields (at least two).
pub fn find_header_row(sheet: &Sheet) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in sheet.rows.iter().take(30).enumerate() {
        let score = header_score(row);
        if score >= 2 && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

/// How well a sheet's best header matches, to pick a workbook's sheet.
pub fn sheet_score(sheet: &Sheet) -> usize {
    find_header_row(sheet)
        .and_then(|i| sheet.rows.get(i))
        .map_or(0, |r| header_score(r))
}

/// The spreadsheet letter of a 0-based column: 0 -> A, 27 -> AB.
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + u8::try_from(rem).unwrap_or(0)));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_three_languages() {
        assert_eq!(field_for_header("Funding partner"), Some(Field::Partner));
        assert_eq!(field_for_header("Partenaire"), Some(Field::Partner));
        assert_eq!(field_for_header("供资伙伴"), Some(Field::Partner));
        assert_eq!(field_for_header("Amount (USD)"), Some(Field::Amount));
        assert_eq!(field_for_header("财务捐款（美元）"), Some(Field::Amount));
        assert_eq!(field_for_header("Date of signature"), Some(Field::SignedOn));
        assert_eq!(field_for_header("Partner type"), Some(Field::PartnerType));
        assert_eq!(field_for_header("Colour"), None);
        assert_eq!(header_key("财务捐款（美元）").1, Some(Currency::USD));
        assert_eq!(header_key("Amount (CHF)").1, Some(Currency::CHF));
    }

    #[test]
    fn every_field_has_its_synonyms_and_every_line_names_a_field() {
        for f in Field::ALL {
            assert!(f.synonyms().contains(&f.name().replace('_', " ")), "{f}");
        }
        for line in HEADERS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let field = line.split_once(':').map(|(f, _)| f.trim());
            assert!(field.is_some_and(|f| f.parse::<Field>().is_ok()), "{line}");
        }
    }

    #[test]
    fn abbreviated_reference_headers() {
        for h in [
            "Ref.",
            "Ref. No.",
            "No.",
            "N°",
            "Nº",
            "#",
            "Agreement Ref.",
            "Agr. #",
            "Contract No",
            "N° d'accord",
            "Réf.",
            "编号",
            "参考号",
            "协议号",
            "Project ID",
        ] {
            assert_eq!(field_for_header(h), Some(Field::Reference), "{h}");
        }
        for h in ["No. of beneficiaries", "Partner No.", "Phone number"] {
            assert_ne!(field_for_header(h), Some(Field::Reference), "{h}");
        }
    }

    #[test]
    fn headers_naming_the_organisation_are_its_own_part() {
        for h in [
            "ITU co-funding (USD)",
            "ITU share",
            "BDT contribution",
            "Our contribution",
            "Matching funds",
            "Co-funding",
            "本组织出资",
            "国际电联出资（美元）",
            "Part de l'organisation",
            "Part de l'UIT",
            "Contribution de l'UIT",
            "International Telecommunication Union contribution",
        ] {
            assert_eq!(field_for_header(h), Some(Field::OwnContribution), "{h}");
        }
        for h in [
            "Co-funding partner",
            "ITU focal point",
            "Partner contribution",
        ] {
            assert_ne!(field_for_header(h), Some(Field::OwnContribution), "{h}");
        }
        // Another organisation's names come from its settings.
        let unicef = HeaderReader::new(&Organisation {
            name: "United Nations Children's Fund".into(),
            short_name: "UNICEF".into(),
        });
        assert_eq!(unicef.field("UNICEF share"), Some(Field::OwnContribution));
        assert_eq!(unicef.field("UNICEF focal point"), None);
    }

    #[test]
    fn abbreviations_and_plurals_are_read_as_words() {
        assert_eq!(field_for_header("Amt (USD)"), Some(Field::Amount));
        assert_eq!(field_for_header("Sig. date"), Some(Field::SignedOn));
        assert_eq!(
            field_for_header("Priorités thématiques"),
            Some(Field::Theme)
        );
        assert_eq!(field_for_header("Intitulé du projet"), Some(Field::Title));
        assert_eq!(
            field_for_header("Partner's contribution"),
            Some(Field::Amount)
        );
        assert_eq!(field_for_header("Ccy"), Some(Field::Currency));
    }

    #[test]
    fn an_unplaced_column_gets_its_values_and_a_guess() {
        let t = |s: &str| Cell::Text(s.into());
        let sheet = Sheet {
            name: "s".into(),
            rows: vec![
                vec![
                    t("Partner"),
                    t("Signed"),
                    t("Contribution"),
                    t("Kontribution"),
                    t("Colour"),
                    t("Währung"),
                ],
                vec![
                    t("Norad"),
                    t("2021-02-01"),
                    t("100"),
                    t("20"),
                    t("red"),
                    t("USD"),
                ],
                vec![
                    t("MIIT"),
                    t("2021-02-02"),
                    t("200"),
                    t("in kind"),
                    t("blue"),
                    t("EUR"),
                ],
            ],
        };
        let headers: Vec<String> = sheet.rows[0]
            .iter()
            .map(|c| c.text().into_owned())
            .collect();
        let mut m = Mapping::automatic(0, &headers);
        m.guess_unmapped(&sheet, &ReferenceLists::defaults());
        let by_header = |h: &str| m.guesses.iter().find(|g| g.header == h).unwrap();
        let own = by_header("Kontribution");
        assert_eq!(own.field, Some(Field::OwnContribution));
        assert_eq!(own.examples, ["20", "in kind"]);
        assert_eq!(own.column, "D");
        assert_eq!(by_header("Colour").field, None);
        assert_eq!(by_header("Währung").field, Some(Field::Currency));
        m.map_explicit(Field::OwnContribution, "Kontribution")
            .unwrap();
        assert_eq!(
            m.learned(),
            [("kontribution".to_string(), "own_contribution".to_string())]
        );
    }

    #[test]
    fn the_header_row_is_found_below_a_title() {
        let t = |s: &str| Cell::Text(s.into());
        let sheet = Sheet {
            name: "s".into(),
            rows: vec![
                vec![t("Agreements signed in 2021Q1")],
                vec![],
                vec![t("No."), t("合作伙伴"), t("签署日期"), t("金额（美元）")],
                vec![t("1"), t("MIIT"), t("2021-02-01"), t("180万")],
            ],
        };
        assert_eq!(find_header_row(&sheet), Some(2));
        let headers: Vec<String> = sheet.rows[2]
            .iter()
            .map(|c| c.text().into_owned())
            .collect();
        let mut m = Mapping::automatic(2, &headers);
        assert_eq!(m.column(Field::Partner), Some(1));
        assert_eq!(m.column(Field::Amount), Some(3));
        assert_eq!(m.header_currency[3], Some(Currency::USD));
        m.map_explicit(Field::Notes, "No.").unwrap();
        assert_eq!(m.column(Field::Reference), None);
        assert!(m.map_explicit(Field::Notes, "Nope").is_err());
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(27), "AB");
    }
}
