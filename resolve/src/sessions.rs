//! SDK configurations for the region and account each relation lives in.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use aws_config::identity::IdentityCache;
use aws_config::sts::AssumeRoleProvider;
use aws_config::{Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;

use crate::{BoxError, ResolveError};

/// How to reach other accounts than the base configuration's: a hook that gives each account
/// its credentials.
pub trait Accounts: Send + Sync + 'static {
    /// The credentials to reach `account` (in `partition`) with, made from the base
    /// configuration; `None` to use its own credentials.
    ///
    /// Called once per account: [`Sessions`] keeps the provider, and the SDK caches the
    /// credentials it gives until they expire, then asks it again.
    fn credentials(
        &self,
        base: &SdkConfig,
        partition: &str,
        account: &str,
    ) -> impl Future<Output = Result<Option<SharedCredentialsProvider>, BoxError>> + Send;
}

/// Every account with the base configuration's credentials.
#[derive(Clone, Copy, Debug, Default)]
pub struct BaseCredentials;

impl Accounts for BaseCredentials {
    async fn credentials(
        &self,
        _: &SdkConfig,
        _: &str,
        _: &str,
    ) -> Result<Option<SharedCredentialsProvider>, BoxError> {
        Ok(None)
    }
}

/// Assumes the role of one name in every account (`arn:PARTITION:iam::ACCOUNT:role/NAME`),
/// with the base credentials, except in the home account, which they reach as they are.
#[derive(Clone, Debug)]
pub struct AssumeRole {
    role_name: String,
    session_name: String,
    home_account: Option<String>,
}

impl AssumeRole {
    /// Assumes the role named `role_name`, with a path if it has one (`ops/EventReader`).
    pub fn new(role_name: impl Into<String>) -> Self {
        Self {
            role_name: role_name.into(),
            session_name: "bridgecraft-resolve".to_owned(),
            home_account: None,
        }
    }

    /// The session name CloudTrail records for the calls made with the role.
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = name.into();
        self
    }

    /// The account of the base credentials: reached with them, no role assumed.
    pub fn home_account(mut self, account: impl Into<String>) -> Self {
        self.home_account = Some(account.into());
        self
    }
}

impl Accounts for AssumeRole {
    async fn credentials(
        &self,
        base: &SdkConfig,
        partition: &str,
        account: &str,
    ) -> Result<Option<SharedCredentialsProvider>, BoxError> {
        if self.home_account.as_deref() == Some(account) {
            return Ok(None);
        }
        let role = format!("arn:{partition}:iam::{account}:role/{}", self.role_name);
        let provider = AssumeRoleProvider::builder(role)
            .session_name(&self.session_name)
            .configure(base)
            .build()
            .await;
        Ok(Some(SharedCredentialsProvider::new(provider)))
    }
}

/// SDK configurations for each region and account: the base configuration in another region,
/// with the credentials [`Accounts`] gives for other accounts. Cloning shares the credentials
/// kept.
pub struct Sessions<A = BaseCredentials> {
    shared: Arc<Shared<A>>,
}

struct Shared<A> {
    base: SdkConfig,
    accounts: A,
    /// Each account's provider, or `None` for the base credentials, once the hook gave it.
    providers: tokio::sync::Mutex<HashMap<String, Option<SharedCredentialsProvider>>>,
}

impl<A> Clone for Sessions<A> {
    fn clone(&self) -> Self {
        Self {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl Sessions {
    /// Sessions from `base` (`aws_config::load_from_env().await`, say): every account with its
    /// credentials, each region by the relation's.
    pub fn new(base: SdkConfig) -> Self {
        Self::with_accounts(base, BaseCredentials)
    }
}

impl<A: Accounts> Sessions<A> {
    /// Sessions from `base` that reach each account with the credentials `accounts` gives.
    pub fn with_accounts(base: SdkConfig, accounts: A) -> Self {
        // One cache for every client made from these configurations, so that credentials are
        // fetched once until they expire, not once per client.
        let base = match base.identity_cache() {
            Some(_) => base,
            None => base
                .to_builder()
                .identity_cache(IdentityCache::lazy().build())
                .build(),
        };
        Self {
            shared: Arc::new(Shared {
                base,
                accounts,
                providers: tokio::sync::Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The base configuration.
    pub fn base(&self) -> &SdkConfig {
        &self.shared.base
    }

    /// The configuration for `region` (the base's when `None`) and `account` (the base
    /// credentials' when `None`).
    pub async fn config(
        &self,
        partition: &str,
        region: Option<&str>,
        account: Option<&str>,
    ) -> Result<SdkConfig, ResolveError> {
        let shared = &*self.shared;
        let mut config = shared.base.to_builder();
        if let Some(region) = region {
            config = config.region(Region::new(region.to_owned()));
        }
        if let Some(account) = account {
            let mut providers = shared.providers.lock().await;
            let provider = match providers.get(account) {
                Some(provider) => provider.clone(),
                None => {
                    let provider = shared
                        .accounts
                        .credentials(&shared.base, partition, account)
                        .await
                        .map_err(|source| ResolveError::Credentials {
                            account: account.to_owned(),
                            source,
                        })?;
                    providers.insert(account.to_owned(), provider.clone());
                    provider
                }
            };
            if let Some(provider) = provider {
                config = config.credentials_provider(provider);
            }
        }
        Ok(config.build())
    }
}
