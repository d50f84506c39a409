//! The client: builds, signs and sends calls, retries what may be retried, decodes answers.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument;

use crate::clock::{Clock, NonceSource, RandomNonce, SystemClock, format_timestamp};
use crate::credentials::{ChainProvider, Credentials, CredentialsProvider};
use crate::endpoint::{Endpoint, IntoEndpoint, Product};
use crate::error::Error;
use crate::params::{mask_in_text, snippet, to_params};
use crate::retry::{RetryPolicy, is_idempotent};
use crate::transport::{
    HttpRequest, HttpResponse, ReqwestTransport, Transport, TransportError, TransportErrorKind,
};

/// Which signature scheme the client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureVersion {
    /// HMAC-SHA1 over the canonical query (`Signature` parameter).
    V1,
    /// `ACS3-HMAC-SHA256` (`Authorization` header); the default of the current SDKs.
    #[default]
    V3,
}

impl std::str::FromStr for SignatureVersion {
    type Err = Error;

    /// Parses `v1`/`1`/`v2` (the SDKs call V1 "v2") or `v3`/`3`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "v1" | "1" | "v2" | "hmac-sha1" => Ok(SignatureVersion::V1),
            "v3" | "3" | "acs3-hmac-sha256" => Ok(SignatureVersion::V3),
            other => Err(Error::Config(format!(
                "unknown signature version {other:?} (expected v1 or v3)"
            ))),
        }
    }
}

/// A signed-request client for RAM, STS and ECS. Cheap to clone (shared inside).
///
/// The real cloud and the emulator differ only in the [`Endpoint`], the [`Transport`] and the
/// credentials given to the builder.
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    endpoint: Endpoint,
    transport: Arc<dyn Transport>,
    credentials: Arc<dyn CredentialsProvider>,
    signature: SignatureVersion,
    method: http::Method,
    form_body: bool,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    timeout: Duration,
    user_agent: String,
}

/// Builds a [`Client`]. Every setting has a default: the public endpoints, HTTPS through
/// reqwest, the default credentials chain, V3 signatures, POST, the system clock, random
/// nonces, 3 attempts, 30 s per attempt.
#[derive(Debug)]
pub struct ClientBuilder {
    endpoint: Result<Endpoint, Error>,
    transport: Option<Arc<dyn Transport>>,
    credentials: Option<Arc<dyn CredentialsProvider>>,
    signature: SignatureVersion,
    method: http::Method,
    form_body: bool,
    clock: Arc<dyn Clock>,
    nonce: Arc<dyn NonceSource>,
    retry: RetryPolicy,
    timeout: Duration,
    user_agent: String,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            endpoint: Ok(Endpoint::public()),
            transport: None,
            credentials: None,
            signature: SignatureVersion::default(),
            method: http::Method::POST,
            form_body: false,
            clock: Arc::new(SystemClock),
            nonce: Arc::new(RandomNonce),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            user_agent: concat!("crossram-client/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

impl ClientBuilder {
    /// Where calls go: an [`Endpoint`] or a URL such as `http://127.0.0.1:8080` (then every
    /// product goes to that URL). An invalid URL is reported by [`ClientBuilder::build`].
    pub fn endpoint(mut self, endpoint: impl IntoEndpoint) -> Self {
        self.endpoint = endpoint.into_endpoint();
        self
    }

    /// How requests are sent (default: [`ReqwestTransport`]).
    pub fn transport(mut self, transport: impl Transport) -> Self {
        self.transport = Some(Arc::new(transport));
        self
    }

    /// A shared transport.
    pub fn shared_transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// The credentials, or any provider of them (default: [`ChainProvider::default_chain_for`]
    /// the client's endpoint).
    pub fn credentials(mut self, provider: impl CredentialsProvider) -> Self {
        self.credentials = Some(Arc::new(provider));
        self
    }

    /// A shared credentials provider.
    pub fn credentials_provider(mut self, provider: Arc<dyn CredentialsProvider>) -> Self {
        self.credentials = Some(provider);
        self
    }

    /// The signature scheme (default V3).
    pub fn signature(mut self, version: SignatureVersion) -> Self {
        self.signature = version;
        self
    }

    /// The HTTP method: `POST` (default, what the current SDKs send) or `GET` (what the
    /// credential providers send). Parameters always travel in the query.
    pub fn http_method(mut self, method: http::Method) -> Self {
        self.method = method;
        self
    }

    /// With V1 and POST: send the action parameters in an `application/x-www-form-urlencoded`
    /// body (common parameters and `Signature` stay in the query), as the Node credentials
    /// provider does; keeps long parameters such as policy documents out of the URL.
    /// Ignored for V3 and GET.
    pub fn form_body(mut self, form_body: bool) -> Self {
        self.form_body = form_body;
        self
    }

    /// The clock that stamps requests.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// The source of signature nonces.
    pub fn nonce(mut self, nonce: Arc<dyn NonceSource>) -> Self {
        self.nonce = nonce;
        self
    }

    /// The retry policy ([`RetryPolicy::none`] disables retries).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The time allowed for one attempt, from sending to the whole response.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The `user-agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client, Error> {
        let endpoint = self.endpoint?;
        if self.method != http::Method::POST && self.method != http::Method::GET {
            return Err(Error::Config(format!(
                "HTTP method {} is not supported (use GET or POST)",
                self.method
            )));
        }
        if self.retry.max_attempts == 0 {
            return Err(Error::Config(
                "retry.max_attempts must be at least 1".into(),
            ));
        }
        let transport = match self.transport {
            Some(t) => t,
            None => Arc::new(ReqwestTransport::new()?),
        };
        let credentials = self.credentials.unwrap_or_else(|| {
            Arc::new(ChainProvider::default_chain_for(
                &endpoint,
                transport.clone(),
            ))
        });
        Ok(Client {
            inner: Arc::new(Inner {
                endpoint,
                transport,
                credentials,
                signature: self.signature,
                method: self.method,
                form_body: self.form_body,
                clock: self.clock,
                nonce: self.nonce,
                retry: self.retry,
                timeout: self.timeout,
                user_agent: self.user_agent,
            }),
        })
    }
}

impl Client {
    /// A builder with every default.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The endpoint in use.
    pub fn endpoint(&self) -> &Endpoint {
        &self.inner.endpoint
    }

    /// The signature scheme in use.
    pub fn signature_version(&self) -> SignatureVersion {
        self.inner.signature
    }

    /// The same client (endpoint, transport, signature, clock, retries) acting with other
    /// credentials, e.g. a user's new key or an assumed role's session.
    pub fn with_credentials(&self, provider: impl CredentialsProvider) -> Client {
        let mut inner = (*self.inner).clone();
        inner.credentials = Arc::new(provider);
        Client {
            inner: Arc::new(inner),
        }
    }

    /// The time by the client's clock: what its requests are stamped with.
    pub fn now(&self) -> time::OffsetDateTime {
        self.inner.clock.now()
    }

    /// The credentials provider in use.
    pub fn credentials_provider(&self) -> &Arc<dyn CredentialsProvider> {
        &self.inner.credentials
    }

    /// Calls any action by name with string parameters and returns the JSON body. For the
    /// scenario runner and for actions without a typed wrapper.
    pub async fn call<K: AsRef<str>, V: AsRef<str>>(
        &self,
        product: Product,
        action: &str,
        params: &[(K, V)],
    ) -> Result<serde_json::Value, Error> {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect();
        let (status, body) = self.execute(product, action, params).await?;
        decode(status, &body)
    }

    /// Calls any action by name and returns the answer's body as the service sent it: for
    /// `Format=XML`, or to keep the bytes. Errors are decoded as for [`call`](Self::call).
    pub async fn call_raw<K: AsRef<str>, V: AsRef<str>>(
        &self,
        product: Product,
        action: &str,
        params: &[(K, V)],
    ) -> Result<Bytes, Error> {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned()))
            .collect();
        let (_, body) = self.execute(product, action, params).await?;
        Ok(body)
    }

    /// Calls an action with parameters from a serializable request (see
    /// [`crate::params::to_params`]) and decodes the answer into `Resp`.
    pub async fn call_typed<Req, Resp>(
        &self,
        product: Product,
        action: &str,
        request: &Req,
    ) -> Result<Resp, Error>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let params = to_params(request)?;
        let (status, body) = self.execute(product, action, params).await?;
        decode(status, &body)
    }

    /// Sends a call, retrying per the policy; returns the status and body of a 2xx answer.
    async fn execute(
        &self,
        product: Product,
        action: &str,
        params: Vec<(String, String)>,
    ) -> Result<(u16, Bytes), Error> {
        if let Some((name, _)) = params
            .iter()
            .find(|(n, _)| SET_BY_THE_CLIENT.contains(&n.as_str()))
        {
            return Err(Error::Config(format!(
                "{action}: the parameter {name} is set by the client (the action, the product's \
                 version, the credentials and the signature); leave it out of the parameters"
            )));
        }
        let span = tracing::info_span!(
            "alibaba_cloud_call",
            product = %product,
            action = %action,
            attempts = tracing::field::Empty,
            status = tracing::field::Empty,
            request_id = tracing::field::Empty,
            error_code = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let started = tokio::time::Instant::now();
        let result = self
            .execute_with_retries(product, action, &params, &span)
            .instrument(span.clone())
            .await;
        let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("duration_ms", elapsed);
        match &result {
            Ok(_) => tracing::debug!(parent: &span, "call succeeded"),
            Err(e) => {
                span.record("error_code", e.code().unwrap_or("-"));
                tracing::debug!(parent: &span, error = %e, "call failed");
            }
        }
        result
    }

    async fn execute_with_retries(
        &self,
        product: Product,
        action: &str,
        params: &[(String, String)],
        span: &tracing::Span,
    ) -> Result<(u16, Bytes), Error> {
        let idempotent = is_idempotent(action, params);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            span.record("attempts", attempt);
            let error = match self.attempt(product, action, params).await {
                Ok(resp) => {
                    span.record("status", resp.status);
                    if let Some(rid) = request_id_of(&resp) {
                        span.record("request_id", rid.as_str());
                    }
                    return Ok((resp.status, resp.body));
                }
                Err(e) => e,
            };
            if let Some(status) = error.status() {
                span.record("status", status);
            }
            if let Some(rid) = error.request_id() {
                span.record("request_id", rid);
            }
            if !self.inner.retry.should_retry(&error, attempt, idempotent) {
                return Err(match error {
                    Error::Transport(t) if attempt > 1 => Error::Transport(
                        t.map_message(|m| format!("{m} (after {attempt} attempts)")),
                    ),
                    other => other,
                });
            }
            let wait = self.inner.retry.delay(attempt);
            tracing::info!(attempt, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), error = %error, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: fresh credentials, timestamp and nonce, then send and classify.
    async fn attempt(
        &self,
        product: Product,
        action: &str,
        params: &[(String, String)],
    ) -> Result<HttpResponse, Error> {
        let creds = self.inner.credentials.credentials().await?;
        let request = self.sign(product, action, params, &creds);
        let sent = tokio::time::timeout(self.inner.timeout, self.inner.transport.send(request));
        // Where the call went (scheme, host and port: the query, which holds the key and the
        // signature, stays out of errors).
        let to = || self.inner.endpoint.resolve(product).base_url();
        let response = match sent.await {
            Err(_) => {
                return Err(Error::Transport(TransportError::new(
                    TransportErrorKind::Timeout,
                    format!("{}: no response within {:?}", to(), self.inner.timeout),
                )));
            }
            Ok(r) => r.map_err(|e| e.map_message(|m| format!("{}: {m}", to())))?,
        };
        if (200..300).contains(&response.status) {
            Ok(response)
        } else {
            Err(service_error(&response, &creds))
        }
    }

    /// Builds the signed request for one attempt.
    pub fn sign(
        &self,
        product: Product,
        action: &str,
        params: &[(String, String)],
        creds: &Credentials,
    ) -> HttpRequest {
        let target = self.inner.endpoint.resolve(product);
        let timestamp = format_timestamp(self.inner.clock.now());
        let nonce = self.inner.nonce.nonce();
        let input = crossram_wire::SignInput {
            method: self.inner.method.as_str(),
            host: &target.host,
            action,
            version: product.version(),
            params,
            access_key_id: &creds.access_key_id,
            access_key_secret: creds.access_key_secret.expose(),
            security_token: creds.security_token.as_ref().map(|t| t.expose()),
            timestamp: &timestamp,
            nonce: &nonce,
            body_params_in_form: self.inner.form_body,
        };
        let parts = match self.inner.signature {
            SignatureVersion::V1 => crossram_wire::sign_v1(&input),
            SignatureVersion::V3 => crossram_wire::sign_v3(&input),
        };
        let mut url = target.base_url();
        if !parts.query.is_empty() {
            url.push('?');
            url.push_str(&parts.query);
        }
        let mut headers = parts.headers;
        if let Some(ct) = parts.content_type {
            headers.push(("content-type".to_owned(), ct));
        }
        headers.push(("accept".to_owned(), "application/json".to_owned()));
        headers.push(("user-agent".to_owned(), self.inner.user_agent.clone()));
        HttpRequest {
            method: self.inner.method.clone(),
            url,
            headers,
            body: Bytes::from(parts.body),
        }
    }
}

/// Parameters the client sets on every call: given again among an action's parameters they
/// would go out twice, signed twice, and which one the service reads is not documented.
/// (`Format` is the caller's to choose: given, it replaces the default `JSON`; `SignatureType`,
/// which some SDKs send empty, the client never sets.)
const SET_BY_THE_CLIENT: [&str; 9] = [
    "Action",
    "Version",
    "AccessKeyId",
    "SecurityToken",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
];

fn request_id_of(resp: &HttpResponse) -> Option<String> {
    if let Some(rid) = resp.header("x-acs-request-id") {
        return Some(rid.to_owned());
    }
    let v: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
    v.get("RequestId")?.as_str().map(str::to_owned)
}

fn decode<T: DeserializeOwned>(status: u16, body: &[u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::Decode {
        status,
        reason: e.to_string(),
        snippet: snippet(body),
    })
}

/// Turns a non-2xx response into an error: a service error when the body names a `Code`
/// (JSON, or the XML `<Error>` form), a decode error otherwise.
fn service_error(resp: &HttpResponse, creds: &Credentials) -> Error {
    let fields = json_error_fields(&resp.body).or_else(|| xml_error_fields(&resp.body));
    let Some(ErrorFields {
        code,
        message,
        request_id,
        access_denied_detail,
    }) = fields
    else {
        return Error::Decode {
            status: resp.status,
            reason: "error response without an error code".into(),
            snippet: snippet(&resp.body),
        };
    };
    let mut message = message;
    if let Some(token) = &creds.security_token {
        message = mask_in_text(&message, token.expose());
    }
    message = mask_in_text(&message, creds.access_key_secret.expose());
    let request_id = request_id
        .or_else(|| resp.header("x-acs-request-id").map(str::to_owned))
        .unwrap_or_default();
    Error::Service {
        code,
        message,
        request_id,
        status: resp.status,
        access_denied_detail: access_denied_detail.map(Box::new),
    }
}

struct ErrorFields {
    code: String,
    message: String,
    request_id: Option<String>,
    access_denied_detail: Option<serde_json::Value>,
}

fn json_error_fields(body: &[u8]) -> Option<ErrorFields> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let obj = v.as_object()?;
    // Capitalised keys are the contract; lower-case ones are tolerated as some gateways use them.
    let field = |upper: &str, lower: &str| {
        obj.get(upper)
            .or_else(|| obj.get(lower))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    let code = field("Code", "code")?;
    let detail = obj
        .get("AccessDeniedDetail")
        .filter(|d| !d.is_null())
        .map(|d| match d {
            // Some services send the detail as a JSON string.
            serde_json::Value::String(s) => serde_json::from_str(s).unwrap_or_else(|_| d.clone()),
            other => other.clone(),
        });
    Some(ErrorFields {
        code,
        message: field("Message", "message").unwrap_or_default(),
        request_id: field("RequestId", "requestId"),
        access_denied_detail: detail,
    })
}

fn xml_error_fields(body: &[u8]) -> Option<ErrorFields> {
    let text = std::str::from_utf8(body).ok()?;
    if !text.contains("<Error>") {
        return None;
    }
    let element = |name: &str| {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        let start = text.find(&open)? + open.len();
        let end = start + text.get(start..)?.find(&close)?;
        text.get(start..end).map(xml_unescape)
    };
    Some(ErrorFields {
        code: element("Code")?,
        message: element("Message").unwrap_or_default(),
        request_id: element("RequestId"),
        access_denied_detail: None,
    })
}

fn xml_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            headers: vec![],
            body: Bytes::from(body.to_owned()),
        }
    }

    #[test]
    fn json_error_bodies_become_service_errors() {
        let creds = Credentials::new("LTAI", "secret-value");
        let e = service_error(
            &resp(
                403,
                r#"{"RequestId":"R1","HostId":"ram.aliyuncs.com","Code":"NoPermission","Message":"denied","AccessDeniedDetail":{"PolicyType":"ExplicitDeny"}}"#,
            ),
            &creds,
        );
        match e {
            Error::Service {
                code,
                message,
                request_id,
                status,
                access_denied_detail,
            } => {
                assert_eq!(
                    (code.as_str(), message.as_str(), request_id.as_str(), status),
                    ("NoPermission", "denied", "R1", 403)
                );
                assert_eq!(access_denied_detail.unwrap()["PolicyType"], "ExplicitDeny");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn xml_error_bodies_are_understood() {
        let creds = Credentials::new("LTAI", "s3cr3t-value");
        let e = service_error(
            &resp(
                404,
                "<?xml version=\"1.0\"?><Error><RequestId>R2</RequestId><Code>EntityNotExist.Role</Code><Message>a &amp; b</Message></Error>",
            ),
            &creds,
        );
        assert_eq!(e.code(), Some("EntityNotExist.Role"));
        assert_eq!(e.service_message(), Some("a & b"));
        assert_eq!(e.request_id(), Some("R2"));
    }

    #[test]
    fn unreadable_error_bodies_are_decode_errors() {
        let creds = Credentials::new("LTAI", "s3cr3t-value");
        let e = service_error(&resp(502, "Bad Gateway"), &creds);
        assert!(matches!(e, Error::Decode { status: 502, .. }), "{e:?}");
    }

    #[test]
    fn tokens_in_server_messages_are_masked() {
        let creds = Credentials::new("STS.x", "s3cr3t-value").with_security_token("CAIStoken/+=");
        let e = service_error(
            &resp(
                400,
                r#"{"Code":"SignatureDoesNotMatch","Message":"server string to sign is:POST&%2F&SecurityToken%3DCAIStoken%252F%252B%253D"}"#,
            ),
            &creds,
        );
        assert!(!e.to_string().contains("CAIS"), "{e}");
    }

    #[test]
    fn signature_versions_parse() {
        assert_eq!(
            "V1".parse::<SignatureVersion>().unwrap(),
            SignatureVersion::V1
        );
        assert_eq!(
            "v3".parse::<SignatureVersion>().unwrap(),
            SignatureVersion::V3
        );
        assert!("v4".parse::<SignatureVersion>().is_err());
    }
}
