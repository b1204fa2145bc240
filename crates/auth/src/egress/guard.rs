//! The policy on a `reqwest` client: [`guard`] puts a checking DNS resolver, a checking
//! redirect policy and a check of the connected socket on a client builder; [`EgressClient`]
//! is such a client that also checks each request's URL before sending it.

use std::error::Error as StdError;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::{Connection, HttpInfo};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::{redirect, Client, ClientBuilder, IntoUrl, Method, RequestBuilder, Response};
use tower_layer::Layer;
use tower_service::Service;

use super::{EgressDenied, EgressPolicy};

type BoxError = Box<dyn StdError + Send + Sync>;

/// Redirects followed at most (reqwest's default).
const MAX_REDIRECTS: usize = 10;

/// Puts the policy on a client builder: DNS answers are filtered
/// ([`EgressPolicy::check_resolved`]; a name with no address left is refused), every redirect
/// target is checked ([`EgressPolicy::check_url`]) and every new connection's peer is checked
/// before it is used ([`EgressPolicy::check_peer`]). The first request's URL is the caller's
/// to check ([`EgressClient::send`] does).
pub fn guard(builder: ClientBuilder, policy: &Arc<EgressPolicy>) -> ClientBuilder {
    let limit = redirect::Policy::limited(MAX_REDIRECTS);
    let on_redirect = Arc::clone(policy);
    builder
        .dns_resolver(CheckingResolver {
            policy: Arc::clone(policy),
        })
        .redirect(redirect::Policy::custom(move |attempt| {
            match on_redirect.check_url(attempt.url()) {
                Err(denied) => attempt.error(denied),
                Ok(()) => limit.redirect(attempt),
            }
        }))
        .connector_layer(PeerCheckLayer {
            policy: Arc::clone(policy),
        })
}

/// The egress refusal somewhere in an error's chain of sources, if any.
pub fn refusal_in(error: &(dyn StdError + 'static)) -> Option<EgressDenied> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(error);
    while let Some(e) = current {
        if let Some(denied) = e.downcast_ref::<EgressDenied>() {
            return Some(denied.clone());
        }
        current = e.source();
    }
    None
}

/// Resolves with the system resolver and drops the addresses the policy denies.
struct CheckingResolver {
    policy: Arc<EgressPolicy>,
}

impl Resolve for CheckingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_string();
        Box::pin(async move {
            policy
                .check_name(&host)
                .map_err(|d| Box::new(d) as BoxError)?;
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let mut kept: Vec<SocketAddr> = Vec::new();
            let mut refused: Option<EgressDenied> = None;
            for addr in found {
                match policy.check_resolved(&host, addr.ip()) {
                    Ok(()) => kept.push(addr),
                    Err(d) => {
                        refused.get_or_insert(d);
                    }
                }
            }
            match (kept.is_empty(), refused) {
                (true, Some(denied)) => Err(Box::new(denied) as BoxError),
                _ => Ok(Box::new(kept.into_iter()) as Addrs),
            }
        })
    }
}

/// The connector layer checking each new connection's peer address.
#[derive(Clone)]
struct PeerCheckLayer {
    policy: Arc<EgressPolicy>,
}

impl<S> Layer<S> for PeerCheckLayer {
    type Service = PeerCheck<S>;

    fn layer(&self, inner: S) -> PeerCheck<S> {
        PeerCheck {
            inner,
            policy: Arc::clone(&self.policy),
        }
    }
}

#[derive(Clone)]
struct PeerCheck<S> {
    inner: S,
    policy: Arc<EgressPolicy>,
}

impl<S, R> Service<R> for PeerCheck<S>
where
    S: Service<R>,
    S::Response: Connection + Send + 'static,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let connecting = self.inner.call(request);
        let policy = Arc::clone(&self.policy);
        Box::pin(async move {
            let conn = connecting.await.map_err(Into::into)?;
            let mut extras = http::Extensions::new();
            conn.connected().get_extras(&mut extras);
            if let Some(info) = extras.get::<HttpInfo>() {
                policy
                    .check_peer(info.remote_addr())
                    .map_err(|d| Box::new(d) as BoxError)?;
            }
            Ok(conn)
        })
    }
}

/// Why [`EgressClient::send`] got no answer.
#[derive(Debug)]
pub enum SendError {
    /// The policy refused the URL, a redirect, a DNS answer or the connected address.
    Refused(EgressDenied),
    /// Any other failure.
    Http(reqwest::Error),
}

impl From<reqwest::Error> for SendError {
    fn from(e: reqwest::Error) -> Self {
        match refusal_in(&e) {
            Some(denied) => SendError::Refused(denied),
            None => SendError::Http(e),
        }
    }
}

/// A pooled client under a policy: built through [`guard`], and [`EgressClient::send`] checks
/// each request's URL before sending it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct EgressClient {
    client: Client,
    policy: Arc<EgressPolicy>,
}

impl EgressClient {
    /// Builds `builder` under `policy`.
    pub fn build(
        builder: ClientBuilder,
        policy: Arc<EgressPolicy>,
    ) -> Result<Self, reqwest::Error> {
        let client = guard(builder, &policy).build()?;
        Ok(EgressClient { client, policy })
    }

    /// The policy.
    pub fn policy(&self) -> &Arc<EgressPolicy> {
        &self.policy
    }

    /// A request to build and give to [`EgressClient::send`].
    pub fn request(&self, method: Method, url: impl IntoUrl) -> RequestBuilder {
        self.client.request(method, url)
    }

    /// A `GET` request (see [`EgressClient::request`]).
    pub fn get(&self, url: impl IntoUrl) -> RequestBuilder {
        self.client.get(url)
    }

    /// A `POST` request (see [`EgressClient::request`]).
    pub fn post(&self, url: impl IntoUrl) -> RequestBuilder {
        self.client.post(url)
    }

    /// Checks the request's URL, then sends it (redirects, DNS answers and the connection are
    /// checked by the client itself).
    pub async fn send(&self, request: RequestBuilder) -> Result<Response, SendError> {
        let (_, request) = request.build_split();
        let request = request.map_err(SendError::Http)?;
        self.policy
            .check_url(request.url())
            .map_err(SendError::Refused)?;
        self.client.execute(request).await.map_err(SendError::from)
    }
}
