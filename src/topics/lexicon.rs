//! Term groups compiled into folded terms and the patterns (term + suffix)
//! that the matcher looks for.

use std::collections::{BTreeMap, BTreeSet};

use super::config::{is_valid_group_name, RuleError, TermGroupDef};
use super::gazetteer;
use super::normalize::{fold_into, is_word_char, Dashes, Folded};

/// One spelling of one entry of a group.
#[derive(Debug)]
pub(crate) struct Term {
    /// The group that lists it.
    pub group: usize,
    /// Its entry in that group: all spellings of one thing share it.
    pub entry: usize,
    /// As written in the config.
    pub written: String,
    /// The gazetteer place it spells (an index into `gazetteer::places()`).
    pub place: Option<u32>,
}

/// A compiled term group.
#[derive(Debug)]
pub(crate) struct Group {
    pub name: String,
    pub entity: bool,
    /// The gazetteer country its places come from, if any.
    pub gazetteer: Option<String>,
    /// Per entry: its folded spellings (the first names the entity).
    pub entries: Vec<Vec<String>>,
    /// Every term that counts for the group, its own and included, sorted.
    pub members: Vec<u32>,
}

/// All groups, their terms, and the distinct patterns to search for.
#[derive(Debug, Default)]
pub(crate) struct Lexicon {
    pub groups: Vec<Group>,
    pub index: BTreeMap<String, usize>,
    pub terms: Vec<Term>,
    /// Distinct folded patterns, sorted; each maps to the terms it spells.
    pub patterns: Vec<(String, Vec<u32>)>,
    /// For each term, every group it counts for (sorted).
    pub term_groups: Vec<Vec<usize>>,
}

/// Folds a term or suffix for matching (dashes read as spaces), trimmed.
pub(crate) fn fold_term(s: &str) -> String {
    let mut out = Folded::default();
    fold_into(s, Dashes::Space, &mut out);
    out.text.trim().to_string()
}

impl Lexicon {
    /// Compiles and checks every group; errors name the group.
    pub fn compile(defs: &BTreeMap<String, TermGroupDef>) -> Result<Lexicon, RuleError> {
        let mut lex = Lexicon::default();
        let mut pats: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        // Spellings the config lists itself: a gazetteer place sharing one
        // is left to the hand-written entry (one identity per place, and
        // "Moscow" stays a country word, not a place).
        let written: BTreeSet<String> = defs
            .values()
            .flat_map(|d| d.terms.iter().flat_map(|l| l.split('|')))
            .map(fold_term)
            .collect();
        for (gi, (name, def)) in defs.iter().enumerate() {
            if !is_valid_group_name(name) {
                return Err(RuleError::InvalidGroupName {
                    group: name.clone(),
                });
            }
            lex.index.insert(name.clone(), gi);
            let suffixes = fold_suffixes(name, &def.suffixes)?;
            let mut entries = Vec::new();
            let mut add = |line: &str, written: Vec<&str>, place: Option<u32>| {
                let entry = entries.len();
                let mut spellings = Vec::new();
                for written in written {
                    let folded = check_term(name, line, written)?;
                    let t = lex.terms.len() as u32;
                    lex.terms.push(Term {
                        group: gi,
                        entry,
                        written: written.to_string(),
                        place,
                    });
                    for s in std::iter::once("").chain(suffixes.iter().map(String::as_str)) {
                        let list = pats.entry(format!("{folded}{s}")).or_default();
                        if !list.contains(&t) {
                            list.push(t);
                        }
                    }
                    spellings.push(folded);
                }
                entries.push(spellings);
                Ok::<(), RuleError>(())
            };
            for line in &def.terms {
                add(line, line.split('|').map(str::trim).collect(), None)?;
            }
            if let Some(country) = &def.gazetteer {
                for (i, place) in gazetteer::places().iter().enumerate() {
                    let listed = || place.terms.iter().any(|t| written.contains(&fold_term(t)));
                    if place.country == country && !listed() {
                        add(place.name, place.terms.clone(), Some(i as u32))?;
                    }
                }
                if !gazetteer::places().iter().any(|p| p.country == country) {
                    return Err(RuleError::UnknownGazetteer {
                        group: name.clone(),
                        country: country.clone(),
                    });
                }
            }
            lex.groups.push(Group {
                name: name.clone(),
                entity: def.entity,
                gazetteer: def.gazetteer.clone(),
                entries,
                members: Vec::new(),
            });
        }
        lex.patterns = pats.into_iter().collect();
        lex.resolve_includes(defs)?;
        Ok(lex)
    }

    fn resolve_includes(&mut self, defs: &BTreeMap<String, TermGroupDef>) -> Result<(), RuleError> {
        let includes: Vec<Vec<usize>> = defs
            .iter()
            .map(|(name, def)| {
                def.include
                    .iter()
                    .map(|inc| {
                        self.index
                            .get(inc)
                            .copied()
                            .ok_or_else(|| RuleError::UnknownInclude {
                                group: name.clone(),
                                include: inc.clone(),
                            })
                    })
                    .collect()
            })
            .collect::<Result<_, _>>()?;
        self.term_groups = vec![Vec::new(); self.terms.len()];
        for g in 0..self.groups.len() {
            let mut seen = vec![g];
            let mut members = Vec::new();
            self.collect(g, &includes, &mut seen, &mut members)?;
            members.sort_unstable();
            members.dedup();
            for &t in &members {
                self.term_groups[t as usize].push(g);
            }
            self.groups[g].members = members;
        }
        Ok(())
    }

    /// Depth-first walk over includes; `chain` is the path, to report cycles.
    fn collect(
        &self,
        g: usize,
        inc: &[Vec<usize>],
        chain: &mut Vec<usize>,
        out: &mut Vec<u32>,
    ) -> Result<(), RuleError> {
        out.extend(
            self.terms
                .iter()
                .enumerate()
                .filter(|(_, t)| t.group == g)
                .map(|(i, _)| i as u32),
        );
        for &next in &inc[g] {
            if chain.contains(&next) {
                let names: Vec<&str> = chain
                    .iter()
                    .chain([&next])
                    .map(|&i| self.groups[i].name.as_str())
                    .collect();
                return Err(RuleError::IncludeCycle {
                    group: names[0].to_string(),
                    chain: names.join(" → "),
                });
            }
            chain.push(next);
            self.collect(next, inc, chain, out)?;
            chain.pop();
        }
        Ok(())
    }

    /// The folded patterns a group matches, sorted (for the fingerprint).
    pub fn group_patterns(&self, g: usize) -> Vec<&str> {
        let members = &self.groups[g].members;
        self.patterns
            .iter()
            .filter(|(_, ts)| ts.iter().any(|t| members.binary_search(t).is_ok()))
            .map(|(p, _)| p.as_str())
            .collect()
    }
}

fn fold_suffixes(group: &str, suffixes: &[String]) -> Result<Vec<String>, RuleError> {
    suffixes
        .iter()
        .map(|s| {
            // Written with or without a leading "-" ("-n", "ी"): both mean an ending.
            let f = fold_term(s.strip_prefix('-').unwrap_or(s));
            if f.is_empty() {
                Err(RuleError::InvalidSuffix {
                    group: group.into(),
                    suffix: s.clone(),
                })
            } else {
                Ok(f)
            }
        })
        .collect()
}

fn check_term(group: &str, line: &str, written: &str) -> Result<String, RuleError> {
    let bad = |problem: &str| RuleError::InvalidTerm {
        group: group.into(),
        term: line.into(),
        problem: problem.into(),
    };
    if written.is_empty() {
        return Err(bad("has an empty spelling (check for a stray `|`)"));
    }
    let folded = fold_term(written);
    if !folded.chars().any(is_word_char) {
        return Err(bad("has no letters or digits to match"));
    }
    if folded.contains(['\n', '|', ';', '।', '?', '!']) {
        return Err(bad(
            "spans a sentence break (`|`, `;`, `।`, `?`, `!`), so it could never match",
        ));
    }
    Ok(folded)
}
