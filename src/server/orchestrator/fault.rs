//! What a backend failure may show. A backend's error text can hold anything its target
//! answered (tokens, internal host names, stack traces), so it goes only to the server log and
//! to admins. Everyone else, and everything stored (decision rows and sentences, workload
//! status), gets the failure's class: unreachable, TLS, auth, HTTP status N, not found,
//! conflict or rejected, in ebb's own words with what to check.
//!
//! The class is defined here once, from [`OrchestratorError`] (whose variants each backend's
//! client fills, e.g. the Swarm client from Docker's answers); migration
//! `0007_backend_error_classes.sql` rewrote the texts stored before to the same labels.

use super::OrchestratorError;

/// The class of a backend failure; its text never contains the backend's own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// No answer: connection refused, timed out, daemon down.
    Unreachable,
    /// The TLS connection could not be set up.
    Tls,
    /// The backend refused ebb's credentials.
    Auth,
    /// The backend answered with this HTTP error status.
    Status(u16),
    /// The backend has no such workload.
    NotFound,
    /// The workload changed concurrently.
    Conflict,
    /// The backend refused the request.
    Rejected,
}

impl Fault {
    /// The class of `e`.
    pub fn of(e: &OrchestratorError) -> Fault {
        match e {
            OrchestratorError::Unreachable(_) => Fault::Unreachable,
            OrchestratorError::Tls(_) => Fault::Tls,
            OrchestratorError::Auth(_) => Fault::Auth,
            OrchestratorError::Status(code, _) => Fault::Status(*code),
            OrchestratorError::NotFound(_) => Fault::NotFound,
            OrchestratorError::Conflict(_) => Fault::Conflict,
            OrchestratorError::Rejected(_) => Fault::Rejected,
        }
    }

    /// The class as a metric label: `unreachable`, `tls`, `auth`, `status`, `not_found`,
    /// `conflict` or `rejected`.
    pub fn kind(self) -> &'static str {
        match self {
            Fault::Unreachable => "unreachable",
            Fault::Tls => "tls",
            Fault::Auth => "auth",
            Fault::Status(_) => "status",
            Fault::NotFound => "not_found",
            Fault::Conflict => "conflict",
            Fault::Rejected => "rejected",
        }
    }

    /// The short label stored with decisions ("unreachable", "HTTP status 502", ...).
    pub fn label(self) -> String {
        match self {
            Fault::Unreachable => "unreachable".into(),
            Fault::Tls => "TLS".into(),
            Fault::Auth => "auth".into(),
            Fault::Status(code) => format!("HTTP status {code}"),
            Fault::NotFound => "not found".into(),
            Fault::Conflict => "conflict".into(),
            Fault::Rejected => "rejected".into(),
        }
    }

    /// What it means and what to check, in ebb's words.
    pub fn hint(self) -> &'static str {
        match self {
            Fault::Unreachable => {
                "the backend did not answer; check that it runs and that ebb can reach its address"
            }
            Fault::Tls => {
                "the TLS connection failed; check the backend's certificate files and that it \
                 expects TLS"
            }
            Fault::Auth => "the backend refused ebb's credentials; check what ebb was given",
            Fault::Status(_) => "the backend answered with an error",
            Fault::NotFound => "the backend has no such workload; was it removed or renamed?",
            Fault::Conflict => "the workload changed meanwhile; ebb reads it again and retries",
            Fault::Rejected => "the backend refused the request",
        }
    }

    /// Label and hint in one line, as the workload's status and error messages show it.
    pub fn describe(self) -> String {
        format!("{}: {}", self.label(), self.hint())
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label())
    }
}

/// What a caller may read of `e`: its class, and for admins also the backend's own text.
pub fn shown(e: &OrchestratorError, admin: bool) -> String {
    let class = Fault::of(e).describe();
    if admin {
        format!("{class} (detail for admins: {e})")
    } else {
        format!("{class} (the server log has the detail)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_never_carry_the_backend_text() {
        let secret = "SECRET token=abc123".to_string();
        let cases = [
            (
                OrchestratorError::Unreachable(secret.clone()),
                "unreachable",
            ),
            (OrchestratorError::Tls(secret.clone()), "TLS"),
            (OrchestratorError::Auth(secret.clone()), "auth"),
            (
                OrchestratorError::Status(502, secret.clone()),
                "HTTP status 502",
            ),
            (OrchestratorError::NotFound(secret.clone()), "not found"),
            (OrchestratorError::Conflict(secret.clone()), "conflict"),
            (OrchestratorError::Rejected(secret.clone()), "rejected"),
        ];
        for (e, label) in cases {
            let f = Fault::of(&e);
            assert_eq!(f.label(), label);
            assert!(f.describe().starts_with(label));
            let viewer = shown(&e, false);
            assert!(
                !viewer.contains("SECRET") && viewer.starts_with(label),
                "{viewer}"
            );
            assert!(
                shown(&e, true).contains("SECRET token=abc123"),
                "admins see the detail"
            );
        }
    }
}
