//! The `SignatureNonce` replay cache: every nonce seen while its request could still pass the
//! timestamp check is remembered, so a replay inside the window is refused with
//! `SignatureNonceUsed`.
//!
//! # Design
//!
//! A nonce is stored as a 64-bit keyed hash (SipHash with a key drawn at start-up) of
//! `(AccessKeyId, nonce)`: 8 bytes whatever the nonce's length. A fresh nonce is refused only if
//! its hash equals that of one held: with `n` nonces held that is `n / 2^64` per request, one in
//! 600 000 billion at 30 million held (a full window at 33 000 requests per second), and a
//! client that gets it retries with a new nonce as SDKs do. Entries sit in one of [`SHARDS`]
//! independently locked shards, so tens of thousands of
//! requests per second do not contend on one lock. Inside a shard, entries sit in time buckets
//! keyed by the instant the entry may be forgotten: `max(now, request timestamp) + window`, so a
//! request dated in the future is remembered for as long as its timestamp stays acceptable.
//! Whole buckets are dropped once the clock passes their end: no per-entry timers, no scans.
//! Time is the engine's clock, passed in by the caller.
//!
//! Memory is bounded: at most `capacity` entries are held (8 bytes each in hash sets kept at
//! least half full: 9 to 18 bytes per entry, 13 on average). When full, new
//! nonces are refused ([`NonceError::Full`], answered as `ServiceUnavailable`) rather than
//! forgetting old ones, which would silently allow a replay.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashSet};
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use parking_lot::Mutex;

/// Number of independently locked shards.
pub const SHARDS: usize = 64;

/// Width of one time bucket, seconds.
const BUCKET_SECS: i64 = 30;

/// Default maximum number of nonces held (about 650 MB at worst): 55 000 requests per second
/// for a full 15-minute window.
pub const DEFAULT_CAPACITY: usize = 48 * 1024 * 1024;

/// Why a nonce was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NonceError {
    /// The nonce was seen within the window.
    #[error("the signature nonce was used already")]
    Used,
    /// The cache holds `capacity` live nonces and cannot take another without forgetting one.
    #[error("the nonce cache is full")]
    Full,
}

/// A hasher for values that already are uniformly distributed hashes.
#[derive(Default)]
struct PreHashed(u64);

impl Hasher for PreHashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

type Set = HashSet<u64, BuildHasherDefault<PreHashed>>;

#[derive(Default)]
struct Shard {
    /// Bucket index (forget-after time / BUCKET_SECS) to the entries of that bucket.
    buckets: BTreeMap<i64, Set>,
    len: usize,
}

impl Shard {
    fn expire(&mut self, now: i64) {
        let current = now.div_euclid(BUCKET_SECS);
        // Buckets strictly before the current one end at or before `now`.
        let keep = self.buckets.split_off(&current);
        for set in std::mem::replace(&mut self.buckets, keep).into_values() {
            self.len = self.len.saturating_sub(set.len());
        }
    }
}

/// The replay cache. Cheap to share behind an `Arc`; every method takes `&self`.
pub struct NonceCache {
    shards: Box<[Mutex<Shard>]>,
    hasher: RandomState,
    window_secs: i64,
    capacity_per_shard: usize,
}

impl std::fmt::Debug for NonceCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NonceCache")
            .field("window_secs", &self.window_secs)
            .field("capacity", &(self.capacity_per_shard * SHARDS))
            .finish_non_exhaustive()
    }
}

impl NonceCache {
    /// A cache remembering nonces for `window_secs` past their request's time, holding at most
    /// `capacity` of them.
    pub fn new(window_secs: i64, capacity: usize) -> Self {
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect();
        Self {
            shards,
            hasher: RandomState::new(),
            window_secs: window_secs.max(0),
            capacity_per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    fn key(&self, access_key_id: &str, nonce: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        access_key_id.hash(&mut h);
        nonce.hash(&mut h);
        h.finish()
    }

    fn shard(&self, key: u64) -> Option<&Mutex<Shard>> {
        // The shard comes from the top bits of the key multiplied by an odd constant, not from
        // the key's own bits, which the set inside the shard uses to place and tag entries (a
        // shard of keys that all shared their top or bottom bits would probe badly).
        let mixed = key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
        // Reduced modulo the length: the lookup only misses if there were no shards.
        let idx = usize::try_from(mixed).unwrap_or_default() % self.shards.len().max(1);
        self.shards.get(idx)
    }

    /// Records the nonce of a request made at `timestamp` (unix seconds) by `access_key_id`,
    /// the clock reading `now`. Refuses it if it was recorded before and is still remembered.
    pub fn check_and_insert(
        &self,
        access_key_id: &str,
        nonce: &str,
        timestamp: i64,
        now: i64,
    ) -> Result<(), NonceError> {
        let key = self.key(access_key_id, nonce);
        let Some(shard) = self.shard(key) else {
            return Err(NonceError::Full);
        };
        let mut shard = shard.lock();
        shard.expire(now);
        if shard.buckets.values().any(|set| set.contains(&key)) {
            return Err(NonceError::Used);
        }
        if shard.len >= self.capacity_per_shard {
            return Err(NonceError::Full);
        }
        let forget_at = now.max(timestamp).saturating_add(self.window_secs);
        let bucket = forget_at.div_euclid(BUCKET_SECS);
        shard.buckets.entry(bucket).or_default().insert(key);
        shard.len += 1;
        Ok(())
    }

    /// Forgets a nonce recorded by [`check_and_insert`](Self::check_and_insert), for a request
    /// that failed a later check (its signature) so the client may retry with the same nonce.
    pub fn remove(&self, access_key_id: &str, nonce: &str) {
        let key = self.key(access_key_id, nonce);
        let Some(shard) = self.shard(key) else {
            return;
        };
        let mut shard = shard.lock();
        let mut removed = false;
        for set in shard.buckets.values_mut() {
            if set.remove(&key) {
                removed = true;
                break;
            }
        }
        if removed {
            shard.len = shard.len.saturating_sub(1);
        }
    }

    /// How many nonces are held (including ones expired but not yet dropped).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len).sum()
    }

    /// Whether no nonce is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_931_570;

    #[test]
    fn replay_within_window_is_refused() {
        let c = NonceCache::new(900, 1000);
        assert_eq!(c.check_and_insert("ak", "n1", NOW, NOW), Ok(()));
        assert_eq!(
            c.check_and_insert("ak", "n1", NOW, NOW + 899),
            Err(NonceError::Used)
        );
        // Another key may use the same nonce.
        assert_eq!(c.check_and_insert("ak2", "n1", NOW, NOW), Ok(()));
    }

    #[test]
    fn forgotten_after_window() {
        let c = NonceCache::new(900, 1000);
        c.check_and_insert("ak", "n1", NOW, NOW).unwrap();
        assert_eq!(
            c.check_and_insert("ak", "n1", NOW, NOW + 900),
            Err(NonceError::Used)
        );
        assert_eq!(
            c.check_and_insert("ak", "n1", NOW, NOW + 901 + BUCKET_SECS),
            Ok(())
        );
        // The old entry was dropped with its bucket.
        assert_eq!(c.len(), 1);
    }

    #[test]
    fn future_timestamps_are_remembered_longer() {
        let c = NonceCache::new(900, 1000);
        c.check_and_insert("ak", "n", NOW + 900, NOW).unwrap();
        assert_eq!(
            c.check_and_insert("ak", "n", NOW + 900, NOW + 1700),
            Err(NonceError::Used)
        );
    }

    #[test]
    fn remove_allows_retry() {
        let c = NonceCache::new(900, 1000);
        c.check_and_insert("ak", "n", NOW, NOW).unwrap();
        c.remove("ak", "n");
        assert!(c.is_empty());
        assert_eq!(c.check_and_insert("ak", "n", NOW, NOW), Ok(()));
    }

    #[test]
    fn full_cache_refuses_instead_of_forgetting() {
        let c = NonceCache::new(900, SHARDS);
        let mut full = 0;
        for i in 0..SHARDS * 8 {
            if c.check_and_insert("ak", &i.to_string(), NOW, NOW) == Err(NonceError::Full) {
                full += 1;
            }
        }
        assert!(full > 0);
        assert!(c.len() <= SHARDS);
        // Everything accepted is still refused on replay.
        for i in 0..SHARDS * 8 {
            assert!(c.check_and_insert("ak", &i.to_string(), NOW, NOW).is_err());
        }
    }

    #[test]
    fn holds_many_nonces() {
        let c = NonceCache::new(900, DEFAULT_CAPACITY);
        for i in 0..200_000u32 {
            c.check_and_insert("ak", &format!("{i:032x}"), NOW, NOW + i64::from(i / 1000))
                .unwrap();
        }
        assert_eq!(c.len(), 200_000);
        assert_eq!(
            c.check_and_insert("ak", &format!("{:032x}", 5), NOW, NOW + 200),
            Err(NonceError::Used)
        );
    }
}
