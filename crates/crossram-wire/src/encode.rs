//! Percent-encoding (spec §1.4) and `application/x-www-form-urlencoded` decoding.
//!
//! Encoding keeps the RFC 3986 unreserved set (`A-Z a-z 0-9 - _ . ~`) and writes every other
//! UTF-8 byte as `%XY` with upper-case hex, so a space becomes `%20`, never `+`. Decoding is
//! forgiving: `+` is a space, `%XY` is a byte, a malformed escape is kept as written, and bytes
//! that are not UTF-8 become U+FFFD. Neither direction can panic.

/// True at the RFC 3986 unreserved bytes, the only ones left as they are.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time, where an index out of range fails the build"
)]
const UNRESERVED: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~');
        i += 1;
    }
    t
};

#[inline]
fn is_unreserved(b: u8) -> bool {
    UNRESERVED.get(usize::from(b)).copied().unwrap_or(false)
}

/// True when every byte of `s` is unreserved, so that `s` percent-encodes to itself.
pub(crate) fn is_unreserved_str(s: &str) -> bool {
    s.bytes().all(is_unreserved)
}

/// Upper-case hex digits, for escapes.
const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Appends `%XY` for byte `b`, as three ASCII pushes (no slice copy for three bytes).
#[inline]
fn push_escape(out: &mut String, b: u8) {
    let digit = |nibble: u8| char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'));
    out.push('%');
    out.push(digit(b >> 4));
    out.push(digit(b & 15));
}

/// Appends the percent-encoding of `input` (spec §1.4) to `out`.
///
/// Room for the common case is reserved once; runs of unreserved bytes are copied as one slice
/// and every other byte is pushed as its three-character escape.
pub fn percent_encode_into(input: &str, out: &mut String) {
    out.reserve(input.len() + input.len() / 2);
    let bytes = input.as_bytes();
    let mut plain_from = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if is_unreserved(b) {
            continue;
        }
        if plain_from < i {
            // Both ends sit next to ASCII bytes, so they are char boundaries.
            out.push_str(input.get(plain_from..i).unwrap_or_default());
        }
        push_escape(out, b);
        plain_from = i + 1;
    }
    if plain_from < bytes.len() {
        out.push_str(input.get(plain_from..).unwrap_or_default());
    }
}

/// Appends the percent-encoding of the percent-encoding of `input` in one pass: an unreserved
/// byte stays, any other byte `b` becomes `%25XY` (the escape `%XY`, its `%` escaped again).
/// This is what a value goes through on its way into a V1 string to sign.
///
/// The output is a byte buffer, which takes each escape as one fixed-size copy (a `String`
/// takes it as five checked pushes); everything written is ASCII.
pub(crate) fn double_percent_encode_bytes(input: &[u8], out: &mut Vec<u8>) {
    let digit = |nibble: u8| HEX.get(usize::from(nibble)).copied().unwrap_or(b'0');
    out.reserve(input.len() * 2);
    let mut rest = input;
    while !rest.is_empty() {
        let run = rest
            .iter()
            .position(|&b| !is_unreserved(b))
            .unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(run);
        out.extend_from_slice(plain);
        let Some((&b, tail)) = tail.split_first() else {
            break;
        };
        out.extend_from_slice(&[b'%', b'2', b'5', digit(b >> 4), digit(b & 15)]);
        rest = tail;
    }
}

/// Percent-encodes `input` (spec §1.4): unreserved bytes unchanged, everything else `%XY`.
///
/// ```
/// assert_eq!(crossram_wire::percent_encode("a b*c~é"), "a%20b%2Ac~%C3%A9");
/// ```
pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 2);
    percent_encode_into(input, &mut out);
    out
}

/// The value of each hex digit, `0xFF` for every other byte.
#[expect(
    clippy::indexing_slicing,
    reason = "evaluated at compile time, where an index out of range fails the build"
)]
const HEX_VALUE: [u8; 256] = {
    let mut t = [0xFF; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = match b {
            b'0'..=b'9' => b - b'0',
            b'a'..=b'f' => b - b'a' + 10,
            b'A'..=b'F' => b - b'A' + 10,
            _ => 0xFF,
        };
        i += 1;
    }
    t
};

/// The byte `%XY` stands for, when `X` and `Y` are hex digits.
#[inline]
fn hex_pair(hi: u8, lo: u8) -> Option<u8> {
    let value = |b: u8| HEX_VALUE.get(usize::from(b)).copied().unwrap_or(0xFF);
    let (hi, lo) = (value(hi), value(lo));
    ((hi | lo) & 0xF0 == 0).then_some((hi << 4) | lo)
}

/// Decodes one form component: `+` is a space, `%XY` a byte, a malformed escape stays literal,
/// invalid UTF-8 is replaced by U+FFFD.
///
/// ```
/// assert_eq!(crossram_wire::form_decode("a+b%2Bc%zz%C3%A9"), "a b+c%zzé");
/// ```
pub fn form_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    let Some(first) = memchr::memchr2(b'+', b'%', bytes) else {
        return input.to_owned();
    };
    let (plain, mut rest) = bytes.split_at(first);
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(plain);
    while let Some((&b, tail)) = rest.split_first() {
        match b {
            b'+' => {
                out.push(b' ');
                rest = tail;
            }
            b'%' => {
                if let [hi, lo, after @ ..] = tail
                    && let Some(byte) = hex_pair(*hi, *lo)
                {
                    out.push(byte);
                    rest = after;
                } else {
                    out.push(b'%');
                    rest = tail;
                }
            }
            _ => {
                // Copy the run up to the next `+` or `%` as one slice.
                let run = memchr::memchr2(b'+', b'%', rest).unwrap_or(rest.len());
                let (plain, after) = rest.split_at(run);
                out.extend_from_slice(plain);
                rest = after;
            }
        }
    }
    match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

/// Splits a query string or form body into decoded `(name, value)` pairs in wire order.
///
/// Pairs are separated by `&`; empty segments are skipped; a segment without `=` is a name with
/// an empty value; empty values are kept (`SignatureType=` is signed by some SDKs).
///
/// ```
/// let pairs = crossram_wire::parse_form("a=1&&b=&c&d=x+y");
/// assert_eq!(pairs, vec![
///     ("a".to_owned(), "1".to_owned()),
///     ("b".to_owned(), String::new()),
///     ("c".to_owned(), String::new()),
///     ("d".to_owned(), "x y".to_owned()),
/// ]);
/// ```
pub fn parse_form(input: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::with_capacity(16);
    // Split on the ASCII bytes `&` and `=` (always char boundaries) without a char searcher.
    let mut rest = input;
    while !rest.is_empty() {
        let end = memchr::memchr(b'&', rest.as_bytes()).unwrap_or(rest.len());
        let segment = rest.get(..end).unwrap_or_default();
        rest = rest.get(end + 1..).unwrap_or_default();
        if segment.is_empty() {
            continue;
        }
        let (name, value) = match memchr::memchr(b'=', segment.as_bytes()) {
            Some(eq) => (
                segment.get(..eq).unwrap_or_default(),
                segment.get(eq + 1..).unwrap_or_default(),
            ),
            None => (segment, ""),
        };
        pairs.push((form_decode(name), form_decode(value)));
    }
    pairs
}

/// Encodes pairs as `name=value` joined by `&`, in the given order, with [`percent_encode`].
pub fn encode_pairs<'a, I>(pairs: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut out = String::new();
    for (name, value) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        percent_encode_into(name, &mut out);
        out.push('=');
        percent_encode_into(value, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_spec_table() {
        let cases = [
            ("AZaz09-_.~", "AZaz09-_.~"),
            (" ", "%20"),
            ("*", "%2A"),
            ("+", "%2B"),
            ("é", "%C3%A9"),
            (":/", "%3A%2F"),
            ("中", "%E4%B8%AD"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(percent_encode(input), want, "input {input:?}");
        }
    }

    #[test]
    fn double_encoding_is_encoding_twice() {
        for input in ["", "plain-_.~", "a b*c~é", "%+&=", "中文", "{\"k\": [1]}"] {
            let mut out = Vec::new();
            double_percent_encode_bytes(input.as_bytes(), &mut out);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                percent_encode(&percent_encode(input)),
                "input {input:?}"
            );
        }
    }

    #[test]
    fn decodes_forgivingly() {
        let cases = [
            ("a+b", "a b"),
            ("%41%42", "AB"),
            ("%4", "%4"),
            ("%", "%"),
            ("%G1", "%G1"),
            ("%%41", "%A"),
            ("%ff", "\u{fffd}"),
            ("%2b", "+"),
            ("%C3%A9", "é"),
        ];
        for (input, want) in cases {
            assert_eq!(form_decode(input), want, "input {input:?}");
        }
    }
}
