//! Percent-encoding (spec §1.4) and `application/x-www-form-urlencoded` decoding.
//!
//! Encoding keeps the RFC 3986 unreserved set (`A-Z a-z 0-9 - _ . ~`) and writes every other
//! UTF-8 byte as `%XY` with upper-case hex, so a space becomes `%20`, never `+`. Decoding is
//! forgiving: `+` is a space, `%XY` is a byte, a malformed escape is kept as written, and bytes
//! that are not UTF-8 become U+FFFD. Neither direction can panic.

/// The upper-case hex digit of the low four bits of `n`.
#[inline]
fn hex_digit(n: u8) -> char {
    let n = n & 0x0f;
    char::from(if n < 10 { b'0' + n } else { b'A' + n - 10 })
}

/// True for the RFC 3986 unreserved bytes, the only ones left as they are.
#[inline]
fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~')
}

/// Appends the percent-encoding of `input` (spec §1.4) to `out`.
///
/// Runs of unreserved bytes are copied as one slice; only the bytes between them are escaped.
pub fn percent_encode_into(input: &str, out: &mut String) {
    let mut rest = input;
    while !rest.is_empty() {
        let run = rest
            .bytes()
            .position(|b| !is_unreserved(b))
            .unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(run);
        out.push_str(plain);
        let Some((&b, _)) = tail.as_bytes().split_first() else {
            break;
        };
        out.push('%');
        out.push(hex_digit(b >> 4));
        out.push(hex_digit(b));
        // `b` may start a multi-byte character; escape its continuation bytes one by one.
        let mut skip = 1;
        while let Some(&c) = tail.as_bytes().get(skip) {
            if c & 0xC0 != 0x80 {
                break;
            }
            out.push('%');
            out.push(hex_digit(c >> 4));
            out.push(hex_digit(c));
            skip += 1;
        }
        rest = tail.get(skip..).unwrap_or_default();
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

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Decodes one form component: `+` is a space, `%XY` a byte, a malformed escape stays literal,
/// invalid UTF-8 is replaced by U+FFFD.
///
/// ```
/// assert_eq!(crossram_wire::form_decode("a+b%2Bc%zz%C3%A9"), "a b+c%zzé");
/// ```
pub fn form_decode(input: &str) -> String {
    let bytes = input.as_bytes();
    if !bytes.iter().any(|&b| b == b'+' || b == b'%') {
        return input.to_owned();
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut iter = bytes.iter().copied().enumerate();
    while let Some((i, b)) = iter.next() {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hi = bytes.get(i + 1).copied().and_then(hex_value);
                let lo = bytes.get(i + 2).copied().and_then(hex_value);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push((hi << 4) | lo);
                    iter.next();
                    iter.next();
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
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
    let mut pairs = Vec::new();
    for segment in input.split('&') {
        if segment.is_empty() {
            continue;
        }
        let (name, value) = segment.split_once('=').unwrap_or((segment, ""));
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
