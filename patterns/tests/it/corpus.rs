//! The shared corpus of pattern and transformer cases (`../shared/corpus/patterns`), read in
//! place. When the corpus is not checked out next to the workspace, the tests say so and skip,
//! except in CI (`CI=true`), where they fail.

use std::path::PathBuf;

use bridgecraft_patterns::{
    ApplyError, InputTransformer, NumberEquality, OutputKind, ParseOptions, Pattern, RuleContext,
    RuleSet,
};
use serde_json::Value;

pub(crate) fn corpus_file(name: &str) -> Option<Vec<Value>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/patterns")
        .join(name);
    let Ok(text) = std::fs::read_to_string(&path) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "corpus file {} is missing, and CI must test it",
            path.display()
        );
        eprintln!(
            "corpus file {} is missing; skipping the corpus cases",
            path.display()
        );
        return None;
    };
    let cases = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, line)| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{name} line {}: {e}", i + 1))
        })
        .collect();
    Some(cases)
}

/// The case's JSON as text: `<key>_text` holds raw text to keep spellings JSON values lose.
fn text_of(case: &Value, key: &str) -> String {
    match case.get(format!("{key}_text")).and_then(Value::as_str) {
        Some(raw) => raw.to_owned(),
        None => case[key].to_string(),
    }
}

/// Cases asserting the documentation's reading of exact numbers (`300` is not `300.0`). Numbers
/// compare by value by default, as event-ruler does; these cases run with
/// [`NumberEquality::Representation`], and the default must give the opposite answer.
const DOCUMENTED_NUMBER_SPELLING: &[&str] = &["c010", "c011"];

fn options_for(id: &str) -> ParseOptions {
    ParseOptions {
        numbers: if DOCUMENTED_NUMBER_SPELLING.contains(&id) {
            NumberEquality::Representation
        } else {
            NumberEquality::Value
        },
        ..ParseOptions::default()
    }
}

#[test]
fn numbers_compare_by_value_unless_the_documented_spelling_rule_is_chosen() {
    let Some(cases) = corpus_file("pattern-cases.jsonl") else {
        return;
    };
    for id in DOCUMENTED_NUMBER_SPELLING {
        let case = cases
            .iter()
            .find(|c| c["id"] == *id)
            .unwrap_or_else(|| panic!("case {id} is in the corpus"));
        let expected = case["expected_match"].as_bool().expect("boolean");
        let pattern = Pattern::parse(&text_of(case, "pattern")).expect("valid pattern");
        let event = text_of(case, "event");
        assert_eq!(pattern.matches_json(&event).ok(), Some(!expected), "{id}");
        let rules = RuleSet::new([(*id, pattern)]);
        assert_eq!(
            rules.matching_json(&event).map(|m| m.len()).ok(),
            Some(usize::from(!expected)),
            "{id}"
        );
    }
}

#[test]
fn every_pattern_case_matches_as_expected() {
    let Some(cases) = corpus_file("pattern-cases.jsonl") else {
        return;
    };
    assert!(
        cases.len() >= 166,
        "expected the full corpus, found {} cases",
        cases.len()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?");
        let pattern_text = text_of(case, "pattern");
        let event_text = text_of(case, "event");
        let expect_invalid = case
            .get("expect_invalid_pattern")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let expected = case["expected_match"]
            .as_bool()
            .expect("expected_match is a boolean");
        match (
            Pattern::parse_with(&pattern_text, &options_for(id)),
            expect_invalid,
        ) {
            (Ok(_), true) => failures.push(format!("{id}: pattern accepted, AWS rejects it")),
            (Err(_), true) => {}
            (Err(e), false) => failures.push(format!("{id}: pattern rejected: {e}")),
            (Ok(pattern), false) => {
                let raw = pattern.matches_json(&event_text);
                let value: Value =
                    serde_json::from_str(&event_text).expect("corpus events are JSON");
                let parsed = pattern.matches_value(&value);
                if raw.as_ref().ok() != Some(&expected) {
                    failures.push(format!("{id}: raw JSON gave {raw:?}, expected {expected}"));
                }
                if parsed != expected {
                    failures.push(format!("{id}: Value gave {parsed}, expected {expected}"));
                }
                // The same case through a rule set holding only this pattern.
                let rules = RuleSet::new([(id, pattern)]);
                let raw = rules.matching_json(&event_text).map(|m| !m.is_empty());
                if raw.as_ref().ok() != Some(&expected) {
                    failures.push(format!(
                        "{id}: rule set on raw JSON gave {raw:?}, expected {expected}"
                    ));
                }
                let parsed = !rules.matching_value(&value).is_empty();
                if parsed != expected {
                    failures.push(format!(
                        "{id}: rule set on a Value gave {parsed}, expected {expected}"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// All valid corpus patterns in one rule set: for every case's event, the set must report the
/// case's own pattern exactly when the case expects a match.
#[test]
fn a_rule_set_of_the_whole_corpus_agrees_with_each_case() {
    let Some(cases) = corpus_file("pattern-cases.jsonl") else {
        return;
    };
    let valid: Vec<&Value> = cases
        .iter()
        .filter(|c| {
            !c.get("expect_invalid_pattern")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        })
        .collect();
    let rules = RuleSet::new(valid.iter().map(|c| {
        let id = c["id"].as_str().unwrap_or("?");
        let pattern = Pattern::parse_with(&text_of(c, "pattern"), &options_for(id))
            .expect("valid corpus pattern");
        (id.to_owned(), pattern)
    }));
    assert_eq!(rules.len(), valid.len());
    let mut failures = Vec::new();
    for case in &valid {
        let id = case["id"].as_str().unwrap_or("?");
        let matched = rules
            .matching_json(&text_of(case, "event"))
            .expect("corpus events are JSON");
        let reported = matched.iter().any(|name| name.as_str() == id);
        if reported != case["expected_match"].as_bool().unwrap_or(!reported) {
            failures.push(format!("{id}: rule set reported {reported}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_transformer_case_renders_as_expected() {
    let Some(cases) = corpus_file("transformer-cases.jsonl") else {
        return;
    };
    assert!(
        cases.len() >= 12,
        "expected the full corpus, found {} cases",
        cases.len()
    );
    // The corpus keeps the anonymised values of its AWS snapshots for the reserved variables.
    let rule = RuleContext {
        rule_arn: "arn:<partition>:events:<region>:111111111111:rule/<bus-name>/<rule-name>".into(),
        rule_name: "<rule-name>".into(),
        ingestion_time: Some("date".into()),
    };
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap_or("?");
        let template = case["input_template"]
            .as_str()
            .expect("template is a string");
        let transformer =
            match InputTransformer::from_json(&case["input_paths_map"].to_string(), template) {
                Ok(t) => t,
                Err(e) => {
                    failures.push(format!("{id}: transformer rejected: {e}"));
                    continue;
                }
            };
        let result = transformer.apply(&case["event"].to_string(), &rule);
        let delivered = case["expected_delivered"]
            .as_bool()
            .expect("expected_delivered is a boolean");
        match (result, delivered) {
            (Err(ApplyError::NotDelivered(_)), false) => {}
            (Ok(out), false) => {
                failures.push(format!("{id}: delivered {:?}, AWS drops it", out.text))
            }
            (Err(e), _) => failures.push(format!("{id}: {e}")),
            (Ok(out), true) => {
                let ok = match case["expected_output_kind"].as_str() {
                    Some("json") => {
                        out.kind == OutputKind::Json
                            && out.json().as_ref() == Some(&case["expected_output"])
                    }
                    Some("text") => {
                        out.kind == OutputKind::Text
                            && Some(out.text.as_str()) == case["expected_output"].as_str()
                    }
                    other => panic!("{id}: unknown output kind {other:?}"),
                };
                if !ok {
                    failures.push(format!(
                        "{id}: got {:?} {:?}, expected {}",
                        out.kind, out.text, case["expected_output"]
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
