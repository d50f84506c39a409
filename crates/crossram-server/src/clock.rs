//! Clock control, a crossram extension for tests (`crossram serve --clock-control`): `GET
//! /crossram/clock` answers the emulator's time, `POST /crossram/clock` with
//! `{"AdvanceSeconds": N}` (1 to [`MAX_ADVANCE_SECS`]) moves it forward by N seconds and answers
//! the new time, both as `{"RequestId", "Now": "YYYY-MM-DDThh:mm:ssZ"}`.
//!
//! The route exists only when the state was built with [`AppState::with_clock_control`];
//! otherwise `/crossram/clock` is an unknown path (404 `InvalidAction.NotFound`). The clock moved
//! is the one the engine and the timestamp window read, so sessions expire and requests must be
//! stamped with the moved time. The route is unauthenticated: only for emulators under test.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use crossram_engine::Clock as _;
use crossram_wire::{ResponseFormat, WireError};
use serde_json::{Map, Value};

use crate::AppState;
use crate::console::json_object;
use crate::render;
use crate::rpc::{Failure, Trace, log_request};

/// The path of the clock endpoint.
pub const CLOCK_PATH: &str = "/crossram/clock";

/// The largest single move: ten years of 365 days.
pub const MAX_ADVANCE_SECS: u64 = 10 * 365 * 86_400;

/// `HostId` of clock answers.
const CLOCK_HOST: &str = "crossram";

/// `GET` or `POST /crossram/clock`.
pub(crate) async fn handle(State(state): State<AppState>, req: Request) -> Response {
    let started = Instant::now();
    let request_id = state.inner.ids.next_id();
    let method = req.method().as_str().to_owned();
    let mut trace = Trace::default();
    let result: Result<String, Failure> = async {
        let clock = state
            .inner
            .clock_control
            .as_ref()
            .ok_or_else(Failure::api_not_found)?;
        if req.method() == Method::GET {
            trace.action = Some("CrossramGetClock".to_owned());
        } else {
            trace.action = Some("CrossramAdvanceClock".to_owned());
            let body = json_object(&state, req).await?;
            let secs = advance_seconds(&body)?;
            clock.advance(std::time::Duration::from_secs(secs));
        }
        let mut fields = Map::new();
        fields.insert(
            "Now".to_owned(),
            Value::String(crossram_wire::format_timestamp(
                clock.now().unix_timestamp(),
            )),
        );
        Ok(render::success_json(&request_id, &fields))
    }
    .await;
    let (response, outcome) = match result {
        Ok(body) => (
            render::respond(StatusCode::OK, ResponseFormat::Json, &request_id, body),
            Ok(()),
        ),
        Err(fail) => {
            let body = fail.body(&request_id, CLOCK_HOST, "Crossram");
            (
                render::error_response(fail.status, ResponseFormat::Json, &body),
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

/// `AdvanceSeconds`: a whole number from 1 to [`MAX_ADVANCE_SECS`].
fn advance_seconds(body: &Map<String, Value>) -> Result<u64, Failure> {
    let value = body.get("AdvanceSeconds").ok_or_else(|| {
        Failure::from(WireError::MissingParameter {
            name: "AdvanceSeconds".to_owned(),
        })
    })?;
    value
        .as_u64()
        .filter(|n| (1..=MAX_ADVANCE_SECS).contains(n))
        .ok_or_else(|| {
            Failure::new(
                "InvalidParameter.AdvanceSeconds",
                400,
                format!(
                    "AdvanceSeconds must be a whole number of seconds from 1 to {MAX_ADVANCE_SECS}."
                ),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn advance_seconds_is_bounded() {
        assert_eq!(
            advance_seconds(&body(serde_json::json!({"AdvanceSeconds": 900}))).ok(),
            Some(900)
        );
        assert_eq!(
            advance_seconds(&body(
                serde_json::json!({"AdvanceSeconds": MAX_ADVANCE_SECS})
            ))
            .ok(),
            Some(MAX_ADVANCE_SECS)
        );
        for bad in [
            serde_json::json!({"AdvanceSeconds": 0}),
            serde_json::json!({"AdvanceSeconds": -5}),
            serde_json::json!({"AdvanceSeconds": 1.5}),
            serde_json::json!({"AdvanceSeconds": "900"}),
            serde_json::json!({"AdvanceSeconds": MAX_ADVANCE_SECS + 1}),
        ] {
            let fail = advance_seconds(&body(bad.clone())).err();
            assert_eq!(
                fail.map(|f| (f.code.into_owned(), f.status)),
                Some(("InvalidParameter.AdvanceSeconds".to_owned(), 400)),
                "{bad}"
            );
        }
        let missing = advance_seconds(&Map::new()).err();
        assert_eq!(missing.map(|f| f.status), Some(400));
    }
}
