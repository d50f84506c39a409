//! Documents read for an access review: who a trust policy lets assume its role, on which
//! conditions (`crossram access` prints this for every role of an account).

use std::fmt;

use super::glob::{glob_match, has_wildcard};
use super::{Effect, PolicyDocument, Trusted};

/// The condition keys whose values a review withholds: an `sts:ExternalId` is a secret shared
/// with the trusted party, so a review says *that* one is demanded, not which.
const WITHHELD: [&str; 1] = ["sts:ExternalId"];

/// A condition a statement puts on the request: an operator on a key, and the values it
/// compares with (unless they are withheld, see [`ConditionKey::values`]).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConditionKey {
    /// The operator, e.g. `StringEquals`.
    pub operator: &'static str,
    /// The key as written, e.g. `sts:ExternalId`.
    pub key: String,
    /// The values as written (`true`, `2020-01-01T00:00:00Z`, `203.0.113.0/24`), any one of
    /// which satisfies the condition; `None` for `sts:ExternalId`, whose value is a secret the
    /// role's owner shares with the trusted party alone.
    pub values: Option<Vec<String>>,
}

impl fmt::Display for ConditionKey {
    /// `Bool acs:MFAPresent true`, `IpAddress acs:SourceIp [10.0.0.0/8, 192.0.2.7]`, or
    /// `StringEquals sts:ExternalId` (its value withheld).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.operator, self.key)?;
        match self.values.as_deref() {
            None => Ok(()),
            Some([one]) => write!(f, " {one}"),
            Some(several) => write!(f, " [{}]", several.join(", ")),
        }
    }
}

impl ConditionKey {
    /// Whether the condition holds for a request made at `now` (RFC 3339), when the time alone
    /// decides it: a date operator on `acs:CurrentTime`. `None` for any other condition, whose
    /// outcome depends on the request. A grant with a condition `Some(false)` now has expired
    /// (`DateLessThan` a past time) or not yet begun (`DateGreaterThan` a future one).
    pub fn holds_at(&self, now: &str) -> Option<bool> {
        if !self.key.eq_ignore_ascii_case("acs:CurrentTime") {
            return None;
        }
        super::condition::date_holds(self.operator, self.values.as_deref()?, now)
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
                            values: (!WITHHELD.iter().any(|w| w.eq_ignore_ascii_case(&e.key)))
                                .then(|| {
                                    e.values
                                        .items
                                        .iter()
                                        .map(|v| v.text().into_owned())
                                        .collect()
                                }),
                        })
                    })
                    .collect(),
            })
            .collect()
    }
}

impl Grant {
    /// Whether this statement, an unconditional Deny, refuses everything Allow statement
    /// `allow` (of an identity policy, for the same action) lets through: each of its resources
    /// is covered by one of this statement's. Conservative: `true` is certain, `false` may miss
    /// a cover that only an overlap of patterns would show.
    pub fn refuses_all_of(&self, allow: &Grant) -> bool {
        self.effect == Effect::Deny
            && self.conditions.is_empty()
            && allow.effect == Effect::Allow
            && !allow.resources.is_empty()
            && allow
                .resources
                .iter()
                .all(|a| self.resources.iter().any(|d| resource_covers(d, a)))
    }

    /// Whether some RAM role's ARN (`acs:ram::<account>:role/<name>`, what `sts:AssumeRole` is
    /// authorized on) matches one of this statement's resources. `false` says the statement,
    /// whatever its effect, concerns no role: `acs:sts:*:...`, a region where role ARNs have
    /// none, an upper-case `RAM` (resources compare case-sensitively). A pattern whose first
    /// wildcard comes early counts as matching.
    pub fn matches_some_role(&self) -> bool {
        self.resources.iter().any(|r| may_match_role_arn(r))
    }
}

impl PolicyDocument {
    /// Resources that can never match what they seem to name, with why: a service code with
    /// upper-case letters (`acs:ECS:*:*:instance/*`; service codes are lower-case and resources
    /// compare case-sensitively, so such a statement, Allow or Deny, applies to nothing).
    /// `(statement index, pattern, why)`, in statement order.
    pub fn resource_warnings(&self) -> Vec<(usize, String, String)> {
        let mut out = Vec::new();
        for (i, statement) in self.statements.iter().enumerate() {
            for pattern in statement.resources.iter().flat_map(|r| r.items.iter()) {
                let text = pattern.text();
                let service = text.split(':').nth(1).unwrap_or_default();
                if service.bytes().any(|b| b.is_ascii_uppercase()) {
                    out.push((
                        i,
                        text.to_owned(),
                        format!(
                            "the service code {service:?} has upper-case letters; service codes \
                             are lower-case ({:?}) and resources compare case-sensitively, so \
                             it matches no resource",
                            service.to_ascii_lowercase()
                        ),
                    ));
                }
            }
        }
        out
    }
}

/// Whether Deny resource pattern `deny` matches every ARN Allow pattern `allow` matches: the
/// same pattern, `*`, a literal prefix followed by `*` that `allow` starts with, or a literal
/// `allow` that `deny` matches.
fn resource_covers(deny: &str, allow: &str) -> bool {
    if deny == "*" || deny == allow {
        return true;
    }
    if let Some(prefix) = deny.strip_suffix('*')
        && !has_wildcard(prefix)
    {
        return allow.starts_with(prefix);
    }
    !has_wildcard(allow) && glob_match(deny, allow, false)
}

/// Whether resource pattern `pattern` can match some `acs:ram::<account>:role/<name>`: its
/// literal part up to the first wildcard must agree with that form (role names hold no `/`).
fn may_match_role_arn(pattern: &str) -> bool {
    const HEAD: &str = "acs:ram::";
    let literal = pattern
        .find(['*', '?'])
        .map_or(pattern, |at| pattern.get(..at).unwrap_or_default());
    let whole = literal.len() == pattern.len();
    let Some(rest) = literal.strip_prefix(HEAD) else {
        // Cut short by a wildcard inside the head: `acs:ram:*:...` matches `acs:ram::...`.
        return !whole && HEAD.starts_with(literal);
    };
    let Some((account, resource)) = rest.split_once(':') else {
        return !whole;
    };
    let account_ok = !account.is_empty() && !account.contains('/');
    let resource_ok = match resource.strip_prefix("role/") {
        // A literal name must be one (no further `/`: session ARNs are not roles).
        Some(name) => !whole || (!name.is_empty() && !name.contains('/')),
        None => !whole && "role/".starts_with(resource),
    };
    account_ok && resource_ok
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
            [
                "StringEquals sts:ExternalId",
                "IpAddress acs:SourceIp 203.0.113.0/24"
            ]
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

    #[test]
    fn condition_values_are_shown_but_an_external_id_is_withheld() {
        let conditions = trust_conditions(
            r#"{"StringEquals": {"sts:externalid": "abc-123"},
                "Bool": {"acs:MFAPresent": true},
                "IpAddress": {"acs:SourceIp": ["10.0.0.0/8", "192.0.2.7"]}}"#,
        );
        let shown: Vec<String> = conditions.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "StringEquals sts:externalid",
                "Bool acs:MFAPresent true",
                "IpAddress acs:SourceIp [10.0.0.0/8, 192.0.2.7]"
            ]
        );
        assert!(conditions[0].values.is_none());
    }

    /// The conditions of a trust policy's one statement, `conditions` its `Condition` block.
    fn trust_conditions(conditions: &str) -> Vec<ConditionKey> {
        PolicyDocument::parse(
            &format!(
                r#"{{"Version": "1", "Statement": [{{"Effect": "Allow", "Action": "sts:AssumeRole",
                    "Principal": {{"RAM": "acs:ram::12345678:root"}}, "Condition": {conditions}}}]}}"#
            ),
            PolicyKind::Trust,
        )
        .unwrap()
        .grants("sts:AssumeRole")
        .swap_remove(0)
        .conditions
    }

    /// The statements of an identity policy for `sts:AssumeRole`.
    fn identity_grants(statements: &str) -> Vec<Grant> {
        PolicyDocument::parse(
            &format!(r#"{{"Version": "1", "Statement": [{statements}]}}"#),
            PolicyKind::Identity,
        )
        .unwrap()
        .grants("sts:AssumeRole")
    }

    #[test]
    fn an_unconditional_deny_refuses_the_allows_it_covers() {
        let g = identity_grants(
            r#"{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
               {"Effect": "Allow", "Action": "sts:AssumeRole",
                "Resource": ["acs:ram::1:role/ops-*", "acs:ram::1:role/db"]},
               {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "acs:ram::2:role/x"},
               {"Effect": "Deny", "Action": "sts:*", "Resource": "*"},
               {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "acs:ram::1:role/*"},
               {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*",
                "Condition": {"Bool": {"acs:MFAPresent": "false"}}},
               {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "acs:ram::?:role/db"}"#,
        );
        let (all, ones, two) = (&g[0], &g[1], &g[2]);
        let (deny_all, deny_one, conditional, one_char) = (&g[3], &g[4], &g[5], &g[6]);
        assert!(deny_all.refuses_all_of(all) && deny_all.refuses_all_of(ones));
        assert!(
            deny_one.refuses_all_of(ones),
            "a prefix and * covers what starts with it"
        );
        assert!(!deny_one.refuses_all_of(all) && !deny_one.refuses_all_of(two));
        assert!(
            !conditional.refuses_all_of(all),
            "a conditional Deny is left to the reader"
        );
        assert!(
            !one_char.refuses_all_of(ones),
            "covers role/db, not role/ops-*"
        );
        assert!(!all.refuses_all_of(deny_all), "only a Deny refuses");
    }

    #[test]
    fn a_time_condition_is_decided_by_the_time_alone() {
        let c = trust_conditions(
            r#"{"DateLessThan": {"acs:CurrentTime": "2020-01-01T00:00:00Z"},
                "DateGreaterThan": {"acs:CurrentTime": "2026-12-01T00:00:00+08:00"},
                "DateNotEquals": {"acs:CurrentTime": "2026-11-30T07:00:00Z"},
                "Bool": {"acs:MFAPresent": "true"}}"#,
        );
        let at = |now: &str| -> Vec<Option<bool>> { c.iter().map(|k| k.holds_at(now)).collect() };
        assert_eq!(
            at("2026-11-30T07:00:00Z"),
            [Some(false), Some(false), Some(false), None]
        );
        // 2026-12-01T00:00:00+08:00 is 2026-11-30T16:00:00Z.
        assert_eq!(
            at("2026-11-30T16:00:01Z"),
            [Some(false), Some(true), Some(true), None]
        );
        assert_eq!(at("2019-06-01T00:00:00Z")[0], Some(true));
        assert_eq!(at("not a time")[0], None);
    }

    #[test]
    fn an_upper_case_service_code_is_warned_of() {
        let doc = PolicyDocument::parse(
            r#"{"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Action": "ecs:StopInstance",
                 "Resource": ["acs:ecs:*:*:instance/i-1", "acs:ECS:*:*:instance/*"]}]}"#,
            PolicyKind::Identity,
        )
        .unwrap();
        let warnings = doc.resource_warnings();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert_eq!(warnings[0].0, 1);
        assert_eq!(warnings[0].1, "acs:ECS:*:*:instance/*");
        assert!(warnings[0].2.contains("\"ecs\""), "{warnings:?}");
    }

    #[test]
    fn a_resource_that_no_role_arn_matches_is_told_apart() {
        for (pattern, some_role) in [
            ("*", true),
            ("acs:ram::11223344:role/ops", true),
            ("acs:ram:*:11223344:role/*", true),
            ("acs:ram::*:role/ops", true),
            ("acs:ram::11223344:ro*", true),
            ("acs:ram:*:*:*", true),
            ("acs:*:*:*:*", true),
            ("acs:sts:*:11223344:role/ops", false),
            ("acs:ram:cn-hangzhou:11223344:role/ops", false),
            ("acs:RAM::11223344:role/ops", false),
            ("acs:ram::11223344:user/*", false),
            ("acs:ram::11223344:role/ops/session", false),
            ("acs:ram::11223344:role/", false),
            ("acs:ram:::role/*", false),
        ] {
            let g = identity_grants(&format!(
                r#"{{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "{pattern}"}}"#
            ));
            assert_eq!(g[0].matches_some_role(), some_role, "{pattern}");
        }
    }
}
