//! Engine settings, with the defaults of the real service.

use crossram_core::limits::Limits;

/// Console logon lockout: after `max_failures` wrong passwords within `window_secs`, logons of
/// that user are refused for `lockout_secs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures that lock the user out.
    pub max_failures: u32,
    /// The window failures are counted in, seconds.
    pub window_secs: i64,
    /// How long the lockout lasts, seconds.
    pub lockout_secs: i64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            window_secs: 3600,
            lockout_secs: 3600,
        }
    }
}

/// Everything an engine can be tuned with.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Counts and sizes (spec §5.8).
    pub limits: Limits,
    /// Console lockout.
    pub lockout: LockoutPolicy,
    /// How long ECS state transitions (Starting, Stopping) are shown before they settle, ms.
    pub ecs_transition_ms: i64,
    /// AssumeRole calls per second per account; `None` is unlimited (the default).
    pub assume_role_rate_limit: Option<u32>,
    /// How many audit events are kept (oldest dropped first).
    pub audit_capacity: usize,
    /// Console session length, seconds (the account's "Logon Session Valid For").
    pub console_session_secs: i64,
    /// argon2 memory cost in KiB for console passwords.
    pub password_hash_memory_kib: u32,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            limits: Limits::default(),
            lockout: LockoutPolicy::default(),
            ecs_transition_ms: 0,
            assume_role_rate_limit: None,
            audit_capacity: 100_000,
            console_session_secs: 6 * 3600,
            password_hash_memory_kib: 19 * 1024,
        }
    }
}
