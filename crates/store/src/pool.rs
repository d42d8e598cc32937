//! Read-only connections, reused: opening one costs a file open and a schema read, and a worker
//! makes a handful of lookups per file.

use crate::Result;
use rusqlite::{Connection, OpenFlags};
use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Idle connections kept for reuse; more may be open at once, the rest are closed when returned.
const KEEP: usize = 8;

/// The pool of one database.
pub(crate) struct Pool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

/// A connection taken from a [`Pool`]; it goes back when dropped (outside any transaction).
pub struct Pooled {
    conn: Option<Connection>,
    /// Where it goes back; `None`: closed when dropped.
    pool: Option<Arc<Pool>>,
}

impl Pooled {
    /// A connection of its own, closed when dropped.
    pub(crate) fn unpooled(conn: Connection) -> Pooled {
        Pooled {
            conn: Some(conn),
            pool: None,
        }
    }
}

impl Pool {
    pub(crate) fn new(path: &Path) -> Pool {
        Pool {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
        }
    }

    pub(crate) fn get(self: &Arc<Self>) -> Result<Pooled> {
        let idle = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let conn = match idle {
            Some(c) => c,
            None => open_reader(&self.path, true)?,
        };
        Ok(Pooled {
            conn: Some(conn),
            pool: Some(self.clone()),
        })
    }
}

/// A read-only connection of its own. `mapped`: pages read through a mapping of the database
/// (fewer copies, but they count in the process's resident memory).
pub(crate) fn open_reader(path: &Path, mapped: bool) -> Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(std::time::Duration::from_secs(10))?;
    c.pragma_update(None, "cache_size", -16384)?;
    if mapped {
        c.pragma_update(None, "mmap_size", crate::MMAP_SIZE)?;
    }
    crate::register_functions(&c)?;
    Ok(c)
}

impl Deref for Pooled {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn
            .as_ref()
            .expect("a pooled connection is present until dropped")
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn
            .as_mut()
            .expect("a pooled connection is present until dropped")
    }
}

impl Drop for Pooled {
    fn drop(&mut self) {
        let (Some(c), Some(pool)) = (self.conn.take(), self.pool.as_ref()) else {
            return;
        };
        // A connection still in a transaction (a snapshot) ends it first; one that cannot is
        // closed rather than handed out holding an old snapshot.
        if !c.is_autocommit() && c.execute_batch("ROLLBACK").is_err() {
            return;
        }
        let mut idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < KEEP {
            idle.push(c);
        }
    }
}
