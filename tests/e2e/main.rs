//! End-to-end tests: real processes, real sockets, the official SDKs.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed assertion"
)]

mod sdk;
