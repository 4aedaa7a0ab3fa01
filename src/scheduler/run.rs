//! One polling pass: fetch every given feed within the concurrency and
//! per-host limits, parse and normalise off the async threads, and write
//! results through a single writer thread in batched transactions. A panic
//! in one feed's work or in the writer is contained (see `contain`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use indicatif::ProgressBar;
use tokio::sync::{mpsc, Semaphore};
use tracing::Instrument;

use super::contain::{or_on_panic, write_contained, BatchWriter};
use super::derive::derive_item;
use super::due::{jitter_for, next_due, publishing_cadence, pushed_next_due, Failure, Observed};
use super::error::PollError;
use crate::clock;
use crate::config::{FetchConfig, ScheduleConfig};
use crate::fetch::{FetchError, FetchOutcome, FetchRequest, FetchedFeed, Fetcher};
use crate::model::{FeedUrl, OutletPages, PollRecord, PollResult};
use crate::store::{FeedRow, Store, StoreError, StoreReport};
use crate::stories::{StoryGrouper, TermFinder, DEFAULT_WINDOW};
use crate::topics::Tagger;
use crate::{metrics, normalize, parse};

/// Results waiting for the writer; a full queue slows fetching down instead
/// of holding more bodies in memory.
const WRITE_QUEUE: usize = 64;

/// Most polls written in one transaction.
const WRITE_BATCH: usize = 64;

/// How long the writer waits for a batch to fill before writing what it
/// has: at most this much later on the page, for far fewer transactions
/// when polls finish one by one.
const WRITE_LINGER: Duration = Duration::from_millis(200);

/// The writer stops waiting for a batch to fill once the documents in it
/// came to this many bytes.
const LINGER_MAX_BYTES: u64 = 4 << 20;

/// Bodies of at least [`LARGE_BODY`](crate::allocator::LARGE_BODY) parsed at
/// once (issue #11). Parsing a hostile 10 MiB document takes several times
/// its size while it runs, so this, more than the bodies in flight, sets the
/// peak memory of a pass over big feeds; small feeds never wait for it.
const LARGE_PARSES: usize = 2;

/// What one pass did, for the summary line and metrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PassSummary {
    /// Feeds polled.
    pub feeds: u32,
    /// Feeds that sent a new document.
    pub ok: u32,
    /// Feeds that answered 304.
    pub not_modified: u32,
    /// Feeds whose fetch or parse failed.
    pub failed: u32,
    /// Feeds retired by a 410.
    pub gone: u32,
    /// Items stored for the first time.
    pub new_items: u32,
    /// Items updated in place.
    pub updated_items: u32,
    /// Wall-clock seconds.
    pub seconds: f64,
}

impl std::fmt::Display for PassSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} feeds: {} ok, {} not modified, {} failed, {} gone; {} new items, {} updated; {:.1}s",
            self.feeds,
            self.ok,
            self.not_modified,
            self.failed,
            self.gone,
            self.new_items,
            self.updated_items,
            self.seconds
        )
    }
}

/// Everything a pass needs that outlives it: the HTTP client, the limits,
/// and the per-host permits.
pub struct Poller {
    pub(super) fetcher: Fetcher,
    schedule: ScheduleConfig,
    pub(super) database: PathBuf,
    pub(super) tagger: Arc<Tagger>,
    /// The grouper's term finder, shared with the parse threads, which
    /// compute each item's story signature.
    pub(super) finder: Arc<TermFinder>,
    pub(super) global: Arc<Semaphore>,
    /// Parses of large bodies at once (see [`LARGE_PARSES`]).
    large_parses: Arc<Semaphore>,
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
    /// The story grouper (issues #7, #13), kept across passes; rebuilt from
    /// the database by the first pass, and after a failed write.
    pub(super) stories: Mutex<Option<StoryGrouper>>,
    /// Article pages fetched per full-text feed per pass.
    pub(super) max_articles: usize,
    /// How long a full-text feed's article fetches may take, from the end
    /// of its own fetch (issue #11): one more fetch's worth, so that a
    /// feed's whole poll fits in the pass deadline.
    article_budget: Duration,
    /// Items kept from one feed document (the newest).
    pub(super) max_items: usize,
}

impl Poller {
    /// A poller that tags with `tagger` and writes into the database at `database`.
    pub fn new(
        fetch: &FetchConfig,
        schedule: ScheduleConfig,
        database: PathBuf,
        tagger: Arc<Tagger>,
    ) -> Result<Poller, FetchError> {
        Ok(Poller {
            fetcher: Fetcher::new(fetch)?,
            schedule,
            database,
            finder: Arc::new(TermFinder::new(&tagger)),
            tagger,
            global: Arc::new(Semaphore::new(fetch.concurrency)),
            large_parses: Arc::new(Semaphore::new(LARGE_PARSES)),
            per_host: fetch.per_host,
            hosts: Mutex::new(HashMap::new()),
            stories: Mutex::new(None),
            max_articles: fetch.max_articles,
            article_budget: fetch.connect_timeout + fetch.timeout,
            max_items: fetch.max_items,
        })
    }

    /// The scheduling bounds this poller applies.
    pub fn schedule(&self) -> &ScheduleConfig {
        &self.schedule
    }

    /// The database it writes into.
    pub fn database(&self) -> &std::path::Path {
        &self.database
    }

    pub(super) fn host_permits(&self, url: &url::Url) -> Arc<Semaphore> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        // A poisoned lock only means another task panicked mid-insert; the
        // map itself is still usable.
        let mut hosts = self.hosts.lock().unwrap_or_else(|p| p.into_inner());
        hosts
            .entry(host)
            .or_insert_with(|| Arc::new(Semaphore::new(self.per_host)))
            .clone()
    }
}

/// A progress bar for a pass on stderr, when stderr is a terminal (a
/// person is watching `khabar poll` or the demo); `None` otherwise.
pub fn terminal_progress() -> Option<ProgressBar> {
    std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} polling [{bar:30}] {pos}/{len} feeds {elapsed}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    })
}

/// Polls the feeds due now (every active feed with `all`). Nothing due is
/// an empty summary, without a pass or a log line.
pub async fn poll_due(
    poller: Arc<Poller>,
    all: bool,
    progress: Option<ProgressBar>,
) -> Result<PassSummary, StoreError> {
    let feeds = Store::open(&poller.database)?.due_feeds(clock::now(), all)?;
    if feeds.is_empty() {
        return Ok(PassSummary::default());
    }
    if let Some(bar) = &progress {
        bar.set_length(feeds.len() as u64);
    }
    poll_pass(poller, feeds, progress).await
}

/// Polls `feeds` once and writes the results. Only a database failure
/// ends the pass early; a feed's failure is recorded on the feed.
pub async fn poll_pass(
    poller: Arc<Poller>,
    feeds: Vec<FeedRow>,
    progress: Option<ProgressBar>,
) -> Result<PassSummary, StoreError> {
    poll_pass_until(poller, feeds, progress, std::future::pending(), None).await
}

/// [`poll_pass`], abandoning the fetches still queued or in flight once
/// `stop` completes (shutdown, or the pass deadline of
/// [`tick`](super::tick())): their feeds stay due, and the writer commits
/// every poll it already has before the pass returns. Full-text article
/// fetches end by `articles_by` (and each feed's own budget), so that the
/// feeds they belong to are recorded before `stop`.
pub async fn poll_pass_until(
    poller: Arc<Poller>,
    feeds: Vec<FeedRow>,
    progress: Option<ProgressBar>,
    stop: impl std::future::Future<Output = ()>,
    articles_by: Option<tokio::time::Instant>,
) -> Result<PassSummary, StoreError> {
    let started = Instant::now();
    let (tx, rx) = mpsc::channel::<PollRecord>(WRITE_QUEUE);
    let writing = poller.clone();
    let writer = tokio::task::spawn_blocking(move || write_loop(&writing, rx, progress));
    let mut tasks = tokio::task::JoinSet::new();
    for feed in feeds {
        let poller = poller.clone();
        let tx = tx.clone();
        let span = tracing::info_span!("feed", feed_id = feed.id, feed_url = %feed.url);
        tasks.spawn(
            async move {
                // Reserve the writer's queue slot before fetching, so that at
                // most WRITE_QUEUE parsed feeds wait for the writer and memory
                // does not grow with the number of feeds. The queue only
                // closes early on a database error, which the pass reports.
                let Ok(slot) = tx.reserve().await else { return };
                slot.send(poll_feed_contained(&poller, feed, articles_by).await);
            }
            .instrument(span),
        );
    }
    drop(tx);
    let stopped = tokio::select! {
        () = async { while tasks.join_next().await.is_some() {} } => false,
        () = stop => true,
    };
    if stopped {
        tracing::info!(
            abandoned = tasks.len(),
            "pass stopped: abandoning fetches in flight"
        );
        // Aborting drops each task's queue sender, which lets the writer
        // finish with what it has.
        tasks.shutdown().await;
    }
    let mut summary = writer
        .await
        .map_err(|e| StoreError::Panicked(format!("writer: {e}")))??;
    summary.seconds = started.elapsed().as_secs_f64();
    metrics::PASS_DURATION.observe(started.elapsed(), &[]);
    metrics::LAST_PASS.set(clock::now().timestamp_millis() as f64 / 1e3, &[]);
    tracing::info!(%summary, "poll pass done");
    Ok(summary)
}

/// [`poll_feed`]; a panic in the feed's own work (parse, normalise,
/// extract, tag) is recorded as its failure rather than losing its poll,
/// which would leave it due, to panic again at every tick (issue #11).
async fn poll_feed_contained(
    poller: &Poller,
    feed: FeedRow,
    articles_by: Option<tokio::time::Instant>,
) -> PollRecord {
    let (at, started) = (clock::now(), Instant::now());
    or_on_panic(poll_feed(poller, &feed, articles_by), |panic| {
        tracing::error!(panic = %panic, "polling this feed panicked; recorded as its failure");
        // The same body would panic again: tried rarely, like a page
        // that is not a feed.
        let kind = Failure::Permanent;
        let result = PollResult::Failed {
            http_status: None,
            error: kind.record(&format!("internal error while polling: {panic}")),
        };
        let observed = Observed::Failed {
            retry_after: None,
            kind,
        };
        record(poller, &feed, at, started, result, observed)
    })
    .await
}

async fn poll_feed(
    poller: &Poller,
    feed: &FeedRow,
    articles_by: Option<tokio::time::Instant>,
) -> PollRecord {
    let at = clock::now();
    let started = Instant::now();
    let (mut result, observed) = {
        let url = feed.url.as_url();
        let host = poller.host_permits(url);
        // Permits are never closed, so acquiring cannot fail.
        let _host = host.acquire_owned().await.ok();
        let _global = poller.global.clone().acquire_owned().await.ok();
        let request = FetchRequest {
            url: url.clone(),
            etag: feed.etag.clone(),
            last_modified: feed.last_modified.clone(),
        };
        let outcome = poller.fetcher.fetch(&request).await;
        digest_outcome(outcome, poller, at).await
    };
    if feed.full_text {
        let budget = tokio::time::Instant::now() + poller.article_budget;
        let until = articles_by.map_or(budget, |by| by.min(budget));
        super::articles::fill_full_text(poller, feed.id, &mut result, until).await;
    }
    if let PollResult::Failed { error, .. } = &result {
        tracing::warn!(error = %error, "feed failed");
    }
    record(poller, feed, at, started, result, observed)
}

/// The record of a poll of `feed` that started at `at`, with its next due
/// time from `observed`.
fn record(
    poller: &Poller,
    feed: &FeedRow,
    at: DateTime<Utc>,
    started: Instant,
    result: PollResult,
    observed: Observed,
) -> PollRecord {
    let interval = feed.interval.unwrap_or(poller.schedule.interval);
    let succeeded = matches!(
        observed,
        Observed::Fetched { .. } | Observed::NotModified { .. }
    );
    let mut next = next_due(
        &feed.state,
        interval,
        observed,
        &poller.schedule,
        jitter_for(feed.id),
        clock::now(),
    );
    if feed.push_active && succeeded {
        next = pushed_next_due(next, &poller.schedule, clock::now());
    }
    PollRecord {
        feed_id: feed.id,
        at,
        duration: started.elapsed(),
        result,
        next,
    }
}

/// Turns a fetch outcome into what is stored and what the scheduler sees,
/// parsing a fetched body on the blocking pool.
async fn digest_outcome(
    outcome: FetchOutcome,
    poller: &Poller,
    now: DateTime<Utc>,
) -> (PollResult, Observed) {
    match outcome {
        FetchOutcome::NotModified { hints } => (
            PollResult::NotModified,
            Observed::NotModified {
                max_age: hints.max_age,
            },
        ),
        FetchOutcome::Gone => (PollResult::Gone, Observed::Gone),
        FetchOutcome::Failed(e) => failed(PollError::Fetch(e)),
        FetchOutcome::Fetched(fetched) => {
            let max_age = fetched.hints.max_age;
            let (tagger, finder) = (poller.tagger.clone(), poller.finder.clone());
            let max_items = poller.max_items;
            // Never closed, so acquiring cannot fail; held (with the body's
            // budget) until the parse is done.
            let _large = if fetched.body.len() >= crate::allocator::LARGE_BODY {
                poller.large_parses.clone().acquire_owned().await.ok()
            } else {
                None
            };
            let parsed = tokio::task::spawn_blocking(move || {
                parse_fetched(*fetched, &tagger, &finder, now, max_items)
            })
            .await
            .unwrap_or_else(|e| Err(PollError::Crashed(e.to_string())));
            match parsed {
                Ok(parsed) => (
                    parsed.result,
                    Observed::Fetched {
                        feed_hint: parsed.feed_hint,
                        max_age,
                        cadence: parsed.cadence,
                    },
                ),
                Err(e) => failed(e),
            }
        }
    }
}

/// A failed poll as stored (the error as the operator reads it, after
/// its kind: `permanent: fetch …: HTTP 404`) and as the scheduler sees it
/// (any `Retry-After`, and whether trying again soon may help).
fn failed(e: PollError) -> (PollResult, Observed) {
    let kind = e.failure();
    (
        PollResult::Failed {
            http_status: e.http_status(),
            error: kind.record(&e.to_string()),
        },
        Observed::Failed {
            retry_after: e.retry_after(),
            kind,
        },
    )
}

/// A fetched body, parsed, normalised, tagged and signed.
pub(super) struct ParsedPoll {
    /// What is stored.
    pub(super) result: PollResult,
    /// The feed's own polling hint (`ttl`).
    feed_hint: Option<Duration>,
    /// The average gap between its items.
    cadence: Option<Duration>,
}

pub(super) fn parse_fetched(
    fetched: FetchedFeed,
    tagger: &Tagger,
    finder: &TermFinder,
    now: DateTime<Utc>,
    max_items: usize,
) -> Result<ParsedPoll, PollError> {
    let FetchedFeed {
        body,
        budget,
        content_type,
        final_url,
        moved_permanently,
        etag,
        last_modified,
        status,
        links,
        hints: _,
    } = fetched;
    let bytes = body.len() as u64;
    let parsed =
        parse::parse_feed(&body, content_type.as_deref()).map_err(|source| PollError::Parse {
            url: final_url.clone(),
            status,
            source,
        })?;
    // The raw body is not needed once parsed; its bytes stay counted in the
    // fetcher's budget until the parsed document is normalised and dropped
    // (issue #11), so that few parses run on a full-size body at once.
    drop(body);
    let mut feed = normalize::normalize_feed(parsed, Some(&final_url), now, max_items);
    drop(budget);
    // W3C WebSub §4: the HTTP Link header comes before the document's links.
    let from_header = |link: &Option<String>| {
        link.as_deref()
            .and_then(|l| normalize::http_url(l, Some(&final_url)))
    };
    if let Some(hub) = from_header(&links.hub) {
        feed.meta.hub = Some(hub);
    }
    if let Some(topic) = from_header(&links.self_url) {
        feed.meta.self_url = Some(topic);
    }
    let hint = feed.meta.ttl;
    let cadence = publishing_cadence(feed.items.iter().filter_map(|i| i.published), now);
    // Tagged, signed and tokenised here, in parallel, so that the single
    // writer only stores the results. A large document's tokens are left to
    // the writer, item by item: carried in the record, they would add about
    // its text's size again to every such record waiting for the writer
    // (issue #11's memory bound).
    let large = bytes as usize >= crate::allocator::LARGE_BODY;
    let mut tags = Vec::with_capacity(feed.items.len());
    let mut signatures = Vec::with_capacity(feed.items.len());
    let mut index = Vec::with_capacity(if large { 0 } else { feed.items.len() });
    for item in &feed.items {
        let derived = derive_item(tagger, finder, item, !large);
        tags.push(derived.tags);
        signatures.push(derived.signature);
        index.extend(derived.index);
    }
    if large {
        crate::allocator::release_free_memory();
    }
    Ok(ParsedPoll {
        result: PollResult::Fetched {
            http_status: status,
            bytes,
            feed,
            tags,
            signatures,
            index,
            etag,
            last_modified,
            // A redirect to anything but http(s) is not followed by the
            // fetcher; should one arrive, the feed keeps its URL.
            moved_to: moved_permanently.and_then(|url| FeedUrl::try_from(url).ok()),
            outlet_pages: OutletPages::default(),
        },
        feed_hint: hint,
        cadence,
    })
}

/// The writer thread: takes records off the queue and writes them in
/// batches, one transaction each; once the pass is written, the new items
/// join stories in assignment order (date, outlet, key), so that the order
/// in which polls finished changes no story (issue #13).
fn write_loop(
    poller: &Poller,
    rx: mpsc::Receiver<PollRecord>,
    progress: Option<ProgressBar>,
) -> Result<PassSummary, StoreError> {
    let mut store = Store::open(&poller.database)?;
    let summary = write_batches(&mut store, rx, progress)?;
    group_pending(poller, &mut store)?;
    Ok(summary)
}

/// Assigns the items waiting for a story, with the poller's grouper (one
/// writer groups at a time).
pub(super) fn group_pending(poller: &Poller, store: &mut Store) -> Result<(), StoreError> {
    // A poisoned lock only means a writer panicked.
    let mut kept = poller.stories.lock().unwrap_or_else(|p| p.into_inner());
    let grouper = match kept.take() {
        Some(grouper) => grouper,
        None => crate::stories::restore(store, poller.finder.clone(), DEFAULT_WINDOW)?,
    };
    // A failed or panicking assignment leaves the grouper ahead of the
    // database: it is dropped, and the next pass rebuilds it and assigns
    // what is still waiting. The polls themselves are already written.
    if let Some(grouper) = group_contained(store, grouper)? {
        *kept = Some(grouper);
    }
    Ok(())
}

/// Assigns the waiting items to stories with `grouper`, which is returned
/// unless the assignment panicked (issue #11): the panic is logged, and
/// the pass, whose polls are stored, goes on.
fn group_contained(
    store: &mut Store,
    mut grouper: StoryGrouper,
) -> Result<Option<StoryGrouper>, StoreError> {
    let started = Instant::now();
    let assigned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::stories::assign_pending(store, &mut grouper)
    }));
    match assigned {
        Ok(grouped) => {
            tracing::debug!(
                items = grouped?,
                seconds = started.elapsed().as_secs_f64(),
                "items grouped into stories"
            );
            Ok(Some(grouper))
        }
        Err(panic) => {
            let panic = super::contain::panic_message(&*panic);
            tracing::error!(panic = %panic, "grouping stories panicked; the next pass rebuilds the grouper");
            Ok(None)
        }
    }
}

impl BatchWriter for Store {
    fn write(&mut self, batch: &[PollRecord]) -> Result<Vec<StoreReport>, StoreError> {
        self.write_polls(batch)
    }
}

/// The size of the document a record holds (0 when none was fetched).
fn body_bytes(record: &PollRecord) -> u64 {
    match &record.result {
        PollResult::Fetched { bytes, .. } => *bytes,
        _ => 0,
    }
}

fn write_batches(
    store: &mut Store,
    mut rx: mpsc::Receiver<PollRecord>,
    progress: Option<ProgressBar>,
) -> Result<PassSummary, StoreError> {
    let mut summary = PassSummary::default();
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    let runtime = tokio::runtime::Handle::current();
    while let Some(first) = rx.blocking_recv() {
        let mut bytes = body_bytes(&first);
        batch.push(first);
        // Up to WRITE_LINGER for the rest of a batch: a transaction per
        // record or two would flush and merge the search index's segments
        // that often (issue #17). Records already holding large documents
        // are written at once, so that waiting holds no more memory than
        // it did (issue #11).
        let until = tokio::time::Instant::now() + WRITE_LINGER;
        while batch.len() < WRITE_BATCH {
            let next = match rx.try_recv() {
                Ok(r) => Some(r),
                Err(_) if bytes >= LINGER_MAX_BYTES => None,
                Err(_) => runtime
                    .block_on(tokio::time::timeout_at(until, rx.recv()))
                    .ok()
                    .flatten(),
            };
            // None: the pass is over, or the wait is.
            let Some(r) = next else { break };
            bytes += body_bytes(&r);
            batch.push(r);
        }
        let reports = write_contained(store, &mut batch)?;
        for (record, report) in batch.drain(..).zip(reports) {
            summary.feeds += 1;
            let outcome = match record.result {
                PollResult::Fetched { .. } => (&mut summary.ok, "ok"),
                PollResult::NotModified => (&mut summary.not_modified, "not_modified"),
                PollResult::Gone => (&mut summary.gone, "gone"),
                PollResult::Failed { .. } => (&mut summary.failed, "failed"),
            };
            *outcome.0 += 1;
            summary.new_items += report.new;
            summary.updated_items += report.updated;
            // Counted once committed, as the summary is.
            metrics::POLLS.inc(&[outcome.1]);
            metrics::FETCH_DURATION.observe(record.duration, &[]);
            metrics::ITEMS_STORED.add(u64::from(report.new), &[]);
            metrics::ITEMS_UPDATED.add(u64::from(report.updated), &[]);
            if let Some(p) = &progress {
                p.inc(1);
            }
        }
    }
    if let Some(p) = &progress {
        p.finish_and_clear();
    }
    Ok(summary)
}
