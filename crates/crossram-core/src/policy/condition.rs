//! Condition blocks (spec §5.3): the operators, their compiled values and their evaluation.
//!
//! Several values for one key OR together; several keys under one operator AND; several
//! operators in one block AND. Negated operators are the exact negation of their positive twin
//! (so they hold when the request lacks the key); see the module docs of [`crate::policy`].

use std::borrow::Cow;
use std::net::IpAddr;

use ipnet::IpNet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::Values;
use super::context::Context;
use super::glob::glob_match;

/// The condition operators of spec §5.3.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    IpAddress,
    NotIpAddress,
}

/// Every operator, for lookups and tests.
pub(crate) const OPERATORS: [Operator; 21] = [
    Operator::StringEquals,
    Operator::StringNotEquals,
    Operator::StringEqualsIgnoreCase,
    Operator::StringNotEqualsIgnoreCase,
    Operator::StringLike,
    Operator::StringNotLike,
    Operator::NumericEquals,
    Operator::NumericNotEquals,
    Operator::NumericLessThan,
    Operator::NumericLessThanEquals,
    Operator::NumericGreaterThan,
    Operator::NumericGreaterThanEquals,
    Operator::DateEquals,
    Operator::DateNotEquals,
    Operator::DateLessThan,
    Operator::DateLessThanEquals,
    Operator::DateGreaterThan,
    Operator::DateGreaterThanEquals,
    Operator::Bool,
    Operator::IpAddress,
    Operator::NotIpAddress,
];

/// The type an operator compares as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Ip,
}

/// How a positive operator compares the request value with the policy value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Operator {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::StringEquals => "StringEquals",
            Self::StringNotEquals => "StringNotEquals",
            Self::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
            Self::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
            Self::StringLike => "StringLike",
            Self::StringNotLike => "StringNotLike",
            Self::NumericEquals => "NumericEquals",
            Self::NumericNotEquals => "NumericNotEquals",
            Self::NumericLessThan => "NumericLessThan",
            Self::NumericLessThanEquals => "NumericLessThanEquals",
            Self::NumericGreaterThan => "NumericGreaterThan",
            Self::NumericGreaterThanEquals => "NumericGreaterThanEquals",
            Self::DateEquals => "DateEquals",
            Self::DateNotEquals => "DateNotEquals",
            Self::DateLessThan => "DateLessThan",
            Self::DateLessThanEquals => "DateLessThanEquals",
            Self::DateGreaterThan => "DateGreaterThan",
            Self::DateGreaterThanEquals => "DateGreaterThanEquals",
            Self::Bool => "Bool",
            Self::IpAddress => "IpAddress",
            Self::NotIpAddress => "NotIpAddress",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        OPERATORS.iter().copied().find(|op| op.name() == name)
    }

    /// Whether the operator is the negation of a positive one.
    pub(crate) fn negated(self) -> bool {
        matches!(
            self,
            Self::StringNotEquals
                | Self::StringNotEqualsIgnoreCase
                | Self::StringNotLike
                | Self::NumericNotEquals
                | Self::DateNotEquals
                | Self::NotIpAddress
        )
    }

    fn family(self) -> Family {
        match self {
            Self::StringEquals
            | Self::StringNotEquals
            | Self::StringEqualsIgnoreCase
            | Self::StringNotEqualsIgnoreCase
            | Self::StringLike
            | Self::StringNotLike => Family::String,
            Self::NumericEquals
            | Self::NumericNotEquals
            | Self::NumericLessThan
            | Self::NumericLessThanEquals
            | Self::NumericGreaterThan
            | Self::NumericGreaterThanEquals => Family::Numeric,
            Self::DateEquals
            | Self::DateNotEquals
            | Self::DateLessThan
            | Self::DateLessThanEquals
            | Self::DateGreaterThan
            | Self::DateGreaterThanEquals => Family::Date,
            Self::Bool => Family::Bool,
            Self::IpAddress | Self::NotIpAddress => Family::Ip,
        }
    }

    fn cmp(self) -> Cmp {
        match self {
            Self::NumericLessThan | Self::DateLessThan => Cmp::Lt,
            Self::NumericLessThanEquals | Self::DateLessThanEquals => Cmp::Le,
            Self::NumericGreaterThan | Self::DateGreaterThan => Cmp::Gt,
            Self::NumericGreaterThanEquals | Self::DateGreaterThanEquals => Cmp::Ge,
            _ => Cmp::Eq,
        }
    }
}

/// A condition value as written: JSON string, number or boolean.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Scalar {
    Str(String),
    Num(serde_json::Number),
    Bool(bool),
}

impl Scalar {
    pub(crate) fn text(&self) -> Cow<'_, str> {
        match self {
            Self::Str(s) => Cow::Borrowed(s),
            Self::Num(n) => Cow::Owned(n.to_string()),
            Self::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }

    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Self::Str(s) => serde_json::Value::String(s.clone()),
            Self::Num(n) => serde_json::Value::Number(n.clone()),
            Self::Bool(b) => serde_json::Value::Bool(*b),
        }
    }
}

/// A policy value compiled for its operator's type.
#[derive(Clone, Debug, PartialEq)]
enum Compiled {
    Str(String),
    Num(f64),
    Date(i128),
    Bool(bool),
    Ip(IpNet),
}

/// One key under an operator with its values.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConditionEntry {
    pub(crate) key: String,
    pub(crate) values: Values<Scalar>,
    compiled: Vec<Compiled>,
}

/// One operator with its keys.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ConditionBlock {
    pub(crate) op: Operator,
    pub(crate) entries: Vec<ConditionEntry>,
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

pub(crate) fn parse_date(s: &str) -> Option<i128> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp_nanos)
}

/// Whether a condition of date operator `op` (by name) with `values` holds for a request made at
/// `now` (RFC 3339), as the engine decides it; `None` when `op` is not a date operator or a
/// time does not parse.
pub(crate) fn date_holds(op: &str, values: &[String], now: &str) -> Option<bool> {
    let op = Operator::from_name(op).filter(|op| op.family() == Family::Date)?;
    let now = parse_date(now)?;
    let mut positive = false;
    for v in values {
        positive |= compare(op.cmp(), now, parse_date(v)?);
    }
    Some(positive != op.negated())
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    if s.eq_ignore_ascii_case("true") {
        Some(true)
    } else if s.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

fn parse_ip_net(s: &str) -> Option<IpNet> {
    let s = s.trim();
    s.parse::<IpNet>()
        .ok()
        .map(|n| n.trunc())
        .or_else(|| s.parse::<IpAddr>().ok().map(IpNet::from))
}

impl ConditionEntry {
    /// Compiles `key` with `values` for `op`; the error message names the offending value.
    pub(crate) fn new(op: Operator, key: String, values: Values<Scalar>) -> Result<Self, String> {
        let mut compiled = Vec::with_capacity(values.items.len());
        for v in &values.items {
            let text = v.text();
            let c = match (op.family(), v) {
                (Family::String, _) => Some(Compiled::Str(text.into_owned())),
                (Family::Numeric, Scalar::Bool(_)) => None,
                (Family::Numeric, _) => parse_number(&text).map(Compiled::Num),
                (Family::Date, Scalar::Str(s)) => parse_date(s).map(Compiled::Date),
                (Family::Date, _) => None,
                (Family::Bool, Scalar::Bool(b)) => Some(Compiled::Bool(*b)),
                (Family::Bool, Scalar::Str(s)) => parse_bool(s).map(Compiled::Bool),
                (Family::Bool, Scalar::Num(_)) => None,
                (Family::Ip, Scalar::Str(s)) => parse_ip_net(s).map(Compiled::Ip),
                (Family::Ip, _) => None,
            };
            let expected = match op.family() {
                Family::String => "a string",
                Family::Numeric => "a number",
                Family::Date => "an ISO 8601 date and time such as \"2026-11-29T10:00:00Z\"",
                Family::Bool => "\"true\" or \"false\"",
                Family::Ip => "an IP address or CIDR block",
            };
            match c {
                Some(c) => compiled.push(c),
                None => {
                    return Err(format!(
                        "{} value for \"{key}\" must be {expected}, found {}",
                        op.name(),
                        v.to_json()
                    ));
                }
            }
        }
        Ok(Self {
            key,
            values,
            compiled,
        })
    }

    /// Whether one request value matches any policy value under the positive form of `op`.
    fn value_matches(&self, op: Operator, request: &str) -> bool {
        match op.family() {
            Family::String => self.compiled.iter().any(|c| match c {
                Compiled::Str(p) => match op {
                    Operator::StringEqualsIgnoreCase | Operator::StringNotEqualsIgnoreCase => {
                        eq_ignore_case(p, request)
                    }
                    Operator::StringLike | Operator::StringNotLike => glob_match(p, request, false),
                    _ => p == request,
                },
                _ => false,
            }),
            Family::Numeric => parse_number(request).is_some_and(|r| {
                self.compiled.iter().any(|c| match c {
                    Compiled::Num(p) => compare(op.cmp(), r, *p),
                    _ => false,
                })
            }),
            Family::Date => parse_date(request).is_some_and(|r| {
                self.compiled.iter().any(|c| match c {
                    Compiled::Date(p) => compare(op.cmp(), r, *p),
                    _ => false,
                })
            }),
            Family::Bool => parse_bool(request).is_some_and(|r| {
                self.compiled
                    .iter()
                    .any(|c| matches!(c, Compiled::Bool(p) if *p == r))
            }),
            Family::Ip => request.trim().parse::<IpAddr>().is_ok_and(|r| {
                self.compiled
                    .iter()
                    .any(|c| matches!(c, Compiled::Ip(net) if net.contains(&r)))
            }),
        }
    }

    fn matches(&self, op: Operator, context: &Context) -> bool {
        let positive = context
            .get(&self.key)
            .iter()
            .any(|v| self.value_matches(op, v));
        positive != op.negated()
    }
}

impl ConditionBlock {
    /// Whether every key of the block holds for `context`.
    pub(crate) fn matches(&self, context: &Context) -> bool {
        self.entries.iter().all(|e| e.matches(self.op, context))
    }

    /// The keys of the block that do not hold for `context`, as written in the policy, each
    /// with whether the request carries the key at all.
    pub(crate) fn unmet<'b>(
        &'b self,
        context: &'b Context,
    ) -> impl Iterator<Item = (&'b str, bool)> + 'b {
        self.entries
            .iter()
            .filter(move |e| !e.matches(self.op, context))
            .map(move |e| (e.key.as_str(), context.contains(&e.key)))
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

fn compare<T: PartialOrd>(cmp: Cmp, request: T, policy: T) -> bool {
    match cmp {
        Cmp::Eq => request == policy,
        Cmp::Lt => request < policy,
        Cmp::Le => request <= policy,
        Cmp::Gt => request > policy,
        Cmp::Ge => request >= policy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for op in OPERATORS {
            assert_eq!(Operator::from_name(op.name()), Some(op));
        }
        assert_eq!(Operator::from_name("StringEqualsIfExists"), None);
        assert_eq!(Operator::from_name("stringequals"), None);
    }

    #[test]
    fn ip_values() {
        assert!(parse_ip_net("10.0.0.0/8").is_some());
        assert!(parse_ip_net("10.1.2.3").is_some());
        assert!(parse_ip_net("2001:db8::/32").is_some());
        assert!(parse_ip_net("10.0.0.0/33").is_none());
        assert!(parse_ip_net("nope").is_none());
    }

    #[test]
    fn dates_with_offsets_compare_as_instants() {
        assert_eq!(
            parse_date("2019-08-12T17:00:00+08:00"),
            parse_date("2019-08-12T09:00:00Z")
        );
        assert!(parse_date("2019-08-12").is_none());
    }
}
