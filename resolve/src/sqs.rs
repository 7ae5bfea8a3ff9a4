//! SQS queues, on aws-sdk-sqs.

use std::collections::HashMap;

use aws_config::SdkConfig;
use aws_sdk_sqs::error::DisplayErrorContext;
use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_events::{Arn, Relation};

use crate::{BoxError, Resolver};

/// Fetches SQS queues (`AWS::SQS::Queue`) named by URL, ARN or name: their URL and
/// attributes.
#[derive(Clone, Debug)]
pub struct SqsQueues {
    attributes: Vec<QueueAttributeName>,
}

impl Default for SqsQueues {
    fn default() -> Self {
        Self {
            attributes: vec![QueueAttributeName::All],
        }
    }
}

impl SqsQueues {
    /// A resolver that fetches every attribute of each queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fetches only these attributes.
    pub fn attributes(mut self, names: impl IntoIterator<Item = QueueAttributeName>) -> Self {
        self.attributes = names.into_iter().collect();
        self
    }
}

/// An SQS queue, as `GetQueueAttributes` describes it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct SqsQueue {
    /// The queue's URL.
    pub url: String,
    /// The attributes asked for.
    pub attributes: HashMap<QueueAttributeName, String>,
}

impl Resolver for SqsQueues {
    type Resource = SqsQueue;

    fn accepts(&self, relation: &Relation<'_>) -> bool {
        relation.cloudformation_type == Some("AWS::SQS::Queue")
    }

    async fn fetch(
        &self,
        config: &SdkConfig,
        relation: &Relation<'_>,
    ) -> Result<SqsQueue, BoxError> {
        let client = aws_sdk_sqs::Client::new(config);
        let identifier = relation.identifier;
        let url = if identifier.starts_with("https://") || identifier.starts_with("http://") {
            identifier.to_owned()
        } else {
            // An ARN's resource is the queue's name; its owner is the relation's account.
            let name = Arn::parse(identifier).map_or(identifier, |arn| arn.resource());
            client
                .get_queue_url()
                .queue_name(name)
                .set_queue_owner_aws_account_id(relation.account.map(str::to_owned))
                .send()
                .await
                .map_err(|error| DisplayErrorContext(error).to_string())?
                .queue_url
                .ok_or("GetQueueUrl answered without a URL")?
        };
        let attributes = client
            .get_queue_attributes()
            .queue_url(&url)
            .set_attribute_names(Some(self.attributes.clone()))
            .send()
            .await
            .map_err(|error| DisplayErrorContext(error).to_string())?
            .attributes
            .unwrap_or_default();
        Ok(SqsQueue { url, attributes })
    }
}
