//! The README's benchmark tables, rendered from `bench/results.json`.
//!
//! README.md holds generated blocks between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`
//! lines: the machine, the targets of the comparison with what was measured against them, the
//! comparison, the placement study and the scale curve. `cargo xtask bench` rewrites them at the
//! end of every run, and `cargo xtask bench-report` rewrites them from the committed results
//! (after a change to this renderer). A tidy test renders the committed results and fails if the
//! README says anything else, so a figure in those tables is always one the run wrote.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::Value;

type Res<T> = Result<T, String>;

/// Renders every block from the results of a run, in the order README.md holds them.
pub(crate) fn render(results: &Value) -> Res<Vec<(&'static str, String)>> {
    Ok(vec![
        ("machine", machine(results)),
        ("targets", targets(results)?),
        ("compare", compare(results)?),
        ("placement", placement(results)?),
        ("scale", scale(results)?),
    ])
}

/// Rewrites the generated blocks of README.md and the plot `bench/scale.svg` from
/// `bench/results.json`.
pub(crate) fn update_readme(root: &Path) -> Res<()> {
    let results = read_results(root)?;
    crate::bench::write_file(&root.join("bench").join("scale.svg"), &scale_svg(&results)?)?;
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .map_err(|e| format!("cannot read {}: {e}", readme_path.display()))?;
    let mut text = readme;
    for (name, body) in render(&results)? {
        text = splice(&text, name, &body)?;
    }
    crate::bench::write_file(&readme_path, &text)
}

/// The committed results of the last run.
pub(crate) fn read_results(root: &Path) -> Res<Value> {
    let path = root.join("bench").join("results.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- bench:{name} -->"),
        format!("<!-- /bench:{name} -->"),
    )
}

/// Where the body of block `name` lies in `text`: from the end of its opening marker to the
/// start of its closing one.
fn span(text: &str, name: &str) -> Res<(usize, usize)> {
    let (open, close) = markers(name);
    let start = text
        .find(&open)
        .ok_or_else(|| format!("README.md has no `{open}` line"))?
        + open.len();
    let len = text
        .get(start..)
        .and_then(|rest| rest.find(&close))
        .ok_or_else(|| format!("README.md has `{open}` but no `{close}` after it"))?;
    Ok((start, start + len))
}

/// The body of block `name`, without the newlines next to its markers.
fn block<'a>(text: &'a str, name: &str) -> Res<&'a str> {
    let (start, end) = span(text, name)?;
    Ok(text.get(start..end).unwrap_or_default().trim_matches('\n'))
}

/// `text` with the body of block `name` replaced (the marker lines stay).
fn splice(text: &str, name: &str, body: &str) -> Res<String> {
    let (start, end) = span(text, name)?;
    let (head, tail) = (
        text.get(..start).unwrap_or_default(),
        text.get(end..).unwrap_or_default(),
    );
    Ok(format!("{head}\n{body}\n{tail}"))
}

/// Checks that README.md's generated blocks and `bench/scale.svg` are what
/// `bench/results.json` renders to.
pub(crate) fn check_readme(root: &Path) -> Res<()> {
    let results = read_results(root)?;
    let svg = std::fs::read_to_string(root.join("bench").join("scale.svg"))
        .map_err(|e| format!("cannot read bench/scale.svg: {e}"))?;
    if svg != scale_svg(&results)? {
        return Err(
            "bench/scale.svg is not what bench/results.json renders to; run `cargo xtask \
                    bench-report` (or `cargo xtask bench` for new figures)"
                .into(),
        );
    }
    let readme = std::fs::read_to_string(root.join("README.md"))
        .map_err(|e| format!("cannot read README.md: {e}"))?;
    for (name, body) in render(&results)? {
        let found = block(&readme, name)?;
        if found != body {
            return Err(format!(
                "README.md's `bench:{name}` block is not what bench/results.json renders to; \
                 run `cargo xtask bench-report` (or `cargo xtask bench` for new figures).\n\
                 README:\n{found}\nrendered:\n{body}"
            ));
        }
    }
    Ok(())
}

// ---- reading the results ----

fn field<'a>(v: &'a Value, key: &str) -> Res<&'a Value> {
    v.get(key)
        .ok_or_else(|| format!("bench/results.json: `{key}` is missing"))
}

fn num(v: &Value, key: &str) -> Res<f64> {
    field(v, key)?
        .as_f64()
        .ok_or_else(|| format!("bench/results.json: `{key}` is not a number"))
}

fn text<'a>(v: &'a Value, key: &str) -> Res<&'a str> {
    field(v, key)?
        .as_str()
        .ok_or_else(|| format!("bench/results.json: `{key}` is not a string"))
}

fn list<'a>(v: &'a Value, key: &str) -> Res<&'a [Value]> {
    field(v, key)?
        .as_array()
        .map(Vec::as_slice)
        .ok_or_else(|| format!("bench/results.json: `{key}` is not a list"))
}

/// A list of numbers; missing (older results) reads as empty.
fn numbers(v: &Value, key: &str) -> Res<Vec<f64>> {
    let Some(items) = v.get(key) else {
        return Ok(Vec::new());
    };
    items
        .as_array()
        .ok_or_else(|| format!("bench/results.json: `{key}` is not a list"))?
        .iter()
        .map(|x| {
            x.as_f64()
                .ok_or_else(|| format!("bench/results.json: `{key}` holds a non-number"))
        })
        .collect()
}

/// One load run's figures.
struct Run {
    per_second: f64,
    p50_us: f64,
    p99_us: f64,
    failed: f64,
}

fn run(v: &Value, key: &str) -> Res<Run> {
    let r = field(v, key)?;
    Ok(Run {
        per_second: num(r, "per_second")?,
        p50_us: num(r, "p50_us")?,
        p99_us: num(r, "p99_us")?,
        failed: num(r, "failed")?,
    })
}

// ---- formatting ----

/// The name README uses for a `crossram load --action`.
fn op_name(op: &str) -> &str {
    match op {
        "create-role" => "CreateRole",
        "attach-policy-to-role" => "AttachPolicyToRole",
        "assume-role" => "AssumeRole",
        "get-caller-identity-assumed" => "GetCallerIdentity, assumed credentials",
        "describe-instances" => "DescribeInstances",
        "stop-instance" => "StopInstance",
        other => other,
    }
}

/// `12,345`.
fn grouped(x: f64) -> String {
    let digits = format!("{:.0}", x.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration_us(us: f64) -> String {
    if us < 1000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.1} ms", us / 1000.0)
    }
}

/// `p50 / p99` with one unit where both share it: `217 / 327 µs`, `4.9 / 8.0 ms`.
fn latencies(r: &Run) -> String {
    let (a, b) = (duration_us(r.p50_us), duration_us(r.p99_us));
    let unit = |s: &str| if s.ends_with(" µs") { " µs" } else { " ms" };
    let a = if unit(&a) == unit(&b) {
        a.strip_suffix(unit(&a)).unwrap_or(&a).to_owned()
    } else {
        a
    };
    format!("{a} / {b}")
}

fn rate(r: &Run) -> String {
    format!("{} ({})", grouped(r.per_second), latencies(r))
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// A share to a tenth of a percent: `59.8%` never reads as `60%`.
fn tenths(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

/// `lo-hi%` (or `lo%` when both read alike), with `decimals` places: the targets block gives
/// one, so that a share just under its target never reads as the target.
fn percent_range(values: &[f64], decimals: usize) -> String {
    if values.is_empty() {
        return "not recorded".into();
    }
    let (lo, hi) = min_max(values);
    let (lo, hi) = (
        format!("{:.*}", decimals, lo * 100.0),
        format!("{:.*}", decimals, hi * 100.0),
    );
    if lo == hi {
        format!("{lo}%")
    } else {
        format!("{lo}-{hi}%")
    }
}

/// `145x`, or `49.6x` under 100 (where a rounding could hide a miss of 50x).
fn times(x: f64) -> String {
    if x < 100.0 {
        format!("{x:.1}x")
    } else {
        format!("{x:.0}x")
    }
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

fn yes_no(met: bool) -> &'static str {
    if met { "**yes**" } else { "**no**" }
}

// ---- the blocks ----

/// `2 cores (AMD EPYC), 24 GiB; measured DATE on commit C`, the commit between `quote`s.
fn measured_on(results: &Value, quote: &str) -> String {
    let m = results.get("machine");
    let cores = m.and_then(|m| m.get("cores")).and_then(Value::as_u64);
    let cpu = m.and_then(|m| m.get("cpu")).and_then(Value::as_str);
    let mem = m.and_then(|m| m.get("memory_gib")).and_then(Value::as_f64);
    let mut out = format!(
        "{} cores ({}), {:.0} GiB",
        cores.unwrap_or(0),
        cpu.unwrap_or("unknown cpu"),
        mem.unwrap_or(0.0)
    );
    if let Some(date) = results.get("date").and_then(Value::as_str) {
        let _ = write!(out, "; measured {date}");
    }
    if let Some(commit) = results.get("commit").and_then(Value::as_str) {
        let _ = write!(out, " on commit {quote}{commit}{quote}");
    }
    out
}

fn machine(results: &Value) -> String {
    let mut out = format!("Machine: {}", measured_on(results, "`"));
    if let Some(cmd) = results.get("command").and_then(Value::as_str) {
        let _ = write!(out, " by `{cmd}`");
    }
    out.push_str(" ([`bench/results.json`](bench/results.json)).");
    out
}

fn targets(results: &Value) -> Res<String> {
    let compare = list(results, "compare")?;
    let (mut x_moto, mut shares, mut unpaired, mut share_rounds) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for cell in compare {
        if num(cell, "connections")? >= 64.0 {
            x_moto.push(num(cell, "crossram_over_moto")?);
            x_moto.push(num(cell, "crossram_over_moto_auth")?);
        } else {
            shares.push(num(cell, "share_of_ceiling")?);
            unpaired.push(num(cell, "share_of_ceiling_unpaired")?);
            share_rounds.extend(numbers(cell, "share_of_ceiling_rounds")?);
        }
    }
    let (mut ratios, mut ratio_rounds) = (Vec::new(), Vec::new());
    let scale_ratios = list(results, "scale_ratios")?;
    let sizes = match scale_ratios.first() {
        Some(r) if r.get("per_kind").is_some() => (
            format!(
                "{} users, roles and policies each",
                grouped(num(r, "per_kind")?)
            ),
            format!("{} each", grouped(num(r, "against_per_kind")?)),
        ),
        Some(r) => (
            format!("{} entities", grouped(num(r, "entities")?)),
            format!("{} entities", grouped(num(r, "against")?)),
        ),
        None => (String::new(), String::new()),
    };
    for r in scale_ratios {
        ratios.push(num(r, "ratio")?);
        ratio_rounds.extend(numbers(r, "ratio_rounds")?);
    }
    if x_moto.is_empty() || shares.is_empty() || ratios.is_empty() {
        return Err("bench/results.json lacks a cell of the comparison or the scale".into());
    }
    let (x_lo, x_hi) = min_max(&x_moto);
    let (s_lo, _) = min_max(&shares);
    let (r_lo, r_hi) = min_max(&ratios);
    let mut out = String::from("| target | measured | met |\n|---|---|---|\n");
    let _ = writeln!(
        out,
        "| 64 connections: at least 50x moto's calls/s on every operation, moto's authorization off and on | {}-{} | {} |",
        times(x_lo),
        times(x_hi),
        yes_no(x_lo >= 50.0)
    );
    let _ = writeln!(
        out,
        "| 1 connection: at least 60% of the do-nothing ceiling's calls/s on every operation (median of the rounds' paired shares) | {} (ratio of medians {}; single rounds {}) | {} |",
        percent_range(&shares, 1),
        percent_range(&unpaired, 1),
        percent_range(&share_rounds, 0),
        yes_no(s_lo >= 0.60)
    );
    let _ = write!(
        out,
        "| {}: calls/s within 20% of {}, every store, call and connection count (median of the rounds' ratios) | {} (single rounds {}) | {} |",
        sizes.0,
        sizes.1,
        percent_range(&ratios, 1),
        percent_range(&ratio_rounds, 0),
        yes_no(r_lo >= 0.80 && r_hi <= 1.20)
    );
    Ok(out)
}

fn compare(results: &Value) -> Res<String> {
    let mut out = String::from(
        "| operation | conn | crossram calls/s (p50 / p99) | moto, auth off | moto, auth on | ceiling, same requests | x moto (off / on) | share of ceiling | ratio of medians | bare ceiling (`POST /`) | share of bare ceiling |\n|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut moto_failed = Vec::new();
    for cell in list(results, "compare")? {
        let op = text(cell, "operation")?;
        let conn = num(cell, "connections")?;
        let (ours, moto, auth, ceiling, bare) = (
            run(cell, "crossram")?,
            run(cell, "moto")?,
            run(cell, "moto_auth")?,
            run(cell, "ceiling")?,
            run(cell, "ceiling_bare")?,
        );
        for (who, r) in [("off", &moto), ("on", &auth)] {
            if r.failed > 0.0 {
                moto_failed.push(format!(
                    "{} x{conn:.0} with authorization {who}: {:.0}",
                    op_name(op),
                    r.failed
                ));
            }
        }
        let _ = writeln!(
            out,
            "| {} | {conn:.0} | {} | {} | {} | {} | {:.0}x / {:.0}x | {} | {} | {} | {} |",
            op_name(op),
            rate(&ours),
            rate(&moto),
            rate(&auth),
            rate(&ceiling),
            num(cell, "crossram_over_moto")?,
            num(cell, "crossram_over_moto_auth")?,
            tenths(num(cell, "share_of_ceiling")?),
            tenths(num(cell, "share_of_ceiling_unpaired")?),
            rate(&bare),
            tenths(num(cell, "share_of_bare_ceiling")?),
        );
    }
    if moto_failed.is_empty() {
        out.push_str("\nEvery call of every run succeeded.");
    } else {
        let _ = write!(
            out,
            "\nmoto failed some calls (its calls/s counts them): {}. crossram failed none.",
            moto_failed.join("; ")
        );
    }
    Ok(out)
}

fn placement(results: &Value) -> Res<String> {
    let cells = list(results, "placement")?;
    let mut names: Vec<&str> = Vec::new();
    let mut ops: Vec<&str> = Vec::new();
    for cell in cells {
        let (name, op) = (text(cell, "placement")?, text(cell, "operation")?);
        if !names.contains(&name) {
            names.push(name);
        }
        if !ops.contains(&op) {
            ops.push(op);
        }
    }
    let mut out = String::from("| operation, 1 connection |");
    for name in &names {
        let _ = write!(out, " {name}: crossram / ceiling calls/s (p50): share |");
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(names.len()));
    for op in &ops {
        let _ = write!(out, "\n| {} |", op_name(op));
        for name in &names {
            let cell = cells.iter().find(|c| {
                c.get("placement").and_then(Value::as_str) == Some(name)
                    && c.get("operation").and_then(Value::as_str) == Some(op)
            });
            match cell {
                Some(cell) => {
                    let (ours, ceiling) = (run(cell, "crossram")?, run(cell, "ceiling")?);
                    let _ = write!(
                        out,
                        " {} / {} (p50 {} / {}): **{}** |",
                        grouped(ours.per_second),
                        grouped(ceiling.per_second),
                        ours.p50_us,
                        duration_us(ceiling.p50_us),
                        percent(num(cell, "share_of_ceiling")?)
                    );
                }
                None => out.push_str(" |"),
            }
        }
    }
    Ok(out)
}

fn scale(results: &Value) -> Res<String> {
    let worlds = list(results, "scale")?;
    let ratios = list(results, "scale_ratios")?;
    // The column order: each call of the first world, as it lists them.
    let mut columns: Vec<(String, f64)> = Vec::new();
    if let Some(first) = worlds.first() {
        for call in list(first, "calls")? {
            columns.push((
                text(call, "operation")?.to_owned(),
                num(call, "connections")?,
            ));
        }
    }
    let mut out = String::from("| store, world |");
    let mut last_op = "";
    for (op, conn) in &columns {
        if op == last_op {
            let _ = write!(out, " x{conn:.0} |");
        } else {
            let _ = write!(out, " {} x{conn:.0} |", op_name(op));
        }
        last_op = op;
    }
    out.push_str(" RSS per entity | fill | start-up |\n|---|");
    out.push_str(&"---|".repeat(columns.len() + 3));
    for world in worlds {
        let store = text(world, "store")?;
        let entities = num(world, "entities")?;
        let _ = write!(out, "\n| {store}, {} |", world_label(world)?);
        let calls = list(world, "calls")?;
        for (op, conn) in &columns {
            let call = calls.iter().find(|c| {
                c.get("operation").and_then(Value::as_str) == Some(op.as_str())
                    && c.get("connections").and_then(Value::as_f64) == Some(*conn)
            });
            let Some(call) = call else {
                out.push_str(" |");
                continue;
            };
            let per_second = num(field(call, "result")?, "per_second")?;
            let ratio = ratios.iter().find(|r| {
                r.get("store").and_then(Value::as_str) == Some(store)
                    && r.get("operation").and_then(Value::as_str) == Some(op.as_str())
                    && r.get("connections").and_then(Value::as_f64) == Some(*conn)
                    && r.get("entities").and_then(Value::as_f64) == Some(entities)
            });
            match ratio {
                Some(r) => {
                    let _ = write!(
                        out,
                        " {}/s, {} |",
                        grouped(per_second),
                        percent(num(r, "ratio")?)
                    );
                }
                None => {
                    let _ = write!(out, " {}/s |", grouped(per_second));
                }
            }
        }
        let startup = world
            .get("startup_seconds")
            .and_then(Value::as_f64)
            .map_or_else(|| "n/a".to_owned(), |s| format!("{s:.2} s"));
        let _ = write!(
            out,
            " {:.1} kB | {:.1} s | {startup} |",
            num(world, "rss_bytes_per_entity")? / 1000.0,
            num(world, "fill_seconds")?
        );
    }
    Ok(out)
}

/// `100,000 of each (300,000 entities)`, or `100,000 entities` in results from before the sizes
/// counted each kind.
fn world_label(world: &Value) -> Res<String> {
    let entities = grouped(num(world, "entities")?);
    Ok(match world.get("per_kind").and_then(Value::as_f64) {
        Some(each) => format!("{} of each ({entities} entities)", grouped(each)),
        None => format!("{entities} entities"),
    })
}

// ---- the plot ----

/// One 64-connection run of the scale curve.
struct Point {
    store: String,
    size: f64,
    label: String,
    op: String,
    per_second: f64,
    p99_ms: f64,
}

fn scale_points(results: &Value) -> Res<Vec<Point>> {
    let mut points = Vec::new();
    for world in list(results, "scale")? {
        for call in list(world, "calls")? {
            if num(call, "connections")? < 64.0 {
                continue;
            }
            let r = field(call, "result")?;
            points.push(Point {
                store: text(world, "store")?.to_owned(),
                size: num(world, "entities")?,
                label: world_label(world)?,
                op: text(call, "operation")?.to_owned(),
                per_second: num(r, "per_second")?,
                p99_ms: num(r, "p99_us")? / 1000.0,
            });
        }
    }
    Ok(points)
}

/// A round step for about four ticks up to `max`: 1, 2 or 5 times a power of ten.
fn tick_step(max: f64) -> f64 {
    let raw = (max / 4.0).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|&step| step >= raw)
        .unwrap_or(10.0 * power)
}

fn tick_label(v: f64, step: f64) -> String {
    if step >= 1.0 {
        grouped(v)
    } else {
        format!("{v:.1}")
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The plot: calls per second and p99 of the 64-connection runs against world size, one line
/// per call and store (dashed: the file store).
pub(crate) fn scale_svg(results: &Value) -> Res<String> {
    let points = scale_points(results)?;
    let machine = measured_on(results, "");
    let (w, h) = (900.0_f64, 440.0_f64);
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">crossram serve, 64 connections: calls per second and p99 against world size</text>\n<text x=\"{}\" y=\"40\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
        w / 2.0,
        w / 2.0,
        xml_escape(&machine)
    );
    let mut sizes: Vec<f64> = points.iter().map(|p| p.size).collect();
    sizes.sort_by(f64::total_cmp);
    sizes.dedup();
    let mut series: Vec<(&str, &str)> = points
        .iter()
        .map(|p| (p.store.as_str(), p.op.as_str()))
        .collect();
    series.sort_unstable();
    series.dedup();
    let colors = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    ];
    let style = |si: usize, store: &str| {
        let color = colors.get(si % colors.len()).copied().unwrap_or("#000");
        let dash = if store == "file" {
            " stroke-dasharray=\"6 3\""
        } else {
            ""
        };
        (color, dash)
    };
    type Metric = fn(&Point) -> f64;
    let panels: [(&str, f64, Metric); 2] = [
        ("calls per second", 70.0, |p| p.per_second),
        ("p99 latency, ms", 500.0, |p| p.p99_ms),
    ];
    for (title, x0, value) in panels {
        let (pw, ph, y0) = (340.0, 270.0, 70.0);
        let top = points.iter().map(value).fold(0.0_f64, f64::max) * 1.1;
        let step = tick_step(top);
        let max = (top / step).ceil().max(1.0) * step;
        let x_of = |i: usize| {
            if sizes.len() <= 1 {
                x0 + pw / 2.0
            } else {
                x0 + 40.0 + (pw - 80.0) * i as f64 / (sizes.len() - 1) as f64
            }
        };
        let y_of = |v: f64| y0 + ph - ph * v / max;
        let _ = writeln!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"13\">{title}</text>\n<rect x=\"{x0}\" y=\"{y0}\" width=\"{pw}\" height=\"{ph}\" fill=\"none\" stroke=\"#444\"/>",
            x0 + pw / 2.0,
            y0 - 8.0
        );
        let ticks = (max / step).round() as u32;
        for t in 0..=ticks {
            let v = step * f64::from(t);
            let y = y_of(v);
            let _ = writeln!(
                svg,
                "<line x1=\"{x0}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#ddd\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
                x0 + pw,
                x0 - 4.0,
                y + 4.0,
                tick_label(v, step)
            );
        }
        for (i, size) in sizes.iter().enumerate() {
            let label = points
                .iter()
                .find(|p| p.size == *size)
                .map_or("", |p| p.label.as_str());
            let _ = writeln!(
                svg,
                "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{label}</text>",
                x_of(i),
                y0 + ph + 16.0
            );
        }
        for (si, (store, op)) in series.iter().enumerate() {
            let (color, dash) = style(si, store);
            let xy: Vec<(f64, f64)> = sizes
                .iter()
                .enumerate()
                .filter_map(|(i, size)| {
                    points
                        .iter()
                        .find(|p| p.store == *store && p.op == *op && p.size == *size)
                        .map(|p| (x_of(i), y_of(value(p))))
                })
                .collect();
            let line: Vec<String> = xy.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            let _ = writeln!(
                svg,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"{dash}/>",
                line.join(" ")
            );
            for (x, y) in xy {
                let _ = writeln!(
                    svg,
                    "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\" fill=\"{color}\"/>"
                );
            }
        }
    }
    for (si, (store, op)) in series.iter().enumerate() {
        let (color, dash) = style(si, store);
        let x = 70.0 + 280.0 * (si % 3) as f64;
        let y = 392.0 + 18.0 * (si / 3) as f64;
        let _ = writeln!(
            svg,
            "<line x1=\"{x}\" x2=\"{}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{color}\" stroke-width=\"2\"{dash}/><text x=\"{}\" y=\"{}\">{} ({store} store)</text>",
            x + 20.0,
            x + 24.0,
            y + 4.0,
            op_name(op)
        );
    }
    svg.push_str("</svg>\n");
    Ok(svg)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]

    use super::*;

    #[test]
    fn numbers_read_as_the_readme_writes_them() {
        assert_eq!(grouped(4252.6), "4,253");
        assert_eq!(grouped(999.4), "999");
        assert_eq!(grouped(1_234_567.0), "1,234,567");
        let r = |p50_us, p99_us| Run {
            per_second: 0.0,
            p50_us,
            p99_us,
            failed: 0.0,
        };
        assert_eq!(latencies(&r(217.0, 327.0)), "217 / 327 µs");
        assert_eq!(latencies(&r(4876.0, 8045.0)), "4.9 / 8.0 ms");
        assert_eq!(latencies(&r(203.0, 1500.0)), "203 µs / 1.5 ms");
        assert_eq!(percent_range(&[0.616, 0.75, 0.70], 0), "62-75%");
        assert_eq!(percent_range(&[0.701, 0.699], 0), "70%");
        assert_eq!(percent_range(&[0.5996, 0.75], 1), "60.0-75.0%");
        assert_eq!(percent_range(&[0.5994, 0.75], 1), "59.9-75.0%");
        assert_eq!(
            (times(49.96), times(145.4)),
            ("50.0x".into(), "145x".into())
        );
    }

    #[test]
    fn a_block_is_replaced_between_its_markers_and_nothing_else_moves() {
        let readme = "intro\n<!-- bench:targets -->\nold\ntable\n<!-- /bench:targets -->\nafter\n";
        let out = splice(readme, "targets", "new").unwrap();
        let empty = "<!-- bench:targets -->\n<!-- /bench:targets -->\n";
        assert_eq!(
            splice(empty, "targets", "new").unwrap(),
            "<!-- bench:targets -->\nnew\n<!-- /bench:targets -->\n"
        );
        assert_eq!(
            out,
            "intro\n<!-- bench:targets -->\nnew\n<!-- /bench:targets -->\nafter\n"
        );
        assert_eq!(block(&out, "targets").unwrap(), "new");
        let err = splice(readme, "scale", "x").unwrap_err();
        assert!(err.contains("<!-- bench:scale -->"), "{err}");
    }

    #[test]
    fn a_missed_target_reads_no() {
        let results = serde_json::json!({
            "compare": [
                {"connections": 64, "crossram_over_moto": 49.6, "crossram_over_moto_auth": 120.0},
                {"connections": 1, "share_of_ceiling": 0.61, "share_of_ceiling_unpaired": 0.58,
                 "share_of_ceiling_rounds": [0.5, 0.61, 0.7]}
            ],
            "scale_ratios": [
                {"ratio": 0.95, "ratio_rounds": [0.9, 0.95], "per_kind": 100000, "against_per_kind": 1000},
                {"ratio": 1.21}
            ]
        });
        let out = targets(&results).unwrap();
        let rows: Vec<&str> = out.lines().skip(2).collect();
        assert!(rows[0].ends_with("| 49.6x-120x | **no** |"), "{}", rows[0]);
        assert!(
            rows[1].ends_with("| 61.0% (ratio of medians 58.0%; single rounds 50-70%) | **yes** |"),
            "{}",
            rows[1]
        );
        assert!(
            rows[2].starts_with(
                "| 100,000 users, roles and policies each: calls/s within 20% of 1,000 each,"
            ),
            "{}",
            rows[2]
        );
        assert!(
            rows[2].ends_with("| 95.0-121.0% (single rounds 90-95%) | **no** |"),
            "{}",
            rows[2]
        );
    }

    /// The README's generated blocks are what the committed results render to.
    #[test]
    fn readme_bench_tables_are_the_committed_results() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        if let Err(e) = check_readme(&root) {
            panic!("{e}");
        }
    }
}
