//! The `SignatureNonce` replay cache: every nonce seen while its request could still pass the
//! timestamp check is remembered, so a replay inside the window is refused with
//! `SignatureNonceUsed`.
//!
//! # Design
//!
//! A nonce is stored as a 52-bit keyed hash (SipHash with a key drawn at start-up) of
//! `(AccessKeyId, nonce)` packed with a 12-bit time tag into one `u64`: 8 bytes whatever the
//! nonce's length. A fresh nonce is refused only if its hash equals that of one held: with `n`
//! nonces held that is `n / 2^52` per request, one in 100 million at 40 million held (a full
//! 15-minute window at 45,000 requests per second), and a client that gets it retries with a
//! new nonce, as SDKs do on any error.
//!
//! Entries sit in one of [`SHARDS`] independently locked shards, so tens of thousands of requests
//! per second do not contend on one lock. A shard is one hash table: a check is one lookup
//! however full the window. The time tag is the 30-second bucket in which the entry may be
//! forgotten, `max(now, request timestamp) + window` (so a request dated in the future is
//! remembered for as long as its timestamp stays acceptable), modulo 4096. The shard counts its
//! entries per bucket; when the clock enters a new bucket, one pass over the table drops every
//! entry of the buckets that ended (no per-entry timers). Tags cannot be confused: a live entry's
//! bucket is at most `2 * window / 30 + 2` (2,882 for the largest window, [`MAX_WINDOW_SECS`])
//! ahead of the current one. Time is the engine's clock, passed in by the caller; a clock that steps back does
//! not bring a bucket back.
//!
//! Memory is bounded: at most `capacity` entries are held, in tables at least 44% full (8 bytes
//! and a control byte per slot: 10 to 21 bytes per entry, about 14 on average). When full, new
//! nonces are refused ([`NonceError::Full`], answered as `ServiceUnavailable`) rather than
//! forgetting old ones, which would silently allow a replay.

use std::collections::BTreeMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hash, Hasher};

use hashbrown::HashTable;
use parking_lot::Mutex;

/// Number of independently locked shards.
pub const SHARDS: usize = 64;

/// Width of one time bucket, seconds.
const BUCKET_SECS: i64 = 30;

/// Bits of the time tag; the rest of an entry is the nonce's hash.
const TAG_BITS: u32 = 12;
/// The hash part of an entry.
const HASH_MASK: u64 = u64::MAX >> TAG_BITS;
/// The longest window the tags can tell apart: a live entry's bucket is at most
/// `2 * window / 30 + 2` ahead of the current one, which must stay below 4096.
pub const MAX_WINDOW_SECS: i64 = 43_200;

/// Default maximum number of nonces held (about 700 MB at worst): 55,000 requests per second
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

/// Where an entry goes in its table: the hash bits spread over the whole word (the tag must not
/// take part, and the table uses the top bits as well as the bottom ones).
fn slot_hash(entry: u64) -> u64 {
    (entry & HASH_MASK).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn tag_of(bucket: i64) -> u64 {
    // rem_euclid keeps it in 0..4096, so the cast is exact.
    bucket.rem_euclid(1 << TAG_BITS) as u64
}

#[derive(Default)]
struct Shard {
    /// Every entry held: hash bits and the tag of its bucket.
    table: HashTable<u64>,
    /// Live buckets (index = forget-after time / BUCKET_SECS) and how many entries each holds.
    counts: BTreeMap<i64, usize>,
    /// The latest bucket the clock was seen in (never goes back).
    current: i64,
    len: usize,
}

impl Shard {
    /// Drops the entries of every bucket that ended before the clock's current bucket.
    fn expire(&mut self, now: i64) {
        let current = now.div_euclid(BUCKET_SECS).max(self.current);
        self.current = current;
        let Some((&oldest, _)) = self.counts.first_key_value() else {
            return;
        };
        if oldest >= current {
            return;
        }
        let keep = self.counts.split_off(&current);
        let ended = std::mem::replace(&mut self.counts, keep);
        let dropped: usize = ended.values().sum();
        if self.counts.is_empty() {
            self.table.clear();
        } else {
            let tags: Vec<u64> = ended.keys().map(|&b| tag_of(b)).collect();
            self.table
                .retain(|e| !tags.contains(&(*e >> (64 - TAG_BITS))));
        }
        self.len = self.len.saturating_sub(dropped);
    }

    fn contains(&self, hash: u64) -> bool {
        self.table
            .find(slot_hash(hash), |e| *e & HASH_MASK == hash)
            .is_some()
    }

    fn insert(&mut self, hash: u64, bucket: i64) {
        // With the clock stepped back, a bucket may already count as ended; the current one
        // lasts at least as long on the clock as it runs now, so nothing is forgotten early.
        let bucket = bucket.max(self.current);
        let entry = hash | (tag_of(bucket) << (64 - TAG_BITS));
        self.table
            .insert_unique(slot_hash(entry), entry, |e| slot_hash(*e));
        *self.counts.entry(bucket).or_default() += 1;
        self.len += 1;
    }

    fn remove(&mut self, hash: u64) -> bool {
        let Ok(found) = self
            .table
            .find_entry(slot_hash(hash), |e| *e & HASH_MASK == hash)
        else {
            return false;
        };
        let tag = *found.get() >> (64 - TAG_BITS);
        found.remove();
        // The live bucket with this tag (tags of live buckets are distinct).
        let bucket = self.counts.keys().copied().find(|&b| tag_of(b) == tag);
        if let Some(b) = bucket
            && let Some(n) = self.counts.get_mut(&b)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.counts.remove(&b);
            }
        }
        self.len = self.len.saturating_sub(1);
        true
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
            window_secs: window_secs.clamp(0, MAX_WINDOW_SECS),
            capacity_per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    /// The nonce's hash (the low 52 bits of a keyed SipHash).
    fn key(&self, access_key_id: &str, nonce: &str) -> u64 {
        let mut h = self.hasher.build_hasher();
        access_key_id.hash(&mut h);
        nonce.hash(&mut h);
        h.finish() & HASH_MASK
    }

    fn shard(&self, key: u64) -> Option<&Mutex<Shard>> {
        // The shard comes from the top bits of the key multiplied by an odd constant, not from
        // the key's own bits, which the set inside the shard uses to place and tag entries (a
        // shard of keys that all shared their top or bottom bits would probe badly).
        let mixed = key.wrapping_mul(0xD6E8_FEB8_6659_FD93) >> 32;
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
        if shard.contains(key) {
            return Err(NonceError::Used);
        }
        if shard.len >= self.capacity_per_shard {
            return Err(NonceError::Full);
        }
        // A request dated more than a window ahead fails the timestamp check before it gets here;
        // the clamp keeps the tags unambiguous whatever the caller does.
        let forget_at = now
            .max(timestamp)
            .min(now.saturating_add(self.window_secs))
            .saturating_add(self.window_secs);
        shard.insert(key, forget_at.div_euclid(BUCKET_SECS));
        Ok(())
    }

    /// Forgets a nonce recorded by [`check_and_insert`](Self::check_and_insert), for a request
    /// that failed a later check (its signature) so the client may retry with the same nonce.
    pub fn remove(&self, access_key_id: &str, nonce: &str) {
        let key = self.key(access_key_id, nonce);
        let Some(shard) = self.shard(key) else {
            return;
        };
        shard.lock().remove(key);
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

    #[test]
    fn a_long_jump_forgets_everything_and_a_step_back_forgets_nothing() {
        let c = NonceCache::new(900, 1000);
        c.check_and_insert("ak", "n", NOW, NOW).unwrap();
        // Back in time: still remembered.
        assert_eq!(
            c.check_and_insert("ak", "n", NOW - 100, NOW - 100),
            Err(NonceError::Used)
        );
        // Ten days on (far more than 4096 buckets): forgotten, and tags cannot mislead.
        let later = NOW + 10 * 86_400;
        assert_eq!(c.check_and_insert("ak", "n", later, later), Ok(()));
        assert_eq!(c.len(), 1);
        assert_eq!(
            c.check_and_insert("ak", "n", later, later + 899),
            Err(NonceError::Used)
        );
    }

    #[test]
    fn buckets_end_one_at_a_time() {
        let c = NonceCache::new(60, 100_000);
        // One nonce per second for five minutes.
        for i in 0..300i64 {
            c.check_and_insert("ak", &format!("n{i}"), NOW + i, NOW + i)
                .unwrap();
        }
        // The most recent are refused, the oldest were forgotten.
        let now = NOW + 299;
        assert_eq!(
            c.check_and_insert("ak", "n299", now, now),
            Err(NonceError::Used)
        );
        assert_eq!(
            c.check_and_insert("ak", "n240", now, now),
            Err(NonceError::Used)
        );
        assert_eq!(c.check_and_insert("ak", "n100", now, now), Ok(()));
    }

    #[test]
    fn a_clock_stepped_far_back_forgets_nothing_early() {
        let c = NonceCache::new(900, 1000);
        c.check_and_insert("ak", "a", NOW, NOW).unwrap();
        // The clock steps back 20 minutes; a request made then is remembered for its window.
        let back = NOW - 1200;
        c.check_and_insert("ak", "b", back, back).unwrap();
        for t in [back + 1, back + 600, back + 899] {
            assert_eq!(
                c.check_and_insert("ak", "b", back, t),
                Err(NonceError::Used),
                "at {t}"
            );
        }
    }

    proptest::proptest! {
        /// Against a plain model: a nonce is refused while its request could still pass the time
        /// check (`now <= max(now_then, timestamp) + window`), and accepted again once its whole
        /// bucket has ended; in between either answer is allowed.
        #[test]
        fn agrees_with_a_model(
            steps in proptest::collection::vec((0u8..6, -100i64..100, 0i64..40), 1..200)
        ) {
            let window = 120;
            let c = NonceCache::new(window, 100_000);
            let mut model: std::collections::HashMap<u8, i64> = Default::default();
            let mut now = NOW;
            for (nonce, skew, advance) in steps {
                now += advance;
                let ts = now + skew;
                let name = nonce.to_string();
                let got = c.check_and_insert("ak", &name, ts, now);
                match model.get(&nonce) {
                    Some(&forget_at) if now <= forget_at => {
                        proptest::prop_assert_eq!(got, Err(NonceError::Used));
                        continue;
                    }
                    Some(&forget_at)
                        if now < (forget_at.div_euclid(BUCKET_SECS) + 1) * BUCKET_SECS =>
                    {
                        if got.is_err() {
                            continue;
                        }
                    }
                    _ => proptest::prop_assert_eq!(got, Ok(())),
                }
                model.insert(nonce, now.max(ts).min(now + window) + window);
            }
        }
    }
}
