//! The Alibaba Cloud RPC wire protocol, shared by the crossram server (verify) and client (sign).
//!
//! Everything here is a pure function: no IO, no clock, no randomness (time and nonce are
//! parameters). Parsing never panics on any input.
//!
//! - [`encode`]: percent-encoding (spec §1.4) and form decoding.
//! - [`v1`], [`v3`]: the two signature schemes as stage functions (canonical form, string to
//!   sign, signature), each tested against captured SDK vectors.
//! - [`inspect()`]: server side, read a request into a [`SignedRequest`] and
//!   [`SignedRequest::verify`] it.
//! - [`sign_v1`], [`sign_v3`]: client side, produce [`SignedParts`] to send.
//! - [`ErrorBody`], [`WireError`]: the common error body and the gateway error codes (spec §1.8).
//! - [`limits`]: request size limits.
//!
//! A client signs, a server inspects and verifies:
//!
//! ```
//! use crossram_wire::{HttpRequest, SignInput, inspect, sign_v3};
//!
//! let params = vec![("RoleSessionName".to_owned(), "alice".to_owned())];
//! let input = SignInput {
//!     method: "POST",
//!     host: "sts.aliyuncs.com",
//!     action: "AssumeRole",
//!     version: "2015-04-01",
//!     params: &params,
//!     access_key_id: "LTAIexample",
//!     access_key_secret: "secret",
//!     security_token: None,
//!     timestamp: "2026-11-29T05:52:50Z",
//!     nonce: "3156853299f313e2",
//!     body_params_in_form: false,
//! };
//! let parts = sign_v3(&input);
//! let req = HttpRequest {
//!     method: "POST",
//!     path: "/",
//!     raw_query: &parts.query,
//!     headers: &parts.headers,
//!     body: &parts.body,
//! };
//! let signed = inspect(&req)?;
//! assert_eq!(signed.action(), "AssumeRole");
//! assert_eq!(signed.param("RoleSessionName"), Some("alice"));
//! assert!(signed.verify("secret").is_ok());
//! let mismatch = signed.verify("other").unwrap_err();
//! assert!(mismatch.message().ends_with(signed.string_to_sign()));
//! # Ok::<(), crossram_wire::WireError>(())
//! ```
#![warn(missing_docs)]

pub mod body;
pub mod encode;
pub mod error;
pub mod inspect;
pub mod limits;
pub mod sign;
pub mod timestamp;
pub mod v1;
pub mod v3;

pub use body::{ErrorBody, recommend_url};
pub use encode::{form_decode, parse_form, percent_encode};
pub use error::{SignatureMismatch, WireError};
pub use inspect::{HttpRequest, ResponseFormat, SignatureVersion, SignedRequest, inspect};
pub use sign::{
    SignInput, SignedParts, sign_v1, sign_v3, sign_v3_with_headers, string_to_sign_v1,
    string_to_sign_v3,
};
pub use timestamp::{TIMESTAMP_WINDOW_SECS, check_timestamp, format_timestamp, parse_timestamp};
