//! What the integration tests stand on: feed servers (axum for well-formed
//! HTTP, raw TCP for byte-level misbehaviour), feed documents, and a handle
//! on the real `khabar` binary with its own config and database.

pub mod daemon;
pub mod demo;
pub mod docs;
pub mod hostile;
pub mod khabar;
pub mod raw;
pub mod server;

pub use daemon::{wait_until, Daemon};
pub use demo::demo_outlets;
pub use khabar::Khabar;
pub use server::{FeedServer, Reply};
