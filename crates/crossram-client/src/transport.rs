//! How a signed request reaches a server: the [`Transport`] trait and its HTTP implementation.
//!
//! The client builds and signs an [`HttpRequest`], hands it to a transport and reads the
//! [`HttpResponse`]. Against the real cloud that is [`ReqwestTransport`] (HTTPS with rustls);
//! against the emulator it is the same, or an in-process transport that calls the server's
//! router directly (implemented where the server is in reach, not here). Nothing else in the
//! client differs between the two.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;

/// A request ready to go on the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The HTTP method (`POST` for every call this client makes).
    pub method: http::Method,
    /// `scheme://host[:port]/?query`.
    pub url: String,
    /// Header names and values, in the order they are to be sent.
    pub headers: Vec<(String, String)>,
    /// The body (empty when every parameter travels in the query).
    pub body: Bytes,
}

impl HttpRequest {
    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

impl fmt::Debug for HttpRequest {
    // The URL and headers carry the AccessKeyId, signature and possibly a security token:
    // print only what identifies the call.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let without_query = self.url.split('?').next().unwrap_or_default();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &without_query)
            .field("headers", &self.headers.len())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// A response as it came off the wire.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Bytes,
}

impl fmt::Debug for HttpResponse {
    // A body may hold new secrets (CreateAccessKey, AssumeRole): print only its length.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl HttpResponse {
    /// The value of the first header named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Sends requests. Object safe: the client holds an `Arc<dyn Transport>`.
#[async_trait::async_trait]
pub trait Transport: Send + Sync + fmt::Debug + 'static {
    /// Sends one request and returns the response, whatever its status.
    ///
    /// # Behavior
    /// - Any HTTP status, including 4xx and 5xx, is a successful send (`Ok`).
    /// - `Err` means no response was received: connection refused, reset, timeout, TLS failure.
    /// - The transport does not retry; the client decides.
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError>;
}

/// What kind of failure a [`TransportError`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be established (refused, DNS, TLS handshake).
    Connect,
    /// No complete response within the time allowed.
    Timeout,
    /// The request could not be built (bad URL, bad header).
    InvalidRequest,
    /// Anything else: the connection broke mid-way, a protocol error.
    Other,
}

/// No response was received. The message never contains the request URL (it carries
/// credentials in its query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportError {
    kind: TransportErrorKind,
    message: String,
}

impl TransportError {
    /// A transport error of the given kind.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    /// A transport error of kind [`TransportErrorKind::Other`].
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(TransportErrorKind::Other, message)
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> TransportErrorKind {
        self.kind
    }

    /// The description of the failure.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error with its message rewritten by `f` (to say where, or how often).
    pub(crate) fn map_message(self, f: impl FnOnce(&str) -> String) -> Self {
        Self {
            kind: self.kind,
            message: f(&self.message),
        }
    }

    /// Whether a retry could succeed (connect failures, timeouts, broken connections).
    pub fn is_retryable(&self) -> bool {
        !matches!(self.kind, TransportErrorKind::InvalidRequest)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.kind {
            TransportErrorKind::Connect => "connect",
            TransportErrorKind::Timeout => "timeout",
            TransportErrorKind::InvalidRequest => "invalid request",
            TransportErrorKind::Other => "transport",
        };
        write!(f, "{kind}: {}", self.message)
    }
}

impl StdError for TransportError {}

/// HTTP(S) over reqwest with rustls and the webpki root certificates.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport with default settings (10 s connect timeout, webpki roots).
    pub fn new() -> Result<Self, TransportError> {
        Self::builder().build()
    }

    /// A builder for custom settings, e.g. an extra root certificate for an emulator's
    /// self-signed HTTPS listener.
    pub fn builder() -> ReqwestTransportBuilder {
        ReqwestTransportBuilder::default()
    }

    /// Wraps an already configured reqwest client.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client }
    }
}

/// Settings of a [`ReqwestTransport`].
#[derive(Debug, Clone)]
pub struct ReqwestTransportBuilder {
    connect_timeout: Duration,
    root_certificates_pem: Vec<Vec<u8>>,
}

impl Default for ReqwestTransportBuilder {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            root_certificates_pem: Vec::new(),
        }
    }
}

impl ReqwestTransportBuilder {
    /// Time allowed for TCP and TLS connection set-up.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Trusts one more root certificate (PEM), besides the webpki roots.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    /// Builds the transport.
    pub fn build(self) -> Result<ReqwestTransport, TransportError> {
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .connect_timeout(self.connect_timeout)
            .tcp_nodelay(true);
        for pem in &self.root_certificates_pem {
            let cert = reqwest::Certificate::from_pem(pem).map_err(|e| {
                TransportError::new(
                    TransportErrorKind::InvalidRequest,
                    format!("invalid root certificate: {}", chain(&e)),
                )
            })?;
            builder = builder.add_root_certificate(cert);
        }
        let client = builder.build().map_err(|e| {
            TransportError::new(TransportErrorKind::InvalidRequest, chain(&e.without_url()))
        })?;
        Ok(ReqwestTransport { client })
    }
}

#[async_trait::async_trait]
impl Transport for ReqwestTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let url = reqwest::Url::parse(&req.url).map_err(|e| {
            TransportError::new(TransportErrorKind::InvalidRequest, format!("bad url: {e}"))
        })?;
        let mut builder = self.client.request(req.method, url);
        for (name, value) in &req.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        let response = builder.body(req.body).send().await.map_err(map_reqwest)?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let body = response.bytes().await.map_err(map_reqwest)?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }
}

fn map_reqwest(e: reqwest::Error) -> TransportError {
    let kind = if e.is_timeout() {
        TransportErrorKind::Timeout
    } else if e.is_connect() {
        TransportErrorKind::Connect
    } else if e.is_builder() {
        TransportErrorKind::InvalidRequest
    } else {
        TransportErrorKind::Other
    };
    // The URL holds the AccessKeyId, the signature and (V1) the security token: drop it.
    TransportError::new(kind, chain(&e.without_url()))
}

/// An error and its sources, joined with `: `.
fn chain(e: &dyn StdError) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_request_hides_the_query_and_headers() {
        let req = HttpRequest {
            method: http::Method::POST,
            url: "https://sts.aliyuncs.com/?AccessKeyId=LTAIx&SecurityToken=tok".into(),
            headers: vec![("x-acs-security-token".into(), "tok".into())],
            body: Bytes::new(),
        };
        let text = format!("{req:?}");
        assert!(!text.contains("tok"), "{text}");
        assert!(text.contains("https://sts.aliyuncs.com/"));
    }

    #[test]
    fn header_lookup_ignores_case() {
        let resp = HttpResponse {
            status: 200,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Bytes::new(),
        };
        assert_eq!(resp.header("content-type"), Some("application/json"));
        assert_eq!(resp.header("x-missing"), None);
        let secret = HttpResponse {
            body: Bytes::from_static(b"{\"AccessKeySecret\":\"fresh-secret\"}"),
            ..resp
        };
        assert!(!format!("{secret:?}").contains("fresh-secret"));
    }
}
