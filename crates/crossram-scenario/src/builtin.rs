//! The playbooks built into the binary: the same files as under `scenarios/`, so
//! `crossram run` works anywhere, without a checkout.

/// The seed playbook: onboarding, cross-account access, off-boarding and revocation.
pub const SEED: &str = include_str!("../../../scenarios/seed.toml");

/// Every built-in playbook, by name (the file name without `.toml`).
pub const ALL: [(&str, &str); 6] = [
    ("seed", SEED),
    (
        "named-user",
        include_str!("../../../scenarios/named-user.toml"),
    ),
    (
        "external-id",
        include_str!("../../../scenarios/external-id.toml"),
    ),
    (
        "session-policy",
        include_str!("../../../scenarios/session-policy.toml"),
    ),
    ("expiry", include_str!("../../../scenarios/expiry.toml")),
    (
        "third-party",
        include_str!("../../../scenarios/third-party.toml"),
    ),
];

/// A built-in playbook by name.
pub fn get(name: &str) -> Option<&'static str> {
    ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The names of the built-in playbooks, comma-separated (for messages).
pub fn names() -> String {
    ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_playbook_parses_and_is_named_after_its_file() {
        for (name, text) in ALL {
            let p = crate::Playbook::parse(name, text).unwrap();
            assert_eq!(p.name, name);
        }
        assert_eq!(get("seed"), Some(SEED));
        assert!(get("nope").is_none());
    }
}
