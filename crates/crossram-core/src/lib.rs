//! The pure model of Alibaba Cloud RAM that every other crossram crate shares: ids, ARNs, name
//! rules, API error codes, the policy language (parse, validate, evaluate, explain) and the
//! catalogue of system policies.
//!
//! Nothing here does IO, runs async code or reads the clock: time comes in as a value.

pub mod arn;
pub mod error;
pub mod limits;
pub mod names;
pub mod policy;
pub mod system_policies;

pub use arn::{AccountId, Arn, Principal};
pub use error::{AccessDeniedDetail, ApiError};
pub use limits::Limits;
pub use policy::{
    Context, Decision, Effect, Evaluation, Matched, NamedPolicy, PolicyDocument, PolicyError,
    PolicyKind, Request,
};
