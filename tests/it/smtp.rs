//! SMTP credentials never travel in the clear (issue #11): against a relay
//! that offers AUTH but no STARTTLS — what a man in the middle who strips
//! STARTTLS from the relay's answer looks like — khabar with a username and
//! password refuses to go on; without credentials it delivers as before.
// See: issue #11

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use crate::support::Khabar;

/// A relay that speaks just enough SMTP and records every command line.
struct StrippedRelay {
    port: u16,
    commands: Arc<Mutex<Vec<String>>>,
}

impl StrippedRelay {
    fn start() -> StrippedRelay {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the relay");
        let port = listener.local_addr().expect("relay address").port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let seen = commands.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let seen = seen.clone();
                std::thread::spawn(move || converse(stream, &seen));
            }
        });
        StrippedRelay { port, commands }
    }

    fn commands(&self) -> Vec<String> {
        self.commands
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

fn converse(stream: TcpStream, seen: &Mutex<Vec<String>>) {
    let mut out = stream.try_clone().expect("clone the connection");
    let mut reply = |text: &str| out.write_all(text.as_bytes()).is_ok();
    if !reply("220 relay.test ESMTP\r\n") {
        return;
    }
    let mut lines = BufReader::new(stream).lines();
    while let Some(Ok(line)) = lines.next() {
        seen.lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(line.clone());
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let ok = match verb.as_str() {
            // No STARTTLS in the list: it was stripped on the way.
            "EHLO" => reply("250-relay.test\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"),
            "AUTH" => reply("235 2.7.0 accepted\r\n"),
            "DATA" => {
                reply("354 go on\r\n");
                for body in lines.by_ref() {
                    if body.map(|l| l == ".").unwrap_or(true) {
                        break;
                    }
                }
                reply("250 2.0.0 queued\r\n")
            }
            "QUIT" => {
                reply("221 bye\r\n");
                return;
            }
            _ => reply("250 ok\r\n"),
        };
        if !ok {
            return;
        }
    }
}

fn khabar_mailing_to(relay: &StrippedRelay, credentials: &str) -> Khabar {
    let khabar = Khabar::with_config(&format!(
        "[smtp]\nurl = \"smtp://127.0.0.1:{}\"\n{credentials}\n\
         [digest]\nsend_empty = true\nmax_attempts = 2\nretry_backoff = \"10ms\"\n",
        relay.port
    ));
    khabar.ok(&["subscribers", "add", "reader@example.org"]);
    khabar
}

#[test]
fn credentials_are_not_sent_when_starttls_is_missing() {
    let relay = StrippedRelay::start();
    let khabar = khabar_mailing_to(&relay, "username = \"desk\"\npassword = \"hunter2\"");
    let run = khabar.run(&["digest", "send", "--all"]);
    assert!(!run.status.success(), "sent anyway: {}", run.stdout);
    assert!(run.stdout.contains("1 failed"), "{}", run.stdout);
    let commands = relay.commands();
    assert!(
        commands.iter().any(|c| c.starts_with("EHLO")),
        "khabar reached the relay: {commands:?}"
    );
    for command in &commands {
        let verb = command.to_ascii_uppercase();
        assert!(
            !verb.starts_with("AUTH") && !verb.starts_with("MAIL"),
            "sent over plain text: {commands:?}"
        );
    }
}

#[test]
fn without_credentials_a_relay_without_starttls_still_gets_the_digest() {
    let relay = StrippedRelay::start();
    let khabar = khabar_mailing_to(&relay, "");
    let run = khabar.run(&["digest", "send", "--all"]);
    assert!(run.status.success(), "{}\n{}", run.stdout, run.stderr);
    let commands = relay.commands();
    assert!(
        commands.iter().any(|c| c.starts_with("DATA")),
        "{commands:?}"
    );
    assert!(!commands.iter().any(|c| c.starts_with("AUTH")));
}
