//! End-to-end tests: real processes, real sockets, the official SDKs.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

mod client;
mod sdk;
