//! Property: any event of a generated type, with any field removed, set to `null` or given a
//! value of another JSON type, still decodes typed, reports that field as drift (unless its
//! schema says it may be any JSON, or `null` for a field declared nullable), and writes back
//! exactly the JSON it was given. The only exception is a field recorded as always present:
//! without it the event is not of its type.
//!
//! The events are the generator's fixtures and, when the shared corpus is there, every corpus
//! event whose type is generated.

use std::path::Path;

use bridgecraft_events::{Detail, DetailSet, Event};
use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::{Value, json};

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

#[derive(Clone, Copy, Debug)]
enum Change {
    Remove,
    Null,
    Other(usize),
}

/// Every place under `detail`, as steps from the event's root.
fn places(value: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    let children: Vec<(Step, &Value)> = match value {
        Value::Object(map) => map.iter().map(|(k, v)| (Step::Key(k.clone()), v)).collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| (Step::Index(i), v))
            .collect(),
        _ => Vec::new(),
    };
    for (step, child) in children {
        at.push(step);
        out.push(at.clone());
        places(child, at, out);
        at.pop();
    }
}

/// The drift path of `steps`, as the events crate writes it.
fn path_of(steps: &[Step]) -> String {
    let mut path = String::new();
    for step in steps {
        match step {
            Step::Key(key)
                if !key.is_empty()
                    && key
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"_-$@".contains(&b)) =>
            {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Step::Key(key) => path.push_str(&format!("[{}]", json!(key))),
            Step::Index(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The JSON pointer of `steps`.
fn pointer_of(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|step| match step {
            Step::Key(key) => format!("/{}", key.replace('~', "~0").replace('/', "~1")),
            Step::Index(index) => format!("/{index}"),
        })
        .collect()
}

/// Values of every JSON type but the one at the place; `None` where a change is not possible.
fn changed(event: &Value, steps: &[Step], change: Change) -> Option<Value> {
    let others = [
        json!("ghost"),
        json!(12.5),
        json!(true),
        json!([1, "a"]),
        json!({"probe": [1]}),
    ];
    let mut event = event.clone();
    let (last, parent) = steps.split_last()?;
    let mut holder = &mut event;
    for step in parent {
        holder = match step {
            Step::Key(key) => holder.get_mut(key.as_str())?,
            Step::Index(index) => holder.get_mut(*index)?,
        };
    }
    let slot = match last {
        Step::Key(key) if matches!(change, Change::Remove) => {
            holder.as_object_mut()?.remove(key);
            return Some(event);
        }
        Step::Index(_) if matches!(change, Change::Remove) => return None,
        Step::Key(key) => holder.get_mut(key.as_str())?,
        Step::Index(index) => holder.get_mut(*index)?,
    };
    let kind = |v: &Value| std::mem::discriminant(v);
    *slot = match change {
        // A null says nothing of the declared type: a value replacing it may well fit.
        _ if slot.is_null() => return None,
        Change::Null => Value::Null,
        Change::Other(pick) => {
            let candidates: Vec<&Value> = others.iter().filter(|v| kind(v) != kind(slot)).collect();
            candidates[pick % candidates.len()].clone()
        }
        Change::Remove => unreachable!("handled above"),
    };
    Some(event)
}

fn drift_under<D: DetailSet>(event: &Event<D>, path: &str) -> bool {
    event.drift().iter().any(|d| d.path.starts_with(path))
}

/// What the schemas say of some JSON paths of an event.
#[derive(Default)]
struct Declared {
    /// Recorded as always present.
    always_present: Vec<String>,
    /// Declared nullable: `null` there is no drift.
    nullable: Vec<String>,
}

/// Checks the property for one change of one event.
fn check<D: DetailSet + std::fmt::Debug>(
    base: &Value,
    steps: &[Step],
    change: Change,
    declared: &Declared,
) -> Result<(), TestCaseError> {
    let Some(input) = changed(base, steps, change) else {
        return Ok(());
    };
    let path = path_of(steps);
    let decoded = serde_json::from_str::<Event<D>>(&input.to_string());
    // Without a field recorded as always present, or with a value that does not convert to
    // its type, the event is not of its type.
    if declared.always_present.contains(&path)
        && let Err(error) = &decoded
    {
        prop_assert!(
            error.to_string().contains("recorded as always present"),
            "{error}"
        );
        let given = input.pointer(&pointer_of(steps));
        prop_assert!(
            !matches!(given, Some(Value::Number(_) | Value::Bool(_))),
            "{path}: a number or a boolean converts to a string"
        );
        return Ok(());
    }
    let event = decoded.map_err(|e| TestCaseError::fail(format!("{path} {change:?}: {e}")))?;
    let written = serde_json::to_value(&event).unwrap();
    prop_assert_eq!(
        &written,
        &input,
        "{} {:?}: not written back as given",
        path,
        change
    );
    if matches!(change, Change::Remove)
        || matches!(change, Change::Null) && declared.nullable.contains(&path)
    {
        return Ok(());
    }
    // A place whose schema admits any JSON takes any value without drift.
    let probe = changed(base, steps, Change::Other(4)).unwrap_or_else(|| base.clone());
    let any_json = serde_json::from_value::<Event<D>>(probe)
        .map(|probed| !drift_under(&probed, &path))
        .unwrap_or(false);
    prop_assert!(
        any_json || drift_under(&event, &path),
        "{} {:?}: no drift reported: {:?}",
        path,
        change,
        event.drift()
    );
    Ok(())
}

/// The fields of `source`'s details that `xtask/fixes.json` declares nullable.
fn nullable_by_fixes(source: &str) -> Declared {
    static FIXES: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    let fixes = FIXES.get_or_init(|| {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../xtask/fixes.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    });
    let nullable = fixes
        .iter()
        .filter(|fix| fix["source"] == source && fix["nullable"] == true)
        .flat_map(|fix| fix["properties"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .map(|property| format!("detail.{property}"))
        .collect();
    Declared {
        nullable,
        ..Declared::default()
    }
}

fn corpus_events() -> &'static [Value] {
    static EVENTS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    EVENTS.get_or_init(read_corpus_events)
}

fn read_corpus_events() -> Vec<Value> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/events");
    let mut events = Vec::new();
    let mut folders = vec![dir];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let value: Value =
                    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
                let (source, detail_type) =
                    (value["source"].as_str(), value["detail-type"].as_str());
                if let (Some(source), Some(detail_type)) = (source, detail_type)
                    && Detail::contains(source, detail_type)
                {
                    events.push(value);
                }
            }
        }
    }
    events.sort_by_key(|v| v.to_string());
    events
}

fn fixture_event() -> Value {
    json!({
        "version": "0", "id": "1", "detail-type": "Order Placed", "source": "com.example.shop",
        "account": "123456789012", "time": "2024-05-01T12:00:00Z", "region": "eu-west-1",
        "resources": [], "detail": {
            "order-id": "o-1", "status": "pending", "placedAt": "2024-05-01T12:00:00.000Z",
            "type": "retail", "Type": 2, "total": 45.99, "coupon": null,
            "items": [{"sku": "s", "quantity": 1}], "shipping": {"carrier": "post"},
            "payment": {"method": "gift-card", "code": "G-1", "items": [{"sku": "t", "quantity": 2}],
                        "shipping": {"carrier": "post"}},
            "refund": {"amount": 5, "via": "Cash", "currency": "EUR"}
        }
    })
}

fn places_of(event: &Value) -> Vec<Vec<Step>> {
    let mut out = Vec::new();
    places(
        &event["detail"],
        &mut vec![Step::Key("detail".into())],
        &mut out,
    );
    out
}

fn changes() -> impl Strategy<Value = Change> {
    prop_oneof![
        Just(Change::Remove),
        Just(Change::Null),
        (0..4usize).prop_map(Change::Other)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn a_fixture_event_with_one_field_changed_decodes_typed(place: Index, change in changes()) {
        let event = fixture_event();
        let places = places_of(&event);
        let steps = &places[place.index(places.len())];
        let declared = Declared {
            always_present: vec!["detail.order-id".into()],
            nullable: vec!["detail.coupon".into(), "detail.note".into()],
        };
        check::<crate::golden::Detail>(&event, steps, change, &declared)?;
    }

    #[test]
    fn a_corpus_event_with_one_field_changed_decodes_typed(event: Index, place: Index, change in changes()) {
        let events = corpus_events();
        if events.is_empty() {
            return Ok(());
        }
        let event = &events[event.index(events.len())];
        let places = places_of(event);
        if places.is_empty() {
            return Ok(());
        }
        let steps = &places[place.index(places.len())];
        let declared = nullable_by_fixes(event["source"].as_str().unwrap_or_default());
        check::<Detail>(event, steps, change, &declared)?;
    }
}
