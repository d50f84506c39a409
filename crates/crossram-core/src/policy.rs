//! The RAM policy language (spec §5): parse and validate a document once into a compiled form,
//! print it back, and evaluate requests against sets of documents, returning a decision plus
//! the statements that decided it.
//!
//! # Grammar decisions (where the public sources are silent)
//!
//! - `Version` must be the string `"1"`; `Statement` must be an array (a single statement
//!   object is rejected: no Alibaba grammar shows it). An empty array is accepted and allows
//!   nothing.
//! - Elements are case-sensitive (`Effect`, `Action`, ...) and unknown elements (`Sid`, `Id`,
//!   `NotResource`, ...) are rejected, so a typo never silently widens or narrows a policy.
//! - Identity and session policies need `Resource` and must not have `Principal`; trust
//!   policies need `Principal` and must not have `Resource`.
//! - `Action`, `Resource` and condition value lists must not be empty; a `Principal` value list
//!   may be (`"RAM": []` trusts nobody: that is what is left after revoking the last account).
//! - Condition values may be JSON strings (as documented), numbers or booleans; they are
//!   printed back as written.
//! - Condition operators are the ones of spec §5.3, exactly spelled; there is no `IfExists`
//!   suffix and no `ForAllValues:`/`ForAnyValue:` prefix (no Alibaba source shows them), so they
//!   are rejected as unknown operators.
//! - Condition keys are free (services define their own) and case-insensitive.
//!
//! # Matching decisions
//!
//! - Actions match case-insensitively (ASCII) with `*`/`?` wildcards; resources and `StringLike`
//!   values match case-sensitively with the same wildcards.
//! - A request key with several values matches an operator when any request value matches any
//!   policy value. A negated operator (`StringNotEquals`, `StringNotEqualsIgnoreCase`,
//!   `StringNotLike`, `NumericNotEquals`, `DateNotEquals`, `NotIpAddress`) is exactly the
//!   negation of its positive twin, so it is **true when the key is missing** from the request,
//!   and false when any request value matches any listed value.
//! - A request value that cannot be read as the operator's type (a non-number for `Numeric*`,
//!   an unparsable date or IP) matches nothing for positive operators.
//! - Principal elements (trust policies) are compared when the request names a principal. With
//!   no principal ([`Request::principal`] = `None`) they are not checked, which is what the
//!   simulator does without `--principal`; [`authorize_assume_role`] instead refuses a request
//!   without a principal.
//! - Trust principals compare exactly: account ids, user and role names are case-sensitive;
//!   service names (`ecs.aliyuncs.com`) compare case-insensitively. `"RAM": "*"` trusts every
//!   RAM user and role session of any account; no form trusts an account's root (roots cannot
//!   assume roles), and `Federated` entries never match an API caller.
//! - Statement indices are 0-based positions in the `Statement` array.

mod condition;
mod context;
mod eval;
pub(crate) mod glob;
mod json;
mod parse;
mod print;
mod review;

pub use context::Context;
pub use eval::{
    AssumeRoleEvaluation, NearMiss, Side, Unmet, admits, authorize, authorize_assume_role,
    combine_assume_role, evaluate, near_misses,
};
pub use parse::PolicyError;
pub use review::{ConditionKey, Grant};

use condition::ConditionBlock;

/// Which kind of document a policy is: it decides which elements are required and allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// A policy attached to users, groups or roles (custom or system).
    Identity,
    /// A role's trust policy (`AssumeRolePolicyDocument`): has `Principal`, no `Resource`.
    Trust,
    /// A session policy passed to AssumeRole (`Policy`): the grammar of identity policies.
    Session,
}

/// The effect of a statement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    /// `"Allow"`.
    Allow,
    /// `"Deny"`.
    Deny,
}

impl Effect {
    /// `Allow` or `Deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::Deny => "Deny",
        }
    }
}

impl std::fmt::Display for Effect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The outcome of an evaluation (spec §5.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// A matching Allow and no matching Deny.
    Allow,
    /// A matching Deny.
    ExplicitDeny,
    /// Nothing matched (the default).
    ImplicitDeny,
}

impl Decision {
    /// `Allow`, `ExplicitDeny` or `ImplicitDeny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "Allow",
            Self::ExplicitDeny => "ExplicitDeny",
            Self::ImplicitDeny => "ImplicitDeny",
        }
    }

    /// Whether the decision is [`Decision::Allow`].
    pub fn is_allow(self) -> bool {
        self == Self::Allow
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One request to decide.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The action, e.g. `ecs:StopInstance`.
    pub action: &'a str,
    /// The resource ARN, e.g. `acs:ecs:cn-hangzhou:11223344:instance/i-1`.
    pub resource: &'a str,
    /// The caller, compared with trust-policy `Principal` elements (see the module docs for
    /// `None`).
    pub principal: Option<&'a crate::arn::Principal>,
    /// Condition keys and values.
    pub context: &'a Context,
}

/// A policy document with the name it is reported under in [`Matched`].
#[derive(Clone, Copy, Debug)]
pub struct NamedPolicy<'a> {
    /// The name (policy name, file name, ...).
    pub name: &'a str,
    /// The document.
    pub document: &'a PolicyDocument,
}

/// A statement that took part in a decision.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Matched {
    /// The [`NamedPolicy::name`] of its policy.
    pub policy: String,
    /// Its 0-based index in the `Statement` array.
    pub statement: usize,
    /// Its effect.
    pub effect: Effect,
}

/// A decision and the statements that made it: every matching Deny for
/// [`Decision::ExplicitDeny`], every matching Allow for [`Decision::Allow`], none for
/// [`Decision::ImplicitDeny`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    /// The decision.
    pub decision: Decision,
    /// The deciding statements, in policy order then statement order.
    pub matched: Vec<Matched>,
}

impl std::fmt::Display for Matched {
    /// `<policy>#<statement>`, the form of `AccessDeniedDetail.PolicyType`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}#{}", self.policy, self.statement)
    }
}

impl std::fmt::Display for Evaluation {
    /// The decision and its reasons: `Allow by AliyunECSFullAccess#0`,
    /// `ExplicitDeny by a#1, b#0`, `ImplicitDeny (no statement matched)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.decision)?;
        if self.matched.is_empty() {
            return f.write_str(" (no statement matched)");
        }
        f.write_str(" by ")?;
        for (i, m) in self.matched.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{m}")?;
        }
        Ok(())
    }
}

impl Evaluation {
    /// An implicit deny with no reasons.
    pub fn implicit_deny() -> Self {
        Self {
            decision: Decision::ImplicitDeny,
            matched: Vec::new(),
        }
    }
}

/// A JSON value as written in a document: one string or an array (kept for printing).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Values<T> {
    /// Written as a single value rather than an array.
    pub(crate) single: bool,
    pub(crate) items: Vec<T>,
}

/// A compiled `Action`/`NotAction` value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ActionPattern {
    /// As written.
    pub(crate) text: String,
    /// Lower-cased service prefix when it is literal (no wildcard before the `:`).
    pub(crate) service: Option<String>,
    /// Whether the value has a wildcard.
    pub(crate) wild: bool,
}

impl ActionPattern {
    pub(crate) fn matches(&self, action: &str) -> bool {
        if self.wild {
            glob::glob_match(&self.text, action, true)
        } else {
            self.text.eq_ignore_ascii_case(action)
        }
    }
}

/// A compiled wildcard string (resources): the common shapes get fast paths.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Pattern {
    /// `*`.
    Any,
    /// No wildcard.
    Literal(String),
    /// `prefix*` with no other wildcard (the field holds the whole text).
    Prefix(String),
    /// Anything else.
    Glob(String),
}

impl Pattern {
    pub(crate) fn new(text: &str) -> Self {
        if text == "*" {
            return Self::Any;
        }
        match text.strip_suffix('*') {
            Some(head) if !glob::has_wildcard(head) => Self::Prefix(text.to_owned()),
            _ if glob::has_wildcard(text) => Self::Glob(text.to_owned()),
            _ => Self::Literal(text.to_owned()),
        }
    }

    pub(crate) fn text(&self) -> &str {
        match self {
            Self::Any => "*",
            Self::Literal(s) | Self::Prefix(s) | Self::Glob(s) => s,
        }
    }

    pub(crate) fn matches(&self, value: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Literal(s) => s == value,
            Self::Prefix(s) => value.starts_with(s.strip_suffix('*').unwrap_or(s)),
            Self::Glob(s) => glob::glob_match(s, value, false),
        }
    }
}

/// The trusted entity kinds of a `Principal` element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum PrincipalKey {
    Ram,
    Service,
    Federated,
}

impl PrincipalKey {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Ram => "RAM",
            Self::Service => "Service",
            Self::Federated => "Federated",
        }
    }
}

/// Whom a trust policy's `Principal` element trusts, one entry as written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Trusted {
    /// `"RAM": "*"`: every RAM user and role session of every account.
    AnyRam,
    /// `acs:ram::<uid>:root`: every RAM user and role session of the account (not its root).
    Account(String),
    /// `acs:ram::<uid>:user/<name>`.
    User(String, String),
    /// `acs:ram::<uid>:role/<name>`: sessions of that role.
    Role(String, String),
    /// A service name such as `ecs.aliyuncs.com` (compared case-insensitively).
    Service(String),
    /// A SAML or OIDC provider, as its ARN: never matches an API caller here.
    Federated(String),
}

/// A compiled `Principal` element (entries in the order written).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct PrincipalElem {
    pub(crate) entries: Vec<(PrincipalKey, Values<String>)>,
    pub(crate) trusted: Vec<Trusted>,
}

/// One compiled statement.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Statement {
    pub(crate) effect: Effect,
    /// `NotAction` rather than `Action`.
    pub(crate) not_action: bool,
    pub(crate) actions: Values<ActionPattern>,
    pub(crate) resources: Option<Values<Pattern>>,
    pub(crate) principal: Option<PrincipalElem>,
    pub(crate) condition: Option<Vec<ConditionBlock>>,
}

/// Statements indexed by the literal service prefix of their actions, so a request only looks
/// at statements that can match its service.
#[derive(Clone, Debug, PartialEq, Default)]
pub(crate) struct ActionIndex {
    /// Sorted by lower-case service prefix; statement indices ascending.
    pub(crate) by_service: Vec<(String, Vec<u32>)>,
    /// Statements that any action may match (`NotAction`, `*`, wildcard prefixes), ascending.
    pub(crate) always: Vec<u32>,
}

/// A parsed, validated and compiled policy document. Parse once, evaluate many times; cheap to
/// share (`Send + Sync`).
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyDocument {
    pub(crate) kind: PolicyKind,
    pub(crate) statements: Vec<Statement>,
    pub(crate) index: ActionIndex,
}

impl PolicyDocument {
    /// Parses and validates `text` as a document of `kind`. Size limits are not checked here
    /// (see [`crate::limits::Limits::check_policy_size`]). Never panics.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Self, PolicyError> {
        parse::parse(text, kind)
    }

    /// Parses a document whose kind is told by its content: a trust policy when any statement
    /// has `Principal`, otherwise an identity policy (what `crossram policy simulate` does).
    pub fn parse_detect(text: &str) -> Result<Self, PolicyError> {
        let kind = if parse::looks_like_trust(text) {
            PolicyKind::Trust
        } else {
            PolicyKind::Identity
        };
        parse::parse(text, kind)
    }

    /// The document printed as compact JSON, elements in a fixed order, values as written
    /// (single string or array). `parse(&doc.to_json(), doc.kind()) == Ok(doc)`.
    pub fn to_json(&self) -> String {
        print::to_json(self)
    }

    /// The kind the document was parsed as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The number of statements.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// The effect of statement `index`, if it exists.
    pub fn statement_effect(&self, index: usize) -> Option<Effect> {
        self.statements.get(index).map(|s| s.effect)
    }

    /// True when some statement has a `Condition`: only then does evaluating the document read
    /// the request's [`Context`].
    pub fn has_conditions(&self) -> bool {
        self.statements.iter().any(|s| s.condition.is_some())
    }

    /// A document of `kind` with no statement (allows nothing).
    pub fn empty(kind: PolicyKind) -> Self {
        Self {
            kind,
            statements: Vec::new(),
            index: ActionIndex::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_are_shareable() {
        fn assert_send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
        assert_send_sync::<PolicyDocument>();
        assert_send_sync::<PolicyError>();
    }

    #[test]
    fn evaluations_explain_themselves() {
        let m = |p: &str, i| Matched {
            policy: p.into(),
            statement: i,
            effect: Effect::Deny,
        };
        let e = Evaluation {
            decision: Decision::ExplicitDeny,
            matched: vec![m("a", 1), m("b", 0)],
        };
        assert_eq!(e.to_string(), "ExplicitDeny by a#1, b#0");
        assert_eq!(
            Evaluation::implicit_deny().to_string(),
            "ImplicitDeny (no statement matched)"
        );
    }

    #[test]
    fn patterns() {
        assert!(Pattern::new("*").matches(""));
        assert!(Pattern::new("acs:ecs:*").matches("acs:ecs:x"));
        assert!(!Pattern::new("acs:ecs:*").matches("acs:ram:x"));
        assert!(Pattern::new("a?c").matches("abc"));
        assert!(Pattern::new("abc").matches("abc"));
        assert!(!Pattern::new("abc").matches("ABC"));
        assert!(matches!(Pattern::new("a*b*"), Pattern::Glob(_)));
        assert!(matches!(Pattern::new("a?*"), Pattern::Glob(_)));
    }
}
