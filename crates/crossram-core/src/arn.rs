//! Account ids, principals and ARNs (spec §6.1).
//!
//! Two ARN shapes coexist: *principal* ARNs leave the region empty
//! (`acs:ram::<account>:user/<name>`), *resource* ARNs used in authorization put a region or `*`
//! (`acs:ram:*:<account>:user/<name>`, `acs:ecs:<region>:<account>:instance/<id>`). The builders
//! below produce both, so no caller formats an ARN by hand.

use std::fmt;

use crate::error::ApiError;

/// An Alibaba Cloud account id (UID): a non-empty string of ASCII digits.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountId(String);

impl AccountId {
    /// The longest account id accepted (current ids have 16 digits, old samples 13).
    pub const MAX_LEN: usize = 32;

    /// Parses an account id: 1 to [`Self::MAX_LEN`] ASCII digits, else 400 `InvalidParameter`.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        if is_account_id(s) {
            Ok(Self(s.to_owned()))
        } else {
            Err(ApiError::invalid_parameter(format!(
                "The account id \"{s}\" is not a string of digits."
            )))
        }
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for AccountId {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Whether `s` is a valid account id (1 to [`AccountId::MAX_LEN`] ASCII digits).
pub(crate) fn is_account_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= AccountId::MAX_LEN && s.bytes().all(|b| b.is_ascii_digit())
}

/// Who is calling, as the engine knows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Principal {
    /// The account itself (root AccessKey or root console logon).
    Root {
        /// The account.
        account: AccountId,
    },
    /// A RAM user.
    User {
        /// The account that owns the user.
        account: AccountId,
        /// The user name.
        user_name: String,
        /// The numeric user id.
        user_id: String,
    },
    /// A session of a RAM role obtained through STS AssumeRole.
    RoleSession {
        /// The account that owns the role.
        account: AccountId,
        /// The role name.
        role_name: String,
        /// The numeric role id.
        role_id: String,
        /// The RoleSessionName given to AssumeRole.
        session_name: String,
    },
    /// An Alibaba Cloud service, e.g. `ecs.aliyuncs.com`.
    Service {
        /// The service principal name.
        name: String,
    },
}

impl Principal {
    /// The principal's ARN: `acs:ram::<acct>:root`, `acs:ram::<acct>:user/<name>`,
    /// `acs:ram::<acct>:assumed-role/<role>/<session>` (the GetCallerIdentity form), or the bare
    /// service name for a service.
    pub fn arn(&self) -> String {
        match self {
            Self::Root { account } => root_arn(account),
            Self::User {
                account, user_name, ..
            } => ram_user_arn(account, user_name),
            Self::RoleSession {
                account,
                role_name,
                session_name,
                ..
            } => assumed_role_arn(account, role_name, session_name),
            Self::Service { name } => name.clone(),
        }
    }

    /// The account the principal belongs to (none for a service).
    pub fn account(&self) -> Option<&AccountId> {
        match self {
            Self::Root { account }
            | Self::User { account, .. }
            | Self::RoleSession { account, .. } => Some(account),
            Self::Service { .. } => None,
        }
    }

    /// Parses a principal ARN as [`Principal::arn`] prints it, plus the AssumeRole response form
    /// `acs:ram::<acct>:role/<role>/<session>`. Ids unknown from the ARN alone (user id, role id)
    /// are left empty. Anything that is not `acs:ram::...` is taken as a service name when it
    /// looks like a host name (`ecs.aliyuncs.com`).
    pub fn parse_arn(s: &str) -> Result<Self, ApiError> {
        let bad =
            || ApiError::invalid_parameter(format!("The principal \"{s}\" is not a valid ARN."));
        if !s.starts_with("acs:") {
            if !s.is_empty()
                && s.contains('.')
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
            {
                return Ok(Self::Service { name: s.to_owned() });
            }
            return Err(bad());
        }
        let arn = Arn::parse(s).map_err(|_| bad())?;
        if arn.service != "ram" || !arn.region.is_empty() {
            return Err(bad());
        }
        let account = AccountId::parse(&arn.account).map_err(|_| bad())?;
        let rel = arn.resource.as_str();
        if rel == "root" {
            return Ok(Self::Root { account });
        }
        if let Some(name) = rel.strip_prefix("user/") {
            if name.is_empty() || name.contains('/') {
                return Err(bad());
            }
            return Ok(Self::User {
                account,
                user_name: name.to_owned(),
                user_id: String::new(),
            });
        }
        let rest = rel
            .strip_prefix("assumed-role/")
            .or_else(|| rel.strip_prefix("role/"))
            .ok_or_else(bad)?;
        match rest.split_once('/') {
            Some((role, session))
                if !role.is_empty() && !session.is_empty() && !session.contains('/') =>
            {
                Ok(Self::RoleSession {
                    account,
                    role_name: role.to_owned(),
                    role_id: String::new(),
                    session_name: session.to_owned(),
                })
            }
            // A role itself never calls: one of its sessions does.
            _ if !rest.is_empty() && !rest.contains('/') => {
                Err(ApiError::invalid_parameter(format!(
                    "The principal \"{s}\" names a role, which never calls by itself; name one \
                     of its sessions: acs:ram::{}:assumed-role/{rest}/SESSION.",
                    arn.account
                )))
            }
            _ => Err(bad()),
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.arn())
    }
}

/// An ARN `acs:<service>:<region>:<account>:<resource>` (spec §6.1). The region may be empty
/// (principal ARNs) or `*`; the account may be `*` or `system` in resource ARNs; the resource
/// part may itself contain `:`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Arn {
    /// Service code, e.g. `ram`, `ecs`.
    pub service: String,
    /// Region, empty for global principal ARNs, `*` for RAM resources.
    pub region: String,
    /// Account id, `*` or `system`.
    pub account: String,
    /// The relative resource id, e.g. `role/ecs-admin`.
    pub resource: String,
}

impl Arn {
    /// Parses `acs:<service>:<region>:<account>:<resource>`; the service and resource must be
    /// non-empty. Errors are 400 `InvalidParameter`.
    pub fn parse(s: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::invalid_parameter(format!("The ARN \"{s}\" is wrongly formed."));
        let rest = s.strip_prefix("acs:").ok_or_else(bad)?;
        let mut parts = rest.splitn(4, ':');
        let service = parts.next().ok_or_else(bad)?;
        let region = parts.next().ok_or_else(bad)?;
        let account = parts.next().ok_or_else(bad)?;
        let resource = parts.next().ok_or_else(bad)?;
        if service.is_empty() || resource.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            service: service.to_owned(),
            region: region.to_owned(),
            account: account.to_owned(),
            resource: resource.to_owned(),
        })
    }
}

impl fmt::Display for Arn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "acs:{}:{}:{}:{}",
            self.service, self.region, self.account, self.resource
        )
    }
}

impl std::str::FromStr for Arn {
    type Err = ApiError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Parses an AssumeRole `RoleArn` (`acs:ram::<account>:role/<role-name>`) into the account and
/// the role name. Anything else is 400 `InvalidParameter.RoleArn` (spec §4.3).
pub fn parse_role_arn(s: &str) -> Result<(AccountId, String), ApiError> {
    let bad = || {
        ApiError::new(
            "InvalidParameter.RoleArn",
            400,
            "The parameter RoleArn is wrongly formed.",
        )
    };
    let arn = Arn::parse(s).map_err(|_| bad())?;
    if arn.service != "ram" || !(arn.region.is_empty() || arn.region == "*") {
        return Err(bad());
    }
    let account = AccountId::parse(&arn.account).map_err(|_| bad())?;
    let name = arn.resource.strip_prefix("role/").ok_or_else(bad)?;
    if crate::names::validate_role_name(name).is_err() {
        return Err(bad());
    }
    Ok((account, name.to_owned()))
}

/// `acs:ram::<account>:root`, the account's principal ARN (trust policies name it).
pub fn root_arn(account: &AccountId) -> String {
    format!("acs:ram::{account}:root")
}

/// `acs:ram::<account>:user/<name>`, a RAM user's principal ARN.
pub fn ram_user_arn(account: &AccountId, user_name: &str) -> String {
    format!("acs:ram::{account}:user/{user_name}")
}

/// `acs:ram::<account>:role/<name>`, a role's ARN (the `RoleArn` of AssumeRole, `Arn` of GetRole).
pub fn ram_role_arn(account: &AccountId, role_name: &str) -> String {
    format!("acs:ram::{account}:role/{role_name}")
}

/// `acs:ram::<account>:assumed-role/<role>/<session>`, a role session as GetCallerIdentity shows it.
pub fn assumed_role_arn(account: &AccountId, role_name: &str, session_name: &str) -> String {
    format!("acs:ram::{account}:assumed-role/{role_name}/{session_name}")
}

/// `acs:ram::<account>:role/<role>/<session>`, a role session as the AssumeRole response shows it.
pub fn assume_role_response_arn(
    account: &AccountId,
    role_name: &str,
    session_name: &str,
) -> String {
    format!("acs:ram::{account}:role/{role_name}/{session_name}")
}

/// Resource ARN of a RAM user in authorization (spec §3.12): `acs:ram:*:<account>:user/<name>`;
/// pass `*` as the name for account-wide actions (`ram:CreateUser`, `ram:ListUsers`).
pub fn user_resource_arn(account: &AccountId, user_name: &str) -> String {
    format!("acs:ram:*:{account}:user/{user_name}")
}

/// Resource ARN of a RAM role in authorization: `acs:ram:*:<account>:role/<name>` (or `*`).
pub fn role_resource_arn(account: &AccountId, role_name: &str) -> String {
    format!("acs:ram:*:{account}:role/{role_name}")
}

/// Resource ARN of a RAM group in authorization: `acs:ram:*:<account>:group/<name>` (or `*`).
pub fn group_resource_arn(account: &AccountId, group_name: &str) -> String {
    format!("acs:ram:*:{account}:group/{group_name}")
}

/// Resource ARN of a custom policy in authorization: `acs:ram:*:<account>:policy/<name>` (or `*`).
pub fn policy_resource_arn(account: &AccountId, policy_name: &str) -> String {
    format!("acs:ram:*:{account}:policy/{policy_name}")
}

/// Resource ARN of a system policy in authorization: `acs:ram:*:system:policy/<name>`.
pub fn system_policy_resource_arn(policy_name: &str) -> String {
    format!("acs:ram:*:system:policy/{policy_name}")
}

/// Resource ARN of account-level RAM settings (alias, password policy): `acs:ram:*:<account>:*`.
pub fn account_resource_arn(account: &AccountId) -> String {
    format!("acs:ram:*:{account}:*")
}

/// Resource ARN of an ECS instance: `acs:ecs:<region>:<account>:instance/<id>` (spec §8.6);
/// pass `*` as the id for `instance/*`.
pub fn ecs_instance_arn(region: &str, account: &AccountId, instance_id: &str) -> String {
    format!("acs:ecs:{region}:{account}:instance/{instance_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(s: &str) -> AccountId {
        AccountId::parse(s).unwrap()
    }

    #[test]
    fn account_ids_are_digits() {
        assert!(AccountId::parse("11223344").is_ok());
        for bad in ["", "12a", " 1", "1234567890123456789012345678901234"] {
            assert!(AccountId::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn principal_arns() {
        let a = acct("12345678");
        let u = Principal::User {
            account: a.clone(),
            user_name: "Alice".into(),
            user_id: "1".into(),
        };
        assert_eq!(u.arn(), "acs:ram::12345678:user/Alice");
        let s = Principal::RoleSession {
            account: acct("11223344"),
            role_name: "ecs-admin".into(),
            role_id: "3".into(),
            session_name: "alice".into(),
        };
        assert_eq!(s.arn(), "acs:ram::11223344:assumed-role/ecs-admin/alice");
        assert_eq!(s.account(), Some(&acct("11223344")));
        assert_eq!(
            Principal::Root { account: a.clone() }.arn(),
            "acs:ram::12345678:root"
        );
        let svc = Principal::Service {
            name: "ecs.aliyuncs.com".into(),
        };
        assert_eq!(svc.account(), None);
        for p in [&u, &s, &svc] {
            let back = Principal::parse_arn(&p.arn()).unwrap();
            assert_eq!(back.arn(), p.arn());
        }
        assert!(matches!(
            Principal::parse_arn("acs:ram::1:role/r/s").unwrap(),
            Principal::RoleSession { .. }
        ));
        for bad in [
            "acs:ram::x:root",
            "acs:ecs::1:root",
            "acs:ram::1:user/",
            "nope",
            "",
        ] {
            assert!(Principal::parse_arn(bad).is_err(), "{bad}");
        }
        // A role is not a caller; the message says what is.
        let role = Principal::parse_arn("acs:ram::22220002:role/hop").unwrap_err();
        assert!(
            role.message()
                .ends_with("name one of its sessions: acs:ram::22220002:assumed-role/hop/SESSION."),
            "{}",
            role.message()
        );
    }

    #[test]
    fn arn_round_trip() {
        let s = "acs:oss:*:*:bucket/a:b";
        let a = Arn::parse(s).unwrap();
        assert_eq!(a.resource, "bucket/a:b");
        assert_eq!(a.to_string(), s);
        assert!(Arn::parse("acs:ecs:cn").is_err());
        assert!(Arn::parse("arn:aws:s3:::x").is_err());
    }

    #[test]
    fn role_arns() {
        let (a, r) = parse_role_arn("acs:ram::11223344:role/ecs-admin").unwrap();
        assert_eq!((a.as_str(), r.as_str()), ("11223344", "ecs-admin"));
        for bad in [
            "acs:ram::11223344:user/x",
            "acs:ram::abc:role/x",
            "acs:ecs::1:role/x",
            "acs:ram::1:role/",
            "acs:ram::1:role/a b",
            "role/x",
        ] {
            let e = parse_role_arn(bad).unwrap_err();
            assert_eq!(e.code(), "InvalidParameter.RoleArn", "{bad}");
        }
    }

    #[test]
    fn resource_builders() {
        let a = acct("11223344");
        assert_eq!(user_resource_arn(&a, "bob"), "acs:ram:*:11223344:user/bob");
        assert_eq!(role_resource_arn(&a, "*"), "acs:ram:*:11223344:role/*");
        assert_eq!(group_resource_arn(&a, "g"), "acs:ram:*:11223344:group/g");
        assert_eq!(policy_resource_arn(&a, "p"), "acs:ram:*:11223344:policy/p");
        assert_eq!(system_policy_resource_arn("P"), "acs:ram:*:system:policy/P");
        assert_eq!(account_resource_arn(&a), "acs:ram:*:11223344:*");
        assert_eq!(ram_role_arn(&a, "r"), "acs:ram::11223344:role/r");
        assert_eq!(
            ecs_instance_arn("cn-hangzhou", &a, "i-1"),
            "acs:ecs:cn-hangzhou:11223344:instance/i-1"
        );
    }
}
