//! One sync at a time per SQLite database: an exclusive lock on a file beside it
//! (`<db>.sync-lock`), which the operating system releases when the process ends, even by
//! SIGKILL, so a restart never waits for a dead process.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Result, SyncError};

/// The held lock; released when dropped.
#[derive(Debug)]
pub(crate) struct SyncLock {
    _file: File,
}

/// The lock file of the database at `db`.
pub(crate) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sync-lock");
    PathBuf::from(name)
}

/// Takes the lock of the database at `db`, or says who holds it.
pub(crate) fn acquire(db: &Path, instance: &str) -> Result<SyncLock> {
    let path = lock_path(db);
    let busy = |message: String| SyncError::Busy {
        path: path.display().to_string(),
        message,
    };
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| busy(format!("cannot open it: {e}")))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let holder = std::fs::read_to_string(&path).unwrap_or_default();
            return Err(busy(format!("held by {}", holder.trim())));
        }
        Err(TryLockError::Error(e)) => return Err(busy(format!("cannot lock it: {e}"))),
    }
    // Who holds it, for the message another process shows; best effort.
    let _ = file.set_len(0);
    let _ = file.write_all(instance.as_bytes());
    Ok(SyncLock { _file: file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = std::env::temp_dir().join(format!("bjy-lock-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let db = dir.join("a.db");
        let first = acquire(&db, "host:1").expect("first");
        let err = acquire(&db, "host:2").expect_err("second");
        assert!(err.to_string().contains("host:1"), "{err}");
        drop(first);
        acquire(&db, "host:2").expect("after release");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
