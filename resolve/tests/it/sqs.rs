//! The SQS queue resolver: queues in two regions and two accounts, the cache, the account hook.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use aws_config::{Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_sdk_sqs::types::QueueAttributeName;
use bridgecraft_events::{Detail, Event, ResourceRef};
use bridgecraft_resolve::{
    Accounts, AssumeRole, BoxError, ResolveError, Resources, Sessions, SqsQueues,
};
use bridgecraft_testkit::moto;

/// moto's account for credentials it did not issue.
const ACCOUNT: &str = "123456789012";

fn unique(prefix: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let next = NEXT.fetch_add(1, Ordering::Relaxed);
    format!("{prefix}-{}-{next}", std::process::id())
}

fn client(config: &SdkConfig, region: &str) -> aws_sdk_sqs::Client {
    let config = config
        .to_builder()
        .region(Region::new(region.to_owned()))
        .build();
    aws_sdk_sqs::Client::new(&config)
}

/// Creates a queue whose visibility timeout tells it apart; returns its URL.
async fn create(client: &aws_sdk_sqs::Client, name: &str, visibility: &str) -> String {
    client
        .create_queue()
        .queue_name(name)
        .attributes(QueueAttributeName::VisibilityTimeout, visibility)
        .send()
        .await
        .expect("queue is created")
        .queue_url
        .expect("queue has a URL")
}

/// An event of no generated type from `region` and `account`, about `resources`.
fn event(region: &str, account: &str, resources: &[&str]) -> Event<Detail> {
    let json = serde_json::json!({
        "version": "0", "id": "1", "detail-type": "Order Placed", "source": "com.example.orders",
        "account": account, "time": "2024-05-01T12:00:00Z", "region": region,
        "resources": resources, "detail": {},
    });
    serde_json::from_value(json).unwrap()
}

#[tokio::test]
async fn a_queue_is_fetched_in_its_region_then_comes_from_the_cache() {
    let base = moto::sdk_config().await;
    let name = unique("orders");
    let west = create(&client(&base, "eu-west-1"), &name, "31").await;
    // The same name in the base configuration's region: another queue.
    create(&client(&base, "us-east-1"), &name, "77").await;

    let arn = format!("arn:aws:sqs:eu-west-1:{ACCOUNT}:{name}");
    let event = event("us-east-1", ACCOUNT, &[&arn]);
    let relations = event.relations();
    let relation = &relations[0];
    assert_eq!(relation.cloudformation_type, Some("AWS::SQS::Queue"));
    assert_eq!(relation.region, Some("eu-west-1"), "the ARN's region");

    let queues = Resources::new(SqsQueues::new(), Sessions::new(base.clone()));
    assert!(
        queues.cached(relation).is_none(),
        "nothing is fetched unless asked"
    );
    let queue = queues.get(relation).await.unwrap();
    assert_eq!(queue.url, west);
    assert_eq!(
        queue.attributes[&QueueAttributeName::VisibilityTimeout],
        "31"
    );
    assert_eq!(queue.attributes[&QueueAttributeName::QueueArn], arn);

    // Gone from SQS but cached: the second `get` makes no call.
    client(&base, "eu-west-1")
        .delete_queue()
        .queue_url(&west)
        .send()
        .await
        .unwrap();
    let again = queues.get(relation).await.unwrap();
    assert!(Arc::ptr_eq(&queue, &again));

    queues.forget(relation);
    let error = queues.get(relation).await.unwrap_err();
    assert!(matches!(error, ResolveError::Fetch { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.starts_with(&format!(
            "fetching AWS::SQS::Queue `{arn}` in region eu-west-1 of account {ACCOUNT}: "
        )),
        "{message}"
    );
}

#[tokio::test]
async fn queues_named_by_url_or_name_and_other_resources_refused() {
    let base = moto::sdk_config().await;
    let name = unique("by-name");
    let url = create(&client(&base, "us-east-1"), &name, "40").await;
    let event = event(
        "us-east-1",
        ACCOUNT,
        &["arn:aws:ecs:us-east-1:123456789012:task/web/1"],
    );
    let relations = event.relations_with(vec![
        ResourceRef::new("AWS::SQS::Queue", &url),
        ResourceRef::new("AWS::SQS::Queue", &name),
    ]);
    let queues = Resources::new(
        SqsQueues::new().attributes([QueueAttributeName::VisibilityTimeout]),
        Sessions::new(base),
    );
    for relation in &relations[..2] {
        let queue = queues.get(relation).await.unwrap();
        assert_eq!(queue.url, url);
        assert_eq!(queue.attributes.len(), 1, "only what was asked for");
        assert_eq!(
            queue.attributes[&QueueAttributeName::VisibilityTimeout],
            "40"
        );
    }
    let task = &relations[2];
    assert!(!queues.accepts(task));
    let error = queues.get(task).await.unwrap_err().to_string();
    assert_eq!(
        error,
        "bridgecraft_resolve::sqs::SqsQueues does not fetch the resource \
         `arn:aws:ecs:us-east-1:123456789012:task/web/1`"
    );
}

/// Credentials that count how often they are asked for, valid for `lifetime`.
#[derive(Debug)]
struct Counted {
    calls: Arc<AtomicUsize>,
    lifetime: Duration,
}

impl ProvideCredentials for Counted {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let expiry = SystemTime::now() + self.lifetime;
        future::ProvideCredentials::ready(Ok(Credentials::new(
            "test",
            "test",
            None,
            Some(expiry),
            "counted",
        )))
    }
}

/// An account hook that counts its calls and gives every account the same provider.
struct CountedAccounts {
    calls: Arc<AtomicUsize>,
    provider: SharedCredentialsProvider,
}

impl Accounts for CountedAccounts {
    async fn credentials(
        &self,
        _: &SdkConfig,
        _: &str,
        _: &str,
    ) -> Result<Option<SharedCredentialsProvider>, BoxError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Ok(Some(self.provider.clone()))
    }
}

/// Fetches two queues of `ACCOUNT` through a counted hook and provider; returns how often
/// each was called.
async fn fetch_two_queues(lifetime: Duration) -> (usize, usize) {
    let base = moto::sdk_config().await;
    let names = [unique("counted"), unique("counted")];
    for name in &names {
        create(&client(&base, "us-east-1"), name, "30").await;
    }
    let provided = Arc::new(AtomicUsize::new(0));
    let hooked = Arc::new(AtomicUsize::new(0));
    let accounts = CountedAccounts {
        calls: Arc::clone(&hooked),
        provider: SharedCredentialsProvider::new(Counted {
            calls: Arc::clone(&provided),
            lifetime,
        }),
    };
    let queues = Resources::new(SqsQueues::new(), Sessions::with_accounts(base, accounts));
    let arns = names.map(|name| format!("arn:aws:sqs:us-east-1:{ACCOUNT}:{name}"));
    let event = event("us-east-1", ACCOUNT, &[&arns[0], &arns[1]]);
    for relation in event.relations() {
        queues.get(&relation).await.unwrap();
    }
    (
        hooked.load(Ordering::SeqCst),
        provided.load(Ordering::SeqCst),
    )
}

#[tokio::test]
async fn an_accounts_credentials_are_asked_for_once_until_they_expire() {
    // Four calls (a URL and attributes per queue) with credentials valid for an hour.
    assert_eq!(fetch_two_queues(Duration::from_secs(3600)).await, (1, 1));
    // Credentials about to expire are asked for again, by the same provider.
    let (hooked, provided) = fetch_two_queues(Duration::from_secs(1)).await;
    assert_eq!(hooked, 1);
    assert!(provided > 1, "{provided}");
}

#[tokio::test]
async fn a_role_is_assumed_in_the_events_account() {
    let base = moto::sdk_config().await;
    let other = "111111111111";
    let sessions = Sessions::with_accounts(base.clone(), AssumeRole::new("EventReader"));
    // The queue exists only in the other account, made with the role's credentials.
    let name = unique("elsewhere");
    let in_other = sessions
        .config("aws", Some("us-east-1"), Some(other))
        .await
        .unwrap();
    let url = create(&client(&in_other, "us-east-1"), &name, "50").await;

    let arn = format!("arn:aws:sqs:us-east-1:{other}:{name}");
    let event = event("us-east-1", other, &[&arn]);
    let relation = &event.relations()[0];
    let queues = Resources::new(SqsQueues::new(), sessions);
    let queue = queues.get(relation).await.unwrap();
    assert_eq!(queue.url, url);
    assert_eq!(queue.attributes[&QueueAttributeName::QueueArn], arn);

    // With the base credentials, the other account's queue is not there.
    let home = Resources::new(SqsQueues::new(), Sessions::new(base));
    assert!(home.get(relation).await.is_err());
}
