//! Fuzz target: `inspect` (and `verify` when it accepts) must never panic on any request.
//!
//! The input bytes are split on NUL into method, query, header lines (`name:value`, split on
//! `\n`) and body, so the fuzzer reaches both the V1 and the V3 paths.
#![no_main]

use crossram_wire::{HttpRequest, inspect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0);
    let method = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let query = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let header_text = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let headers: Vec<(String, String)> = header_text
        .split('\n')
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let req = HttpRequest {
        method: &method,
        path: "/",
        raw_query: &query,
        headers: &headers,
        body,
    };
    if let Ok(signed) = inspect(&req) {
        let _ = signed.verify("secret");
        let _ = signed.timestamp_unix();
    }
});
