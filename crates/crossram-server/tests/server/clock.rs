//! Clock control (`AppState::with_clock_control`, behind `crossram serve --clock-control`):
//! `/crossram/clock` moves the engine's clock and the timestamp window with it; without clock
//! control the path is unknown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crossram_engine::{Clock as _, OffsetClock};
use crossram_server::{AppState, ServeConfig, Server, Settings};
use crossram_wire::format_timestamp;
use tokio::sync::oneshot;

use crate::support::*;

/// A server with clock control on an [`OffsetClock`], and a client-side clock the test moves
/// by the same amounts (as the spawn target does).
struct ClockServer {
    http: SocketAddr,
    client: reqwest::Client,
    stamps: OffsetClock,
    _stop: oneshot::Sender<()>,
}

impl ClockServer {
    async fn start() -> Self {
        let clock = Arc::new(OffsetClock::new());
        let engine = engine_on(clock.clone(), ROOT_KEY, ROOT_SECRET).await;
        let state = AppState::with_clock_control(engine, clock, Settings::default());
        assert!(state.clock_control());
        let config = ServeConfig::http("127.0.0.1:0".parse().unwrap());
        let server = Server::bind(&config, state).await.unwrap();
        let http = server.http_addr();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Self {
            http,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            stamps: OffsetClock::new(),
            _stop: tx,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.http)
    }

    /// A call signed with `timestamp`.
    async fn call_at(
        &self,
        timestamp: &str,
        creds: Creds<'_>,
        action: &str,
        version: &str,
        params: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let req = signed_to(
            &self.client,
            &self.url("/"),
            &self.http.to_string(),
            timestamp,
            Scheme::V3,
            creds,
            action,
            version,
            params,
            &nonce(),
        );
        json(req.send().await.unwrap()).await
    }

    /// A call stamped by the client-side clock.
    async fn call(
        &self,
        creds: Creds<'_>,
        action: &str,
        version: &str,
        params: &[(&str, &str)],
    ) -> (u16, serde_json::Value) {
        let stamp = format_timestamp(self.stamps.now().unix_timestamp());
        self.call_at(&stamp, creds, action, version, params).await
    }

    async fn ok(
        &self,
        creds: Creds<'_>,
        action: &str,
        version: &str,
        params: &[(&str, &str)],
    ) -> serde_json::Value {
        let (status, body) = self.call(creds, action, version, params).await;
        assert_eq!(status, 200, "{action}: {body}");
        body
    }

    /// `POST /crossram/clock` with `body`.
    async fn post_clock(&self, body: &str) -> (u16, serde_json::Value) {
        let res = self
            .client
            .post(self.url("/crossram/clock"))
            .header("content-type", "application/json")
            .body(body.to_owned())
            .send()
            .await
            .unwrap();
        json(res).await
    }

    /// Moves the server's clock and the client's by `secs`; returns the server's new time.
    async fn advance(&self, secs: u64) -> time::OffsetDateTime {
        let (status, body) = self
            .post_clock(&format!(r#"{{"AdvanceSeconds": {secs}}}"#))
            .await;
        assert_eq!(status, 200, "{body}");
        self.stamps.advance(Duration::from_secs(secs));
        now_of(&body)
    }
}

fn now_of(body: &serde_json::Value) -> time::OffsetDateTime {
    let text = body["Now"].as_str().unwrap();
    assert_eq!(text.len(), "2026-11-29T06:00:00Z".len(), "{text}");
    assert!(text.ends_with('Z'), "{text}");
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).unwrap()
}

/// Seconds between two instants, absolute.
fn gap(a: time::OffsetDateTime, b: time::OffsetDateTime) -> i64 {
    (a - b).whole_seconds().abs()
}

#[tokio::test]
async fn advancing_the_clock_over_http_expires_sts_sessions() {
    let srv = ClockServer::start().await;

    // GET answers the emulator's time, which starts at the machine's.
    let res = srv
        .client
        .get(srv.url("/crossram/clock"))
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_request_id(body["RequestId"].as_str().unwrap());
    let start = now_of(&body);
    assert!(gap(start, srv.stamps.now()) <= 2, "{body}");

    srv.ok(ROOT, "CreateUser", RAM, &[("UserName", "alice")])
        .await;
    let key = srv
        .ok(ROOT, "CreateAccessKey", RAM, &[("UserName", "alice")])
        .await;
    let alice_id = key["AccessKey"]["AccessKeyId"].as_str().unwrap().to_owned();
    let alice_secret = key["AccessKey"]["AccessKeySecret"]
        .as_str()
        .unwrap()
        .to_owned();
    srv.ok(
        ROOT,
        "AttachPolicyToUser",
        RAM,
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "alice"),
        ],
    )
    .await;
    let trust = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{ACCOUNT}:root"]}}}}],"Version":"1"}}"#
    );
    srv.ok(
        ROOT,
        "CreateRole",
        RAM,
        &[("RoleName", "ops"), ("AssumeRolePolicyDocument", &trust)],
    )
    .await;
    let alice = Creds {
        id: &alice_id,
        secret: &alice_secret,
        token: None,
    };
    let role_arn = format!("acs:ram::{ACCOUNT}:role/ops");
    let assumed = srv
        .ok(
            alice,
            "AssumeRole",
            STS,
            &[
                ("RoleArn", &role_arn),
                ("RoleSessionName", "s1"),
                ("DurationSeconds", "900"),
            ],
        )
        .await;
    let c = &assumed["Credentials"];
    let session = Creds {
        id: c["AccessKeyId"].as_str().unwrap(),
        secret: c["AccessKeySecret"].as_str().unwrap(),
        token: Some(c["SecurityToken"].as_str().unwrap()),
    };
    let who = srv.ok(session, "GetCallerIdentity", STS, &[]).await;
    assert_eq!(
        who["Arn"],
        format!("acs:ram::{ACCOUNT}:assumed-role/ops/s1")
    );

    // Ten minutes on, the session still works: requests stamped with the moved time pass.
    let moved = srv.advance(600).await;
    assert!(
        (599..=602).contains(&(moved - start).whole_seconds()),
        "{moved} {start}"
    );
    srv.ok(session, "GetCallerIdentity", STS, &[]).await;

    // Fifteen minutes after it was issued, the session has expired.
    srv.advance(300).await;
    let (status, body) = srv.call(session, "GetCallerIdentity", STS, &[]).await;
    assert_error(status, &body, 400, "InvalidSecurityToken.Expired");
    // Other keys still work with the moved time...
    let root = srv.ok(ROOT, "GetCallerIdentity", STS, &[]).await;
    assert_eq!(root["IdentityType"], "Account");

    // ...and the timestamp window follows the moved clock: the machine's time is now 1000 s
    // in the past of the emulator.
    srv.advance(100).await;
    let stale = format_timestamp(crossram_engine::SystemClock.now().unix_timestamp());
    let (status, body) = srv
        .call_at(&stale, ROOT, "GetCallerIdentity", STS, &[])
        .await;
    assert_error(status, &body, 400, "InvalidTimeStamp.Expired");
    srv.ok(ROOT, "GetCallerIdentity", STS, &[]).await;
}

#[tokio::test]
async fn clock_moves_are_positive_and_bounded() {
    let srv = ClockServer::start().await;
    let before = srv.advance(1).await;
    for bad in [
        r#"{"AdvanceSeconds": 0}"#,
        r#"{"AdvanceSeconds": -60}"#,
        r#"{"AdvanceSeconds": "60"}"#,
        r#"{"AdvanceSeconds": 315360001}"#,
    ] {
        let (status, body) = srv.post_clock(bad).await;
        assert_error(status, &body, 400, "InvalidParameter.AdvanceSeconds");
    }
    let (status, body) = srv.post_clock("{}").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = srv.post_clock("not json").await;
    assert_error(status, &body, 400, "InvalidParameter");
    // None of the refused moves moved the clock.
    let res = srv
        .client
        .get(srv.url("/crossram/clock"))
        .send()
        .await
        .unwrap();
    let (_, body) = json(res).await;
    assert!(gap(now_of(&body), before) <= 2, "{body}");
    // Ten years is the largest move.
    let far = srv.advance(315_360_000).await;
    assert!((far - before).whole_days() >= 3649, "{far} {before}");
}

#[tokio::test]
async fn without_clock_control_the_clock_path_is_unknown() {
    let srv = TestServer::start().await;
    let base = format!("http://{}", srv.http);
    let fixed = srv.timestamp();
    for req in [
        srv.client.get(format!("{base}/crossram/clock")),
        srv.client
            .post(format!("{base}/crossram/clock"))
            .header("content-type", "application/json")
            .body(r#"{"AdvanceSeconds": 900}"#),
    ] {
        let (status, body) = json(req.send().await.unwrap()).await;
        assert_error(status, &body, 404, "InvalidAction.NotFound");
    }
    // The engine's clock did not move.
    assert_eq!(srv.timestamp(), fixed);
}
