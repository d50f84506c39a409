//! Fuzz target: an arbitrary HTTP request (method line, target, headers, body, all from the
//! input) through the whole router must be answered, never panic, and never succeed unsigned.
//!
//! Input layout: `METHOD TARGET\nName: value\n...\n\nBODY`.
#![no_main]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use crossram_engine::{Engine, EngineConfig, Env};
use crossram_server::{AppState, app};
use libfuzzer_sys::fuzz_target;
use tower::ServiceExt;

struct Harness {
    rt: tokio::runtime::Runtime,
    state: AppState,
}

fn harness() -> &'static Harness {
    static H: OnceLock<Harness> = OnceLock::new();
    H.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let state = rt.block_on(async {
            let store = crossram_store::open("memory").await.expect("store");
            let env = Env::default();
            let clock = env.clock.clone();
            let engine: Arc<Engine> = Engine::open(store, env, EngineConfig::default())
                .await
                .expect("engine");
            AppState::new(engine, clock)
        });
        Harness { rt, state }
    })
}

fn request(data: &[u8]) -> Option<http::Request<Body>> {
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let (method, target) = lines.next()?.split_once(' ')?;
    let mut builder = http::Request::builder().method(method).uri(target);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            builder = builder.header(name.trim(), value.trim());
        }
    }
    builder.body(Body::from(body.to_owned())).ok()
}

fuzz_target!(|data: &[u8]| {
    let Some(req) = request(data) else {
        return;
    };
    let h = harness();
    let router = app(h.state.clone());
    let status =
        h.rt.block_on(router.oneshot(req))
            .map(|res| res.status())
            .expect("the router is infallible");
    assert!(status.is_client_error() || status.is_server_error());
});
