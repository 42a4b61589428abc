//! The editable reference lists: partner types, regions and thematic priorities, each
//! entry labelled in English and Chinese.

use serde::{Deserialize, Serialize};

/// The language of labels and formats.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Simplified Chinese.
    Zh,
}

impl std::str::FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "zh" | "cn" | "chinese" | "zh-cn" | "zh_cn" => Ok(Lang::Zh),
            _ => Err(format!("'{s}' is not a language: use en or zh")),
        }
    }
}

/// Which reference list an entry belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    /// Partner types (closed list in imports).
    PartnerType,
    /// Regions of implementation (closed list in imports).
    Region,
    /// Thematic priorities (open list in imports).
    Theme,
}

impl ListKind {
    /// The name stored in the ledger.
    pub fn as_str(&self) -> &'static str {
        match self {
            ListKind::PartnerType => "partner_type",
            ListKind::Region => "region",
            ListKind::Theme => "theme",
        }
    }

    /// The kind for a stored name.
    pub fn from_name(name: &str) -> Option<ListKind> {
        [ListKind::PartnerType, ListKind::Region, ListKind::Theme]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// One entry of a reference list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefEntry {
    /// Stable key used in the ledger and in JSON (`government`, `africa`).
    pub key: String,
    /// English label.
    pub label_en: String,
    /// Chinese label, as the seed report prints it.
    pub label_zh: String,
    /// IATI organisation-type code, for partner types.
    pub iati_code: Option<u16>,
    /// Other spellings an import accepts for this entry.
    pub synonyms: Vec<String>,
}

impl RefEntry {
    /// The label in `lang`.
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.label_en,
            Lang::Zh => &self.label_zh,
        }
    }
}

/// The three reference lists of a ledger, in display order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReferenceLists {
    /// Partner types.
    pub partner_types: Vec<RefEntry>,
    /// Regions.
    pub regions: Vec<RefEntry>,
    /// Thematic priorities.
    pub themes: Vec<RefEntry>,
}

/// The key of the region used for agreements implemented in several regions.
pub const MULTI_REGIONAL: &str = "multi_regional";

impl ReferenceLists {
    /// The list of `kind`.
    pub fn list(&self, kind: ListKind) -> &[RefEntry] {
        match kind {
            ListKind::PartnerType => &self.partner_types,
            ListKind::Region => &self.regions,
            ListKind::Theme => &self.themes,
        }
    }

    /// The list of `kind`, to edit.
    pub fn list_mut(&mut self, kind: ListKind) -> &mut Vec<RefEntry> {
        match kind {
            ListKind::PartnerType => &mut self.partner_types,
            ListKind::Region => &mut self.regions,
            ListKind::Theme => &mut self.themes,
        }
    }

    /// The entry of `kind` with `key`.
    pub fn entry(&self, kind: ListKind, key: &str) -> Option<&RefEntry> {
        self.list(kind).iter().find(|e| e.key == key)
    }

    /// The label of `key` in `lang`, or the key itself when the list no longer has it.
    pub fn label<'a>(&'a self, kind: ListKind, key: &'a str, lang: Lang) -> &'a str {
        self.entry(kind, key).map_or(key, |e| e.label(lang))
    }

    /// The lists a new ledger starts with: the seven partner types and seven ITU-D regions
    /// of the TDAG report, and ITU-D's usual thematic priorities.
    pub fn defaults() -> ReferenceLists {
        fn e(key: &str, en: &str, zh: &str, iati: Option<u16>, synonyms: &[&str]) -> RefEntry {
            RefEntry {
                key: key.into(),
                label_en: en.into(),
                label_zh: zh.into(),
                iati_code: iati,
                synonyms: synonyms.iter().map(|s| (*s).to_string()).collect(),
            }
        }
        ReferenceLists {
            partner_types: vec![
                e(
                    "government",
                    "Member states and other government entities",
                    "国际电联成员国和其他政府实体",
                    Some(10),
                    &[
                        "Government",
                        "Member State",
                        "Member States",
                        "Ministry",
                        "Government entity",
                        "Public sector",
                        "政府",
                        "成员国",
                        "政府实体",
                        "Gouvernement",
                        "État membre",
                        "États membres",
                        "Ministère",
                        "Secteur public",
                    ],
                ),
                e(
                    "fund",
                    "Funds",
                    "基金",
                    Some(60),
                    &[
                        "Fund",
                        "Foundation",
                        "Trust fund",
                        "基金会",
                        "Fonds",
                        "Fondation",
                        "Fonds d'affectation spéciale",
                    ],
                ),
                e(
                    "un",
                    "UN organizations",
                    "联合国组织",
                    Some(40),
                    &[
                        "UN",
                        "UN organization",
                        "UN organisation",
                        "United Nations",
                        "UN agency",
                        "联合国",
                        "ONU",
                        "Nations Unies",
                        "Organisation des Nations Unies",
                        "Agence des Nations Unies",
                    ],
                ),
                e(
                    "intl_org",
                    "International and regional organizations and associations",
                    "国际和区域组织及协会",
                    Some(40),
                    &[
                        "International organization",
                        "International organisation",
                        "Regional organization",
                        "Association",
                        "Multilateral",
                        "IGO",
                        "国际组织",
                        "区域组织",
                        "协会",
                        "Organisation internationale",
                        "Organisation régionale",
                        "Organisation intergouvernementale",
                    ],
                ),
                e(
                    "academia",
                    "Academia members",
                    "学术成员",
                    Some(80),
                    &[
                        "Academia",
                        "Academic",
                        "University",
                        "Research",
                        "学术",
                        "大学",
                        "Université",
                        "Milieu universitaire",
                        "Recherche",
                    ],
                ),
                e(
                    "private",
                    "Private-sector entities",
                    "私营部门实体",
                    Some(70),
                    &[
                        "Private sector",
                        "Private",
                        "Company",
                        "Industry",
                        "Sector member",
                        "私营部门",
                        "企业",
                        "Secteur privé",
                        "Entreprise",
                        "Société",
                    ],
                ),
                e(
                    "other",
                    "Other entities",
                    "其他实体",
                    Some(90),
                    &["Other", "Other entity", "NGO", "其他", "Autre", "ONG"],
                ),
            ],
            regions: vec![
                e("africa", "Africa", "非洲", None, &["AFR", "非洲区域"]),
                e(
                    "americas",
                    "Americas",
                    "美洲",
                    None,
                    &["AMS", "Latin America", "America", "美洲区域"],
                ),
                e(
                    "arab_states",
                    "Arab States",
                    "阿拉伯国家",
                    None,
                    &["ARB", "Arab region", "阿拉伯"],
                ),
                e(
                    "asia_pacific",
                    "Asia-Pacific",
                    "亚太",
                    None,
                    &[
                        "ASP",
                        "Asia and the Pacific",
                        "Asia Pacific",
                        "亚太地区",
                        "亚洲及太平洋",
                    ],
                ),
                e(
                    "cis",
                    "CIS",
                    "独联体",
                    None,
                    &["Commonwealth of Independent States", "独联体国家"],
                ),
                e("europe", "Europe", "欧洲", None, &["EUR", "欧洲区域"]),
                e(
                    MULTI_REGIONAL,
                    "Multi-regional",
                    "多个区域",
                    None,
                    &[
                        "Multiregional",
                        "Global",
                        "Inter-regional",
                        "Interregional",
                        "Worldwide",
                        "多区域",
                        "全球",
                        "跨区域",
                    ],
                ),
            ],
            themes: vec![
                e(
                    "infrastructure",
                    "Digital infrastructure",
                    "数字基础设施",
                    None,
                    &["Infrastructure", "Connectivity", "Broadband", "基础设施"],
                ),
                e(
                    "enabling_environment",
                    "Enabling environment",
                    "有利环境",
                    None,
                    &[
                        "Policy and regulation",
                        "Regulation",
                        "Policy",
                        "政策与监管",
                    ],
                ),
                e(
                    "cybersecurity",
                    "Cybersecurity",
                    "网络安全",
                    None,
                    &["Cyber security", "Cyber", "信息安全"],
                ),
                e(
                    "digital_inclusion",
                    "Digital inclusion",
                    "数字包容",
                    None,
                    &["Inclusion", "Gender", "Accessibility", "数字包容性"],
                ),
                e(
                    "emergency",
                    "Emergency telecommunications",
                    "应急通信",
                    None,
                    &["Emergency", "Disaster", "应急电信"],
                ),
                e(
                    "environment",
                    "Environment and climate change",
                    "环境与气候变化",
                    None,
                    &["Environment", "Climate change", "E-waste", "环境"],
                ),
                e(
                    "ict_applications",
                    "ICT applications and services",
                    "信通技术应用与服务",
                    None,
                    &[
                        "ICT applications",
                        "Digital services",
                        "E-services",
                        "信通技术应用",
                    ],
                ),
                e(
                    "capacity",
                    "Capacity development",
                    "能力建设",
                    None,
                    &["Capacity building", "Training", "Skills", "培训"],
                ),
                e(
                    "statistics",
                    "ICT statistics",
                    "信通技术统计",
                    None,
                    &["Statistics", "Data", "统计"],
                ),
                e(
                    "innovation",
                    "Innovation and entrepreneurship",
                    "创新与创业",
                    None,
                    &["Innovation", "Entrepreneurship", "创新"],
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_carry_the_seed_labels() {
        let lists = ReferenceLists::defaults();
        assert_eq!(lists.partner_types.len(), 7);
        assert_eq!(lists.regions.len(), 7);
        assert_eq!(
            lists.label(ListKind::PartnerType, "government", Lang::Zh),
            "国际电联成员国和其他政府实体"
        );
        assert_eq!(
            lists.label(ListKind::Region, MULTI_REGIONAL, Lang::Zh),
            "多个区域"
        );
        assert_eq!(
            lists.label(ListKind::Region, "asia_pacific", Lang::Zh),
            "亚太"
        );
        assert!(lists.partner_types.iter().all(|t| t.iati_code.is_some()));
        assert_eq!(lists.label(ListKind::Theme, "gone", Lang::En), "gone");
    }
}
