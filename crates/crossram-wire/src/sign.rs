//! Client side: sign an RPC call with V1 or V3. Pure: the timestamp and nonce are inputs, and
//! the output is the pieces to put on the wire (query, headers, body), not a request.

use std::fmt;

use crate::encode::{encode_pairs, percent_encode_into};
use crate::{v1, v3};

/// What to sign. The secret and token are redacted in `Debug`.
#[derive(Clone, Copy)]
pub struct SignInput<'a> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The endpoint host, with `:port` when not the default one (V3 signs it).
    pub host: &'a str,
    /// The action, e.g. `AssumeRole`.
    pub action: &'a str,
    /// The API version, e.g. `2015-04-01`.
    pub version: &'a str,
    /// The action's own parameters, in order.
    pub params: &'a [(String, String)],
    /// The AccessKeyId.
    pub access_key_id: &'a str,
    /// The AccessKeySecret (never printed).
    pub access_key_secret: &'a str,
    /// The STS token, for STS credentials.
    pub security_token: Option<&'a str>,
    /// `YYYY-MM-DDThh:mm:ssZ` (see [`crate::format_timestamp`]).
    pub timestamp: &'a str,
    /// A unique nonce for this request.
    pub nonce: &'a str,
    /// V1 with POST only: put the action parameters in an `application/x-www-form-urlencoded`
    /// body instead of the query (the common parameters and `Signature` stay in the query).
    pub body_params_in_form: bool,
}

impl fmt::Debug for SignInput<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInput")
            .field("method", &self.method)
            .field("host", &self.host)
            .field("action", &self.action)
            .field("version", &self.version)
            .field("params", &self.params)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_secret", &"***")
            .field("security_token", &self.security_token.map(|_| "***"))
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("body_params_in_form", &self.body_params_in_form)
            .finish()
    }
}

/// The signed request pieces: send `METHOD https://host/?{query}` with these headers and body.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedParts {
    /// The query string, already percent-encoded, without the leading `?`.
    pub query: String,
    /// Headers to send (lower-case names). V3: `host`, `x-acs-*`, `authorization`. V1: none.
    pub headers: Vec<(String, String)>,
    /// The body (empty unless V1 with `body_params_in_form`).
    pub body: Vec<u8>,
    /// `Some("application/x-www-form-urlencoded")` when the body is a form.
    pub content_type: Option<String>,
}

impl fmt::Debug for SignedParts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let redacted = n == "x-acs-security-token";
                (n.as_str(), if redacted { "***" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("SignedParts")
            .field("query_len", &self.query.len())
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .field("content_type", &self.content_type)
            .finish()
    }
}

/// The form content type.
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded";

/// The V1 common parameters, in the order they are sent: `Format=JSON` unless the action
/// parameters name a `Format` of their own (`XML`).
fn v1_common<'a>(input: &SignInput<'a>) -> Vec<(&'a str, &'a str)> {
    let mut common: Vec<(&str, &str)> = Vec::with_capacity(8);
    if !input.params.iter().any(|(name, _)| name == "Format") {
        common.push(("Format", "JSON"));
    }
    common.extend([
        ("SignatureMethod", v1::SIGNATURE_METHOD),
        ("SignatureVersion", v1::SIGNATURE_VERSION),
        ("SignatureNonce", input.nonce),
        ("Timestamp", input.timestamp),
        ("AccessKeyId", input.access_key_id),
    ]);
    if let Some(token) = input.security_token {
        common.push(("SecurityToken", token));
    }
    common.push(("Version", input.version));
    common.push(("Action", input.action));
    common
}

fn v1_string_to_sign(input: &SignInput<'_>, common: &[(&str, &str)]) -> String {
    let action_params = input.params.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    v1::string_to_sign_for(input.method, common.iter().copied().chain(action_params))
}

/// The V1 string to sign [`sign_v1`] signs: what a server's `SignatureDoesNotMatch` message
/// should echo when only the secret is wrong.
pub fn string_to_sign_v1(input: &SignInput<'_>) -> String {
    v1_string_to_sign(input, &v1_common(input))
}

/// Signs with V1 (HMAC-SHA1).
///
/// Adds `Format=JSON` (unless `params` has a `Format`), `SignatureMethod`, `SignatureVersion`, `SignatureNonce`, `Timestamp`,
/// `AccessKeyId`, `SecurityToken` (STS), `Version`, `Action`, then the action parameters (in the
/// query, or in a form body when `body_params_in_form` and POST), then `Signature` in the query.
/// With GET, `body_params_in_form` is ignored: everything goes in the query.
pub fn sign_v1(input: &SignInput<'_>) -> SignedParts {
    let common = v1_common(input);
    let string_to_sign = v1_string_to_sign(input, &common);
    let signature = v1::signature(input.access_key_secret, &string_to_sign);
    let action_params = input.params.iter().map(|(n, v)| (n.as_str(), v.as_str()));
    let in_form = input.body_params_in_form && input.method == "POST";
    let (mut query, body, content_type) = if in_form {
        let body = encode_pairs(action_params).into_bytes();
        (
            encode_pairs(common.iter().copied()),
            body,
            Some(FORM_CONTENT_TYPE.to_owned()),
        )
    } else {
        (
            encode_pairs(common.iter().copied().chain(action_params)),
            Vec::new(),
            None,
        )
    };
    query.push_str("&Signature=");
    percent_encode_into(&signature, &mut query);
    SignedParts {
        query,
        headers: Vec::new(),
        body,
        content_type,
    }
}

/// The V3 headers to send (lower-case names, sorted), the signed names and the string to sign.
struct V3Plan {
    headers: Vec<(String, String)>,
    signed: Vec<String>,
    query: String,
    string_to_sign: String,
}

fn v3_plan(input: &SignInput<'_>, extra_headers: &[(String, String)]) -> V3Plan {
    let mut headers: Vec<(String, String)> = vec![
        ("host".to_owned(), input.host.to_owned()),
        ("x-acs-action".to_owned(), input.action.to_owned()),
        (
            "x-acs-content-sha256".to_owned(),
            v3::EMPTY_PAYLOAD_HASH.to_owned(),
        ),
        ("x-acs-date".to_owned(), input.timestamp.to_owned()),
        ("x-acs-signature-nonce".to_owned(), input.nonce.to_owned()),
        ("x-acs-version".to_owned(), input.version.to_owned()),
    ];
    if let Some(token) = input.security_token {
        headers.push((
            "x-acs-accesskey-id".to_owned(),
            input.access_key_id.to_owned(),
        ));
        headers.push(("x-acs-security-token".to_owned(), token.to_owned()));
    }
    headers.extend(
        extra_headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.clone())),
    );
    headers.sort();
    let mut signed: Vec<String> = headers.iter().map(|(n, _)| n.clone()).collect();
    signed.dedup();
    let query = v3::canonical_query(input.params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    // Every name in `signed` comes from `headers`, so this cannot fail.
    let canonical_headers = v3::canonical_headers(&signed, &headers).unwrap_or_default();
    let canonical = v3::canonical_request(
        input.method,
        "/",
        &query,
        &canonical_headers,
        &signed,
        v3::EMPTY_PAYLOAD_HASH,
    );
    V3Plan {
        headers,
        signed,
        query,
        string_to_sign: v3::string_to_sign(&canonical),
    }
}

/// The V3 string to sign [`sign_v3_with_headers`] signs for the same input and extra headers.
pub fn string_to_sign_v3(input: &SignInput<'_>, extra_headers: &[(String, String)]) -> String {
    v3_plan(input, extra_headers).string_to_sign
}

/// Signs with V3 (`ACS3-HMAC-SHA256`): action parameters in the query, empty body, headers
/// `host`, `x-acs-action`, `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce`,
/// `x-acs-content-sha256` (+ `x-acs-accesskey-id` and `x-acs-security-token` for STS), and an
/// `authorization` header signing `host` and every `x-acs-*` header.
pub fn sign_v3(input: &SignInput<'_>) -> SignedParts {
    sign_v3_with_headers(input, &[])
}

/// [`sign_v3`] with more headers to send and sign (e.g. `user-agent`,
/// `x-acs-credentials-provider`); names are lower-cased. Do not repeat the standard ones.
pub fn sign_v3_with_headers(
    input: &SignInput<'_>,
    extra_headers: &[(String, String)],
) -> SignedParts {
    let V3Plan {
        mut headers,
        signed,
        query,
        string_to_sign,
    } = v3_plan(input, extra_headers);
    let signature = v3::signature(input.access_key_secret, &string_to_sign);
    headers.push((
        "authorization".to_owned(),
        v3::authorization_header(input.access_key_id, &signed, &signature),
    ));
    SignedParts {
        query,
        headers,
        body: Vec::new(),
        content_type: None,
    }
}
