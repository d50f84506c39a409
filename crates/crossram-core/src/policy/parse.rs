//! Parsing and validation of policy documents into their compiled form, and the error that
//! names the statement and element at fault.

use std::fmt;

use super::json::{self, Node, Object};

use super::condition::{ConditionBlock, ConditionEntry, Operator, Scalar};
use super::{
    ActionIndex, ActionPattern, Effect, Pattern, PolicyDocument, PolicyKind, PrincipalElem,
    PrincipalKey, Statement, Trusted, Values, glob,
};
use crate::arn::is_account_id;
use crate::error::ApiError;

/// Why a document was refused: which statement (0-based), which element, and what is wrong.
///
/// Displayed as `statement 1: "Effect": expected "Allow" or "Deny", found "Permit"`, or without
/// the statement part for document-level problems (`"Version": ...`, invalid JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    statement: Option<usize>,
    element: Option<String>,
    message: String,
}

impl PolicyError {
    fn doc(element: &str, message: impl Into<String>) -> Self {
        Self {
            statement: None,
            element: Some(element.to_owned()),
            message: message.into(),
        }
    }

    fn stmt(index: usize, element: &str, message: impl Into<String>) -> Self {
        Self {
            statement: Some(index),
            element: Some(element.to_owned()),
            message: message.into(),
        }
    }

    /// The 0-based index of the statement at fault, if the problem is inside one.
    pub fn statement(&self) -> Option<usize> {
        self.statement
    }

    /// The element at fault (`Effect`, `Condition`, ...), if any.
    pub fn element(&self) -> Option<&str> {
        self.element.as_deref()
    }

    /// What is wrong, without the location.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 400 `MalformedPolicyDocument` carrying this explanation (RAM's answer for custom and
    /// trust policies).
    pub fn to_api_error(&self) -> ApiError {
        ApiError::malformed_policy(format!("The policy document is malformed: {self}"))
    }

    /// 400 `InvalidParameter.PolicyGrammar`, STS's answer for a bad session policy.
    pub fn to_session_api_error(&self) -> ApiError {
        ApiError::new(
            "InvalidParameter.PolicyGrammar",
            400,
            format!("The parameter Policy has not passed grammar check: {self}"),
        )
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(i) = self.statement {
            write!(f, "statement {i}: ")?;
        }
        if let Some(e) = &self.element {
            write!(f, "\"{e}\": ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// A short rendering of a JSON value for messages (long strings cut).
fn show(v: &Node<'_>) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

fn kind_name(kind: PolicyKind) -> &'static str {
    match kind {
        PolicyKind::Identity => "an identity policy",
        PolicyKind::Trust => "a trust policy",
        PolicyKind::Session => "a session policy",
    }
}

/// Whether the text is a JSON document with a statement that has `Principal`.
pub(super) fn looks_like_trust(text: &str) -> bool {
    let Ok(Node::Object(doc)) = json::parse(text) else {
        return false;
    };
    match doc.get("Statement") {
        Some(Node::Array(stmts)) => stmts
            .iter()
            .any(|s| matches!(s, Node::Object(o) if o.contains_key("Principal"))),
        Some(Node::Object(o)) => o.contains_key("Principal"),
        _ => false,
    }
}

pub(super) fn parse(text: &str, kind: PolicyKind) -> Result<PolicyDocument, PolicyError> {
    let value = json::parse(text).map_err(|e| PolicyError {
        statement: None,
        element: None,
        message: format!("not valid JSON: {e}"),
    })?;
    let Node::Object(doc) = value else {
        return Err(PolicyError {
            statement: None,
            element: None,
            message: format!("expected a JSON object, found {}", show(&value)),
        });
    };
    for key in doc.keys() {
        if key != "Version" && key != "Statement" {
            return Err(PolicyError {
                statement: None,
                element: None,
                message: format!(
                    "unknown element \"{key}\" (expected \"Version\" and \"Statement\")"
                ),
            });
        }
    }
    match doc.get("Version") {
        Some(Node::String(v)) if v == "1" => {}
        Some(v) => {
            return Err(PolicyError::doc(
                "Version",
                format!("expected \"1\", found {}", show(v)),
            ));
        }
        None => return Err(PolicyError::doc("Version", "missing (expected \"1\")")),
    }
    let stmts = match doc.get("Statement") {
        Some(Node::Array(a)) => a,
        Some(v) => {
            return Err(PolicyError::doc(
                "Statement",
                format!("expected an array of statements, found {}", show(v)),
            ));
        }
        None => return Err(PolicyError::doc("Statement", "missing")),
    };
    let mut statements = Vec::with_capacity(stmts.len());
    for (i, s) in stmts.iter().enumerate() {
        statements.push(parse_statement(i, s, kind)?);
    }
    let index = build_index(&statements);
    Ok(PolicyDocument {
        kind,
        statements,
        index,
    })
}

const STATEMENT_ELEMENTS: [&str; 6] = [
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "Principal",
    "Condition",
];

fn parse_statement(i: usize, v: &Node<'_>, kind: PolicyKind) -> Result<Statement, PolicyError> {
    let Node::Object(s) = v else {
        return Err(PolicyError {
            statement: Some(i),
            element: None,
            message: format!("expected a statement object, found {}", show(v)),
        });
    };
    for key in s.keys() {
        if !STATEMENT_ELEMENTS.contains(&key) {
            return Err(PolicyError {
                statement: Some(i),
                element: None,
                message: format!(
                    "unknown element \"{key}\" (expected Effect, Action or NotAction, Resource, Principal, Condition)"
                ),
            });
        }
    }
    let effect = match s.get("Effect") {
        Some(Node::String(e)) if e == "Allow" => Effect::Allow,
        Some(Node::String(e)) if e == "Deny" => Effect::Deny,
        Some(v) => {
            return Err(PolicyError::stmt(
                i,
                "Effect",
                format!("expected \"Allow\" or \"Deny\", found {}", show(v)),
            ));
        }
        None => return Err(PolicyError::stmt(i, "Effect", "missing")),
    };
    let (not_action, element, raw) = match (s.get("Action"), s.get("NotAction")) {
        (Some(a), None) => (false, "Action", a),
        (None, Some(a)) => (true, "NotAction", a),
        (Some(_), Some(_)) => {
            return Err(PolicyError::stmt(
                i,
                "NotAction",
                "a statement has either \"Action\" or \"NotAction\", not both",
            ));
        }
        (None, None) => {
            return Err(PolicyError::stmt(
                i,
                "Action",
                "missing (a statement needs \"Action\" or \"NotAction\")",
            ));
        }
    };
    let actions = strings(i, element, raw, false)?;
    let actions = Values {
        single: actions.single,
        items: actions
            .items
            .into_iter()
            .map(|a| compile_action(i, element, a))
            .collect::<Result<Vec<_>, _>>()?,
    };
    let resources = match (s.get("Resource"), kind) {
        (Some(_), PolicyKind::Trust) => {
            return Err(PolicyError::stmt(
                i,
                "Resource",
                "not allowed in a trust policy (the role is the resource)",
            ));
        }
        (Some(r), _) => {
            let r = strings(i, "Resource", r, false)?;
            for item in &r.items {
                validate_resource(i, item)?;
            }
            Some(Values {
                single: r.single,
                items: r.items.iter().map(|t| Pattern::new(t)).collect(),
            })
        }
        (None, PolicyKind::Trust) => None,
        (None, _) => {
            return Err(PolicyError::stmt(
                i,
                "Resource",
                format!("missing (required in {})", kind_name(kind)),
            ));
        }
    };
    let principal = match (s.get("Principal"), kind) {
        (Some(p), PolicyKind::Trust) => Some(parse_principal(i, p)?),
        (Some(_), _) => {
            return Err(PolicyError::stmt(
                i,
                "Principal",
                format!(
                    "not allowed in {} (only in trust policies)",
                    kind_name(kind)
                ),
            ));
        }
        (None, PolicyKind::Trust) => {
            return Err(PolicyError::stmt(
                i,
                "Principal",
                "missing (required in a trust policy)",
            ));
        }
        (None, _) => None,
    };
    let condition = match s.get("Condition") {
        Some(c) => Some(parse_condition(i, c)?),
        None => None,
    };
    Ok(Statement {
        effect,
        not_action,
        actions,
        resources,
        principal,
        condition,
    })
}

/// A string or a non-empty (unless `allow_empty`) array of strings.
fn strings(
    i: usize,
    element: &str,
    v: &Node<'_>,
    allow_empty: bool,
) -> Result<Values<String>, PolicyError> {
    match v {
        Node::String(s) => Ok(Values {
            single: true,
            items: vec![s.to_string()],
        }),
        Node::Array(items) => {
            if items.is_empty() && !allow_empty {
                return Err(PolicyError::stmt(i, element, "must not be an empty array"));
            }
            let items = items
                .iter()
                .map(|item| match item {
                    Node::String(s) => Ok(s.to_string()),
                    other => Err(PolicyError::stmt(
                        i,
                        element,
                        format!("expected a string, found {}", show(other)),
                    )),
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Values {
                single: false,
                items,
            })
        }
        other => Err(PolicyError::stmt(
            i,
            element,
            format!(
                "expected a string or an array of strings, found {}",
                show(other)
            ),
        )),
    }
}

fn compile_action(i: usize, element: &str, text: String) -> Result<ActionPattern, PolicyError> {
    let wild = glob::has_wildcard(&text);
    if text == "*" {
        return Ok(ActionPattern {
            text,
            service: None,
            wild,
        });
    }
    let valid_service = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'*' | b'?'))
    };
    let valid_name = |s: &str| !s.is_empty() && !s.chars().any(char::is_whitespace);
    match text.split_once(':') {
        Some((svc, name)) if valid_service(svc) && valid_name(name) => {
            let service = if glob::has_wildcard(svc) {
                None
            } else {
                Some(svc.to_ascii_lowercase())
            };
            Ok(ActionPattern {
                text,
                service,
                wild,
            })
        }
        _ => Err(PolicyError::stmt(
            i,
            element,
            format!("expected \"*\" or \"<service>:<action>\", found \"{text}\""),
        )),
    }
}

fn validate_resource(i: usize, text: &str) -> Result<(), PolicyError> {
    if text == "*" || (text.starts_with("acs:") && text.matches(':').count() >= 4) {
        return Ok(());
    }
    Err(PolicyError::stmt(
        i,
        "Resource",
        format!(
            "expected \"*\" or an ARN \"acs:<service>:<region>:<account>:<resource>\", found \"{text}\""
        ),
    ))
}

fn parse_principal(i: usize, v: &Node<'_>) -> Result<PrincipalElem, PolicyError> {
    let Node::Object(map) = v else {
        return Err(PolicyError::stmt(
            i,
            "Principal",
            format!(
                "expected an object with \"RAM\", \"Service\" or \"Federated\", found {}",
                show(v)
            ),
        ));
    };
    let mut entries = Vec::with_capacity(map.len());
    let mut trusted = Vec::new();
    for (key, value) in map.iter() {
        let pk = match key {
            "RAM" => PrincipalKey::Ram,
            "Service" => PrincipalKey::Service,
            "Federated" => PrincipalKey::Federated,
            other => {
                return Err(PolicyError::stmt(
                    i,
                    "Principal",
                    format!(
                        "unknown principal type \"{other}\" (expected RAM, Service or Federated)"
                    ),
                ));
            }
        };
        let element = format!("Principal.{key}");
        let values = strings(i, &element, value, true)?;
        for item in &values.items {
            trusted.push(compile_trusted(i, &element, pk, item)?);
        }
        entries.push((pk, values));
    }
    Ok(PrincipalElem { entries, trusted })
}

fn compile_trusted(
    i: usize,
    element: &str,
    key: PrincipalKey,
    text: &str,
) -> Result<Trusted, PolicyError> {
    let bad =
        |what: &str| PolicyError::stmt(i, element, format!("expected {what}, found \"{text}\""));
    match key {
        PrincipalKey::Ram => {
            if text == "*" {
                return Ok(Trusted::AnyRam);
            }
            const WHAT: &str = "\"acs:ram::<account>:root\", \"acs:ram::<account>:user/<name>\" or \"acs:ram::<account>:role/<name>\"";
            let rest = text.strip_prefix("acs:ram::").ok_or_else(|| bad(WHAT))?;
            let (account, rel) = rest.split_once(':').ok_or_else(|| bad(WHAT))?;
            if !is_account_id(account) {
                return Err(bad(WHAT));
            }
            let named = |prefix: &str| {
                rel.strip_prefix(prefix)
                    .filter(|n| !n.is_empty() && !n.contains(['/', ':', '*', '?']))
            };
            if rel == "root" {
                Ok(Trusted::Account(account.to_owned()))
            } else if let Some(n) = named("user/") {
                Ok(Trusted::User(account.to_owned(), n.to_owned()))
            } else if let Some(n) = named("role/") {
                Ok(Trusted::Role(account.to_owned(), n.to_owned()))
            } else {
                Err(bad(WHAT))
            }
        }
        PrincipalKey::Service => {
            let ok = !text.is_empty()
                && text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
            if ok {
                Ok(Trusted::Service(text.to_owned()))
            } else {
                Err(bad("a service name such as \"ecs.aliyuncs.com\""))
            }
        }
        PrincipalKey::Federated => {
            let ok = text.strip_prefix("acs:ram::").is_some_and(|rest| {
                rest.split_once(':').is_some_and(|(acct, rel)| {
                    is_account_id(acct)
                        && (rel
                            .strip_prefix("saml-provider/")
                            .is_some_and(|n| !n.is_empty())
                            || rel
                                .strip_prefix("oidc-provider/")
                                .is_some_and(|n| !n.is_empty()))
                })
            });
            if ok {
                Ok(Trusted::Federated(text.to_owned()))
            } else {
                Err(bad(
                    "\"acs:ram::<account>:saml-provider/<name>\" or \"acs:ram::<account>:oidc-provider/<name>\"",
                ))
            }
        }
    }
}

fn parse_condition(i: usize, v: &Node<'_>) -> Result<Vec<ConditionBlock>, PolicyError> {
    let Node::Object(ops) = v else {
        return Err(PolicyError::stmt(
            i,
            "Condition",
            format!("expected an object of operators, found {}", show(v)),
        ));
    };
    let mut blocks = Vec::with_capacity(ops.len());
    for (name, keys) in ops.iter() {
        let Some(op) = Operator::from_name(name) else {
            return Err(PolicyError::stmt(
                i,
                "Condition",
                format!("unknown operator \"{name}\""),
            ));
        };
        let element = format!("Condition.{name}");
        let Node::Object(keys) = keys else {
            return Err(PolicyError::stmt(
                i,
                &element,
                format!("expected an object of condition keys, found {}", show(keys)),
            ));
        };
        blocks.push(ConditionBlock {
            op,
            entries: parse_condition_keys(i, &element, op, keys)?,
        });
    }
    Ok(blocks)
}

fn parse_condition_keys(
    i: usize,
    element: &str,
    op: Operator,
    keys: &Object<'_>,
) -> Result<Vec<ConditionEntry>, PolicyError> {
    let mut entries = Vec::with_capacity(keys.len());
    for (key, value) in keys.iter() {
        if key.is_empty() {
            return Err(PolicyError::stmt(i, element, "empty condition key"));
        }
        let scalar = |v: &Node<'_>| match v {
            Node::String(s) => Ok(Scalar::Str(s.to_string())),
            Node::Number(n) => Ok(Scalar::Num(n.clone())),
            Node::Bool(b) => Ok(Scalar::Bool(*b)),
            other => Err(PolicyError::stmt(
                i,
                element,
                format!(
                    "value for \"{key}\" must be a string, found {}",
                    show(other)
                ),
            )),
        };
        let values = match value {
            Node::Array(items) => {
                if items.is_empty() {
                    return Err(PolicyError::stmt(
                        i,
                        element,
                        format!("values for \"{key}\" must not be an empty array"),
                    ));
                }
                Values {
                    single: false,
                    items: items.iter().map(scalar).collect::<Result<Vec<_>, _>>()?,
                }
            }
            other => Values {
                single: true,
                items: vec![scalar(other)?],
            },
        };
        let entry = ConditionEntry::new(op, key.to_owned(), values)
            .map_err(|m| PolicyError::stmt(i, element, m))?;
        entries.push(entry);
    }
    Ok(entries)
}

fn build_index(statements: &[Statement]) -> ActionIndex {
    let mut by_service: Vec<(String, Vec<u32>)> = Vec::new();
    let mut always = Vec::new();
    for (i, s) in statements.iter().enumerate() {
        let Ok(i) = u32::try_from(i) else { break };
        let literal_services: Option<Vec<&str>> = if s.not_action {
            None
        } else {
            s.actions
                .items
                .iter()
                .map(|a| a.service.as_deref())
                .collect()
        };
        match literal_services {
            None => always.push(i),
            Some(services) => {
                for svc in services {
                    match by_service.binary_search_by(|(k, _)| k.as_str().cmp(svc)) {
                        Ok(pos) => {
                            if let Some((_, list)) = by_service.get_mut(pos)
                                && list.last() != Some(&i)
                            {
                                list.push(i);
                            }
                        }
                        Err(pos) => by_service.insert(pos, (svc.to_owned(), vec![i])),
                    }
                }
            }
        }
    }
    ActionIndex { by_service, always }
}
