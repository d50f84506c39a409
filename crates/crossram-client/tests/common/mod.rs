//! A tiny HTTP/1.1 server on 127.0.0.1 for the client's tests: it records every request and
//! answers from a script, so tests see the exact bytes the client puts on the wire.

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as received.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    /// Path and query, e.g. `/?Action=GetRole&...`.
    pub(crate) target: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The raw query, without `?`.
    pub(crate) fn raw_query(&self) -> &str {
        self.target.split_once('?').map(|(_, q)| q).unwrap_or("")
    }

    /// Query pairs, percent-decoded.
    pub(crate) fn params(&self) -> Vec<(String, String)> {
        crossram_wire::parse_form(self.raw_query())
    }

    pub(crate) fn param(&self, name: &str) -> Option<String> {
        self.params()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// Every value of parameter `name`, from the query and then a form body, in order.
    pub(crate) fn params_named(&self, name: &str) -> Vec<String> {
        let form = self
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
        let body = if form {
            crossram_wire::parse_form(&String::from_utf8_lossy(&self.body))
        } else {
            Vec::new()
        };
        self.params()
            .into_iter()
            .chain(body)
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v)
            .collect()
    }

    /// The action, from the `Action` parameter (V1) or the `x-acs-action` header (V3).
    pub(crate) fn action(&self) -> Option<String> {
        self.param("Action")
            .or_else(|| self.header("x-acs-action").map(str::to_owned))
    }
}

/// A canned answer.
#[derive(Debug, Clone)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) content_type: &'static str,
    pub(crate) body: String,
    /// Wait this long before answering (to provoke timeouts).
    pub(crate) delay: Duration,
}

impl Reply {
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            content_type: "application/json;charset=utf-8",
            body: body.into(),
            delay: Duration::ZERO,
        }
    }

    pub(crate) fn ok(body: impl Into<String>) -> Self {
        Self::json(200, body)
    }

    pub(crate) fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            serde_json::json!({
                "RequestId": format!("RID-{code}"),
                "HostId": "127.0.0.1",
                "Code": code,
                "Message": message,
            })
            .to_string(),
        )
    }

    pub(crate) fn delayed(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }
}

type Responder = dyn Fn(&Recorded) -> Reply + Send + Sync;

/// The server: answers scripted replies in order, then falls back to a responder.
pub(crate) struct TestServer {
    pub(crate) addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
}

impl TestServer {
    /// A server whose every answer comes from `responder` (after any scripted replies).
    pub(crate) async fn start(
        responder: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::new()));
        let responder: Arc<Responder> = Arc::new(responder);
        let (reqs, scr) = (requests.clone(), script.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (reqs, scr, responder) = (reqs.clone(), scr.clone(), responder.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, reqs, scr, responder).await;
                });
            }
        });
        Self {
            addr,
            requests,
            script,
        }
    }

    /// A server answering these replies in order (and 500 once they run out).
    pub(crate) async fn scripted(replies: Vec<Reply>) -> Self {
        let server = Self::start(|_| Reply::error(500, "ScriptExhausted", "no more replies")).await;
        server.script.lock().unwrap().extend(replies);
        server
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    requests: Arc<Mutex<Vec<Recorded>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
    responder: Arc<Responder>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut buf = Vec::new();
    loop {
        // Read one request head.
        let head_end = loop {
            if let Some(pos) = find(&buf, b"\r\n\r\n") {
                break pos;
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or_default().to_owned();
        let target = parts.next().unwrap_or_default().to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let body_start = head_end + 4;
        while buf.len() < body_start + len {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        let body = buf[body_start..body_start + len].to_vec();
        buf.drain(..body_start + len);
        let recorded = Recorded {
            method,
            target,
            headers,
            body,
        };
        requests.lock().unwrap().push(recorded.clone());
        let scripted = script.lock().unwrap().pop_front();
        let reply = scripted.unwrap_or_else(|| responder(&recorded));
        if !reply.delay.is_zero() {
            tokio::time::sleep(reply.delay).await;
        }
        let response = format!(
            "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\nx-acs-request-id: HDR-RID\r\n\r\n{}",
            reply.status,
            reply.content_type,
            reply.body.len(),
            reply.body
        );
        stream.write_all(response.as_bytes()).await?;
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}
