//! Types that cross stages. Each state of an item has its own type, so that
//! "is this sanitised yet?" is answered by the compiler.

pub mod feed;
pub mod item;
pub mod media;
pub mod poll;

pub use feed::{FeedMeta, FeedUrl, FeedUrlError, NormalizedFeed};
pub use item::{ItemKey, NewItem, SanitizedHtml};
pub use media::{Attachment, ItemMedia};
pub use poll::{FeedState, OutletPages, PollRecord, PollResult};
pub mod schedule;
pub mod search;
pub mod status;
pub mod subscriber;
pub mod topic;

pub use schedule::{DeliverySchedule, ScheduleError};
pub use search::IndexText;
pub use status::{DigestStatus, SubscriberStatus, UnknownStatus};
pub use subscriber::{
    daily_cron, daily_time, DailyTimeError, DigestPeriod, EmailError, SubscriberEmail,
};
pub use topic::{Field, FieldKind, PlaceRef, SlugError, TermMatch, TopicHit, TopicSlug};
