//! Server side: read a received HTTP request as an Alibaba Cloud RPC call, detect V1 or V3,
//! extract the common parameters, compute the string to sign once, and verify it against a
//! secret in constant time.

use std::borrow::Cow;
use std::fmt;

use subtle::ConstantTimeEq;

use crate::encode::parse_form;
use crate::error::{SignatureMismatch, WireError};
use crate::timestamp::parse_timestamp;
use crate::{v1, v3};

/// A received HTTP request, borrowed from whatever server framework holds it. Header names and
/// values are any string type (`String` by default; a server passes borrowed ones).
#[derive(Clone, Copy)]
pub struct HttpRequest<'a, H = String> {
    /// `GET` or `POST`.
    pub method: &'a str,
    /// The path, `/` for RPC.
    pub path: &'a str,
    /// The raw query string as received (still percent-encoded, no leading `?`).
    pub raw_query: &'a str,
    /// Headers in arrival order; names in any case; a name may repeat.
    pub headers: &'a [(H, H)],
    /// The raw body.
    pub body: &'a [u8],
}

impl<H: AsRef<str>> fmt::Debug for HttpRequest<'_, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(n, v)| {
                let redacted = n.as_ref().eq_ignore_ascii_case("x-acs-security-token");
                (n.as_ref(), if redacted { "***" } else { v.as_ref() })
            })
            .collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("path", &self.path)
            .field("raw_query_len", &self.raw_query.len())
            .field("headers", &headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// First value of a header, names compared case-insensitively.
pub fn header<'h, H: AsRef<str>>(headers: &'h [(H, H)], name: &str) -> Option<&'h str> {
    headers
        .iter()
        .find(|(n, _)| n.as_ref().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_ref())
}

/// True when the `Content-Type` is `application/x-www-form-urlencoded` (parameters ignored).
fn is_form<H: AsRef<str>>(headers: &[(H, H)]) -> bool {
    header(headers, "content-type").is_some_and(|ct| {
        ct.split(';').next().is_some_and(|media| {
            media
                .trim_ascii()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    })
}

/// Query pairs followed by form-body pairs (when the body is a form), decoded, in wire order.
pub fn extract_params<H: AsRef<str>>(req: &HttpRequest<'_, H>) -> Vec<(String, String)> {
    let mut params = parse_form(req.raw_query);
    if is_form(req.headers) && !req.body.is_empty() {
        params.extend(parse_form(&String::from_utf8_lossy(req.body)));
    }
    params
}

/// The signature scheme of a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SignatureVersion {
    /// HMAC-SHA1, `Signature` parameter (spec §1.3).
    V1,
    /// `ACS3-HMAC-SHA256`, `Authorization` header (spec §1.5).
    V3,
}

/// The response format a request asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseFormat {
    /// JSON (the default, and what V3 SDKs expect).
    Json,
    /// XML, only when `Format=XML` (any case) was sent.
    Xml,
}

/// A request whose signature can be checked: common parameters extracted, string to sign
/// computed once.
#[derive(Clone)]
pub struct SignedRequest {
    signature_version: SignatureVersion,
    params: Vec<(String, String)>,
    action: String,
    version: String,
    access_key_id: String,
    security_token: Option<String>,
    timestamp: String,
    nonce: String,
    provided_signature: String,
    /// V3 only: the canonical request (V1 builds its string to sign without the canonicalized
    /// query string and rebuilds that only when asked).
    canonical: Option<String>,
    string_to_sign: String,
    signed_headers: Vec<String>,
    hashed_payload: Option<String>,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<(&str, &str)> = self
            .params
            .iter()
            .map(|(n, v)| {
                let redacted = n == "SecurityToken";
                (n.as_str(), if redacted { "***" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("SignedRequest")
            .field("signature_version", &self.signature_version)
            .field("action", &self.action)
            .field("version", &self.version)
            .field("access_key_id", &self.access_key_id)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "***"),
            )
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("params", &params)
            .finish_non_exhaustive()
    }
}

fn missing(name: &str) -> WireError {
    WireError::MissingParameter {
        name: name.to_owned(),
    }
}

/// First non-empty value of a parameter.
fn non_empty<'p>(params: &'p [(String, String)], name: &str) -> Option<&'p str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

fn required(params: &[(String, String)], name: &str) -> Result<String, WireError> {
    non_empty(params, name)
        .map(str::to_owned)
        .ok_or_else(|| missing(name))
}

fn non_empty_header<'h, H: AsRef<str>>(headers: &'h [(H, H)], name: &str) -> Option<&'h str> {
    header(headers, name)
        .map(str::trim_ascii)
        .filter(|v| !v.is_empty())
}

/// Reads a received request: detects V1 or V3, extracts the common parameters and computes the
/// canonical form and the string to sign.
///
/// V3 is chosen when an `Authorization: ACS3-HMAC-SHA256 ...` header is present, V1 otherwise.
/// Errors: `UnsupportedHTTPMethod` for anything but GET/POST; `MissingParameter` for a missing
/// (or empty) `Action`, `Version`, `AccessKeyId`, `Signature`, `SignatureMethod`,
/// `SignatureVersion`, `Timestamp`, `SignatureNonce` (V1) or `x-acs-action`, `x-acs-version`,
/// `x-acs-date`, `x-acs-signature-nonce` (V3); `InvalidParamater` for a `SignatureMethod` other
/// than `HMAC-SHA1` or a `SignatureVersion` other than `1.0`; `IncompleteSignature` for a
/// malformed `Authorization` header, a signed header that is absent, or an `x-acs-action`,
/// `x-acs-version`, `x-acs-date`, `x-acs-signature-nonce` or `x-acs-security-token` header that is
/// sent but not signed. Never panics.
///
/// The timestamp is returned raw; check it with [`crate::check_timestamp`].
pub fn inspect<H: AsRef<str>>(req: &HttpRequest<'_, H>) -> Result<SignedRequest, WireError> {
    if req.method != "GET" && req.method != "POST" {
        return Err(WireError::UnsupportedHttpMethod {
            method: req.method.to_owned(),
        });
    }
    let params = extract_params(req);
    match header(req.headers, "authorization").filter(|v| v3::is_v3_authorization(v)) {
        Some(authorization) => inspect_v3(req, params, authorization),
        None => inspect_v1(req, params),
    }
}

fn inspect_v1<H: AsRef<str>>(
    req: &HttpRequest<'_, H>,
    params: Vec<(String, String)>,
) -> Result<SignedRequest, WireError> {
    let action = required(&params, "Action")?;
    let version = required(&params, "Version")?;
    let access_key_id = required(&params, "AccessKeyId")?;
    let provided_signature = required(&params, "Signature")?;
    let method = required(&params, "SignatureMethod")?;
    if method != v1::SIGNATURE_METHOD {
        return Err(WireError::InvalidSignatureMethod { value: method });
    }
    let sig_version = required(&params, "SignatureVersion")?;
    if sig_version != v1::SIGNATURE_VERSION {
        return Err(WireError::InvalidSignatureVersion { value: sig_version });
    }
    let timestamp = required(&params, "Timestamp")?;
    let nonce = required(&params, "SignatureNonce")?;
    let security_token = non_empty(&params, "SecurityToken").map(str::to_owned);
    let string_to_sign = v1::string_to_sign_for(
        req.method,
        params.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    );
    Ok(SignedRequest {
        signature_version: SignatureVersion::V1,
        params,
        action,
        version,
        access_key_id,
        security_token,
        timestamp,
        nonce,
        // A raw `+` in the query decodes to a space; base64 never contains one.
        provided_signature: provided_signature.replace(' ', "+"),
        canonical: None,
        string_to_sign,
        signed_headers: Vec::new(),
        hashed_payload: None,
    })
}

fn inspect_v3<H: AsRef<str>>(
    req: &HttpRequest<'_, H>,
    params: Vec<(String, String)>,
    authorization: &str,
) -> Result<SignedRequest, WireError> {
    let auth = v3::parse_authorization(authorization)?;
    // A value read from a header must be covered by the signature; one read from the query is
    // covered by the canonical query.
    let from_header_or_param = |h: &str, p: &str| -> Result<Option<String>, WireError> {
        if let Some(v) = non_empty_header(req.headers, h) {
            if !auth.signed_headers.iter().any(|n| n == h) {
                return Err(WireError::IncompleteSignature {
                    reason: format!("Header \"{h}\" must be listed in SignedHeaders."),
                });
            }
            return Ok(Some(v.to_owned()));
        }
        Ok(non_empty(&params, p).map(str::to_owned))
    };
    let required_v3 = |h: &str, p: &str| from_header_or_param(h, p)?.ok_or_else(|| missing(h));
    let action = required_v3("x-acs-action", "Action")?;
    let version = required_v3("x-acs-version", "Version")?;
    let timestamp = required_v3("x-acs-date", "Timestamp")?;
    let nonce = required_v3("x-acs-signature-nonce", "SignatureNonce")?;
    let security_token = from_header_or_param("x-acs-security-token", "SecurityToken")?;
    let query = parse_form(req.raw_query);
    let canonical_query = v3::canonical_query(query.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let canonical_headers = v3::canonical_headers(&auth.signed_headers, req.headers)?;
    let hashed_payload = v3::hex_sha256(req.body);
    let path = if req.path.is_empty() { "/" } else { req.path };
    let canonical = v3::canonical_request(
        req.method,
        path,
        &canonical_query,
        &canonical_headers,
        &auth.signed_headers,
        &hashed_payload,
    );
    let string_to_sign = v3::string_to_sign(&canonical);
    Ok(SignedRequest {
        signature_version: SignatureVersion::V3,
        params,
        action,
        version,
        access_key_id: auth.credential,
        security_token,
        timestamp,
        nonce,
        provided_signature: auth.signature.to_ascii_lowercase(),
        canonical: Some(canonical),
        string_to_sign,
        signed_headers: auth.signed_headers,
        hashed_payload: Some(hashed_payload),
    })
}

impl SignedRequest {
    /// V1 or V3.
    pub fn signature_version(&self) -> SignatureVersion {
        self.signature_version
    }

    /// The action, from `Action` (V1) or `x-acs-action` (V3, falling back to `Action`).
    pub fn action(&self) -> &str {
        &self.action
    }

    /// The API version, from `Version` (V1) or `x-acs-version` (V3, falling back to `Version`).
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The AccessKeyId: `AccessKeyId` (V1) or the `Credential` of the Authorization header (V3).
    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    /// The STS token: `SecurityToken` or `x-acs-security-token`; `None` when absent or empty.
    pub fn security_token(&self) -> Option<&str> {
        self.security_token.as_deref()
    }

    /// The raw timestamp: `Timestamp` (V1) or `x-acs-date` (V3).
    pub fn timestamp(&self) -> &str {
        &self.timestamp
    }

    /// The timestamp as unix seconds, or `InvalidTimeStamp.Format`.
    pub fn timestamp_unix(&self) -> Result<i64, WireError> {
        parse_timestamp(&self.timestamp)
    }

    /// The nonce: `SignatureNonce` (V1) or `x-acs-signature-nonce` (V3).
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// Every parameter (query then form body), decoded, in wire order, including the common
    /// ones and empty values.
    pub fn params(&self) -> &[(String, String)] {
        &self.params
    }

    /// Takes the parameters out (for handing them on once the request is verified).
    pub fn into_params(self) -> Vec<(String, String)> {
        self.params
    }

    /// The first value of a parameter, in wire order (may be empty).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The `Format` parameter as sent, if any.
    pub fn format_param(&self) -> Option<&str> {
        self.param("Format")
    }

    /// `Xml` when `Format` is `XML` in any case, `Json` otherwise.
    pub fn format(&self) -> ResponseFormat {
        match self.format_param() {
            Some(f) if f.eq_ignore_ascii_case("xml") => ResponseFormat::Xml,
            _ => ResponseFormat::Json,
        }
    }

    /// The signature the client sent (V1 base64, V3 lower-case hex).
    pub fn provided_signature(&self) -> &str {
        &self.provided_signature
    }

    /// V1: the canonicalized query string (rebuilt on each call); V3: the canonical request.
    pub fn canonical(&self) -> Cow<'_, str> {
        match &self.canonical {
            Some(canonical) => Cow::Borrowed(canonical),
            None => Cow::Owned(v1::canonicalized_query_string(
                self.params.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            )),
        }
    }

    /// V3: the signed header names (lower-case, as listed); V1: empty.
    pub fn signed_headers(&self) -> &[String] {
        &self.signed_headers
    }

    /// V3: the hex SHA-256 of the body; V1: `None`.
    pub fn hashed_payload(&self) -> Option<&str> {
        self.hashed_payload.as_deref()
    }

    /// The string to sign the server computed (what a `SignatureDoesNotMatch` message carries).
    pub fn string_to_sign(&self) -> &str {
        &self.string_to_sign
    }

    /// The signature this request should carry under `secret`.
    pub fn expected_signature(&self, secret: &str) -> String {
        match self.signature_version {
            SignatureVersion::V1 => v1::signature(secret, &self.string_to_sign),
            SignatureVersion::V3 => v3::signature(secret, &self.string_to_sign),
        }
    }

    /// Whether the signature would match under `secret` had each space in a value been signed
    /// as `+` rather than `%20` (V1 only): what a signer built on Python's `quote_plus` sends, as
    /// the `ram_role_arn` provider of `alibabacloud_credentials` does. Such a request is still
    /// refused, as the documented algorithm refuses it; this only lets the refusal say why.
    pub fn signed_spaces_as_plus(&self, secret: &str) -> bool {
        // In the V1 string to sign a space reads `%2520` (encoded, then encoded again), a `+`
        // signed in its place `%2B`; no other value reads `%2520`.
        self.signature_version == SignatureVersion::V1
            && self.string_to_sign.contains("%2520")
            && bool::from(
                v1::signature(secret, &self.string_to_sign.replace("%2520", "%2B"))
                    .as_bytes()
                    .ct_eq(self.provided_signature.as_bytes()),
            )
    }

    /// Checks the signature against `secret`, comparing in constant time.
    pub fn verify(&self, secret: &str) -> Result<(), SignatureMismatch> {
        let expected = self.expected_signature(secret);
        if bool::from(
            expected
                .as_bytes()
                .ct_eq(self.provided_signature.as_bytes()),
        ) {
            Ok(())
        } else {
            Err(SignatureMismatch::new(self.string_to_sign.clone()))
        }
    }
}
