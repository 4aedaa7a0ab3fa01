//! Rule trees and their evaluation over an item's hits.

use super::config::Weights;
use super::lexicon::Lexicon;
use super::matcher::{Hit, Scan};
use crate::model::FieldKind;

/// How close the parts of an `all` must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Within {
    /// In one sentence (segment) of one field.
    Segment,
    /// At most this many words apart, in one sentence of one field.
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
}

/// Whether a node held, and the hits (indices into `Scan::hits`, sorted) that
/// are its evidence.
#[derive(Debug, Clone, Default)]
pub(crate) struct Outcome {
    pub held: bool,
    pub evidence: Vec<u32>,
}

/// What evaluation needs: the lexicon, the scanned item and the topic's weights.
pub(crate) struct Ctx<'a> {
    pub lex: &'a Lexicon,
    pub scan: &'a Scan<'a>,
    pub weights: Weights,
}

impl Ctx<'_> {
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
    pub fn eval(&self, node: &Node) -> Outcome {
        match node {
            Node::Group { group, min, fields } => {
                let evidence: Vec<u32> = (0..self.scan.hits.len() as u32)
                    .filter(|&i| {
                        let h = &self.scan.hits[i as usize];
                        let kind = self.scan.slots[h.slot as usize].kind;
                        self.lex.term_groups[h.term as usize]
                            .binary_search(group)
                            .is_ok()
                            && self.weight(h) > 0
                            && fields.as_ref().is_none_or(|f| f.contains(&kind))
                    })
                    .collect();
                self.with_min(true, evidence, *min)
            }
            Node::Any { children, min } => {
                let outs: Vec<Outcome> = children.iter().map(|c| self.eval(c)).collect();
                let held = outs.iter().any(|o| o.held);
                self.with_min(held, union(outs.into_iter().filter(|o| o.held)), *min)
            }
            Node::All {
                children,
                within,
                min,
            } => {
                let outs: Vec<Outcome> = children.iter().map(|c| self.eval(c)).collect();
                if !outs.iter().all(|o| o.held) {
                    return Outcome::default();
                }
                let positives: Vec<&Outcome> = children
                    .iter()
                    .zip(&outs)
                    .filter(|(c, _)| !matches!(c, Node::Not(_)))
                    .map(|(_, o)| o)
                    .collect();
                let evidence = match within {
                    None => union(positives.into_iter().cloned()),
                    Some(w) => self.near(&positives, *w),
                };
                let held = within.is_none() || !evidence.is_empty();
                self.with_min(held, evidence, *min)
            }
            Node::Not(child) => Outcome {
                held: !self.eval(child).held,
                evidence: Vec::new(),
            },
        }
    }

    fn with_min(&self, held: bool, evidence: Vec<u32>, min: u32) -> Outcome {
        let held = held && self.weighted(&evidence) >= u64::from(min);
        Outcome {
            held,
            evidence: if held { evidence } else { Vec::new() },
        }
    }

    /// Hits that sit in a window (one sentence of one field, and at most N
    /// words apart with `Words(N)`) holding evidence of every part. A sliding window over the hits
    /// sorted by position: the widest valid window ending at each hit.
    fn near(&self, parts: &[&Outcome], within: Within) -> Vec<u32> {
        let hits = &self.scan.hits;
        let mut events: Vec<(u32, u32, u32, usize, u32)> = Vec::new();
        for (part, outcome) in parts.iter().enumerate() {
            for &i in &outcome.evidence {
                let h = &hits[i as usize];
                events.push((h.slot, h.segment, h.word, part, i));
            }
        }
        events.sort_unstable();
        type Event = (u32, u32, u32, usize, u32);
        let fits = |a: &Event, b: &Event| {
            (a.0, a.1) == (b.0, b.1)
                && match within {
                    Within::Segment => true,
                    Within::Words(n) => b.2 - a.2 <= n,
                }
        };
        let mut counts = vec![0usize; parts.len()];
        let (mut covered, mut left) = (0, 0);
        let mut marks = vec![0i32; events.len() + 1];
        for right in 0..events.len() {
            let part = events[right].3;
            counts[part] += 1;
            covered += usize::from(counts[part] == 1);
            while !fits(&events[left], &events[right]) {
                let lp = events[left].3;
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
                out.push(e.4);
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

fn union(outs: impl Iterator<Item = Outcome>) -> Vec<u32> {
    let mut all: Vec<u32> = outs.flat_map(|o| o.evidence).collect();
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
    }
}

/// The node's children, for walking the tree.
pub(crate) fn children(node: &Node) -> &[Node] {
    match node {
        Node::All { children, .. } | Node::Any { children, .. } => children,
        Node::Not(child) => std::slice::from_ref(child),
        Node::Group { .. } => &[],
    }
}
