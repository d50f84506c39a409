//! Signature V1 (HMAC-SHA1, spec §1.3) as pure stage functions: canonicalized query string,
//! string to sign, signature.

use std::cmp::Ordering;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::encode::{
    double_percent_encode_bytes, is_unreserved_str, percent_encode, percent_encode_into,
};

/// The `SignatureMethod` value of V1.
pub const SIGNATURE_METHOD: &str = "HMAC-SHA1";
/// The `SignatureVersion` value of V1.
pub const SIGNATURE_VERSION: &str = "1.0";

/// The canonicalized query string: every pair except `Signature`, name and value
/// percent-encoded, sorted by encoded name byte-wise (then by encoded value, for duplicate
/// names), joined as `name=value` with `&`.
pub fn canonicalized_query_string<'a, I>(params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    // Every name and value is encoded once into one buffer; the pairs are sorted as ranges of
    // it, and the output is assembled from them (three allocations for a typical request).
    let params = params.into_iter();
    let mut encoded = String::with_capacity(512);
    let mut pairs: Vec<(usize, usize, usize)> = Vec::with_capacity(params.size_hint().0.max(16));
    for (name, value) in params {
        if name == "Signature" {
            continue;
        }
        let start = encoded.len();
        percent_encode_into(name, &mut encoded);
        let middle = encoded.len();
        percent_encode_into(value, &mut encoded);
        pairs.push((start, middle, encoded.len()));
    }
    let part = |from: usize, to: usize| encoded.get(from..to).unwrap_or_default();
    pairs.sort_unstable_by(|&(s1, m1, e1), &(s2, m2, e2)| {
        part(s1, m1)
            .cmp(part(s2, m2))
            .then_with(|| part(m1, e1).cmp(part(m2, e2)))
    });
    let mut out = String::with_capacity(encoded.len() + 2 * pairs.len());
    for &(start, middle, end) in &pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(part(start, middle));
        out.push('=');
        out.push_str(part(middle, end));
    }
    out
}

/// `METHOD&%2F&pe(canonicalized query string)`.
pub fn string_to_sign(method: &str, canonicalized_query: &str) -> String {
    let mut out = String::with_capacity(method.len() + 4 + canonicalized_query.len() * 3 / 2);
    out.push_str(method);
    out.push_str("&%2F&");
    percent_encode_into(canonicalized_query, &mut out);
    out
}

/// The string to sign of `params`, equal to
/// `string_to_sign(method, &canonicalized_query_string(params))` but built in one pass.
///
/// When every name is made of unreserved bytes (every parameter name of the APIs is), a name
/// encodes to itself, so the pairs sort by their decoded names and each value is written
/// percent-encoded twice straight into the output: no canonicalized query string is built.
/// Otherwise this falls back to the two stages.
pub fn string_to_sign_for<'a, I>(method: &str, params: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut pairs: Vec<(&str, &str)> = params
        .into_iter()
        .filter(|(name, _)| *name != "Signature")
        .collect();
    if !pairs.iter().all(|(name, _)| is_unreserved_str(name)) {
        return string_to_sign(method, &canonicalized_query_string(pairs));
    }
    // Equal names (rare) are ordered by their encoded values, as the canonical form orders them.
    pairs.sort_unstable_by(|(n1, v1), (n2, v2)| match n1.cmp(n2) {
        Ordering::Equal if v1 != v2 => percent_encode(v1).cmp(&percent_encode(v2)),
        order => order,
    });
    let values: usize = pairs.iter().map(|(n, v)| n.len() + v.len() * 2).sum();
    let mut out = Vec::with_capacity(method.len() + 5 + values + 6 * pairs.len());
    out.extend_from_slice(method.as_bytes());
    out.extend_from_slice(b"&%2F&");
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b"%26");
        }
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b"%3D");
        double_percent_encode_bytes(value.as_bytes(), &mut out);
    }
    // The method is a `str` and everything after it is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// The raw HMAC-SHA1 of the string to sign with key `secret + "&"`.
pub fn signature_bytes(secret: &str, string_to_sign: &str) -> [u8; 20] {
    let mut key = Vec::with_capacity(secret.len() + 1);
    key.extend_from_slice(secret.as_bytes());
    key.push(b'&');
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = match Hmac::<Sha1>::new_from_slice(&key) {
        Ok(mac) => mac,
        Err(_) => return [0; 20],
    };
    mac.update(string_to_sign.as_bytes());
    mac.finalize().into_bytes().into()
}

/// `base64(HMAC-SHA1(secret + "&", string_to_sign))`, the value of the `Signature` parameter.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(signature_bytes(secret, string_to_sign))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_excluded_and_sorted() {
        let params = [("b", "2"), ("Signature", "x"), ("a", "1 2"), ("A", "")];
        assert_eq!(canonicalized_query_string(params), "A=&a=1%202&b=2");
    }

    #[test]
    fn one_pass_string_to_sign_equals_the_two_stages() {
        let cases: [&[(&str, &str)]; 5] = [
            &[("b", "2"), ("Signature", "x"), ("a", "1 2"), ("A", "")],
            &[("Doc", "{\"Statement\": [\"*\"]}"), ("Name", "中文~-_.")],
            &[("k", "b"), ("k", "a"), ("k", "{"), ("k", "0")],
            &[("a b", "1"), ("a{", "2"), ("a0", "3")],
            &[],
        ];
        for params in cases {
            assert_eq!(
                string_to_sign_for("POST", params.iter().copied()),
                string_to_sign("POST", &canonicalized_query_string(params.iter().copied())),
                "{params:?}"
            );
        }
    }

    #[test]
    fn string_to_sign_encodes_twice() {
        assert_eq!(
            string_to_sign("GET", "a=b%3Ac&d=e"),
            "GET&%2F&a%3Db%253Ac%26d%3De"
        );
    }
}
