//! Runs the conformance suite against every adapter.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a failing unwrap is a failing assertion in a test"
)]

mod suite;

use std::sync::Arc;

use crossram_store::{ErrorKind, MemoryStore};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_store_conforms() {
    suite::run_all(Arc::new(MemoryStore::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_memory_spec_conforms() {
    let store = crossram_store::open("memory").await.unwrap();
    assert_eq!(store.to_string(), "memory");
    suite::run_all(store).await;
}

#[tokio::test]
async fn open_rejects_unknown_specs() {
    for spec in ["", "mem", "file:", "s3://bucket"] {
        let e = crossram_store::open(spec).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Unsupported, "{spec}");
        assert!(e.to_string().contains("file:"), "{e}");
    }
}
