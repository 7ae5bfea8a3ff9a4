//! Documents read back: updated with samples without losing what they had, with what changed;
//! events checked against them; and documents that are not right, named by file and pointer.

use std::path::Path;

use bridgecraft_discover::{Catalog, Change, Checked, Error};
use bridgecraft_factory::{Decoded, EventFactory, Factory};
use serde_json::json;

use super::{corpus, event};

const EC2_STATE_CHANGE: &str = "aws.ec2/aws.ec2@EC2InstanceStateChangeNotification.json";

/// A folder holding a copy of one of AWS's registry documents.
fn with_aws_document(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../schemas/aws")
        .join(name);
    let to = dir.path().join(name);
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
    dir
}

#[test]
fn merging_samples_into_a_registry_document_keeps_it_and_says_what_changed() {
    let dir = with_aws_document(EC2_STATE_CHANGE);
    let before = Catalog::read_documents(dir.path()).unwrap();
    let mut after = before.clone();
    after
        .add_event(&event(
            "aws.ec2",
            "EC2 Instance State-change Notification",
            json!({"instance-id": "i-1", "state": "running"}),
        ))
        .unwrap();
    let updates = after.updates(&before);
    assert_eq!(
        updates[0].change,
        Change::Unchanged,
        "a sample that fits changes nothing"
    );

    // powertools' sample spells the id `instance_id`.
    after
        .add_event(&event(
            "aws.ec2",
            "EC2 Instance State-change Notification",
            json!({"instance_id": "i-2", "state": "stopped", "code": null}),
        ))
        .unwrap();
    let updates = after.updates(&before);
    let Change::Changed(lines) = &updates[0].change else {
        panic!("{updates:?}")
    };
    assert_eq!(
        lines,
        &[
            "+ detail.code: null",
            "~ detail.instance-id: no longer required",
            "+ detail.instance_id: string",
        ]
    );
    let document = &updates[0].document;
    assert_eq!(
        document.path,
        Path::new(EC2_STATE_CHANGE),
        "written back where it was"
    );
    let schemas = &document.json["components"]["schemas"];
    // What the registry had that shapes do not model is kept.
    assert_eq!(
        schemas["AWSEvent"]["x-bridgecraft-resources"][0]["property"],
        "instance-id"
    );
    assert!(
        schemas["AWSEvent"]["description"]
            .as_str()
            .unwrap()
            .contains("EC2InstanceStateChangeNotification")
    );
    assert_eq!(
        schemas["AWSEvent"]["properties"]["time"]["format"],
        "date-time"
    );
    assert_eq!(
        schemas["EC2InstanceStateChangeNotification"]["required"],
        json!(["state"])
    );
    // A document from the registry is not marked as discovered: its plain strings may hold
    // timestamps the samples never showed.
    assert!(
        document.json["info"]
            .get(bridgecraft_discover::DISCOVERED)
            .is_none()
    );
}

#[test]
fn an_enum_a_document_declares_gains_the_values_samples_bring() {
    let dir = tempfile::tempdir().unwrap();
    let document = json!({
        "openapi": "3.0.0", "info": {"title": "Ping", "version": "1.0.0"}, "paths": {},
        "components": {"schemas": {
            "AWSEvent": {"type": "object", "x-amazon-events-source": "my.app", "x-amazon-events-detail-type": "Ping",
                "properties": {"detail": {"$ref": "#/components/schemas/Ping"}}},
            "Ping": {"type": "object", "description": "A ping.", "properties": {
                "level": {"type": "string", "enum": ["low", "high"], "description": "How loud."}}},
        }},
    });
    std::fs::write(dir.path().join("ping.json"), document.to_string()).unwrap();
    let before = Catalog::read_documents(dir.path()).unwrap();
    let mut after = before.clone();
    // An event of nothing but what the document describes.
    let sample = json!({"source": "my.app", "detail-type": "Ping", "detail": {"level": "medium"}});
    after.add_event(&sample).unwrap();
    let update = &after.updates(&before)[0];
    assert_eq!(
        update.change,
        Change::Changed(vec![
            "+ detail-type: string".to_owned(),
            r#"~ detail.level: enum ("high", "low") -> enum ("high", "low", "medium")"#.to_owned(),
            "+ source: string".to_owned(),
        ])
    );
    let ping = &update.document.json["components"]["schemas"]["Ping"];
    assert_eq!(
        ping["properties"]["level"]["enum"],
        json!(["high", "low", "medium"])
    );
    assert_eq!(ping["properties"]["level"]["description"], "How loud.");
    assert_eq!(ping["description"], "A ping.");
    // The schema's name is the document's file name.
    let checked = after
        .check("my.app", "Ping", &json!({"level": "deafening"}))
        .unwrap();
    assert_eq!(
        checked[0].to_string(),
        r#"detail.level	unknown value	enum ("high", "low", "medium")	"deafening""#
    );
}

bridgecraft_factory::detail_enum! {
    #[derive(Debug)]
    enum Detail {
        Schema(Checked),
    }
}

#[test]
fn a_catalog_decodes_events_of_its_types_without_compiling_anything() {
    let dir = with_aws_document(EC2_STATE_CHANGE);
    let catalog = Catalog::read_documents(dir.path()).unwrap();
    let factory = Factory::<Detail, _>::new(catalog);
    let json = event(
        "aws.ec2",
        "EC2 Instance State-change Notification",
        json!({"instance-id": 7, "state": "running"}),
    );
    let Decoded::Typed(decoded) = factory.decode_event(&json.to_string()).unwrap() else {
        panic!("a known pair is typed")
    };
    let Detail::Schema(checked) = decoded.detail;
    assert_eq!(checked.schema, "aws.ec2@EC2InstanceStateChangeNotification");
    assert_eq!(
        checked.detail.get(),
        r#"{"instance-id":7,"state":"running"}"#
    );
    let violations: Vec<String> = checked.violations.iter().map(ToString::to_string).collect();
    assert_eq!(violations, ["detail.instance-id\tmisfit\tstring\t7"]);
    let other = event("aws.ec2", "Something Else", json!({}));
    assert!(matches!(
        factory.decode_event(&other.to_string()).unwrap(),
        Decoded::Unknown(_)
    ));
}

#[test]
fn draft4_exports_read_as_openapi_ones_do() {
    let Some(exports) = corpus("registry-exports") else {
        return;
    };
    let read = |name: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::copy(exports.join(name), dir.path().join("doc.json")).unwrap();
        let catalog = Catalog::read_documents(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let sample = json!({"instance-id": "i-1", "state": "running"});
        let checked = catalog.check("aws.ec2", "EC2 Instance State-change Notification", &sample);
        (catalog.types().count(), checked)
    };
    let openapi = read("aws.ec2/aws.ec2@EC2InstanceStateChangeNotification.json");
    let draft4 = read("aws.ec2/aws.ec2@EC2InstanceStateChangeNotification.draft4.json");
    assert_eq!(openapi, (1, Some(Vec::new())));
    assert_eq!(draft4, openapi);
}

#[test]
fn a_dangling_reference_names_the_file_and_the_pointer() {
    let Some(exports) = corpus("registry-exports") else {
        return;
    };
    let dir = exports.join("aws.partner-mongodb.com");
    let error = Catalog::read_documents(&dir).unwrap_err();
    let Error::Document {
        path,
        pointer,
        message,
    } = &error
    else {
        panic!("{error}")
    };
    assert!(path.starts_with(&dir), "{error}");
    assert!(pointer.contains("/$ref"), "{error}");
    assert!(message.contains("points to no schema"), "{error}");
}

#[test]
fn two_documents_of_one_type_are_an_error() {
    let dir = with_aws_document(EC2_STATE_CHANGE);
    std::fs::copy(
        dir.path().join(EC2_STATE_CHANGE),
        dir.path().join("copy.json"),
    )
    .unwrap();
    let error = Catalog::read_documents(dir.path()).unwrap_err();
    assert!(matches!(error, Error::DuplicateType { .. }), "{error}");
}
