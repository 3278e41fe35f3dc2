//! Proposed commands are safe to paste: every `oc` / `virtctl` command of every fixture's report,
//! and every remediation command of the built-in rules, uses a subcommand and flags of the
//! versions listed in `tests/data/oc-virtctl-commands.yaml`; the JSON of a patch parses, a JSON
//! patch is a list of operations, and no merge patch carries a list (it would replace the
//! object's list rather than extend it).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Table {
    #[allow(dead_code)]
    sources: BTreeMap<String, String>,
    programs: BTreeMap<String, Program>,
}

#[derive(Debug, Deserialize)]
struct Program {
    global: Vec<String>,
    commands: BTreeMap<String, Subcommand>,
}

#[derive(Debug, Deserialize)]
struct Subcommand {
    flags: Vec<String>,
    #[serde(default)]
    types: Vec<String>,
    #[serde(default)]
    patch_flags: Vec<String>,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn table() -> Table {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/oc-virtctl-commands.yaml");
    let text = std::fs::read_to_string(path).expect("the table");
    serde_saphyr::from_str(&text).expect("the table parses")
}

/// Shell words of a command line, quotes removed, and `|`, `&&`, `||`, `;` as words of their own.
fn words(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed ' in {line}")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => {
                            if let Some(c) = chars.next() {
                                word.push(c);
                            }
                        }
                        Some(c) => word.push(c),
                        None => return Err(format!("unclosed \" in {line}")),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(c) = chars.next() {
                    word.push(c);
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '|' | ';' | '&' => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
                let mut op = c.to_string();
                if chars.peek() == Some(&c) {
                    op.push(c);
                    chars.next();
                }
                out.push(op);
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    Ok(out)
}

/// The problems of one command line.
fn check(table: &Table, line: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let words = match words(line) {
        Ok(w) => w,
        Err(e) => return vec![e],
    };
    for segment in words.split(|w| ["|", "||", "&&", ";", "&"].contains(&w.as_str())) {
        let Some((program, args)) = segment.split_first() else {
            continue;
        };
        let Some(p) = table.programs.get(program.as_str()) else {
            continue;
        };
        // What comes after `--` is for another program (`oc debug node/x -- chroot ...`).
        let args = match args.iter().position(|a| a == "--") {
            Some(end) => &args[..end],
            None => args,
        };
        let takes_value =
            |flags: &[String], name: &str| flags.iter().any(|f| f.strip_suffix('=') == Some(name));
        let is_switch = |flags: &[String], name: &str| flags.iter().any(|f| f == name);
        // The subcommand: the longest name of the table the first plain words spell.
        let mut plain = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if a.starts_with('-') {
                let name = a.split('=').next().unwrap_or(a);
                if takes_value(&p.global, name) && !a.contains('=') {
                    i += 1;
                }
            } else {
                plain.push(a.as_str());
            }
            i += 1;
        }
        let sub = (1..=plain.len().min(2))
            .rev()
            .map(|n| plain[..n].join(" "))
            .find(|name| p.commands.contains_key(name));
        let Some(sub) = sub else {
            problems.push(format!(
                "`{program} {}`: no such subcommand in the table",
                plain.first().unwrap_or(&"")
            ));
            continue;
        };
        let cmd = &p.commands[&sub];
        let mut i = 0;
        let mut patch_type = None;
        let mut patch = None;
        while i < args.len() {
            let a = &args[i];
            i += 1;
            if !a.starts_with('-') || a == "-" {
                continue;
            }
            let (name, inline) = match a.split_once('=') {
                Some((n, v)) => (n, Some(v.to_owned())),
                None => (a.as_str(), None),
            };
            let value = if takes_value(&cmd.flags, name) || takes_value(&p.global, name) {
                match inline {
                    Some(v) => Some(v),
                    None => {
                        i += 1;
                        match args.get(i - 1) {
                            Some(v) => Some(v.clone()),
                            None => {
                                problems.push(format!("`{program} {sub} {name}` lacks its value"));
                                None
                            }
                        }
                    }
                }
            } else if is_switch(&cmd.flags, name) || is_switch(&p.global, name) {
                // `--dry-run` style switches may be written `--force=true`.
                if let Some(v) = inline
                    && v != "true"
                    && v != "false"
                {
                    problems.push(format!(
                        "`{program} {sub} {name}={v}`: a switch is true or false"
                    ));
                }
                None
            } else {
                problems.push(format!("`{program} {sub}` has no flag `{name}`"));
                None
            };
            if name == "--type" {
                patch_type = value.clone();
            }
            if cmd.patch_flags.iter().any(|f| f == name) {
                patch = value;
            }
        }
        if !cmd.types.is_empty() {
            let kind = patch_type.clone().unwrap_or_else(|| "strategic".into());
            if !cmd.types.contains(&kind) {
                problems.push(format!(
                    "`{program} {sub} --type={kind}`: not one of {:?}",
                    cmd.types
                ));
            }
            match patch
                .as_deref()
                .map(serde_json::from_str::<serde_json::Value>)
            {
                None => problems.push(format!("`{program} {sub}` without a patch")),
                Some(Err(e)) => problems.push(format!("the patch is not JSON: {e}")),
                Some(Ok(v)) if kind == "json" => {
                    let ops_ok = v.as_array().is_some_and(|ops| {
                        !ops.is_empty()
                            && ops.iter().all(|op| {
                                op["op"].as_str().is_some_and(|o| {
                                    ["add", "remove", "replace", "move", "copy", "test"]
                                        .contains(&o)
                                }) && op["path"].as_str().is_some_and(|p| p.starts_with('/'))
                            })
                    });
                    if !ops_ok {
                        problems.push(format!("a JSON patch is a list of operations: {v}"));
                    }
                }
                Some(Ok(v)) => {
                    if !v.is_object() {
                        problems.push(format!("a {kind} patch is an object: {v}"));
                    }
                    if holds_a_list(&v) {
                        problems.push(format!(
                            "a {kind} patch with a list replaces the object's list: use a JSON patch `add`: {v}"
                        ));
                    }
                }
            }
        }
    }
    problems
}

fn holds_a_list(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Array(_) => true,
        serde_json::Value::Object(m) => m.values().any(holds_a_list),
        _ => false,
    }
}

/// Every proposed command (steps, options, verify) of the reports of every fixture and of the
/// bundled sample.
fn reported_commands() -> Vec<(String, String)> {
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("expected.yaml").is_file())
        .collect();
    inputs.sort();
    inputs.push(root().join("examples/sample/must-gather.local.5203181046512837"));
    let mut out = Vec::new();
    for dir in inputs {
        let o = Command::new(env!("CARGO_BIN_EXE_kvdiag"))
            .args(["--no-config", "analyze", "-o", "json", "--fail-on", "never"])
            .arg(&dir)
            .output()
            .expect("kvdiag runs");
        if o.status.code() == Some(2) {
            continue;
        }
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        for d in v["diagnoses"].as_array().into_iter().flatten() {
            let steps = ["remediation", "options", "verify"]
                .into_iter()
                .flat_map(|k| d[k].as_array().into_iter().flatten());
            for r in steps {
                if let Some(c) = r["command"].as_str() {
                    out.push((dir.display().to_string(), c.to_owned()));
                }
            }
        }
    }
    out
}

#[test]
fn every_proposed_command_uses_known_subcommands_and_flags() {
    let table = table();
    let commands = reported_commands();
    assert!(commands.len() > 100, "{}", commands.len());
    let mut problems = Vec::new();
    for (fixture, c) in &commands {
        for p in check(&table, c) {
            problems.push(format!("{fixture}: {c}\n    {p}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The patches the toleration rule proposes are among them.
    assert!(
        commands
            .iter()
            .any(|(_, c)| c.contains("/spec/template/spec/tolerations"))
    );
}

#[test]
fn every_remediation_command_of_the_builtin_rules_uses_known_subcommands_and_flags() {
    let table = table();
    let rules = kvdiag::RuleSet::builtin().expect("built-in rules");
    let var = regex::Regex::new(r"\{\{[^}]*\}\}").expect("regex");
    let mut problems = Vec::new();
    let mut n = 0;
    for r in rules.rules() {
        let steps = r
            .remediation_templates()
            .into_iter()
            .chain(r.option_templates())
            .chain(r.verify_templates());
        for (_, command) in steps {
            let Some(c) = command else { continue };
            // Template values stand for names: any word does.
            let c = var.replace_all(&c, "NAME");
            n += 1;
            for p in check(&table, &c) {
                problems.push(format!("{}: {c}\n    {p}", r.id));
            }
        }
    }
    assert!(n > 80, "{n}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_checker_finds_what_it_should() {
    let table = table();
    let bad = |c: &str| check(&table, c);
    assert!(bad("oc get vm db -n prod -o yaml").is_empty());
    assert!(!bad("oc gte vm db").is_empty());
    assert!(!bad("oc get vm db --namspace prod").is_empty());
    assert!(!bad("virtctl stopp db").is_empty());
    assert!(!bad("virtctl start db --force").is_empty());
    assert!(!bad(r#"oc patch vm db -n p --type=merge -p '{"spec":{"template":{"spec":{"tolerations":[{"key":"a"}]}}}}'"#).is_empty());
    assert!(
        bad(r#"oc patch vm db -n p --type=merge -p '{"metadata":{"finalizers":null}}'"#).is_empty()
    );
    assert!(!bad(r#"oc patch vm db -n p --type=json -p '{"op":"add"}'"#).is_empty());
    assert!(!bad(r#"oc patch vm db -n p --type=json -p '[{"op":"add","path":"/a"'"#).is_empty());
    assert!(bad(r#"oc patch vm db -n p --type=json -p '[{"op":"add","path":"/spec/template/spec/tolerations/-","value":{}}]'"#).is_empty());
    assert!(bad("oc debug node/x -- chroot /host journalctl -k --since '-2h'").is_empty());
    assert!(bad("oc logs pod -n p -c compute | grep -E 'a|b'").is_empty());
}
