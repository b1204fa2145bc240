//! Salesforce `basic`: the SOAP `login()` call (`loginUrl`, `username`, `password` — the
//! password followed by the security token when the org requires one). The answer's
//! `sessionId` is the bearer token and the origin of its `serverUrl` the API base. Sessions
//! have no expiry in the answer: a 401 (`INVALID_SESSION_ID`) logs in again once.

use async_trait::async_trait;
use plumb_core::action::Connection;
use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, Url};
use serde_json::json;

use super::oauth2_common::fingerprint;
use crate::egress::EgressClient;
use crate::envelope::Envelope;
use crate::error::{describe, redact_url, send_error, AuthError};
use crate::fields::{parse_http_url, Fields};
use crate::token::{TokenSet, TokenSource};
use plumb_core::secret::SecretString;

/// The SOAP API version used for `login()`.
const SOAP_VERSION: &str = "59.0";

/// Salesforce username/password login.
pub(crate) struct SalesforceBasic {
    login_url: Url,
    username: String,
    password: SecretString,
}

impl SalesforceBasic {
    pub(crate) fn from_connection(conn: &Connection) -> Result<Self, AuthError> {
        let f = Fields::new(conn);
        let base = f
            .opt_url("loginUrl")?
            .map(|u| u.as_str().trim_end_matches('/').to_string())
            .unwrap_or_else(|| "https://login.salesforce.com".to_string());
        Ok(SalesforceBasic {
            login_url: parse_http_url(
                "loginUrl",
                &format!("{base}/services/Soap/u/{SOAP_VERSION}"),
            )?,
            username: f.req("username")?.to_string(),
            password: f.secret("password")?,
        })
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// The text of the first `<tag>` element (namespace prefixes ignored).
fn element(xml: &str, tag: &str) -> Option<String> {
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        rest = &rest[i + 1..];
        let name_end = rest.find(['>', ' ', '/'])?;
        let name = &rest[..name_end];
        let local = name.rsplit(':').next().unwrap_or(name);
        if local == tag && !name.starts_with('/') {
            let body = &rest[rest.find('>')? + 1..];
            let end = body.find("</")?;
            return Some(
                body[..end]
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
        }
    }
    None
}

#[async_trait]
impl TokenSource for SalesforceBasic {
    fn fingerprint(&self) -> String {
        fingerprint(&["sf_basic", self.login_url.as_str(), &self.username])
    }

    async fn fetch(&self, http: &EgressClient) -> Result<TokenSet, AuthError> {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\
<env:Envelope xmlns:env=\"http://schemas.xmlsoap.org/soap/envelope/\">\
<env:Body><n1:login xmlns:n1=\"urn:partner.soap.sforce.com\">\
<n1:username>{}</n1:username><n1:password>{}</n1:password>\
</n1:login></env:Body></env:Envelope>",
            xml_escape(&self.username),
            xml_escape(self.password.expose())
        );
        let url = redact_url(self.login_url.as_str());
        let transport = |reason: String| AuthError::Transport {
            method: "POST".into(),
            url: url.clone(),
            reason,
        };
        let resp = http
            .send(
                http.post(self.login_url.clone())
                    .header(CONTENT_TYPE, "text/xml; charset=UTF-8")
                    .header("SOAPAction", "login")
                    .body(body),
            )
            .await
            .map_err(|e| send_error("POST", &url, "Salesforce login: ", e))?;
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.map_err(|e| transport(describe(&e)))?;
        if !status.is_success() {
            let mut env = Envelope::from_parts(&Method::POST, &url, status, &headers, b"");
            env.text = None;
            env.body = Some(json!({
                "error": element(&text, "faultcode").unwrap_or_default(),
                "error_description": element(&text, "faultstring").unwrap_or_default(),
            }));
            return Err(AuthError::Token(Box::new(env)));
        }
        let missing = |what: &str| AuthError::TokenResponse {
            method: "POST".into(),
            url: url.clone(),
            reason: format!("the login answer has no {what}"),
        };
        let session = element(&text, "sessionId").ok_or_else(|| missing("sessionId"))?;
        let server = element(&text, "serverUrl").ok_or_else(|| missing("serverUrl"))?;
        let server = parse_http_url("serverUrl", &server)?;
        Ok(TokenSet {
            access_token: SecretString::new(session),
            refresh_token: None,
            token_type: Some("Bearer".into()),
            expires_at: None,
            scope: None,
            instance_url: Some(server.origin().ascii_serialization()),
            fingerprint: String::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_soap_answers() {
        let ok = r#"<?xml version="1.0"?><soapenv:Envelope><soapenv:Body><loginResponse><result>
<serverUrl>https://acme.my.salesforce.com/services/Soap/u/59.0/00D</serverUrl>
<sessionId>00D!AQ&amp;x</sessionId></result></loginResponse></soapenv:Body></soapenv:Envelope>"#;
        assert_eq!(element(ok, "sessionId").unwrap(), "00D!AQ&x");
        assert!(element(ok, "serverUrl")
            .unwrap()
            .starts_with("https://acme."));
        let fault = "<soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username</faultstring></soapenv:Fault>";
        assert_eq!(element(fault, "faultcode").unwrap(), "sf:INVALID_LOGIN");
        assert!(element(fault, "nothing").is_none());
        assert_eq!(xml_escape("a<&>\"'"), "a&lt;&amp;&gt;&quot;&apos;");
    }
}
