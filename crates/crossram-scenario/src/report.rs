//! Reports of a run: a table for people (printed as steps complete), one JSON object for
//! programs, JUnit XML for CI systems.

use std::fmt::Write as _;
use std::io::Write;

use serde_json::{Value, json};

use crate::playbook::Playbook;
use crate::runner::{Observer, RunReport, StepResult};

/// Column widths of the table: at least the defaults, wider where a playbook needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Widths {
    actor: usize,
    action: usize,
    expected: usize,
    got: usize,
}

impl Default for Widths {
    fn default() -> Self {
        Self {
            actor: 14,
            action: 31,
            expected: 28,
            got: 28,
        }
    }
}

/// Prints each step as it completes, and the summary at the end.
#[derive(Debug)]
pub struct TableObserver<W: Write> {
    out: W,
    widths: Widths,
}

impl<W: Write> TableObserver<W> {
    /// A table written to `out`, with the default column widths.
    pub fn new(out: W) -> Self {
        Self {
            out,
            widths: Widths::default(),
        }
    }

    /// A table whose columns are wide enough for every actor, action and expectation of
    /// `playbook` (steps print as they complete, so the widths are fixed before the first).
    /// The `got` column is as wide as `expected`: a passing step got what it expected.
    pub fn for_playbook(out: W, playbook: &Playbook) -> Self {
        let mut w = Widths::default();
        let steps = playbook
            .setup
            .iter()
            .chain(&playbook.step)
            .chain(&playbook.cleanup);
        for step in steps {
            let step = step.get_ref();
            w.actor = w.actor.max(step.actor.as_deref().map_or(1, str::len));
            w.action = w.action.max(step.action().len());
            w.expected = w.expected.max(step.expect.describe().len());
        }
        w.got = w.got.max(w.expected);
        Self { out, widths: w }
    }

    /// Prints the header: the playbook, the target, and the prefix of every name the run
    /// creates when it has one (`run_prefix`, a run id on a target the run did not start).
    pub fn header(&mut self, playbook: &str, target: &str, run_prefix: &str) {
        if run_prefix.is_empty() {
            let _ = writeln!(self.out, "playbook {playbook} on {target}");
        } else {
            let _ = writeln!(
                self.out,
                "playbook {playbook} on {target}, every name it creates prefixed {run_prefix}"
            );
        }
        let line = self.row(["", "actor", "action", "expected", "got", "ms", "step"]);
        let _ = writeln!(self.out, "{line}");
    }

    /// One line of the table: mark, actor, action, expected, got, ms, step name.
    fn row(&self, [mark, actor, action, expected, got, ms, step]: [&str; 7]) -> String {
        let w = self.widths;
        format!(
            "{mark:<4} {actor:<aw$} {action:<xw$} {expected:<ew$} {got:<gw$} {ms:>6}  {step}",
            aw = w.actor,
            xw = w.action,
            ew = w.expected,
            gw = w.got,
        )
    }

    /// Prints the summary of a finished run.
    pub fn summary(&mut self, report: &RunReport) {
        let _ = writeln!(self.out, "{}", summary_line(report));
    }
}

/// One line summing a run up.
pub fn summary_line(report: &RunReport) -> String {
    let mut line = format!(
        "{}: {} of {} steps passed in {} ms",
        if report.passed { "PASSED" } else { "FAILED" },
        report.passed_steps,
        report.steps.len(),
        report.milliseconds
    );
    if report.failed_steps > 0 {
        let _ = write!(line, "; {} failed", report.failed_steps);
    }
    if report.not_run > 0 {
        let _ = write!(
            line,
            "; {} not run (setup failed or the run was stopped)",
            report.not_run
        );
    }
    line
}

impl<W: Write> Observer for TableObserver<W> {
    fn plan(&mut self, lines: &[String]) {
        let _ = writeln!(self.out, "plan:");
        for l in lines {
            let _ = writeln!(self.out, "  {l}");
        }
    }

    fn step(&mut self, r: &StepResult) {
        let mark = if r.passed { "ok" } else { "FAIL" };
        let ms = r.milliseconds.to_string();
        let line = self.row([
            mark,
            &r.actor,
            &r.action,
            &r.expected,
            &r.outcome,
            &ms,
            &r.name,
        ]);
        let _ = writeln!(self.out, "{line}");
        if let Some(by) = &r.decided_by {
            let _ = writeln!(self.out, "     decided by {by}");
        }
        if !r.passed
            && let Some(d) = &r.detail
        {
            let _ = writeln!(self.out, "     {d}");
        }
    }
}

/// The JSON report: `{playbook, target, passed, ..., steps: [{name, actor, action, expected,
/// outcome, passed, milliseconds, ...}]}`.
pub fn to_json(report: &RunReport) -> Value {
    serde_json::to_value(report).unwrap_or_else(|e| json!({ "error": e.to_string() }))
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// JUnit XML: one `<testsuite>` per run, one `<testcase>` per step.
pub fn to_junit(report: &RunReport) -> String {
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let secs = |ms: u64| format!("{:.3}", ms as f64 / 1000.0);
    let _ = writeln!(
        x,
        "<testsuites><testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{}\">",
        xml_escape(&report.playbook),
        report.steps.len(),
        report.failed_steps,
        report.not_run,
        secs(report.milliseconds)
    );
    let _ = writeln!(
        x,
        "  <properties><property name=\"target\" value=\"{}\"/><property name=\"run_prefix\" \
         value=\"{}\"/></properties>",
        xml_escape(&report.target),
        xml_escape(&report.run_prefix)
    );
    for s in &report.steps {
        let _ = write!(
            x,
            "  <testcase classname=\"{}.{}\" name=\"{}\" time=\"{}\">",
            xml_escape(&report.playbook),
            s.phase,
            xml_escape(&s.name),
            secs(s.milliseconds)
        );
        if s.skipped {
            let _ = write!(
                x,
                "<skipped message=\"not run: {}\"/>",
                xml_escape(s.detail.as_deref().unwrap_or_default())
            );
        } else if !s.passed {
            let _ = write!(
                x,
                "<failure message=\"expected {}, got {}\">{}</failure>",
                xml_escape(&s.expected),
                xml_escape(&s.outcome),
                xml_escape(s.detail.as_deref().unwrap_or_default())
            );
        }
        let _ = write!(
            x,
            "<system-out>{} {} expected {} got {}",
            xml_escape(&s.actor),
            xml_escape(&s.action),
            xml_escape(&s.expected),
            xml_escape(&s.outcome)
        );
        // The evidence of a denial, as the table prints it.
        if let Some(by) = &s.decided_by {
            let _ = write!(x, "\ndecided by {}", xml_escape(by));
        }
        x.push_str("</system-out>");
        x.push_str("</testcase>\n");
    }
    x.push_str("</testsuite></testsuites>\n");
    x
}

/// JUnit XML for a run that could not start (unusable input): one testcase, `playbook`, in
/// error with `message`, so a CI system reading the file sees why.
pub fn junit_error(playbook: &str, message: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites><testsuite name=\"{name}\" \
         tests=\"1\" failures=\"0\" errors=\"1\" skipped=\"0\" time=\"0.000\">\n  <testcase \
         classname=\"{name}\" name=\"playbook\" time=\"0.000\"><error message=\"the run could not \
         start\">{message}</error></testcase>\n</testsuite></testsuites>\n",
        name = xml_escape(playbook),
        message = xml_escape(message)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::playbook::Phase;

    fn report() -> RunReport {
        RunReport {
            playbook: "p<1>".into(),
            target: "in-process".into(),
            run_prefix: String::new(),
            passed: false,
            passed_steps: 1,
            failed_steps: 1,
            not_run: 0,
            milliseconds: 12,
            steps: vec![
                StepResult {
                    phase: Phase::Step,
                    name: "a & b".into(),
                    actor: "a".into(),
                    action: "ram:CreateRole".into(),
                    expected: "success".into(),
                    outcome: "success".into(),
                    passed: true,
                    milliseconds: 3,
                    detail: None,
                    decided_by: None,
                    line: 4,
                    skipped: false,
                },
                StepResult {
                    phase: Phase::Step,
                    name: "bob".into(),
                    actor: "bob".into(),
                    action: "sts:AssumeRole".into(),
                    expected: "deny".into(),
                    outcome: "success".into(),
                    passed: false,
                    milliseconds: 2,
                    detail: Some("succeeded".into()),
                    decided_by: Some(
                        "ImplicitDeny by AssumeRolePolicy (bob & co asking sts:AssumeRole)".into(),
                    ),
                    line: 9,
                    skipped: false,
                },
            ],
        }
    }

    #[test]
    fn table_columns_stay_aligned_when_a_playbook_has_long_cells() {
        let toml = r#"
name = "wide"
[actors]
a-very-long-actor-name = { kind = "root", account = "a" }
[[step]]
name = "long"
actor = "a-very-long-actor-name"
call = "ram:DeleteRole"
params = { RoleName = "r" }
expect = { error = "DeleteConflict.Role.Policy.SomethingLonger" }
"#;
        let playbook = Playbook::parse("wide.toml", toml).unwrap();
        let mut out = Vec::new();
        let mut table = TableObserver::for_playbook(&mut out, &playbook);
        table.header("wide", "in-process", "");
        let long = "DeleteConflict.Role.Policy.SomethingLonger";
        table.step(&StepResult {
            phase: Phase::Step,
            name: "long".into(),
            actor: "a-very-long-actor-name".into(),
            action: "ram:DeleteRole".into(),
            expected: long.into(),
            outcome: long.into(),
            passed: true,
            milliseconds: 1,
            detail: None,
            decided_by: None,
            line: 6,
            skipped: false,
        });
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().skip(1).collect();
        // Every column starts where its header does.
        for (header, cell) in [
            ("action", "ram:DeleteRole"),
            ("got", long),
            ("step", "long"),
        ] {
            let column = lines[0].find(header).unwrap();
            assert_eq!(lines[1].rfind(cell), Some(column), "{text}");
        }
    }

    #[test]
    fn json_has_the_contract_fields() {
        let v = to_json(&report());
        let step = &v["steps"][1];
        for k in [
            "name",
            "actor",
            "action",
            "expected",
            "outcome",
            "passed",
            "milliseconds",
        ] {
            assert!(step.get(k).is_some(), "{k} missing in {step}");
        }
        assert_eq!(step["passed"], false);
    }

    #[test]
    fn junit_escapes_and_counts_failures() {
        let x = to_junit(&report());
        assert!(x.contains("name=\"p&lt;1&gt;\""), "{x}");
        assert!(x.contains("failures=\"1\""), "{x}");
        assert!(x.contains("name=\"a &amp; b\""), "{x}");
        assert_eq!(x.matches("<failure").count(), 1);
        assert!(
            x.contains(
                "decided by ImplicitDeny by AssumeRolePolicy (bob &amp; co asking sts:AssumeRole)</system-out>"
            ),
            "{x}"
        );
    }
}
