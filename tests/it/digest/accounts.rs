//! The subscriber pages through the real `khabar run` server (issue #5):
//! one-click unsubscribe from a received digest's `List-Unsubscribe`
//! header, the double opt-in form (CSRF, rate limit, never revealing who is
//! subscribed) and the preferences page.

use std::net::TcpListener;

use super::*;
use crate::support::daemon::Daemon;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Env {
    /// Points the config at a free local port with the form on, and starts
    /// `khabar run` there (`public_url` must name the port before it starts).
    fn serve(&self) -> Daemon {
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let config = std::fs::read_to_string(&self.config)
            .unwrap()
            .replace(
                "public_url = \"https://khabar.test\"",
                &format!("public_url = \"{base}\"\nlisten = \"127.0.0.1:{port}\""),
            )
            .replace("[digest]\n", "[digest]\nsubscribe_form = true\n");
        std::fs::write(&self.config, config).unwrap();
        let daemon = Daemon::spawn(self.command(&["run"]));
        assert_eq!(daemon.base(), base, "listening where public_url points");
        daemon
    }

    fn subscriber_line(&self, email: &str) -> String {
        let out = self.khabar(&["subscribers", "list"]);
        stdout(&out)
            .lines()
            .find(|l| l.contains(email))
            .unwrap_or_default()
            .to_string()
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Waits for message number `skip` to `to`, as Python's parser sees it.
async fn mail_to(smtp: &Smtp, to: &str, skip: usize) -> Value {
    for _ in 0..100 {
        let mails: Vec<Value> = parse_mime(&smtp.files())
            .into_iter()
            .filter(|m| m["headers"]["To"].as_str() == Some(to))
            .collect();
        if mails.len() > skip {
            return mails[skip].clone();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no mail #{skip} to {to}");
}

fn link_in(mail: &Value, path: &str) -> String {
    let text = mail["parts"]["text/plain"].as_str().unwrap();
    text.split_whitespace()
        .find(|w| w.contains(path))
        .unwrap_or_else(|| panic!("no {path} link in {text}"))
        .to_string()
}

/// The form page: its CSRF field and the cookie set with it.
async fn form(http: &reqwest::Client, base: &str) -> (String, String) {
    let page = http.get(format!("{base}/subscribe")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let cookie = page.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let cookie = cookie.split(';').next().unwrap().to_string();
    let html = page.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("csrf field")
        .to_string();
    (csrf, cookie)
}

async fn submit(
    http: &reqwest::Client,
    base: &str,
    fields: &[(&str, &str)],
    cookie: &str,
) -> (u16, String) {
    let r = http
        .post(format!("{base}/subscribe"))
        .header("cookie", cookie)
        .form(fields)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

// See: issue #5 (one-click unsubscribe end to end through the HTTP server).
#[tokio::test(flavor = "multi_thread")]
async fn one_click_unsubscribe_from_a_received_digest() {
    let sink = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(sink.path(), &[]);
    let env = Env::new(2, Some(smtp.port));
    let daemon = env.serve();
    let out = env.khabar(&["digest", "send", "--all"]);
    assert!(stdout(&out).contains("2 sent"), "{}", stdout(&out));
    let mail = mail_to(&smtp, "reader0@example.org", 0).await;
    let unsubscribe = header(&mail, "List-Unsubscribe");
    assert_eq!(
        header(&mail, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    let url = unsubscribe.trim_matches(|c| c == '<' || c == '>');
    assert!(url.starts_with(&daemon.base()), "{url}");
    let http = client();

    // Opening the link (what a mail scanner does) changes nothing.
    let page = http.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["referrer-policy"], "no-referrer");
    assert!(env
        .subscriber_line("reader0@example.org")
        .contains("active"));

    // A token for another subscriber or a tampered one does nothing.
    let (head, token) = url.split_once("token=").unwrap();
    let (id, mac) = token.split_once('.').unwrap();
    let other: i64 = id.parse::<i64>().unwrap() + 1;
    let forged = format!("{head}token={other}.{mac}");
    let r = http.post(&forged).send().await.unwrap();
    assert_eq!(r.status(), 400, "{forged}");
    assert!(env
        .subscriber_line("reader1@example.org")
        .contains("active"));

    // RFC 8058: the mail client POSTs List-Unsubscribe=One-Click.
    let r = http
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(env
        .subscriber_line("reader0@example.org")
        .contains("unsubscribed"));
    assert!(env
        .subscriber_line("reader1@example.org")
        .contains("active"));

    // See: issue #11. Unsubscribing replaced the salt in every link's MAC:
    // the links mailed so far stop working.
    let prefs = link_in(&mail, "/preferences?token=");
    assert_eq!(http.post(url).send().await.unwrap().status(), 400);
    assert_eq!(http.get(&prefs).send().await.unwrap().status(), 400);

    // See: issue #11. An id is never given again: the highest subscriber
    // goes, a new one comes, and the old one's link names nobody.
    let gone = mail_to(&smtp, "reader1@example.org", 0).await;
    let gone_link = header(&gone, "List-Unsubscribe");
    let gone_link = gone_link.trim_matches(|c| c == '<' || c == '>');
    let out = env.khabar(&["subscribers", "remove", "reader1@example.org"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = env.khabar(&["subscribers", "add", "reader2@example.org"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let gone_id = gone_link
        .split("token=")
        .nth(1)
        .unwrap()
        .split('.')
        .next()
        .unwrap();
    let line = env.subscriber_line("reader2@example.org");
    let new_id = line.split_whitespace().next().unwrap();
    assert_ne!(new_id, gone_id, "{line}");
    assert_eq!(http.post(gone_link).send().await.unwrap().status(), 400);
    assert!(env
        .subscriber_line("reader2@example.org")
        .contains("active"));

    // The next run (past the last period's end second) sends to the other
    // subscriber only.
    let before = smtp.files().len();
    let later = chrono::Utc::now() + chrono::Duration::seconds(2);
    let out = env.khabar_at(later, &["digest", "send", "--all"]);
    assert!(stdout(&out).contains("0 failed"), "{}", stdout(&out));
    let new: Vec<Value> = parse_mime(&smtp.files()[before..]);
    assert!(new.iter().all(|m| header(m, "To") != "reader0@example.org"));
    drop(daemon);
}

// See: issue #5 (public form: double opt-in, CSRF, rate limit, no leaks).
#[tokio::test(flavor = "multi_thread")]
async fn the_form_subscribes_only_after_the_emailed_link_is_confirmed() {
    let sink = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(sink.path(), &[]);
    let env = Env::new(1, Some(smtp.port));
    let daemon = env.serve();
    let base = daemon.base();
    let base = base.as_str();
    let http = client();

    // A new address: pending until the emailed link is confirmed.
    let (csrf, cookie) = form(&http, base).await;
    let new = "नया.पाठक@example.org";
    let fields = [
        ("csrf", csrf.as_str()),
        ("email", "reader.new@example.org"),
        ("topic", "russia-north-korea"),
    ];
    let (status, fresh_page) = submit(&http, base, &fields, &cookie).await;
    assert_eq!(status, 200, "{fresh_page}");
    assert!(env
        .subscriber_line("reader.new@example.org")
        .contains("pending"));
    let mail = mail_to(&smtp, "reader.new@example.org", 0).await;
    let confirm = link_in(&mail, "/confirm?token=");
    let r = http.get(&confirm).send().await.unwrap();
    assert_eq!(r.status(), 200, "GET shows a button, changes nothing");
    assert!(env
        .subscriber_line("reader.new@example.org")
        .contains("pending"));
    let r = http.post(&confirm).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let line = env.subscriber_line("reader.new@example.org");
    assert!(
        line.contains("active") && line.contains("russia-north-korea"),
        "{line}"
    );
    let r = http.post(&confirm).send().await.unwrap();
    assert_eq!(r.status(), 400, "a used link does nothing more");

    // An address already subscribed gets the very same page; the mail
    // (their preferences link) is the only difference.
    let (csrf, cookie) = form(&http, base).await;
    let fields = [("csrf", csrf.as_str()), ("email", "reader0@example.org")];
    let (status, known_page) = submit(&http, base, &fields, &cookie).await;
    assert_eq!(status, 200);
    assert_eq!(
        known_page.replace("reader0@example.org", "X"),
        fresh_page.replace("reader.new@example.org", "X"),
        "the page must not tell whether an address is subscribed"
    );
    let mail = mail_to(&smtp, "reader0@example.org", 0).await;
    let prefs = link_in(&mail, "/preferences?token=");
    assert!(env
        .subscriber_line("reader0@example.org")
        .contains("active"));

    // See: issue #15. A stored zone the time-zone database has since
    // dropped (SQL: every command and this form parse one before storing
    // it) is listed, and the page says digests are paused until a save.
    rusqlite::Connection::open(&env.db)
        .unwrap()
        .execute(
            "UPDATE subscribers SET timezone = 'US/Pacific-New' WHERE email = 'reader0@example.org'",
            [],
        )
        .unwrap();
    let line = env.subscriber_line("reader0@example.org");
    assert!(line.contains("unusable schedule"), "{line}");

    // Preferences: change time and zone through the emailed link.
    let page = http.get(&prefs).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(page.contains("reader0@example.org"));
    assert!(page.contains("Digests are paused"), "{page}");
    let r = http
        .post(&prefs)
        .form(&[("action", "save"), ("at", "18:30"), ("tz", "Europe/Moscow")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let line = env.subscriber_line("reader0@example.org");
    assert!(
        line.contains("Europe/Moscow") && line.contains("0 30 18"),
        "{line}"
    );
    assert!(!line.contains("unusable"), "saving fixed it: {line}");

    // CSRF: no cookie, or another form's cookie, is refused.
    let (csrf, _) = form(&http, base).await;
    let (_, other_cookie) = form(&http, base).await;
    let fields = [("csrf", csrf.as_str()), ("email", new)];
    assert_eq!(submit(&http, base, &fields, "").await.0, 403);
    assert_eq!(submit(&http, base, &fields, &other_cookie).await.0, 403);
    assert!(env.subscriber_line(new).is_empty());

    // Rate limit per client address: the window fills up, then 429.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let (csrf, cookie) = form(&http, base).await;
        let fields = [("csrf", csrf.as_str()), ("email", "x@example.org")];
        statuses.push(submit(&http, base, &fields, &cookie).await.0);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    drop(daemon);
}

// See: issue #5 (the form is a page people use on their phones).
#[tokio::test(flavor = "multi_thread")]
async fn the_subscribe_form_renders_on_a_phone() {
    let env = Env::new(0, None);
    let daemon = env.serve();
    let url = format!("{}/subscribe", daemon.base());
    let html = client()
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("russia-north-korea"), "topics to pick from");
    tokio::task::spawn_blocking(move || {
        chromium::screenshot(&url, "subscribe-form-412x900.png", 412, 900)
    })
    .await
    .unwrap();
    drop(daemon);
}

// See: issue #6 (the daemon sends what is due, and counts it).
#[tokio::test(flavor = "multi_thread")]
async fn the_daemon_sends_due_digests_and_counts_them_in_metrics() {
    let sink = tempfile::tempdir().unwrap();
    let smtp = Smtp::start(sink.path(), &[]);
    let env = Env::new(0, Some(smtp.port));
    // Every second: due as soon as a second has passed since joining.
    let config = std::fs::read_to_string(&env.config)
        .unwrap()
        .replace("[digest]\n", "[digest]\nschedule = \"* * * * * *\"\n");
    std::fs::write(&env.config, config).unwrap();
    // Joined two seconds ago: the schedule has fired since.
    let joined = chrono::Utc::now() - chrono::Duration::seconds(2);
    for reader in ["reader0@example.org", "reader1@example.org"] {
        let out = env.khabar_at(joined, &["subscribers", "add", reader]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // A hand-edited schedule no pass can use (SQL: every command parses
    // one before storing it): reader1's digest fails, counted; reader0's
    // goes out all the same.
    rusqlite::Connection::open(&env.db)
        .unwrap()
        .execute(
            "UPDATE subscribers SET schedule = 'every morning' WHERE email = 'reader1@example.org'",
            [],
        )
        .unwrap();
    let daemon = env.serve();
    let mail = mail_to(&smtp, "reader0@example.org", 0).await;
    assert!(header(&mail, "Subject").contains("khabar"));
    let http = client();
    let mut metrics = String::new();
    for _ in 0..50 {
        metrics = http
            .get(format!("{}/metrics", daemon.base()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if metrics.contains("khabar_digest_sends_total 1") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(metrics.contains("khabar_digest_sends_total 1"), "{metrics}");
    assert!(
        metrics.contains("khabar_digest_failures_total 1"),
        "the unusable row is counted: {metrics}"
    );
    assert!(
        parse_mime(&smtp.files())
            .iter()
            .all(|m| header(m, "To") == "reader0@example.org"),
        "nothing to reader1"
    );
    drop(daemon);
}
