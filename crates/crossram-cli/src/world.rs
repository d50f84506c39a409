//! The world file (DESIGN.md contract): `[[account]]` tables, each an account id, an optional
//! alias and a root AccessKey. `serve` starts from one and writes one (its credentials file);
//! `load` and `call` take keys from one.

use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

/// A world file: the accounts, in order.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct WorldFile {
    #[serde(default)]
    pub(crate) account: Vec<WorldAccount>,
}

/// One `[[account]]` of a world file.
#[derive(Serialize, Deserialize)]
pub(crate) struct WorldAccount {
    pub(crate) id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) alias: Option<String>,
    pub(crate) access_key_id: String,
    pub(crate) access_key_secret: String,
}

impl std::fmt::Debug for WorldAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorldAccount")
            .field("id", &self.id)
            .field("alias", &self.alias)
            .field("access_key_id", &self.access_key_id)
            .finish_non_exhaustive()
    }
}

impl WorldFile {
    /// The account named `wanted` (by id or alias), or the first one when `None`.
    pub(crate) fn find(&self, wanted: Option<&str>) -> Option<&WorldAccount> {
        match wanted {
            None => self.account.first(),
            Some(wanted) => self
                .account
                .iter()
                .find(|a| a.id == wanted || a.alias.as_deref() == Some(wanted)),
        }
    }
}

/// Reads a world file; what it ignores (see [`warnings`]) is named on stderr, prefixed with
/// `crossram COMMAND: PATH:`.
pub(crate) fn read(path: &Path, command: &str) -> anyhow::Result<WorldFile> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the world file {}", path.display()))?;
    let world: WorldFile = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid world file", path.display()))?;
    for warning in warnings(&text) {
        eprintln!("crossram {command}: {}: {warning}", path.display());
    }
    Ok(world)
}

/// What in a world file is ignored, most likely by mistake: keys the format does not have (a
/// misspelt `[[account]]` leaves the emulator without accounts), and a file without accounts.
/// Warnings, not errors: the format is a contract that other tools may extend.
pub(crate) fn warnings(text: &str) -> Vec<String> {
    const ACCOUNT_KEYS: [&str; 4] = ["id", "alias", "access_key_id", "access_key_secret"];
    let Ok(table) = text.parse::<toml::Table>() else {
        return Vec::new();
    };
    let mut warnings: Vec<String> = table
        .keys()
        .filter(|k| *k != "account")
        .map(|k| format!("unknown key `{k}` ignored (the accounts go in [[account]] tables)"))
        .collect();
    if let Some(toml::Value::Array(accounts)) = table.get("account") {
        for (i, account) in accounts.iter().enumerate() {
            let Some(account) = account.as_table() else {
                continue;
            };
            for key in account
                .keys()
                .filter(|k| !ACCOUNT_KEYS.contains(&k.as_str()))
            {
                warnings.push(format!(
                    "account {}: unknown key `{key}` ignored (known: {})",
                    i + 1,
                    ACCOUNT_KEYS.join(", ")
                ));
            }
        }
    }
    if !matches!(table.get("account"), Some(toml::Value::Array(a)) if !a.is_empty()) {
        warnings.push("no [[account]] in the file: it adds no account".to_owned());
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn world_file_round_trips() {
        let text = r#"
[[account]]
id = "11223344"
alias = "company-a"
access_key_id = "LTAI5tA"
access_key_secret = "s\"ecret"

[[account]]
id = "12345678"
access_key_id = "LTAI5tB"
access_key_secret = "t"
"#;
        let world: WorldFile = toml::from_str(text).unwrap();
        assert_eq!(world.account.len(), 2);
        assert_eq!(world.account[0].alias.as_deref(), Some("company-a"));
        assert_eq!(world.account[1].alias, None);
        let back: WorldFile = toml::from_str(&toml::to_string(&world).unwrap()).unwrap();
        assert_eq!(back.account[0].access_key_secret, "s\"ecret");
        assert!(!format!("{:?}", world.account[0]).contains("ecret"));
    }

    #[test]
    fn accounts_are_found_by_id_or_alias_or_first() {
        let world: WorldFile = toml::from_str(
            "[[account]]\nid = \"1\"\nalias = \"a\"\naccess_key_id = \"k1\"\naccess_key_secret = \"s\"\n\
             [[account]]\nid = \"2\"\naccess_key_id = \"k2\"\naccess_key_secret = \"s\"\n",
        )
        .unwrap();
        let key = |wanted| world.find(wanted).map(|a| a.access_key_id.as_str());
        assert_eq!(key(None), Some("k1"));
        assert_eq!(key(Some("a")), Some("k1"));
        assert_eq!(key(Some("2")), Some("k2"));
        assert_eq!(key(Some("3")), None);
        assert_eq!(WorldFile::default().find(None).map(|a| a.id.as_str()), None);
    }

    #[test]
    fn misspelt_or_unknown_world_keys_are_named() {
        let ok = "[[account]]\nid = \"1\"\naccess_key_id = \"k\"\naccess_key_secret = \"s\"\n";
        assert!(warnings(ok).is_empty(), "{:?}", warnings(ok));
        let misspelt = ok.replace("[[account]]", "[[acount]]");
        let found = warnings(&misspelt);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("`acount`"), "{found:?}");
        assert!(found[1].contains("no [[account]]"), "{found:?}");
        let extra = format!("{ok}bogus = 1\n");
        let found = warnings(&extra);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("account 1: unknown key `bogus`"),
            "{found:?}"
        );
    }
}
