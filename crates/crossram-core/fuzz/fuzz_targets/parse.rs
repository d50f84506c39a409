//! Fuzz target: parsing any bytes as any kind of policy never panics, and whatever parses
//! prints to a document that parses back to the same value and decides a request without
//! panicking.

#![no_main]

use crossram_core::policy::evaluate;
use crossram_core::{Context, NamedPolicy, PolicyDocument, PolicyKind, Request};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for kind in [PolicyKind::Identity, PolicyKind::Trust, PolicyKind::Session] {
        if let Ok(doc) = PolicyDocument::parse(text, kind) {
            let again = PolicyDocument::parse(&doc.to_json(), kind);
            assert_eq!(again.as_ref(), Ok(&doc));
            let ctx = Context::default().with("acs:SourceIp", "203.0.113.7");
            let req = Request {
                action: "ecs:StopInstance",
                resource: "acs:ecs:cn-hangzhou:11223344:instance/i-1",
                principal: None,
                context: &ctx,
            };
            let _ = evaluate(&req, &[NamedPolicy { name: "fuzz", document: &doc }]);
        }
    }
});
