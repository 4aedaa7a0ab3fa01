//! Why an item got (or did not get) each topic: the rule tree with evidence.

use std::fmt;

use super::matcher::Scan;
use super::rules::{self, children, describe, Ctx, Node};
use super::tagger::Tagger;
use super::{TermMatch, TopicSlug};

/// Most matches listed per node when displayed.
const SHOWN_PER_NODE: usize = 8;

/// Every topic's verdict for one item.
#[derive(Debug, Clone)]
pub struct Explanation {
    /// One entry per topic, in config order.
    pub topics: Vec<TopicExplanation>,
}

/// One topic's verdict and rule tree.
#[derive(Debug, Clone)]
pub struct TopicExplanation {
    /// The topic.
    pub slug: TopicSlug,
    /// Its display name.
    pub name: String,
    /// Whether the item is about it.
    pub held: bool,
    /// The evaluated rule.
    pub root: ExplainNode,
}

/// One node of an evaluated rule.
#[derive(Debug, Clone)]
pub struct ExplainNode {
    /// The node, e.g. `all within sentence`, `group russia_side min 2`.
    pub rule: String,
    /// Whether it held.
    pub held: bool,
    /// The matches that are its evidence (empty when it did not hold).
    pub evidence: Vec<TermMatch>,
    /// Its sub-rules.
    pub children: Vec<ExplainNode>,
}

pub(crate) fn build(tagger: &Tagger, scan: &Scan) -> Explanation {
    let by_group = rules::hits_by_group(&tagger.lex, scan);
    let topics = tagger
        .info()
        .iter()
        .zip(&tagger.rules)
        .map(|(info, topic)| {
            let ctx = Ctx {
                scan,
                weights: topic.weights,
                by_group: &by_group,
            };
            let root = node(tagger, &ctx, &topic.rule);
            TopicExplanation {
                slug: info.slug.clone(),
                name: info.name.clone(),
                held: root.held,
                root,
            }
        })
        .collect();
    Explanation { topics }
}

fn node(tagger: &Tagger, ctx: &Ctx, n: &Node) -> ExplainNode {
    let outcome = ctx.eval(n);
    ExplainNode {
        rule: describe(n, &tagger.lex),
        held: outcome.held,
        evidence: dedup(
            outcome
                .evidence
                .iter()
                .map(|&i| tagger.term_match(ctx.scan, i))
                .collect(),
        ),
        children: children(n).iter().map(|c| node(tagger, ctx, c)).collect(),
    }
}

/// One match per place: a text spelled by two terms ("रूस"+"ी", "रूसी") shows once.
fn dedup(mut matches: Vec<TermMatch>) -> Vec<TermMatch> {
    matches.dedup_by(|a, b| (a.field, a.start, a.end) == (b.field, b.start, b.end));
    matches
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.topics {
            let verdict = if t.held { "MATCHED" } else { "not matched" };
            writeln!(f, "{} ({}): {verdict}", t.slug, t.name)?;
            t.root.write(f, 1)?;
        }
        Ok(())
    }
}

impl ExplainNode {
    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let mark = if self.held { "✓" } else { "✗" };
        write!(f, "{:indent$}{mark} {}", "", self.rule, indent = depth * 2)?;
        if self.children.is_empty() && !self.evidence.is_empty() {
            let shown: Vec<String> = self
                .evidence
                .iter()
                .take(SHOWN_PER_NODE)
                .map(|m| match &m.place {
                    Some(place) => format!("{} \"{}\" @{} = {place}", m.field, m.surface, m.start),
                    None => format!("{} \"{}\" @{}", m.field, m.surface, m.start),
                })
                .collect();
            write!(f, ": {}", shown.join(", "))?;
            if self.evidence.len() > SHOWN_PER_NODE {
                write!(f, " … and {} more", self.evidence.len() - SHOWN_PER_NODE)?;
            }
        }
        writeln!(f)?;
        self.children.iter().try_for_each(|c| c.write(f, depth + 1))
    }
}
