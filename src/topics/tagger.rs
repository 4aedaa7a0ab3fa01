//! `Tagger`: topics compiled once, applied to many items.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use sha2::{Digest, Sha256};

use super::config::{parse_rule, GroupLookup, RuleError, TermGroupDef, TopicDef, Weights};
use super::explain::{self, Explanation};
use super::lexicon::Lexicon;
use super::matcher::{Matcher, Scan};
use super::normalize::FOLDING_VERSION;
use super::rules::{self, children, describe, Ctx, Node};
use super::{EntityTerms, TagInput, TermMatch, TopicHit, TopicInfo, TopicSlug, TopicsConfig};

/// The built-in topics, used when the config defines none.
const DEFAULT_TOML: &str = include_str!("default.toml");

pub(crate) struct CompiledTopic {
    pub rule: Node,
    pub weights: Weights,
}

/// Compiled topics: one automaton for every term of every group. `Send + Sync`;
/// build once at start-up and share.
pub struct Tagger {
    pub(crate) lex: Lexicon,
    matcher: Matcher,
    info: Vec<TopicInfo>,
    pub(crate) rules: Vec<CompiledTopic>,
    fingerprint: String,
}

impl std::fmt::Debug for Tagger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tagger")
            .field("topics", &self.info)
            .field("fingerprint", &self.fingerprint)
            .finish_non_exhaustive()
    }
}

impl Tagger {
    /// The built-in `russia-north-korea` topic (from `default.toml`).
    pub fn builtin() -> Tagger {
        let cfg: TopicsConfig = toml::from_str(DEFAULT_TOML)
            // The embedded file is fixed at build time and parsed by a unit test.
            .expect("built-in default.toml parses");
        // Same: the built-in rules are compiled by a unit test.
        Tagger::compile(&cfg.term_groups, &cfg.topics).expect("built-in default.toml compiles")
    }

    /// Checks and compiles groups and topics. An empty `topics` compiles to a
    /// tagger with no topics: the caller decides to use [`Tagger::builtin`].
    pub fn compile(
        groups: &BTreeMap<String, TermGroupDef>,
        topics: &[TopicDef],
    ) -> Result<Tagger, RuleError> {
        let lex = Lexicon::compile(groups)?;
        let is_empty = |g: usize| lex.groups[g].members.is_empty();
        let lookup = GroupLookup {
            index: &lex.index,
            is_empty: &is_empty,
        };
        let mut info: Vec<TopicInfo> = Vec::new();
        let mut rules = Vec::new();
        for def in topics {
            let topic = def.slug.clone();
            let slug = TopicSlug::parse(&def.slug).map_err(|problem| RuleError::InvalidSlug {
                topic: topic.clone(),
                problem,
            })?;
            if info.iter().any(|i| i.slug == slug) {
                return Err(RuleError::DuplicateSlug { topic });
            }
            if def.name.trim().is_empty() {
                return Err(RuleError::EmptyName { topic });
            }
            if def.weights
                == (Weights {
                    title: 0,
                    summary: 0,
                    content: 0,
                    categories: 0,
                })
            {
                return Err(RuleError::ZeroWeights { topic });
            }
            let rule = parse_rule(&topic, &def.rule, &lookup)?;
            info.push(TopicInfo {
                slug,
                name: def.name.trim().to_string(),
            });
            rules.push(CompiledTopic {
                rule,
                weights: def.weights,
            });
        }
        let matcher = Matcher::new(&read_patterns(&lex, &rules))?;
        let fingerprint = fingerprint(&lex, &info, &rules);
        Ok(Tagger {
            lex,
            matcher,
            info,
            rules,
            fingerprint,
        })
    }

    /// Parses a TOML document of `[term_groups.*]` and `[[topics]]` and
    /// compiles it; a document without topics gives the built-in tagger.
    pub fn from_toml(text: &str) -> Result<Tagger, String> {
        let cfg: TopicsConfig = toml::from_str(text).map_err(|e| e.to_string())?;
        if cfg.topics.is_empty() {
            return Ok(Tagger::builtin());
        }
        Tagger::compile(&cfg.term_groups, &cfg.topics).map_err(|e| e.to_string())
    }

    /// The topics, in config order.
    pub fn topics(&self) -> &[TopicInfo] {
        &self.info
    }

    /// The topics the item is about, in config order, each with its evidence.
    pub fn tag(&self, doc: &TagInput<'_>) -> Vec<TopicHit> {
        let scan = self.matcher.scan(doc);
        let by_group = rules::hits_by_group(&self.lex, &scan);
        let mut out = Vec::new();
        for (info, topic) in self.info.iter().zip(&self.rules) {
            let ctx = Ctx {
                scan: &scan,
                weights: topic.weights,
                by_group: &by_group,
            };
            let outcome = ctx.eval(&topic.rule);
            if outcome.held {
                out.push(self.hit(info, &scan, &outcome.evidence));
            }
        }
        out
    }

    fn hit(&self, info: &TopicInfo, scan: &Scan, evidence: &[u32]) -> TopicHit {
        let matches: Vec<TermMatch> = outermost(scan, evidence)
            .into_iter()
            .map(|i| self.term_match(scan, i))
            .collect();
        // Each surface once, in text order (a set: a long article has
        // hundreds of matches).
        let mut seen: HashSet<&str> = HashSet::with_capacity(matches.len());
        let why: Vec<String> = matches
            .iter()
            .filter(|m| seen.insert(m.surface.as_str()))
            .map(|m| m.surface.clone())
            .collect();
        TopicHit {
            slug: info.slug.clone(),
            why,
            matches,
        }
    }

    pub(crate) fn term_match(&self, scan: &Scan, i: u32) -> TermMatch {
        let hit = &scan.hits[i as usize];
        let term = &self.lex.terms[hit.term as usize];
        let group = &self.lex.groups[term.group];
        let (start, end) = scan.source_range(hit);
        TermMatch {
            field: scan.slots[hit.slot as usize].field,
            group: group.name.clone(),
            term: term.written.clone(),
            entity: group.entity.then(|| group.entries[term.entry][0].clone()),
            surface: scan.surface(hit).to_string(),
            start,
            end,
            place: term
                .place
                .and_then(|i| super::gazetteer::places().get(i as usize))
                .map(super::gazetteer::Place::to_ref),
        }
    }

    /// Every topic's rule tree with what matched where and whether each node
    /// held; `Display` renders it for `khabar topics explain`.
    pub fn explain(&self, doc: &TagInput<'_>) -> Explanation {
        let scan = self.matcher.scan(doc);
        explain::build(self, &scan)
    }

    /// Hex SHA-256 of the compiled rules (slugs, weights, rule trees, the
    /// patterns of the groups they use, and the folding version): it changes
    /// iff tagging could change, so stored items can be retagged.
    pub fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }

    /// The spellings of every entity of the groups marked `entity = true`.
    pub fn entity_terms(&self) -> impl Iterator<Item = EntityTerms<'_>> + '_ {
        self.lex.groups.iter().filter(|g| g.entity).flat_map(|g| {
            g.entries.iter().map(move |forms| EntityTerms {
                group: &g.name,
                id: &forms[0],
                forms,
            })
        })
    }

    /// The term groups filled from the gazetteer: (group, country name,
    /// number of its places compiled in), in group-name order. A place the
    /// config's own terms already name is left to them (not counted).
    pub fn gazetteer_groups(&self) -> Vec<(&str, &'static str, usize)> {
        self.lex
            .groups
            .iter()
            .enumerate()
            .filter_map(|(gi, g)| {
                let country = g.gazetteer.as_deref()?;
                let places: BTreeSet<usize> = self
                    .lex
                    .terms
                    .iter()
                    .filter(|t| t.group == gi && t.place.is_some())
                    .map(|t| t.entry)
                    .collect();
                Some((
                    g.name.as_str(),
                    super::gazetteer::country_name(country),
                    places.len(),
                ))
            })
            .collect()
    }

    /// The spellings of every entry of every term group, entities and
    /// concepts alike ("shells | गोले | गोला-बारूद"): what story grouping
    /// reads as one thing across languages.
    pub fn term_entries(&self) -> impl Iterator<Item = EntityTerms<'_>> + '_ {
        self.lex.groups.iter().flat_map(|g| {
            g.entries.iter().map(move |forms| EntityTerms {
                group: &g.name,
                id: &forms[0],
                forms,
            })
        })
    }

    /// The same tagger with every pattern of every group in one Aho-Corasick
    /// automaton, as khabar matched before the word index (and before groups
    /// no rule reads were left out): the reference the tests check the
    /// matcher against, and the "before" of the tagging bench.
    pub fn with_automaton_only(mut self) -> Result<Tagger, RuleError> {
        self.matcher = Matcher::automaton_only(&self.lex.patterns)?;
        Ok(self)
    }

    /// Every hit the matcher finds in `doc`, located: (term, slot, start,
    /// end, segment, clause, word).
    #[cfg(test)]
    pub(crate) fn raw_hits(&self, doc: &TagInput<'_>) -> Vec<[u32; 7]> {
        let scan = self.matcher.scan(doc);
        scan.hits
            .iter()
            .map(|h| [h.term, h.slot, h.start, h.end, h.segment, h.clause, h.word])
            .collect()
    }

    pub(crate) fn info(&self) -> &[TopicInfo] {
        &self.info
    }

    /// Per term, whether some rule reads it (only those are matched).
    #[cfg(test)]
    pub(crate) fn read_terms(&self) -> Vec<bool> {
        read_terms(&self.lex, &self.rules)
    }
}

/// Per term, whether some topic's rule reads a group it counts for. A group
/// no rule names (the built-in `events`, read only by story grouping, which
/// matches `term_entries` itself) would add hits to every article that
/// nothing looks at.
fn read_terms(lex: &Lexicon, rules: &[CompiledTopic]) -> Vec<bool> {
    fn walk(node: &Node, read: &mut BTreeSet<usize>) {
        if let Node::Group { group, .. } = node {
            read.insert(*group);
        }
        for c in children(node) {
            walk(c, read);
        }
    }
    let mut read = BTreeSet::new();
    for topic in rules {
        walk(&topic.rule, &mut read);
    }
    lex.term_groups
        .iter()
        .map(|groups| groups.iter().any(|g| read.contains(g)))
        .collect()
}

/// The lexicon's patterns, each with only the terms some rule reads;
/// patterns left with none are dropped.
fn read_patterns(lex: &Lexicon, rules: &[CompiledTopic]) -> Vec<(String, Vec<u32>)> {
    let read = read_terms(lex, rules);
    lex.patterns
        .iter()
        .filter_map(|(p, terms)| {
            let kept: Vec<u32> = terms
                .iter()
                .copied()
                .filter(|&t| read[t as usize])
                .collect();
            (!kept.is_empty()).then(|| (p.clone(), kept))
        })
        .collect()
}

/// The hits not strictly inside a longer one ("किम" in "किम जोंग उन" adds
/// nothing to show), in text order.
fn outermost(scan: &Scan, evidence: &[u32]) -> Vec<u32> {
    let span = |i: u32| (scan.hits[i as usize].start, scan.hits[i as usize].end);
    let mut order = evidence.to_vec();
    order.sort_by_key(|&i| (span(i).0, std::cmp::Reverse(span(i).1)));
    let (mut max_end, mut prev, mut prev_kept) = (0, None, false);
    let mut keep = Vec::new();
    for i in order {
        let (start, end) = span(i);
        let kept = if prev == Some((start, end)) {
            prev_kept
        } else {
            end > max_end
        };
        if kept {
            keep.push(i);
        }
        prev_kept = kept;
        max_end = max_end.max(end);
        prev = Some((start, end));
    }
    keep.sort_unstable();
    keep
}

fn fingerprint(lex: &Lexicon, info: &[TopicInfo], rules: &[CompiledTopic]) -> String {
    let mut h = Sha256::new();
    h.update(format!("folding {FOLDING_VERSION}\n"));
    let mut used = BTreeSet::new();
    for (i, t) in info.iter().zip(rules) {
        h.update(format!("topic {} {:?}\n", i.slug, t.weights));
        canon(&t.rule, lex, 1, &mut h, &mut used);
    }
    for g in used {
        h.update(format!("group {}\n", lex.groups[g].name));
        for p in lex.group_patterns(g) {
            h.update(format!(" {p}\n"));
        }
    }
    hex::encode(h.finalize())
}

fn canon(node: &Node, lex: &Lexicon, depth: usize, h: &mut Sha256, used: &mut BTreeSet<usize>) {
    if let Node::Group { group, .. } = node {
        used.insert(*group);
    }
    h.update(format!("{depth} {}\n", describe(node, lex)));
    for c in children(node) {
        canon(c, lex, depth + 1, h, used);
    }
}
