//! EventBridge events as JSON text, as EventBridge writes them to a queue or a webhook.

/// An `EC2 Instance State-change Notification` as EventBridge writes it.
pub fn ec2_state_change(id: &str, state: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-{id}"],"detail":{{"instance-id":"i-{id}","state":"{state}"}}}}"#
    )
}

/// An event of a custom source, `com.example.orders`, which no generated type knows.
pub fn custom_event(id: &str) -> String {
    format!(
        r#"{{"version":"0","id":"{id}","detail-type":"Order Placed","source":"com.example.orders","account":"123456789012","time":"2024-05-01T12:00:00Z","region":"us-east-1","resources":[],"detail":{{"order":"{id}"}}}}"#
    )
}
