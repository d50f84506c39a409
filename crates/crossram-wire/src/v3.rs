//! Signature V3 (`ACS3-HMAC-SHA256`, spec §1.5) as pure stage functions: `Authorization` header
//! parsing, canonical query, canonical headers, canonical request, string to sign, signature.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use crate::encode::percent_encode;
use crate::error::WireError;

/// The algorithm name that starts the `Authorization` header and the string to sign.
pub const ALGORITHM: &str = "ACS3-HMAC-SHA256";

/// Hex SHA-256 of the empty body.
pub const EMPTY_PAYLOAD_HASH: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// The three fields of an `ACS3-HMAC-SHA256` `Authorization` header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authorization {
    /// `Credential`: the AccessKeyId.
    pub credential: String,
    /// `SignedHeaders`: the header names as sent (split on `;`).
    pub signed_headers: Vec<String>,
    /// `Signature`: lower-case hex as sent.
    pub signature: String,
}

fn incomplete(reason: impl Into<String>) -> WireError {
    WireError::IncompleteSignature {
        reason: reason.into(),
    }
}

/// True when an `Authorization` header value names the V3 algorithm.
pub fn is_v3_authorization(value: &str) -> bool {
    let value = value.trim_ascii_start();
    value
        .get(..ALGORITHM.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(ALGORITHM))
}

/// Parses `ACS3-HMAC-SHA256 Credential=<ak>,SignedHeaders=<a;b>,Signature=<hex>`.
///
/// Spaces after the commas are tolerated. A missing, empty, duplicate or unknown field, or a
/// different algorithm, is an `IncompleteSignature` error naming the problem.
pub fn parse_authorization(value: &str) -> Result<Authorization, WireError> {
    let value = value.trim_ascii();
    let rest = match value.split_once(|c: char| c.is_ascii_whitespace()) {
        Some((algorithm, rest)) if algorithm == ALGORITHM => rest,
        Some((algorithm, _)) => {
            return Err(incomplete(format!(
                "Authorization: algorithm {algorithm:?} is not {ALGORITHM}."
            )));
        }
        None if value == ALGORITHM => {
            return Err(incomplete("Authorization: Credential is missing."));
        }
        None => {
            return Err(incomplete(format!(
                "Authorization: expected \"{ALGORITHM} Credential=...,SignedHeaders=...,Signature=...\"."
            )));
        }
    };
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for field in rest.split(',') {
        let field = field.trim_ascii();
        if field.is_empty() {
            return Err(incomplete("Authorization: empty field between commas."));
        }
        let Some((name, val)) = field.split_once('=') else {
            return Err(incomplete(format!(
                "Authorization: field {field:?} has no '='."
            )));
        };
        let slot = match name.trim_ascii() {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            other => {
                return Err(incomplete(format!(
                    "Authorization: unknown field {other:?}."
                )));
            }
        };
        if slot.is_some() {
            return Err(incomplete(format!("Authorization: {name} appears twice.")));
        }
        let val = val.trim_ascii();
        if val.is_empty() {
            return Err(incomplete(format!("Authorization: {name} is empty.")));
        }
        *slot = Some(val);
    }
    let credential =
        credential.ok_or_else(|| incomplete("Authorization: Credential is missing."))?;
    let signed =
        signed_headers.ok_or_else(|| incomplete("Authorization: SignedHeaders is missing."))?;
    let signature = signature.ok_or_else(|| incomplete("Authorization: Signature is missing."))?;
    let mut names = Vec::new();
    for name in signed.split(';') {
        let name = name.trim_ascii();
        if name.is_empty() {
            return Err(incomplete(
                "Authorization: SignedHeaders has an empty header name.",
            ));
        }
        names.push(name.to_ascii_lowercase());
    }
    Ok(Authorization {
        credential: credential.to_owned(),
        signed_headers: names,
        signature: signature.to_owned(),
    })
}

/// The canonical query string from *decoded* pairs: percent-encode names and values, sort,
/// join `name=value` with `&` (an empty value gives `name=`).
pub fn canonical_query<'a, I>(decoded: I) -> String
where
    I: IntoIterator<Item = (&'a str, &'a str)>,
{
    let mut encoded: Vec<(String, String)> = decoded
        .into_iter()
        .map(|(name, value)| (percent_encode(name), percent_encode(value)))
        .collect();
    encoded.sort_unstable();
    let mut out = String::new();
    for (name, value) in &encoded {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// The canonical headers block for the names in `signed` (lower-case): one
/// `name:value\n` line per name, in the order given, where value is every value of that header
/// in `headers` (names compared case-insensitively), trimmed, sorted and joined with `,`.
///
/// A signed header absent from the request is an `IncompleteSignature` error.
pub fn canonical_headers<H: AsRef<str>>(
    signed: &[String],
    headers: &[(H, H)],
) -> Result<String, WireError> {
    let mut out = String::new();
    let mut values: Vec<&str> = Vec::new();
    for name in signed {
        values.clear();
        values.extend(
            headers
                .iter()
                .filter(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_ref().trim_ascii()),
        );
        if values.is_empty() {
            return Err(incomplete(format!(
                "SignedHeaders lists {name:?} but the request has no such header."
            )));
        }
        values.sort_unstable();
        out.push_str(name);
        out.push(':');
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(v);
        }
        out.push('\n');
    }
    Ok(out)
}

/// Lower-case hex SHA-256 of `data` (the hashed payload for a body).
pub fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `METHOD\nPATH\nquery\nheaders\nsigned;headers\npayload_hash` (canonical headers end with `\n`).
pub fn canonical_request(
    method: &str,
    path: &str,
    canonical_query: &str,
    canonical_headers: &str,
    signed_headers: &[String],
    hashed_payload: &str,
) -> String {
    let mut out = String::with_capacity(
        method.len() + path.len() + canonical_query.len() + canonical_headers.len() + 256,
    );
    out.push_str(method);
    out.push('\n');
    out.push_str(path);
    out.push('\n');
    out.push_str(canonical_query);
    out.push('\n');
    out.push_str(canonical_headers);
    out.push('\n');
    for (i, name) in signed_headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(name);
    }
    out.push('\n');
    out.push_str(hashed_payload);
    out
}

/// `ACS3-HMAC-SHA256\n` + hex SHA-256 of the canonical request.
pub fn string_to_sign(canonical_request: &str) -> String {
    format!("{ALGORITHM}\n{}", hex_sha256(canonical_request.as_bytes()))
}

/// The raw HMAC-SHA256 of the string to sign, key = the secret (no `&`).
pub fn signature_bytes(secret: &str, string_to_sign: &str) -> [u8; 32] {
    // HMAC accepts keys of any length, so this never fails.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(mac) => mac,
        Err(_) => return [0; 32],
    };
    mac.update(string_to_sign.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Lower-case hex `HMAC-SHA256(secret, string_to_sign)`.
pub fn signature(secret: &str, string_to_sign: &str) -> String {
    hex::encode(signature_bytes(secret, string_to_sign))
}

/// The `Authorization` header value for the given fields.
pub fn authorization_header(
    access_key_id: &str,
    signed_headers: &[String],
    signature: &str,
) -> String {
    format!(
        "{ALGORITHM} Credential={access_key_id},SignedHeaders={},Signature={signature}",
        signed_headers.join(";")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_with_spaces_after_commas() {
        let auth = parse_authorization(
            "ACS3-HMAC-SHA256 Credential=ak, SignedHeaders=host;x-acs-date,  Signature=ab12",
        )
        .unwrap();
        assert_eq!(auth.credential, "ak");
        assert_eq!(auth.signed_headers, ["host", "x-acs-date"]);
        assert_eq!(auth.signature, "ab12");
    }

    #[test]
    fn rejects_malformed_naming_the_problem() {
        let cases = [
            ("ACS3-HMAC-SHA256", "Credential is missing"),
            (
                "ACS3-HMAC-SHA256 SignedHeaders=host,Signature=a",
                "Credential is missing",
            ),
            (
                "ACS3-HMAC-SHA256 Credential=a,Signature=a",
                "SignedHeaders is missing",
            ),
            (
                "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host",
                "Signature is missing",
            ),
            (
                "ACS3-HMAC-SHA256 Credential=,SignedHeaders=host,Signature=a",
                "Credential is empty",
            ),
            (
                "ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host;;x,Signature=a",
                "empty header name",
            ),
            (
                "ACS3-HMAC-SHA256 Credential=a,Credential=b,SignedHeaders=h,Signature=a",
                "twice",
            ),
            (
                "ACS3-HMAC-SHA256 Credential=a,Foo=b,SignedHeaders=h,Signature=a",
                "unknown field",
            ),
            (
                "ACS3-HMAC-SHA256 Credential=a,,SignedHeaders=h,Signature=a",
                "empty field",
            ),
            ("ACS3-HMAC-SHA256 Credential", "has no '='"),
            ("ACS3-HMAC-SHA1 Credential=a", "algorithm"),
            ("", "expected"),
        ];
        for (input, want) in cases {
            let err = parse_authorization(input).unwrap_err();
            assert_eq!(err.code(), "IncompleteSignature", "{input:?}");
            assert!(err.message().contains(want), "{input:?}: {}", err.message());
        }
    }

    #[test]
    fn duplicate_headers_sorted_and_joined() {
        let headers = vec![
            ("x-acs-test".to_owned(), " https ".to_owned()),
            ("X-ACS-TEST".to_owned(), "http".to_owned()),
        ];
        assert_eq!(
            canonical_headers(&["x-acs-test".to_owned()], &headers).unwrap(),
            "x-acs-test:http,https\n"
        );
    }
}
