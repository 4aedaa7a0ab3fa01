//! The exactly-once step (issue #5): for each subscriber, decide the
//! period, claim (subscriber, period) in the ledger, send, and only then
//! mark it sent. A run that dies between the claim and the mark leaves a
//! `pending` row that the next run resumes with the same period and
//! Message-ID, so no subscriber is skipped and a repeat can only be the one
//! message in flight, recognisable by its Message-ID.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use sha2::{Digest, Sha256};

use super::compose::{compose, DigestPlan};
use super::render::{render, Links, Rendered};
use super::send::{build_message, Envelope, Mailer, SendError};
use super::tokens::{sign, Purpose};
use crate::config::Config;
use crate::model::{DeliverySchedule, DigestPeriod, DigestStatus, ScheduleError};
use crate::store::{DigestRow, Store, StoreError, SubscriberRow};

/// What a first digest covers: the last day.
const FIRST_PERIOD: chrono::Duration = chrono::Duration::hours(24);

/// Why a digest pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum DigestError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A template failed to render.
    #[error("render digest: {0}")]
    Render(#[from] askama::Error),
    /// The mailer could not be set up or a message could not be built.
    #[error(transparent)]
    Send(#[from] SendError),
    /// A subscriber's stored time zone or schedule does not parse.
    #[error("subscriber's schedule: {0}")]
    Schedule(#[from] ScheduleError),
}

/// Which subscribers a pass covers.
#[derive(Debug, Clone, Copy, Default)]
pub struct PassOptions {
    /// Every active subscriber, due or not, for the period ending now.
    pub all: bool,
    /// Compose and render, but claim and send nothing.
    pub dry_run: bool,
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendSummary {
    /// Accepted by the relay (or written to the outbox).
    pub sent: u32,
    /// Nothing new: no message.
    pub skipped_empty: u32,
    /// Not due yet.
    pub not_due: u32,
    /// Given up for this run (left pending or marked bouncing).
    pub failed: u32,
    /// Would be sent (dry run).
    pub would_send: u32,
}

impl std::fmt::Display for SendSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "digests: {} sent, {} skipped empty, {} failed, {} not due",
            self.sent, self.skipped_empty, self.failed, self.not_due
        )?;
        if self.would_send > 0 {
            write!(f, ", {} would be sent (dry run)", self.would_send)?;
        }
        Ok(())
    }
}

/// Everything a pass needs besides the store.
pub struct Sender<'a> {
    /// The validated config.
    pub config: &'a Config,
    /// Where messages go.
    pub mailer: &'a Mailer,
    /// HMAC key for links.
    pub secret: &'a str,
}

/// Sends every due digest (every active subscriber's with `all`) as of
/// `now`; one subscriber's failure is recorded and the pass goes on.
///
/// Digests are composed and claimed one by one here, and handed to the
/// relay [`SmtpConfig::connections`](crate::config::SmtpConfig) at a time
/// by tasks of their own; each is marked sent only when its task reports
/// the relay's acceptance.
pub async fn send_due(
    store: &mut Store,
    sender: &Sender<'_>,
    now: DateTime<Utc>,
    options: PassOptions,
) -> Result<SendSummary, DigestError> {
    // Periods are stored in whole seconds: a sub-second `now` would make a
    // period that ends where the previous one did look non-empty.
    let now = now.trunc_subsecs(0);
    let in_flight = sender.config.smtp.connections as usize;
    let mut summary = SendSummary::default();
    let mut handovers = tokio::task::JoinSet::new();
    for sub in store.active_subscribers()? {
        // Parsed once with the row; a bad one is this subscriber's failure
        // (logged, counted, shown by `subscribers list`), never silently the
        // default schedule, and the pass goes on with the others.
        let schedule = match &sub.delivery {
            Ok(schedule) => schedule,
            Err(e) => {
                tracing::warn!(subscriber_id = sub.id, error = %e, "digest not sent: the stored schedule is unusable");
                summary.failed += 1;
                continue;
            }
        };
        let due_by = (!options.all).then_some(schedule);
        let Some(period) = next_period(store, &sub, due_by, now)? else {
            summary.not_due += 1;
            continue;
        };
        let (plan, rendered) = prepare(store, sender, &sub, period)?;
        if plan.story_count() == 0 && !sender.config.digest.send_empty {
            if !options.dry_run {
                let row = claim(store, sender.config, &sub, period, now)?;
                store.finish_digest(row.id, DigestStatus::Empty, 0, now)?;
            }
            summary.skipped_empty += 1;
            continue;
        }
        if options.dry_run {
            summary.would_send += 1;
            continue;
        }
        let row = claim(store, sender.config, &sub, period, now)?;
        let job = Handover {
            subscriber_id: sub.id,
            digest_id: row.id,
            stories: plan.story_count(),
            message: message_for(sender, &sub, &row, &rendered)?,
            file_name: format!("digest-{}-{}", sub.id, row.period.start().timestamp()),
        };
        handovers.spawn(hand_over(sender.mailer.clone(), job, retry_policy(sender)));
        while handovers.len() >= in_flight {
            if let Some(done) = handovers.join_next().await {
                record(store, sender, joined(done), &mut summary)?;
            }
        }
    }
    while let Some(done) = handovers.join_next().await {
        record(store, sender, joined(done), &mut summary)?;
    }
    tracing::info!(%summary, "digest pass done");
    Ok(summary)
}

/// The period to send now: a pending one resumes; otherwise from the last
/// finished period's end (first digest: the last day) to `now`, when
/// `due_by` (the subscriber's schedule; `None`: due regardless) has fired
/// since (one digest covers any downtime).
fn next_period(
    store: &Store,
    sub: &SubscriberRow,
    due_by: Option<&DeliverySchedule>,
    now: DateTime<Utc>,
) -> Result<Option<DigestPeriod>, StoreError> {
    if let Some(pending) = store.pending_digest(sub.id)? {
        return Ok(Some(pending.period));
    }
    // A subscriber who came back after unsubscribing starts afresh rather
    // than with everything since their old last digest.
    let last = store
        .last_digest_end(sub.id)?
        .filter(|end| *end >= sub.created_at - FIRST_PERIOD);
    if let Some(schedule) = due_by {
        if !schedule.fired_between(last.unwrap_or(sub.created_at), now) {
            return Ok(None);
        }
    }
    Ok(DigestPeriod::new(last.unwrap_or(now - FIRST_PERIOD), now))
}

/// The period a digest mailed to `sub` now would cover: the one
/// [`send_due`] with `all` chooses (a pending period resumes; a subscriber
/// who came back starts afresh), so that `digest preview` shows what
/// `digest send --all` mails. `None` when the last period ends now.
pub fn period_now(
    store: &Store,
    sub: &SubscriberRow,
    now: DateTime<Utc>,
) -> Result<Option<DigestPeriod>, StoreError> {
    next_period(store, sub, None, now.trunc_subsecs(0))
}

/// The Message-ID of (subscriber, period): the same on every attempt.
pub fn message_id(config: &Config, subscriber_id: i64, period: DigestPeriod) -> String {
    let hash = Sha256::digest(format!(
        "{subscriber_id}:{}:{}",
        period.start().timestamp(),
        period.end().timestamp()
    ));
    format!(
        "<digest.{subscriber_id}.{}.{}@{}>",
        period.start().timestamp(),
        &hex::encode(hash)[..16],
        config.smtp.from.email.domain()
    )
}

fn claim(
    store: &mut Store,
    config: &Config,
    sub: &SubscriberRow,
    period: DigestPeriod,
    now: DateTime<Utc>,
) -> Result<DigestRow, StoreError> {
    store.claim_digest(sub.id, period, &message_id(config, sub.id, period), now)
}

/// Composes and renders one subscriber's digest for `period`.
pub fn prepare(
    store: &Store,
    sender: &Sender<'_>,
    sub: &SubscriberRow,
    period: DigestPeriod,
) -> Result<(DigestPlan, Rendered), DigestError> {
    let topics: Vec<(String, String)> = sender
        .config
        .tagger
        .topics()
        .iter()
        .map(|t| (t.slug.as_str().to_string(), t.name.clone()))
        .filter(|(slug, _)| sub.topics.as_ref().is_none_or(|mine| mine.contains(slug)))
        .chain(saved_searches(sender.config, sub).map(|s| (s.slug.to_string(), s.name.clone())))
        .collect();
    let mut items = store.digest_items(sub.topics.as_deref(), period)?;
    for saved in saved_searches(sender.config, sub) {
        items.extend(saved_search_items(store, sender.config, saved, period)?);
    }
    let tz = sub.delivery.as_ref().map_err(Clone::clone)?.tz;
    let mut plan = compose(period, tz, &topics, &items);
    plan.link_story_pages(&crate::publish::Site::from_config(sender.config));
    let rendered = render(&plan, sub.email.as_str(), &links(sender, sub))?;
    Ok((plan, rendered))
}

/// The saved searches a subscriber picked, in config order. "Every topic"
/// (no topics picked) means the topics alone: a saved search is asked for
/// by name.
fn saved_searches<'a>(
    config: &'a Config,
    sub: &'a SubscriberRow,
) -> impl Iterator<Item = &'a crate::search::SavedSearch> {
    let picked = sub.topics.as_deref().unwrap_or_default();
    config
        .searches
        .iter()
        .filter(move |s| picked.iter().any(|p| p == s.slug.as_str()))
}

/// A saved search's matches first seen in `period`, as digest items under
/// its slug. A search that fails (past its time budget) leaves its section
/// out of this digest, logged, rather than holding up the mail.
fn saved_search_items(
    store: &Store,
    config: &Config,
    saved: &crate::search::SavedSearch,
    period: DigestPeriod,
) -> Result<Vec<crate::store::DigestItemRow>, StoreError> {
    let topics: Vec<&str> = config
        .tagger
        .topics()
        .iter()
        .map(|t| t.slug.as_str())
        .collect();
    let ids = match saved.search(&topics, period.end()) {
        Ok(search) => search.items_seen_in(store, period),
        Err(e) => Err(e.into()),
    };
    match ids {
        Ok(ids) => store.digest_items_of(&ids, saved.slug.as_str()),
        Err(crate::search::SearchError::Store(e)) => Err(e),
        Err(e) => {
            tracing::warn!(search = %saved.slug, error = %e, "saved search left out of the digest");
            Ok(Vec::new())
        }
    }
}

/// The key that signs links: the configured one, else one generated once
/// and kept in the database (so links keep working across restarts).
pub fn link_secret(config: &Config, store: &mut Store) -> Result<String, StoreError> {
    match &config.digest.secret {
        Some(secret) => Ok(secret.clone()),
        None => store.digest_secret(),
    }
}

/// The unsubscribe and preferences links of a subscriber, signed with
/// their current token salt.
pub fn links(sender: &Sender<'_>, sub: &SubscriberRow) -> Links {
    let base = sender.config.public_url.as_str().trim_end_matches('/');
    let token = |p| sign(sender.secret, sub.id, &sub.token_salt, p);
    Links {
        unsubscribe: format!("{base}/unsubscribe?token={}", token(Purpose::Unsubscribe)),
        preferences: format!("{base}/preferences?token={}", token(Purpose::Preferences)),
    }
}

/// One digest on its way to the relay.
struct Handover {
    subscriber_id: i64,
    digest_id: i64,
    stories: usize,
    message: lettre::Message,
    file_name: String,
}

/// How a hand-over ended: accepted, or the errors of the attempts made.
struct HandedOver {
    job: Handover,
    failures: Vec<SendError>,
    accepted: bool,
}

/// Attempts in one pass and the first wait between them.
#[derive(Clone, Copy)]
struct RetryPolicy {
    attempts: u32,
    first_wait: Duration,
}

fn retry_policy(sender: &Sender<'_>) -> RetryPolicy {
    RetryPolicy {
        attempts: sender.config.digest.max_attempts,
        first_wait: sender.config.digest.retry_backoff,
    }
}

fn message_for(
    sender: &Sender<'_>,
    sub: &SubscriberRow,
    row: &DigestRow,
    rendered: &Rendered,
) -> Result<lettre::Message, DigestError> {
    let config = sender.config;
    let reply_to = config.smtp.reply_to.as_ref().unwrap_or(&config.smtp.from);
    let envelope = Envelope {
        from: &config.smtp.from,
        reply_to,
        to: &sub.email,
        message_id: &row.message_id,
    };
    Ok(build_message(
        &envelope,
        rendered,
        &links(sender, sub),
        crate::clock::now().into(),
    )?)
}

/// Hands one message over, retrying temporary failures with doubling
/// waits; a permanent failure ends the attempts at once. Touches no
/// database: the pass records the outcome.
async fn hand_over(mailer: Mailer, job: Handover, policy: RetryPolicy) -> HandedOver {
    let mut wait = policy.first_wait;
    let mut failures = Vec::new();
    for attempt in 1..=policy.attempts {
        match mailer.deliver(&job.message, &job.file_name).await {
            Ok(()) => {
                return HandedOver {
                    job,
                    failures,
                    accepted: true,
                }
            }
            Err(error) => {
                tracing::warn!(subscriber_id = job.subscriber_id, attempt, error = %error, "digest not accepted");
                let permanent = error.is_permanent();
                failures.push(error);
                if permanent || attempt == policy.attempts {
                    break;
                }
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(300));
            }
        }
    }
    HandedOver {
        job,
        failures,
        accepted: false,
    }
}

fn joined(done: Result<HandedOver, tokio::task::JoinError>) -> HandedOver {
    done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
}

/// Writes a hand-over's outcome: sent only after acceptance; a permanent
/// failure that has reached the attempt limit marks the subscriber
/// bouncing; anything else stays pending for the next pass.
fn record(
    store: &mut Store,
    sender: &Sender<'_>,
    done: HandedOver,
    summary: &mut SendSummary,
) -> Result<(), DigestError> {
    let HandedOver {
        job,
        failures,
        accepted,
    } = done;
    let mut attempts = 0;
    for failure in &failures {
        attempts = store.record_digest_attempt(job.digest_id, &failure.to_string())?;
    }
    match failures.last() {
        _ if accepted => {
            store.finish_digest(
                job.digest_id,
                DigestStatus::Sent,
                job.stories,
                crate::clock::now(),
            )?;
            tracing::debug!(subscriber_id = job.subscriber_id, "digest sent");
            summary.sent += 1;
        }
        Some(last) if last.is_permanent() && attempts >= sender.config.digest.max_attempts => {
            tracing::warn!(subscriber_id = job.subscriber_id, error = %last, "subscriber bouncing");
            store.mark_bouncing(job.subscriber_id)?;
            store.finish_digest(job.digest_id, DigestStatus::Failed, 0, crate::clock::now())?;
            summary.failed += 1;
        }
        // Stays pending: the next pass resumes it with the same Message-ID.
        _ => summary.failed += 1,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SubscriberEmail, SubscriberStatus};

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn subscriber(schedule: &str, tz: &str) -> SubscriberRow {
        SubscriberRow {
            id: 1,
            email: SubscriberEmail::parse("a@example.org").unwrap(),
            topics: None,
            timezone: tz.into(),
            schedule: schedule.into(),
            delivery: DeliverySchedule::parse(tz, schedule),
            status: SubscriberStatus::Active,
            created_at: at("2026-11-20T00:00:00Z"),
            token_salt: "s".into(),
        }
    }

    #[test]
    fn due_when_the_schedule_fired_in_the_subscribers_zone() {
        let sub = subscriber("0 0 7 * * *", "Asia/Kolkata");
        // 07:00 IST is 01:30 UTC.
        let cases = [
            (
                "2026-11-22T01:30:00Z",
                "2026-11-22T01:29:59Z",
                false,
                "a second before 07:00 IST",
            ),
            (
                "2026-11-22T01:30:00Z",
                "2026-11-22T01:30:00Z",
                false,
                "anchor is the firing itself",
            ),
            (
                "2026-11-21T01:30:00Z",
                "2026-11-22T01:30:00Z",
                true,
                "07:00 IST next day",
            ),
            (
                "2026-11-18T01:30:00Z",
                "2026-11-22T09:00:00Z",
                true,
                "after four days down: due once",
            ),
        ];
        for (anchor, now, due, what) in cases {
            let schedule = sub.delivery.clone().unwrap();
            assert_eq!(schedule.fired_between(at(anchor), at(now)), due, "{what}");
        }
    }

    #[test]
    fn local_times_that_occur_twice_or_never_are_handled() {
        // 01:30 in London: twice on 25 Oct 2026 (00:30Z in BST, 01:30Z in
        // GMT), never on 29 Mar 2026 (clocks jump from 01:00 to 02:00).
        let sub = subscriber("0 30 1 * * *", "Europe/London");
        let cases = [
            (
                "2026-10-24T00:30:00Z",
                "2026-10-25T00:30:00Z",
                true,
                "an ambiguous time fires at its first occurrence",
            ),
            (
                "2026-10-25T00:30:00Z",
                "2026-10-25T01:30:00Z",
                false,
                "and not again at its second",
            ),
            (
                "2026-10-25T01:10:00Z",
                "2026-10-25T01:20:00Z",
                false,
                "an anchor inside the repeated hour: the earlier 01:30 is past",
            ),
            (
                "2026-10-25T01:10:00Z",
                "2026-10-25T01:30:00Z",
                true,
                "so the second 01:30 is the next firing",
            ),
            (
                "2026-03-28T01:30:00Z",
                "2026-03-29T12:00:00Z",
                false,
                "a time that does not exist that day does not fire",
            ),
            (
                "2026-03-28T01:30:00Z",
                "2026-03-30T00:30:00Z",
                true,
                "the next day's digest covers both days",
            ),
        ];
        for (anchor, now, due, what) in cases {
            let schedule = sub.delivery.clone().unwrap();
            assert_eq!(schedule.fired_between(at(anchor), at(now)), due, "{what}");
        }
    }

    #[test]
    fn message_id_depends_only_on_subscriber_and_period() {
        let config = Config::from_toml("", None).unwrap();
        let p = DigestPeriod::new(at("2026-11-21T01:30:00Z"), at("2026-11-22T01:30:00Z")).unwrap();
        let q = DigestPeriod::new(at("2026-11-21T01:30:00Z"), at("2026-11-22T01:31:00Z")).unwrap();
        assert_eq!(message_id(&config, 1, p), message_id(&config, 1, p));
        assert_ne!(message_id(&config, 1, p), message_id(&config, 2, p));
        assert_ne!(message_id(&config, 1, p), message_id(&config, 1, q));
        assert!(message_id(&config, 1, p).ends_with("@example.org>"));
    }

    #[tokio::test]
    async fn catch_up_after_downtime_is_one_digest_covering_the_gap() {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!("[digest]\noutbox = {:?}", dir.path().display().to_string());
        let config = Config::from_toml(&toml, None).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let email = SubscriberEmail::parse("a@example.org").unwrap();
        let new = crate::store::NewSubscriber {
            email: &email,
            topics: None,
            delivery: &crate::model::DeliverySchedule::parse("Asia/Kolkata", "0 0 7 * * *")
                .unwrap(),
        };
        store
            .add_subscriber(&new, at("2026-11-20T00:00:00Z"))
            .unwrap();
        let mailer = Mailer::from_config(&config.smtp, &config.digest.outbox).unwrap();
        let sender = Sender {
            config: &config,
            mailer: &mailer,
            secret: "k",
        };
        let opts = PassOptions::default();
        let first = send_due(&mut store, &sender, at("2026-11-21T02:00:00Z"), opts)
            .await
            .unwrap();
        assert_eq!(first.skipped_empty, 1, "{first}");
        // Down for three days: one period from the last end to now.
        let later = send_due(&mut store, &sender, at("2026-11-24T09:00:00Z"), opts)
            .await
            .unwrap();
        assert_eq!(later.skipped_empty, 1, "{later}");
        let again = send_due(&mut store, &sender, at("2026-11-24T09:05:00Z"), opts)
            .await
            .unwrap();
        assert_eq!(again.not_due, 1, "{again}");
        let rows = store.digests_of(1).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            rows[0].period.end(),
            rows[1].period.start(),
            "no gap, no overlap"
        );
        assert_eq!(rows[1].period.end(), at("2026-11-24T09:00:00Z"));
    }

    // See: issue #15 — `digest preview` shows the period `digest send`
    // mails, including for a subscriber who came back after unsubscribing
    // (a fresh last day, not everything since their old last digest).
    #[tokio::test]
    async fn preview_and_send_agree_on_the_period() {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!("[digest]\noutbox = {:?}", dir.path().display().to_string());
        let config = Config::from_toml(&toml, None).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let email = SubscriberEmail::parse("a@example.org").unwrap();
        let new = crate::store::NewSubscriber {
            email: &email,
            topics: None,
            delivery: &crate::model::DeliverySchedule::parse("Asia/Kolkata", "0 0 7 * * *")
                .unwrap(),
        };
        store
            .add_subscriber(&new, at("2026-11-20T00:00:00Z"))
            .unwrap();
        let mailer = Mailer::from_config(&config.smtp, &config.digest.outbox).unwrap();
        let sender = Sender {
            config: &config,
            mailer: &mailer,
            secret: "k",
        };
        let all = PassOptions {
            all: true,
            dry_run: false,
        };
        let cases = [
            ("first digest", None, "2026-11-21T02:00:00.700Z"),
            ("next digest", None, "2026-11-22T02:00:00Z"),
            (
                "back after unsubscribing",
                Some(at("2026-11-30T10:00:00Z")),
                "2026-11-30T12:00:00Z",
            ),
        ];
        for (case, back_at, now) in cases {
            if let Some(back_at) = back_at {
                assert!(store.unsubscribe(1).unwrap(), "{case}");
                assert!(store.resubscribe(1, back_at).unwrap(), "{case}");
            }
            let sub = store.subscriber(1).unwrap().unwrap();
            let now = at(now);
            let previewed = period_now(&store, &sub, now).unwrap().unwrap();
            send_due(&mut store, &sender, now, all).await.unwrap();
            let sent = store.digests_of(1).unwrap().pop().unwrap().period;
            assert_eq!(previewed, sent, "{case}");
        }
        let last = store.digests_of(1).unwrap().pop().unwrap().period;
        assert_eq!(
            last.start(),
            at("2026-11-29T12:00:00Z"),
            "a returning subscriber starts afresh"
        );
    }

    // See: issue #15 — a schedule that does not parse is this subscriber's
    // failure, reported, not silently the default schedule.
    #[tokio::test]
    async fn a_bad_stored_schedule_fails_that_subscriber_only() {
        let dir = tempfile::tempdir().unwrap();
        let toml = format!("[digest]\noutbox = {:?}", dir.path().display().to_string());
        let config = Config::from_toml(&toml, None).unwrap();
        let mut store = Store::open_in_memory().unwrap();
        let delivery = DeliverySchedule::parse("Asia/Kolkata", "0 0 7 * * *").unwrap();
        for email in ["bad@example.org", "ok@example.org"] {
            let email = SubscriberEmail::parse(email).unwrap();
            let new = crate::store::NewSubscriber {
                email: &email,
                topics: None,
                delivery: &delivery,
            };
            store
                .add_subscriber(&new, at("2026-11-20T00:00:00Z"))
                .unwrap();
        }
        crate::store::testing::store_raw_schedule(&store, 1, "Asia/Kolkata", "every morning");
        let bad = store.subscriber(1).unwrap().unwrap();
        assert!(
            matches!(bad.delivery, Err(ScheduleError::Cron { .. })),
            "{bad:?}"
        );
        let mailer = Mailer::from_config(&config.smtp, &config.digest.outbox).unwrap();
        let sender = Sender {
            config: &config,
            mailer: &mailer,
            secret: "k",
        };
        let summary = send_due(
            &mut store,
            &sender,
            at("2026-11-21T02:00:00Z"),
            PassOptions::default(),
        )
        .await
        .unwrap();
        assert_eq!((summary.failed, summary.skipped_empty), (1, 1), "{summary}");
        assert!(
            store.digests_of(1).unwrap().is_empty(),
            "nothing recorded for the bad one"
        );
    }
}
