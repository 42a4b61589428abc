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
    jaccard(inter, ta.union(&tb).count())
}

/// `inter / union` as a score; 0 for an empty union.
fn jaccard(inter: usize, union: usize) -> f32 {
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
///
/// Near matches are found through an inverted index of character trigrams (each key listed
/// under every trigram it holds) with count filtering, rather than by comparing a spelling
/// with every key. A key at Jaccard similarity `s >= t` from a spelling of `n` trigrams
/// shares at least `a = ceil(t * n)` of them. The spelling's lists are taken shortest
/// first; the `S` longest (the trigrams of common words, "oun" of "Foundation", listing
/// thousands of keys) are skipped, and each key is counted in the others: a key can be near
/// only if it is counted at least `a - S` times, and only those few are scored, exactly as
/// the scan scores them. `S` is `a - 1 - SURE_HITS`, so a key must hold `SURE_HITS + 1` of
/// the rarer trigrams to be scored. The bound is taken a little low
/// ([`PROBE_SHARE_PERCENT`]) so that the f32 rounding of a score can never lose a key the
/// scan keeps; ties go to the earliest key, as in the scan, so both decide alike.
#[derive(Clone, Debug, Default)]
pub struct PartnerMatcher {
    exact: HashMap<String, PartnerId>,
    /// Every spelling's fingerprint and partner, in the order added.
    keys: Vec<(String, PartnerId)>,
    /// Each key's trigrams, as sorted ids, by key position.
    key_grams: Vec<Vec<u32>>,
    /// Trigram -> its id.
    gram_ids: HashMap<[char; 3], u32>,
    /// Trigram id -> the positions of the keys holding it, ascending.
    postings: Vec<Vec<u32>>,
}

/// The share of a spelling's trigrams, in percent, that a near key must hold: just under
/// [`SUGGEST_FROM`], so that the index never misses a key the scan would suggest.
const PROBE_SHARE_PERCENT: usize = 44;

/// How many counted lists beyond the first a key must be in to be scored; the longer lists
/// skipped are as many fewer.
const SURE_HITS: usize = 3;

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
        let Ok(position) = u32::try_from(self.keys.len()) else {
            // Four billion spellings: the exact match still works, near matches stop here.
            self.exact.entry(key).or_insert(id);
            return;
        };
        let mut grams: Vec<u32> = Vec::new();
        for g in trigrams(&key) {
            let next = u32::try_from(self.postings.len()).unwrap_or(u32::MAX);
            let gid = *self.gram_ids.entry(g).or_insert(next);
            if gid == next {
                self.postings.push(Vec::new());
            }
            if let Some(list) = self.postings.get_mut(gid as usize) {
                list.push(position);
            }
            grams.push(gid);
        }
        grams.sort_unstable();
        self.exact.entry(key.clone()).or_insert(id);
        self.keys.push((key, id));
        self.key_grams.push(grams);
    }

    /// The partner `spelling` names exactly (by fingerprint).
    pub fn exact(&self, spelling: &str) -> Option<PartnerId> {
        self.exact_key(&fingerprint(spelling))
    }

    /// The partner whose spelling has fingerprint `key`.
    pub fn exact_key(&self, key: &str) -> Option<PartnerId> {
        self.exact.get(key).copied()
    }

    /// The closest partner to `spelling` and its similarity, when at least [`SUGGEST_FROM`]
    /// (the earliest spelling added wins a tie).
    pub fn suggest(&self, spelling: &str) -> Option<(PartnerId, f32)> {
        let key = fingerprint(spelling);
        let grams = trigrams(&key);
        let n = grams.len();
        // Known trigrams as ids; the others are in no key.
        let mut known: Vec<u32> = grams
            .iter()
            .filter_map(|g| self.gram_ids.get(g).copied())
            .collect();
        known.sort_unstable();
        // The overlap a near key needs, and the longest lists that can be skipped.
        let need = (n * PROBE_SHARE_PERCENT).div_ceil(100).max(1);
        let skipped = need.saturating_sub(1 + SURE_HITS);
        let hits = need - skipped;
        let mut lists: Vec<&Vec<u32>> = known
            .iter()
            .filter_map(|&g| self.postings.get(g as usize))
            .collect();
        lists.sort_by_key(|l| l.len());
        let counted = lists.len().saturating_sub(skipped);
        let mut candidates: Vec<u32> = Vec::new();
        // How many counted lists each key is in (a zeroed page per look-up is cheaper than
        // hashing the positions).
        let mut counts = vec![0u16; self.keys.len()];
        let mut touched: Vec<u32> = Vec::new();
        for list in lists.iter().take(counted) {
            for &position in list.iter() {
                if let Some(c) = counts.get_mut(position as usize) {
                    if *c == 0 {
                        touched.push(position);
                    }
                    *c = c.saturating_add(1);
                }
            }
        }
        for position in touched {
            if counts
                .get(position as usize)
                .is_some_and(|&c| usize::from(c) >= hits)
            {
                candidates.push(position);
            }
        }
        candidates.sort_unstable();
        let mut best: Option<(PartnerId, f32)> = None;
        for position in candidates {
            let (Some(their), Some((_, id))) = (
                self.key_grams.get(position as usize),
                self.keys.get(position as usize),
            ) else {
                continue;
            };
            let inter = sorted_overlap(&known, their);
            let s = jaccard(inter, n + their.len() - inter);
            if s >= SUGGEST_FROM && best.is_none_or(|(_, b)| s > b) {
                best = Some((*id, s));
            }
        }
        best
    }

    /// [`PartnerMatcher::suggest`] by comparing `spelling` with every key: what the index
    /// must agree with (kept for the tests and the benchmark).
    pub fn suggest_by_scan(&self, spelling: &str) -> Option<(PartnerId, f32)> {
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

/// How many ids two ascending lists share.
fn sorted_overlap(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while let (Some(x), Some(y)) = (a.get(i), b.get(j)) {
        match x.cmp(y) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
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

    /// Partner names of a few common words, so that many are near one another.
    fn generated_names(seed: u64, n: usize) -> Vec<String> {
        const WORDS: &[&str] = &[
            "agency",
            "ministry",
            "fund",
            "foundation",
            "development",
            "cooperation",
            "telecom",
            "digital",
            "bank",
            "international",
            "national",
            "ict",
            "of",
            "for",
            "and",
            "the",
            "société",
            "générale",
            "norad",
            "giz",
            "jica",
            "koica",
            "unicef",
            "world",
            "africa",
            "asia",
            "pacific",
            "regional",
            "institute",
            "技术",
            "发展",
        ];
        let mut state = seed | 1;
        let mut next = |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % u64::try_from(m).unwrap_or(1)).unwrap_or(0)
        };
        (0..n)
            .map(|_| {
                let words = 1 + next(5);
                let mut name: Vec<String> = (0..words)
                    .map(|_| WORDS[next(WORDS.len())].to_string())
                    .collect();
                // A typo in one word now and then.
                if next(3) == 0 {
                    let w = next(name.len());
                    let mut chars: Vec<char> = name[w].chars().collect();
                    let c = next(chars.len());
                    chars.remove(c);
                    name[w] = chars.into_iter().collect();
                }
                name.join(" ")
            })
            .collect()
    }

    #[test]
    fn the_index_decides_as_the_scan_on_generated_names() {
        for seed in 1..3u64 {
            let names = generated_names(seed, 400);
            let partners: Vec<Partner> = names
                .iter()
                .enumerate()
                .map(|(i, n)| partner(i64::try_from(i).unwrap_or(0), n, &[]))
                .collect();
            // Half at the start, half added later (as an import adds new partners), whose
            // unseen trigrams rank after the others.
            let (first, later) = partners.split_at(partners.len() / 2);
            let mut m = PartnerMatcher::new(first);
            for p in later {
                m.add(&p.name, p.id);
            }
            let mut suggested = 0;
            for q in generated_names(seed + 100, 250) {
                let (a, b) = (m.suggest(&q), m.suggest_by_scan(&q));
                assert_eq!(a, b, "for {q:?}");
                suggested += usize::from(a.is_some());
            }
            // The names are near enough for the comparison to mean something.
            assert!(suggested > 50, "{suggested}");
        }
    }

    #[test]
    fn the_index_decides_as_the_scan_on_the_sample() {
        let mut reader = csv::Reader::from_reader(crate::import::sample::PARTNERS_CSV.as_bytes());
        let names: Vec<String> = reader
            .records()
            .filter_map(Result::ok)
            .filter_map(|r| r.get(0).map(str::to_string))
            .collect();
        assert!(names.len() > 40, "{}", names.len());
        let partners: Vec<Partner> = names
            .iter()
            .enumerate()
            .map(|(i, n)| partner(i64::try_from(i).unwrap_or(0), n, &[]))
            .collect();
        let m = PartnerMatcher::new(&partners);
        for name in &names {
            // Each name with its last letter dropped, its words reversed, and cut in half.
            let words: Vec<&str> = name.split_whitespace().collect();
            let half = words[..words.len().div_ceil(2)].join(" ");
            let reversed = words.iter().rev().copied().collect::<Vec<_>>().join(" ");
            let shorter: String = name.chars().take(name.chars().count() - 1).collect();
            for q in [name.as_str(), &half, &reversed, &shorter] {
                assert_eq!(m.suggest(q), m.suggest_by_scan(q), "for {q:?}");
            }
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
