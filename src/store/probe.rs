//! The write probe behind `/healthz`: can this process take the write lock?

use std::time::Duration;

use super::{Store, StoreError, BUSY_TIMEOUT};

impl Store {
    /// Takes the database's write lock and releases it without writing
    /// (`BEGIN IMMEDIATE; ROLLBACK`), waiting at most `wait` for another
    /// writer. Fails when the file is read-only, the disk is gone or the
    /// lock stays held.
    pub fn probe_writable(&self, wait: Duration) -> Result<(), StoreError> {
        self.conn.busy_timeout(wait)?;
        let result = self.conn.execute_batch("BEGIN IMMEDIATE");
        let rolled_back = match result {
            Ok(()) => self.conn.execute_batch("ROLLBACK"),
            Err(_) => Ok(()),
        };
        self.conn.busy_timeout(BUSY_TIMEOUT)?;
        result?;
        Ok(rolled_back?)
    }
}
