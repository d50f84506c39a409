//! The `memory` adapter: the state in a sorted map behind a lock, gone when the process ends.

use std::fmt;

use parking_lot::RwLock;

use crate::state::{self, Map};
use crate::{Expect, Op, Record, Store, StoreError};

/// A store that keeps everything in memory (`--store memory`).
#[derive(Debug, Default)]
pub struct MemoryStore {
    map: RwLock<Map>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn commit_ops(&self, ops: Vec<Op>) -> Result<Vec<state::Outcome>, StoreError> {
        let prepared = state::prepare(ops)?;
        let mut map = self.map.write();
        // One commit at a time under the lock: no group of planned commits to see through.
        let (changes, outcomes) = state::plan(&map, None, prepared)?;
        state::apply(&mut map, changes);
        Ok(outcomes)
    }
}

impl fmt::Display for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("memory")
    }
}

#[async_trait::async_trait]
impl Store for MemoryStore {
    async fn get(&self, key: &str) -> Result<Option<Record>, StoreError> {
        state::get(&self.map.read(), key)
    }

    async fn put(
        &self,
        key: &str,
        value: serde_json::Value,
        expect: Expect,
    ) -> Result<u64, StoreError> {
        let out = self.commit_ops(vec![Op::Put {
            key: key.to_owned(),
            value: value.into(),
            expect,
        }])?;
        Ok(out.first().map_or(0, |o| o.version))
    }

    async fn delete(&self, key: &str, expect: Expect) -> Result<bool, StoreError> {
        let out = self.commit_ops(vec![Op::Delete {
            key: key.to_owned(),
            expect,
        }])?;
        Ok(out.first().is_some_and(|o| o.existed))
    }

    async fn list(&self, prefix: &str) -> Result<Vec<Record>, StoreError> {
        state::list(&self.map.read(), prefix)
    }

    async fn commit(&self, ops: Vec<Op>) -> Result<Vec<u64>, StoreError> {
        Ok(self
            .commit_ops(ops)?
            .into_iter()
            .map(|o| o.version)
            .collect())
    }

    async fn flush(&self) -> Result<(), StoreError> {
        Ok(())
    }
}
