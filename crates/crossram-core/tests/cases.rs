//! Data-driven tests of the policy engine: every `tests/cases/*.json` file holds policies,
//! requests with the expected decision and deciding statements, and malformed documents with
//! the expected error location. The format rejects unknown fields, so a typo in a case file
//! fails the run instead of silently testing nothing.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test harness: a failed unwrap is a failed assertion"
)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossram_core::policy::{authorize, authorize_assume_role, evaluate};
use crossram_core::{
    Context, Decision, Effect, Evaluation, Matched, NamedPolicy, PolicyDocument, PolicyKind,
    Principal, Request,
};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    description: String,
    #[serde(default)]
    policies: Vec<PolicyCase>,
    #[serde(default)]
    requests: Vec<RequestCase>,
    #[serde(default)]
    malformed: Vec<MalformedCase>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum KindCase {
    Identity,
    Trust,
    Session,
}

impl KindCase {
    fn kind(self) -> PolicyKind {
        match self {
            Self::Identity => PolicyKind::Identity,
            Self::Trust => PolicyKind::Trust,
            Self::Session => PolicyKind::Session,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyCase {
    name: String,
    kind: KindCase,
    document: Value,
}

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq)]
#[serde(rename_all = "snake_case")]
enum Mode {
    /// `evaluate` over the listed policies as one set.
    #[default]
    Evaluate,
    /// `authorize`: identity policies, at most one session policy.
    Authorize,
    /// `authorize_assume_role`: identity, optional session, exactly one trust policy.
    AssumeRole,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestCase {
    description: String,
    #[serde(default)]
    mode: Mode,
    /// Policy names to use (default: every policy of the file).
    #[serde(default)]
    policies: Option<Vec<String>>,
    action: String,
    resource: String,
    #[serde(default)]
    principal: Option<String>,
    #[serde(default)]
    context: BTreeMap<String, OneOrMany>,
    decision: String,
    matched: Vec<MatchedCase>,
    #[serde(default)]
    refused_by: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct MatchedCase {
    policy: String,
    statement: usize,
    effect: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MalformedCase {
    description: String,
    kind: KindCase,
    #[serde(default)]
    document: Option<Value>,
    #[serde(default)]
    text: Option<String>,
    statement: Option<usize>,
    element: Option<String>,
    message_contains: String,
}

fn case_files() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 4, "case files missing in {}", dir.display());
    files
}

fn effect_name(e: Effect) -> &'static str {
    e.as_str()
}

fn to_cases(m: &[Matched]) -> Vec<MatchedCase> {
    m.iter()
        .map(|m| MatchedCase {
            policy: m.policy.clone(),
            statement: m.statement,
            effect: effect_name(m.effect).to_owned(),
        })
        .collect()
}

fn run_request(
    file: &str,
    docs: &[(String, PolicyKind, PolicyDocument)],
    r: &RequestCase,
    failures: &mut Vec<String>,
) {
    let selected: Vec<&(String, PolicyKind, PolicyDocument)> = match &r.policies {
        Some(names) => names
            .iter()
            .map(|n| {
                docs.iter()
                    .find(|(name, _, _)| name == n)
                    .unwrap_or_else(|| panic!("{file}: {}: unknown policy {n}", r.description))
            })
            .collect(),
        None => docs.iter().collect(),
    };
    let mut context = Context::default();
    for (k, v) in &r.context {
        match v {
            OneOrMany::One(s) => context.insert(k, s.clone()),
            OneOrMany::Many(list) => list.iter().for_each(|s| context.insert(k, s.clone())),
        }
    }
    let principal = r
        .principal
        .as_ref()
        .map(|p| Principal::parse_arn(p).unwrap_or_else(|e| panic!("{file}: {p}: {e}")));
    let request = Request {
        action: &r.action,
        resource: &r.resource,
        principal: principal.as_ref(),
        context: &context,
    };
    let named = |kind: Option<PolicyKind>| -> Vec<NamedPolicy<'_>> {
        selected
            .iter()
            .filter(|(_, k, _)| kind.is_none_or(|want| *k == want))
            .map(|(name, _, document)| NamedPolicy { name, document })
            .collect()
    };
    let (got, refused): (Evaluation, Option<&str>) = match r.mode {
        Mode::Evaluate => (evaluate(&request, &named(None)), None),
        Mode::Authorize => {
            let session = named(Some(PolicyKind::Session)).first().copied();
            (
                authorize(&request, &named(Some(PolicyKind::Identity)), session),
                None,
            )
        }
        Mode::AssumeRole => {
            let session = named(Some(PolicyKind::Session)).first().copied();
            let trust = named(Some(PolicyKind::Trust));
            assert_eq!(
                trust.len(),
                1,
                "{file}: {}: one trust policy",
                r.description
            );
            let out = authorize_assume_role(
                &request,
                &named(Some(PolicyKind::Identity)),
                session,
                trust[0],
            );
            (out.to_evaluation(), out.refused_by.map(|s| s.as_str()))
        }
    };
    let want_decision = match r.decision.as_str() {
        "Allow" => Decision::Allow,
        "ExplicitDeny" => Decision::ExplicitDeny,
        "ImplicitDeny" => Decision::ImplicitDeny,
        other => panic!("{file}: bad decision {other}"),
    };
    if got.decision != want_decision || to_cases(&got.matched) != r.matched {
        failures.push(format!(
            "{file}: {}: want {} {:?}, got {} {:?}",
            r.description,
            r.decision,
            r.matched,
            got.decision,
            to_cases(&got.matched)
        ));
    }
    if r.mode == Mode::AssumeRole && refused != r.refused_by.as_deref() {
        failures.push(format!(
            "{file}: {}: refused_by want {:?}, got {refused:?}",
            r.description, r.refused_by
        ));
    }
}

fn run_malformed(file: &str, m: &MalformedCase, failures: &mut Vec<String>) {
    let text = match (&m.text, &m.document) {
        (Some(t), None) => t.clone(),
        (None, Some(d)) => d.to_string(),
        _ => panic!(
            "{file}: {}: give exactly one of text and document",
            m.description
        ),
    };
    match PolicyDocument::parse(&text, m.kind.kind()) {
        Ok(_) => failures.push(format!("{file}: {}: parsed, want an error", m.description)),
        Err(e) => {
            let shown = e.to_string();
            if e.statement() != m.statement
                || e.element() != m.element.as_deref()
                || !shown.contains(&m.message_contains)
            {
                failures.push(format!(
                    "{file}: {}: want statement {:?} element {:?} containing {:?}, got {shown:?}",
                    m.description, m.statement, m.element, m.message_contains
                ));
            }
            let api = e.to_api_error();
            assert_eq!(api.code(), "MalformedPolicyDocument");
            assert_eq!(api.status(), 400);
            assert!(api.message().contains(&shown));
        }
    }
}

#[test]
fn case_files_pass() {
    let mut failures = Vec::new();
    let mut requests = 0;
    let mut malformed = 0;
    for path in case_files() {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        let cases: CaseFile = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!cases.description.is_empty());
        let mut docs = Vec::new();
        for p in &cases.policies {
            let doc = PolicyDocument::parse(&p.document.to_string(), p.kind.kind())
                .unwrap_or_else(|e| panic!("{file}: policy {}: {e}", p.name));
            // Every case policy also survives print and re-parse unchanged.
            let again = PolicyDocument::parse(&doc.to_json(), p.kind.kind()).unwrap();
            assert_eq!(again, doc, "{file}: {}", p.name);
            docs.push((p.name.clone(), p.kind.kind(), doc));
        }
        for r in &cases.requests {
            run_request(&file, &docs, r, &mut failures);
            requests += 1;
        }
        for m in &cases.malformed {
            run_malformed(&file, m, &mut failures);
            malformed += 1;
        }
    }
    assert!(requests >= 100, "only {requests} request cases");
    assert!(malformed >= 40, "only {malformed} malformed cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
