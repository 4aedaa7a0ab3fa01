//! What the integration tests stand on: feed servers (axum for well-formed
//! HTTP, raw TCP for byte-level misbehaviour), feed documents, and a handle
//! on the real `khabar` binary with its own config and database, the daemon
//! it runs (`Daemon::spawn`, the one reader of `listening on`), an SMTP sink
//! and headless Chromium.

pub mod chromium;
pub mod daemon;
pub mod demo;
pub mod docs;
pub mod hostile;
pub mod hosts;
pub mod khabar;
pub mod raw;
pub mod server;
pub mod smtp;

pub use daemon::{wait_until, Daemon};
pub use demo::demo_outlets;
pub use khabar::Khabar;
pub use server::{FeedServer, Reply};
