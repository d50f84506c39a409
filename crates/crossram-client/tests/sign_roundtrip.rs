//! Property: whatever the parameters (any Unicode, empty values, reserved characters), a
//! request the client signs is accepted by the server-side checker of crossram-wire, for V1
//! (query or form body) and V3, with and without a security token.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use std::sync::Arc;

use crossram_client::{
    Client, Credentials, Endpoint, ManualClock, Product, RandomNonce, SignatureVersion,
};
use proptest::prelude::*;

fn check(
    signature: SignatureVersion,
    form: bool,
    token: Option<String>,
    params: Vec<(String, String)>,
) {
    let mut creds = Credentials::new("LTAIprop", "prop-secret");
    if let Some(t) = token {
        creds = creds.with_security_token(t);
    }
    let client = Client::builder()
        .endpoint(Endpoint::url("http://127.0.0.1:18080").unwrap())
        .credentials(creds.clone())
        .signature(signature)
        .form_body(form)
        .clock(Arc::new(ManualClock::at_unix(1_790_000_000)))
        .nonce(Arc::new(RandomNonce))
        .build()
        .unwrap();
    let req = client.sign(Product::Ram, "CreateRole", &params, &creds);
    let (_, rest) = req.url.split_once("://").unwrap();
    let raw_query = rest.split_once('?').map(|(_, q)| q).unwrap_or("");
    let inspected = crossram_wire::inspect(&crossram_wire::HttpRequest {
        method: req.method.as_str(),
        path: "/",
        raw_query,
        headers: &req.headers,
        body: &req.body,
    })
    .unwrap();
    assert_eq!(inspected.action(), "CreateRole");
    assert_eq!(inspected.version(), "2015-05-01");
    inspected.verify("prop-secret").unwrap();
    for (k, v) in &params {
        assert_eq!(inspected.param(k), Some(v.as_str()), "{k}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn signed_requests_verify(
        values in proptest::collection::vec(any::<String>(), 0..4),
        token in proptest::option::of("[A-Za-z0-9+/=]{8,40}"),
        v3 in any::<bool>(),
        form in any::<bool>(),
    ) {
        // Distinct, ordinary parameter names; arbitrary values.
        let params: Vec<(String, String)> = values
            .into_iter()
            .enumerate()
            .map(|(i, v)| (format!("P{i}x"), v))
            .collect();
        let signature = if v3 { SignatureVersion::V3 } else { SignatureVersion::V1 };
        check(signature, form, token, params);
    }
}
