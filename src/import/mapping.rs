//! Mapping a sheet's columns to agreement fields: by header synonyms in English, French and
//! Chinese, then saved profiles, then explicit `field=Header` choices.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::OnceLock;

use crate::domain::Currency;

use super::source::{Cell, Sheet};
use super::values::normalise;

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

    fn synonyms(&self) -> &'static [&'static str] {
        match self {
            Field::Reference => &[
                "reference",
                "ref",
                "ref no",
                "reference no",
                "reference number",
                "agreement no",
                "agreement number",
                "agreement id",
                "agreement reference",
                "contract no",
                "contract number",
                "id",
                "référence",
                "no",
                "编号",
                "协议编号",
                "参考编号",
                "合同编号",
                "协议号",
            ],
            Field::Title => &[
                "title",
                "project",
                "project title",
                "project name",
                "agreement title",
                "agreement",
                "description",
                "subject",
                "titre",
                "projet",
                "intitulé",
                "标题",
                "项目",
                "项目名称",
                "协议名称",
                "协议标题",
                "名称",
            ],
            Field::Partner => &[
                "partner",
                "partner name",
                "donor",
                "donor name",
                "funding partner",
                "funder",
                "contributor",
                "organization",
                "organisation",
                "partner organization",
                "signatory",
                "partenaire",
                "bailleur",
                "bailleur de fonds",
                "donateur",
                "合作伙伴",
                "供资伙伴",
                "伙伴",
                "捐助方",
                "出资方",
                "合作方",
                "合作伙伴名称",
                "捐款方",
            ],
            Field::PartnerType => &[
                "partner type",
                "type",
                "type of partner",
                "partner category",
                "category",
                "donor type",
                "funder type",
                "type de partenaire",
                "catégorie",
                "合作伙伴类型",
                "伙伴类型",
                "类型",
                "类别",
                "合作伙伴类别",
            ],
            Field::Country => &["country", "partner country", "pays", "国家", "国别"],
            Field::Region => &[
                "region",
                "region of implementation",
                "implementation region",
                "région",
                "区域",
                "地区",
                "实施区域",
                "所属区域",
            ],
            Field::Theme => &[
                "theme",
                "themes",
                "thematic priority",
                "thematic priorities",
                "thematic area",
                "priority",
                "priorities",
                "sector",
                "thème",
                "thèmes",
                "priorité thématique",
                "专题",
                "专题重点",
                "专题重点工作",
                "主题",
                "重点工作",
                "领域",
            ],
            Field::SignedOn => &[
                "signed on",
                "signing date",
                "date signed",
                "date of signature",
                "signature date",
                "date of signing",
                "signed",
                "date",
                "date de signature",
                "signé le",
                "签署日期",
                "签约日期",
                "签订日期",
                "日期",
                "签署时间",
            ],
            Field::Amount => &[
                "amount",
                "contribution",
                "financial contribution",
                "partner contribution",
                "contribution amount",
                "amount signed",
                "signed amount",
                "value",
                "pledge",
                "montant",
                "contribution financière",
                "金额",
                "财务捐款",
                "捐款",
                "出资金额",
                "签约出资金额",
                "捐款金额",
                "合作伙伴出资",
            ],
            Field::Currency => &[
                "currency", "cur", "ccy", "devise", "monnaie", "货币", "币种",
            ],
            Field::OwnContribution => &[
                "own contribution",
                "own part",
                "itu part",
                "itu contribution",
                "itu share",
                "co funding",
                "cofunding",
                "organization part",
                "bdt contribution",
                "part uit",
                "contribution uit",
                "国际电联部分",
                "国际电联出资",
                "自有出资",
                "配套资金",
                "电信发展局出资",
            ],
            Field::Status => &[
                "status",
                "agreement status",
                "statut",
                "état",
                "状态",
                "协议状态",
            ],
            Field::Notes => &[
                "notes",
                "note",
                "remarks",
                "comments",
                "comment",
                "remarques",
                "observations",
                "备注",
                "说明",
                "注释",
            ],
        }
    }
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

/// The field a header names by its synonyms.
pub fn field_for_header(header: &str) -> Option<Field> {
    let (key, _) = header_key(header);
    synonym_fields().get(&key).copied()
}

/// Each field's synonyms, normalised once, to the field (the first field in
/// [`Field::ALL`] that lists a synonym takes it).
fn synonym_fields() -> &'static HashMap<String, Field> {
    static FIELDS: OnceLock<HashMap<String, Field>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        let mut fields = HashMap::new();
        for f in Field::ALL {
            for s in f.synonyms() {
                let key = normalise(s);
                if !key.is_empty() {
                    fields.entry(key).or_insert(f);
                }
            }
        }
        fields
    })
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
}

impl Mapping {
    /// The column that fills `field`.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.fields.iter().position(|f| *f == Some(field))
    }

    /// Headers no field took.
    pub fn unmapped(&self) -> Vec<&str> {
        self.headers
            .iter()
            .zip(&self.fields)
            .filter(|(h, f)| f.is_none() && !h.trim().is_empty())
            .map(|(h, _)| h.as_str())
            .collect()
    }

    /// Maps the columns of `headers` automatically.
    pub fn automatic(header_row: usize, headers: &[String]) -> Mapping {
        let mut fields: Vec<Option<Field>> = Vec::with_capacity(headers.len());
        for h in headers {
            let f = field_for_header(h).filter(|f| !fields.contains(&Some(*f)));
            fields.push(f);
        }
        Mapping {
            header_row,
            headers: headers.to_vec(),
            header_currency: headers.iter().map(|h| header_key(h).1).collect(),
            fields,
        }
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

/// How many header cells of a row name a field.
fn header_score(row: &[Cell]) -> usize {
    row.iter()
        .filter(|c| matches!(c, Cell::Text(t) if field_for_header(t).is_some()))
        .count()
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
