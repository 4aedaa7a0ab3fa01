//! The account routes. GET pages never change anything (mail scanners
//! open links); every change is a POST carrying a signed token.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use serde::Deserialize;

use super::pages::{
    topic_choices, Button, NoticePage, PreferencesPage, SubscribeMail, SubscribePage,
};
use super::{Accounts, CSRF_MAX_AGE, RESEND_AFTER};
use crate::clock;
use crate::digest::send::build_notice;
use crate::digest::tokens::{
    claimed_id, csrf_token, sign, sign_until, verify, verify_csrf, verify_until, Purpose,
};
use crate::model::{daily_cron, daily_time, DeliverySchedule, SubscriberEmail, SubscriberStatus};
use crate::server::AppState;
use crate::store::{NewSubscriber, StoreError, SubscribeRequest, SubscriberRow};

/// The pages load nothing but themselves and post only to this site; the
/// tokens in their URLs must not leak through a Referer.
const ACCOUNT_CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The cookie holding the form's CSRF nonce (double submit).
const CSRF_COOKIE: &str = "khabar_csrf";

/// Longest form body read; an address and a few topic slugs fit easily.
const MAX_FORM: usize = 8 * 1024;

/// `?token=…` on every link.
#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

fn accounts(state: &AppState) -> Option<&Accounts> {
    state.accounts.as_ref()
}

/// `GET /subscribe`: the form, with a fresh CSRF token and cookie.
pub async fn subscribe_form(State(state): State<Arc<AppState>>) -> Response {
    match accounts(&state).filter(|a| a.form) {
        Some(acc) => form_response(acc, StatusCode::OK, "", None, None),
        None => not_found(),
    }
}

/// `POST /subscribe`: records a request and mails a confirmation link (or,
/// for an active subscriber, their preferences link). The answer is the
/// same whatever the address's state.
pub async fn subscribe_submit(
    State(state): State<Arc<AppState>>,
    // axum 0.8 has no optional `ConnectInfo` extractor; it lives in the
    // request's extensions, where `serve` puts it.
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let peer = peer.map(|Extension(info)| info);
    let Some(acc) = accounts(&state).filter(|a| a.form) else {
        return not_found();
    };
    if !acc
        .limit
        .allow(client_ip(acc, peer, &headers), Instant::now())
    {
        let mut response = notice(
            StatusCode::TOO_MANY_REQUESTS,
            "बहुत सारे अनुरोध · Too many requests",
            vec!["Please wait a few minutes and try again.".into()],
            None,
        );
        response.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from(acc.limit.window().as_secs()),
        );
        return response;
    }
    if body.len() > MAX_FORM {
        return form_response(acc, StatusCode::PAYLOAD_TOO_LARGE, "", None, None);
    }
    let form = Form::parse(&body);
    let cookie = cookie_value(&headers, CSRF_COOKIE).unwrap_or_default();
    let now = clock::now();
    if !verify_csrf(
        &acc.secret,
        form.first("csrf"),
        &cookie,
        now.timestamp(),
        CSRF_MAX_AGE,
    ) {
        let error = "The form expired or came from another page; please submit it again.";
        return form_response(
            acc,
            StatusCode::FORBIDDEN,
            form.first("email"),
            Some(&form.all("topic")),
            Some(error),
        );
    }
    let chosen = known_topics(acc, &form.all("topic"));
    let email = match SubscriberEmail::parse(form.first("email")) {
        Ok(email) => email,
        Err(_) => {
            let error = "कृपया सही ईमेल पता लिखें · Please enter a valid email address.";
            return form_response(
                acc,
                StatusCode::BAD_REQUEST,
                form.first("email"),
                chosen.as_deref(),
                Some(error),
            );
        }
    };
    let delivery = acc.delivery.clone();
    let confirm_within = chrono::Duration::from_std(acc.confirm_within).unwrap_or_default();
    let address = email.clone();
    let request = acc
        .with_store(move |store| {
            store.expire_requests(now - confirm_within)?;
            let new = NewSubscriber {
                email: &address,
                topics: chosen.as_deref(),
                delivery: &delivery,
            };
            store.request_subscription(&new, now, RESEND_AFTER)
        })
        .await;
    match request {
        Ok(SubscribeRequest::Quiet) => {}
        Ok(SubscribeRequest::Confirm(link)) => {
            let expires = (now + confirm_within).timestamp();
            let token = sign_until(&acc.secret, link.id, &link.salt, Purpose::Confirm, expires);
            let link = format!("{}/confirm?token={token}", acc.base);
            mail_in_background(&state, email.clone(), false, link);
        }
        Ok(SubscribeRequest::AlreadyActive(link)) => {
            let token = sign(&acc.secret, link.id, &link.salt, Purpose::Preferences);
            let link = format!("{}/preferences?token={token}", acc.base);
            mail_in_background(&state, email.clone(), true, link);
        }
        Err(e) => return store_failed(&e),
    }
    notice(
        StatusCode::OK,
        "अपना इनबॉक्स देखें · Check your inbox",
        vec![
            format!("अगर {email} पर सदस्यता ली जा सकती है, तो वहाँ पुष्टि का लिंक भेजा गया है।"),
            format!(
                "If {email} can be subscribed, a confirmation link is on its way. \
                 Open it within {} hours; nothing is sent before that.",
                acc.confirm_within.as_secs() / 3600
            ),
        ],
        None,
    )
}

/// `GET /confirm?token=…`: a button that confirms (a GET must not).
pub async fn confirm_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let Some(acc) = accounts(&state) else {
        return not_found();
    };
    match token_subscriber(acc, query.token.as_deref(), Purpose::Confirm).await {
        Ok(_) => notice(
            StatusCode::OK,
            "सदस्यता की पुष्टि · Confirm your subscription",
            vec!["One click and the daily digest starts.".into()],
            Some(Button {
                action: "",
                label: "पुष्टि करें · Confirm",
            }),
        ),
        Err(response) => response,
    }
}

/// `POST /confirm?token=…`: the subscriber becomes active.
pub async fn confirm_submit(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let Some(acc) = accounts(&state) else {
        return not_found();
    };
    let id = match token_subscriber(acc, query.token.as_deref(), Purpose::Confirm).await {
        Ok(sub) => sub.id,
        Err(response) => return response,
    };
    let valid_for = chrono::Duration::from_std(acc.confirm_within).unwrap_or_default();
    let confirmed = acc
        .with_store(move |s| s.confirm_subscription(id, clock::now(), valid_for))
        .await;
    match confirmed {
        Ok(true) => notice(
            StatusCode::OK,
            "सदस्यता पक्की · You are subscribed",
            vec![
                "The first digest arrives at the next scheduled time.".into(),
                "Every digest links to your preferences (topics, delivery time) and to a \
                 one-click unsubscribe."
                    .into(),
            ],
            None,
        ),
        Ok(false) => invalid_link(),
        Err(e) => store_failed(&e),
    }
}

/// `GET /unsubscribe?token=…`: a button; link scanners must not
/// unsubscribe anyone by opening the link.
pub async fn unsubscribe_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let Some(acc) = accounts(&state) else {
        return not_found();
    };
    match token_subscriber(acc, query.token.as_deref(), Purpose::Unsubscribe).await {
        Ok(_) => notice(
            StatusCode::OK,
            "सदस्यता छोड़ें · Unsubscribe",
            vec!["Stop the khabar digest for this address?".into()],
            Some(Button {
                action: "",
                label: "सदस्यता छोड़ें · Unsubscribe",
            }),
        ),
        Err(response) => response,
    }
}

/// `POST /unsubscribe?token=…`: RFC 8058 one-click (the mail client posts
/// `List-Unsubscribe=One-Click`), and the button on the page.
pub async fn unsubscribe_submit(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let Some(acc) = accounts(&state) else {
        return not_found();
    };
    let id = match token_subscriber(acc, query.token.as_deref(), Purpose::Unsubscribe).await {
        Ok(sub) => sub.id,
        Err(response) => return response,
    };
    // Unsubscribing replaces the subscriber's token salt: this link, and
    // every other one mailed to them, stops working.
    match acc.with_store(move |s| s.unsubscribe(id)).await {
        Ok(_) => {
            tracing::info!(subscriber_id = id, "unsubscribed");
            notice(
                StatusCode::OK,
                "सदस्यता छोड़ दी गई · Unsubscribed",
                vec!["No more digests will be sent to this address.".into()],
                None,
            )
        }
        Err(e) => store_failed(&e),
    }
}

/// `GET /preferences?token=…`: the subscriber's settings.
pub async fn preferences_page(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
) -> Response {
    let Some(acc) = accounts(&state) else {
        return not_found();
    };
    let id = match token_subscriber(acc, query.token.as_deref(), Purpose::Preferences).await {
        Ok(sub) => sub.id,
        Err(response) => return response,
    };
    preferences(acc, id, StatusCode::OK, None).await
}

/// `POST /preferences?token=…`: saves topics, time and zone, or
/// subscribes again.
pub async fn preferences_submit(
    State(state): State<Arc<AppState>>,
    Query(query): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    let Some(acc) = accounts(&state) else {
        return not_found();
    };
    let id = match token_subscriber(acc, query.token.as_deref(), Purpose::Preferences).await {
        Ok(sub) => sub.id,
        Err(response) => return response,
    };
    if body.len() > MAX_FORM {
        return preferences(acc, id, StatusCode::PAYLOAD_TOO_LARGE, None).await;
    }
    let form = Form::parse(&body);
    if form.first("action") == "resubscribe" {
        return match acc
            .with_store(move |s| s.resubscribe(id, clock::now()))
            .await
        {
            Ok(_) => preferences(acc, id, StatusCode::OK, Some(Ok("Subscribed again."))).await,
            Err(e) => store_failed(&e),
        };
    }
    let topics = known_topics(acc, &form.all("topic"));
    let Ok(schedule) = daily_cron(form.first("at")) else {
        let error = "Delivery time: expected HH:MM, e.g. 07:00.";
        return preferences(acc, id, StatusCode::BAD_REQUEST, Some(Err(error))).await;
    };
    // A cron from `daily_cron` always parses: an error here is the zone's.
    let Ok(delivery) = DeliverySchedule::parse(form.first("tz").trim(), &schedule) else {
        let error = "Time zone: expected a name such as Asia/Kolkata.";
        return preferences(acc, id, StatusCode::BAD_REQUEST, Some(Err(error))).await;
    };
    let saved = acc
        .with_store(move |s| s.update_preferences(id, topics.as_deref(), &delivery))
        .await;
    match saved {
        Ok(true) => preferences(acc, id, StatusCode::OK, Some(Ok("सहेजा गया · Saved."))).await,
        Ok(false) => gone(),
        Err(e) => store_failed(&e),
    }
}

async fn preferences(
    acc: &Accounts,
    id: i64,
    status: StatusCode,
    message: Option<Result<&str, &str>>,
) -> Response {
    let sub = match acc.with_store(move |s| s.subscriber(id)).await {
        Ok(Some(sub)) => sub,
        Ok(None) => return gone(),
        Err(e) => return store_failed(&e),
    };
    let unsubscribe = format!(
        "unsubscribe?token={}",
        sign(&acc.secret, sub.id, &sub.token_salt, Purpose::Unsubscribe)
    );
    let (words, active) = match sub.status {
        SubscriberStatus::Active => ("सक्रिय · receiving digests", true),
        SubscriberStatus::Unsubscribed => ("unsubscribed · not receiving digests", false),
        SubscriberStatus::Bouncing => ("paused · mail to this address bounced", true),
        SubscriberStatus::Pending => ("waiting for confirmation", true),
    };
    // A stored schedule no digest pass can use stops this subscriber's
    // digests: say so here, where saving a time fixes it.
    let message = message.or_else(|| {
        sub.delivery.is_err().then_some(Err(
            "Digests are paused: the stored delivery time cannot be read. Choose a time and time zone, then save.",
        ))
    });
    let page = PreferencesPage {
        title: "पसंद · Preferences",
        email: sub.email.as_str(),
        status: words,
        active,
        message: message.map(|m| m.unwrap_or_else(|e| e)),
        message_class: if matches!(message, Some(Err(_))) {
            "error"
        } else {
            "ok"
        },
        topics: topic_choices(&acc.topics, sub.topics.as_deref()),
        at: daily_time(&sub.schedule).unwrap_or_default(),
        timezone: &sub.timezone,
        unsubscribe: &unsubscribe,
    };
    html(status, page.render())
}

/// Mails the confirmation (or preferences) link after the answer has
/// gone: the response time says nothing about the address.
fn mail_in_background(state: &Arc<AppState>, to: SubscriberEmail, already: bool, link: String) {
    let state = Arc::clone(state);
    tokio::spawn(async move {
        let Some(acc) = state.accounts.as_ref() else {
            return;
        };
        let hours = acc.confirm_within.as_secs() / 3600;
        let text = SubscribeMail {
            email: to.as_str(),
            already,
            link: &link,
            hours,
        }
        .render();
        let subject = if already {
            "khabar · आपकी सदस्यता · your subscription"
        } else {
            "khabar · सदस्यता की पुष्टि करें · confirm your subscription"
        };
        let sent = match text {
            Ok(text) => match build_notice(&acc.from, &acc.reply_to, &to, subject, text) {
                Ok(message) => {
                    let name = format!("subscribe-{}", clock::now().timestamp_micros());
                    acc.mailer.deliver(&message, &name).await
                }
                Err(e) => Err(e),
            },
            Err(e) => {
                tracing::error!(error = %e, "rendering the subscribe mail failed");
                return;
            }
        };
        match sent {
            Ok(()) => tracing::info!(already, "subscribe mail sent"),
            Err(e) => tracing::warn!(error = %e, "subscribe mail not sent"),
        }
    });
}

/// The subscriber a genuine `purpose` token names, checked against their
/// current salt (a confirmation token also against its expiry); else the
/// response to give instead.
async fn token_subscriber(
    acc: &Accounts,
    token: Option<&str>,
    purpose: Purpose,
) -> Result<SubscriberRow, Response> {
    let token = token.unwrap_or_default().to_string();
    let Some(id) = claimed_id(&token) else {
        return Err(invalid_link());
    };
    let sub = match acc.with_store(move |s| s.subscriber(id)).await {
        Ok(Some(sub)) => sub,
        Ok(None) => return Err(invalid_link()),
        Err(e) => return Err(store_failed(&e)),
    };
    let genuine = match purpose {
        Purpose::Confirm => verify_until(
            &acc.secret,
            &token,
            &sub.token_salt,
            purpose,
            clock::now().timestamp(),
        ),
        Purpose::Unsubscribe | Purpose::Preferences => {
            verify(&acc.secret, &token, &sub.token_salt, purpose)
        }
    };
    genuine.map(|_| sub).ok_or_else(invalid_link)
}

/// The topics picked on a form that exist here; none picked (or only
/// unknown ones) means every topic.
fn known_topics(acc: &Accounts, picked: &[String]) -> Option<Vec<String>> {
    let known: Vec<String> = acc
        .topics
        .iter()
        .map(|t| t.slug.as_str())
        .filter(|slug| picked.iter().any(|p| p == slug))
        .map(String::from)
        .collect();
    (!known.is_empty()).then_some(known)
}

fn client_ip(acc: &Accounts, peer: Option<ConnectInfo<SocketAddr>>, headers: &HeaderMap) -> IpAddr {
    acc.behind_proxy
        .then(|| last_forwarded(headers))
        .flatten()
        .or(peer.map(|ConnectInfo(addr)| addr.ip()))
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
}

/// The last hop of all `X-Forwarded-For` lines: the address the proxy in
/// front of khabar saw. Every earlier one is the client's to write, and a
/// proxy may add its own line rather than extend the client's (issue #11).
fn last_forwarded(headers: &HeaderMap) -> Option<IpAddr> {
    let last = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()?
        .trim();
    last.parse()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|a| a.ip()))
}

fn form_response(
    acc: &Accounts,
    status: StatusCode,
    email: &str,
    chosen: Option<&[String]>,
    error: Option<&str>,
) -> Response {
    let mut nonce = [0u8; 16];
    if getrandom::fill(&mut nonce).is_err() {
        return text(StatusCode::INTERNAL_SERVER_ERROR, "no random source\n");
    }
    let nonce = hex::encode(nonce);
    let csrf = csrf_token(&acc.secret, &nonce, clock::now().timestamp());
    let page = SubscribePage {
        title: "डाइजेस्ट की सदस्यता · Subscribe to the digest",
        csrf: &csrf,
        email,
        topics: topic_choices(&acc.topics, chosen),
        error,
    };
    let mut response = html(status, page.render());
    let cookie = format!(
        "{CSRF_COOKIE}={nonce}; Path=/; Max-Age={CSRF_MAX_AGE}; HttpOnly; SameSite=Strict{}",
        if acc.secure_cookie { "; Secure" } else { "" }
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

fn notice(
    status: StatusCode,
    title: &str,
    paragraphs: Vec<String>,
    button: Option<Button<'_>>,
) -> Response {
    html(
        status,
        NoticePage {
            title,
            paragraphs,
            button,
        }
        .render(),
    )
}

fn invalid_link() -> Response {
    notice(
        StatusCode::BAD_REQUEST,
        "लिंक मान्य नहीं · This link is not valid",
        vec![
            "It may have expired, been used already, or been cut short by the mail program.".into(),
            "Links in the latest digest always work.".into(),
        ],
        None,
    )
}

fn gone() -> Response {
    notice(
        StatusCode::NOT_FOUND,
        "सदस्यता नहीं मिली · No subscription",
        vec!["This address is no longer on the list.".into()],
        None,
    )
}

fn store_failed(e: &StoreError) -> Response {
    tracing::error!(error = %e, "account request failed");
    text(
        StatusCode::SERVICE_UNAVAILABLE,
        "temporarily unavailable; please try again\n",
    )
}

fn not_found() -> Response {
    text(StatusCode::NOT_FOUND, "not found\n")
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    match body {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CONTENT_SECURITY_POLICY, ACCOUNT_CSP),
                (header::REFERRER_POLICY, "no-referrer"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering an account page failed");
            text(StatusCode::INTERNAL_SERVER_ERROR, "internal error\n")
        }
    }
}

fn text(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// An `application/x-www-form-urlencoded` body with repeated keys (the
/// topic checkboxes), which a serde struct cannot hold.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn first(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or("", |(_, v)| v.as_str())
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_the_last_hop_of_the_last_forwarded_line() {
        let cases: [(&[&str], Option<&str>); 6] = [
            (&["198.51.100.1"], Some("198.51.100.1")),
            (&["1.1.1.1, 203.0.113.7"], Some("203.0.113.7")),
            (&["1.1.1.1", "203.0.113.7"], Some("203.0.113.7")),
            (
                &["1.1.1.1, 2.2.2.2", "203.0.113.7:4711"],
                Some("203.0.113.7"),
            ),
            (&["1.1.1.1", "[2001:db8::1]:443"], Some("2001:db8::1")),
            (&["1.1.1.1", "garbage"], None),
        ];
        for (lines, want) in cases {
            let mut headers = HeaderMap::new();
            for line in lines {
                headers.append("x-forwarded-for", HeaderValue::from_static(line));
            }
            let want = want.map(|w| w.parse::<IpAddr>().unwrap());
            assert_eq!(last_forwarded(&headers), want, "{lines:?}");
        }
    }
}
