//! Property tests: matching never panics, raw-text and parsed matching agree, and a pattern
//! derived from an event keeps matching it when unrelated fields are added.

use bridgecraft_patterns::{InputTransformer, ParseOptions, Pattern, RuleContext, RuleSet};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// One pattern per operator family, to run arbitrary events through.
const PATTERNS: &[&str] = &[
    r#"{"a": ["x", 1, true, null]}"#,
    r#"{"a": [{"prefix": "x"}, {"suffix": "y"}, {"equals-ignore-case": "AB"}]}"#,
    r#"{"a": {"b": [{"prefix": {"equals-ignore-case": "x"}}, {"suffix": {"equals-ignore-case": "Y"}}]}}"#,
    r#"{"a": [{"wildcard": "*x*y"}], "b": [{"anything-but": {"wildcard": "a*"}}]}"#,
    r#"{"a": [{"anything-but": ["x", "y"]}], "b": [{"anything-but": [1, 2]}]}"#,
    r#"{"a": [{"anything-but": {"prefix": ["x"]}}, {"anything-but": {"suffix": "y"}}]}"#,
    r#"{"a": [{"anything-but": {"equals-ignore-case": ["X"]}}]}"#,
    r#"{"a": [{"numeric": [">", 0, "<=", 5]}], "b": [{"numeric": ["=", 3.5]}]}"#,
    r#"{"a": [{"cidr": "10.0.0.0/8"}, {"cidr": "2001:db8::/32"}]}"#,
    r#"{"a": [{"exists": true}], "c": [{"exists": false}]}"#,
    r#"{"$or": [{"a": {"b": ["x"]}}, {"c": [{"exists": true}]}], "d": {"e": [{"exists": false}]}}"#,
    r#"{"a": {"b": [{"exists": true}], "c": [{"exists": true}]}}"#,
];

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("a".to_owned()),
        Just("b".to_owned()),
        Just("c".to_owned()),
        "[a-e.]{1,3}"
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9*.:/ ]{0,10}".prop_map(Value::String),
        prop_oneof![Just("10.1.2.3"), Just("2001:db8::1"), Just("x"), Just("AB")]
            .prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key.clone(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn matching_arbitrary_json_never_panics_and_raw_agrees_with_value(event in arbitrary_json()) {
        let text = event.to_string();
        let reparsed: Value = serde_json::from_str(&text).expect("serde_json output parses");
        let rules = RuleSet::new(PATTERNS.iter().map(|p| (*p, Pattern::parse(p).expect("valid pattern"))));
        let mut alone = Vec::new();
        for p in PATTERNS {
            let pattern = Pattern::parse(p).expect("valid pattern");
            let raw = pattern.matches_json(&text).expect("valid JSON event");
            prop_assert_eq!(raw, pattern.matches_value(&reparsed), "pattern {}", p);
            if raw {
                alone.push(p);
            }
        }
        prop_assert_eq!(rules.matching_json(&text).expect("valid JSON event"), alone);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,64}", json_ish in "[\\[\\]{}\":,0-9a-z\\\\. -]{0,48}") {
        for t in [&text, &json_ish] {
            let _ = Pattern::parse(t);
            let pattern = Pattern::parse(r#"{"a": [{"exists": true}]}"#).expect("valid pattern");
            let _ = pattern.matches_json(t);
        }
    }

    #[test]
    fn transformers_never_panic(
        tokens in prop::collection::vec(
            prop::sample::select(vec![
                "<a>", "<b>", "<aws.events.event>", "<aws.events.event.json>", "<aws.events.rule-name>",
                "<aws.events.event.ingestion-time>", "{", "}", "[", "]", "\"", ":", ",", "x", " ", "\\", "<", ">",
            ]),
            1..24,
        ),
        path in prop_oneof![
            prop::sample::select(vec!["$", "$.a", "$.a.b", "$.a[0]", "$.*", "$.a.*", "$.b[1].c"]).prop_map(str::to_owned),
            "[$.a-z\\[\\]0-9*/-]{0,12}",
        ],
        event in arbitrary_json(),
    ) {
        let template: String = tokens.concat();
        // Random templates are often rejected; this one never is, so `apply` always runs.
        let known_good = r#"{"k": <a>, "t": "<b> and <aws.events.rule-name>", "e": <aws.events.event>}"#;
        let good = InputTransformer::new([("a", "$.a"), ("b", "$.a.b")], known_good);
        match good {
            Ok(t) => {
                let _ = t.apply_value(&event, &RuleContext::default());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        }
        for template in [template.clone(), format!("{{\"k\": {template}}}"), format!("{{\"k\": \"{template}\"}}"), known_good.to_owned()] {
            if let Ok(t) = InputTransformer::new([("a", path.as_str()), ("b", "$.a.b")], &template) {
                let _ = t.apply_value(&event, &RuleContext::default());
                let _ = t.apply(&event.to_string(), &RuleContext::default());
            }
        }
    }

    #[test]
    fn derived_pattern_matches_and_survives_unrelated_fields(
        event in arbitrary_json().prop_filter("object", Value::is_object),
        choices in prop::collection::vec(0usize..6, 8),
        extras in prop::collection::vec((0usize..64, arbitrary_json()), 1..6),
    ) {
        let Some(pattern) = derive_pattern(&event, &choices) else { return Ok(()) };
        let text = pattern.to_string();
        let options = ParseOptions { max_length: 1 << 20, ..ParseOptions::default() };
        let compiled = Pattern::parse_with(&text, &options).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
        prop_assert!(compiled.matches_value(&event), "derived pattern {} must match {}", text, event);
        let mut grown = event.clone();
        for (i, (slot, extra)) in extras.into_iter().enumerate() {
            add_unrelated_field(&mut grown, slot, &format!("zz_extra_{i}"), extra);
        }
        prop_assert!(compiled.matches_value(&grown), "pattern {} stopped matching after adding fields: {}", text, grown);
    }
}

/// A pattern over some scalar leaves of the event that lie outside arrays (so that array
/// consistency cannot reject them), each matched with an operator picked by `choices`.
fn derive_pattern(event: &Value, choices: &[usize]) -> Option<Value> {
    let mut leaves = Vec::new();
    collect_leaves(event, &mut Vec::new(), &mut leaves);
    let mut root = Map::new();
    for (i, (path, value)) in leaves.into_iter().take(choices.len()).enumerate() {
        let matcher = operator_for(value, choices[i]);
        insert_path(&mut root, &path, json!([matcher]));
    }
    // A field the event does not have.
    root.insert("zz_absent".into(), json!([{"exists": false}]));
    Some(Value::Object(root))
}

fn collect_leaves<'a>(
    value: &'a Value,
    path: &mut Vec<&'a str>,
    out: &mut Vec<(Vec<&'a str>, &'a Value)>,
) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                // Dotted keys alias nested paths; keep derived patterns unambiguous.
                if k.contains('.') {
                    continue;
                }
                path.push(k);
                collect_leaves(v, path, out);
                path.pop();
            }
        }
        Value::Array(_) => {}
        scalar => out.push((path.clone(), scalar)),
    }
}

fn operator_for(value: &Value, choice: usize) -> Value {
    match (value, choice % 6) {
        (Value::String(s), 1) => json!({"prefix": s.chars().take(2).collect::<String>()}),
        (Value::String(s), 2) => {
            json!({"suffix": s.chars().rev().take(2).collect::<String>().chars().rev().collect::<String>()})
        }
        (Value::String(s), 3) => json!({"equals-ignore-case": s.to_uppercase()}),
        (Value::String(s), 4) => {
            let escaped: String = s
                .chars()
                .rev()
                .take(3)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .flat_map(|c| match c {
                    '*' | '\\' => vec!['\\', c],
                    c => vec![c],
                })
                .collect();
            json!({"wildcard": format!("*{escaped}")})
        }
        (Value::String(s), 5) => json!({"anything-but": format!("not {s}")}),
        (Value::Number(n), 1 | 2) => json!({"numeric": [">=", n, "<=", n]}),
        // Away from the value by more than double precision can blur.
        (Value::Number(n), 5) => match n.as_f64() {
            Some(f) if f.abs() < 1e12 => json!({"anything-but": [f + 1.0, f - 1.0]}),
            _ => json!({"exists": true}),
        },
        (_, 3 | 4) => json!({"exists": true}),
        (v, _) => v.clone(),
    }
}

fn insert_path(root: &mut Map<String, Value>, path: &[&str], leaf: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut node = root;
    for key in parents {
        let entry = node
            .entry(key.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        let Value::Object(next) = entry else { return };
        node = next;
    }
    node.insert(last.to_string(), leaf);
}

/// Adds `key: extra` to the `slot`-th object of the event (counting every nested object, array
/// elements included).
fn add_unrelated_field(event: &mut Value, slot: usize, key: &str, extra: Value) {
    let mut objects = 0;
    count_objects(event, &mut objects);
    let mut target = slot % objects.max(1);
    insert_at(event, &mut target, key, extra);
}

fn count_objects(value: &Value, n: &mut usize) {
    match value {
        Value::Object(map) => {
            *n += 1;
            map.values().for_each(|v| count_objects(v, n));
        }
        Value::Array(items) => items.iter().for_each(|v| count_objects(v, n)),
        _ => {}
    }
}

fn insert_at(value: &mut Value, target: &mut usize, key: &str, extra: Value) -> bool {
    match value {
        Value::Object(map) => {
            if *target == 0 {
                map.insert(key.to_owned(), extra);
                return true;
            }
            *target -= 1;
            map.values_mut()
                .any(|v| insert_at(v, target, key, extra.clone()))
        }
        Value::Array(items) => items
            .iter_mut()
            .any(|v| insert_at(v, target, key, extra.clone())),
        _ => false,
    }
}
