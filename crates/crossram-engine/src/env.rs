//! Time and randomness, injected: every clock read and every generated id or secret in the engine
//! goes through [`Clock`] and [`IdGen`], so expiry, lockouts and tokens are testable without
//! sleeping and runs can be made deterministic.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use time::OffsetDateTime;

/// A source of the current time.
pub trait Clock: Send + Sync + fmt::Debug + 'static {
    /// The current time in UTC.
    fn now(&self) -> OffsetDateTime;
}

/// The machine's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place where the engine reads the real time"
    )]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// The machine's clock plus an offset that only grows: for an emulator whose time a test or a
/// playbook moves forward (`crossram serve --clock-control`, the in-process target) while
/// everything else keeps ticking in real time. Reads the system time through [`SystemClock`].
#[derive(Debug, Default)]
pub struct OffsetClock {
    offset_nanos: AtomicU64,
}

impl OffsetClock {
    /// A clock showing the system time (offset zero).
    pub fn new() -> Self {
        Self::default()
    }

    /// Moves the clock forward by `by`. The offset saturates at about 584 years.
    pub fn advance(&self, by: std::time::Duration) {
        let delta = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        // The closure always returns Some, so the update cannot fail.
        let _ = self
            .offset_nanos
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                Some(n.saturating_add(delta))
            });
    }

    /// How far ahead of the system time the clock is.
    pub fn offset(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.offset_nanos.load(Ordering::SeqCst))
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> OffsetDateTime {
        let system = SystemClock.now();
        time::Duration::try_from(self.offset())
            .ok()
            .and_then(|offset| system.checked_add(offset))
            .unwrap_or(system)
    }
}

/// A clock that only moves when told to: for tests and for playbooks that step through expiry.
#[derive(Debug)]
pub struct ManualClock {
    nanos: AtomicI64,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: OffsetDateTime) -> Self {
        let nanos = i64::try_from(start.unix_timestamp_nanos()).unwrap_or(i64::MAX);
        Self {
            nanos: AtomicI64::new(nanos),
        }
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: time::Duration) {
        let delta = i64::try_from(by.whole_nanoseconds()).unwrap_or(i64::MAX);
        self.nanos.fetch_add(delta, Ordering::SeqCst);
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: OffsetDateTime) {
        let nanos = i64::try_from(to.unix_timestamp_nanos()).unwrap_or(i64::MAX);
        self.nanos.store(nanos, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> OffsetDateTime {
        let nanos = self.nanos.load(Ordering::SeqCst);
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(nanos))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

/// `t` in UTC as `YYYY-MM-DDThh:mm:ss.uuuuuuZ` (27 ASCII bytes), or `None` outside years
/// 0000-9999. Digits are written by hand, not with `format!`: the engine stamps several strings
/// per request with it, and the server's log stamps every line.
pub fn utc_stamp(t: OffsetDateTime) -> Option<UtcStamp> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let year = u32::try_from(t.year()).ok().filter(|y| *y <= 9999)?;
    let mut out = *b"0000-00-00T00:00:00.000000Z";
    for (range, value) in [
        (0..4, year),
        (5..7, u32::from(u8::from(t.month()))),
        (8..10, u32::from(t.day())),
        (11..13, u32::from(t.hour())),
        (14..16, u32::from(t.minute())),
        (17..19, u32::from(t.second())),
        (20..26, t.microsecond()),
    ] {
        if let Some(digits) = out.get_mut(range) {
            let mut v = value;
            for d in digits.iter_mut().rev() {
                // `v % 10` is below 10, so the cast cannot truncate.
                *d = b'0' + (v % 10) as u8;
                v /= 10;
            }
        }
    }
    Some(UtcStamp(out))
}

/// A timestamp written by [`utc_stamp`]; reads as a `str`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct UtcStamp([u8; 27]);

impl std::ops::Deref for UtcStamp {
    type Target = str;
    fn deref(&self) -> &str {
        // Only ASCII digits and punctuation are ever written into it.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for UtcStamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// A source of identifiers and secrets.
pub trait IdGen: Send + Sync + fmt::Debug + 'static {
    /// `len` characters drawn from `alphabet` (ASCII).
    fn string(&self, alphabet: &[u8], len: usize) -> String;

    /// Fills `buf` with unpredictable bytes (keys).
    fn bytes(&self, buf: &mut [u8]);
}

/// Upper-case letters and digits.
pub const ALNUM_UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Letters and digits.
pub const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/// Lower-case letters and digits.
pub const ALNUM_LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
/// Decimal digits.
pub const DIGITS: &[u8] = b"0123456789";
/// Hexadecimal digits, upper case.
pub const HEX_UPPER: &[u8] = b"0123456789ABCDEF";

/// Ids from the operating system's random source.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomIds;

impl IdGen for RandomIds {
    fn string(&self, alphabet: &[u8], len: usize) -> String {
        use rand::{Rng, RngCore};
        let mut rng = rand::rng();
        let n = alphabet.len();
        let mut out = String::with_capacity(len);
        if n == 0 || n > 256 {
            for _ in 0..len {
                let idx = rng.random_range(0..n.max(1));
                out.push(char::from(alphabet.get(idx).copied().unwrap_or(b'0')));
            }
            return out;
        }
        // Random bytes in bulk, each kept only below the largest multiple of `n` (so that every
        // symbol stays equally likely), instead of one range draw per symbol.
        let limit = 256 - 256 % n;
        let mut pool = [0u8; 64];
        let mut produced = 0;
        while produced < len {
            rng.fill_bytes(&mut pool);
            for &b in pool.iter().filter(|&&b| usize::from(b) < limit) {
                if produced == len {
                    break;
                }
                let symbol = alphabet.get(usize::from(b) % n).copied().unwrap_or(b'0');
                out.push(char::from(symbol));
                produced += 1;
            }
        }
        out
    }

    fn bytes(&self, buf: &mut [u8]) {
        use rand::RngCore;
        rand::rng().fill_bytes(buf);
    }
}

/// Deterministic ids: a counter mixed through a fixed permutation. Two engines built with the
/// same seed hand out the same ids in the same order.
#[derive(Debug)]
pub struct SeededIds {
    state: AtomicU64,
}

impl SeededIds {
    /// Ids derived from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            state: AtomicU64::new(seed),
        }
    }

    fn next(&self) -> u64 {
        // splitmix64: a bijective mix of a counter.
        let mut z = self
            .state
            .fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::SeqCst)
            .wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

impl IdGen for SeededIds {
    fn string(&self, alphabet: &[u8], len: usize) -> String {
        let n = u64::try_from(alphabet.len().max(1)).unwrap_or(1);
        (0..len)
            .map(|_| {
                let idx = usize::try_from(self.next() % n).unwrap_or(0);
                char::from(alphabet.get(idx).copied().unwrap_or(b'0'))
            })
            .collect()
    }

    fn bytes(&self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let v = self.next().to_le_bytes();
            for (b, s) in chunk.iter_mut().zip(v) {
                *b = s;
            }
        }
    }
}

/// The clock and id generator an engine runs with.
#[derive(Debug, Clone)]
pub struct Env {
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// Where ids and secrets come from.
    pub ids: Arc<dyn IdGen>,
}

impl Default for Env {
    fn default() -> Self {
        Self {
            clock: Arc::new(SystemClock),
            ids: Arc::new(RandomIds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_are_zero_padded_utc_with_microseconds() {
        let t = time::macros::datetime!(2026-01-02 03:04:05.000123 UTC);
        assert_eq!(&*utc_stamp(t).unwrap(), "2026-01-02T03:04:05.000123Z");
        let t = time::macros::datetime!(2000-01-01 07:59:59.999999 +08:00);
        assert_eq!(&*utc_stamp(t).unwrap(), "1999-12-31T23:59:59.999999Z");
        let t = time::macros::datetime!(-0001-12-31 23:59:59 UTC);
        assert_eq!(utc_stamp(t), None);
    }

    #[test]
    fn random_strings_use_every_symbol_of_the_alphabet_and_nothing_else() {
        for alphabet in [ALNUM, ALNUM_UPPER, DIGITS, HEX_UPPER, b"ab".as_slice()] {
            let mut counts = [0usize; 256];
            for len in [0, 1, 24, 100] {
                let s = RandomIds.string(alphabet, len);
                assert_eq!(s.len(), len);
            }
            let n = 20_000;
            for b in RandomIds.string(alphabet, n).bytes() {
                assert!(alphabet.contains(&b), "{b} not in the alphabet");
                counts[usize::from(b)] += 1;
            }
            // Each symbol's count stays within 25% of uniform: wide enough for chance at this
            // sample size, narrow enough to catch a symbol that is never or doubly drawn.
            let expected = n / alphabet.len();
            for &symbol in alphabet {
                let c = counts[usize::from(symbol)];
                assert!(
                    c * 4 > expected * 3 && c * 4 < expected * 5,
                    "{} appeared {c} times, expected about {expected}",
                    char::from(symbol)
                );
            }
        }
    }

    #[test]
    fn offset_clock_follows_the_system_clock_plus_its_offset() {
        let clock = OffsetClock::new();
        assert_eq!(clock.offset(), std::time::Duration::ZERO);
        let before = SystemClock.now();
        let shown = clock.now();
        let after = SystemClock.now();
        assert!(
            before <= shown && shown <= after,
            "{before} {shown} {after}"
        );

        clock.advance(std::time::Duration::from_secs(900));
        clock.advance(std::time::Duration::from_millis(500));
        assert_eq!(clock.offset(), std::time::Duration::from_millis(900_500));
        let before = SystemClock.now();
        let shown = clock.now();
        let after = SystemClock.now();
        let ahead = time::Duration::milliseconds(900_500);
        assert!(
            before + ahead <= shown && shown <= after + ahead,
            "{before} {shown} {after}"
        );
    }

    #[test]
    fn offset_clock_saturates_instead_of_wrapping() {
        let clock = OffsetClock::new();
        clock.advance(std::time::Duration::from_secs(u64::MAX));
        clock.advance(std::time::Duration::from_secs(1));
        assert_eq!(clock.offset(), std::time::Duration::from_nanos(u64::MAX));
        assert!(clock.now() > SystemClock.now() + time::Duration::days(365 * 500));
    }
}
