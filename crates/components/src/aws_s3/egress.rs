//! The HTTP connector of the S3 clients: a `reqwest` client built under the egress policy
//! (`plumb_auth::egress::guard`: DNS answers, redirects and connected sockets checked) that
//! also checks each request's URL before sending it. A refusal is not retried.

use std::sync::Arc;

use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse, HttpService,
};
use object_store::{ClientConfigKey, ClientOptions};
use plumb_auth::egress::{guard, refusal_in};
use plumb_auth::{EgressPolicy, CONNECT_TIMEOUT, DEFAULT_TIMEOUT};

/// Builds the clients of `object_store` under a policy.
#[derive(Debug)]
pub(crate) struct EgressConnector {
    policy: Arc<EgressPolicy>,
}

impl EgressConnector {
    /// A connector under `policy`.
    pub(crate) fn new(policy: Arc<EgressPolicy>) -> Self {
        EgressConnector { policy }
    }
}

impl HttpConnector for EgressConnector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let allow_http = options
            .get_config_value(&ClientConfigKey::AllowHttp)
            .is_some_and(|v| v == "true");
        let builder = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(DEFAULT_TIMEOUT)
            .https_only(!allow_http);
        let client =
            guard(builder, &self.policy)
                .build()
                .map_err(|e| object_store::Error::Generic {
                    store: "S3",
                    source: Box::new(e),
                })?;
        Ok(HttpClient::new(Checked {
            client,
            policy: Arc::clone(&self.policy),
        }))
    }
}

/// A `reqwest` client that checks each request's URL first.
#[derive(Debug)]
struct Checked {
    client: reqwest::Client,
    policy: Arc<EgressPolicy>,
}

#[async_trait::async_trait]
impl HttpService for Checked {
    async fn call(&self, req: HttpRequest) -> Result<HttpResponse, HttpError> {
        let url = reqwest::Url::parse(&req.uri().to_string())
            .map_err(|e| HttpError::new(HttpErrorKind::Request, e))?;
        self.policy
            .check_url(&url)
            .map_err(|denied| HttpError::new(HttpErrorKind::Unknown, denied))?;
        self.client
            .call(req)
            .await
            .map_err(|e| match refusal_in(&e) {
                // Unknown errors are not retried.
                Some(denied) => HttpError::new(HttpErrorKind::Unknown, denied),
                None => e,
            })
    }
}
