//! The RPC endpoint (`/`): size limits, [`crossram_wire::inspect()`], product routing, the checks
//! of DESIGN.md in their order, [`Engine::call`](crossram_engine::Engine::call), rendering and
//! the per-request log event.

use std::borrow::Cow;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use crossram_core::ApiError;
use crossram_engine::{Answer, ApiRequest, Params, Product, RequestContext};
use crossram_wire::inspect::extract_params;
use crossram_wire::{ErrorBody, HttpRequest, ResponseFormat, SignedRequest, WireError};
use serde_json::Value;

use crate::nonce::NonceError;
use crate::render;
use crate::{AppState, ConnInfo};

/// An error answer before rendering: code, status, message and denial details.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) code: Cow<'static, str>,
    pub(crate) status: u16,
    pub(crate) message: String,
    pub(crate) denial: Option<Box<Value>>,
}

impl Failure {
    pub(crate) fn new(
        code: impl Into<Cow<'static, str>>,
        status: u16,
        message: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            status,
            message: message.into(),
            denial: None,
        }
    }

    /// 404 `InvalidAction.NotFound`.
    pub(crate) fn api_not_found() -> Self {
        Self::new(
            "InvalidAction.NotFound",
            404,
            "Specified api is not found, please check your url and method.",
        )
    }

    /// 500 `InternalError`.
    pub(crate) fn internal() -> Self {
        Self::new(
            "InternalError",
            500,
            "The request processing has failed due to some unknown error, exception or failure.",
        )
    }

    /// The common error body for this failure.
    pub(crate) fn body(&self, request_id: &str, host_id: &str, product: &str) -> ErrorBody {
        let mut body = ErrorBody::new(
            request_id,
            host_id,
            self.code.as_ref(),
            self.message.as_str(),
            product,
        );
        body.access_denied_detail = self.denial.as_deref().cloned();
        body
    }
}

impl From<WireError> for Failure {
    fn from(e: WireError) -> Self {
        Self::new(e.code(), e.status(), e.message())
    }
}

impl From<ApiError> for Failure {
    fn from(e: ApiError) -> Self {
        let denial = e
            .denial()
            .and_then(|d| serde_json::to_value(d).ok())
            .map(Box::new);
        Self {
            code: Cow::Owned(e.code().to_owned()),
            status: e.status(),
            message: e.message().to_owned(),
            denial,
        }
    }
}

/// What the log event of a request reports; filled in as the checks progress.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub(crate) action: Option<String>,
    pub(crate) product: Option<Product>,
    pub(crate) access_key_id: Option<String>,
    pub(crate) caller: Option<String>,
}

/// Emits the one structured event of a request.
pub(crate) fn log_request(
    request_id: &str,
    method: &str,
    trace: &Trace,
    outcome: Result<(), &Failure>,
    status: u16,
    started: Instant,
) {
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let action = trace.action.as_deref().unwrap_or("-");
    let product = trace.product.map_or("-", Product::code);
    let caller = trace.caller.as_deref().unwrap_or("-");
    let access_key_id = trace.access_key_id.as_deref().unwrap_or("-");
    match outcome {
        Ok(()) => tracing::info!(
            target: "crossram::request",
            request_id,
            method,
            product,
            action,
            access_key_id,
            caller,
            outcome = "allowed",
            status,
            latency_us,
            "request"
        ),
        Err(f) => {
            let decision = if f.denial.is_some() || f.status == 403 {
                "denied"
            } else {
                "rejected"
            };
            let code = f.code.as_ref();
            if status >= 500 {
                tracing::warn!(
                    target: "crossram::request",
                    request_id, method, product, action, access_key_id, caller,
                    outcome = decision, code, status, latency_us, "request"
                );
            } else {
                tracing::info!(
                    target: "crossram::request",
                    request_id, method, product, action, access_key_id, caller,
                    outcome = decision, code, status, latency_us, "request"
                );
            }
        }
    }
}

/// The host a request was addressed to: `Host` header, else the URI authority.
pub(crate) fn host_of(parts: &Parts) -> Option<String> {
    parts
        .headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(|a| a.as_str().to_owned()))
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host;
    }
    host.rsplit_once(':').map_or(host, |(h, _)| h)
}

/// The product a request addresses: by `Version`, and by `Host` when the host names one (both
/// must agree).
pub(crate) fn route(version: &str, host: Option<&str>) -> Result<Product, Failure> {
    let by_version = Product::from_version(version);
    let by_host = host.map(strip_port).and_then(Product::from_host);
    match (by_version, by_host) {
        (Some(p), None) => Ok(p),
        (Some(p), Some(h)) if p == h => Ok(p),
        _ => Err(Failure::api_not_found()),
    }
}

/// Headers as (name, value) strings borrowed from the request; a value that is not valid UTF-8
/// is read lossily (the only copy).
fn header_pairs(parts: &Parts) -> Vec<(Cow<'_, str>, Cow<'_, str>)> {
    parts
        .headers
        .iter()
        .map(|(n, v)| {
            let value = match v.to_str() {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => String::from_utf8_lossy(v.as_bytes()),
            };
            (Cow::Borrowed(n.as_str()), value)
        })
        .collect()
}

/// Total bytes of header names and values.
pub(crate) fn header_bytes(parts: &Parts) -> usize {
    parts
        .headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len())
        .sum()
}

/// Reads the body up to `limit` bytes: 413 when the declared or actual length is larger.
pub(crate) async fn read_body(parts: &Parts, body: Body, limit: usize) -> Result<Bytes, Failure> {
    let too_large = || {
        Failure::new(
            "RequestEntityTooLarge",
            413,
            format!("The request body exceeds the limit of {limit} bytes."),
        )
    };
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit).unwrap_or(u64::MAX)) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        // A length-limit error and a broken connection both end up here; only the former is
        // the client's doing in a way we can describe.
        let limit_hit = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
            || e.to_string().contains("length limit");
        if limit_hit {
            too_large()
        } else {
            Failure::new(
                "InvalidParameter",
                400,
                "The request body could not be read.",
            )
        }
    })
}

/// A checked and executed call.
struct Success {
    action: String,
    format: ResponseFormat,
    answer: Answer,
}

/// The RPC handler, as a route of the router (the connection facts, if any, in the request's
/// extensions).
pub(crate) async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let conn = req.extensions().get::<ConnInfo>().copied();
    serve(state, req, conn).await
}

/// Answers one RPC request; the listeners call this directly for `/`, past the router.
pub(crate) async fn serve(state: AppState, req: Request, conn: Option<ConnInfo>) -> Response {
    let started = Instant::now();
    let request_id = state.inner.ids.next_id();
    let (parts, body) = req.into_parts();
    let method = parts.method.as_str().to_owned();
    let host = host_of(&parts);
    let mut trace = Trace::default();
    let mut format = ResponseFormat::Json;
    let result = process(
        &state,
        &parts,
        body,
        conn,
        host.as_deref(),
        &request_id,
        &mut trace,
        &mut format,
    )
    .await;
    let (response, outcome) = match result {
        Ok(ok) => {
            let body = match (ok.format, ok.answer) {
                (ResponseFormat::Json, Answer::Fields(fields)) => {
                    render::success_json(&request_id, &fields)
                }
                (ResponseFormat::Json, Answer::Json(fields)) => {
                    render::success_json_spliced(&request_id, &fields)
                }
                (ResponseFormat::Xml, answer) => {
                    render::success_xml(&ok.action, &request_id, &answer.into_fields())
                }
            };
            (
                render::respond(StatusCode::OK, ok.format, &request_id, body),
                Ok(()),
            )
        }
        Err(fail) => {
            let product = trace
                .product
                .or_else(|| guess_product(&parts, host.as_deref()));
            let host_id = product
                .map(|p| p.host().to_owned())
                .or_else(|| host.clone())
                .unwrap_or_else(|| "localhost".to_owned());
            let product_name = product.map_or("Unknown", Product::display_name);
            let body = fail.body(&request_id, &host_id, product_name);
            (
                render::error_response(fail.status, format, &body),
                Err(fail),
            )
        }
    };
    log_request(
        &request_id,
        &method,
        &trace,
        outcome.as_ref().map(|_| ()),
        response.status().as_u16(),
        started,
    );
    response
}

/// The product named by the `Version` parameter, the `x-acs-version` header or the host, for
/// the `HostId` and `Recommend` of an error raised before routing.
fn guess_product(parts: &Parts, host: Option<&str>) -> Option<Product> {
    let from_query = parts.uri.query().and_then(|q| {
        crossram_wire::parse_form(q)
            .into_iter()
            .find(|(n, _)| n == "Version")
            .and_then(|(_, v)| Product::from_version(&v))
    });
    let from_header = parts
        .headers
        .get("x-acs-version")
        .and_then(|v| v.to_str().ok())
        .and_then(Product::from_version);
    from_query
        .or(from_header)
        .or_else(|| host.map(strip_port).and_then(Product::from_host))
}

#[expect(
    clippy::too_many_arguments,
    reason = "one call site; the outputs are threaded back for logging and rendering"
)]
async fn process(
    state: &AppState,
    parts: &Parts,
    body: Body,
    conn: Option<ConnInfo>,
    host: Option<&str>,
    request_id: &str,
    trace: &mut Trace,
    format: &mut ResponseFormat,
) -> Result<Success, Failure> {
    let settings = &state.inner.settings;
    if header_bytes(parts) > settings.max_header_bytes {
        return Err(Failure::new(
            "InvalidParameter",
            400,
            format!(
                "The request headers exceed the limit of {} bytes.",
                settings.max_header_bytes
            ),
        ));
    }
    let raw_query = parts.uri.query().unwrap_or("");
    if raw_query.len() > settings.max_query_bytes {
        return Err(Failure::new(
            "InvalidParameter",
            400,
            format!(
                "The query string exceeds the limit of {} bytes.",
                settings.max_query_bytes
            ),
        ));
    }
    let body = read_body(parts, body, settings.max_body_bytes).await?;
    let headers = header_pairs(parts);
    let http = HttpRequest {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        raw_query,
        headers: &headers,
        body: &body,
    };
    let signed = match crossram_wire::inspect(&http) {
        Ok(s) => s,
        Err(e) => {
            *format = format_of(&extract_params(&http));
            return Err(e.into());
        }
    };
    *format = signed.format();
    trace.action = Some(signed.action().to_owned());
    trace.access_key_id = Some(signed.access_key_id().to_owned());
    let product = route(signed.version(), host)?;
    trace.product = Some(product);

    let engine = &state.inner.engine;
    let resolved = engine.resolve_key(signed.access_key_id(), signed.security_token())?;
    trace.caller = Some(resolved.caller.arn());

    let now = state.now();
    let timestamp =
        crossram_wire::check_timestamp(signed.timestamp(), now, settings.timestamp_window_secs)?;
    check_nonce(state, &signed, timestamp, now)?;
    if let Err(mismatch) = signed.verify(resolved.secret.expose()) {
        state
            .inner
            .nonces
            .remove(signed.access_key_id(), signed.nonce());
        if signed.signed_spaces_as_plus(resolved.secret.expose()) {
            tracing::warn!(
                target: "crossram::hint",
                request_id,
                "SignatureDoesNotMatch: the request was signed with each space in a value as `+` \
                 (Python's quote_plus; the ram_role_arn provider of alibabacloud_credentials signs \
                 so), where V1 signs a space as %20 (spec 1.4); send values without spaces, e.g. a \
                 Policy as json.dumps(policy, separators=(',', ':'))"
            );
        }
        return Err(WireError::from(mismatch).into());
    }

    let action = signed.action().to_owned();
    let mut params = signed.into_params();
    params.retain(|(n, _)| n != "Signature" && n != "SecurityToken");
    let request = ApiRequest {
        product,
        action,
        params: Params::new(params),
        context: RequestContext {
            source_ip: conn.map(|c| c.remote.ip()),
            secure_transport: conn.is_some_and(|c| c.secure),
            request_id: request_id.to_owned(),
        },
    };
    let answer = engine.answer(&resolved.caller, &request).await?;
    Ok(Success {
        action: request.action,
        format: *format,
        answer,
    })
}

fn check_nonce(
    state: &AppState,
    signed: &SignedRequest,
    timestamp: i64,
    now: i64,
) -> Result<(), Failure> {
    state
        .inner
        .nonces
        .check_and_insert(signed.access_key_id(), signed.nonce(), timestamp, now)
        .map_err(|e| match e {
            NonceError::Used => WireError::SignatureNonceUsed.into(),
            NonceError::Full => Failure::new(
                "ServiceUnavailable",
                503,
                "The request has failed due to a temporary failure of the server.",
            ),
        })
}

/// `Xml` when the parameters ask for it (`Format=XML`, any case).
fn format_of(params: &[(String, String)]) -> ResponseFormat {
    match params.iter().find(|(n, _)| n == "Format") {
        Some((_, v)) if v.eq_ignore_ascii_case("xml") => ResponseFormat::Xml,
        _ => ResponseFormat::Json,
    }
}

/// Any path other than `/` and the console endpoints.
pub(crate) async fn not_found(State(state): State<AppState>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = state.inner.ids.next_id();
    let method = req.method().as_str().to_owned();
    let (parts, _) = req.into_parts();
    let host = host_of(&parts);
    let fail = Failure::api_not_found();
    let product = guess_product(&parts, host.as_deref());
    let host_id = product
        .map(|p| p.host().to_owned())
        .or(host)
        .unwrap_or_else(|| "localhost".to_owned());
    let body = fail.body(
        &request_id,
        &host_id,
        product.map_or("Unknown", Product::display_name),
    );
    let response = render::error_response(fail.status, ResponseFormat::Json, &body);
    log_request(
        &request_id,
        &method,
        &Trace::default(),
        Err(&fail),
        response.status().as_u16(),
        started,
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routing_by_version_and_host() {
        assert_eq!(route("2015-04-01", None).unwrap(), Product::Sts);
        assert_eq!(
            route("2015-05-01", Some("127.0.0.1:8080")).unwrap(),
            Product::Ram
        );
        assert_eq!(
            route("2014-05-26", Some("ecs.cn-hangzhou.aliyuncs.com")).unwrap(),
            Product::Ecs
        );
        assert_eq!(
            route("2015-04-01", Some("sts.aliyuncs.com:443")).unwrap(),
            Product::Sts
        );
        assert_eq!(
            route("2015-05-01", Some("sts.aliyuncs.com"))
                .unwrap_err()
                .code,
            "InvalidAction.NotFound"
        );
        assert_eq!(route("2019-08-15", None).unwrap_err().status, 404);
    }

    #[test]
    fn format_detection() {
        let p = |v: &str| vec![("Format".to_owned(), v.to_owned())];
        assert_eq!(format_of(&p("xml")), ResponseFormat::Xml);
        assert_eq!(format_of(&p("XML")), ResponseFormat::Xml);
        assert_eq!(format_of(&p("json")), ResponseFormat::Json);
        assert_eq!(format_of(&[]), ResponseFormat::Json);
    }
}
