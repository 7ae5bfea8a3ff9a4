//! The fixtures' code, generated for use outside the events crate, is checked in as
//! `events/tests/it/golden/` where the events crate's tests compile it and decode events with
//! it. This test keeps it fresh; `BRIDGECRAFT_BLESS=1` rewrites it.

use bridgecraft_codegen::Fix;

use super::*;

#[test]
fn golden_code_for_the_fixtures_is_fresh() {
    let always_present: Fix = serde_json::from_str(
        r#"{"schema": "OrderPlaced", "properties": ["order-id"], "required": true,
            "why": "every order has an id: the fixture's own evidence"}"#,
    )
    .unwrap();
    let output = Config::new()
        .events_crate("::bridgecraft_events")
        .and_then(|config| config.module_root("crate::golden"))
        .unwrap()
        .feature_gates(false)
        .fix(always_present)
        .generate(fixture_documents())
        .unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../events/tests/it/golden");
    if std::env::var_os("BRIDGECRAFT_BLESS").is_some() {
        output.write_to(&dir).unwrap();
        return;
    }
    let changes = output.diff(&dir).unwrap();
    assert!(
        changes.is_empty(),
        "golden code is stale; rerun with BRIDGECRAFT_BLESS=1: {changes:?}"
    );
}

/// The dispatch bench's baseline: plain serde types of the same fields, generated from the same
/// schemas (with the project's fixes), into `factory/benches/plain/`.
#[test]
fn plain_types_for_the_dispatch_bench_are_fresh() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let schemas = [
        "aws.events/aws.events@ScheduledJson.json",
        "aws.ec2/aws.ec2@EC2InstanceStateChangeNotification.json",
        "aws.s3/aws.s3@ObjectCreated.json",
        "aws.codedeploy/aws.codedeploy@CodeDeployDeploymentStateChangeNotification.json",
        "aws.transcribe/aws.transcribe@TranscribeJobStateChange.json",
        "aws.ecr/aws.ecr@ECRImageScan.json",
        "aws.ecs/aws.ecs@ECSContainerInstanceStateChange.json",
        "aws.ec2/aws.ec2@AWSAPICallViaCloudTrail.json",
        "aws.s3/aws.s3@AWSAPICallViaCloudTrail.json",
        "aws.kms/aws.kms@AWSAPICallViaCloudTrail.json",
    ];
    let documents: Vec<Document> = schemas
        .iter()
        .map(|name| Document::read(&root.join("schemas/aws").join(name)).unwrap())
        .collect();
    // The project's fixes of these documents' schemas (the others would match nothing here).
    let fixes: Vec<Fix> = bridgecraft_codegen::read_fixes(&root.join("xtask/fixes.json"))
        .unwrap()
        .into_iter()
        .filter(|fix| {
            documents.iter().any(|document| {
                fix.source
                    .as_ref()
                    .is_none_or(|source| *source == document.source)
                    && document.schemas.contains_key(&fix.schema)
            })
        })
        .collect();
    let output = Config::new()
        .events_crate("::bridgecraft_events")
        .and_then(|config| config.module_root("crate::plain"))
        .unwrap()
        .feature_gates(false)
        .plain(true)
        .fixes(fixes)
        .generate(documents)
        .unwrap();
    let dir = root.join("factory/benches/plain");
    if std::env::var_os("BRIDGECRAFT_BLESS").is_some() {
        output.write_to(&dir).unwrap();
        return;
    }
    let changes = output.diff(&dir).unwrap();
    assert!(
        changes.is_empty(),
        "the bench's plain types are stale; rerun with BRIDGECRAFT_BLESS=1: {changes:?}"
    );
}
