//! Wildcard matching for policy values: `*` matches any run of characters (also none), `?`
//! exactly one character. A linear-space backtracking matcher: it never recurses, so no input
//! can exhaust the stack, and it works on UTF-8 bytes while stepping whole characters for `?`
//! and `*`.

/// Length of the UTF-8 sequence that starts with `lead` (1 for anything unexpected).
fn char_len(lead: u8) -> usize {
    match lead {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Whether `pattern` contains a wildcard character.
pub(crate) fn has_wildcard(pattern: &str) -> bool {
    pattern.bytes().any(|b| b == b'*' || b == b'?')
}

/// Matches `text` against `pattern`; with `fold`, ASCII letters compare case-insensitively.
pub(crate) fn glob_match(pattern: &str, text: &str, fold: bool) -> bool {
    let pat = pattern.as_bytes();
    let txt = text.as_bytes();
    let eq = |a: u8, b: u8| {
        if fold {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut p, mut t) = (0usize, 0usize);
    // Position of the last `*` in the pattern and the text position it is retried from.
    let mut star: Option<(usize, usize)> = None;
    while let Some(&tc) = txt.get(t) {
        match pat.get(p) {
            Some(b'*') => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(b'?') => {
                p += 1;
                t = (t + char_len(tc)).min(txt.len());
                continue;
            }
            Some(&pc) if eq(pc, tc) => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                let lead = txt.get(st).copied().unwrap_or(0);
                let next = (st + char_len(lead)).min(txt.len());
                star = Some((sp, next));
                p = sp + 1;
                t = next;
            }
            None => return false,
        }
    }
    while pat.get(p) == Some(&b'*') {
        p += 1;
    }
    p == pat.len()
}

#[cfg(test)]
mod tests {
    use super::glob_match;

    #[test]
    fn wildcards() {
        let cases = [
            ("*", "", true),
            ("*", "anything", true),
            ("", "", true),
            ("", "a", false),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("a*c", "ac", true),
            ("a*c", "abbbc", true),
            ("a*c", "abbbd", false),
            ("ecs:Describe*", "ecs:DescribeInstances", true),
            ("ecs:Describe*", "ecs:StopInstance", false),
            (
                "acs:ecs:*:*:instance/*",
                "acs:ecs:cn-hangzhou:1:instance/i-1",
                true,
            ),
            ("*a*b*c*", "xxaxxbxxcxx", true),
            ("*a*b*c*", "xxaxxcxxbxx", false),
            ("?", "é", true),
            ("??", "é", false),
            ("*??", "中", false),
            ("*?", "中", true),
            ("a*", "a中", true),
            ("中*", "中文", true),
        ];
        for (p, t, want) in cases {
            assert_eq!(glob_match(p, t, false), want, "{p:?} vs {t:?}");
        }
    }

    #[test]
    fn folding() {
        assert!(glob_match("ecs:stop*", "ECS:StopInstance", true));
        assert!(!glob_match("ecs:stop*", "ECS:StopInstance", false));
    }

    #[test]
    fn pathological_input_is_fast() {
        let text = "a".repeat(5000);
        let pat = format!("{}b", "*a".repeat(50));
        assert!(!glob_match(&pat, &text, false));
    }
}
