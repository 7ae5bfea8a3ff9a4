//! AWS's generated types, with fixtures written for these tests.
#![cfg(all(feature = "aws-autoscaling", feature = "aws-ec2"))]

use bridgecraft_events::{Detail, Event, EventDetail, aws_autoscaling, aws_ec2};
use serde_json::json;

/// A launch of an instance into an Auto Scaling group, as AWS documents the event.
fn launch_successful() -> serde_json::Value {
    json!({
        "version": "0", "id": "3e3c153a-8339-4e30-8c35-687ebef853fe",
        "detail-type": "EC2 Instance Launch Successful", "source": "aws.autoscaling",
        "account": "123456789012", "time": "2015-11-11T21:31:47Z", "region": "us-east-1",
        "resources": ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/sampleLuanchSucASG"],
        "detail": {
            "StatusCode": "InProgress", "AutoScalingGroupName": "sampleLuanchSucASG",
            "ActivityId": "9cabb81f-42de-417d-8aa7-ce16bf026590", "RequestId": "9cabb81f-42de-417d-8aa7-ce16bf026590",
            "StatusMessage": "", "EndTime": "2015-11-11T21:31:47.208Z", "EC2InstanceId": "i-b188560f",
            "StartTime": "2015-11-11T21:31:13.671Z", "Cause": "At 2015-11-11T21:31:10Z a user request created an AutoScalingGroup",
            "Description": "Launching a new EC2 instance: i-b188560f",
            "Details": {"Subnet ID": "subnet-95bfcebe", "Availability Zone": "us-east-1b"}
        }
    })
}

#[test]
fn dispatches_on_source_and_detail_type() {
    let event: Event<Detail> = serde_json::from_value(launch_successful()).unwrap();
    let Detail::AwsAutoscaling(aws_autoscaling::Detail::Ec2InstanceLaunchSuccessful(launch)) =
        &event.detail
    else {
        panic!("{:?}", event.detail)
    };
    assert_eq!(launch.ec2_instance_id.as_deref(), Some("i-b188560f"));
    assert_eq!(launch.origin, None, "older events have no Origin");
    assert_eq!(
        event.detail.type_name(),
        "aws_autoscaling::Ec2InstanceLaunchSuccessful"
    );
}

#[test]
fn relates_the_event_to_its_auto_scaling_group_and_instance() {
    let event: Event<aws_autoscaling::Ec2InstanceLaunchSuccessful> =
        serde_json::from_value(launch_successful()).unwrap();
    let related: Vec<_> = event
        .detail
        .related()
        .iter()
        .map(|r| (r.cloudformation_type, r.identifier))
        .collect();
    assert_eq!(
        related,
        [
            ("AWS::AutoScaling::AutoScalingGroup", "sampleLuanchSucASG"),
            ("AWS::EC2::Instance", "i-b188560f")
        ]
    );
}

#[test]
fn another_sources_pair_is_unknown_not_an_error() {
    let mut value = launch_successful();
    value["detail-type"] = json!("Something AWS Adds Tomorrow");
    let event: Event<Detail> =
        serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(event.detail, Detail::Unknown(_)));
    assert_eq!(
        serde_json::to_value(&event).unwrap(),
        value,
        "the raw detail is written back as it came"
    );
    let error = serde_json::from_value::<Event<aws_ec2::Detail>>(launch_successful()).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("expected source `aws.ec2`, found `aws.autoscaling`"),
        "{error}"
    );
}

#[test]
fn one_lookup_decodes_a_known_pair_or_keeps_the_detail_raw() {
    use bridgecraft_events::DetailSet;

    fn known<S: DetailSet>(source: &str, detail_type: &str) -> Result<S, String> {
        let detail = launch_successful()["detail"].to_string();
        let mut de = serde_json::Deserializer::from_str(&detail);
        match S::deserialize_known(source, detail_type, &mut de).unwrap() {
            Ok(detail) => Ok(detail),
            Err(raw) => Err(raw.get().to_owned()),
        }
    }
    let (asg, launch) = ("aws.autoscaling", "EC2 Instance Launch Successful");
    let detail = launch_successful()["detail"].to_string();
    assert!(matches!(
        known::<Detail>(asg, launch),
        Ok(Detail::AwsAutoscaling(_))
    ));
    assert!(known::<aws_autoscaling::Detail>(asg, launch).is_ok());
    assert!(known::<aws_autoscaling::Ec2InstanceLaunchSuccessful>(asg, launch).is_ok());
    for (source, detail_type) in [(asg, "Something Else"), ("aws.ec2", launch), ("x", "y")] {
        assert_eq!(known::<Detail>(source, detail_type).unwrap_err(), detail);
        assert_eq!(
            known::<aws_autoscaling::Detail>(source, detail_type).unwrap_err(),
            detail
        );
        assert_eq!(
            known::<aws_autoscaling::Ec2InstanceLaunchSuccessful>(source, detail_type).unwrap_err(),
            detail
        );
    }
}

/// Every "AWS API Call via CloudTrail" detail is the documented CloudTrail record, whatever the
/// service and API: the example events' calls are ones the registry's samples never saw.
#[cfg(all(feature = "aws-kms", feature = "aws-s3"))]
#[test]
fn cloudtrail_calls_of_any_api_decode_as_the_record() {
    use bridgecraft_events::cloudtrail::{UserIdentity, UserIdentityType};
    use bridgecraft_events::{aws_kms, aws_s3};

    let example = |name: &str| {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../examples/events")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    };
    for name in [
        "cloudtrail-ec2-run-instances.json",
        "cloudtrail-s3-put-object.json",
        "cloudtrail-kms-decrypt-denied.json",
    ] {
        let json = example(name);
        let event: Event<Detail> = serde_json::from_str(&json).unwrap();
        assert!(!matches!(event.detail, Detail::Unknown(_)), "{name}");
        assert_eq!(event.drift(), [], "{name} is what CloudTrail documents");
        let written = serde_json::to_value(&event).unwrap();
        assert_eq!(
            written,
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            "{name}"
        );
    }
    let put: Event<aws_s3::AwsApiCallViaCloudTrail> =
        serde_json::from_str(&example("cloudtrail-s3-put-object.json")).unwrap();
    assert_eq!(put.detail.event_name.as_deref(), Some("PutObject"));
    assert_eq!(
        put.detail
            .event_time
            .as_ref()
            .unwrap()
            .to_utc()
            .unwrap()
            .to_rfc3339(),
        "2024-03-18T10:02:11+00:00"
    );
    assert_eq!(
        put.detail.request_parameters.as_ref().unwrap()["key"],
        "reports/2024/03/18.csv"
    );
    let denied: Event<aws_kms::AwsApiCallViaCloudTrail> =
        serde_json::from_str(&example("cloudtrail-kms-decrypt-denied.json")).unwrap();
    assert_eq!(denied.detail.error_code.as_deref(), Some("AccessDenied"));
    let identity: &UserIdentity = denied.detail.user_identity.as_ref().unwrap();
    assert_eq!(identity.r#type, Some(UserIdentityType::AwsService));
    assert_eq!(identity.invoked_by.as_deref(), Some("lambda.amazonaws.com"));
}

#[test]
fn a_detail_converts_to_its_type_without_encoding_it_again() {
    let event: Event<Detail> = serde_json::from_value(launch_successful()).unwrap();
    let launch =
        aws_autoscaling::Ec2InstanceLaunchSuccessful::try_from(event.detail.clone()).unwrap();
    assert_eq!(launch.ec2_instance_id.as_deref(), Some("i-b188560f"));
    let not_ec2 = aws_ec2::Ec2InstanceStateChangeNotification::try_from(event.detail).unwrap_err();
    assert!(
        not_ec2
            .downcast_ref::<aws_autoscaling::Ec2InstanceLaunchSuccessful>()
            .is_some()
    );

    let Detail::AwsAutoscaling(source_detail) = not_ec2.clone() else {
        panic!("an autoscaling event decodes into the autoscaling variant")
    };
    let other = aws_autoscaling::Ec2InstanceTerminateSuccessful::try_from(source_detail.clone())
        .unwrap_err();
    assert_eq!(other, source_detail);
    let launch_again: aws_autoscaling::Ec2InstanceLaunchSuccessful =
        source_detail.downcast().unwrap();
    assert_eq!(launch_again, launch);

    let back = not_ec2
        .downcast::<aws_ec2::Ec2InstanceStateChangeNotification>()
        .unwrap_err();
    assert_eq!(
        back.downcast::<aws_autoscaling::Ec2InstanceLaunchSuccessful>()
            .unwrap(),
        launch
    );

    let unknown: Event<Detail> = serde_json::from_value(serde_json::json!({
        "source": "com.example.private", "detail-type": "Nothing AWS knows", "detail": {"a": 1}
    }))
    .unwrap();
    assert!(
        unknown
            .detail
            .downcast_ref::<aws_autoscaling::Ec2InstanceLaunchSuccessful>()
            .is_none()
    );
    let Err(Detail::Unknown(raw)) = unknown
        .detail
        .downcast::<aws_autoscaling::Ec2InstanceLaunchSuccessful>()
    else {
        panic!("an unknown detail comes back as it was")
    };
    assert_eq!(raw.get(), r#"{"a":1}"#);
}

/// Decodes `json` as an event of `T`, which must report no drift and write back what it read.
fn decoded_without_drift<T: bridgecraft_events::DetailSet + serde::Serialize>(
    json: &serde_json::Value,
) -> Event<T> {
    let event: Event<T> = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(event.drift(), []);
    assert_eq!(&serde_json::to_value(&event).unwrap(), json);
    event
}

/// Values AWS documents that the registry's samples did not show are typed, not drift: AWS
/// Health's RFC 1123 times and paging, and the `null` stop date and the redrive fields of a
/// running Step Functions execution.
#[cfg(all(feature = "aws-health", feature = "aws-states"))]
#[test]
fn documented_spellings_and_nulls_are_not_drift() {
    use bridgecraft_events::{aws_health, aws_states};

    // As the AWS Health user guide's EventBridge example spells an event.
    let health = json!({
        "version": "0", "id": "7bf73129-1428-4cd3-a780-95db273d1602",
        "detail-type": "AWS Health Event", "source": "aws.health",
        "account": "123456789012", "time": "2023-01-27T01:43:21Z", "region": "af-south-1",
        "resources": [],
        "detail": {
            "eventArn": "arn:aws:health:af-south-1::event/EC2/AWS_EC2_OPERATIONAL_ISSUE/AWS_EC2_OPERATIONAL_ISSUE_89257d1d",
            "service": "EC2", "eventTypeCode": "AWS_EC2_OPERATIONAL_ISSUE",
            "eventTypeCategory": "issue", "eventScopeCode": "PUBLIC",
            "communicationId": "a4ea8b6a3d4ae36c-1",
            "startTime": "Fri, 27 Jan 2023 06:02:51 GMT",
            "endTime": "Fri, 27 Jan 2023 09:01:22 GMT",
            "lastUpdatedTime": "Fri, 27 Jan 2023 09:01:22 GMT",
            "statusCode": "closed", "eventRegion": "af-south-1",
            "eventDescription": [{"language": "en_US", "latestDescription": "Resolved."}],
            "affectedEntities": [{
                "entityValue": "i-0123456789abcdef0",
                "lastUpdatedTime": "Fri, 27 Jan 2023 09:01:22 GMT", "status": "RESOLVED"
            }],
            "affectedAccount": "123456789012", "page": "1", "totalPages": "1"
        }
    });
    let event: Event<aws_health::AwsHealthEvent> = decoded_without_drift(&health);
    let start = event.detail.start_time.as_ref().unwrap();
    assert_eq!(
        start.to_utc().unwrap().to_rfc3339(),
        "2023-01-27T06:02:51+00:00"
    );
    assert_eq!(start.as_str(), "Fri, 27 Jan 2023 06:02:51 GMT");
    let entity = &event.detail.affected_entities.as_ref().unwrap()[0];
    assert_eq!(
        entity.status,
        Some(aws_health::aws_health_event::AffectedEntityStatus::Resolved)
    );
    assert!(entity.last_updated_time.as_ref().unwrap().to_utc().is_ok());
    assert_eq!(event.detail.total_pages.as_deref(), Some("1"));

    // The Step Functions developer guide's example of a running execution.
    let running = json!({
        "version": "0", "id": "315c1398-40ff-a850-213b-158f73e60175",
        "detail-type": "Step Functions Execution Status Change", "source": "aws.states",
        "account": "123456789012", "time": "2019-02-26T19:42:21Z", "region": "us-east-1",
        "resources": ["arn:aws:states:us-east-1:123456789012:execution:state-machine-name:execution-name"],
        "detail": {
            "executionArn": "arn:aws:states:us-east-1:123456789012:execution:state-machine-name:execution-name",
            "stateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:state-machine",
            "name": "execution-name", "status": "RUNNING",
            "startDate": 1551225271984_u64, "stopDate": null,
            "input": "{}", "inputDetails": {"included": true},
            "output": null, "outputDetails": null,
            "stateMachineVersionArn": null, "stateMachineAliasArn": null,
            "redriveCount": 0, "redriveDate": null, "redriveStatus": "NOT_REDRIVABLE",
            "redriveStatusReason": "Execution is RUNNING and cannot be redriven",
            "error": null, "cause": null
        }
    });
    let event: Event<aws_states::StepFunctionsExecutionStatusChange> =
        decoded_without_drift(&running);
    assert_eq!(event.detail.stop_date, None);
    assert_eq!(
        event.detail.redrive_status,
        Some(aws_states::step_functions_execution_status_change::RedriveStatus::NotRedrivable)
    );
    assert_eq!(
        event.detail.input_details.as_ref().unwrap().included,
        Some(true)
    );
}

/// Console sign-ins and service events carry a CloudTrail record too: its documented fields
/// are typed, not unlisted, and what the event's own schema says of the parts the record
/// leaves open (the sign-in's outcome and MFA) stays typed.
#[cfg(all(feature = "aws-signin", feature = "aws-codebuild"))]
#[test]
fn console_sign_ins_and_service_events_are_cloudtrail_records() {
    use bridgecraft_events::cloudtrail::{EventType, UserIdentityType};
    use bridgecraft_events::{aws_codebuild, aws_signin};

    // As CloudTrail's user guide shows a console sign-in record, delivered by EventBridge.
    let sign_in = json!({
        "version": "0", "id": "6f87d04b-9f74-4f04-a780-7acf4b0a9b38",
        "detail-type": "AWS Console Sign In via CloudTrail", "source": "aws.signin",
        "account": "123456789012", "time": "2024-01-05T18:21:27Z", "region": "us-east-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "IAMUser", "principalId": "AIDAEXAMPLE", "accountId": "123456789012",
                "arn": "arn:aws:iam::123456789012:user/alice", "userName": "alice"
            },
            "eventTime": "2024-01-05T18:21:27Z", "eventSource": "signin.amazonaws.com",
            "eventName": "ConsoleLogin", "awsRegion": "us-east-1",
            "sourceIPAddress": "192.0.2.0", "userAgent": "Mozilla/5.0",
            "errorMessage": "Failed authentication",
            "requestParameters": null,
            "responseElements": {"ConsoleLogin": "Failure"},
            "additionalEventData": {
                "LoginTo": "https://console.aws.amazon.com/console/home",
                "MobileVersion": "No", "MFAUsed": "Yes"
            },
            "eventID": "324731c0-64b3-4421-b552-dfc3c27df4f6", "readOnly": false,
            "eventType": "AwsConsoleSignIn", "managementEvent": true,
            "recipientAccountId": "123456789012", "eventCategory": "Management",
            "tlsDetails": {
                "tlsVersion": "TLSv1.3", "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": "signin.aws.amazon.com"
            }
        }
    });
    let event: Event<aws_signin::AwsConsoleSignInViaCloudTrail> = decoded_without_drift(&sign_in);
    let detail = &event.detail;
    assert_eq!(detail.event_type, Some(EventType::AwsConsoleSignIn));
    assert_eq!(
        detail.error_message.as_deref(),
        Some("Failed authentication")
    );
    let identity = detail.user_identity.as_ref().unwrap();
    assert_eq!(identity.r#type, Some(UserIdentityType::IamUser));
    assert_eq!(identity.user_name.as_deref(), Some("alice"));
    let outcome = detail.response_elements.as_ref().unwrap();
    assert_eq!(outcome.console_login.as_deref(), Some("Failure"));
    let data = detail.additional_event_data.as_ref().unwrap();
    assert_eq!(data.mfa_used.as_deref(), Some("Yes"));

    let service_event = json!({
        "version": "0", "id": "b3e5ac4d-3d2c-4b5e-9f4a-0c0e7d3a1f11",
        "detail-type": "AWS Service Event via CloudTrail", "source": "aws.codebuild",
        "account": "123456789012", "time": "2024-03-01T10:00:00Z", "region": "eu-west-1",
        "resources": [],
        "detail": {
            "eventVersion": "1.08",
            "userIdentity": {"accountId": "123456789012", "invokedBy": "codebuild.amazonaws.com"},
            "eventTime": "2024-03-01T10:00:00Z", "eventSource": "codebuild.amazonaws.com",
            "eventName": "GetBuildProjectsCredentials", "awsRegion": "eu-west-1",
            "sourceIPAddress": "codebuild.amazonaws.com", "userAgent": "codebuild.amazonaws.com",
            "requestParameters": null, "responseElements": null,
            "eventID": "0c3c6e6a-1b9f-4a8e-8d5c-6f2d5a3e4b71", "readOnly": true,
            "eventType": "AwsServiceEvent", "managementEvent": true,
            "recipientAccountId": "123456789012",
            "serviceEventDetails": {"response": "Success"},
            "eventCategory": "Management"
        }
    });
    let event: Event<aws_codebuild::AwsServiceEventViaCloudTrail> =
        decoded_without_drift(&service_event);
    assert_eq!(event.detail.event_type, Some(EventType::AwsServiceEvent));
    let details = event.detail.service_event_details.as_ref().unwrap();
    assert_eq!(details.response.as_deref(), Some("Success"));
}

/// Fields AWS documents that the registry's one sample lacked or typed otherwise are typed:
/// CodePipeline's artifact lists and execution attempt, a Security Hub custom action's name,
/// the event id of every RDS event.
#[cfg(all(
    feature = "aws-codepipeline",
    feature = "aws-securityhub",
    feature = "aws-rds"
))]
#[test]
fn documented_fields_the_registry_lacks_are_typed() {
    use bridgecraft_events::{aws_codepipeline, aws_rds, aws_securityhub};

    // The CodePipeline user guide's example of an action execution.
    let action = json!({
        "version": "0", "id": "01234567-EXAMPLE", "detail-type": "CodePipeline Action Execution State Change",
        "source": "aws.codepipeline", "account": "123456789012", "time": "2021-06-24T00:44:50Z",
        "region": "us-west-2", "resources": ["arn:aws:codepipeline:us-west-2:123456789012:myPipeline"],
        "detail": {
            "pipeline": "myPipeline", "execution-id": "12345678-1234-5678-abcd-12345678abcd",
            "start-time": "2021-06-24T00:44:50.961Z", "stage": "Prod",
            "action-execution-id": "47f821c5-a902-44b2-ae61-b878d31ecd21", "action": "myAction",
            "state": "STARTED", "region": "us-west-2",
            "type": {"owner": "AWS", "category": "Deploy", "provider": "CodeDeploy", "version": 1},
            "version": 2.0, "pipeline-execution-attempt": 1.0,
            "input-artifacts": [{
                "name": "SourceArtifact",
                "s3location": {"bucket": "codepipeline-us-east-1-BUCKETEXAMPLE", "key": "myPipeline/SourceArti/KEYEXAMPLE"}
            }]
        }
    });
    let event: Event<aws_codepipeline::CodePipelineActionExecutionStateChange> =
        decoded_without_drift(&action);
    let inputs = event.detail.input_artifacts.as_ref().unwrap();
    assert_eq!(inputs[0].name.as_deref(), Some("SourceArtifact"));
    assert!(event.detail.start_time.as_ref().unwrap().to_utc().is_ok());

    let custom_action = json!({
        "version": "0", "id": "1a1c2d3e-EXAMPLE", "detail-type": "Security Hub Findings - Custom Action",
        "source": "aws.securityhub", "account": "111122223333", "time": "2024-05-01T12:00:00Z",
        "region": "us-east-1", "resources": ["arn:aws:securityhub:us-east-1:111122223333:action/custom/SendToJira"],
        "detail": {
            "actionName": "SendToJira",
            "actionDescription": "Create a Jira ticket for the selected findings",
            "findings": []
        }
    });
    let event: Event<aws_securityhub::SecurityHubFindingsCustomAction> =
        decoded_without_drift(&custom_action);
    assert_eq!(event.detail.action_name.as_deref(), Some("SendToJira"));

    // The RDS user guide's example of a cluster snapshot event.
    let snapshot = json!({
        "version": "0", "id": "844e2571-85d4-695f-b930-0153b71dcb42",
        "detail-type": "RDS DB Cluster Snapshot Event", "source": "aws.rds",
        "account": "123456789012", "time": "2018-10-06T12:26:13Z", "region": "us-east-1",
        "resources": ["arn:aws:rds:us-east-1:123456789012:cluster-snapshot:rds:my-cluster-2018-10-06-12-24"],
        "detail": {
            "EventCategories": ["backup"], "SourceType": "CLUSTER_SNAPSHOT",
            "SourceArn": "arn:aws:rds:us-east-1:123456789012:cluster-snapshot:rds:my-cluster-2018-10-06-12-24",
            "Date": "2018-10-06T12:24:13.000Z",
            "SourceIdentifier": "rds:my-cluster-2018-10-06-12-24",
            "Message": "Creating manual cluster snapshot", "EventID": "RDS-EVENT-0074"
        }
    });
    let event: Event<aws_rds::RdsDbClusterSnapshotEvent> = decoded_without_drift(&snapshot);
    assert_eq!(event.detail.event_id.as_deref(), Some("RDS-EVENT-0074"));
}

/// More fields AWS documents that the registry's samples lacked or mistyped, each no drift
/// where the documentation's example puts it: a metric math alarm's expression and label, a
/// failed Athena query's error, a DataSync state as one string.
#[cfg(all(
    feature = "aws-cloudwatch",
    feature = "aws-athena",
    feature = "aws-datasync"
))]
#[test]
fn documented_fields_of_alarms_queries_and_transfers_are_typed() {
    use bridgecraft_events::{aws_athena, aws_cloudwatch, aws_datasync};

    fn no_drift_under<D: bridgecraft_events::DetailSet>(event: &Event<D>, path: &str) {
        let drift = event.drift();
        assert!(drift.iter().all(|d| !d.path.starts_with(path)), "{drift:?}");
    }
    let envelope = |source: &str, detail_type: &str, detail: serde_json::Value| {
        json!({
            "version": "0", "id": "2dde0eb1-528b-d2d5-9ca6-6d590caf2329",
            "detail-type": detail_type, "source": source, "account": "123456789012",
            "time": "2019-10-02T17:20:48Z", "region": "us-east-1", "resources": [],
            "detail": detail
        })
    };

    // The CloudWatch user guide's metric math alarm.
    let alarm = envelope(
        "aws.cloudwatch",
        "CloudWatch Alarm State Change",
        json!({
            "alarmName": "TotalNetworkTrafficTooHigh",
            "configuration": {
                "description": "Goes into alarm if total network traffic exceeds 10Kb",
                "metrics": [
                    {"expression": "SUM(METRICS())", "id": "e1", "label": "Total Network Traffic", "returnData": true},
                    {"id": "m1", "returnData": false}
                ]
            }
        }),
    );
    let event: Event<aws_cloudwatch::CloudWatchAlarmStateChange> =
        serde_json::from_value(alarm.clone()).unwrap();
    no_drift_under(&event, "detail.configuration.metrics");
    let metrics = event
        .detail
        .configuration
        .as_ref()
        .unwrap()
        .metrics
        .as_ref()
        .unwrap();
    assert_eq!(metrics[0].expression.as_deref(), Some("SUM(METRICS())"));
    assert_eq!(metrics[0].label.as_deref(), Some("Total Network Traffic"));
    assert_eq!(serde_json::to_value(&event).unwrap(), alarm);

    // The Athena user guide's failed query.
    let failed = envelope(
        "aws.athena",
        "Athena Query State Change",
        json!({
            "athenaError": {
                "errorCategory": 2.0, "errorType": 1306.0,
                "errorMessage": "Amazon S3 bucket not found", "retryable": false
            },
            "currentState": "FAILED", "previousState": "RUNNING",
            "queryExecutionId": "01234567-0123-0123-0123-012345678901",
            "sequenceNumber": "3", "statementType": "DDL", "versionId": "0",
            "workgroupName": "primary"
        }),
    );
    let event: Event<aws_athena::AthenaQueryStateChange> =
        serde_json::from_value(failed.clone()).unwrap();
    no_drift_under(&event, "detail.athenaError");
    let error = event.detail.athena_error.as_ref().unwrap();
    assert_eq!(error.retryable, Some(false));
    assert_eq!(serde_json::to_value(&event).unwrap(), failed);

    let agent = envelope(
        "aws.datasync",
        "DataSync Agent State Change",
        json!({"State": "ONLINE"}),
    );
    let event: Event<aws_datasync::DataSyncAgentStateChange> = decoded_without_drift(&agent);
    assert_eq!(event.detail.state.as_deref(), Some("ONLINE"));
}
