//! The editor's data, and drafts: a form sent back to a browser without JavaScript travels in
//! the `draft` query parameter as JSON (fields and errors), so nothing typed is lost.

use ebb_engine::{MetricSpec, Policy};
use serde::{Deserialize, Serialize};

use super::whatif;
use crate::model::error::FieldError;
use crate::model::policies::{EditorData, VersionRow};
use crate::model::policy_diff::diff;
use crate::model::policy_form::{self as pf, FormFields};
use crate::model::templates::percent_encode as encode;
use crate::model::ApiError;

/// A form shown again, with its errors.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub fields: FormFields,
    pub errors: Vec<FieldError>,
}

/// The editor address showing `draft`.
pub fn editor_url(draft: &Draft) -> String {
    let page = match draft.fields.get(pf::ID) {
        "" => "new".to_string(),
        id => id.to_string(),
    };
    let json = serde_json::to_string(draft).unwrap_or_default();
    format!("/policies/{}?draft={}", encode(&page), encode(&json))
}

pub async fn editor_data(
    id: Option<i64>,
    draft: Option<&str>,
    job: Option<&str>,
) -> Result<EditorData, ApiError> {
    let state = crate::api::state()?;
    let store = state.store();
    let mut data = EditorData {
        id,
        name: String::new(),
        current_version: None,
        fields: FormFields::default(),
        errors: Vec::new(),
        lints: Vec::new(),
        versions: Vec::new(),
        used_by: Vec::new(),
        workloads: store.workload_refs().await?,
        traces: whatif::trace_names(),
        whatif: None,
        timezones: ebb_engine::schedule::zone_names()
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    if let Some(id) = id {
        let (name, current) = store
            .policy_head(id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("there is no policy {id}")))?;
        let stored = store.policy_versions(id).await?;
        let mut rows = Vec::with_capacity(stored.len());
        for (i, v) in stored.iter().enumerate() {
            let prev = i.checked_sub(1).map(|j| &stored[j].body);
            rows.push(VersionRow {
                version: v.version,
                author: v.author.clone(),
                comment: v.comment.clone(),
                at: v.at.clone(),
                body: v.body.clone(),
                changes: diff(prev, &v.body),
            });
        }
        rows.reverse();
        let body = stored
            .iter()
            .find(|v| v.version == current)
            .map(|v| v.body.clone())
            .unwrap_or_default();
        data.fields = FormFields::from_policy(&body);
        data.fields.set(pf::ID, id.to_string());
        data.fields.set(pf::BASE_VERSION, current.to_string());
        data.fields.set(pf::NAME, name.clone());
        data.name = name;
        data.current_version = Some(current);
        data.versions = rows;
        data.used_by = store.policy_workloads(id).await?;
    } else {
        let template = Policy {
            metrics: vec![MetricSpec::default()],
            ..Policy::default()
        };
        data.fields = FormFields::from_policy(&template);
    }
    default_whatif(&mut data);
    if let Some(text) = draft.filter(|t| !t.is_empty()) {
        let d = read_draft(text)?;
        data.fields = d.fields.without_op();
        data.errors = d.errors;
    }
    data.whatif = job.filter(|j| !j.is_empty()).map(whatif::state_of);
    data.lints = data.fields.check().lints;
    Ok(data)
}

/// A draft from the address, if it is no larger than any policy's form.
fn read_draft(text: &str) -> Result<Draft, ApiError> {
    if text.len() > pf::MAX_DRAFT_BYTES {
        return Err(ApiError::invalid(
            "draft",
            format!(
                "the returned form is larger than {} KiB, more than any policy needs; start again",
                pf::MAX_DRAFT_BYTES / 1024
            ),
        ));
    }
    let d: Draft = serde_json::from_str(text).map_err(|_| {
        ApiError::invalid("draft", "the returned form could not be read; start again")
    })?;
    let too_big = d.fields.size_errors();
    if !too_big.is_empty() {
        return Err(ApiError::Invalid(too_big));
    }
    Ok(d)
}

/// Preselects the what-if load: the last 24 h of the first workload using the policy (or of
/// any workload), else the first trace.
fn default_whatif(data: &mut EditorData) {
    let workload = data
        .used_by
        .first()
        .or(data.workloads.first())
        .map(|w| w.id);
    let f = &mut data.fields;
    match workload {
        Some(w) => {
            f.set(pf::WHATIF_SOURCE, "24h");
            f.set(pf::WHATIF_WORKLOAD, w.to_string());
        }
        None => f.set(pf::WHATIF_SOURCE, "trace"),
    }
    if let Some(t) = data.traces.first() {
        f.set(pf::WHATIF_TRACE, t.clone());
    }
}
