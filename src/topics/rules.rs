//! Rule trees and their evaluation over an item's hits.

use std::borrow::Cow;

use super::config::Weights;
use super::lexicon::Lexicon;
use super::matcher::{Hit, Scan};
use crate::model::FieldKind;

/// How close the parts of an `all` must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Within {
    /// In one sentence (segment) of one field.
    Segment,
    /// In one clause of one sentence (see `matcher::MIN_CLAUSE_WORDS`).
    Clause,
    /// At most this many words apart, in one clause of one field.
    Words(u32),
}

/// A checked rule tree; groups are indices into the lexicon.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Group {
        group: usize,
        min: u32,
        fields: Option<Vec<FieldKind>>,
    },
    All {
        children: Vec<Node>,
        within: Option<Within>,
        min: u32,
    },
    Any {
        children: Vec<Node>,
        min: u32,
    },
    Not(Box<Node>),
    /// A rule with a name, for explanations ("implied parties").
    Named {
        name: String,
        node: Box<Node>,
    },
}

/// Whether a node held, and the hits (indices into `Scan::hits`, sorted) that
/// are its evidence: borrowed from the item's hits by group when a group's
/// hits all count, so a rule tree copies no evidence it does not change.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome<'a> {
    pub held: bool,
    pub evidence: Cow<'a, [u32]>,
}

/// What evaluation needs: the scanned item, its hits by group and the
/// topic's weights.
pub(crate) struct Ctx<'a> {
    pub scan: &'a Scan<'a>,
    pub weights: Weights,
    /// Per group, the hits that count for it (see [`hits_by_group`]).
    pub by_group: &'a [Vec<u32>],
}

/// Per group, the indices of the item's hits that count for it, in order:
/// computed once per item, so each rule node reads its group's hits instead
/// of scanning them all, and a hundred topics cost little on an item that
/// names none of their terms.
pub(crate) fn hits_by_group(lex: &Lexicon, scan: &Scan) -> Vec<Vec<u32>> {
    let mut out = vec![Vec::new(); lex.groups.len()];
    for (i, h) in scan.hits.iter().enumerate() {
        for &g in &lex.term_groups[h.term as usize] {
            out[g].push(i as u32);
        }
    }
    out
}

impl<'a> Ctx<'a> {
    fn weight(&self, hit: &Hit) -> u32 {
        self.weights.of(self.scan.slots[hit.slot as usize].kind)
    }

    fn weighted(&self, evidence: &[u32]) -> u64 {
        evidence
            .iter()
            .map(|&i| u64::from(self.weight(&self.scan.hits[i as usize])))
            .sum()
    }

    /// Evaluates `node` over the item.
    pub fn eval(&self, node: &Node) -> Outcome<'a> {
        match node {
            Node::Group { group, min, fields } => {
                let by_group: &'a [Vec<u32>] = self.by_group;
                let Some(hits) = by_group.get(*group).filter(|h| !h.is_empty()) else {
                    return Outcome::default();
                };
                let counts = |&i: &u32| {
                    let h = &self.scan.hits[i as usize];
                    let kind = self.scan.slots[h.slot as usize].kind;
                    self.weight(h) > 0 && fields.as_ref().is_none_or(|f| f.contains(&kind))
                };
                let evidence = if hits.iter().all(counts) {
                    Cow::Borrowed(hits.as_slice())
                } else {
                    Cow::Owned(hits.iter().copied().filter(counts).collect())
                };
                self.with_min(true, evidence, *min)
            }
            Node::Any { children, min } => {
                let held: Vec<Outcome> = children
                    .iter()
                    .map(|c| self.eval(c))
                    .filter(|o| o.held)
                    .collect();
                let any = !held.is_empty();
                let evidence = match held.len() {
                    0 => Cow::Borrowed(&[][..]),
                    1 => held
                        .into_iter()
                        .next()
                        .map(|o| o.evidence)
                        .unwrap_or_default(),
                    _ => Cow::Owned(union(held.into_iter())),
                };
                self.with_min(any, evidence, *min)
            }
            Node::All {
                children,
                within,
                min,
            } => {
                // Stop at the first part that fails: most items name none of
                // most topics' terms, and nothing is allocated for them.
                let mut outs: Vec<Outcome> = Vec::new();
                for c in children {
                    let o = self.eval(c);
                    if !o.held {
                        return Outcome::default();
                    }
                    outs.push(o);
                }
                let positives: Vec<&Outcome> = children
                    .iter()
                    .zip(&outs)
                    .filter(|(c, _)| !is_negation(c))
                    .map(|(_, o)| o)
                    .collect();
                let evidence: Cow<'a, [u32]> = Cow::Owned(match within {
                    None => union(positives.into_iter().cloned()),
                    Some(w) => self.near(&positives, *w),
                });
                let held = within.is_none() || !evidence.is_empty();
                self.with_min(held, evidence, *min)
            }
            Node::Not(child) => Outcome {
                held: !self.eval(child).held,
                evidence: Cow::Borrowed(&[]),
            },
            Node::Named { node, .. } => self.eval(node),
        }
    }

    fn with_min(&self, held: bool, evidence: Cow<'a, [u32]>, min: u32) -> Outcome<'a> {
        // Every hit weighs at least 1, so min 1 needs no sum.
        let held = held
            && (min <= 1 && !evidence.is_empty() || self.weighted(&evidence) >= u64::from(min));
        Outcome {
            held,
            evidence: if held { evidence } else { Cow::Borrowed(&[]) },
        }
    }

    /// Hits that sit in a window (one sentence of one field, and at most N
    /// words apart with `Words(N)`) holding evidence of every part. A sliding window over the hits
    /// sorted by position: the widest valid window ending at each hit.
    fn near(&self, parts: &[&Outcome], within: Within) -> Vec<u32> {
        let hits = &self.scan.hits;
        let mut events: Vec<Event> = Vec::new();
        for (part, outcome) in parts.iter().enumerate() {
            for &i in outcome.evidence.iter() {
                let h = &hits[i as usize];
                events.push((h.slot, h.segment, h.clause, h.word, part, i));
            }
        }
        events.sort_unstable();
        let fits = |a: &Event, b: &Event| {
            (a.0, a.1) == (b.0, b.1)
                && match within {
                    Within::Segment => true,
                    Within::Clause => a.2 == b.2,
                    // Words apart in one clause: a headline's comma between
                    // two reports is no nearer than a sentence break.
                    Within::Words(n) => a.2 == b.2 && b.3 - a.3 <= n,
                }
        };
        let mut counts = vec![0usize; parts.len()];
        let (mut covered, mut left) = (0, 0);
        let mut marks = vec![0i32; events.len() + 1];
        for right in 0..events.len() {
            let part = events[right].4;
            counts[part] += 1;
            covered += usize::from(counts[part] == 1);
            while !fits(&events[left], &events[right]) {
                let lp = events[left].4;
                counts[lp] -= 1;
                covered -= usize::from(counts[lp] == 0);
                left += 1;
            }
            if covered == parts.len() {
                marks[left] += 1;
                marks[right + 1] -= 1;
            }
        }
        let mut depth = 0;
        let mut out: Vec<u32> = Vec::new();
        for (i, e) in events.iter().enumerate() {
            depth += marks[i];
            if depth > 0 {
                out.push(e.5);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

/// A hit in a proximity window: slot, segment, clause, word, part, hit index.
type Event = (u32, u32, u32, u32, usize, u32);

/// A `not`, named or not: checked for the whole item, not in the window.
fn is_negation(node: &Node) -> bool {
    match node {
        Node::Not(_) => true,
        Node::Named { node, .. } => is_negation(node),
        _ => false,
    }
}

fn union<'a>(outs: impl Iterator<Item = Outcome<'a>>) -> Vec<u32> {
    let mut all: Vec<u32> = outs.flat_map(|o| o.evidence.into_owned()).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// A canonical text of a rule with group names, for fingerprints and `explain`.
pub(crate) fn describe(node: &Node, lex: &Lexicon) -> String {
    match node {
        Node::Group { group, min, fields } => {
            let mut s = format!("group {}", lex.groups[*group].name);
            if *min > 1 {
                s += &format!(" min {min}");
            }
            if let Some(f) = fields {
                let names: Vec<&str> = f.iter().map(|k| k.name()).collect();
                s += &format!(" in {}", names.join(","));
            }
            s
        }
        Node::All { within, min, .. } => {
            let mut s = "all".to_string();
            match within {
                Some(Within::Segment) => s += " within sentence",
                Some(Within::Clause) => s += " within clause",
                Some(Within::Words(n)) => s += &format!(" within {n} words"),
                None => {}
            }
            if *min > 1 {
                s += &format!(" min {min}");
            }
            s
        }
        Node::Any { min, .. } if *min > 1 => format!("any min {min}"),
        Node::Any { .. } => "any".to_string(),
        Node::Not(_) => "not".to_string(),
        Node::Named { name, .. } => format!("rule \"{name}\""),
    }
}

/// The node's children, for walking the tree.
pub(crate) fn children(node: &Node) -> &[Node] {
    match node {
        Node::All { children, .. } | Node::Any { children, .. } => children,
        Node::Not(child) | Node::Named { node: child, .. } => std::slice::from_ref(child),
        Node::Group { .. } => &[],
    }
}
