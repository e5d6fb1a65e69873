//! A Prometheus server's stored settings: its URL, how ebb signs in (none, a bearer token or
//! basic auth, the secret in a file ebb reads), its CA file and the query timeout. Stored
//! as JSON without secrets; checked with a message per field.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::client::{PromAuth, PromServer};

/// Default query timeout.
pub const DEFAULT_TIMEOUT_MS: u64 = 5000;

/// What is stored for one server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromSettings {
    pub url: String,
    /// `none`, `bearer` or `basic`.
    #[serde(default = "none")]
    pub auth: String,
    /// The basic-auth user.
    #[serde(default)]
    pub user: String,
    /// The bearer token or basic-auth password, in a file only ebb reads.
    #[serde(default)]
    pub secret_file: Option<String>,
    /// PEM of the CA that signed the server's certificate; none: the system's roots.
    #[serde(default)]
    pub ca_file: Option<String>,
    /// Accept any certificate (a self-signed one in a lab): off unless an admin turns it on.
    #[serde(default)]
    pub skip_verify: bool,
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
}

fn none() -> String {
    "none".into()
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_MS
}

impl PromSettings {
    /// Reads stored settings.
    pub fn from_json(text: &str) -> Result<PromSettings, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// The first problem, as (form field, what to enter).
    pub fn check(&self) -> Result<(), (&'static str, String)> {
        let url = self.url.trim();
        if !(url.starts_with("http://") || url.starts_with("https://"))
            || url.len() > 2000
            || url.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err((
                "url",
                format!("the URL must start with http:// or https:// (got `{url}`)"),
            ));
        }
        match self.auth.as_str() {
            "none" => {}
            "bearer" | "basic" if self.secret_file.is_none() => {
                return Err((
                    "secret",
                    "paste the token or password (it is saved to a file only ebb reads)".into(),
                ))
            }
            "basic" if self.user.trim().is_empty() || self.user.contains(':') => {
                return Err(("user", "give the user name (without a colon)".into()))
            }
            "bearer" | "basic" => {}
            _ => return Err(("auth", "choose none, bearer token or basic auth".into())),
        }
        if self.skip_verify && self.ca_file.is_some() {
            return Err((
                "ca",
                "give a CA or turn off certificate verification, not both (a CA is the safe choice)"
                    .into(),
            ));
        }
        if self.skip_verify && !url.starts_with("https://") {
            return Err((
                "skip_verify",
                "certificates are only checked over https://; leave this off for http://".into(),
            ));
        }
        if !(100..=60_000).contains(&self.timeout_ms) {
            return Err((
                "timeout_ms",
                "give the timeout in milliseconds, 100 to 60000".into(),
            ));
        }
        Ok(())
    }

    /// The client's view.
    pub fn server(&self) -> PromServer {
        let secret = self.secret_file.clone().unwrap_or_default();
        PromServer {
            url: self.url.trim().trim_end_matches('/').to_string(),
            auth: match self.auth.as_str() {
                "bearer" => PromAuth::Bearer { token_file: secret },
                "basic" => PromAuth::Basic {
                    user: self.user.clone(),
                    password_file: secret,
                },
                _ => PromAuth::None,
            },
            ca_file: self.ca_file.clone(),
            skip_verify: self.skip_verify,
            timeout: Duration::from_millis(self.timeout_ms),
        }
    }

    /// One line for the page (no secrets).
    pub fn describe(&self) -> String {
        let auth = match self.auth.as_str() {
            "bearer" => ", bearer token",
            "basic" => ", basic auth",
            _ => "",
        };
        let ca = if self.ca_file.is_some() {
            ", own CA"
        } else if self.skip_verify {
            ", certificate NOT verified"
        } else {
            ""
        };
        format!("{}{auth}{ca}, timeout {} ms", self.url, self.timeout_ms)
    }
}
