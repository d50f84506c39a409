//! The in-memory state both adapters share: a sorted map from key to (version, JSON text), key
//! rules, and the precondition check that turns a commit into a list of changes.
//!
//! Values are kept as compact JSON text rather than as `serde_json::Value` trees: it is several
//! times smaller, it is what the file adapter writes anyway, and a read parses it back.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use crate::{ErrorKind, Expect, Op, Record, StoreError};

/// The longest key, in bytes.
pub const MAX_KEY_LEN: usize = 1024;

/// Checks the key rules: 1 to [`MAX_KEY_LEN`] bytes of `/`-separated non-empty segments, with
/// no control characters (so no line breaks).
///
/// A key that breaks them is [`ErrorKind::InvalidKey`], naming the key.
pub fn validate_key(key: &str) -> Result<(), StoreError> {
    let why = if key.is_empty() {
        Some("is empty")
    } else if key.len() > MAX_KEY_LEN {
        Some("is longer than 1024 bytes")
    } else if key.chars().any(char::is_control) {
        Some("contains a control character")
    } else if key.split('/').any(str::is_empty) {
        Some("has an empty segment (leading, trailing or double `/`)")
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => Err(StoreError::new(
            ErrorKind::InvalidKey,
            format!("invalid key {key:?}: it {why}"),
        )
        .with_key(key)),
    }
}

/// Checks a list prefix: at most [`MAX_KEY_LEN`] bytes, no control characters.
pub(crate) fn validate_prefix(prefix: &str) -> Result<(), StoreError> {
    if prefix.len() > MAX_KEY_LEN || prefix.chars().any(char::is_control) {
        return Err(StoreError::new(
            ErrorKind::InvalidKey,
            format!("invalid prefix {prefix:?}: at most 1024 bytes, no control characters"),
        )
        .with_key(prefix));
    }
    Ok(())
}

/// One stored value.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    pub(crate) version: u64,
    /// Compact JSON text.
    pub(crate) raw: Box<str>,
}

/// The whole state.
pub(crate) type Map = BTreeMap<Box<str>, Entry>;

/// An op whose key was checked and whose value was serialized.
#[derive(Debug)]
pub(crate) struct Prepared {
    pub(crate) key: Box<str>,
    /// `Some(json)` for a put, `None` for a delete.
    pub(crate) raw: Option<Box<str>>,
    pub(crate) expect: Expect,
}

/// Checks the keys of `ops` and serializes their values.
pub(crate) fn prepare(ops: Vec<Op>) -> Result<Vec<Prepared>, StoreError> {
    ops.into_iter()
        .map(|op| {
            validate_key(op.key())?;
            Ok(match op {
                Op::Put { key, value, expect } => Prepared {
                    key: key.into_boxed_str(),
                    raw: Some(value.into_boxed_str()),
                    expect,
                },
                Op::Delete { key, expect } => Prepared {
                    key: key.into_boxed_str(),
                    raw: None,
                    expect,
                },
            })
        })
        .collect()
}

/// One change to apply.
#[derive(Clone, Debug)]
pub(crate) enum Change {
    Put {
        key: Box<str>,
        version: u64,
        raw: Box<str>,
    },
    Delete {
        key: Box<str>,
    },
}

/// What one op did: the new version of a put (0 for a delete) and whether the key existed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Outcome {
    pub(crate) version: u64,
    pub(crate) existed: bool,
}

/// Versions of keys changed by commits checked earlier in the same group but not yet applied:
/// `Some(v)` present at `v`, `None` deleted.
pub(crate) type Overlay = HashMap<Box<str>, Option<u64>>;

/// Checks every precondition of `ops` against `map` as changed by `overlay` (the commits
/// planned before this one in the same group, if any), in order; on success records the
/// changes in `overlay` and returns them with the outcome of each op. On failure `overlay` is
/// left unchanged.
pub(crate) fn plan(
    map: &Map,
    overlay: Option<&mut Overlay>,
    ops: Vec<Prepared>,
) -> Result<(Vec<Change>, Vec<Outcome>), StoreError> {
    // Versions set by the earlier ops of this commit. Most commits have one op and no earlier
    // ones: they skip this table (its allocation and a copy of each key).
    let mut local: Overlay = HashMap::new();
    let track_local = ops.len() > 1;
    let mut changes = Vec::with_capacity(ops.len());
    let mut outcomes = Vec::with_capacity(ops.len());
    for op in ops {
        let earlier = local
            .get(&op.key)
            .or_else(|| overlay.as_deref().and_then(|o| o.get(&op.key)));
        let current = match earlier {
            Some(v) => *v,
            None => map.get(&op.key).map(|e| e.version),
        };
        check(&op.key, op.expect, current)?;
        match op.raw {
            Some(raw) => {
                let version = current.map_or(1, |v| v + 1);
                if track_local {
                    local.insert(op.key.clone(), Some(version));
                }
                changes.push(Change::Put {
                    key: op.key,
                    version,
                    raw,
                });
                outcomes.push(Outcome {
                    version,
                    existed: current.is_some(),
                });
            }
            None => {
                if current.is_some() {
                    if track_local {
                        local.insert(op.key.clone(), None);
                    }
                    changes.push(Change::Delete { key: op.key });
                }
                outcomes.push(Outcome {
                    version: 0,
                    existed: current.is_some(),
                });
            }
        }
    }
    if let Some(overlay) = overlay {
        // In order, so a key changed twice ends at its last change.
        for change in &changes {
            match change {
                Change::Put { key, version, .. } => overlay.insert(key.clone(), Some(*version)),
                Change::Delete { key } => overlay.insert(key.clone(), None),
            };
        }
    }
    Ok((changes, outcomes))
}

fn check(key: &str, expect: Expect, current: Option<u64>) -> Result<(), StoreError> {
    match (expect, current) {
        (Expect::Any, _) | (Expect::Absent, None) => Ok(()),
        (Expect::Version(want), Some(have)) if want == have => Ok(()),
        (Expect::Absent, Some(have)) => Err(StoreError::conflict(
            key,
            format!("expected it absent, it exists at version {have}"),
        )),
        (Expect::Version(want), Some(have)) => Err(StoreError::conflict(
            key,
            format!("expected version {want}, it is at version {have}"),
        )),
        (Expect::Version(want), None) => Err(StoreError::conflict(
            key,
            format!("expected version {want}, it does not exist"),
        )),
    }
}

/// Applies checked changes.
pub(crate) fn apply(map: &mut Map, changes: Vec<Change>) {
    for change in changes {
        match change {
            Change::Put { key, version, raw } => {
                map.insert(key, Entry { version, raw });
            }
            Change::Delete { key } => {
                map.remove(&key);
            }
        }
    }
}

/// Turns a stored entry into a [`Record`].
pub(crate) fn record(key: &str, entry: &Entry) -> Result<Record, StoreError> {
    let value = serde_json::from_str(&entry.raw).map_err(|e| {
        StoreError::new(
            ErrorKind::Corrupt,
            format!("stored value of key `{key}` is not valid JSON: {e}"),
        )
        .with_key(key)
    })?;
    Ok(Record {
        key: key.to_owned(),
        value,
        version: entry.version,
    })
}

/// Reads one key.
pub(crate) fn get(map: &Map, key: &str) -> Result<Option<Record>, StoreError> {
    validate_key(key)?;
    map.get(key).map(|e| record(key, e)).transpose()
}

/// Lists a prefix, sorted.
pub(crate) fn list(map: &Map, prefix: &str) -> Result<Vec<Record>, StoreError> {
    validate_prefix(prefix)?;
    map.range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
        .take_while(|(k, _)| k.starts_with(prefix))
        .map(|(k, e)| record(k, e))
        .collect()
}
