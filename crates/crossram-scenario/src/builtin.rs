//! The playbooks built into the binary (the same files as under `scenarios/`).

/// The seed playbook: onboarding, cross-account access, off-boarding and revocation.
pub const SEED: &str = include_str!("../../../scenarios/seed.toml");

/// Every built-in playbook, by name.
pub const ALL: [(&str, &str); 1] = [("seed", SEED)];

/// A built-in playbook by name.
pub fn get(name: &str) -> Option<&'static str> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
