//! The console endpoints: `POST /console/logon` (`{"LoginName", "Password"}`) and
//! `POST /console/switch-role` (`{"AccessKeyId", "SecurityToken", "Account", "RoleName"}`, the
//! console session's credentials), each answering the session credentials as JSON with a
//! `RequestId`, or the common error body.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use crossram_engine::{ConsoleCredentials, RequestContext};
use crossram_wire::{ResponseFormat, WireError};
use serde_json::{Map, Value};

use crate::render;
use crate::rpc::{Failure, Trace, header_bytes, log_request, read_body};
use crate::{AppState, ConnInfo};

/// `HostId` of console errors.
const CONSOLE_HOST: &str = "signin.aliyun.com";

/// Largest accepted console request body.
const MAX_CONSOLE_BODY: usize = 64 * 1024;

/// Reads the JSON object body of a console (or other JSON) request: POST only.
pub(crate) async fn json_object(
    state: &AppState,
    req: Request,
) -> Result<Map<String, Value>, Failure> {
    if req.method() != Method::POST {
        return Err(WireError::UnsupportedHttpMethod {
            method: req.method().as_str().to_owned(),
        }
        .into());
    }
    let (parts, body) = req.into_parts();
    if header_bytes(&parts) > state.inner.settings.max_header_bytes {
        return Err(Failure::new(
            "InvalidParameter",
            400,
            "The request headers are too large.",
        ));
    }
    let bytes = read_body(&parts, body, MAX_CONSOLE_BODY).await?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Failure::new(
            "InvalidParameter",
            400,
            "The request body must be a JSON object.",
        )),
    }
}

fn field<'m>(map: &'m Map<String, Value>, name: &str) -> Result<&'m str, Failure> {
    map.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            WireError::MissingParameter {
                name: name.to_owned(),
            }
            .into()
        })
}

fn context(req: &Request, request_id: &str) -> RequestContext {
    let conn = req.extensions().get::<ConnInfo>().copied();
    RequestContext {
        source_ip: conn.map(|c| c.remote.ip()),
        secure_transport: conn.is_some_and(|c| c.secure),
        request_id: request_id.to_owned(),
    }
}

fn credentials_body(request_id: &str, creds: &ConsoleCredentials) -> Result<String, Failure> {
    let Value::Object(fields) = serde_json::to_value(creds).map_err(|_| Failure::internal())?
    else {
        return Err(Failure::internal());
    };
    Ok(render::success_json(request_id, &fields))
}

fn finish(
    request_id: &str,
    action: &str,
    trace: &mut Trace,
    started: Instant,
    result: Result<ConsoleCredentials, Failure>,
) -> Response {
    trace.action = Some(action.to_owned());
    let result = result.and_then(|creds| {
        if trace.caller.is_none() {
            trace.caller = Some(creds.arn.clone());
        }
        credentials_body(request_id, &creds)
    });
    let (response, outcome) = match result {
        Ok(body) => (
            render::respond(StatusCode::OK, ResponseFormat::Json, request_id, body),
            Ok(()),
        ),
        Err(fail) => {
            let body = fail.body(request_id, CONSOLE_HOST, "Ram");
            (
                render::error_response(fail.status, ResponseFormat::Json, &body),
                Err(fail),
            )
        }
    };
    log_request(
        request_id,
        "POST",
        trace,
        outcome.as_ref().map(|_| ()),
        response.status().as_u16(),
        started,
    );
    response
}

/// `POST /console/logon`: a RAM user signs in with its login name and password.
pub(crate) async fn logon(State(state): State<AppState>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = state.inner.ids.next_id();
    let ctx = context(&req, &request_id);
    let mut trace = Trace::default();
    let result = async {
        let body = json_object(&state, req).await?;
        let login_name = field(&body, "LoginName")?;
        let password = field(&body, "Password")?;
        Ok(state
            .inner
            .engine
            .console_logon(login_name, password, &ctx)
            .await?)
    }
    .await;
    finish(&request_id, "ConsoleLogon", &mut trace, started, result)
}

/// `POST /console/switch-role`: a console session switches to a role of an account.
pub(crate) async fn switch_role(State(state): State<AppState>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = state.inner.ids.next_id();
    let ctx = context(&req, &request_id);
    let mut trace = Trace::default();
    let result = async {
        let body = json_object(&state, req).await?;
        let access_key_id = field(&body, "AccessKeyId")?;
        let token = field(&body, "SecurityToken")?;
        let account = field(&body, "Account")?;
        let role_name = field(&body, "RoleName")?;
        trace.access_key_id = Some(access_key_id.to_owned());
        let engine = &state.inner.engine;
        let resolved = engine.resolve_key(access_key_id, Some(token))?;
        trace.caller = Some(resolved.caller.arn());
        Ok(engine
            .console_switch_role(&resolved.caller, account, role_name, &ctx)
            .await?)
    }
    .await;
    finish(
        &request_id,
        "ConsoleSwitchRole",
        &mut trace,
        started,
        result,
    )
}
