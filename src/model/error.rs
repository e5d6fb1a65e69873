//! The error type of every server function.
//!
//! Policy: an error says what went wrong and, where the caller can do something, what to do.
//! `Invalid` carries field paths so forms show each message beside its field. `Internal` never
//! carries database or system details to the browser; those go to the server log.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A problem with one input field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldError {
    /// Path of the field, e.g. `behavior.scale_down.stabilization_window_secs`.
    pub path: String,
    /// What is wrong and what to do about it.
    pub message: String,
}

/// Errors returned by server functions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The input was rejected; nothing was stored.
    #[error("{}", summarize(.0))]
    Invalid(Vec<FieldError>),
    /// Nobody is signed in (or the session expired).
    #[error("sign in first: {0}")]
    Unauthorized(String),
    /// The signed-in user's role does not allow this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The request conflicts with a concurrent change; reload and retry.
    #[error("{0}")]
    Conflict(String),
    /// A system ebb depends on (a cluster backend) could not be reached; nothing was changed.
    #[error("{0}")]
    Unavailable(String),
    /// Too much is running (for this user, or in all); nothing was done; retry shortly.
    #[error("{0}")]
    Busy(String),
    /// The server failed; details are in its log.
    #[error("the server could not complete the request ({0}); see the server log")]
    Internal(String),
    /// The request did not reach the server function or its answer could not be read.
    #[error("request failed: {0}")]
    Transport(String),
}

fn summarize(errors: &[FieldError]) -> String {
    match errors {
        [] => "the input was rejected".to_string(),
        [one] => format!("{}: {}", one.path, one.message),
        [first, rest @ ..] => format!(
            "{}: {} (and {} more)",
            first.path,
            first.message,
            rest.len()
        ),
    }
}

impl ApiError {
    /// A single-field validation error.
    pub fn invalid(path: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::Invalid(vec![FieldError {
            path: path.into(),
            message: message.into(),
        }])
    }

    /// The message for `path`, if this is a validation error about that field.
    pub fn field(&self, path: &str) -> Option<&str> {
        match self {
            ApiError::Invalid(list) => list
                .iter()
                .find(|f| f.path == path)
                .map(|f| f.message.as_str()),
            _ => None,
        }
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Transport(value.to_string())
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        tracing::error!("database error: {e}");
        ApiError::Internal("database error".into())
    }
}

#[cfg(feature = "ssr")]
impl From<crate::server::store::StoreError> for ApiError {
    fn from(e: crate::server::store::StoreError) -> Self {
        tracing::error!("store error: {e}");
        ApiError::Internal("database error".into())
    }
}
