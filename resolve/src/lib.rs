//! The AWS resources EventBridge events are about, fetched through the AWS SDK: in the region
//! and account each lives in, when asked for, and kept.
//!
//! An event's [`relations`](bridgecraft_events::Event::relations) say what it is about and where:
//! CloudFormation type, identifier, region, account and ARN. A [`Resolver`] turns one kind of
//! relation into the resource, with an SDK client for the relation's region and account;
//! [`Sessions`] makes those clients' configurations, reaching other accounts through a hook
//! ([`Accounts`], such as [`AssumeRole`]) whose credentials the SDK caches until they expire;
//! [`Resources`] keeps what was fetched. Nothing is fetched unless [`Resources::get`] is called.
//!
//! ```no_run
//! use bridgecraft_events::{Detail, Event};
//! use bridgecraft_resolve::{AssumeRole, Resources, Sessions, SqsQueues};
//!
//! # async fn run(json: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let base = aws_config::load_from_env().await;
//! // Other accounts through a role of this name in each; this account as it is.
//! let sessions =
//!     Sessions::with_accounts(base, AssumeRole::new("EventReader").home_account("123456789012"));
//! let queues = Resources::new(SqsQueues::new(), sessions);
//!
//! let event: Event<Detail> = serde_json::from_str(json)?;
//! for relation in event.relations() {
//!     if queues.accepts(&relation) {
//!         let queue = queues.get(&relation).await?;
//!         println!("{} holds {:?}", queue.url, queue.attributes);
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # A resolver for another service
//!
//! A resolver is a type that says which relations it takes and fetches one with the SDK crate
//! of its service. ECS tasks, with `aws-sdk-ecs` (an ECS task has no CloudFormation type: its
//! relation comes from the ARN in the envelope's `resources`, `task/CLUSTER/ID`):
//!
//! ```no_run
//! use aws_config::SdkConfig;
//! use aws_sdk_ecs::types::Task;
//! use bridgecraft_events::{Detail, Event, Relation};
//! use bridgecraft_resolve::{BoxError, Resolver, Resources, Sessions};
//!
//! struct EcsTasks;
//!
//! impl Resolver for EcsTasks {
//!     type Resource = Task;
//!
//!     fn accepts(&self, relation: &Relation<'_>) -> bool {
//!         relation
//!             .parsed_arn()
//!             .is_some_and(|arn| arn.service() == "ecs" && arn.resource_type() == Some("task"))
//!     }
//!
//!     async fn fetch(&self, config: &SdkConfig, relation: &Relation<'_>) -> Result<Task, BoxError> {
//!         let arn = relation.parsed_arn().ok_or("no ARN")?;
//!         // `task/CLUSTER/ID`; tasks of the oldest ARN format, `task/ID`, are in `default`.
//!         let cluster = match arn.resource_id().split_once('/') {
//!             Some((cluster, _)) => cluster,
//!             None => "default",
//!         };
//!         let tasks = aws_sdk_ecs::Client::new(config)
//!             .describe_tasks()
//!             .cluster(cluster)
//!             .tasks(relation.identifier)
//!             .send()
//!             .await?;
//!         let task = tasks.tasks.unwrap_or_default().into_iter().next();
//!         task.ok_or_else(|| format!("no task {} in cluster {cluster}", relation.identifier).into())
//!     }
//! }
//!
//! # async fn run(json: &str) -> Result<(), Box<dyn std::error::Error>> {
//! let tasks = Resources::new(EcsTasks, Sessions::new(aws_config::load_from_env().await));
//! let event: Event<Detail> = serde_json::from_str(json)?;
//! for relation in event.relations().iter().filter(|relation| tasks.accepts(relation)) {
//!     let task = tasks.get(relation).await?;
//!     println!("{:?} is {:?}", task.task_arn, task.last_status);
//! }
//! # Ok(())
//! # }
//! ```

mod resources;
mod sessions;
#[cfg(feature = "sqs")]
mod sqs;

pub use resources::{ResolveError, Resolver, Resources};
pub use sessions::{Accounts, AssumeRole, BaseCredentials, Sessions};
#[cfg(feature = "sqs")]
pub use sqs::{SqsQueue, SqsQueues};

/// The error a resolver or an account hook fails with.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
