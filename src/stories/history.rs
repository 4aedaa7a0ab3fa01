//! What the grouper remembers of terms beyond the window: for each term,
//! a count of the stories that carried it, fading as newer stories come
//! (the last [`HORIZON`] stories or so). A small window cannot tell a word
//! every report uses ("फिर", "कहना", "देश") from an event's own name; the
//! stream before it can, on any beat and in any language. It is learned,
//! never listed, and saved with the store so that a restarted grouper
//! weighs terms exactly as the one before it.

use super::window::FastMap;

/// Stories over which a term's count fades to a third (exponential decay).
const HORIZON: f32 = 2000.0;
/// When more terms than this are remembered, the faintest are forgotten.
const MAX_TERMS: usize = 1 << 18;
/// A count this faint is forgotten when pruning.
const FAINT: f32 = 0.25;
/// Until stories accumulate, a term is taken to be as common as this share
/// of stories, as if [`PRIOR_STORIES`] stories had shown it: a grouper that
/// has seen two stories cannot tell Putin from Lavrov, and takes neither
/// for an event's own name.
const PRIOR_SHARE: f32 = 0.25;
const PRIOR_STORIES: f32 = 8.0;

/// Decayed story counts per term.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct History {
    /// Term → (count at `epoch`, epoch).
    terms: FastMap<u64, (f32, u32)>,
    /// Stories begun so far.
    epoch: u32,
    /// Decayed count of stories, at `epoch`.
    total: f32,
}

fn decay(count: f32, from: u32, to: u32) -> f32 {
    let steps = to.saturating_sub(from).min(i32::MAX as u32) as i32;
    count * (1.0 - 1.0 / HORIZON).powi(steps)
}

impl History {
    /// A story begins: every count fades one step.
    pub(super) fn new_story(&mut self) {
        self.epoch = self.epoch.wrapping_add(1);
        self.total = decay(self.total, 0, 1) + 1.0;
    }

    /// A story carries `term`.
    pub(super) fn add(&mut self, term: u64) {
        let epoch = self.epoch;
        let entry = self.terms.entry(term).or_insert((0.0, epoch));
        *entry = (decay(entry.0, entry.1, epoch) + 1.0, epoch);
        if self.terms.len() > MAX_TERMS {
            self.prune();
        }
    }

    /// The share of recent stories that carried `term`, leaving out `own`
    /// of them (stories known to carry it), smoothed towards
    /// [`PRIOR_SHARE`] while few stories are known.
    pub(super) fn share_besides(&self, term: u64, own: u32) -> f32 {
        let count = self
            .terms
            .get(&term)
            .map_or(0.0, |&(count, at)| decay(count, at, self.epoch));
        let others = (count - own as f32).max(0.0);
        let total = (self.total - own as f32).max(0.0);
        ((others + PRIOR_SHARE * PRIOR_STORIES) / (total + PRIOR_STORIES)).min(1.0)
    }

    fn prune(&mut self) {
        let epoch = self.epoch;
        self.terms
            .retain(|_, &mut (count, at)| decay(count, at, epoch) >= FAINT);
    }

    /// The history as bytes for the store.
    pub(super) fn encode(&self) -> Vec<u8> {
        let mut terms: Vec<(&u64, &(f32, u32))> = self.terms.iter().collect();
        terms.sort_unstable_by_key(|(k, _)| **k);
        let mut out = Vec::with_capacity(16 + 16 * terms.len());
        out.push(VERSION);
        out.extend(self.epoch.to_le_bytes());
        out.extend(self.total.to_le_bytes());
        for (key, (count, at)) in terms {
            out.extend(key.to_le_bytes());
            out.extend(count.to_le_bytes());
            out.extend(at.to_le_bytes());
        }
        out
    }

    /// A history from [`Self::encode`]'s bytes; `None` for other bytes.
    pub(super) fn decode(bytes: &[u8]) -> Option<History> {
        let (&version, rest) = bytes.split_first()?;
        if version != VERSION || rest.len() < 8 || (rest.len() - 8) % 16 != 0 {
            return None;
        }
        let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let mut history = History {
            terms: FastMap::default(),
            epoch: u32_at(rest, 0),
            total: f32::from_bits(u32_at(rest, 4)),
        };
        for chunk in rest[8..].chunks_exact(16) {
            let key = u64::from_le_bytes(chunk[..8].try_into().ok()?);
            let count = f32::from_bits(u32_at(chunk, 8));
            history.terms.insert(key, (count, u32_at(chunk, 12)));
        }
        Some(history)
    }
}

const VERSION: u8 = 1;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_fade_and_survive_encoding() {
        let mut h = History::default();
        for i in 0..10 {
            h.new_story();
            h.add(1);
            if i % 2 == 0 {
                h.add(2);
            }
        }
        let prior = PRIOR_SHARE * PRIOR_STORIES;
        let share = |n: f32, total: f32| (n + prior) / (total + PRIOR_STORIES);
        assert!((h.share_besides(1, 0) - share(10.0, 10.0)).abs() < 0.05);
        assert!((h.share_besides(2, 0) - share(5.0, 10.0)).abs() < 0.05);
        assert!((h.share_besides(2, 1) - share(4.0, 9.0)).abs() < 0.05);
        assert!((h.share_besides(3, 0) - share(0.0, 10.0)).abs() < 0.05);
        assert!(h.share_besides(3, 0) < h.share_besides(2, 0));
        let back = History::decode(&h.encode()).expect("decodes");
        assert_eq!(back, h);
        assert_eq!(History::decode(&[9, 0, 0]), None);
    }
}
