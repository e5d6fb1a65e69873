//! Instant queries against one Prometheus server over HTTP or HTTPS (the server's CA from a
//! file, or the system's roots), with a bearer token or basic auth read from files, and a
//! timeout on every query. Errors say which part failed (unreachable, TLS, refused
//! credentials, the query itself with Prometheus's own message, a timeout), never a secret.

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use super::reading::Series;

/// How ebb signs in to a Prometheus server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromAuth {
    None,
    /// `Authorization: Bearer <the file's contents>`.
    Bearer {
        token_file: String,
    },
    /// Basic auth with the password from a file.
    Basic {
        user: String,
        password_file: String,
    },
}

/// One Prometheus server as ebb reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromServer {
    /// `https://prometheus.example:9090` (a path prefix is kept: `/prometheus`).
    pub url: String,
    pub auth: PromAuth,
    /// PEM file of the CA that signed the server's certificate; `None`: the system's roots.
    pub ca_file: Option<String>,
    /// Accept any certificate (never the default; see [`AnyCertificate`]).
    pub skip_verify: bool,
    pub timeout: Duration,
}

/// Why a query gave no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PromError {
    #[error("Prometheus at {0} cannot be reached: {1}")]
    Unreachable(String, String),
    #[error("TLS with Prometheus failed: {0}")]
    Tls(String),
    #[error("Prometheus did not answer within {0} ms")]
    Timeout(u128),
    #[error("Prometheus refused ebb's credentials (HTTP {0}): check the token or password")]
    Auth(u16),
    #[error("Prometheus rejected the query: {0}")]
    Query(String),
    #[error("Prometheus answered HTTP {0}: {1}")]
    Status(u16, String),
    #[error("the settings are unusable: {0}")]
    Settings(String),
}

/// A client of one server.
pub struct PromClient {
    server: PromServer,
    http: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
}

/// Most bytes of an answer ebb reads (a query of thousands of series is a mistake to report,
/// not to hold in memory).
const MOST_BYTES: usize = 8 * 1024 * 1024;

impl PromClient {
    /// A client for `server`; fails when the CA file cannot be read.
    pub fn new(server: PromServer) -> Result<PromClient, PromError> {
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let provider = || std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let builder = match &server.ca_file {
            _ if server.skip_verify => {
                let config = rustls::ClientConfig::builder_with_provider(provider())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| PromError::Tls(e.to_string()))?
                    .dangerous()
                    .with_custom_certificate_verifier(std::sync::Arc::new(AnyCertificate(
                        provider(),
                    )))
                    .with_no_client_auth();
                builder.with_tls_config(config)
            }
            Some(path) => {
                use rustls::pki_types::pem::PemObject;
                use rustls::pki_types::CertificateDer;
                let mut roots = rustls::RootCertStore::empty();
                let certs = CertificateDer::pem_file_iter(path)
                    .map_err(|e| PromError::Settings(format!("CA file {path}: {e}")))?;
                for cert in certs {
                    let cert =
                        cert.map_err(|e| PromError::Settings(format!("CA file {path}: {e}")))?;
                    roots
                        .add(cert)
                        .map_err(|e| PromError::Settings(format!("CA file {path}: {e}")))?;
                }
                if roots.is_empty() {
                    return Err(PromError::Settings(format!(
                        "CA file {path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"
                    )));
                }
                let config = rustls::ClientConfig::builder_with_provider(provider())
                    .with_safe_default_protocol_versions()
                    .map_err(|e| PromError::Tls(e.to_string()))?
                    .with_root_certificates(roots)
                    .with_no_client_auth();
                builder.with_tls_config(config)
            }
            None => builder
                .with_native_roots()
                .map_err(|e| PromError::Settings(format!("the system's CA certificates: {e}")))?,
        };
        let connector = builder.https_or_http().enable_http1().build();
        let http = Client::builder(TokioExecutor::new()).build(connector);
        Ok(PromClient { server, http })
    }

    /// Runs `query` now; every series of the result (a scalar is one series without labels).
    pub async fn query(&self, query: &str) -> Result<Vec<Series>, PromError> {
        let wait = self.server.timeout;
        match tokio::time::timeout(wait, self.ask(query)).await {
            Ok(r) => r,
            Err(_) => Err(PromError::Timeout(wait.as_millis())),
        }
    }

    async fn ask(&self, query: &str) -> Result<Vec<Series>, PromError> {
        let url = format!("{}/api/v1/query", self.server.url.trim_end_matches('/'));
        let timeout = format!("{}ms", self.server.timeout.as_millis().max(1));
        let body = form(&[("query", query), ("timeout", &timeout)]);
        let mut req = hyper::Request::post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        match &self.server.auth {
            PromAuth::None => {}
            PromAuth::Bearer { token_file } => {
                let token = secret(token_file)?;
                req = req.header("authorization", format!("Bearer {token}"));
            }
            PromAuth::Basic {
                user,
                password_file,
            } => {
                use base64::Engine;
                let password = secret(password_file)?;
                let pair =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                req = req.header("authorization", format!("Basic {pair}"));
            }
        }
        let req = req
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| PromError::Settings(format!("the URL {url}: {e}")))?;
        let res = self.http.request(req).await.map_err(|e| self.failed(&e))?;
        let status = res.status().as_u16();
        let limited = http_body_util::Limited::new(res.into_body(), MOST_BYTES);
        let bytes = limited
            .collect()
            .await
            .map_err(|e| PromError::Status(status, format!("reading the answer: {e}")))?
            .to_bytes();
        if status == 401 || status == 403 {
            return Err(PromError::Auth(status));
        }
        let json: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|_| PromError::Status(status, "the answer is not Prometheus's JSON".into()))?;
        if json["status"] != "success" {
            let msg = json["error"]
                .as_str()
                .unwrap_or("no reason given")
                .to_string();
            return Err(match status {
                400 | 422 => PromError::Query(msg),
                503 if json["errorType"] == "timeout" => {
                    PromError::Timeout(self.server.timeout.as_millis())
                }
                _ => PromError::Status(status, msg),
            });
        }
        series(&json["data"])
    }

    fn failed(&self, e: &hyper_util::client::legacy::Error) -> PromError {
        let mut text = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            let part = s.to_string();
            if !text.contains(&part) {
                text = format!("{text}: {part}");
            }
            source = s.source();
        }
        if text.contains("certificate") || text.contains("tls") || text.contains("TLS") {
            PromError::Tls(text)
        } else {
            PromError::Unreachable(self.server.url.clone(), text)
        }
    }
}

/// The verifier of "skip verification": any certificate is accepted for any name, but the
/// handshake's signatures are still checked, so the connection is encrypted to whoever holds
/// the presented certificate's key.
#[derive(Debug)]
struct AnyCertificate(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The contents of a secret file, without surrounding whitespace; the error names the file only.
fn secret(path: &str) -> Result<String, PromError> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|e| PromError::Settings(format!("the secret file {path} cannot be read: {e}")))
}

/// A form body.
fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{k}={}",
                crate::server::auth::gate::urlencode(v).replace('/', "%2F")
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The series of a query result's `data` (vector, scalar; a matrix or string is an error).
fn series(data: &serde_json::Value) -> Result<Vec<Series>, PromError> {
    let value = |v: &serde_json::Value| -> Option<f64> {
        v.get(1)?
            .as_str()?
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
    };
    match data["resultType"].as_str() {
        Some("vector") => Ok(data["result"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| Series {
                labels: r["metric"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect::<BTreeMap<_, _>>(),
                value: value(&r["value"]),
            })
            .collect()),
        Some("scalar") => Ok(vec![Series {
            labels: BTreeMap::new(),
            value: value(&data["result"]),
        }]),
        Some(other) => Err(PromError::Query(format!(
            "the query gives a {other}, not an instant vector or scalar (drop the range selector, e.g. use rate(x[1m]))"
        ))),
        None => Err(PromError::Status(200, "the answer has no result type".into())),
    }
}
