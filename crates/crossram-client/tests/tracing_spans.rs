//! Each call is one tracing span carrying product, action, attempts, status, request id,
//! error code and duration; nothing recorded contains a secret.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

mod common;

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Reply, TestServer};
use crossram_client::api::ram::{CreateRoleRequest, RoleNameRequest};
use crossram_client::{Client, Credentials, RetryPolicy};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

/// A span's name and its fields as text.
type SpanRecord = (String, HashMap<String, String>);

/// Records every span's name and fields, and every event's fields, as text.
#[derive(Default, Clone)]
struct Recorder {
    next: Arc<AtomicU64>,
    spans: Arc<Mutex<HashMap<u64, SpanRecord>>>,
    events: Arc<Mutex<Vec<String>>>,
}

struct Fields<'a>(&'a mut HashMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Recorder {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = HashMap::new();
        span.record(&mut Fields(&mut fields));
        self.spans
            .lock()
            .unwrap()
            .insert(id, (span.metadata().name().to_owned(), fields));
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        if let Some((_, fields)) = spans.get_mut(&span.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = HashMap::new();
        event.record(&mut Fields(&mut fields));
        self.events.lock().unwrap().push(format!("{fields:?}"));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[tokio::test]
async fn calls_are_spans_with_their_outcome() {
    let recorder = Recorder::default();
    let _guard = tracing::dispatcher::set_default(&tracing::Dispatch::new(recorder.clone()));
    let server = TestServer::scripted(vec![
        Reply::error(503, "ServiceUnavailable", "later"),
        Reply::ok(r#"{"RequestId":"R-OK","Role":{"RoleName":"r"}}"#),
        Reply::error(
            409,
            "EntityAlreadyExists.Role",
            "The role does already EXIST.",
        ),
    ])
    .await;
    let client = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new("STS.abc", "span-secret").with_security_token("span-token"))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    client
        .ram()
        .get_role(RoleNameRequest {
            role_name: "r".into(),
        })
        .await
        .unwrap();
    client
        .ram()
        .create_role(CreateRoleRequest::default())
        .await
        .unwrap_err();

    let spans: Vec<HashMap<String, String>> = recorder
        .spans
        .lock()
        .unwrap()
        .values()
        .filter(|(name, _)| name == "alibaba_cloud_call")
        .map(|(_, f)| f.clone())
        .collect();
    assert_eq!(spans.len(), 2, "{spans:?}");
    let get = spans.iter().find(|f| f["action"] == "GetRole").unwrap();
    assert_eq!(get["product"], "Ram");
    assert_eq!(get["attempts"], "2");
    assert_eq!(get["status"], "200");
    assert!(!get["request_id"].is_empty());
    assert!(get.contains_key("duration_ms"));
    let create = spans.iter().find(|f| f["action"] == "CreateRole").unwrap();
    assert_eq!(create["attempts"], "1");
    assert_eq!(create["status"], "409");
    assert_eq!(create["error_code"], "EntityAlreadyExists.Role");
    assert_eq!(create["request_id"], "RID-EntityAlreadyExists.Role");

    let everything = format!(
        "{:?} {:?}",
        recorder.spans.lock().unwrap(),
        recorder.events.lock().unwrap()
    );
    assert!(!everything.contains("span-secret"), "{everything}");
    assert!(!everything.contains("span-token"), "{everything}");
}
