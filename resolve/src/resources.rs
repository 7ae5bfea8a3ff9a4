//! Resolvers, and the cache of what they fetched.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use aws_config::SdkConfig;
use bridgecraft_events::Relation;

use crate::{Accounts, BaseCredentials, BoxError, Sessions};

/// Fetches one kind of resource through an AWS SDK client.
pub trait Resolver: Send + Sync {
    /// What it fetches: the SDK's description of the resource, or the resolver's own type.
    type Resource: Send + Sync + 'static;

    /// Whether it fetches what `relation` names, such as every `AWS::SQS::Queue`.
    fn accepts(&self, relation: &Relation<'_>) -> bool;

    /// Fetches the resource `relation` names, with `config` for the relation's region and
    /// account.
    fn fetch(
        &self,
        config: &SdkConfig,
        relation: &Relation<'_>,
    ) -> impl Future<Output = Result<Self::Resource, BoxError>> + Send;
}

/// Why a resource was not resolved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The resolver does not fetch what the relation names.
    #[error("{resolver} does not fetch {} `{identifier}`", cloudformation_type.as_deref().unwrap_or("the resource"))]
    NotAccepted {
        resolver: &'static str,
        cloudformation_type: Option<String>,
        identifier: String,
    },
    /// The account hook gave no credentials for the account.
    #[error("no credentials for account {account}: {source}")]
    Credentials { account: String, source: BoxError },
    /// The SDK call failed.
    #[error("fetching {} `{identifier}` in region {} of account {}: {source}",
        cloudformation_type.as_deref().unwrap_or("the resource"),
        region.as_deref().unwrap_or("(the default)"),
        account.as_deref().unwrap_or("(the default)"))]
    Fetch {
        cloudformation_type: Option<String>,
        identifier: String,
        region: Option<String>,
        account: Option<String>,
        source: BoxError,
    },
}

/// Where a relation's resource lives, as the cache knows it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    identifier: String,
    region: Option<String>,
    account: Option<String>,
}

impl Key {
    fn of(relation: &Relation<'_>) -> Self {
        Self {
            identifier: relation.identifier.to_owned(),
            region: relation.region.map(str::to_owned),
            account: relation.account.map(str::to_owned),
        }
    }
}

/// A resolver with the sessions it fetches through and a cache of what it fetched: the
/// resource of a relation is fetched the first time it is asked for, never before, and then
/// comes from the cache until [`forget`](Self::forget) or [`clear`](Self::clear).
///
/// Two tasks asking for the same uncached resource at once may both fetch it; the second
/// result is the one kept.
pub struct Resources<R: Resolver, A = BaseCredentials> {
    resolver: R,
    sessions: Sessions<A>,
    cache: Mutex<HashMap<Key, Arc<R::Resource>>>,
}

impl<R: Resolver, A: Accounts> Resources<R, A> {
    /// Resources `resolver` fetches through `sessions`.
    pub fn new(resolver: R, sessions: Sessions<A>) -> Self {
        Self {
            resolver,
            sessions,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Whether the resolver fetches what `relation` names.
    pub fn accepts(&self, relation: &Relation<'_>) -> bool {
        self.resolver.accepts(relation)
    }

    /// The resource `relation` names: from the cache, else fetched in the relation's region
    /// and account and kept.
    pub async fn get(&self, relation: &Relation<'_>) -> Result<Arc<R::Resource>, ResolveError> {
        if !self.resolver.accepts(relation) {
            return Err(ResolveError::NotAccepted {
                resolver: std::any::type_name::<R>(),
                cloudformation_type: relation.cloudformation_type.map(str::to_owned),
                identifier: relation.identifier.to_owned(),
            });
        }
        let key = Key::of(relation);
        if let Some(resource) = self.lock().get(&key) {
            return Ok(Arc::clone(resource));
        }
        let config = self
            .sessions
            .config(relation.partition, relation.region, relation.account)
            .await?;
        let resource = self
            .resolver
            .fetch(&config, relation)
            .await
            .map_err(|source| ResolveError::Fetch {
                cloudformation_type: relation.cloudformation_type.map(str::to_owned),
                identifier: key.identifier.clone(),
                region: key.region.clone(),
                account: key.account.clone(),
                source,
            })?;
        let resource = Arc::new(resource);
        self.lock().insert(key, Arc::clone(&resource));
        Ok(resource)
    }

    /// The cached resource of `relation`, without fetching it.
    pub fn cached(&self, relation: &Relation<'_>) -> Option<Arc<R::Resource>> {
        self.lock().get(&Key::of(relation)).cloned()
    }

    /// Drops the cached resource of `relation`: the next [`get`](Self::get) fetches it again.
    pub fn forget(&self, relation: &Relation<'_>) {
        self.lock().remove(&Key::of(relation));
    }

    /// Drops every cached resource.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Arc<R::Resource>>> {
        // The map is whole between statements: a panic elsewhere leaves nothing half-done.
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
