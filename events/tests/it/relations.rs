//! ARNs and relations on real events: every ARN of the shared corpus reads and writes back,
//! and every resource AWS's registry names in an event, with its value there, is a relation.
#![cfg(feature = "aws")]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use bridgecraft_events::{Arn, ArnErrorKind, Detail, Event, Relation};
use serde_json::Value;

use crate::corpus::corpus_files;

/// Every event of the corpus by name: the bare events, and those its SQS and SNS envelopes
/// carry (an SNS `Message` is the event as a JSON string).
fn corpus() -> Option<Vec<(String, Value)>> {
    let mut events = Vec::new();
    for folder in ["events", "envelopes"] {
        let (dir, paths) = corpus_files(folder)?;
        for path in paths {
            let name = path
                .strip_prefix(&dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            let text = std::fs::read_to_string(&path).expect("readable corpus file");
            let json: Value = serde_json::from_str(&text).expect("corpus file is JSON");
            let mut found = Vec::new();
            collect_events(&json, &mut found);
            assert!(!found.is_empty(), "{name} holds no event");
            events.extend(
                found
                    .into_iter()
                    .map(|event| (format!("{folder}/{name}"), event)),
            );
        }
    }
    Some(events)
}

fn collect_events(json: &Value, found: &mut Vec<Value>) {
    match json {
        Value::Object(object) if object.contains_key("detail-type") => found.push(json.clone()),
        Value::Object(object) => object
            .values()
            .for_each(|value| collect_events(value, found)),
        Value::Array(items) => items.iter().for_each(|value| collect_events(value, found)),
        Value::String(text) if text.starts_with('{') => {
            if let Ok(inner) = serde_json::from_str::<Value>(text) {
                collect_events(&inner, found);
            }
        }
        _ => {}
    }
}

/// Every string below `json` that starts as an ARN does.
fn arn_strings<'a>(json: &'a Value, found: &mut Vec<&'a str>) {
    match json {
        Value::String(text) if text.starts_with("arn:") => found.push(text),
        Value::Object(object) => object.values().for_each(|value| arn_strings(value, found)),
        Value::Array(items) => items.iter().for_each(|value| arn_strings(value, found)),
        _ => {}
    }
}

/// Partition, service, region, account and resource, split as the ARN format says: at the
/// first five `:`.
fn split(text: &str) -> [&str; 5] {
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    assert_eq!(parts.len(), 6, "{text}");
    [parts[1], parts[2], parts[3], parts[4], parts[5]]
}

fn assert_reads_back(text: &str, name: &str) {
    let arn = Arn::parse(text).unwrap_or_else(|error| panic!("{name}: `{text}`: {error}"));
    assert_eq!(arn.to_string(), text, "{name}");
    let [partition, service, region, account, resource] = split(text);
    assert_eq!(arn.partition(), partition, "{name}: {text}");
    assert_eq!(arn.service(), service, "{name}: {text}");
    assert_eq!(arn.region().unwrap_or_default(), region, "{name}: {text}");
    assert_eq!(arn.account().unwrap_or_default(), account, "{name}: {text}");
    assert_eq!(arn.resource(), resource, "{name}: {text}");
}

#[test]
fn every_resource_and_arn_of_the_corpus_reads_and_writes_back() {
    let Some(events) = corpus() else {
        return;
    };
    let (mut resources, mut placeholders, mut fields) = (0, 0, 0);
    for (name, json) in &events {
        let event: Event<Detail> = serde_json::from_value(json.clone()).unwrap();
        for (text, arn) in event.resources.iter().zip(event.resource_arns()) {
            if text.starts_with("arn:") {
                assert_eq!(arn.map(|arn| arn.to_string()).as_deref(), Ok(text.as_str()));
                assert_reads_back(text, name);
                resources += 1;
            } else {
                // The Go library's fixtures put `instance-arn` where an ARN goes.
                let error = arn.unwrap_err();
                assert_eq!((error.kind(), error.offset()), (ArnErrorKind::NoPrefix, 0));
                placeholders += 1;
            }
        }
        let mut found = Vec::new();
        arn_strings(&json["detail"], &mut found);
        for text in found {
            assert_reads_back(text, name);
            fields += 1;
        }
    }
    assert_eq!((resources, placeholders, fields), (88, 21, 31));

    // The parts, as named by hand for a few shapes.
    let parts = |text| {
        let arn = Arn::parse(text).unwrap();
        (arn.service(), arn.region(), arn.account())
    };
    assert_eq!(
        parts("arn:aws:s3:::DOC-EXAMPLE-BUCKET1"),
        ("s3", None, None)
    );
    assert_eq!(
        parts("arn:aws:iam::awsExampleAccountID:role/awsExampleRoleName"),
        ("iam", None, Some("awsExampleAccountID"))
    );
    assert_eq!(
        parts("arn:<partition>:states:<region>:111111111111:execution:<resource:2>:<resource:1>"),
        ("states", Some("<region>"), Some("111111111111"))
    );
}

/// A resource the registry names: its type, and the property that identifies it with the
/// other properties of the schema that has it.
struct Named {
    kind: String,
    property: Option<String>,
    holder: BTreeSet<String>,
}

type Registry = BTreeMap<(String, String), Vec<Named>>;

/// The resources the registry document of each event type names.
fn registry_resources() -> Registry {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/aws");
    let mut resources = BTreeMap::new();
    for source in std::fs::read_dir(&dir).unwrap().flatten() {
        if !source.path().is_dir() {
            continue;
        }
        for document in std::fs::read_dir(source.path()).unwrap().flatten() {
            let json: Value =
                serde_json::from_str(&std::fs::read_to_string(document.path()).unwrap()).unwrap();
            let event = &json["components"]["schemas"]["AWSEvent"];
            let pair = (
                event["x-amazon-events-source"].as_str().unwrap().to_owned(),
                event["x-amazon-events-detail-type"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
            let named = event["x-bridgecraft-resources"]
                .as_array()
                .into_iter()
                .flatten();
            let named = named.map(|resource| {
                let schema = resource["schema"].as_str().unwrap_or_default();
                let properties = &json["components"]["schemas"][schema]["properties"];
                Named {
                    kind: resource["cloudformation-type"].as_str().unwrap().to_owned(),
                    property: resource["property"].as_str().map(str::to_owned),
                    holder: properties
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k.clone())
                        .collect(),
                }
            });
            resources.insert(pair, named.collect());
        }
    }
    resources
}

/// Every string held under `named`'s property, anywhere below `json`, in an object that has
/// another property of the schema that has it (a CloudTrail record's `userIdentity` has an
/// `accountId` too, but it is not the account an Organizations event creates).
fn values_at<'a>(json: &'a Value, named: &Named, key: &str, found: &mut Vec<&'a str>) {
    match json {
        Value::Object(object) => {
            let like_holder = named.holder.len() == 1
                || object
                    .keys()
                    .any(|name| name != key && named.holder.contains(name));
            for (name, value) in object {
                match value {
                    Value::String(text) if name == key && like_holder => found.push(text),
                    _ => values_at(value, named, key, found),
                }
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|value| values_at(value, named, key, found)),
        _ => {}
    }
}

/// Checks `event`'s relations against what its registry document names and what its
/// envelope lists; returns them.
fn check_relations<'a>(
    name: &str,
    json: &Value,
    event: &'a Event<Detail>,
    registry: &Registry,
) -> Vec<Relation<'a>> {
    let relations = event.relations();
    let pair = (event.source.clone(), event.detail_type.clone());
    for named in registry.get(&pair).into_iter().flatten() {
        let (kind, Some(property)) = (&named.kind, &named.property) else {
            continue;
        };
        let mut expected = Vec::new();
        values_at(&json["detail"], named, property, &mut expected);
        for identifier in expected {
            assert!(
                relations
                    .iter()
                    .any(|r| r.cloudformation_type == Some(kind.as_str())
                        && r.identifier == identifier),
                "{name}: the registry names {kind} by `{property}`, which is `{identifier}`, \
                 but the relations are {relations:#?}"
            );
        }
    }
    for resource in &event.resources {
        assert!(
            relations
                .iter()
                .any(|r| r.identifier == resource || r.arn.as_deref() == Some(resource)),
            "{name}: the envelope's `{resource}` is no relation"
        );
    }
    for relation in &relations {
        if let Some(arn) = relation.parsed_arn() {
            assert_eq!(
                relation.region,
                arn.region().or(event.region.as_deref()),
                "{name}"
            );
            assert_eq!(
                relation.account,
                arn.account().or(event.account.as_deref()),
                "{name}"
            );
        } else {
            assert_eq!(relation.region, event.region.as_deref(), "{name}");
        }
    }
    relations
}

#[test]
fn every_resource_the_registry_names_in_a_corpus_event_is_a_relation() {
    let Some(events) = corpus() else {
        return;
    };
    let registry = registry_resources();
    let mut types_with_relations = BTreeSet::new();
    for (name, json) in &events {
        let event: Event<Detail> = serde_json::from_value(json.clone()).unwrap();
        let relations = check_relations(name, json, &event, &registry);
        if !relations.is_empty() && event.source.starts_with("aws.") {
            types_with_relations.insert((event.source.clone(), event.detail_type.clone()));
        }
    }
    assert!(
        types_with_relations.len() >= 20,
        "{} types: {types_with_relations:#?}",
        types_with_relations.len()
    );
}

fn fixture(file: &str) -> (Value, Event<Detail>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(file);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let event = serde_json::from_value(json.clone()).unwrap();
    (json, event)
}

/// `(type, identifier, region, account, ARN)` of each relation.
type Row<'a> = (
    Option<&'a str>,
    &'a str,
    Option<&'a str>,
    Option<&'a str>,
    Option<&'a str>,
);

fn rows<'a>(relations: &'a [Relation<'a>]) -> Vec<Row<'a>> {
    relations
        .iter()
        .map(|r| {
            (
                r.cloudformation_type,
                r.identifier,
                r.region,
                r.account,
                r.arn.as_deref(),
            )
        })
        .collect()
}

fn relations_of_fixture(file: &str, check: impl FnOnce(&Event<Detail>, Vec<Row<'_>>)) {
    let (json, event) = fixture(file);
    let relations = check_relations(file, &json, &event, &registry_resources());
    check(&event, rows(&relations));
}

#[test]
fn every_task_of_a_list_names_its_cluster_once() {
    relations_of_fixture("ecs-run-task-via-cloudtrail.json", |event, rows| {
        let cluster = "arn:aws:ecs:us-east-1:123456789012:cluster/default";
        assert_eq!(event.detail.related().len(), 2, "each task names it");
        assert_eq!(
            rows,
            [(
                Some("AWS::ECS::Cluster"),
                cluster,
                Some("us-east-1"),
                Some("123456789012"),
                Some(cluster)
            )]
        );
    });
}

#[test]
fn every_instance_of_a_list_is_related_with_its_arn() {
    relations_of_fixture("ec2-terminate-instances-via-cloudtrail.json", |_, rows| {
        let instance = |id| -> Row<'_> {
            (
                Some("AWS::EC2::Instance"),
                id,
                Some("eu-west-1"),
                Some("123456789012"),
                None,
            )
        };
        let arns: Vec<_> = rows.iter().map(|row| row.4.unwrap()).collect();
        assert_eq!(
            arns,
            [
                "arn:aws:ec2:eu-west-1:123456789012:instance/i-0a1b2c3d4e5f60718",
                "arn:aws:ec2:eu-west-1:123456789012:instance/i-0f1e2d3c4b5a69788"
            ]
        );
        let without_arns: Vec<Row<'_>> = rows
            .iter()
            .map(|row| (row.0, row.1, row.2, row.3, None))
            .collect();
        assert_eq!(
            without_arns,
            [
                instance("i-0a1b2c3d4e5f60718"),
                instance("i-0f1e2d3c4b5a69788")
            ]
        );
    });
}

#[test]
fn nested_fields_and_untyped_parameters_give_their_resources() {
    relations_of_fixture("s3-create-bucket-via-cloudtrail.json", |_, rows| {
        assert_eq!(
            rows,
            [(
                Some("AWS::S3::Bucket"),
                "example-reports-eu",
                Some("eu-central-1"),
                Some("123456789012"),
                Some("arn:aws:s3:::example-reports-eu")
            )]
        );
    });
    relations_of_fixture("guardduty-finding.json", |_, rows| {
        assert_eq!(
            rows,
            [(
                Some("AWS::GuardDuty::Detector"),
                "123456789012abcd",
                Some("us-east-1"),
                Some("123456789012"),
                Some("arn:aws:guardduty:us-east-1:123456789012:detector/123456789012abcd")
            )]
        );
    });
    // The alarm's ARN is built from its name, and is the envelope's: one relation.
    relations_of_fixture("cloudwatch-alarm-configuration-change.json", |_, rows| {
        assert_eq!(
            rows,
            [(
                Some("AWS::CloudWatch::Alarm"),
                "ServerCpuTooHigh",
                Some("us-east-1"),
                Some("123456789012"),
                Some("arn:aws:cloudwatch:us-east-1:123456789012:alarm:ServerCpuTooHigh")
            )]
        );
    });
    // Two records deep; the type has no ARN template.
    relations_of_fixture("organizations-create-account.json", |_, rows| {
        assert_eq!(
            rows,
            [(
                Some("AWS::Organizations::Account"),
                "222222222222",
                Some("us-east-1"),
                Some("111111111111"),
                None
            )]
        );
    });
}

#[test]
fn real_events_relate_their_resources_with_place() {
    let Some(events) = corpus() else {
        return;
    };
    let find = |file: &str| {
        let json = &events
            .iter()
            .find(|(name, _)| name.ends_with(file))
            .unwrap()
            .1;
        serde_json::from_value::<Event<Detail>>(json.clone()).unwrap()
    };
    // An ECS task: the cluster from the detail, placed by its ARN; the task from the envelope,
    // which no CloudFormation type's template matches.
    let task = find("aws-lambda-dotnet/ecs-task-state-change-event.json");
    let relations = task.relations();
    let cluster = "arn:aws:ecs:us-west-2:111122223333:cluster/FargateCluster";
    let task_arn =
        "arn:aws:ecs:us-west-2:111122223333:task/FargateCluster/c13b4cb40f1f4fe4a2971f76ae5a47ad";
    assert_eq!(
        rows(&relations),
        [
            (
                Some("AWS::ECS::Cluster"),
                cluster,
                Some("us-west-2"),
                Some("111122223333"),
                Some(cluster)
            ),
            (
                None,
                task_arn,
                Some("us-west-2"),
                Some("111122223333"),
                Some(task_arn)
            ),
        ]
    );
    // An Auto Scaling group by name: its type has no ARN template; and the instance, which a
    // fix names, with its ARN; then the Go library's placeholders, which are not ARNs.
    let launch = find("lambda-rust-runtime/example-autoscaling-event-launch-successful.json");
    let relations = launch.relations();
    let instance = "arn:aws:ec2:us-west-2:123456789012:instance/i-1234567890abcdef0";
    assert_eq!(
        rows(&relations),
        [
            (
                Some("AWS::AutoScaling::AutoScalingGroup"),
                "my-auto-scaling-group",
                Some("us-west-2"),
                Some("123456789012"),
                None
            ),
            (
                Some("AWS::EC2::Instance"),
                "i-1234567890abcdef0",
                Some("us-west-2"),
                Some("123456789012"),
                Some(instance)
            ),
            (
                None,
                "auto-scaling-group-arn",
                Some("us-west-2"),
                Some("123456789012"),
                None
            ),
            (
                None,
                "instance-arn",
                Some("us-west-2"),
                Some("123456789012"),
                None
            ),
        ]
    );
    // An S3 bucket by name in the detail, whose ARN has no region or account, and is the
    // envelope's: one relation.
    let created = find("powertools-python/s3EventBridgeNotificationObjectCreatedEvent.json");
    let relations = created.relations();
    assert_eq!(
        rows(&relations),
        [(
            Some("AWS::S3::Bucket"),
            "example-bucket",
            created.region.as_deref(),
            created.account.as_deref(),
            Some("arn:aws:s3:::example-bucket")
        )]
    );
    // An EC2 instance named by id in the detail and by ARN in the envelope: one relation.
    let state =
        find("awsdocs-eventbridge-guide/eb-event-patterns-content-based-filtering__block009.json");
    let relations = state.relations();
    assert_eq!(relations.len(), 1, "{relations:#?}");
    assert_eq!(relations[0].identifier, "i-abcd1111");
    assert_eq!(
        relations[0].arn.as_deref(),
        Some("arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111")
    );
}
