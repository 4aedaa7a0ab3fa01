//! One database connection kept open by a websub task. A [`Store`] opened
//! per request would run the connection pragmas and the migration check
//! each time: on the hub's fan-out (a delivery outcome per subscriber) and
//! on every push received, that is most of the work. Connections are not
//! shared across tasks, so one task's long write never queues another's.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::store::{Store, StoreError};

/// A lazily opened connection, shared by clones, used on the blocking pool.
#[derive(Clone)]
pub struct Conn {
    path: Arc<PathBuf>,
    store: Arc<Mutex<Option<Store>>>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conn").field("path", &self.path).finish()
    }
}

impl Conn {
    /// A connection to the database at `path`, opened at first use.
    pub fn new(path: PathBuf) -> Conn {
        Conn {
            path: Arc::new(path),
            store: Arc::new(Mutex::new(None)),
        }
    }

    /// Runs `f` on the connection, on the blocking pool.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (path, slot) = (Arc::clone(&self.path), Arc::clone(&self.store));
        tokio::task::spawn_blocking(move || {
            // A poisoned lock only means a task panicked mid-call; the
            // connection itself is still usable.
            let mut guard = slot.lock().unwrap_or_else(|p| p.into_inner());
            let store = match guard.as_mut() {
                Some(store) => store,
                None => guard.insert(Store::open(&path)?),
            };
            f(store)
        })
        .await
        .unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()))
    }
}
