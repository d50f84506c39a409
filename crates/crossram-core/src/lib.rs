//! The pure model of Alibaba Cloud RAM that every other crossram crate shares: ids, ARNs, name
//! rules, API error codes, the policy language (parse, validate, evaluate, explain) and the
//! catalogue of system policies.
//!
//! Nothing here does IO, runs async code or reads the clock: time comes in as a value.

pub mod error;

pub use error::{AccessDeniedDetail, ApiError};
