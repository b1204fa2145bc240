//! `awsSigV4` (http) and `apiKeySecret` (aws-s3): AWS Signature Version 4 with the
//! `aws-sigv4` crate (`accessKeyId, secretAccessKey, sessionToken, region, service`).
//!
//! For S3 (`service: s3`) the path is neither normalized nor double-encoded and the payload
//! hash is sent in `x-amz-content-sha256`, as S3 requires; other services use the defaults of
//! the AWS test suite.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode, SignableBody,
    SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use plumb_core::action::Connection;

use crate::error::AuthError;
use crate::fields::Fields;
use crate::request::Outgoing;
use plumb_core::secret::SecretString;

/// Canonicalization choices of a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SigV4Options {
    /// Normalize the URI path (RFC 3986 dot segments, duplicate slashes). Off for S3.
    pub normalize_path: bool,
    /// Percent-encode the path a second time. Off for S3.
    pub double_encode: bool,
    /// Send and sign `x-amz-content-sha256` (required by S3).
    pub content_sha256_header: bool,
    /// Include `x-amz-security-token` in the signature (else it is added after signing).
    pub sign_session_token: bool,
}

impl SigV4Options {
    /// The options a service needs (`s3` differs from everything else).
    pub fn for_service(service: &str) -> Self {
        let s3 = service.eq_ignore_ascii_case("s3");
        SigV4Options {
            normalize_path: !s3,
            double_encode: !s3,
            content_sha256_header: s3,
            sign_session_token: true,
        }
    }
}

/// A signed request's additions.
#[derive(Debug, Clone)]
pub struct SignedParts {
    /// Headers to set (`authorization`, `x-amz-date`, ...).
    pub headers: Vec<(String, String)>,
    /// Query parameters to append (presigned URLs).
    pub query: Vec<(String, String)>,
    /// The hex signature.
    pub signature: String,
}

/// AWS SigV4 credentials and scope.
#[derive(Clone)]
pub struct AwsSigV4 {
    identity: Identity,
    region: String,
    service: String,
    options: SigV4Options,
}

impl std::fmt::Debug for AwsSigV4 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSigV4")
            .field("region", &self.region)
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

impl AwsSigV4 {
    /// Credentials for `service` in `region`, with that service's options.
    pub fn new(
        access_key_id: &str,
        secret_access_key: &SecretString,
        session_token: Option<&SecretString>,
        region: &str,
        service: &str,
    ) -> Self {
        let creds = Credentials::new(
            access_key_id,
            secret_access_key.expose(),
            session_token.map(|t| t.expose().to_string()),
            None,
            "plumb",
        );
        AwsSigV4 {
            identity: creds.into(),
            region: region.to_string(),
            service: service.to_string(),
            options: SigV4Options::for_service(service),
        }
    }

    /// Overrides the canonicalization options.
    pub fn with_options(mut self, options: SigV4Options) -> Self {
        self.options = options;
        self
    }

    pub(crate) fn from_connection(conn: &Connection, s3: bool) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        let akid = f.req("accessKeyId")?;
        let secret = f.secret("secretAccessKey")?;
        let token = f.opt_secret("sessionToken");
        let region = f
            .opt("region")
            .or(f.opt("awsRegion"))
            .unwrap_or("us-east-1");
        let service = if s3 { "s3" } else { f.req("service")? };
        let valid = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        };
        if !valid(region) {
            return Err(AuthError::invalid(
                "region",
                "expected a region name like us-east-1",
            ));
        }
        if !valid(service) {
            return Err(AuthError::invalid(
                "service",
                "expected a service name like execute-api",
            ));
        }
        Ok(Self::new(akid, &secret, token.as_ref(), region, service))
    }

    /// Signs a request. `url` is absolute and already percent-encoded; `presign` puts the
    /// signature in the query, valid for that long.
    pub fn sign(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        time: SystemTime,
        presign: Option<Duration>,
    ) -> Result<SignedParts, AuthError> {
        let mut settings = SigningSettings::default();
        settings.uri_path_normalization_mode = if self.options.normalize_path {
            UriPathNormalizationMode::Enabled
        } else {
            UriPathNormalizationMode::Disabled
        };
        settings.percent_encoding_mode = if self.options.double_encode {
            PercentEncodingMode::Double
        } else {
            PercentEncodingMode::Single
        };
        settings.payload_checksum_kind = if self.options.content_sha256_header {
            PayloadChecksumKind::XAmzSha256
        } else {
            PayloadChecksumKind::NoHeader
        };
        settings.session_token_mode = if self.options.sign_session_token {
            SessionTokenMode::Include
        } else {
            SessionTokenMode::Exclude
        };
        if let Some(d) = presign {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(d);
        }
        let params = v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name(&self.service)
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| AuthError::Signing(e.to_string()))?
            .into();
        let signable = SignableRequest::new(
            method,
            url,
            headers.iter().copied(),
            SignableBody::Bytes(body),
        )
        .map_err(|e| AuthError::Signing(e.to_string()))?;
        let out = sign(signable, &params).map_err(|e| AuthError::Signing(e.to_string()))?;
        let signature = out.signature().to_string();
        let (instructions, _) = out.into_parts();
        let (hs, qs) = instructions.into_parts();
        Ok(SignedParts {
            headers: hs
                .iter()
                .map(|h| (h.name().to_string(), h.value().to_string()))
                .collect(),
            query: qs
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.into_owned()))
                .collect(),
            signature,
        })
    }

    pub(crate) fn apply(&self, req: &mut Outgoing) -> Result<(), AuthError> {
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(req.headers.len());
        for (k, v) in &req.headers {
            if let Ok(v) = v.to_str() {
                pairs.push((k.as_str().to_string(), v.to_string()));
            }
        }
        let borrowed: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let signed = self.sign(
            req.method.as_str(),
            req.url.as_str(),
            &borrowed,
            &req.body,
            SystemTime::now(),
            None,
        )?;
        for (k, v) in signed.headers {
            let sensitive = k == "authorization" || k == "x-amz-security-token";
            req.set_header(&k, &v, sensitive)?;
        }
        Ok(())
    }
}
