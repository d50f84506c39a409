//! Integration tests of the HTTP front: a real engine on the memory store with a manual clock,
//! served on 127.0.0.1 by real listeners, called with requests signed by crossram-wire.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failing unwrap is a failing assertion"
)]

mod support;

mod clock;
mod console;
mod limits;
mod no_panic;
mod rpc;
mod sts_flow;
mod tls;
mod vectors;
