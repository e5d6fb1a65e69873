//! The editor form's server side: save (validate, then store a new version with its audit
//! entry), preview, row operations, rollback; and the redirects that make all of them work for
//! a plain form post (JavaScript off).

use chrono::Utc;
use leptos::prelude::*;

use super::draft::{editor_url, Draft};
use super::whatif;
use crate::model::policies::SubmitOutcome;
use crate::model::policy_form::{self as pf, FormFields};
use crate::model::ApiError;
use crate::server::store::policies::{Authorship, Saved};

pub async fn submit(mut form: FormFields) -> Result<SubmitOutcome, ApiError> {
    let too_big = form.size_errors();
    if !too_big.is_empty() {
        return Err(oversized(&form, too_big));
    }
    let op = form.get(pf::OP).to_string();
    // The what-if job the answer is about (a browser without JavaScript is sent to follow it).
    let mut job = None;
    let outcome = match op.as_str() {
        "save" => save(&form).await,
        "preview" => whatif::start(&form).await.map(|(id, state)| {
            job = Some(id);
            SubmitOutcome::Preview(Box::new(state))
        }),
        "cancel_whatif" => {
            let id = form.get(pf::WHATIF_JOB).to_string();
            let state = whatif::cancel(&id).await;
            job = Some(id);
            state.map(|s| SubmitOutcome::Preview(Box::new(s)))
        }
        test if test.starts_with("test_query:") => {
            if let Ok(row) = test["test_query:".len()..].parse::<usize>() {
                super::test_query::run(&mut form, row).await;
            }
            Ok(SubmitOutcome::Draft(form.clone().without_op()))
        }
        _ => {
            form.apply_op(&op);
            Ok(SubmitOutcome::Draft(form.clone().without_op()))
        }
    };
    if plain_form_post() {
        let back = match &outcome {
            Ok(SubmitOutcome::Saved { id, version }) => {
                Some(format!("/policies/{id}?saved={version}"))
            }
            Ok(SubmitOutcome::Unchanged { id, version }) => {
                Some(format!("/policies/{id}?unchanged={version}"))
            }
            Ok(SubmitOutcome::Draft(fields)) => {
                let errors = if op == "check" || op.is_empty() {
                    fields.check().errors
                } else {
                    Vec::new()
                };
                Some(editor_url(&Draft {
                    fields: fields.clone(),
                    errors,
                }))
            }
            Ok(SubmitOutcome::Preview(_)) => {
                let url = editor_url(&Draft {
                    fields: form.clone().without_op(),
                    errors: Vec::new(),
                });
                Some(with_job(url, job.as_deref()))
            }
            Err(ApiError::Invalid(errors)) => Some(editor_url(&Draft {
                fields: form.clone().without_op(),
                errors: errors.clone(),
            })),
            Err(_) => None,
        };
        if let Some(url) = back {
            leptos_axum::redirect(&url);
        }
    }
    outcome
}

/// `url` (an editor address) naming what-if job `job`, whose progress or result the page shows.
fn with_job(url: String, job: Option<&str>) -> String {
    match job {
        Some(id) => format!(
            "{url}&whatif={}",
            crate::model::templates::percent_encode(id)
        ),
        None => url,
    }
}

/// The error for a form larger than any policy; a plain form post goes back to the editor
/// with the message but without the fields (they would not fit in the address).
fn oversized(form: &FormFields, errors: Vec<crate::model::error::FieldError>) -> ApiError {
    if plain_form_post() {
        let fields = FormFields::from_pairs(
            [pf::ID, pf::BASE_VERSION, pf::NAME]
                .into_iter()
                .map(|k| (k, form.get(k).chars().take(200).collect::<String>())),
        );
        let draft = Draft {
            fields,
            errors: errors.clone(),
        };
        leptos_axum::redirect(&editor_url(&draft));
    }
    ApiError::Invalid(errors)
}

/// True for a browser's own form submission (JavaScript off), which wants a page back.
fn plain_form_post() -> bool {
    use_context::<axum::http::request::Parts>()
        .and_then(|p| {
            p.headers
                .get(axum::http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.contains("text/html"))
        })
        .unwrap_or(false)
}

async fn save(form: &FormFields) -> Result<SubmitOutcome, ApiError> {
    let state = crate::api::state()?;
    let mut errors = form.save_errors();
    let check = form.check_within(state.inner.max_replicas_cap);
    errors.extend(check.errors);
    let policy = match check.policy {
        Some(p) if errors.is_empty() => p,
        _ => return Err(ApiError::Invalid(errors)),
    };
    let store = state.store();
    let actor = crate::api::actor_with(crate::model::auth::Role::Editor)?;
    let who = Authorship {
        author: &actor,
        comment: form.get(pf::COMMENT),
        at: Utc::now(),
    };
    let id = parse_id(form.get(pf::ID), pf::ID)?;
    let Some(id) = id else {
        let name = form.get(pf::NAME);
        if store.policy_id_by_name(name).await?.is_some() {
            return Err(ApiError::invalid(
                pf::NAME,
                format!("a policy named '{name}' exists; choose another name"),
            ));
        }
        let id = store.create_policy(name, &policy, who).await?;
        return Ok(SubmitOutcome::Saved { id, version: 1 });
    };
    let expected = parse_id(form.get(pf::BASE_VERSION), pf::BASE_VERSION)?;
    match store.save_policy_version(id, &policy, who, expected).await? {
        Saved::Version(version) => Ok(SubmitOutcome::Saved { id, version }),
        Saved::Unchanged { current } => Ok(SubmitOutcome::Unchanged {
            id,
            version: current,
        }),
        Saved::Stale { current } => Err(ApiError::invalid(
            pf::BASE_VERSION,
            format!(
                "this policy changed while you edited it (now version {current}); open it again and redo your change"
            ),
        )),
        Saved::Missing => Err(ApiError::NotFound(format!("there is no policy {id}"))),
    }
}

fn parse_id(text: &str, path: &str) -> Result<Option<i64>, ApiError> {
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| ApiError::invalid(path, format!("'{text}' is not an id")))
}

pub async fn rollback(id: i64, version: i64, reason: String) -> Result<SubmitOutcome, ApiError> {
    if reason.trim().is_empty() {
        return Err(ApiError::invalid(
            "reason",
            "say why you roll back (it goes into the audit trail)",
        ));
    }
    let state = crate::api::state()?;
    let actor = crate::api::actor_with(crate::model::auth::Role::Editor)?;
    let old = state.store().policy_versions(id).await?;
    if let Some(v) = old.iter().find(|v| v.version == version) {
        let over = pf::cap_errors(&v.body, state.inner.max_replicas_cap);
        if let Some(e) = over.first() {
            return Err(ApiError::invalid(
                "version",
                format!("v{version} cannot be restored: {}", e.message),
            ));
        }
    }
    match state
        .store()
        .rollback_policy(id, version, &reason, &actor, Utc::now())
        .await?
    {
        Saved::Version(v) => {
            if plain_form_post() {
                leptos_axum::redirect(&format!("/policies/{id}?saved={v}"));
            }
            Ok(SubmitOutcome::Saved { id, version: v })
        }
        Saved::Unchanged { current } => {
            if plain_form_post() {
                leptos_axum::redirect(&format!("/policies/{id}?unchanged={current}"));
            }
            Ok(SubmitOutcome::Unchanged {
                id,
                version: current,
            })
        }
        Saved::Stale { current } => Err(ApiError::Conflict(format!(
            "policy {id} is now at version {current}"
        ))),
        Saved::Missing => Err(ApiError::NotFound(format!(
            "policy {id} has no version {version}"
        ))),
    }
}
