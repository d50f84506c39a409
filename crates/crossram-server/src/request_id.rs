//! Request ids in the form Alibaba Cloud uses (`04F0F334-1335-436C-A1D7-6C044FE73368`): upper-case
//! hex in UUID layout, unique within a process and unpredictable across processes.
//!
//! Each id is a counter passed through a keyed bijective mix, so ids never repeat and cost two
//! multiplications each; the keys come from the standard library's per-process random hash keys.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A source of request ids.
#[derive(Debug)]
pub struct RequestIds {
    counter: AtomicU64,
    k0: u64,
    k1: u64,
}

impl Default for RequestIds {
    fn default() -> Self {
        Self::new()
    }
}

fn random_u64() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u64(0x6372_6f73_7372_616d);
    h.finish()
}

/// splitmix64's finaliser: a bijection on u64.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RequestIds {
    /// A new source with fresh random keys.
    pub fn new() -> Self {
        Self {
            counter: AtomicU64::new(random_u64()),
            k0: random_u64(),
            k1: random_u64(),
        }
    }

    /// The next id.
    pub fn next_id(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let hi = mix(n ^ self.k0);
        let lo = mix(n.wrapping_add(self.k1));
        // 32 hex digits, hi's then lo's, with a dash before digits 8, 12, 16 and 20; by hand, as
        // `format!` with five padded hex arguments took several times as long.
        let mut out = String::with_capacity(36);
        for i in 0..32u32 {
            if matches!(i, 8 | 12 | 16 | 20) {
                out.push('-');
            }
            let word = if i < 16 { hi } else { lo };
            let nibble = u32::try_from((word >> (60 - 4 * (i % 16))) & 0xF).unwrap_or(0);
            out.push(char::from_digit(nibble, 16).map_or('0', |c| c.to_ascii_uppercase()));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_the_two_mixed_words() {
        let ids = RequestIds {
            counter: AtomicU64::new(7),
            k0: 1,
            k1: 2,
        };
        let hex = format!("{:016X}{:016X}", mix(7 ^ 1), mix(7 + 2));
        let expected = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        assert_eq!(ids.next_id(), expected);
    }

    #[test]
    fn shape_and_uniqueness() {
        let ids = RequestIds::new();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..10_000 {
            let id = ids.next_id();
            assert_eq!(id.len(), 36, "{id}");
            let groups: Vec<usize> = id.split('-').map(str::len).collect();
            assert_eq!(groups, vec![8, 4, 4, 4, 12], "{id}");
            assert!(
                id.chars()
                    .all(|c| c == '-' || c.is_ascii_digit() || ('A'..='F').contains(&c)),
                "{id}"
            );
            assert!(seen.insert(id));
        }
        assert_ne!(RequestIds::new().next_id(), RequestIds::new().next_id());
    }
}
