// feedparser 6.0.11's test feeds through `khabar parse FILE --json`: 358
// cases, each with checks on the printed document (the manifest and the
// feeds are vendored with feedparser's BSD licence in
// tests/fixtures/conformance/, see its README). The comparison rules are
// those the manifest was written for: dates as instants, titles and
// summaries with ASCII whitespace runs collapsed, content as canonical HTML.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::DateTime;
use serde::Deserialize;
use serde_json::Value;

use crate::support::khabar::run_binary;

/// The number of cases in the vendored manifest: a smaller count means
/// cases were lost, not that khabar got better.
const CASES: usize = 358;

#[derive(Deserialize)]
struct Case {
    file: String,
    description: String,
    checks: Vec<Check>,
}

#[derive(Deserialize)]
struct Check {
    path: String,
    #[serde(default = "eq")]
    op: String,
    value: Value,
}

fn eq() -> String {
    "eq".to_owned()
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/conformance")
}

#[test]
fn feedparser_test_feeds_parse_as_feedparser_reads_them() {
    let manifest = std::fs::read_to_string(fixtures().join("manifest.json")).expect("manifest");
    let cases: Vec<Case> = serde_json::from_str(&manifest).expect("manifest is a case list");
    assert_eq!(cases.len(), CASES, "cases in the manifest");

    let failures = run_all(&cases);
    let passed = cases.len() - failures.len();
    // Straight to stdout, past the test harness's capture, so that every
    // run of the test command shows the count.
    let line = format!("conformance: {passed}/{} passed\n", cases.len());
    std::io::Write::write_all(&mut std::io::stdout(), line.as_bytes()).expect("stdout");
    assert!(
        failures.is_empty(),
        "{} conformance cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Runs every case on a few threads (each case is one process); returns
/// one line per failing case, in manifest order.
fn run_all(cases: &[Case]) -> Vec<String> {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8));
    let dir = tempfile::tempdir().expect("temp dir");
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let at = next.fetch_add(1, Ordering::Relaxed);
                let Some(case) = cases.get(at) else { break };
                if let Err(why) = run_case(case, dir.path()) {
                    let line = format!("FAIL {} ({}): {why}", case.file, case.description);
                    failures.lock().expect("failure list").push((at, line));
                }
            });
        }
    });
    let mut failures = failures.into_inner().expect("failure list");
    failures.sort();
    failures.into_iter().map(|(_, line)| line).collect()
}

fn run_case(case: &Case, dir: &Path) -> Result<(), String> {
    let file = fixtures().join("feeds").join(&case.file);
    let file = file.to_str().expect("utf-8 fixture path");
    let run = run_binary(dir, &["parse", file, "--json"]);
    if !run.status.success() {
        return Err(format!("exit {}: {}", run.status, run.stderr.trim()));
    }
    let doc: Value =
        serde_json::from_str(&run.stdout).map_err(|e| format!("invalid JSON ({e})"))?;
    for check in &case.checks {
        let got = resolve(&doc, &check.path);
        if !holds(check, got) {
            return Err(format!(
                "{}: expected {} {}, got {}",
                check.path,
                check.op,
                check.value,
                got.map_or("(missing)".to_owned(), Value::to_string)
            ));
        }
    }
    Ok(())
}

/// `items[0].authors[1]` → the value there, if any.
fn resolve<'a>(doc: &'a Value, path: &str) -> Option<&'a Value> {
    let mut at = doc;
    for part in path.split('.') {
        let (name, indexes) = part.split_once('[').unwrap_or((part, ""));
        if !name.is_empty() {
            at = at.get(name)?;
        }
        for index in indexes.split('[').filter(|i| !i.is_empty()) {
            at = at.get(index.trim_end_matches(']').parse::<usize>().ok()?)?;
        }
    }
    Some(at)
}

/// The last named segment of a path: what kind of value is compared.
fn field(path: &str) -> &str {
    let last = path.rsplit('.').next().unwrap_or(path);
    last.split('[').next().unwrap_or(last)
}

fn holds(check: &Check, got: Option<&Value>) -> bool {
    let Some(got) = got else { return false };
    let field = field(&check.path);
    if check.op == "eq" && matches!(field, "published" | "updated") && !check.value.is_null() {
        let instant = |v: &Value| {
            v.as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        };
        return instant(got).is_some() && instant(got) == instant(&check.value);
    }
    let canonical = |v: &Value| match (field, v) {
        ("title" | "summary", Value::String(s)) => Value::String(collapse_ascii_space(s)),
        ("content", Value::String(s)) => Value::String(canonical_html(s)),
        _ => v.clone(),
    };
    let (got, want) = (canonical(got), canonical(&check.value));
    match (check.op.as_str(), &got, &want) {
        ("eq", _, _) => got == want,
        ("contains", Value::Array(list), _) => list.contains(&want),
        ("contains", Value::String(g), Value::String(w)) => g.contains(w.as_str()),
        ("startswith", Value::String(g), Value::String(w)) => g.starts_with(w.as_str()),
        _ => false,
    }
}

/// Runs of ASCII whitespace become one space, ends trimmed (other spaces,
/// such as U+00A0, count).
fn collapse_ascii_space(text: &str) -> String {
    text.split([' ', '\t', '\r', '\n', '\x0c'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// HTML in one spelling, so that equivalent serialisations compare equal:
/// tag and attribute names lower-case, attributes sorted and double-quoted,
/// character references decoded then `&<>` (and `"` in attributes) escaped again, comments dropped,
/// end tags of void elements dropped, whitespace runs collapsed. Written
/// here rather than taken from an HTML parser crate: it needs only these
/// rules, which are the ones the manifest's expectations were checked with.
fn canonical_html(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&escape(&decode_references(&rest[..open])));
        rest = &rest[open..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.split_once("-->").map_or("", |(_, after)| after);
            continue;
        }
        let Some(close) = rest.find('>') else {
            out.push_str(&escape(&decode_references(rest)));
            rest = "";
            break;
        };
        out.push_str(&canonical_tag(&rest[1..close]));
        rest = &rest[close + 1..];
    }
    out.push_str(&escape(&decode_references(rest)));
    collapse_ascii_space(&out)
}

const VOID_ELEMENTS: [&str; 14] = [
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// One tag's inside (between `<` and `>`) in canonical form.
fn canonical_tag(inside: &str) -> String {
    if let Some(name) = inside.strip_prefix('/') {
        let name = name.trim().to_ascii_lowercase();
        return if VOID_ELEMENTS.contains(&name.as_str()) {
            String::new()
        } else {
            format!("</{name}>")
        };
    }
    let self_closing = inside.ends_with('/');
    let inside = inside.trim_end_matches('/');
    let (name, mut attrs_text) = inside
        .split_once(|c: char| c.is_ascii_whitespace())
        .unwrap_or((inside, ""));
    let name = name.to_ascii_lowercase();
    let mut attrs = Vec::new();
    while let Some((attr, rest)) = next_attribute(attrs_text) {
        attrs.push(attr);
        attrs_text = rest;
    }
    attrs.sort();
    let mut tag = format!("<{name}");
    for (key, value) in attrs {
        tag.push_str(&format!(
            " {key}=\"{}\"",
            escape_attribute(&decode_references(&value))
        ));
    }
    tag.push('>');
    if self_closing && !VOID_ELEMENTS.contains(&name.as_str()) {
        tag.push_str(&format!("</{name}>"));
    }
    tag
}

/// The first `name`, `name=value`, `name="value"` or `name='value'` in
/// `text`, and what follows it.
fn next_attribute(text: &str) -> Option<((String, String), &str)> {
    let text = text.trim_start();
    let name_end = text
        .find(|c: char| c == '=' || c.is_ascii_whitespace())
        .unwrap_or(text.len());
    if name_end == 0 {
        return None;
    }
    let name = text[..name_end].to_ascii_lowercase();
    let after = text[name_end..].trim_start();
    let Some(value_text) = after.strip_prefix('=') else {
        return Some(((name, String::new()), after));
    };
    let value_text = value_text.trim_start();
    let (value, rest) = match value_text.chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let body = &value_text[1..];
            let end = body.find(quote).unwrap_or(body.len());
            (&body[..end], body.get(end + 1..).unwrap_or(""))
        }
        _ => {
            let end = value_text
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(value_text.len());
            (&value_text[..end], &value_text[end..])
        }
    };
    Some(((name, value.to_owned()), rest))
}

fn decode_references(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let decoded = rest.find(';').and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .map(|hex| u32::from_str_radix(hex, 16))
                    .or_else(|| name.strip_prefix('#').map(str::parse))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end + 1))
        });
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn escape_attribute(text: &str) -> String {
    escape(text).replace('"', "&quot;")
}

#[test]
fn canonical_html_ignores_spelling_only() {
    let cases = [
        ("<P CLASS='a' id=b>x</P>", "<p class=\"a\" id=\"b\">x</p>"),
        ("a<br/>b<br></br>", "a<br>b<br>"),
        ("<!-- c -->&#60;blink&#x3E;", "&lt;blink&gt;"),
        (
            "<a title=\"x &amp; y\" href=\"h\">",
            "<a href=\"h\" title=\"x &amp; y\">",
        ),
    ];
    for (html, want) in cases {
        assert_eq!(canonical_html(html), want, "{html}");
    }
}
