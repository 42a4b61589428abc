//! Agreements as an import reads them: their fields and the classes of header that name
//! them ([`Field`]), how a row of cells becomes an agreement ([`plan`]) and how it is matched
//! against the ledger and written ([`write`]).

mod plan;
mod write;

use std::fmt;
use std::str::FromStr;

use crate::domain::{Currency, ListKind, ReferenceLists};
use crate::ledger::{LedgerError, Writer};

use super::ImportOptions;
use super::cells::Cell;
use super::mapping::{FieldKind, HeaderReader, LITTLE_WORDS, OWN, field_kind, field_named};
use super::pipeline::{PlanRows, RowKind, WriteRows};
use super::plan::{LedgerView, Plan, SheetAt};
use super::values::{
    AmountValue, DayOrder, match_entry, parse_amount, parse_date, parse_status, parse_theme_list,
    says_no_money,
};

/// The agreements kind of row: what `pledger import` reads by default.
pub struct Agreements;

impl RowKind for Agreements {
    type Field = Field;
    type Item = plan::Item;
    const NOUN: (&'static str, &'static str) = ("agreement", "agreements");
    const DATE: Option<Field> = Some(Field::SignedOn);

    fn planner<'a>(
        view: &'a LedgerView,
        plan: &mut Plan,
        at: SheetAt<'a, Field>,
        options: &ImportOptions,
    ) -> Option<impl PlanRows<plan::Item> + Send + use<'a>> {
        Some(plan::AgreementPlanner::new(view, plan, at, options))
    }

    fn writer<'a>(
        w: &mut Writer<'_>,
        view: &'a LedgerView,
        plan: &Plan,
        at: SheetAt<'a, Field>,
    ) -> Result<impl WriteRows<plan::Item> + use<'a>, LedgerError> {
        write::RowWriter::new(w, view, plan, at)
    }
}

field_kind! {
    /// A field of an agreements sheet.
    pub enum Field in "agreements", required [Partner, SignedOn] {
        /// Agreement reference.
        Reference => "reference",
        /// Title.
        Title => "title",
        /// Partner name.
        Partner => "partner",
        /// Partner type.
        PartnerType => "partner_type",
        /// Partner's country.
        Country => "country",
        /// Region of implementation.
        Region => "region",
        /// Thematic priorities.
        Theme => "theme",
        /// Signing date.
        SignedOn => "signed_on",
        /// Partner's contribution.
        Amount => "amount",
        /// Currency of the amounts.
        Currency => "currency",
        /// Own co-funding part.
        OwnContribution => "own_contribution",
        /// Status.
        Status => "status",
        /// Notes.
        Notes => "notes",
    }

    /// The classes of header people write for a reference ("Agreement Ref.", "N°", "#",
    /// "参考号") and for the organisation's own part ("ITU co-funding", "BDT share", "our
    /// contribution", "本组织出资", "part de l'organisation").
    fn by_words(words: &[String]) -> Option<Field> {
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

    fn by_values(
        values: &[&Cell],
        lists: &ReferenceLists,
        free: &dyn Fn(Field) -> bool,
    ) -> Option<(Field, &'static str)> {
        let all = |test: &dyn Fn(&Cell) -> bool| values.iter().all(|c| test(c));
        let text_all = |test: &dyn Fn(&str) -> bool| all(&|c: &Cell| test(&c.text()));
        if all(&|c| matches!(c, Cell::Date(_)) || parse_date(&c.text(), DayOrder::DayFirst).is_ok())
        {
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
        }
    }
}

impl FromStr for Field {
    type Err = String;
    fn from_str(s: &str) -> Result<Field, String> {
        field_named(s)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The field a header names, for a sheet of the default organisation (ITU).
pub fn field_for_header(header: &str) -> Option<Field> {
    HeaderReader::default().field(header)
}

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Organisation;
    use crate::import::cells::Sheet;
    use crate::import::mapping::{Mapping, column_letter, find_header_row, header_key};

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
            let synonyms = Field::tables().synonyms(*f);
            assert!(synonyms.contains(&f.name().replace('_', " ")), "{f}");
        }
        let headers = include_str!("../../../assets/import/headers.txt");
        let section = headers
            .split("[agreements]")
            .nth(1)
            .and_then(|s| s.split("\n[").next())
            .unwrap();
        for line in section
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
        assert_eq!(unicef.field::<Field>("UNICEF focal point"), None);
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
        let mut m = Mapping::<Field>::automatic(0, &headers);
        m.guess_unmapped(&sheet, &ReferenceLists::defaults());
        let by_header = |h: &str| m.guesses.iter().find(|g| g.header == h).unwrap();
        let own = by_header("Kontribution");
        assert_eq!(own.field, Some("own_contribution"));
        assert_eq!(own.examples, ["20", "in kind"]);
        assert_eq!(own.column, "D");
        assert_eq!(by_header("Colour").field, None);
        assert_eq!(by_header("Währung").field, Some("currency"));
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
        assert_eq!(find_header_row::<Field>(&sheet), Some(2));
        let headers: Vec<String> = sheet.rows[2]
            .iter()
            .map(|c| c.text().into_owned())
            .collect();
        let mut m = Mapping::<Field>::automatic(2, &headers);
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
