//! The HTTPS listener with a self-signed CA: trusted by a client given the CA, and serving
//! clients that send no SNI.

use std::sync::Arc;

use crossram_server::{Settings, TlsIdentity};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

/// A server with HTTP and HTTPS listeners (self-signed CA under `dir`), the CA in PEM, and a
/// client that trusts it.
async fn self_signed(dir: &tempfile::TempDir) -> (TestServer, Vec<u8>, reqwest::Client) {
    let srv = TestServer::start_with(
        Some(TlsIdentity::SelfSigned {
            dir: dir.path().join("tls"),
        }),
        Settings::default(),
    )
    .await;
    let ca_pem = std::fs::read(srv.ca.clone().unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
        .build()
        .unwrap();
    (srv, ca_pem, client)
}

#[tokio::test]
async fn self_signed_tls_serves_signed_calls_and_clients_without_sni() {
    let dir = tempfile::tempdir().unwrap();
    // The client calls https://127.0.0.1:PORT (an IP: no SNI is sent).
    let (srv, ca_pem, client) = self_signed(&dir).await;
    let https = srv.https.unwrap();
    for scheme in [Scheme::V1Get, Scheme::V3] {
        let res = signed_to(
            &client,
            &format!("https://{https}/"),
            &https.to_string(),
            &srv.timestamp(),
            scheme,
            ROOT,
            "GetCallerIdentity",
            STS,
            &[],
            &nonce(),
        )
        .send()
        .await
        .unwrap();
        let (status, body) = json(res).await;
        assert_eq!(status, 200, "{scheme:?}: {body}");
        assert_eq!(body["Arn"], format!("acs:ram::{ACCOUNT}:root"));
    }

    // The name `localhost` is in the certificate too; this client explicitly sends no SNI.
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut &ca_pem[..]) {
        roots.add(cert.unwrap()).unwrap();
    }
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.enable_sni = false;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(https).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    tls.write_all(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tls.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(text.contains("\"Code\":\"MissingParameter\""), "{text}");

    // Plain HTTP still works beside it.
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
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn pem_files_as_openssl_writes_them() {
    // A CA-signed leaf written as PEM files (PKCS#8 key), as --tls-cert/--tls-key take them.
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, leaf_der, key_der) = crossram_server::tls::generate_self_signed().unwrap();
    let cert = dir.path().join("cert.pem");
    let key = dir.path().join("key.pem");
    std::fs::write(&cert, pem("CERTIFICATE", leaf_der.as_ref())).unwrap();
    std::fs::write(&key, pem("PRIVATE KEY", &key_der)).unwrap();
    let srv =
        TestServer::start_with(Some(TlsIdentity::Pem { cert, key }), Settings::default()).await;
    assert!(srv.ca.is_none());
    let https = srv.https.unwrap();
    let client = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let res = signed_to(
        &client,
        &format!("https://localhost:{}/", https.port()),
        &format!("localhost:{}", https.port()),
        &srv.timestamp(),
        Scheme::V3,
        ROOT,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["IdentityType"], "Account");
    srv.stop().await.unwrap();
}

fn pem(label: &str, der: &[u8]) -> String {
    // Minimal base64 (standard alphabet, padded) for the test's own PEM writing.
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut b64 = String::new();
    for chunk in der.chunks(3) {
        let n = chunk.len();
        let v = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= n {
                b64.push(ALPHABET[((v >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                b64.push('=');
            }
        }
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The listeners hand each connection's facts to the policies: a statement that needs TLS and a
/// loopback source allows a call over HTTPS and refuses the very same call over plain HTTP.
#[tokio::test]
async fn conditions_see_the_transport_and_the_source_address() {
    let dir = tempfile::tempdir().unwrap();
    let (srv, _, tls_client) = self_signed(&dir).await;
    let https = srv.https.unwrap();
    let plain = (srv.client.clone(), srv.url(), srv.host());
    let secure = (tls_client, format!("https://{https}/"), https.to_string());
    let call = |to: &(reqwest::Client, String, String),
                creds: Creds<'_>,
                action: &str,
                version: &str,
                params: &[(&str, &str)]| {
        signed_to(
            &to.0,
            &to.1,
            &to.2,
            &srv.timestamp(),
            Scheme::V1Query,
            creds,
            action,
            version,
            params,
            &nonce(),
        )
        .send()
    };
    let user = [("UserName", "tls-only")];
    let (status, _) = json(call(&plain, ROOT, "CreateUser", RAM, &user).await.unwrap()).await;
    assert_eq!(status, 200);
    let (_, key) = json(
        call(&plain, ROOT, "CreateAccessKey", RAM, &user)
            .await
            .unwrap(),
    )
    .await;
    let policy = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ram:ListUsers","Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"},"IpAddress":{"acs:SourceIp":"127.0.0.1/32"}}}]}"#;
    for (action, params) in [
        (
            "CreatePolicy",
            vec![("PolicyName", "tls-loopback"), ("PolicyDocument", policy)],
        ),
        (
            "AttachPolicyToUser",
            vec![
                ("PolicyType", "Custom"),
                ("PolicyName", "tls-loopback"),
                ("UserName", "tls-only"),
            ],
        ),
    ] {
        let (status, body) = json(call(&plain, ROOT, action, RAM, &params).await.unwrap()).await;
        assert_eq!(status, 200, "{action}: {body}");
    }
    let creds = Creds {
        id: key["AccessKey"]["AccessKeyId"].as_str().unwrap(),
        secret: key["AccessKey"]["AccessKeySecret"].as_str().unwrap(),
        token: None,
    };
    let (status, body) = json(call(&secure, creds, "ListUsers", RAM, &[]).await.unwrap()).await;
    assert_eq!(status, 200, "over HTTPS: {body}");
    let (status, body) = json(call(&plain, creds, "ListUsers", RAM, &[]).await.unwrap()).await;
    assert_error(status, &body, 403, "NoPermission");
}
