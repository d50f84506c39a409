//! The pure model of Alibaba Cloud RAM that every other crossram crate shares: ids, ARNs, name
//! rules, API error codes, the policy language (parse, validate, evaluate, explain) and the
//! catalogue of system policies.
//!
//! Nothing here does IO, runs async code or reads the clock: time comes in as a value.
//!
//! ```
//! use crossram_core::policy::authorize_assume_role;
//! use crossram_core::system_policies::system_policy;
//! use crossram_core::{AccountId, Context, Decision, NamedPolicy, PolicyDocument, PolicyKind,
//!     Principal, Request};
//!
//! let trust = PolicyDocument::parse(
//!     r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
//!         "Principal": {"RAM": ["acs:ram::12345678:root"]}}]}"#,
//!     PolicyKind::Trust,
//! )?;
//! let alice = Principal::User {
//!     account: AccountId::parse("12345678")?,
//!     user_name: "Alice".into(),
//!     user_id: "200000000000000001".into(),
//! };
//! let sts = system_policy("AliyunSTSAssumeRoleAccess").ok_or("missing")?;
//! let context = Context::default();
//! let request = Request {
//!     action: "sts:AssumeRole",
//!     resource: "acs:ram::11223344:role/ecs-admin",
//!     principal: Some(&alice),
//!     context: &context,
//! };
//! let out = authorize_assume_role(
//!     &request,
//!     &[NamedPolicy { name: sts.name, document: sts.document() }],
//!     None,
//!     NamedPolicy { name: "ecs-admin trust", document: &trust },
//! );
//! assert_eq!(out.decision, Decision::Allow);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

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
