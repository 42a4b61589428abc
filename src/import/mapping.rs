//! Mapping a sheet's columns to the fields of a kind of row ([`FieldKind`]): by the header
//! synonyms of that kind in English, French and Chinese, then by the header's words, then by
//! the saved profiles, then by explicit `field=Header` choices.

use std::collections::HashMap;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::OnceLock;

use serde::Serialize;

use crate::domain::{Currency, Organisation, ReferenceLists};

use super::cells::{Cell, Sheet};
use super::matching::similarity;
use super::values::normalise;

/// The fields of one kind of row (agreements, partners, rates…), as the mapper sees them:
/// their names, the headers that name them, and which a sheet must have.
pub trait FieldKind: Copy + Eq + Hash + Debug + Send + Sync + 'static {
    /// The kind's name: `--kind` and the sections of the header synonyms file call it so.
    const KIND: &'static str;
    /// Every field, in display order.
    const ALL: &'static [Self];
    /// The fields a sheet needs a column for.
    const REQUIRED: &'static [Self];
    /// The field's name on the command line and in profiles.
    fn name(self) -> &'static str;
    /// The kind's synonym tables, read once ([`field_kind!`] makes it).
    fn tables() -> &'static Tables<Self>;
    /// The field that a header's words name by their class, when no synonym does
    /// (`words`: [`HeaderReader`]'s words, the organisation's names read as [`OWN`]).
    fn by_words(_words: &[String]) -> Option<Self> {
        None
    }
    /// The free field that a column's first values suggest, and why ("its values are
    /// dates").
    fn by_values(
        _values: &[&Cell],
        _lists: &ReferenceLists,
        _free: &dyn Fn(Self) -> bool,
    ) -> Option<(Self, &'static str)> {
        None
    }
}

/// Declares the fields of a kind of row: the enum, each field's name on the command line and
/// in profiles, the fields a sheet must have, and their [`FieldKind`] (reading the synonyms
/// of section `kind` of the header file), with any more items of that impl (`by_words`,
/// `by_values`).
macro_rules! field_kind {
    (
        $(#[$meta:meta])*
        pub enum $name:ident in $kind:literal, required [$($required:ident),*] {
            $($(#[$doc:meta])* $field:ident => $text:literal,)+
        }
        $($more:tt)*
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$doc])* $field,)+
        }

        impl $crate::import::mapping::FieldKind for $name {
            const KIND: &'static str = $kind;
            const ALL: &'static [$name] = &[$($name::$field),+];
            const REQUIRED: &'static [$name] = &[$($name::$required),*];

            fn name(self) -> &'static str {
                match self {
                    $($name::$field => $text),+
                }
            }

            fn tables() -> &'static $crate::import::mapping::Tables<$name> {
                static TABLES: std::sync::OnceLock<$crate::import::mapping::Tables<$name>> =
                    std::sync::OnceLock::new();
                TABLES.get_or_init($crate::import::mapping::Tables::read)
            }

            $($more)*
        }
    };
}
pub(super) use field_kind;

/// The field of kind `F` named `text` (`signed-on`, `Signed on` and `signed_on` alike).
pub fn field_named<F: FieldKind>(text: &str) -> Result<F, String> {
    let wanted = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
    F::ALL
        .iter()
        .copied()
        .find(|f| f.name() == wanted)
        .ok_or_else(|| format!("'{text}' is not a field; fields are {}", field_names::<F>()))
}

/// The names of the fields of kind `F`, for messages.
pub fn field_names<F: FieldKind>() -> String {
    F::ALL
        .iter()
        .map(|f| f.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The header synonyms of every kind: a `[kind]` line, then one field a line,
/// `field: synonym | synonym | ...`.
const HEADERS: &str = include_str!("../../assets/import/headers.txt");

/// One kind's header synonyms, read from its section of [`HEADERS`].
pub struct Tables<F> {
    /// The synonyms of each field, in [`FieldKind::ALL`]'s order.
    synonyms: Vec<Vec<String>>,
    /// Each synonym normalised, to its field (the first field listing it takes it).
    by_key: HashMap<String, F>,
    /// Each synonym in its word form ([`words_key`]: abbreviations spelt out, little words
    /// and plural endings dropped), to its field.
    by_words: HashMap<String, F>,
}

impl<F: FieldKind> Tables<F> {
    /// Reads the section of kind `F` of the synonyms file.
    pub fn read() -> Tables<F> {
        let mut synonyms = vec![Vec::new(); F::ALL.len()];
        let mut section = "";
        for line in HEADERS.lines().filter(|l| !l.starts_with('#')) {
            let line = line.trim();
            if let Some(kind) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = kind;
                continue;
            }
            let Some((field, words)) = line.split_once(':').filter(|_| section == F::KIND) else {
                continue;
            };
            if let Some(i) = F::ALL.iter().position(|f| f.name() == field.trim())
                && let Some(list) = synonyms.get_mut(i)
            {
                list.extend(words.split('|').map(|s| s.trim().to_string()));
            }
        }
        let by = |key_of: &dyn Fn(&str) -> String| {
            let mut fields = HashMap::new();
            for (f, list) in F::ALL.iter().zip(&synonyms) {
                for s in list {
                    let key = key_of(s);
                    if !key.is_empty() {
                        fields.entry(key).or_insert(*f);
                    }
                }
            }
            fields
        };
        Tables {
            by_key: by(&normalise),
            by_words: by(&|s| words_key(&header_words(s))),
            synonyms,
        }
    }

    /// The headers that name field `f`.
    pub fn synonyms(&self, f: F) -> &[String] {
        let i = F::ALL.iter().position(|x| *x == f).unwrap_or(usize::MAX);
        self.synonyms.get(i).map_or(&[], Vec::as_slice)
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

/// The word standing for the organisation itself in a header's words ([`HeaderReader`]).
pub const OWN: &str = "own";

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
pub(super) const LITTLE_WORDS: &[&str] = &[
    "of", "the", "a", "an", "in", "for", "by", "s", "de", "d", "l", "la", "le", "les", "du", "des",
    "en", "et", "and", "par",
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
pub(super) fn header_words(header: &str) -> Vec<String> {
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

/// Reads headers for one organisation: by the kind's synonyms, then with abbreviations spelt
/// out, then by the classes of header the kind knows ([`FieldKind::by_words`]), with the
/// organisation's names read as [`OWN`] ("ITU co-funding" is the own part of an agreement).
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

    /// The field of kind `F` that `header` names, if any.
    pub fn field<F: FieldKind>(&self, header: &str) -> Option<F> {
        let tables = F::tables();
        if let Some(f) = tables.by_key.get(&header_key(header).0) {
            return Some(*f);
        }
        let words = header_words_of(&strip_currency(header), &self.own);
        if let Some(f) = tables.by_words.get(&words_key(&words)) {
            return Some(*f);
        }
        F::by_words(&words)
    }

    /// How many header cells of a row name a field of kind `F`.
    fn score<F: FieldKind>(&self, row: &[Cell]) -> usize {
        row.iter()
            .filter(|c| matches!(c, Cell::Text(t) if self.field::<F>(t).is_some()))
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

/// How a sheet's columns map to the fields of kind `F`.
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping<F = super::Field> {
    /// Index of the header row (0-based).
    pub header_row: usize,
    /// The header text of each column.
    pub headers: Vec<String>,
    /// The field of each column, if mapped.
    pub fields: Vec<Option<F>>,
    /// The currency each column's header names, if any.
    pub header_currency: Vec<Option<Currency>>,
    /// Columns mapped by hand (`--map`, the wizard's choice), which a commit remembers for
    /// their header ([`learned_profile`]).
    pub by_hand: Vec<usize>,
    /// The columns no field took, with their first values and a best guess.
    pub guesses: Vec<ColumnGuess>,
}

/// The mapping profile that keeps the columns of kind `kind` mapped by hand.
pub fn learned_profile(kind: &str) -> String {
    match kind {
        "agreements" => crate::ledger::LEARNED_PROFILE.to_string(),
        other => format!("{} {other}", crate::ledger::LEARNED_PROFILE),
    }
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
    /// The name of the field it most likely holds, if any field fits.
    pub field: Option<&'static str>,
    /// Why that field: "its values are dates", "its header is like 'reference'".
    pub reason: String,
}

impl<F: FieldKind> Mapping<F> {
    /// The column that fills `field`.
    pub fn column(&self, field: F) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// Maps the columns of `headers` automatically, for the default organisation.
    pub fn automatic(header_row: usize, headers: &[String]) -> Mapping<F> {
        Mapping::automatic_for(header_row, headers, default_reader())
    }

    /// Maps the columns of `headers` automatically, reading them with `reader`.
    pub fn automatic_for(
        header_row: usize,
        headers: &[String],
        reader: &HeaderReader,
    ) -> Mapping<F> {
        let mut fields: Vec<Option<F>> = Vec::with_capacity(headers.len());
        for h in headers {
            let f = reader.field::<F>(h).filter(|f| !fields.contains(&Some(*f)));
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

    /// The mapped columns: header -> field name.
    pub fn mapped(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .zip(&self.fields)
            .filter_map(|(h, f)| f.map(|f| (h.clone(), f.name().into())))
            .collect()
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
        let free = |f: F| self.column(f).is_none();
        let by_values = (!values.is_empty())
            .then(|| F::by_values(&values, lists, &free))
            .flatten();
        let (field, reason) = match by_values.filter(|(f, _)| free(*f)) {
            Some((f, why)) => (Some(f.name()), why.to_string()),
            None => match self.like_header(column, &free) {
                Some((f, synonym)) => (Some(f.name()), format!("its header is like '{synonym}'")),
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
    fn like_header(&self, column: usize, free: &dyn Fn(F) -> bool) -> Option<(F, &'static str)> {
        let key = header_key(&self.headers[column]).0;
        let mut best: Option<(F, &'static str, f32)> = None;
        for f in F::ALL.iter().copied().filter(|f| free(*f)) {
            for synonym in F::tables().synonyms(f) {
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
            let Ok(field) = field_named::<F>(field) else {
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
    pub fn map_explicit(&mut self, field: F, header: &str) -> Result<(), String> {
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

    fn set(&mut self, column: usize, field: F) {
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

/// At most `chars` characters of `text`, with "…" when cut: for messages.
pub fn excerpt(text: &str, chars: usize) -> String {
    let mut out: String = text.chars().take(chars).collect();
    if text.chars().nth(chars).is_some() {
        out.push('…');
    }
    out
}

/// Finds the header row among the first rows: the one naming the most fields of kind `F`
/// (at least two).
pub fn find_header_row<F: FieldKind>(sheet: &Sheet) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in sheet.rows.iter().take(30).enumerate() {
        let score = default_reader().score::<F>(row);
        if score >= 2 && best.is_none_or(|(_, s)| score > s) {
            best = Some((i, score));
        }
    }
    best.map(|(i, _)| i)
}

/// How well a sheet's best header matches the fields of kind `F`, to pick a workbook's sheet.
pub fn sheet_score<F: FieldKind>(sheet: &Sheet) -> usize {
    find_header_row::<F>(sheet)
        .and_then(|i| sheet.rows.get(i))
        .map_or(0, |r| default_reader().score::<F>(r))
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
