//! `${name}` references in playbook strings, and dotted paths (`Role.Arn`,
//! `InstanceIdSets.InstanceIdSet.0`) into JSON answers.

use std::collections::BTreeMap;

use serde_json::Value;

/// The names referenced in `text`, in order (`$${` escapes a literal `${`).
pub fn references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let escaped = i > 0 && rest.as_bytes().get(i - 1) == Some(&b'$');
        let after = rest.get(i + 2..).unwrap_or("");
        let Some(end) = after.find('}') else { break };
        if !escaped {
            out.push(after.get(..end).unwrap_or("").trim().to_owned());
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out
}

/// Replaces every `${name}` in `text` with its value (values may refer to other variables, up
/// to a small depth). An unknown name is an error naming it.
pub fn expand(text: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    expand_depth(text, vars, 0)
}

fn expand_depth(text: &str, vars: &BTreeMap<String, String>, depth: u8) -> Result<String, String> {
    if depth > 8 {
        return Err("variables refer to each other in a loop".into());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("${") {
        let escaped = i > 0 && rest.as_bytes().get(i - 1) == Some(&b'$');
        let after = rest.get(i + 2..).unwrap_or("");
        let Some(end) = after.find('}') else { break };
        if escaped {
            // `$${x}` stands for a literal `${x}`.
            out.push_str(rest.get(..i - 1).unwrap_or(""));
            out.push_str("${");
            out.push_str(after.get(..=end).unwrap_or(""));
        } else {
            out.push_str(rest.get(..i).unwrap_or(""));
            let name = after.get(..end).unwrap_or("").trim();
            let value = vars
                .get(name)
                .ok_or_else(|| format!("`${{{name}}}` has no value (was its step run?)"))?;
            out.push_str(&expand_depth(value, vars, depth + 1)?);
        }
        rest = after.get(end + 1..).unwrap_or("");
    }
    out.push_str(rest);
    Ok(out)
}

/// The value at a dotted path; numeric segments index arrays.
pub fn lookup<'v>(value: &'v Value, path: &str) -> Option<&'v Value> {
    let mut v = value;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        v = match v {
            Value::Array(items) => items.get(seg.parse::<usize>().ok()?)?,
            Value::Object(map) => map.get(seg)?,
            _ => return None,
        };
    }
    Some(v)
}

/// A JSON value as the text a variable holds: strings as they are, anything else as JSON.
pub fn as_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_and_expansion() {
        let mut vars = BTreeMap::new();
        vars.insert("a.id".to_owned(), "11223344".to_owned());
        vars.insert("arn".to_owned(), "acs:ram::${a.id}:root".to_owned());
        assert_eq!(references("x ${arn} y ${ b }"), ["arn", "b"]);
        assert_eq!(
            expand("[${arn}]", &vars).unwrap(),
            "[acs:ram::11223344:root]"
        );
        assert_eq!(expand("$${arn}", &vars).unwrap(), "${arn}");
        assert!(references("$${arn}").is_empty());
        assert!(expand("${nope}", &vars).unwrap_err().contains("nope"));
    }

    #[test]
    fn paths_walk_objects_and_arrays() {
        let v: Value = serde_json::json!({"A": {"B": [{"C": 1}, "x"]}});
        assert_eq!(lookup(&v, "A.B.0.C"), Some(&Value::from(1)));
        assert_eq!(lookup(&v, "A.B.1").map(as_text).as_deref(), Some("x"));
        assert_eq!(lookup(&v, "A.Z"), None);
    }
}
