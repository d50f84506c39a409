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

/// The region ids ECS answers for by default: the service's regions as its endpoint page lists
/// them, public and industry cloud (finance, government). Any other `RegionId` is
/// `InvalidRegionId.NotFound`, as on the service; [`EngineConfig::ecs_regions`] replaces the
/// list.
pub const ECS_REGIONS: [&str; 36] = [
    "cn-qingdao",
    "cn-beijing",
    "cn-zhangjiakou",
    "cn-huhehaote",
    "cn-wulanchabu",
    "cn-hangzhou",
    "cn-shanghai",
    "cn-nanjing",
    "cn-fuzhou",
    "cn-wuhan-lr",
    "cn-shenzhen",
    "cn-heyuan",
    "cn-guangzhou",
    "cn-chengdu",
    "cn-hongkong",
    "cn-zhengzhou-jva",
    "cn-shanghai-finance-1",
    "cn-shenzhen-finance-1",
    "cn-beijing-finance-1",
    "cn-north-2-gov-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ap-south-1",
    "us-east-1",
    "us-west-1",
    "eu-west-1",
    "eu-central-1",
    "me-east-1",
    "me-central-1",
    "na-south-1",
];

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
    /// The region ids ECS answers for; any other is `InvalidRegionId.NotFound`. By default
    /// the service's regions ([`ECS_REGIONS`]).
    pub ecs_regions: Vec<String>,
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
            ecs_regions: ECS_REGIONS.iter().map(|r| (*r).to_owned()).collect(),
        }
    }
}
