//! The policy editor's flat form and its conversion to and from an engine [`Policy`], shared by
//! the browser (live validation, adding and removing rows) and the server (saving, and the same
//! steps for forms posted with JavaScript off).
//!
//! A form is a map of field names to text, exactly as an HTML form posts it:
//! `min_replicas`, `metrics[0][target_value]`, `behavior[scale_up][policies][1][period_secs]`.
//! Rows are numbered from 0; [`FormFields::to_policy`] reads them in index order, so gaps are
//! harmless. Empty fields mean the engine's default (HPA's, shown as placeholders). Errors carry
//! the engine's field paths (`metrics[0].target`), so one list serves parse errors, `validate`
//! and the server's own checks.
//!
//! Besides the policy the form carries `id`, `base_version`, `name`, `comment`, the submit
//! button's `op` and the what-if choices (`whatif[...]`); see the constants below.

mod emit;
mod limits;
mod ops;
mod parse;
#[cfg(test)]
mod tests;
mod tree;

use std::collections::BTreeMap;

use ebb_engine::Policy;
use serde::{Deserialize, Serialize};

use crate::model::error::FieldError;

pub use limits::{cap_errors, MAX_DRAFT_BYTES, MAX_FORM_BYTES, MAX_FORM_FIELDS, MAX_POST_BYTES};

/// Hidden field: the policy id (empty for a new policy).
pub const ID: &str = "id";
/// Hidden field: the version the edit started from (stale edits are refused).
pub const BASE_VERSION: &str = "base_version";
/// The policy's name (set once, at creation).
pub const NAME: &str = "name";
/// Why this version is saved (required on save).
pub const COMMENT: &str = "comment";
/// The submit button pressed: `save`, `check`, `preview`, `cancel_whatif`, `add:<list>` or
/// `remove:<list>:<i>`.
pub const OP: &str = "op";
/// What-if: `24h`, `7d` or `trace`.
pub const WHATIF_SOURCE: &str = "whatif[source]";
/// What-if: the workload whose recorded load is replayed.
pub const WHATIF_WORKLOAD: &str = "whatif[workload]";
/// What-if: the trace file (a name inside the server's traces folder).
pub const WHATIF_TRACE: &str = "whatif[trace]";
/// What-if: what the edited policy is compared with: `current` (the saved version, or the
/// workload's policy), `hpa` (the same metrics and bounds with HPA's defaults) or `both`.
pub const WHATIF_COMPARE: &str = "whatif[compare]";
/// What-if: the running job the Cancel button stops.
pub const WHATIF_JOB: &str = "whatif[job]";

/// A posted editor form: field name → text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "tree::Tree", into = "tree::Tree")]
pub struct FormFields(pub BTreeMap<String, String>);

/// What the editor knows about a form: the policy when it parses, every error (parse errors
/// and the engine's `validate`), and the engine's lints.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FormCheck {
    pub policy: Option<Policy>,
    pub errors: Vec<FieldError>,
    pub lints: Vec<FieldError>,
}

impl FormFields {
    /// The trimmed text of `key` ("" when absent).
    pub fn get(&self, key: &str) -> &str {
        self.0.get(key).map(|s| s.trim()).unwrap_or("")
    }

    /// Sets `key` to `value`.
    pub fn set(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// Builds a form from (name, value) pairs as a browser posts them (later values win).
    pub fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        FormFields(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }

    /// The form showing `policy` (with no name, comment or id).
    pub fn from_policy(policy: &Policy) -> Self {
        emit::emit(policy)
    }

    /// The policy this form describes, or every field that cannot be read.
    pub fn to_policy(&self) -> Result<Policy, Vec<FieldError>> {
        parse::parse(self)
    }

    /// The row indexes present under `list` (e.g. `metrics`, `step_rules[0][steps]`), sorted.
    pub fn rows(&self, list: &str) -> Vec<usize> {
        ops::rows(self, list)
    }

    /// Applies an `add:<list>` or `remove:<list>:<i>` operation; false for any other op.
    pub fn apply_op(&mut self, op: &str) -> bool {
        ops::apply(self, op)
    }

    /// Parses, validates and lints the policy part (name and comment are not checked here).
    pub fn check(&self) -> FormCheck {
        match self.to_policy() {
            Err(errors) => FormCheck {
                policy: None,
                errors,
                lints: Vec::new(),
            },
            Ok(policy) => {
                let errors = ebb_engine::validate(&policy)
                    .into_iter()
                    .map(from_engine)
                    .collect();
                let lints = ebb_engine::lint(&policy)
                    .into_iter()
                    .map(|l| FieldError {
                        path: l.path,
                        message: l.message,
                    })
                    .collect();
                FormCheck {
                    policy: Some(policy),
                    errors,
                    lints,
                }
            }
        }
    }

    /// Errors of the fields a save needs besides the policy: a name and a comment.
    pub fn save_errors(&self) -> Vec<FieldError> {
        let mut out = Vec::new();
        if self.get(NAME).is_empty() {
            out.push(err(NAME, "give the policy a name"));
        }
        out.extend(self.name_errors());
        if self.get(COMMENT).is_empty() {
            out.push(err(
                COMMENT,
                "say why you are saving this version (it goes into the audit trail)",
            ));
        }
        out
    }

    /// The name's error by the policy name rule ([`crate::model::names::policy`]), when a new
    /// policy is named (the name is set once: saving a version of an existing one keeps it).
    /// Checked as the user types and again by the server.
    pub fn name_errors(&self) -> Vec<FieldError> {
        let name = self.get(NAME);
        if name.is_empty() || !self.get(ID).is_empty() {
            return Vec::new();
        }
        crate::model::names::policy(name)
            .err()
            .map(|why| err(NAME, why))
            .into_iter()
            .collect()
    }

    /// The same fields without the submit button and the what-if job it acted on, for a form
    /// shown again.
    pub fn without_op(mut self) -> Self {
        self.0.remove(OP);
        self.0.remove(WHATIF_JOB);
        self
    }
}

/// Schedules whose zone is not in `known` (the server's zone names); names of the wrong shape
/// are left to the engine's own error. Needed where the engine was built without zone tables
/// (the browser), which checks just the name's shape.
pub fn zone_errors(policy: &Policy, known: &[String]) -> Vec<FieldError> {
    if known.is_empty() {
        return Vec::new();
    }
    policy
        .schedules
        .iter()
        .enumerate()
        .filter(|(_, s)| !known.contains(&s.timezone))
        .filter(|(_, s)| ebb_engine::schedule::well_formed_zone(&s.timezone))
        .map(|(i, s)| {
            err(
                format!("schedules[{i}].timezone"),
                ebb_engine::schedule::unknown_zone(&s.timezone),
            )
        })
        .collect()
}

/// A model field error from an engine one.
pub fn from_engine(e: ebb_engine::FieldError) -> FieldError {
    FieldError {
        path: e.path,
        message: e.message,
    }
}

pub(crate) fn err(path: impl Into<String>, message: impl Into<String>) -> FieldError {
    FieldError {
        path: path.into(),
        message: message.into(),
    }
}

/// Form key of an engine path: `behavior.scale_up.policies[0].value` →
/// `behavior[scale_up][policies][0][value]`.
pub fn key_of(path: &str) -> String {
    let mut out = String::new();
    for (i, part) in path.split('.').enumerate() {
        let (head, rest) = match part.find('[') {
            Some(p) => (&part[..p], &part[p..]),
            None => (part, ""),
        };
        if i == 0 {
            out.push_str(head);
        } else {
            out.push('[');
            out.push_str(head);
            out.push(']');
        }
        out.push_str(rest);
    }
    out
}
