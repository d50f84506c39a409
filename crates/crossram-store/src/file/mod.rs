//! The `file` adapter (in progress): a durable store on a directory.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::{ErrorKind, Expect, Op, Record, Store, StoreError};

/// A durable store on a directory (`--store file:DIR`).
#[derive(Debug)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// Opens the store in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Self, StoreError> {
        Err(StoreError::new(
            ErrorKind::Unsupported,
            format!(
                "the file store is not available yet ({})",
                dir.as_ref().display()
            ),
        ))
    }

    /// Writes a snapshot of the whole store to `w`.
    pub fn export(&self, _w: &mut dyn std::io::Write) -> Result<(), StoreError> {
        Err(StoreError::new(ErrorKind::Unsupported, "not available yet"))
    }

    /// Replaces the whole store with the snapshot read from `r`.
    pub fn import(&self, _r: &mut dyn std::io::Read) -> Result<usize, StoreError> {
        Err(StoreError::new(ErrorKind::Unsupported, "not available yet"))
    }
}

impl fmt::Display for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "file:{}", self.dir.display())
    }
}

#[async_trait::async_trait]
impl Store for FileStore {
    async fn get(&self, _key: &str) -> Result<Option<Record>, StoreError> {
        Err(StoreError::new(ErrorKind::Unsupported, "not available yet"))
    }
    async fn put(&self, _: &str, _: serde_json::Value, _: Expect) -> Result<u64, StoreError> {
        Err(StoreError::new(ErrorKind::Unsupported, "not available yet"))
    }
    async fn delete(&self, _key: &str, _expect: Expect) -> Result<bool, StoreError> {
        Err(StoreError::new(ErrorKind::Unsupported, "not available yet"))
    }
    async fn list(&self, _prefix: &str) -> Result<Vec<Record>, StoreError> {
        Err(StoreError::new(ErrorKind::Unsupported, "not available yet"))
    }
    async fn commit(&self, _ops: Vec<Op>) -> Result<Vec<u64>, StoreError> {
        Err(StoreError::new(ErrorKind::Unsupported, "not available yet"))
    }
    async fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
