//! Every nesting depth the limits allow is safe on a worker thread's 2 MiB stack, in debug
//! builds too: the deepest YAML and JSON documents accepted parse (and are analysed), and one
//! level more fails with the limit named, never a stack overflow.

use kvdiag::{Hint, Limits, RuleSet, Snapshot, analyze};

/// Runs `f` on a thread with a 2 MiB stack, as rayon's workers have.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no stack overflow, no panic");
}

/// A Pod whose `spec` nests `depth` levels in all (flow or block YAML, or JSON).
fn nested(depth: usize, form: &str) -> String {
    // kind, metadata and spec are at level 1; `spec` opens level 2.
    let inner = depth - 1;
    match form {
        "json" => format!(
            "{{\"kind\":\"Pod\",\"metadata\":{{\"name\":\"p\",\"namespace\":\"n\"}},\"spec\":{}1{}}}",
            "{\"a\":".repeat(inner - 1) + "[",
            "]".to_owned() + &"}".repeat(inner - 1)
        ),
        "flow" => format!(
            "kind: Pod\nmetadata: {{name: p, namespace: n}}\nspec: {}1{}\n",
            "{a: ".repeat(inner - 1) + "[",
            "]".to_owned() + &"}".repeat(inner - 1)
        ),
        _ => {
            let mut s = String::from("kind: Pod\nmetadata: {name: p, namespace: n}\nspec:\n");
            for level in 1..inner {
                s.push_str(&"  ".repeat(level));
                s.push_str("a:\n");
            }
            s.push_str(&"  ".repeat(inner));
            s.push_str("- 1\n");
            s
        }
    }
}

fn parse_at(depth: usize, form: &'static str, limits: Limits) -> Result<usize, String> {
    let mut b = Snapshot::builder();
    b.limits(limits);
    let name = format!("deep.{form}");
    b.add_input(name, nested(depth, form).as_bytes(), &Hint::Auto)
        .into_result()
        .map_err(|e| e.to_string())?;
    let snapshot = b.build();
    let rules = RuleSet::builtin().map_err(|e| e.to_string())?;
    let report = analyze(&rules, &snapshot);
    drop(report);
    Ok(snapshot.objects().len())
}

#[test]
fn the_deepest_yaml_allowed_parses_on_a_2_mib_stack() {
    on_small_stack(|| {
        let mut limits = Limits::default();
        limits.depth = Limits::MAX_DEPTH;
        for form in ["flow", "block"] {
            assert_eq!(
                parse_at(Limits::MAX_DEPTH, form, limits.clone()),
                Ok(1),
                "{form}"
            );
            let deeper = parse_at(Limits::MAX_DEPTH + 1, form, limits.clone());
            assert!(
                deeper.as_ref().is_err_and(|e| e.contains("nesting limit")),
                "{form}: {deeper:?}"
            );
        }
    });
}

#[test]
fn the_deepest_json_allowed_parses_on_a_2_mib_stack() {
    on_small_stack(|| {
        // serde_json stops at its 128th level: 127 nested containers are the most accepted.
        assert_eq!(parse_at(127, "json", Limits::default()), Ok(1));
        let deeper = parse_at(128, "json", Limits::default());
        assert!(
            deeper.as_ref().is_err_and(|e| e.contains("nesting limit")),
            "{deeper:?}"
        );
    });
}

#[test]
fn the_default_yaml_depth_holds_exactly() {
    on_small_stack(|| {
        let limits = Limits::default();
        assert_eq!(parse_at(limits.depth, "flow", limits.clone()), Ok(1));
        assert!(parse_at(limits.depth + 1, "flow", limits.clone()).is_err());
    });
}

#[test]
fn the_deepest_rule_file_allowed_loads_on_a_2_mib_stack() {
    on_small_stack(|| {
        let rule = |levels: usize| {
            format!(
                "id: t/deep\ncause: qemu-crash\ntitle: t\nsummary: s\nwhen: {}{{on: vm, path: $.a, exists: true}}{}\n",
                "{not: ".repeat(levels),
                "}".repeat(levels)
            )
        };
        // `when` is at level 1 of the document, its condition at 2.
        let deepest = kvdiag::parse::yaml::RULE_MAX_DEPTH - 2;
        let mut b = RuleSet::builder();
        b.add_source("deep.yaml", &rule(deepest));
        assert!(b.build().is_ok());
        let mut b = RuleSet::builder();
        b.add_source("deeper.yaml", &rule(deepest + 1));
        let errors = b.lint();
        assert!(errors.iter().any(|e| e.code == "yaml-syntax"), "{errors:?}");
    });
}
