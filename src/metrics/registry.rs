//! The metric types behind [`super`]'s table: counters, gauges and duration
//! histograms, each a fixed set of series kept in atomics, written in the
//! Prometheus text format (version 0.0.4).
//!
//! Hand-written rather than `prometheus-client`: that crate writes only
//! OpenMetrics, whose counter families are typed without their `_total`
//! suffix, so the classic text parsers (Prometheus' 0.0.4 one, Python's
//! `prometheus_client.parser`, older agents) read every counter as
//! untyped; its label families are a locked hash map grown on first use,
//! where here every label value is declared up front. That bounds the
//! series by construction (no URL can become a label), exports every
//! series from the start at 0 (so `rate()` sees the first event), and
//! makes an increment one relaxed atomic add with no lock or allocation,
//! which the HTTP counters do on every request.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// A metric's labels: each label's name and every value it may take.
pub type Labels = &'static [(&'static str, &'static [&'static str])];

/// Something [`render`](super::render) writes.
pub trait Metric: Sync {
    /// Appends the metric's HELP, TYPE and samples to `out`.
    fn render(&self, out: &mut String);
}

/// One slot per label-value combination, allocated on first use.
struct Series {
    labels: Labels,
    width: usize,
    slots: OnceLock<Box<[AtomicU64]>>,
}

impl Series {
    const fn new(labels: Labels, width: usize) -> Series {
        Series {
            labels,
            width,
            slots: OnceLock::new(),
        }
    }

    fn count(&self) -> usize {
        self.labels.iter().map(|(_, values)| values.len()).product()
    }

    fn slots(&self) -> &[AtomicU64] {
        self.slots.get_or_init(|| {
            (0..self.count() * self.width)
                .map(|_| AtomicU64::new(0))
                .collect()
        })
    }

    /// The slots of the series named by `values` (one per label, in order).
    /// An undeclared value is a bug at the call site: it panics in debug
    /// builds (the tests) and is not counted in release builds.
    fn of(&self, values: &[&str]) -> Option<&[AtomicU64]> {
        debug_assert_eq!(values.len(), self.labels.len(), "label count");
        let mut index = 0;
        for ((name, allowed), value) in self.labels.iter().zip(values) {
            let Some(at) = allowed.iter().position(|a| a == value) else {
                debug_assert!(false, "label {name}={value:?} is not declared");
                return None;
            };
            index = index * allowed.len() + at;
        }
        let start = index * self.width;
        Some(&self.slots()[start..start + self.width])
    }

    /// Every series: its label text (`{a="x",b="y"}` or empty) and slots.
    fn each(&self, mut f: impl FnMut(&str, &[AtomicU64])) {
        let slots = self.slots();
        for (index, chunk) in slots.chunks(self.width).enumerate() {
            let mut text = String::new();
            let mut rest = index;
            let mut parts = Vec::with_capacity(self.labels.len());
            for (name, allowed) in self.labels.iter().rev() {
                parts.push((name, allowed[rest % allowed.len()]));
                rest /= allowed.len();
            }
            for (name, value) in parts.iter().rev() {
                let sep = if text.is_empty() { '{' } else { ',' };
                let _ = write!(text, "{sep}{name}=\"{}\"", escape_label(value));
            }
            if !text.is_empty() {
                text.push('}');
            }
            f(&text, chunk);
        }
    }
}

/// A monotonic counter: only ever goes up, for the life of the process.
pub struct Counter {
    name: &'static str,
    help: &'static str,
    series: Series,
}

impl Counter {
    /// A counter named `name` (ending in `_total`) with `labels`.
    pub const fn new(name: &'static str, help: &'static str, labels: Labels) -> Counter {
        Counter {
            name,
            help,
            series: Series::new(labels, 1),
        }
    }

    /// Adds one to the series named by `values`.
    pub fn inc(&self, values: &[&str]) {
        self.add(1, values);
    }

    /// Adds `n` to the series named by `values`.
    pub fn add(&self, n: u64, values: &[&str]) {
        if let Some(slot) = self.series.of(values) {
            slot[0].fetch_add(n, Ordering::Relaxed);
        }
    }

    /// The series' current value.
    pub fn get(&self, values: &[&str]) -> u64 {
        self.series
            .of(values)
            .map_or(0, |slot| slot[0].load(Ordering::Relaxed))
    }
}

impl Metric for Counter {
    fn render(&self, out: &mut String) {
        header(out, self.name, self.help, "counter");
        self.series.each(|labels, slot| {
            let _ = writeln!(
                out,
                "{}{labels} {}",
                self.name,
                slot[0].load(Ordering::Relaxed)
            );
        });
    }
}

/// A value that goes up and down, set by whoever knows it.
pub struct Gauge {
    name: &'static str,
    help: &'static str,
    series: Series,
}

impl Gauge {
    /// A gauge named `name` with `labels`.
    pub const fn new(name: &'static str, help: &'static str, labels: Labels) -> Gauge {
        Gauge {
            name,
            help,
            series: Series::new(labels, 1),
        }
    }

    /// Sets the series named by `values` to `value`.
    pub fn set(&self, value: f64, values: &[&str]) {
        if let Some(slot) = self.series.of(values) {
            slot[0].store(value.to_bits(), Ordering::Relaxed);
        }
    }

    /// The series' current value.
    pub fn get(&self, values: &[&str]) -> f64 {
        self.series
            .of(values)
            .map_or(0.0, |slot| f64::from_bits(slot[0].load(Ordering::Relaxed)))
    }
}

impl Metric for Gauge {
    fn render(&self, out: &mut String) {
        header(out, self.name, self.help, "gauge");
        self.series.each(|labels, slot| {
            let value = f64::from_bits(slot[0].load(Ordering::Relaxed));
            let _ = writeln!(out, "{}{labels} {}", self.name, float(value));
        });
    }
}

/// A histogram of durations, in seconds: per series, a count per bucket
/// (not cumulative; the last is +Inf) and the sum in nanoseconds.
pub struct Histogram {
    name: &'static str,
    help: &'static str,
    buckets: &'static [f64],
    series: Series,
}

impl Histogram {
    /// A histogram named `name` (ending in `_seconds`) with the upper
    /// bounds `buckets` (ascending, without +Inf) and `labels`.
    pub const fn new(
        name: &'static str,
        help: &'static str,
        buckets: &'static [f64],
        labels: Labels,
    ) -> Histogram {
        Histogram {
            name,
            help,
            buckets,
            // The buckets, +Inf, and the sum.
            series: Series::new(labels, buckets.len() + 2),
        }
    }

    /// Records one observation of `took` in the series named by `values`.
    pub fn observe(&self, took: Duration, values: &[&str]) {
        let Some(slots) = self.series.of(values) else {
            return;
        };
        let secs = took.as_secs_f64();
        let bucket = self
            .buckets
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(self.buckets.len());
        slots[bucket].fetch_add(1, Ordering::Relaxed);
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        slots[self.buckets.len() + 1].fetch_add(nanos, Ordering::Relaxed);
    }

    /// Observations recorded in the series named by `values`.
    pub fn count(&self, values: &[&str]) -> u64 {
        self.series.of(values).map_or(0, |slots| {
            slots[..=self.buckets.len()]
                .iter()
                .map(|c| c.load(Ordering::Relaxed))
                .sum()
        })
    }
}

impl Metric for Histogram {
    fn render(&self, out: &mut String) {
        header(out, self.name, self.help, "histogram");
        let name = self.name;
        self.series.each(|labels, slots| {
            // `le` joins the series' own labels.
            let open = if labels.is_empty() {
                "{".to_string()
            } else {
                format!("{},", &labels[..labels.len() - 1])
            };
            let mut cumulative = 0;
            for (i, le) in self.buckets.iter().enumerate() {
                cumulative += slots[i].load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "{name}_bucket{open}le=\"{}\"}} {cumulative}",
                    float(*le)
                );
            }
            cumulative += slots[self.buckets.len()].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{open}le=\"+Inf\"}} {cumulative}");
            let sum = slots[self.buckets.len() + 1].load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "{name}_sum{labels} {}", float(sum));
            let _ = writeln!(out, "{name}_count{labels} {cumulative}");
        });
    }
}

/// Writes a family's HELP and TYPE lines.
pub fn header(out: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

/// A sample value as the text format spells it (`+Inf`, `-Inf`, `NaN`).
pub fn float(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        v.to_string()
    }
}

/// A label value as the text format requires: `\`, `"` and newlines escaped.
pub fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    static POLLS: Counter = Counter::new(
        "t_polls_total",
        "Polls.",
        &[("outcome", &["ok", "failed"]), ("kind", &["a", "b", "c"])],
    );
    static PLAIN: Counter = Counter::new("t_plain_total", "Plain.", &[]);
    static SIZE: Gauge = Gauge::new("t_size_bytes", "Size.", &[]);
    static TOOK: Histogram = Histogram::new(
        "t_took_seconds",
        "Took.",
        &[0.001, 0.01],
        &[("route", &["/", "/x\"y"])],
    );

    fn rendered(m: &dyn Metric) -> String {
        let mut out = String::new();
        m.render(&mut out);
        out
    }

    #[test]
    fn every_declared_series_is_exported_from_zero() {
        POLLS.inc(&["failed", "b"]);
        POLLS.add(2, &["failed", "b"]);
        POLLS.inc(&["ok", "c"]);
        let text = rendered(&POLLS);
        assert!(text.starts_with("# HELP t_polls_total Polls.\n# TYPE t_polls_total counter\n"));
        for want in [
            "t_polls_total{outcome=\"ok\",kind=\"a\"} 0\n",
            "t_polls_total{outcome=\"ok\",kind=\"c\"} 1\n",
            "t_polls_total{outcome=\"failed\",kind=\"b\"} 3\n",
            "t_polls_total{outcome=\"failed\",kind=\"c\"} 0\n",
        ] {
            assert!(text.contains(want), "missing {want}in\n{text}");
        }
        assert_eq!(text.lines().count(), 2 + 6);
        PLAIN.inc(&[]);
        assert!(rendered(&PLAIN).ends_with("\nt_plain_total 1\n"));
    }

    #[test]
    #[should_panic(expected = "not declared")]
    fn an_undeclared_label_value_is_a_bug() {
        POLLS.inc(&["https://example.com/feed", "a"]);
    }

    #[test]
    fn gauges_hold_the_last_value() {
        SIZE.set(4096.0, &[]);
        SIZE.set(1.5, &[]);
        assert!(rendered(&SIZE).ends_with("\nt_size_bytes 1.5\n"));
    }

    #[test]
    fn histograms_are_cumulative_with_sum_and_count() {
        TOOK.observe(Duration::from_micros(500), &["/x\"y"]);
        TOOK.observe(Duration::from_millis(5), &["/x\"y"]);
        TOOK.observe(Duration::from_secs(2), &["/x\"y"]);
        let text = rendered(&TOOK);
        for want in [
            "t_took_seconds_bucket{route=\"/x\\\"y\",le=\"0.001\"} 1\n",
            "t_took_seconds_bucket{route=\"/x\\\"y\",le=\"0.01\"} 2\n",
            "t_took_seconds_bucket{route=\"/x\\\"y\",le=\"+Inf\"} 3\n",
            "t_took_seconds_sum{route=\"/x\\\"y\"} 2.0055\n",
            "t_took_seconds_count{route=\"/x\\\"y\"} 3\n",
            "t_took_seconds_count{route=\"/\"} 0\n",
        ] {
            assert!(text.contains(want), "missing {want}in\n{text}");
        }
        assert_eq!(TOOK.count(&["/x\"y"]), 3);
    }

    #[test]
    fn special_floats_use_the_text_format_spelling() {
        assert_eq!(float(f64::INFINITY), "+Inf");
        assert_eq!(float(f64::NEG_INFINITY), "-Inf");
        assert_eq!(float(f64::NAN), "NaN");
        assert_eq!(float(0.0005), "0.0005");
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    }
}
