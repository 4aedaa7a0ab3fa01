//! An item's evidence ([`ItemSignature`]): the entries of the topic term
//! groups it names (people, places and concepts, one id in every language:
//! "shells | गोले | गोला-बारूद"), its figures ([`numbers`](super::numbers)),
//! and its other words keyed by their transliteration skeleton, so that a
//! name written in Devanagari meets the same name in Latin letters without
//! anyone having listed the pair. Function words of Hindi and English are
//! no evidence; how much any other term counts is learned from the window
//! ([`Window`](super::window)), not listed here.

use std::collections::HashSet;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

use super::numbers::{figures, is_number_word};
use super::shingles::{MinHash, LEAD_LEN, MINHASH_LEN};
use super::signature::{ItemSignature, Term, TermKind, DEVANAGARI, IN_LEAD, IN_TITLE, LATIN};
use super::text::{hash, script_of, word_text, words, Script};
use super::StoryInput;
use crate::normalize::html_to_text;
use crate::topics::{normalize_text, Tagger};

/// At most this many terms are kept per item: the title's first, then the
/// summary's, then the body's.
pub const MAX_TERMS: usize = 64;

/// Endings a listed spelling may carry and still be that entry ("Lavrov's",
/// "कुर्स्की", "shells"): after [`word_text`], the apostrophe is a space.
const SUFFIXES: [&str; 8] = ["s", "es", "n", "ns", "ी", "ों", "ियों", "ई"];

/// Function words of Hindi and English: they say nothing of any event, on
/// any beat. Everything else is weighed by how rare it is in the window.
const FUNCTION_WORDS: &str = "का की के को में से ने पर और है हैं था थे थी भी तो यह वह ये वे इस उस इन उन \
    लिए साथ बाद बीच तक कर करने करते करता करती किया किए किये गया गई गए रहा रही रहे होगा होगी \
    होंगे हो होने होता होती दिया दी दिए हुए हुई हुआ कहा कहना कहती कहते बताया अनुसार मुताबिक जब तब \
    अब कि या नहीं बहुत सबसे अपने अपनी अपना दोनों जो जिस जिसे जिन्होंने उन्होंने उनके उनकी उनका \
    इसके इसकी इसका वाले वाली वाला लेकर ही सकता सकती सकते रहें कई कुछ सभी किसी हर अगर लेकिन \
    मगर क्या क्यों कैसे पहले पहला पहली पहल ऊपर नीचे अंदर बाहर आज कल फिर तरह वजह जरिए द्वारा \
    बारे होकर शुरू जैसे जैसा जैसी ऐसे ऐसा ऐसी वहां यहां जहां कहां कब अभी सिर्फ केवल सब खुद बार तरफ \
    ओर दौरान बजाय पास बाकी अलावा अन्य एवं तथा व थीं वहीं यहीं जाने जाता जाती जाते जा रहे लगा लगी \
    लगे मिल मिला मिली देने लिया ली गयी चुका चुकी चुके दिनों लोगों ज्यादा ज़्यादा करीब लगभग \
    the a an of to in on at for with by from and or but is are was were be been has have had will \
    would it its this that these those as after before over about into than said says say told also \
    not no he she they his her their them who which what when where how there here then more most \
    can could may might should do does did up out new just all any some such only other against \
    between amid ahead since while during according first last next year years day days week";

/// Finds an item's evidence; compiled once from the tagger's term groups.
pub struct TermFinder {
    automaton: Option<AhoCorasick>,
    /// Per pattern: the concept it spells (key, name).
    patterns: Vec<(u64, String)>,
    function_words: HashSet<String>,
}

impl std::fmt::Debug for TermFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TermFinder")
            .field("patterns", &self.patterns.len())
            .finish_non_exhaustive()
    }
}

impl TermFinder {
    /// Compiles the spellings of every entry of the tagger's term groups.
    pub fn new(tagger: &Tagger) -> TermFinder {
        let mut forms: Vec<(String, u64, String)> = Vec::new();
        let mut seen = HashSet::new();
        for entry in tagger.term_entries() {
            let key = entry_key(entry.id, entry.forms);
            for form in entry.forms {
                let form = word_text(form).trim().to_string();
                if !form.is_empty() && seen.insert(form.clone()) {
                    forms.push((form, key, entry.id.to_string()));
                }
            }
        }
        forms.sort();
        let automaton = AhoCorasickBuilder::new()
            .match_kind(MatchKind::LeftmostLongest)
            .build(forms.iter().map(|(f, _, _)| format!(" {f}")))
            .ok();
        TermFinder {
            automaton,
            patterns: forms.into_iter().map(|(_, k, n)| (k, n)).collect(),
            function_words: words(&word_text(&normalize_text(FUNCTION_WORDS)))
                .map(str::to_string)
                .collect(),
        }
    }

    /// The names of the term groups' entries named in `text`, sorted (for
    /// tests and tools).
    pub fn concepts(&self, text: &str) -> Vec<String> {
        let mut found = Fields::default();
        self.read_field(&normalize_text(text), 0, &mut found);
        let mut names: Vec<String> = found
            .listed
            .iter()
            .map(|&i| self.patterns[i].1.clone())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// The signature of a feed item as khabar stores it (plain-text title
    /// and summary, sanitised HTML content), with an empty key and outlet
    /// and the epoch as its date: the stage sets them from the item's row.
    pub fn item_signature(
        &self,
        title: &str,
        summary: Option<&str>,
        content_html: Option<&str>,
    ) -> ItemSignature {
        let content = content_html.map(html_to_text).unwrap_or_default();
        self.text_signature(title, summary, &content)
    }

    /// [`Self::item_signature`] with the content already plain text (as
    /// tagging also needs it: converted once for both).
    pub fn text_signature(
        &self,
        title: &str,
        summary: Option<&str>,
        content: &str,
    ) -> ItemSignature {
        self.signature(&StoryInput {
            key: "",
            outlet: "",
            title,
            summary: summary.unwrap_or(""),
            content,
            at: chrono::DateTime::UNIX_EPOCH,
        })
    }

    /// The signature of an item: its title, summary and content.
    pub fn signature(&self, item: &StoryInput<'_>) -> ItemSignature {
        let mut found = Fields::default();
        let mut lead_words: Vec<String> = Vec::new();
        for (i, field) in [item.title, item.summary, item.content].iter().enumerate() {
            let folded = normalize_text(field);
            let flags = match i {
                0 => IN_TITLE | IN_LEAD,
                1 => IN_LEAD,
                _ => 0,
            };
            let text = self.read_field(&folded, flags, &mut found);
            if i < 2 {
                lead_words.extend(words(&text).map(str::to_string));
            } else {
                found.body = text;
            }
        }
        let lead: Vec<&str> = lead_words.iter().map(String::as_str).collect();
        let all: Vec<&str> = lead.iter().copied().chain(words(&found.body)).collect();
        let mut terms = found.terms;
        terms.sort_by_key(|t| t.key);
        ItemSignature {
            key: item.key.to_string(),
            outlet: item.outlet.to_string(),
            at: item.at,
            scripts: scripts_of(&all),
            minhash: MinHash::of_words(&all, MINHASH_LEN),
            lead: MinHash::of_words(&lead, LEAD_LEN),
            terms,
        }
    }

    /// Adds one field's concepts, figures and words to `found`, each with
    /// the field's `flag`; returns the field's word text.
    fn read_field(&self, folded: &str, flag: u8, found: &mut Fields) -> String {
        let text = word_text(folded);
        let mut covered: Vec<(usize, usize)> = Vec::new();
        if let Some(ac) = &self.automaton {
            for m in ac.find_iter(&text) {
                let Some(end) = name_end(&text, m.end()) else {
                    continue;
                };
                let (key, name) = &self.patterns[m.pattern().as_usize()];
                found.add(*key, flag, name);
                found.listed.push(m.pattern().as_usize());
                covered.push((m.start(), end));
            }
        }
        let mut offset = 0;
        let mut plain: Vec<&str> = Vec::new();
        // Matches come in text order and do not overlap: one pass.
        let mut spans = covered.iter().peekable();
        for w in text.split(' ') {
            let at = offset;
            offset += w.len() + 1;
            while spans.peek().is_some_and(|&&(_, end)| end <= at) {
                spans.next();
            }
            let inside = spans
                .peek()
                .is_some_and(|&&(start, end)| at >= start && at < end);
            if w.is_empty() || inside {
                continue;
            }
            plain.push(w);
            if is_number_word(w) || self.function_words.contains(w) {
                continue;
            }
            if let Some(key) = word_key(w) {
                let script = match script_of(w) {
                    Script::Devanagari => DEVANAGARI,
                    Script::Latin => LATIN,
                    Script::Other => 0,
                };
                found.add(key, flag | script, w);
            }
        }
        for figure in figures(plain.iter().copied()) {
            let canonical = figure.canonical();
            found.add(TermKind::Number.key(hash(&canonical)), flag, &canonical);
        }
        text
    }
}

/// What reading an item's fields found so far.
#[derive(Default)]
struct Fields {
    terms: Vec<Term>,
    /// The patterns of the term groups' entries found.
    listed: Vec<usize>,
    keys: HashSet<u64>,
    body: String,
}

impl Fields {
    /// Adds a term once (its first spelling is its label; a later
    /// occurrence adds its flags), up to [`MAX_TERMS`].
    fn add(&mut self, key: u64, flags: u8, label: &str) {
        if !self.keys.insert(key) {
            if let Some(t) = self.terms.iter_mut().find(|t| t.key == key) {
                t.flags |= flags;
            }
            return;
        }
        if self.terms.len() < MAX_TERMS {
            self.terms.push(Term {
                key,
                flags,
                label: label.to_string(),
            });
        }
    }
}

/// The key of a term group's entry: one concept in every script it is
/// listed in. An entry of one word listed in one script only ("Kalma") is
/// keyed as that word is, by its transliteration skeleton, so that it still
/// meets the name written in the other script ("कालमा"), as an unlisted
/// name would: listing a name never hides it from the other script.
fn entry_key(id: &str, forms: &[String]) -> u64 {
    let scripts = forms.iter().fold(0, |m, f| {
        m | match script_of(f) {
            Script::Latin => LATIN,
            Script::Devanagari => DEVANAGARI,
            Script::Other => 0,
        }
    });
    let id = id.trim();
    match word_key(id) {
        Some(key) if !id.contains(' ') && scripts != LATIN | DEVANAGARI => key,
        _ => TermKind::Concept.key(hash(id)),
    }
}

/// Where a listed spelling that ends at `end` ends as a word, possibly after
/// one of [`SUFFIXES`]; `None` when it is part of a longer word.
fn name_end(text: &str, end: usize) -> Option<usize> {
    let rest = &text[end..];
    if rest.starts_with(' ') {
        return Some(end);
    }
    SUFFIXES
        .iter()
        .find(|s| rest.strip_prefix(**s).is_some_and(|r| r.starts_with(' ')))
        .map(|s| end + s.len())
}

/// The key of a content word: the transliteration skeleton of its stem
/// ([`crate::translit::skeleton`]), so that inflections, spelling variants
/// and scripts meet (लावरोव = Lavrov, वोनसान = Wonsan); `None` for a word
/// too short to tell anything.
fn word_key(word: &str) -> Option<u64> {
    let stem = stem(word);
    if stem.chars().count() < 3 {
        return None;
    }
    let skeleton = crate::translit::skeleton(stem);
    (skeleton.len() >= 2).then(|| TermKind::Word.key(hash(&skeleton)))
}

/// The word without its plural or oblique ending ("workers" → "worker",
/// "मज़दूरों" → "मज़दूर", "सैलानियों" → "सैलानी").
fn stem(word: &str) -> &str {
    const DEVANAGARI_ENDINGS: [&str; 6] = ["ियों", "ियां", "ाओं", "ाएं", "ों", "ें"];
    for ending in DEVANAGARI_ENDINGS {
        if let Some(stem) = word.strip_suffix(ending) {
            if stem.chars().count() >= 2 {
                // "सैलानियों" keeps its "ी" as "सैलानि": the skeleton reads both alike.
                return stem;
            }
        }
    }
    if word.is_ascii() && word.len() > 4 && !word.ends_with("ss") {
        if let Some(stem) = word.strip_suffix('s') {
            return stem;
        }
    }
    word
}

/// [`LATIN`] and/or [`DEVANAGARI`]: each script that writes at least a fifth
/// of the words (and two of them).
fn scripts_of(words: &[&str]) -> u8 {
    let (mut latin, mut deva) = (0usize, 0usize);
    for w in words {
        match script_of(w) {
            Script::Latin => latin += 1,
            Script::Devanagari => deva += 1,
            Script::Other => {}
        }
    }
    let enough = |n: usize| n >= 2 && n * 5 >= latin + deva;
    let mut mask = 0;
    if enough(latin) {
        mask |= LATIN;
    }
    if enough(deva) {
        mask |= DEVANAGARI;
    }
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concepts_resolve_across_scripts() {
        let f = TermFinder::new(&Tagger::builtin());
        let cases = [
            (
                "hindi",
                "लावरोव ने वोनसान में किम जोंग उन से बात की",
                vec!["kim jong un", "lavrov", "wonsan"],
            ),
            (
                "english",
                "Sergei Lavrov's visit to Wonsan-Kalma",
                vec!["kalma", "lavrov", "visit"],
            ),
            (
                "nukta and dash",
                "किम जोंग-उन और शोइगु",
                vec!["kim jong un", "shoigu"],
            ),
            ("no partial words", "Putinism and Kurskaya", vec![]),
        ];
        for (what, text, want) in cases {
            assert_eq!(f.concepts(text), want, "{what}");
        }
    }

    #[test]
    fn function_and_number_words_are_not_terms_and_figures_are() {
        let f = TermFinder::new(&Tagger::builtin());
        let sig = f.text_signature("रुई का 1.2 करोड़ और the cotton", None, "");
        let labels: Vec<&str> = sig.terms.iter().map(|t| t.label.as_str()).collect();
        assert!(labels.contains(&"12000000"), "{labels:?}");
        assert!(
            labels.contains(&"रुई") && labels.contains(&"cotton"),
            "{labels:?}"
        );
        assert!(
            !labels
                .iter()
                .any(|l| ["का", "करोड", "और", "the"].contains(l)),
            "{labels:?}"
        );
        assert!(sig.terms.iter().all(|t| t.flags & IN_TITLE != 0));
        assert_eq!(sig.scripts, LATIN | DEVANAGARI);
    }

    #[test]
    fn a_name_listed_in_one_script_still_meets_its_transliteration() {
        // "Kalma" is listed in Latin letters only: the Devanagari spelling
        // must meet it as it would an unlisted name.
        let f = TermFinder::new(&Tagger::builtin());
        let keys = |text: &str| -> HashSet<u64> {
            let sig = f.text_signature(text, None, "");
            sig.terms.iter().map(|t| t.key).collect()
        };
        let latin = keys("Russian tourists at the Kalma resort");
        let hindi = keys("कालमा रिसॉर्ट में रूसी सैलानी");
        assert!(latin.contains(&word_key("kalma").unwrap()), "{latin:?}");
        assert!(hindi.contains(&word_key("kalma").unwrap()), "{hindi:?}");
        // Entries listed in both scripts stay one concept.
        assert_eq!(f.concepts("कालमा, वोनसान"), vec!["wonsan"]);
        assert_eq!(f.concepts("Wonsan-Kalma"), vec!["kalma"]);
    }

    #[test]
    fn plural_and_oblique_endings_are_one_word() {
        assert_eq!(stem("workers"), "worker");
        assert_eq!(stem("मजदूरों"), "मजदूर");
        assert_eq!(stem("class"), "class");
        assert_eq!(word_key("shells"), word_key("shell"));
    }
}
