//! [`AuthClient`]: the entry point. It owns the transport cache, the token manager, the
//! OpenID Connect discovery cache and pending OAuth 2.0 authorizations.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use plumb_core::action::Connection;

use crate::egress::{EgressClient, EgressPolicy, SendError};
use crate::envelope::{from_response, Envelope};
use crate::error::{redact_url, send_error, AuthError};
use crate::request::{Outgoing, RequestParts};
use crate::schemes::oauth2_authorization_code::{
    build_authorization, exchange_code, AuthorizationRequest, CallbackParams,
    PendingAuthorizations, StartedAuthorization,
};
use crate::schemes::openid_connect::DiscoveryCache;
use crate::schemes::Scheme;
use crate::token::{MemoryTokenStore, TokenManager, TokenSet, TokenStore};
use crate::transport::{build_plain, Transport, TransportCache, DEFAULT_TIMEOUT};
use plumb_core::secret::SecretString;

/// The default margin before `expires_in` at which a token counts as expired.
pub const DEFAULT_EXPIRY_SKEW: Duration = Duration::from_secs(30);

/// Parsed schemes by connection ID, with the connection they were parsed from.
type SchemeCache = Mutex<HashMap<String, (Connection, Arc<Scheme>)>>;

/// A lazily built plain transport (or why it could not be built).
type Plain = OnceLock<Result<Arc<Transport>, String>>;

struct Inner {
    egress: Arc<EgressPolicy>,
    transports: TransportCache,
    /// Transports without a connection: verifying TLS, and not verifying.
    plain: [Plain; 2],
    schemes: SchemeCache,
    tokens: TokenManager,
    discovery: Arc<DiscoveryCache>,
    pending: PendingAuthorizations,
}

/// Authenticates and sends requests for connections. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct AuthClient {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for AuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthClient").finish_non_exhaustive()
    }
}

impl AuthClient {
    /// A client keeping tokens in `store`, with [`DEFAULT_EXPIRY_SKEW`].
    pub fn new(store: Arc<dyn TokenStore>) -> Self {
        Self::with_skew(store, DEFAULT_EXPIRY_SKEW)
    }

    /// A client keeping tokens in memory (`plumb run`, tests).
    pub fn in_memory() -> Self {
        Self::new(Arc::new(MemoryTokenStore::new()))
    }

    /// A client whose tokens count as expired `skew` before `expires_in`, under the process's
    /// egress policy ([`crate::egress::installed`]).
    pub fn with_skew(store: Arc<dyn TokenStore>, skew: Duration) -> Self {
        Self::build(store, skew, crate::egress::installed())
    }

    /// A client under a given egress policy instead of the process's (tests, tools).
    pub fn with_egress(store: Arc<dyn TokenStore>, egress: Arc<EgressPolicy>) -> Self {
        Self::build(store, DEFAULT_EXPIRY_SKEW, egress)
    }

    fn build(store: Arc<dyn TokenStore>, skew: Duration, egress: Arc<EgressPolicy>) -> Self {
        AuthClient {
            inner: Arc::new(Inner {
                egress,
                transports: TransportCache::default(),
                plain: [OnceLock::new(), OnceLock::new()],
                schemes: Mutex::new(HashMap::new()),
                tokens: TokenManager::new(store, skew),
                discovery: Arc::new(DiscoveryCache::default()),
                pending: PendingAuthorizations::default(),
            }),
        }
    }

    /// The token store.
    pub fn store(&self) -> &Arc<dyn TokenStore> {
        self.inner.tokens.store()
    }

    /// The egress policy every request of this client is checked against.
    pub fn egress(&self) -> &Arc<EgressPolicy> {
        &self.inner.egress
    }

    /// The shared transport for requests without a connection (default timeouts, under the
    /// egress policy); `insecure` accepts invalid TLS certificates.
    pub fn plain(&self, insecure: bool) -> Result<Arc<Transport>, AuthError> {
        self.inner.plain[usize::from(insecure)]
            .get_or_init(|| {
                build_plain(insecure, &self.inner.egress)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(AuthError::Client)
    }

    /// Validates a connection and returns its ready-to-use handle (transport built or reused).
    pub fn connect(&self, conn: &Connection) -> Result<Connected, AuthError> {
        let scheme = self.scheme(conn)?;
        let transport = self.inner.transports.get(conn, &self.inner.egress)?;
        Ok(Connected {
            inner: self.inner.clone(),
            id: conn.id.clone(),
            scheme,
            transport,
        })
    }

    /// The parsed scheme of a connection, reused while its inputs are unchanged.
    fn scheme(&self, conn: &Connection) -> Result<Arc<Scheme>, AuthError> {
        let lock = || self.inner.schemes.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((cached, scheme)) = lock().get(&conn.id) {
            if cached == conn {
                return Ok(scheme.clone());
            }
        }
        let scheme = Arc::new(Scheme::from_connection(conn, &self.inner.discovery)?);
        lock().insert(conn.id.clone(), (conn.clone(), scheme.clone()));
        Ok(scheme)
    }

    /// Sends one request with the connection's auth: see [`Connected::send`].
    pub async fn send(&self, conn: &Connection, req: &RequestParts) -> Result<Envelope, AuthError> {
        self.connect(conn)?.send(req).await
    }

    /// Starts an OAuth 2.0 authorization-code authorization: the URL to send the user to.
    /// `redirect_uri` is the public `/oauth2/callback` URL.
    pub fn authorization_url(
        &self,
        conn: &Connection,
        redirect_uri: &str,
    ) -> Result<AuthorizationRequest, AuthError> {
        self.inner.pending.start(conn, redirect_uri)
    }

    /// Completes an authorization from the callback's query: exchanges the code (with the
    /// PKCE verifier), saves the tokens, and returns the connection ID.
    pub async fn complete_authorization(
        &self,
        params: &CallbackParams,
    ) -> Result<String, AuthError> {
        let transports = &self.inner.transports;
        let egress = &self.inner.egress;
        let (conn, source, tokens) = self
            .inner
            .pending
            .exchange(
                |c| transports.get(c, egress).map(|t| t.client.clone()),
                params,
            )
            .await?;
        self.inner.tokens.put(&conn.id, &source, tokens).await?;
        Ok(conn.id)
    }

    /// Starts an authorization without remembering it in this process: the caller stores
    /// `state`, the verifier and `redirect_uri` (the API seals them in the database) and
    /// finishes with [`AuthClient::exchange_code`], possibly in another process.
    pub fn start_authorization(
        &self,
        conn: &Connection,
        redirect_uri: &str,
    ) -> Result<StartedAuthorization, AuthError> {
        build_authorization(conn, redirect_uri)
    }

    /// Exchanges an authorization code for `conn` (the verifier and `redirect_uri` of its
    /// [`AuthClient::start_authorization`]) and saves the tokens through the token store.
    pub async fn exchange_code(
        &self,
        conn: &Connection,
        code: &str,
        verifier: Option<&SecretString>,
        redirect_uri: &str,
    ) -> Result<(), AuthError> {
        let http = self
            .inner
            .transports
            .get(conn, &self.inner.egress)?
            .client
            .clone();
        let (source, tokens) = exchange_code(&http, conn, code, verifier, redirect_uri).await?;
        self.inner.tokens.put(&conn.id, &source, tokens).await
    }

    /// Forgets everything cached for a connection (client, in-memory and stored tokens).
    pub async fn forget(&self, connection_id: &str) -> Result<(), AuthError> {
        self.inner.transports.evict(connection_id);
        self.inner
            .schemes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(connection_id);
        self.inner.tokens.forget(connection_id);
        self.inner.tokens.store().delete(connection_id).await?;
        Ok(())
    }
}

/// A validated connection with its pooled transport.
#[derive(Clone)]
pub struct Connected {
    inner: Arc<Inner>,
    id: String,
    scheme: Arc<Scheme>,
    transport: Arc<Transport>,
}

impl std::fmt::Debug for Connected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connected")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

impl Connected {
    /// Warnings the caller writes to the execution log (e.g. TLS verification disabled).
    pub fn warnings(&self) -> &[String] {
        &self.transport.warnings
    }

    /// The pooled HTTP client under the egress policy (for callers that need to stream).
    pub fn http(&self) -> &EgressClient {
        &self.transport.client
    }

    /// The connection's `timeout` input, when it sets one.
    pub fn timeout(&self) -> Option<Duration> {
        self.transport.timeout
    }

    /// The current token set of a token-based connection (fetched when needed).
    pub async fn token(&self) -> Result<Option<TokenSet>, AuthError> {
        match self.scheme.token_source() {
            None => Ok(None),
            Some(src) => self
                .inner
                .tokens
                .token(&self.id, src, &self.transport.client, None)
                .await
                .map(Some),
        }
    }

    /// Applies auth and sends. Any answer is `Ok` with its envelope (check `ok`, or use
    /// [`Envelope::into_result`]); a request that never reached the server, a failed token
    /// request or a bad configuration is `Err`. For token schemes a 401 causes one token
    /// refresh (shared with concurrent callers) and one retry.
    pub async fn send(&self, req: &RequestParts) -> Result<Envelope, AuthError> {
        let sent = self.send_raw(req).await?;
        from_response(&sent.method, &sent.url, sent.response).await
    }

    /// Like [`Connected::send`] but returns the unread response, for binary or streamed
    /// bodies. Build the envelope with [`crate::envelope::from_response`] or
    /// [`Envelope::from_parts`].
    pub async fn send_raw(&self, req: &RequestParts) -> Result<RawResponse, AuthError> {
        let mut rejected: Option<SecretString> = None;
        loop {
            let token = match self.scheme.token_source() {
                None => None,
                Some(src) => Some(
                    self.inner
                        .tokens
                        .token(&self.id, src, &self.transport.client, rejected.as_ref())
                        .await?,
                ),
            };
            let mut out = req.prepare(token.as_ref().and_then(|t| t.instance_url.as_deref()))?;
            self.scheme.apply(&mut out, token.as_ref())?;
            let limit = out
                .timeout
                .or(self.transport.timeout)
                .unwrap_or(DEFAULT_TIMEOUT);
            let sent = execute(&self.transport.client, out, limit).await?;
            match token {
                Some(t) if sent.response.status() == 401 && rejected.is_none() => {
                    tracing::info!(connection = %self.id, "401: refreshing the token and retrying once");
                    rejected = Some(t.access_token);
                }
                _ => return Ok(sent),
            }
        }
    }
}

/// An answer whose body is not read yet.
#[derive(Debug)]
pub struct RawResponse {
    /// The method of the request.
    pub method: reqwest::Method,
    /// The URL as the envelope shows it (without auth query parameters).
    pub url: String,
    /// The response.
    pub response: reqwest::Response,
}

/// Sends a prepared request; `limit` is its time limit (for the message when it runs out).
async fn execute(
    client: &EgressClient,
    out: Outgoing,
    limit: Duration,
) -> Result<RawResponse, AuthError> {
    let Outgoing {
        method,
        url,
        display_url,
        headers,
        body,
        timeout,
    } = out;
    let mut request = client
        .request(method.clone(), url)
        .headers(headers)
        .body(body);
    if let Some(t) = timeout {
        request = request.timeout(t);
    }
    let response = client.send(request).await.map_err(|e| match e {
        SendError::Http(e) if e.is_timeout() => AuthError::TimedOut {
            method: method.to_string(),
            url: redact_url(&display_url),
            after_ms: limit.as_millis(),
        },
        other => send_error(method.as_str(), &display_url, "", other),
    })?;
    Ok(RawResponse {
        method,
        url: display_url,
        response,
    })
}
