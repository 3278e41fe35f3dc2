//! Rule loading: any text as a user's rule file, alone and beside the built-in pack; when it
//! loads, its inline tests run (JSONPaths, regexes, templates, comparisons on their data).
#![no_main]

use kvdiag::RuleSet;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut builder = RuleSet::builder();
    builder.add_source("fuzz.yaml", &text);
    if let Ok(rules) = builder.build() {
        let _ = kvdiag::testing::run_rule_tests(&rules, None);
        for rule in rules.rules() {
            let _ = kvdiag::rules::docs::explain(rule);
        }
    }
    let mut builder = RuleSet::builder();
    builder.add_source("fuzz.yaml", &text);
    let _ = builder.lint();
});
