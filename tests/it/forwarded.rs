//! Behind a reverse proxy (`server.behind_proxy`), the subscribe form's
//! rate limit counts the client the proxy saw: the last hop of all
//! `X-Forwarded-For` lines. A proxy such as HAProxy adds its own line
//! rather than extending the client's, so the first line is the client's
//! to write, and rotating it must not buy more attempts (issue #11).
// See: issue #11

use crate::support::{Daemon, Khabar};

fn behind_proxy() -> Khabar {
    Khabar::with_config(
        "[server]\nlisten = \"127.0.0.1:0\"\nbehind_proxy = true\n\n\
         [digest]\nsecret = \"a-test-secret-of-some-length\"\nsubscribe_form = true\n",
    )
}

/// Posts an (invalid) form with these `X-Forwarded-For` lines; the status.
fn post(daemon: &Daemon, forwarded: &[String]) -> u16 {
    let lines: String = forwarded
        .iter()
        .map(|f| format!("X-Forwarded-For: {f}\r\n"))
        .collect();
    let head = format!(
        "POST /subscribe HTTP/1.1\r\nHost: khabar\r\n\
         Content-Type: application/x-www-form-urlencoded\r\n{lines}"
    );
    daemon.request(&head, "email=x%40example.org").0
}

#[test]
fn a_spoofed_first_forwarded_line_does_not_escape_the_rate_limit() {
    let khabar = behind_proxy();
    let daemon = Daemon::start(&khabar);
    // The client rotates its own line; the proxy's line stays the same.
    let statuses: Vec<u16> = (0..7)
        .map(|i| post(&daemon, &[format!("198.51.100.{i}"), "203.0.113.7".into()]))
        .collect();
    assert_eq!(statuses[..5], [403; 5], "forms without CSRF: {statuses:?}");
    assert_eq!(statuses[5..], [429, 429], "{statuses:?}");

    // Other clients, as the proxy saw them, are not held back by it.
    let other = post(
        &daemon,
        &["198.51.100.1".into(), "198.51.100.9, 203.0.113.8".into()],
    );
    assert_eq!(other, 403, "a different client is counted on its own");
}
