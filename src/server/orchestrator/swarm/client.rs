//! The connection to the Docker Engine: opened lazily (a backend registered while its daemon is
//! down starts working when the daemon comes up), API version negotiated once per connection,
//! dropped after a transport failure so the next call reconnects. Also the one place where
//! Docker errors become [`OrchestratorError`]s.

use std::path::Path;
use std::time::Duration;

use bollard::errors::Error as DockerError;
use bollard::{Docker, API_DEFAULT_VERSION};
use tokio::sync::Mutex;

use super::settings::{Endpoint, SwarmSettings};
use crate::server::orchestrator::OrchestratorError;

/// A lazily opened, shared Docker client.
pub struct Client {
    settings: SwarmSettings,
    docker: Mutex<Option<Docker>>,
}

impl Client {
    /// A client for `settings`; nothing is opened yet.
    pub fn new(settings: SwarmSettings) -> Client {
        Client {
            settings,
            docker: Mutex::new(None),
        }
    }

    /// The settings this client connects with.
    pub fn settings(&self) -> &SwarmSettings {
        &self.settings
    }

    /// A connected client (cheap clone), connecting and negotiating the API version if needed.
    pub async fn get(&self) -> Result<Docker, OrchestratorError> {
        let mut slot = self.docker.lock().await;
        if let Some(d) = slot.as_ref() {
            return Ok(d.clone());
        }
        let d = self.open().await?;
        *slot = Some(d.clone());
        Ok(d)
    }

    /// Forgets the connection after `e` if it was a transport failure, then returns `e`.
    pub async fn failed(&self, e: OrchestratorError) -> OrchestratorError {
        if matches!(
            e,
            OrchestratorError::Unreachable(_) | OrchestratorError::Tls(_)
        ) {
            *self.docker.lock().await = None;
        }
        e
    }

    async fn open(&self) -> Result<Docker, OrchestratorError> {
        let where_ = self.settings.describe();
        let endpoint = self
            .settings
            .endpoint()
            .map_err(|e| OrchestratorError::Rejected(format!("Swarm backend settings: {e}")))?;
        let t = self.settings.timeout_secs;
        let opened = match endpoint {
            Endpoint::Unix(path) => Docker::connect_with_unix(path, t, API_DEFAULT_VERSION),
            Endpoint::Tcp(addr) => Docker::connect_with_http(&addr, t, API_DEFAULT_VERSION),
            Endpoint::TcpTls(addr, tls) => Docker::connect_with_ssl(
                &addr,
                Path::new(&tls.key),
                Path::new(&tls.cert),
                Path::new(&tls.ca),
                t,
                API_DEFAULT_VERSION,
            ),
        };
        let docker = opened.map_err(|e| classify(&format!("Docker at {where_}"), e))?;
        // bollard speaks the newest API; older daemons (Debian's 20.10 speaks 1.41) refuse it.
        let negotiated = tokio::time::timeout(Duration::from_secs(t), docker.negotiate_version())
            .await
            .map_err(|_| {
                OrchestratorError::Unreachable(format!(
                    "Docker at {where_} did not answer within {t} s"
                ))
            })?;
        negotiated.map_err(|e| classify(&format!("Docker at {where_}"), e))
    }
}

/// Turns a Docker API error about `what` (e.g. "service web") into the backend error the
/// controller acts on (and whose [`crate::server::orchestrator::fault::Fault`] others see):
/// 404 → not found, version conflicts → conflict, 401/403 → auth, a daemon that is not a
/// manager or a refused request (400) → rejected, other answers → their HTTP status, unusable
/// certificates or a failed handshake → TLS, no answer at all → unreachable.
pub fn classify(what: &str, e: DockerError) -> OrchestratorError {
    match e {
        DockerError::DockerResponseServerError {
            status_code,
            message,
        } => answered(what, status_code, message),
        DockerError::JsonDataError { .. } | DockerError::JsonSerdeError { .. } => {
            OrchestratorError::Rejected(format!("{what}: unexpected answer from Docker: {e}"))
        }
        DockerError::CertPathError { .. }
        | DockerError::CertMultipleKeys { .. }
        | DockerError::CertParseError { .. }
        | DockerError::NoNativeCertsError { .. }
        | DockerError::LoadNativeCertsErrors { .. } => OrchestratorError::Tls(format!(
            "the TLS files for {what} cannot be used: {e}; give the CA, client certificate and \
             key PEM files of the daemon's --tlsverify setup"
        )),
        other => {
            let text = chain(&other);
            let lower = text.to_lowercase();
            if ["certificate", "tls", "handshake"]
                .iter()
                .any(|w| lower.contains(w))
            {
                OrchestratorError::Tls(format!("{what}: {text}"))
            } else {
                OrchestratorError::Unreachable(format!(
                    "{what}: {text}; is dockerd running and is this the right address?"
                ))
            }
        }
    }
}

/// An HTTP error answer of the daemon.
fn answered(what: &str, status_code: u16, message: String) -> OrchestratorError {
    let lower = message.to_lowercase();
    if status_code == 404 {
        OrchestratorError::NotFound(format!("{what}: {message}"))
    } else if lower.contains("update out of sequence") || status_code == 409 {
        OrchestratorError::Conflict(format!(
            "{what} was changed by someone else since it was read ({message})"
        ))
    } else if status_code == 401 || status_code == 403 {
        OrchestratorError::Auth(format!("{what}: Docker answered {status_code}: {message}"))
    } else if lower.contains("not a swarm manager") || lower.contains("swarm init") {
        OrchestratorError::Rejected(format!(
            "{what}: this daemon is not a swarm manager ({message}); point the backend \
             at a manager node, or run `docker swarm init` there"
        ))
    } else if status_code == 400 {
        OrchestratorError::Rejected(format!("{what}: Docker answered 400: {message}"))
    } else {
        OrchestratorError::Status(status_code, format!("{what}: {message}"))
    }
}

/// `e` with the errors that caused it (a transport error's own text is often just "client
/// error (Connect)"; the cause says refused, timed out or which certificate check failed).
fn chain(e: &DockerError) -> String {
    let mut text = e.to_string();
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        let more = c.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status_code: u16, message: &str) -> DockerError {
        DockerError::DockerResponseServerError {
            status_code,
            message: message.into(),
        }
    }

    #[test]
    fn docker_answers_become_backend_errors() {
        let c = |e| classify("service web", e);
        assert!(matches!(
            c(server(404, "service web not found")),
            OrchestratorError::NotFound(_)
        ));
        assert!(matches!(
            c(server(
                500,
                "rpc error: code = Unknown desc = update out of sequence"
            )),
            OrchestratorError::Conflict(_)
        ));
        assert!(matches!(
            c(server(409, "conflict")),
            OrchestratorError::Conflict(_)
        ));
        assert!(matches!(
            c(server(503, "This node is not a swarm manager. Use \"docker swarm init\"")),
            OrchestratorError::Rejected(m) if m.contains("swarm manager")
        ));
        assert!(matches!(
            c(DockerError::RequestTimeoutError),
            OrchestratorError::Unreachable(_)
        ));
    }

    #[test]
    fn answers_get_the_class_that_tells_what_to_check() {
        use crate::server::orchestrator::fault::Fault;
        let cases = [
            ("unauthorized", server(401, "SECRET"), Fault::Auth),
            ("forbidden", server(403, "SECRET"), Fault::Auth),
            ("bad request", server(400, "SECRET"), Fault::Rejected),
            (
                "gateway",
                server(502, "SECRET token=abc123"),
                Fault::Status(502),
            ),
            ("server error", server(500, "SECRET"), Fault::Status(500)),
            (
                "unusable certificate",
                DockerError::CertPathError {
                    path: "/etc/ebb/ca.pem".into(),
                },
                Fault::Tls,
            ),
        ];
        for (case, e, want) in cases {
            assert_eq!(Fault::of(&classify("service web", e)), want, "{case}");
        }
    }
}
