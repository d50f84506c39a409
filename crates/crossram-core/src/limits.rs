//! The one table of size and count limits (spec §5.8, §4.1), defaults from the newest public
//! values; the engine takes a [`Limits`] value so configuration can override any of them.
//!
//! Choices where the sources disagree or are silent:
//! - custom policy documents: 4096 characters (2021 Limits page, newer than the 2048-byte
//!   `PolicySizeQuota` of the error table);
//! - session policies: 2048 characters (current AssumeRole reference, DESIGN.md);
//! - trust policies: not stated anywhere; 4096 characters, the same as custom policies.

use crate::error::ApiError;
use crate::policy::PolicyKind;

/// Size and count limits of one emulated cloud. In a configuration file every field is optional
/// (missing ones keep their default) and an unknown name is an error.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Characters in a custom (identity) policy document.
    pub policy_document_chars: usize,
    /// Characters in a session policy (`Policy` of AssumeRole).
    pub session_policy_chars: usize,
    /// Characters in a trust policy (`AssumeRolePolicyDocument`).
    pub trust_policy_chars: usize,
    /// Versions kept per custom policy.
    pub versions_per_policy: usize,
    /// Custom policies per account.
    pub custom_policies_per_account: usize,
    /// System policies attached to one user.
    pub system_policies_per_user: usize,
    /// Custom policies attached to one user.
    pub custom_policies_per_user: usize,
    /// System policies attached to one group.
    pub system_policies_per_group: usize,
    /// Custom policies attached to one group.
    pub custom_policies_per_group: usize,
    /// System policies attached to one role.
    pub system_policies_per_role: usize,
    /// Custom policies attached to one role.
    pub custom_policies_per_role: usize,
    /// RAM users per account.
    pub users_per_account: usize,
    /// RAM roles per account.
    pub roles_per_account: usize,
    /// RAM groups per account.
    pub groups_per_account: usize,
    /// Groups one user may join.
    pub groups_per_user: usize,
    /// AccessKeys per user.
    pub access_keys_per_user: usize,
    /// MFA devices per user.
    pub mfa_devices_per_user: usize,
    /// Identity providers per account.
    pub identity_providers_per_account: usize,
    /// Shortest STS session, seconds.
    pub min_session_seconds: u32,
    /// Default STS session and default role MaxSessionDuration, seconds.
    pub default_session_seconds: u32,
    /// Largest role MaxSessionDuration, seconds.
    pub max_role_session_seconds: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            policy_document_chars: 4096,
            session_policy_chars: 2048,
            trust_policy_chars: 4096,
            versions_per_policy: 5,
            custom_policies_per_account: 1500,
            system_policies_per_user: 20,
            custom_policies_per_user: 10,
            system_policies_per_group: 20,
            custom_policies_per_group: 5,
            system_policies_per_role: 20,
            custom_policies_per_role: 5,
            users_per_account: 1000,
            roles_per_account: 1000,
            groups_per_account: 50,
            groups_per_user: 5,
            access_keys_per_user: 2,
            mfa_devices_per_user: 1,
            identity_providers_per_account: 100,
            min_session_seconds: 900,
            default_session_seconds: 3600,
            max_role_session_seconds: 43200,
        }
    }
}

impl Limits {
    /// The size limit, in characters, of a policy document of `kind`.
    pub fn policy_chars(&self, kind: PolicyKind) -> usize {
        match kind {
            PolicyKind::Identity => self.policy_document_chars,
            PolicyKind::Trust => self.trust_policy_chars,
            PolicyKind::Session => self.session_policy_chars,
        }
    }

    /// Checks the size of a policy document of `kind` sent as `parameter` (`PolicyDocument`,
    /// `AssumeRolePolicyDocument`, `NewAssumeRolePolicyDocument`, `Policy`).
    ///
    /// Identity and trust documents answer `InvalidParameter.<parameter>.Length`; session
    /// policies answer STS's `InvalidParameter.PolicySize`.
    pub fn check_policy_size(
        &self,
        kind: PolicyKind,
        parameter: &str,
        text: &str,
    ) -> Result<(), ApiError> {
        let limit = self.policy_chars(kind);
        // Cheap upper bound first: a byte length within the limit is a char length within it.
        if text.len() <= limit || text.chars().count() <= limit {
            return Ok(());
        }
        Err(match kind {
            PolicyKind::Session => ApiError::new(
                "InvalidParameter.PolicySize",
                400,
                format!("The size of Policy must not exceed {limit} characters."),
            ),
            PolicyKind::Identity | PolicyKind::Trust => ApiError::longer_than(parameter, limit),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_checks() {
        let l = Limits::default();
        assert_eq!(l.policy_chars(PolicyKind::Identity), 4096);
        assert_eq!(l.policy_chars(PolicyKind::Session), 2048);
        assert!(
            l.check_policy_size(PolicyKind::Identity, "PolicyDocument", &"é".repeat(4096))
                .is_ok()
        );
        let e = l
            .check_policy_size(PolicyKind::Identity, "PolicyDocument", &"x".repeat(4097))
            .unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.PolicyDocument.Length");
        assert!(e.message().ends_with("limit of 4096 characters."), "{e:?}");
        let e = l
            .check_policy_size(
                PolicyKind::Trust,
                "AssumeRolePolicyDocument",
                &"x".repeat(4097),
            )
            .unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.AssumeRolePolicyDocument.Length");
        let e = l
            .check_policy_size(PolicyKind::Session, "Policy", &"x".repeat(2049))
            .unwrap_err();
        assert_eq!(e.code(), "InvalidParameter.PolicySize");
        // The limit is inclusive, and the message says so.
        assert_eq!(
            e.message(),
            "The size of Policy must not exceed 2048 characters."
        );
        assert!(
            l.check_policy_size(PolicyKind::Session, "Policy", &"x".repeat(2048))
                .is_ok()
        );
    }
}
