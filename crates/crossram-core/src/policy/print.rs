//! Printing a compiled document back to JSON: fixed element order (`Version`, `Statement`;
//! `Effect`, `Action`/`NotAction`, `Resource`, `Principal`, `Condition`), values as written.

use serde_json::{Map, Value};

use super::{PolicyDocument, Statement, Values};

fn values<T>(v: &Values<T>, f: impl Fn(&T) -> Value) -> Value {
    match (v.single, v.items.first()) {
        (true, Some(one)) => f(one),
        _ => Value::Array(v.items.iter().map(f).collect()),
    }
}

fn statement(s: &Statement) -> Value {
    let mut m = Map::new();
    m.insert("Effect".into(), Value::String(s.effect.as_str().into()));
    let key = if s.not_action { "NotAction" } else { "Action" };
    m.insert(
        key.into(),
        values(&s.actions, |a| Value::String(a.text.clone())),
    );
    if let Some(r) = &s.resources {
        m.insert(
            "Resource".into(),
            values(r, |p| Value::String(p.text().to_owned())),
        );
    }
    if let Some(p) = &s.principal {
        let mut pm = Map::new();
        for (k, v) in &p.entries {
            pm.insert(k.as_str().into(), values(v, |s| Value::String(s.clone())));
        }
        m.insert("Principal".into(), Value::Object(pm));
    }
    if let Some(blocks) = &s.condition {
        let mut cm = Map::new();
        for b in blocks {
            let mut km = Map::new();
            for e in &b.entries {
                km.insert(e.key.clone(), values(&e.values, |v| v.to_json()));
            }
            cm.insert(b.op.name().into(), Value::Object(km));
        }
        m.insert("Condition".into(), Value::Object(cm));
    }
    Value::Object(m)
}

pub(super) fn to_json(doc: &PolicyDocument) -> String {
    let mut m = Map::new();
    m.insert("Version".into(), Value::String("1".into()));
    m.insert(
        "Statement".into(),
        Value::Array(doc.statements.iter().map(statement).collect()),
    );
    Value::Object(m).to_string()
}
