//! Subscriber self-service over HTTP (issue #5): the public subscribe form
//! with double opt-in, the confirmation link, the one-click unsubscribe
//! (RFC 8058) and the preferences page.
//!
//! Every link carries an HMAC token ([`crate::digest::tokens`]) naming one
//! subscriber; nothing else identifies anyone, so a link cannot reach
//! another subscriber. The form never tells whether an address is known:
//! it answers the same page for new, pending, active and bouncing
//! addresses, and what differs (the mail) happens after the answer.

mod handlers;
mod limit;
mod pages;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lettre::message::Mailbox;

use crate::config::Config;
use crate::digest::Mailer;
use crate::model::DeliverySchedule;
use crate::store::{Store, StoreError};
use crate::topics::TopicInfo;

pub use handlers::{
    confirm_page, confirm_submit, preferences_page, preferences_submit, subscribe_form,
    subscribe_submit, unsubscribe_page, unsubscribe_submit,
};
pub use limit::RateLimit;

/// Form submissions allowed per client address in each [`FORM_WINDOW`].
pub const FORM_LIMIT: u32 = 5;

/// The rate limit's window.
pub const FORM_WINDOW: Duration = Duration::from_secs(15 * 60);

/// How long a form's CSRF token stays valid.
const CSRF_MAX_AGE: i64 = 2 * 3600;

/// Least time between two mails the form sends to one address.
const RESEND_AFTER: chrono::Duration = chrono::Duration::minutes(10);

/// What the account handlers share.
pub struct Accounts {
    secret: String,
    form: bool,
    confirm_within: Duration,
    behind_proxy: bool,
    secure_cookie: bool,
    base: String,
    topics: Vec<TopicInfo>,
    /// New subscribers' delivery times, from the config.
    delivery: DeliverySchedule,
    from: Mailbox,
    reply_to: Mailbox,
    mailer: Arc<Mailer>,
    store: Arc<Mutex<Store>>,
    limit: RateLimit,
}

impl Accounts {
    /// The handlers' state for `config`, signing with `secret` and mailing
    /// through `mailer`. The form itself is served only when the config
    /// enables it (which it refuses without a configured secret).
    pub fn new(config: &Config, secret: String, mailer: Mailer) -> Result<Accounts, StoreError> {
        Ok(Accounts {
            secret,
            form: config.digest.subscribe_form,
            confirm_within: config.digest.confirm_within,
            behind_proxy: config.behind_proxy,
            secure_cookie: config.public_url.scheme() == "https",
            base: config.public_url.as_str().trim_end_matches('/').to_string(),
            topics: config.digest_topics(),
            delivery: config.digest.delivery.clone(),
            from: config.smtp.from.clone(),
            reply_to: config
                .smtp
                .reply_to
                .clone()
                .unwrap_or_else(|| config.smtp.from.clone()),
            mailer: Arc::new(mailer),
            store: Arc::new(Mutex::new(Store::open(&config.database)?)),
            limit: RateLimit::new(FORM_LIMIT, FORM_WINDOW),
        })
    }

    /// Runs `f` on the accounts' own connection, off the async threads.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut store)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }
}
