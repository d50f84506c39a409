//! Injected time and nonces: the only inputs of a signature besides the request and the keys.
//!
//! Production code uses [`SystemClock`] and [`RandomNonce`]; tests fix both ([`ManualClock`],
//! [`FixedNonce`]) so that a signed request is byte-for-byte reproducible.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use time::OffsetDateTime;
use time::macros::format_description;

/// A source of the current time (UTC).
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current instant.
    fn now(&self) -> OffsetDateTime;

    /// The current instant as seconds since the Unix epoch.
    fn unix_seconds(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one system clock implementation of the client"
    )]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock that stands still until it is moved; for tests and rehearsals.
#[derive(Debug)]
pub struct ManualClock {
    now: Mutex<OffsetDateTime>,
}

impl ManualClock {
    /// A clock showing `now`.
    pub fn new(now: OffsetDateTime) -> Self {
        Self {
            now: Mutex::new(now),
        }
    }

    /// A clock showing the given Unix time; falls back to the epoch for an out-of-range value.
    pub fn at_unix(seconds: i64) -> Self {
        Self::new(
            OffsetDateTime::from_unix_timestamp(seconds).unwrap_or(OffsetDateTime::UNIX_EPOCH),
        )
    }

    /// Sets the time.
    pub fn set(&self, now: OffsetDateTime) {
        *self.now.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the time forward (or back, with a negative duration).
    pub fn advance(&self, by: time::Duration) {
        let mut guard = self.now.lock().unwrap_or_else(|e| e.into_inner());
        *guard += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        *self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Formats an instant as the wire timestamp `yyyy-MM-ddTHH:mm:ssZ` (UTC).
pub fn format_timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let fmt = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    // The format has only numeric components; formatting cannot fail for years 0..=9999.
    utc.format(&fmt).unwrap_or_default()
}

/// Parses a wire timestamp `yyyy-MM-ddTHH:mm:ssZ` (any RFC 3339 instant is accepted).
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()
}

/// A source of `SignatureNonce` values: unique per request.
pub trait NonceSource: Send + Sync + fmt::Debug + 'static {
    /// A fresh nonce.
    fn nonce(&self) -> String;
}

/// 32 random lower-case hex digits per request (the shape most official SDKs send).
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomNonce;

impl NonceSource for RandomNonce {
    fn nonce(&self) -> String {
        format!("{:032x}", rand::random::<u128>())
    }
}

/// Always the same nonce; for reproducing a captured request exactly.
#[derive(Debug, Clone)]
pub struct FixedNonce(pub String);

impl NonceSource for FixedNonce {
    fn nonce(&self) -> String {
        self.0.clone()
    }
}

/// `prefix-1`, `prefix-2`, …: deterministic yet unique; for tests that send several requests.
#[derive(Debug)]
pub struct SequenceNonce {
    prefix: String,
    next: AtomicU64,
}

impl SequenceNonce {
    /// A sequence starting at `prefix-1`.
    pub fn new(prefix: impl Into<String>) -> Self {
        Self {
            prefix: prefix.into(),
            next: AtomicU64::new(1),
        }
    }
}

impl NonceSource for SequenceNonce {
    fn nonce(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        format!("{}-{n}", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_round_trip_in_wire_format() {
        let t = datetime!(2024-01-02 03:04:05 UTC);
        assert_eq!(format_timestamp(t), "2024-01-02T03:04:05Z");
        assert_eq!(parse_timestamp("2024-01-02T03:04:05Z"), Some(t));
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::at_unix(1_000);
        assert_eq!(c.unix_seconds(), 1_000);
        c.advance(time::Duration::seconds(60));
        assert_eq!(c.unix_seconds(), 1_060);
    }

    #[test]
    fn random_nonces_are_32_hex_and_differ() {
        let a = RandomNonce.nonce();
        let b = RandomNonce.nonce();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn sequence_nonces_count_up() {
        let s = SequenceNonce::new("n");
        assert_eq!(s.nonce(), "n-1");
        assert_eq!(s.nonce(), "n-2");
    }
}
