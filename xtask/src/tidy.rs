//! Tidy tests: repository rules that `cargo test` enforces.
//!
//! The dependency edges between workspace crates are part of the architecture
//! (DESIGN.md, "Workspace"): an edge that is not in `ALLOWED_EDGES` fails the build.

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    /// Which workspace crates each crate may depend on (normal and dev dependencies alike).
    const ALLOWED_EDGES: &[(&str, &[&str])] = &[
        ("crossram-core", &[]),
        ("crossram-store", &["crossram-core"]),
        ("crossram-wire", &[]),
        ("crossram-engine", &["crossram-core", "crossram-store"]),
        (
            "crossram-server",
            &[
                "crossram-core",
                "crossram-store",
                "crossram-wire",
                "crossram-engine",
            ],
        ),
        ("crossram-client", &["crossram-wire"]),
        (
            "crossram-scenario",
            &[
                "crossram-core",
                "crossram-store",
                "crossram-engine",
                "crossram-server",
                "crossram-client",
            ],
        ),
        (
            "crossram-cli",
            &[
                "crossram-core",
                "crossram-store",
                "crossram-wire",
                "crossram-engine",
                "crossram-server",
                "crossram-client",
                "crossram-scenario",
            ],
        ),
        ("xtask", &[]),
    ];

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn workspace_deps(manifest: &toml::Table) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for section in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(deps) = manifest.get(section).and_then(|d| d.as_table()) {
                out.extend(
                    deps.keys()
                        .filter(|k| k.starts_with("crossram-") || *k == "xtask")
                        .cloned(),
                );
            }
        }
        out
    }

    fn manifests() -> Vec<(String, toml::Table)> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("crates"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        dirs.push(root().join("xtask"));
        dirs.sort();
        dirs.into_iter()
            .map(|dir| {
                let text = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
                let table: toml::Table = text.parse().unwrap();
                let name = table["package"]["name"].as_str().unwrap().to_owned();
                (name, table)
            })
            .collect()
    }

    #[test]
    fn crate_edges_follow_the_design() {
        let mut violations = Vec::new();
        for (name, manifest) in manifests() {
            let Some((_, allowed)) = ALLOWED_EDGES.iter().find(|(n, _)| *n == name) else {
                violations.push(format!("{name}: not in the edges table of DESIGN.md"));
                continue;
            };
            for dep in workspace_deps(&manifest) {
                if !allowed.contains(&dep.as_str()) {
                    violations.push(format!("{name} may not depend on {dep}"));
                }
            }
        }
        assert!(
            violations.is_empty(),
            "forbidden edges:\n{}",
            violations.join("\n")
        );
    }

    #[test]
    fn every_crate_uses_workspace_lints() {
        for (name, manifest) in manifests() {
            let lints = manifest.get("lints").and_then(|l| l.get("workspace"));
            assert_eq!(
                lints.and_then(|v| v.as_bool()),
                Some(true),
                "{name}: add `[lints] workspace = true`"
            );
        }
    }

    #[test]
    fn every_rust_file_starts_with_a_doc_comment() {
        let mut missing = Vec::new();
        let mut stack = vec![
            root().join("crates"),
            root().join("xtask"),
            root().join("tests"),
        ];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    if !path.ends_with("target") {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    if !text.trim_start().starts_with("//!") {
                        missing.push(path.display().to_string());
                    }
                }
            }
        }
        missing.sort();
        assert!(
            missing.is_empty(),
            "files without a `//!` header:\n{}",
            missing.join("\n")
        );
    }
}
