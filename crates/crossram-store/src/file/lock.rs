//! Ownership of a store directory: an exclusive lock on `DIR/LOCK`, held for the life of the
//! store, with the owner's process id written inside so a refused open can name it.
//!
//! The lock is `flock`-style (`File::try_lock`): the kernel drops it when the owning process
//! dies, however it dies, so a crash never leaves a stale lock behind. It belongs to one open
//! file description, so a second open of the same directory in the same process is refused too.

use std::fs::{File, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::{ErrorKind, StoreError};

/// The name of the lock file inside the store directory.
pub(crate) const LOCK_FILE: &str = "LOCK";

/// A held lock; dropping it releases the directory.
#[derive(Debug)]
pub(crate) struct DirLock {
    _file: File,
}

impl DirLock {
    /// Takes the lock of `dir` at once or fails with [`ErrorKind::Locked`] naming the directory
    /// and the owning process.
    pub(crate) fn acquire(dir: &Path) -> Result<Self, StoreError> {
        let path = dir.join(LOCK_FILE);
        let mut file = crate::private::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| StoreError::io("open the lock file", &path, e))?;
        // Another thread of this process may be between fork and exec of a child: the child's
        // copy of a just-closed lock file keeps the lock for that moment. So a held lock is
        // retried for a few milliseconds before it counts as owned by someone else.
        let mut attempt = file.try_lock();
        for _ in 0..20 {
            match attempt {
                Err(TryLockError::WouldBlock) => {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    attempt = file.try_lock();
                }
                _ => break,
            }
        }
        match attempt {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                let mut owner = String::new();
                let _ = file.read_to_string(&mut owner);
                let owner = owner
                    .trim()
                    .strip_prefix("pid ")
                    .map_or("an unknown process".to_owned(), |pid| {
                        format!("process {pid}")
                    });
                return Err(StoreError::new(
                    ErrorKind::Locked,
                    format!(
                        "store directory {} is in use by {owner} (lock file {}); stop that \
                         process or use another directory",
                        dir.display(),
                        path.display()
                    ),
                )
                .with_path(dir));
            }
            Err(TryLockError::Error(e)) => {
                return Err(StoreError::io("lock", &path, e));
            }
        }
        let pid = format!("pid {}\n", std::process::id());
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(pid.as_bytes()))
            .map_err(|e| StoreError::io("write the owner into", &path, e))?;
        Ok(Self { _file: file })
    }
}
