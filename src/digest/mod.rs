//! The digest stage (issue #5): each active subscriber gets, on their own
//! cron schedule and time zone, one email with what their topics gathered
//! since their last digest.
//!
//! `DigestPeriod` → [`compose`] → `DigestPlan` → [`render`] (askama) →
//! `Rendered { subject, html, text }` → [`send`] (lettre: SMTP or `.eml`
//! outbox), driven by [`ledger::send_due`], which records each
//! (subscriber, period) before sending so a crash never skips or repeats.
//!
//! ```no_run
//! # async fn f(store: &mut khabar::store::Store, config: &khabar::config::Config) -> Result<(), Box<dyn std::error::Error>> {
//! use khabar::digest::{send_due, Mailer, PassOptions, Sender};
//! let mailer = Mailer::from_config(&config.smtp, &config.digest.outbox)?;
//! let sender = Sender { config, mailer: &mailer, secret: "key" };
//! let summary = send_due(store, &sender, chrono::Utc::now(), PassOptions::default()).await?;
//! println!("{summary}");
//! # Ok(()) }
//! ```

pub mod compose;
pub mod ledger;
pub mod render;
pub mod send;
pub mod tokens;

pub use ledger::{send_due, DigestError, PassOptions, SendSummary, Sender};
pub use render::Rendered;
pub use send::{Mailer, SendError};
