//! The built-in rule pack: it loads without problems, and every rule carries inline tests that
//! pass — at least one it must fire on and one look-alike it must stay silent on.

use kvdiag::RuleSet;

#[test]
fn the_builtin_pack_lints_clean() {
    let mut b = RuleSet::builder();
    b.add_builtin();
    let problems = b.lint();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_builtin_rule_has_fire_and_silent_tests() {
    let rules = RuleSet::builtin().expect("the built-in rules load");
    let missing: Vec<String> = rules
        .rules()
        .iter()
        .filter(|r| !(r.tests().iter().any(|t| t.fires) && r.tests().iter().any(|t| !t.fires)))
        .map(|r| r.id.clone())
        .collect();
    assert!(
        missing.is_empty(),
        "rules without both a fire and a silent test: {missing:?}"
    );
}

#[test]
fn the_builtin_rules_pass_their_inline_tests() {
    kvdiag::testing::assert_rule_tests(&RuleSet::builtin().expect("the built-in rules load"));
}
