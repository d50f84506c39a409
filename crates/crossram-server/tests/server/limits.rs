//! Size limits and shutdown.

use std::time::Duration;

use crossram_server::Settings;

use crate::support::*;

#[tokio::test]
async fn oversized_bodies_and_headers_get_an_api_error() {
    let settings = Settings {
        max_body_bytes: 1024,
        max_header_bytes: 2048,
        ..Settings::default()
    };
    let srv = TestServer::start_with(None, settings).await;
    let big = "a".repeat(4096);
    let res = srv
        .client
        .post(srv.url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("Description={big}"))
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 413, "RequestEntityTooLarge");

    let res = srv
        .client
        .get(srv.url())
        .header("x-padding", big.as_str())
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 400, "InvalidParameter");

    // Within the limits the same server still answers.
    let res = signed(
        &srv,
        Scheme::V1Form,
        ROOT,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn shutdown_closes_idle_keep_alive_connections_promptly() {
    let srv = TestServer::start().await;
    // Leave a pooled keep-alive connection open.
    let res = signed(
        &srv,
        Scheme::V1Query,
        ROOT,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
    let client = srv.client.clone();
    let url = srv.url();
    let started = std::time::Instant::now();
    srv.stop().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3));
    // The listener is gone.
    assert!(client.get(url).send().await.is_err());
}

#[tokio::test]
async fn shutdown_lets_an_in_flight_request_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let srv = TestServer::start().await;
    let addr = srv.http;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = "Action=GetCallerIdentity&Version=2015-04-01";
    let (first, rest) = body.split_at(10);
    stream
        .write_all(
            format!(
                "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{first}",
                body.len()
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // The request is being read when the shutdown starts.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopping = tokio::spawn(srv.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished(), "the server waits for the request");
    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(answer.contains("\"Code\":\"MissingParameter\""), "{answer}");
    stopping.await.unwrap().unwrap();
}
