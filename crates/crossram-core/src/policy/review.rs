//! Documents read for an access review: who a trust policy lets assume its role, on which
//! conditions (`crossram access` prints this for every role of an account).

use std::fmt;

use super::{Effect, PolicyDocument, Trusted};

/// A condition a statement puts on the request: an operator on a key (the values are left
/// out: a review says *that* an `sts:ExternalId` is demanded, not which).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConditionKey {
    /// The operator, e.g. `StringEquals`.
    pub operator: &'static str,
    /// The key as written, e.g. `sts:ExternalId`.
    pub key: String,
}

impl fmt::Display for ConditionKey {
    /// `StringEquals sts:ExternalId`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.operator, self.key)
    }
}

/// One statement of a document that names an action: its effect, whom it names (trust
/// policies) and the conditions it puts on the request.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Grant {
    /// Its 0-based index in the `Statement` array.
    pub statement: usize,
    /// Allow or Deny.
    pub effect: Effect,
    /// The `Principal` entries in the order written, each once (empty when it has none).
    pub principals: Vec<Trusted>,
    /// The `Resource` patterns as written (empty when it has none: trust policies).
    pub resources: Vec<String>,
    /// Every operator and key of its `Condition`, in the order written.
    pub conditions: Vec<ConditionKey>,
}

impl Trusted {
    /// The account the entry is confined to, if any: a RAM entry's, an identity provider's
    /// (`"RAM": "*"` and services are not).
    pub fn account(&self) -> Option<&str> {
        match self {
            Self::Account(a) | Self::User(a, _) | Self::Role(a, _) => Some(a),
            // `acs:ram::<account>:saml-provider/<name>`: the provider's account.
            Self::Federated(arn) => arn
                .strip_prefix("acs:ram::")
                .and_then(|rest| rest.split_once(':'))
                .map(|(account, _)| account),
            Self::AnyRam | Self::Service(_) => None,
        }
    }
}

impl fmt::Display for Trusted {
    /// The entry as a policy writes it: `acs:ram::12345678:root`, `...:user/Alice`,
    /// `...:role/ops`, `*` (any RAM identity of any account), a service name, or an identity
    /// provider's ARN.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AnyRam => f.write_str("*"),
            Self::Account(a) => write!(f, "acs:ram::{a}:root"),
            Self::User(a, n) => write!(f, "acs:ram::{a}:user/{n}"),
            Self::Role(a, n) => write!(f, "acs:ram::{a}:role/{n}"),
            Self::Service(s) => f.write_str(s),
            Self::Federated(provider) => f.write_str(provider),
        }
    }
}

impl PolicyDocument {
    /// The statements that name `action` (as `Action` or by leaving it out of `NotAction`), in
    /// statement order: for a trust policy and `sts:AssumeRole`, who may assume the role and on
    /// what conditions, and who is refused; for an identity policy, on which resources its
    /// holder may (or may not) call the action.
    pub fn grants(&self, action: &str) -> Vec<Grant> {
        self.statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.actions.items.iter().any(|a| a.matches(action)) != s.not_action)
            .map(|(i, s)| Grant {
                statement: i,
                effect: s.effect,
                principals: s.principal.as_ref().map_or_else(Vec::new, |p| {
                    // Each entry once, in the order first written.
                    let mut seen = Vec::with_capacity(p.trusted.len());
                    for t in &p.trusted {
                        if !seen.contains(t) {
                            seen.push(t.clone());
                        }
                    }
                    seen
                }),
                resources: s
                    .resources
                    .iter()
                    .flat_map(|r| r.items.iter().map(|p| p.text().to_owned()))
                    .collect(),
                conditions: s
                    .condition
                    .iter()
                    .flatten()
                    .flat_map(|block| {
                        block.entries.iter().map(|e| ConditionKey {
                            operator: block.op.name(),
                            key: e.key.clone(),
                        })
                    })
                    .collect(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::PolicyKind;

    #[test]
    fn a_trust_policy_reads_as_who_on_what_conditions() {
        let doc = PolicyDocument::parse(
            r#"{"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"RAM": ["acs:ram::12345678:root", "acs:ram::99:user/Bob",
                                       "acs:ram::12345678:root"],
                               "Service": "ecs.aliyuncs.com"},
                 "Condition": {"StringEquals": {"sts:ExternalId": "abc-123"},
                               "IpAddress": {"acs:SourceIp": "203.0.113.0/24"}}},
                {"Effect": "Allow", "Action": "ecs:*", "Principal": {"RAM": "*"}},
                {"Effect": "Deny", "Action": "sts:*", "Principal": {"RAM": "acs:ram::99:role/ops"}}]}"#,
            PolicyKind::Trust,
        )
        .unwrap();
        let grants = doc.grants("sts:AssumeRole");
        assert_eq!(grants.len(), 2, "{grants:?}");
        let who: Vec<String> = grants[0]
            .principals
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            who,
            [
                "acs:ram::12345678:root",
                "acs:ram::99:user/Bob",
                "ecs.aliyuncs.com"
            ]
        );
        let accounts: Vec<Option<&str>> =
            grants[0].principals.iter().map(Trusted::account).collect();
        assert_eq!(accounts, [Some("12345678"), Some("99"), None]);
        let conditions: Vec<String> = grants[0]
            .conditions
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            conditions,
            ["StringEquals sts:ExternalId", "IpAddress acs:SourceIp"]
        );
        assert_eq!((grants[1].statement, grants[1].effect), (2, Effect::Deny));
        assert_eq!(grants[1].principals[0].to_string(), "acs:ram::99:role/ops");
        assert!(doc.grants("oss:GetObject").is_empty());
        assert!(grants[0].resources.is_empty());
        let identity = PolicyDocument::parse(
            r#"{"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:Assume*",
                "Resource": ["acs:ram::1:role/a", "acs:ram::2:role/*"]}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        assert_eq!(
            identity.grants("sts:AssumeRole")[0].resources,
            ["acs:ram::1:role/a", "acs:ram::2:role/*"]
        );
    }
}
