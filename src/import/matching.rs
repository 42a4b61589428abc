//! Matching partner names as spelled in sheets to the ledger's partners: an exact
//! fingerprint first (case, accents, punctuation and word order ignored), then near
//! matches by character trigrams, offered for confirmation.

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;

use crate::domain::{Partner, PartnerId};

/// OpenRefine's fingerprint: lowercase, no accents or punctuation, unique words sorted.
pub fn fingerprint(name: &str) -> String {
    let cleaned: String = if name.is_ascii() {
        // ASCII has nothing to decompose and no combining marks: the same result, sooner.
        name.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    char::from(b.to_ascii_lowercase())
                } else {
                    ' '
                }
            })
            .collect()
    } else {
        cleaned_any(name)
    };
    let mut words: Vec<&str> = cleaned.split_whitespace().collect();
    words.sort_unstable();
    words.dedup();
    words.join(" ")
}

/// Lowercase, without accents, punctuation as spaces: for any text.
fn cleaned_any(name: &str) -> String {
    name.nfkd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect()
}

fn trigrams(key: &str) -> HashSet<[char; 3]> {
    let chars: Vec<char> = format!("  {key} ").chars().collect();
    chars.windows(3).map(|w| [w[0], w[1], w[2]]).collect()
}

/// How alike two fingerprints are, 0 to 1 (Jaccard of character trigrams).
pub fn similarity(a: &str, b: &str) -> f32 {
    let (ta, tb) = (trigrams(a), trigrams(b));
    let inter = ta.intersection(&tb).count();
    let union = ta.union(&tb).count();
    if union == 0 {
        return 0.0;
    }
    #[allow(
        clippy::cast_precision_loss,
        clippy::float_arithmetic,
        reason = "a similarity score, not money"
    )]
    let score = inter as f32 / union as f32;
    score
}

/// A similarity as a whole percentage, for messages.
pub fn percent_of_one(score: f32) -> u32 {
    #[allow(
        clippy::float_arithmetic,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "a similarity score for a message, not money"
    )]
    let pct = (score.clamp(0.0, 1.0) * 100.0).round() as u32;
    pct
}

/// Similarity from which a near match is suggested.
pub const SUGGEST_FROM: f32 = 0.45;

/// Similarity from which a new partner is not created until the user says whether it is
/// the partner it looks like or a new one.
pub const DECIDE_FROM: f32 = 0.5;

/// Finds partners by any of their spellings.
#[derive(Clone, Debug, Default)]
pub struct PartnerMatcher {
    exact: HashMap<String, PartnerId>,
    keys: Vec<(String, PartnerId)>,
}

impl PartnerMatcher {
    /// A matcher over `partners`' names, Chinese names and aliases.
    pub fn new(partners: &[Partner]) -> PartnerMatcher {
        let mut m = PartnerMatcher::default();
        for p in partners {
            m.add(&p.name, p.id);
            if let Some(zh) = &p.name_zh {
                m.add(zh, p.id);
            }
            for a in &p.aliases {
                m.add(a, p.id);
            }
        }
        m
    }

    /// Makes `spelling` find `id` from now on.
    pub fn add(&mut self, spelling: &str, id: PartnerId) {
        let key = fingerprint(spelling);
        if key.is_empty() {
            return;
        }
        self.exact.entry(key.clone()).or_insert(id);
        self.keys.push((key, id));
    }

    /// The partner `spelling` names exactly (by fingerprint).
    pub fn exact(&self, spelling: &str) -> Option<PartnerId> {
        self.exact_key(&fingerprint(spelling))
    }

    /// The partner whose spelling has fingerprint `key`.
    pub fn exact_key(&self, key: &str) -> Option<PartnerId> {
        self.exact.get(key).copied()
    }

    /// The closest partner to `spelling` and its similarity, when at least [`SUGGEST_FROM`].
    pub fn suggest(&self, spelling: &str) -> Option<(PartnerId, f32)> {
        let key = fingerprint(spelling);
        let mut best: Option<(PartnerId, f32)> = None;
        for (k, id) in &self.keys {
            let s = similarity(&key, k);
            if s >= SUGGEST_FROM && best.is_none_or(|(_, b)| s > b) {
                best = Some((*id, s));
            }
        }
        best
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn the_ascii_shortcut_cleans_as_the_general_path(name in "[ -~]{0,40}") {
            let fast = fingerprint(&name);
            let mut words: Vec<String> =
                cleaned_any(&name).split_whitespace().map(str::to_string).collect();
            words.sort_unstable();
            words.dedup();
            proptest::prop_assert_eq!(fast, words.join(" "));
        }
    }

    fn partner(id: i64, name: &str, aliases: &[&str]) -> Partner {
        Partner {
            id: PartnerId(id),
            name: name.into(),
            name_zh: None,
            partner_type: "government".into(),
            country: None,
            aliases: aliases.iter().map(|a| (*a).to_string()).collect(),
        }
    }

    #[test]
    fn spellings_that_differ_in_case_order_and_accents_match() {
        assert_eq!(
            fingerprint("Ministère de l'Économie, FRANCE"),
            fingerprint("france ministere economie l de")
        );
        let m = PartnerMatcher::new(&[
            partner(
                1,
                "Ministry of Industry and Information Technology (MIIT), People's Republic of China",
                &["MIIT", "工业和信息化部"],
            ),
            partner(
                2,
                "Norwegian Agency for Development Cooperation (Norad)",
                &[],
            ),
        ]);
        assert_eq!(m.exact("miit"), Some(PartnerId(1)));
        assert_eq!(m.exact(" 工业和信息化部 "), Some(PartnerId(1)));
        assert_eq!(
            m.exact("Norwegian Agency for Development Cooperation (NORAD)"),
            Some(PartnerId(2))
        );
        assert_eq!(m.exact("Norad agency"), None);
        let (id, score) = m
            .suggest("Norwegian Agency for Devlopment Cooperation")
            .unwrap();
        assert_eq!(id, PartnerId(2));
        assert!(score > 0.6, "{score}");
        assert!(m.suggest("Acme Widgets").is_none());
    }
}
