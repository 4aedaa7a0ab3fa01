//! Same-event evidence of one item: the entities it names (one id across
//! scripts, from the tagger's `entity = true` groups), its language, and its
//! content words — words that are neither function words, generic words of
//! the beat, nor parts of entity names.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use serde::{Deserialize, Serialize};

use super::shingles::{content_hash, word_hash, word_text, MinHash};
use super::{ItemSignature, StoryInput, MAX_WORDS};
use crate::normalize::html_to_text;
use crate::topics::{normalize_text, Tagger};

/// Endings an entity name may carry and still be that entity ("Lavrov's",
/// "कुर्स्की"): after [`word_text`], the apostrophe is a space, so only
/// Latin "s" and Devanagari inflections are listed.
const ENTITY_SUFFIXES: [&str; 6] = ["s", "ी", "ों", "ियों", "ई", "ns"];

/// Function words of Hindi and English, and words every item of a
/// Russia–North Korea beat uses: never evidence of one event (issue #7:
/// "रूस, युद्ध, Russia, war are not evidence on their own"). Rarity over the
/// window filters the rest.
const GENERIC_WORDS: &str = "का की के को में से ने पर और है हैं था थे थी भी तो यह वह ये वे इस उस इन उन \
    एक लिए साथ बाद बीच तक कर करने किया किए किये गया गई गए रहा रही रहे होगा होगी दिया दी हुए हुई हुआ \
    कहा कहना बताया अनुसार जब तब अब कि या नहीं बहुत सबसे अपने अपनी अपना दोनों देश देशों बात मुताबिक \
    रूस रूसी रशिया रशियन उत्तर उत्तरी कोरिया कोरियाई नॉर्थ दक्षिण युद्ध यूक्रेन यूक्रेनी सेना सैनिक सैनिकों \
    सैन्य नेता राष्ट्रपति मंत्री विदेश रक्षा सरकार खबर रिपोर्ट मॉस्को प्योंगयांग किम तानाशाह संबंध समर्थन \
    the a an of to in on at for with by from and or but is are was were be been has have had will would \
    it its this that these those as after before over about into than said says say told also new not \
    russia russian russians north korea korean koreans south war ukraine ukrainian moscow pyongyang kremlin \
    kim leader president minister foreign defence defense military troops soldiers army state media \
    report reports official officials talks visit government country countries people \
    source link";

/// An item's language, for comparing words (scripts never share words, and
/// cross-language pairs match only through entities).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Mostly Devanagari (Hindi, Hinglish).
    Hi,
    /// Mostly Latin script.
    En,
    /// Neither (no letters, or another script).
    Other,
}

/// Finds entity ids in text and builds [`ItemSignature`]s; compiled once
/// from the tagger's entity groups.
pub struct EntityFinder {
    automaton: Option<AhoCorasick>,
    /// Per pattern: the entity id it spells.
    pattern_ids: Vec<String>,
    /// Hashes of generic words and of words inside entity names.
    not_content: HashSet<u64>,
}

impl std::fmt::Debug for EntityFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntityFinder")
            .field("patterns", &self.pattern_ids.len())
            .finish_non_exhaustive()
    }
}

impl EntityFinder {
    /// Compiles the spellings of every entity of the tagger's entity groups.
    pub fn new(tagger: &Tagger) -> EntityFinder {
        let mut by_form: HashMap<String, String> = HashMap::new();
        let mut not_content = HashSet::new();
        for ent in tagger.entity_terms() {
            for form in ent.forms {
                let form = word_text(form).trim().to_string();
                if form.is_empty() {
                    continue;
                }
                not_content.extend(form.split(' ').map(word_hash));
                by_form.entry(form).or_insert_with(|| ent.id.to_string());
            }
        }
        not_content.extend(words_of(GENERIC_WORDS).iter().map(|w| word_hash(w)));
        let mut forms: Vec<(String, String)> = by_form.into_iter().collect();
        forms.sort();
        let patterns: Vec<String> = forms.iter().map(|(f, _)| format!(" {f}")).collect();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            .ok();
        EntityFinder {
            automaton,
            pattern_ids: forms.into_iter().map(|(_, id)| id).collect(),
            not_content,
        }
    }

    /// The entity ids named in `text` (any script), sorted, deduplicated.
    pub fn entities(&self, text: &str) -> Vec<String> {
        self.entities_in(&word_text(&normalize_text(text)))
    }

    fn entities_in(&self, words: &str) -> Vec<String> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let mut ids: Vec<String> = ac
            .find_iter(words)
            .filter(|m| ends_a_name(&words[m.end()..]))
            .map(|m| self.pattern_ids[m.pattern().as_usize()].clone())
            .collect();
        ids.sort();
        ids.dedup();
        ids
    }

    /// The signature of a feed item's text as khabar stores it: plain-text
    /// title and summary, sanitised HTML content. `key` is empty and `at`
    /// the Unix epoch: the writer sets both once the item has a row (its id,
    /// and the earlier of its date and first-seen time). This is what the
    /// parse threads compute for each new item, so the single writer only
    /// matches.
    pub fn item_signature(
        &self,
        title: &str,
        summary: Option<&str>,
        content_html: Option<&str>,
    ) -> ItemSignature {
        let content = content_html.map(html_to_text).unwrap_or_default();
        self.text_signature(title, summary, &content)
    }

    /// [`Self::item_signature`] with the content already reduced to plain
    /// text (as tagging also needs it: converted once for both).
    pub fn text_signature(
        &self,
        title: &str,
        summary: Option<&str>,
        content_text: &str,
    ) -> ItemSignature {
        self.signature(&StoryInput {
            key: "",
            outlet: "",
            title,
            summary: summary.unwrap_or(""),
            content: content_text,
            at: chrono::DateTime::UNIX_EPOCH,
        })
    }

    /// The signature of an item: its title, summary and content.
    pub fn signature(&self, item: &StoryInput<'_>) -> ItemSignature {
        let folded = normalize_text(&format!(
            "{}\n{}\n{}",
            item.title, item.summary, item.content
        ));
        let text = word_text(&folded);
        let words: Vec<&str> = text.split(' ').filter(|w| !w.is_empty()).collect();
        let mut content: Vec<u64> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            let scaled;
            // "15 हजार" is the number 15000, as a rewrite may write it.
            let w = match words.get(i + 1).and_then(|n| multiplier(n)) {
                Some(zeros) if w.bytes().all(|b| b.is_ascii_digit()) => {
                    scaled = format!("{w}{zeros}");
                    scaled.as_str()
                }
                _ => w,
            };
            let h = content_hash(w);
            let usable = is_content_word(w) && !self.not_content.contains(&word_hash(w));
            if usable && !content.contains(&h) {
                content.push(h);
                if content.len() == MAX_WORDS {
                    break;
                }
            }
        }
        content.sort_unstable();
        ItemSignature {
            key: item.key.to_string(),
            at: item.at,
            lang: lang_of(&words),
            minhash: MinHash::of_words(&words),
            entities: self.entities_in(&text),
            words: content,
        }
    }
}

/// Zeros a Hindi or English number word stands for ("15 हजार" = 15000).
fn multiplier(word: &str) -> Option<&'static str> {
    match word {
        "हजार" | "thousand" => Some("000"),
        "लाख" => Some("00000"),
        "million" => Some("000000"),
        "करोड" | "करोड़" => Some("0000000"),
        _ => None,
    }
}

/// True when the rest of the text after a matched spelling ends the word,
/// possibly after one of [`ENTITY_SUFFIXES`].
fn ends_a_name(rest: &str) -> bool {
    rest.starts_with(' ')
        || ENTITY_SUFFIXES
            .iter()
            .any(|s| rest.strip_prefix(s).is_some_and(|r| r.starts_with(' ')))
}

/// Long enough to be distinctive: three letters, or a number of two digits.
fn is_content_word(w: &str) -> bool {
    if w.chars().all(|c| c.is_ascii_digit()) {
        return w.len() >= 2;
    }
    w.chars().count() >= 3
}

fn lang_of(words: &[&str]) -> Lang {
    let (mut deva, mut latin) = (0usize, 0usize);
    for c in words.iter().flat_map(|w| w.chars()) {
        if ('\u{0900}'..='\u{097F}').contains(&c) {
            deva += 1;
        } else if c.is_ascii_alphabetic() {
            latin += 1;
        }
    }
    if deva > 0 && deva * 2 >= latin {
        Lang::Hi
    } else if latin > 0 {
        Lang::En
    } else {
        Lang::Other
    }
}

fn words_of(s: &str) -> Vec<String> {
    word_text(&normalize_text(s))
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_resolve_across_scripts() {
        let f = EntityFinder::new(&Tagger::builtin());
        let cases = [
            (
                "hindi",
                "लावरोव ने वोनसान में किम जोंग उन से बात की",
                vec!["kim jong un", "lavrov", "wonsan"],
            ),
            (
                "english",
                "Sergei Lavrov's visit to Wonsan-Kalma",
                vec!["kalma", "lavrov"],
            ),
            (
                "nukta and dash",
                "किम जोंग-उन और शोइगु",
                vec!["kim jong un", "shoigu"],
            ),
            (
                "bare kim is no one",
                "किम शर्मा ने मॉस्को में छुट्टियां मनाईं",
                vec![],
            ),
            ("no partial words", "Putinism and Kurskaya", vec![]),
        ];
        for (what, text, want) in cases {
            assert_eq!(f.entities(text), want, "{what}");
        }
    }

    #[test]
    fn generic_and_entity_words_are_not_content() {
        let f = EntityFinder::new(&Tagger::builtin());
        let at = chrono::DateTime::UNIX_EPOCH;
        let item = StoryInput {
            key: "k",
            outlet: "o",
            title: "रूस युद्ध Russia war लावरोव 600 रेल",
            summary: "",
            content: "",
            at,
        };
        let sig = f.signature(&item);
        let mut want = vec![content_hash("600"), content_hash("रेल")];
        want.sort_unstable();
        assert_eq!(sig.words, want);
        assert_eq!(sig.lang, Lang::Hi);
    }
}
