//! How a target authorizes its requests, as EventBridge connections do: Basic, an API key
//! header, or an OAuth client-credentials token fetched, cached and refreshed.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use serde::Deserialize;

use crate::{WebhookError, error_chain};

/// A token is renewed this long before it expires, so that it does not lapse in flight.
const EXPIRY_MARGIN: Duration = Duration::from_secs(30);
/// How long a token that says nothing of its lifetime is used.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// How a target authorizes its requests.
#[derive(Clone, Default)]
#[non_exhaustive]
pub enum Auth {
    /// No authorization.
    #[default]
    None,
    /// `Authorization: Basic`, from a user name and password.
    Basic {
        /// The user name.
        username: String,
        /// The password.
        password: String,
    },
    /// A key sent in a header of its own, such as `x-api-key`.
    ApiKey {
        /// The header's name.
        header: HeaderName,
        /// The key.
        value: HeaderValue,
    },
    /// A bearer token from an OAuth 2.0 token endpoint (client credentials grant), fetched
    /// when first needed, kept until shortly before it expires, and fetched again at once when
    /// the target answers 401.
    OAuth(Arc<OAuth>),
}

impl fmt::Debug for Auth {
    /// Never shows a secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { username, .. } => write!(f, "Basic({username})"),
            Auth::ApiKey { header, .. } => write!(f, "ApiKey({header})"),
            Auth::OAuth(oauth) => write!(f, "OAuth({})", oauth.token_url),
        }
    }
}

impl Auth {
    /// Basic authorization.
    pub fn basic(username: &str, password: &str) -> Self {
        Auth::Basic {
            username: username.to_owned(),
            password: password.to_owned(),
        }
    }

    /// An API key in header `header`.
    pub fn api_key(header: &str, value: &str) -> Result<Self, WebhookError> {
        let invalid = |reason: String| WebhookError::Header {
            name: header.to_owned(),
            reason,
        };
        let mut value = HeaderValue::from_str(value).map_err(|e| invalid(e.to_string()))?;
        value.set_sensitive(true);
        Ok(Auth::ApiKey {
            header: HeaderName::from_bytes(header.as_bytes())
                .map_err(|e| invalid(e.to_string()))?,
            value,
        })
    }

    /// OAuth client credentials against `token_url`, with an optional `scope`.
    pub fn oauth_client_credentials(
        token_url: &str,
        client_id: &str,
        client_secret: &str,
        scope: Option<&str>,
    ) -> Result<Self, WebhookError> {
        let url = crate::parse_endpoint(token_url)?;
        Ok(Auth::OAuth(Arc::new(OAuth {
            token_url: url,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            scope: scope.map(str::to_owned),
            token: tokio::sync::Mutex::new(None),
        })))
    }

    /// Adds the authorization to a request.
    pub(crate) async fn authorize(
        &self,
        client: &reqwest::Client,
        request: reqwest::RequestBuilder,
    ) -> Result<reqwest::RequestBuilder, TokenError> {
        Ok(match self {
            Auth::None => request,
            Auth::Basic { username, password } => request.basic_auth(username, Some(password)),
            Auth::ApiKey { header, value } => request.header(header, value),
            Auth::OAuth(oauth) => request.bearer_auth(oauth.token(client).await?),
        })
    }

    /// After a 401: forgets the token, and says whether asking again can help.
    pub(crate) async fn rejected(&self) -> bool {
        match self {
            Auth::OAuth(oauth) => {
                *oauth.token.lock().await = None;
                true
            }
            _ => false,
        }
    }
}

/// An OAuth client-credentials grant and the token it holds.
pub struct OAuth {
    token_url: reqwest::Url,
    client_id: String,
    client_secret: String,
    scope: Option<String>,
    token: tokio::sync::Mutex<Option<Token>>,
}

struct Token {
    value: String,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

impl OAuth {
    /// The cached token, or a new one when there is none or it is about to expire. Deliveries
    /// waiting meanwhile share the one fetch.
    async fn token(&self, client: &reqwest::Client) -> Result<String, TokenError> {
        let mut token = self.token.lock().await;
        if let Some(token) = token
            .as_ref()
            .filter(|token| Instant::now() < token.renew_at)
        {
            return Ok(token.value.clone());
        }
        let fresh = self.fetch(client).await?;
        let value = fresh.value.clone();
        *token = Some(fresh);
        Ok(value)
    }

    async fn fetch(&self, client: &reqwest::Client) -> Result<Token, TokenError> {
        let mut form = vec![("grant_type", "client_credentials")];
        if let Some(scope) = &self.scope {
            form.push(("scope", scope));
        }
        let response = client
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(&self.client_secret))
            .form(&form)
            .send()
            .await
            .map_err(|e| {
                TokenError::passing(format!("token request failed: {}", error_chain(&e)))
            })?;
        let status = response.status();
        let body = response.text().await.map_err(|e| {
            TokenError::passing(format!("token response unreadable: {}", error_chain(&e)))
        })?;
        if !status.is_success() {
            let message = format!("token endpoint answered {}", status.as_u16());
            return Err(TokenError {
                message,
                retryable: crate::retryable_status(status.as_u16()),
            });
        }
        let token: TokenResponse = serde_json::from_str(&body).map_err(|e| TokenError {
            message: format!("token response is not a token: {e}"),
            retryable: false,
        })?;
        tracing::debug!(token_url = %self.token_url, expires_in = token.expires_in, "fetched an OAuth token");
        let lifetime = token
            .expires_in
            .map_or(DEFAULT_LIFETIME, Duration::from_secs)
            .saturating_sub(EXPIRY_MARGIN);
        Ok(Token {
            value: token.access_token,
            renew_at: Instant::now() + lifetime,
        })
    }
}

/// No token could be had.
#[derive(Debug)]
pub(crate) struct TokenError {
    pub message: String,
    /// False when the token endpoint refused the credentials: asking again cannot help.
    pub retryable: bool,
}

impl TokenError {
    fn passing(message: String) -> Self {
        Self {
            message,
            retryable: true,
        }
    }
}
