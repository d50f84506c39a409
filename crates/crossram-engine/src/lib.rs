//! The emulated cloud: accounts, RAM users, groups, login profiles, AccessKeys, roles, policies and
//! their attachments, STS sessions, ECS instances, console logon and Switch Role, with the
//! authorization of every call and an audit trail.
//!
//! The engine keeps the whole world in memory for speed and writes every change through the
//! [`crossram_store::Store`] before it answers, so a file-backed emulator loses nothing it
//! acknowledged. Time and ids come in through [`env::Clock`] and [`env::IdGen`].
//!
//! The HTTP front calls three things: [`Engine::resolve_key`] (who is this AccessKeyId, and with
//! which secret must the request be signed), then, once the signature checks out,
//! [`Engine::answer`] (or [`Engine::call`] for the fields as a map); and the console endpoints
//! [`Engine::console_logon`] and [`Engine::console_switch_role`].

pub mod answer;
pub mod api;
pub mod audit;
mod authz;
pub mod config;
mod console;
mod ecs;
mod engine;
pub mod env;
pub mod model;
mod params;
mod ram;
pub mod secret;
mod sts;
mod token;
mod world;

pub use answer::Answer;
pub use api::{
    AccountSeed, ApiRequest, ApiResult, Caller, ConsoleCredentials, Params, Product,
    RequestContext, ResolvedKey, Response, RoleSession,
};
pub use audit::{AuditEvent, AuditPage};
pub use config::{ECS_REGIONS, EngineConfig, LockoutPolicy};
pub use engine::{Engine, OpenError};
pub use env::{Clock, Env, IdGen, ManualClock, OffsetClock, RandomIds, SeededIds, SystemClock};
pub use secret::Secret;
