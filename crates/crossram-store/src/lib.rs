//! Where the emulator keeps its world: the async [`Store`] trait and its two adapters.
//!
//! - [`MemoryStore`] (`--store memory`): a sorted map in memory, for tests and throw-away runs.
//! - [`FileStore`] (`--store file:DIR`): a directory holding a human-readable, checksummed
//!   append-only JSON-lines log plus a snapshot; a write is acknowledged only once it is durable,
//!   concurrent writers share one sync (group commit), and a crash at any instant loses no
//!   acknowledged write. The on-disk format is described in [`mod@file`] and in `FORMAT.md`.
//!
//! [`open`] picks an adapter from the `--store` spec. The engine is the only user of the trait;
//! nothing else reads or writes the records directly.
//!
//! # Records
//!
//! A record is a `/`-separated key (e.g. `acct/11223344/role/ecs-admin`, rules in
//! [`validate_key`]), a JSON value and a version: 1 when the key is created, one more on each put.
//! A key that is deleted and created again starts at 1 again.
//!
//! # Example
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use crossram_store::{Expect, Op};
//! let store = crossram_store::open("memory").await?;
//! let v = store.put("acct/1/role/admin", serde_json::json!({"max": 3600}), Expect::Absent).await?;
//! assert_eq!(v, 1);
//! let versions = store
//!     .commit(vec![
//!         Op::Put { key: "acct/1/role/admin".into(), value: serde_json::json!({"max": 7200}).into(), expect: Expect::Version(1) },
//!         Op::Put { key: "acct/1/role/admin/policy/p1".into(), value: serde_json::json!(true).into(), expect: Expect::Absent },
//!     ])
//!     .await?;
//! assert_eq!(versions, vec![2, 1]);
//! assert_eq!(store.list("acct/1/role/admin/").await?.len(), 1);
//! # Ok::<(), crossram_store::StoreError>(())
//! # }).unwrap();
//! ```

mod error;
pub mod file;
mod memory;
pub mod private;
mod state;

use std::sync::Arc;

pub use error::{ErrorKind, StoreError};
pub use file::FileStore;
pub use memory::MemoryStore;
pub use state::{MAX_KEY_LEN, validate_key};

/// One stored record.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    /// The key, `/`-separated.
    pub key: String,
    /// The value.
    pub value: serde_json::Value,
    /// 1 when the key was created, one more on each put since.
    pub version: u64,
}

/// A precondition on the current state of one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    /// No precondition.
    Any,
    /// The key must not exist (create-only).
    Absent,
    /// The key must exist with exactly this version (compare-and-swap).
    Version(u64),
}

/// One operation of an atomic [`Store::commit`].
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// Create or replace `key` with `value` if `expect` holds.
    Put {
        /// The key.
        key: String,
        /// The new value.
        value: Json,
        /// The precondition.
        expect: Expect,
    },
    /// Remove `key` if `expect` holds.
    Delete {
        /// The key.
        key: String,
        /// The precondition.
        expect: Expect,
    },
}

/// A JSON value as compact text: what the stores keep and write. Built from a
/// `serde_json::Value` or straight from any serializable type (no intermediate tree), so it is
/// always valid JSON.
#[derive(Clone, PartialEq, Eq)]
pub struct Json(Box<str>);

impl Json {
    /// Serializes `value`.
    pub fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        serde_json::to_string(value).map(|s| Self(s.into_boxed_str()))
    }

    pub(crate) fn into_boxed_str(self) -> Box<str> {
        self.0
    }
}

impl From<serde_json::Value> for Json {
    fn from(value: serde_json::Value) -> Self {
        Self::from(&value)
    }
}

impl From<&serde_json::Value> for Json {
    fn from(value: &serde_json::Value) -> Self {
        // A `Value` always serializes (its map keys are strings).
        Self(value.to_string().into_boxed_str())
    }
}

impl std::fmt::Debug for Json {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Op {
    /// The key the operation is about.
    pub fn key(&self) -> &str {
        match self {
            Op::Put { key, .. } | Op::Delete { key, .. } => key,
        }
    }
}

/// The emulator's persistent state: records addressed by key, with versioned, conditional,
/// atomic writes.
///
/// Every adapter passes the same conformance suite (`tests/suite/mod.rs`), which checks the
/// `# Behavior` bullets below.
#[async_trait::async_trait]
pub trait Store: Send + Sync + std::fmt::Debug + std::fmt::Display + 'static {
    /// Reads one record.
    ///
    /// # Behavior
    ///
    /// - Returns `Ok(None)` for a key that does not exist (never an error).
    /// - Sees every write acknowledged before the call started.
    /// - An invalid key is [`ErrorKind::InvalidKey`].
    async fn get(&self, key: &str) -> Result<Option<Record>, StoreError>;

    /// Creates or replaces one record if `expect` holds; returns its new version.
    ///
    /// # Behavior
    ///
    /// - The version is 1 for a key that did not exist, else the previous version plus one.
    /// - `Expect::Absent` on an existing key, or `Expect::Version(v)` on a missing key or one
    ///   whose version is not `v`, is [`ErrorKind::Conflict`] naming the key, and nothing changes.
    /// - Once it returns `Ok`, the write is durable (for adapters that persist).
    /// - Same as a [`Store::commit`] of one [`Op::Put`].
    async fn put(
        &self,
        key: &str,
        value: serde_json::Value,
        expect: Expect,
    ) -> Result<u64, StoreError>;

    /// Removes one record if `expect` holds; returns whether it existed.
    ///
    /// # Behavior
    ///
    /// - Deleting a missing key with `Expect::Any` or `Expect::Absent` returns `Ok(false)`.
    /// - `Expect::Version(v)` on a missing key or a key at another version, or `Expect::Absent`
    ///   on an existing key, is [`ErrorKind::Conflict`] naming the key, and nothing changes.
    /// - Once it returns `Ok(true)`, the deletion is durable.
    async fn delete(&self, key: &str, expect: Expect) -> Result<bool, StoreError>;

    /// Lists every record whose key starts with `prefix`, sorted by key (byte order).
    ///
    /// # Behavior
    ///
    /// - The prefix is a plain string prefix: `acct/1` also matches `acct/12/...`; end it with
    ///   `/` to list one subtree. The empty prefix lists everything.
    /// - An empty result is `Ok(vec![])`.
    /// - The listing is one consistent view: it never shows half of a commit.
    async fn list(&self, prefix: &str) -> Result<Vec<Record>, StoreError>;

    /// Applies several operations atomically; returns, for each op in order, the new version of
    /// a put and 0 for a delete.
    ///
    /// # Behavior
    ///
    /// - Ops apply in order, each seeing the effect of the ones before it (a put then a put of
    ///   the same key in one commit yields versions n+1 and n+2).
    /// - Every precondition and key is checked before anything is applied: if one fails, the
    ///   call returns that error ([`ErrorKind::Conflict`] naming the key, or
    ///   [`ErrorKind::InvalidKey`]) and no op takes effect.
    /// - All or nothing, also across a crash: after a restart either every op is there or none.
    /// - Other readers see either none or all of the ops.
    /// - An empty commit returns `Ok(vec![])` and writes nothing.
    /// - Once it returns `Ok`, the commit is durable. If the future is dropped before it
    ///   completes, the commit may or may not take effect.
    async fn commit(&self, ops: Vec<Op>) -> Result<Vec<u64>, StoreError>;

    /// Makes everything written so far durable; the server calls it at shutdown.
    ///
    /// # Behavior
    ///
    /// - Returns once every commit acknowledged before the call is durable (for the file
    ///   adapter they already are; it may also compact the log so the next open is fast).
    /// - A no-op for adapters that do not persist.
    async fn flush(&self) -> Result<(), StoreError>;
}

/// Opens the store named by a `--store` spec: `memory` or `file:DIR`.
///
/// `file:DIR` opens (creating it if needed) the directory with [`FileStore::open`], which reads
/// the whole store before returning. Any other spec is [`ErrorKind::Unsupported`], listing the
/// available ones.
pub async fn open(spec: &str) -> Result<Arc<dyn Store>, StoreError> {
    if spec == "memory" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    if let Some(dir) = spec.strip_prefix("file:") {
        if dir.is_empty() {
            return Err(StoreError::new(
                ErrorKind::Unsupported,
                "store spec `file:` needs a directory, e.g. `file:./crossram-data`",
            ));
        }
        return Ok(Arc::new(FileStore::open(dir)?));
    }
    Err(StoreError::new(
        ErrorKind::Unsupported,
        format!("unknown store `{spec}`; available: `memory`, `file:DIR`"),
    ))
}
