//! Property tests: matching never panics, raw-text and parsed matching agree, and a pattern
//! derived from an event keeps matching it when unrelated fields are added.

use bridgecraft_patterns::{
    EventKeys, InputTransformer, NumberEquality, ParseOptions, Pattern, RuleContext, RuleId,
    RuleSet,
};
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
        prop_oneof![
            Just("10.1.2.3"),
            Just("2001:db8::1"),
            Just("2001:DB8:0::1"),
            Just("x"),
            Just("AB")
        ]
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

/// One value of a pattern's list, over the values `arbitrary_json` puts in events.
fn arbitrary_matcher() -> impl Strategy<Value = Value> {
    let text = prop_oneof![
        prop::sample::select(vec!["x", "y", "AB", "ab", "", "10.1.2.3", "2001:DB8::1"])
            .prop_map(str::to_owned),
        "[a-cA-C0-9.:]{1,3}",
    ]
    .boxed();
    let number = prop::sample::select(vec![
        json!(0),
        json!(1),
        json!(5),
        json!(3.5),
        json!(-2),
        json!(1.0e3),
    ])
    .boxed();
    prop_oneof![
        text.clone().prop_map(|s| json!(s)),
        number.clone(),
        Just(json!(true)),
        Just(json!(false)),
        Just(Value::Null),
        text.clone().prop_map(|s| json!({"prefix": s})),
        text.clone().prop_map(|s| json!({"suffix": s})),
        text.clone().prop_map(|s| json!({"equals-ignore-case": s})),
        text.clone()
            .prop_map(|s| json!({"prefix": {"equals-ignore-case": s}})),
        text.clone()
            .prop_map(|s| json!({"suffix": {"equals-ignore-case": s}})),
        text.clone()
            .prop_map(|s| json!({"wildcard": format!("*{}*", s.replace('*', ""))})),
        prop::collection::vec(text.clone(), 1..3).prop_map(|v| json!({"anything-but": v})),
        text.clone()
            .prop_filter("non-empty", |s| !s.is_empty())
            .prop_map(|s| json!({"anything-but": {"prefix": s}})),
        prop::collection::vec(number.clone(), 1..3).prop_map(|v| json!({"anything-but": v})),
        (number.clone(), number).prop_map(|(a, b)| {
            let (lo, hi) = if a.as_f64() <= b.as_f64() {
                (a, b)
            } else {
                (b, a)
            };
            json!({"numeric": [">=", lo, "<", hi]})
        }),
        prop_oneof![Just("10.0.0.0/8"), Just("2001:db8::/32")].prop_map(|c| json!({"cidr": c})),
        any::<bool>().prop_map(|b| json!({"exists": b})),
    ]
}

/// A pattern over the keys `arbitrary_json` uses, sometimes with `$or`.
fn arbitrary_pattern() -> impl Strategy<Value = Value> {
    let path = prop::collection::vec(prop_oneof![Just("a"), Just("b"), Just("c")], 1..3);
    let fields = prop::collection::vec(
        (path, prop::collection::vec(arbitrary_matcher(), 1..4)),
        1..4,
    )
    .prop_map(|fields| {
        let mut root = Map::new();
        for (path, values) in fields {
            insert_path(&mut root, &path, Value::Array(values));
        }
        Value::Object(root)
    })
    .boxed();
    prop_oneof![
        3 => fields.clone(),
        1 => (fields.clone(), fields).prop_map(|(a, b)| json!({"$or": [a, b]})),
    ]
}

/// The event with `.` in keys replaced, so that no two keys spell the same path.
fn without_dots(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.replace('.', "_"), without_dots(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_dots).collect()),
        other => other.clone(),
    }
}

/// The names of the patterns, each matched alone against a parsed event.
fn alone<'p>(patterns: &'p [(usize, Pattern)], event: &Value) -> Vec<&'p usize> {
    patterns
        .iter()
        .filter(|(_, p)| p.matches_value(event))
        .map(|(name, _)| name)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A rule set built by inserting patterns, and removing some again, reports exactly the
    /// patterns that match on their own, whether the event is text or a `Value`, and so does
    /// the same set taking keys to be unique, on events whose paths are.
    #[test]
    fn rule_set_agrees_with_each_pattern_alone(
        texts in prop::collection::vec((arbitrary_pattern(), any::<bool>(), any::<bool>()), 1..40),
        events in prop::collection::vec(arbitrary_json(), 1..8),
    ) {
        let mut kept = Vec::new();
        let mut rules = RuleSet::default();
        let mut removed: Vec<RuleId> = Vec::new();
        for (i, (text, by_representation, keep)) in texts.iter().enumerate() {
            let options = ParseOptions {
                max_length: 1 << 20,
                numbers: if *by_representation { NumberEquality::Representation } else { NumberEquality::Value },
                ..ParseOptions::default()
            };
            // Wildcard complexity and other AWS limits reject some; they are left out.
            let Ok(pattern) = Pattern::parse_with(&text.to_string(), &options) else { continue };
            let id = rules.insert(i, &pattern);
            if *keep {
                kept.push((i, pattern));
            } else {
                removed.push(id);
            }
        }
        for id in removed {
            prop_assert!(rules.remove(id).is_some());
        }
        prop_assert_eq!(rules.len(), kept.len());
        let mut unique = rules.clone();
        unique.set_keys(EventKeys::Unique);
        for event in &events {
            let expected = alone(&kept, event);
            let text = event.to_string();
            prop_assert_eq!(rules.matching_json(&text).expect("valid JSON event"), expected.clone(), "text {}", text);
            prop_assert_eq!(rules.matching_value(event), expected, "value {}", text);
            let undotted = without_dots(event);
            let text = undotted.to_string();
            prop_assert_eq!(unique.matching_json(&text).expect("valid JSON event"), alone(&kept, &undotted), "unique keys {}", text);
        }
    }

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
        prop_assert_eq!(rules.matching_json(&text).expect("valid JSON event"), alone.clone());
        // Spaces, newlines and indentation between tokens change nothing.
        let pretty = serde_json::to_string_pretty(&event).expect("serializable");
        prop_assert_eq!(rules.matching_json(&pretty).expect("valid JSON event"), alone);
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
