//! Downloads of the decision history: `GET /history/export.csv` and `/history/export.json`
//! with the History page's filters as query parameters (`workload`, `direction`, `outcome`,
//! `reason`, `from`, `to`), up to 100,000 rows, newest first.

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::model::decision::{DecisionFilter, DecisionRow};
use crate::server::state::AppState;

/// Rows at most per export.
const MAX_ROWS: u32 = 100_000;

/// Query parameters shared with the History page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ExportQuery {
    pub workload: Option<String>,
    pub direction: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl ExportQuery {
    /// The store filter these parameters describe.
    pub fn filter(&self, limit: u32) -> DecisionFilter {
        let non_empty = |s: &Option<String>| s.clone().filter(|s| !s.trim().is_empty());
        DecisionFilter {
            workload_id: self.workload.as_deref().and_then(|w| w.parse().ok()),
            direction: non_empty(&self.direction),
            outcome: non_empty(&self.outcome),
            reason: non_empty(&self.reason),
            from: non_empty(&self.from),
            to: non_empty(&self.to),
            before_id: None,
            limit: Some(limit),
        }
    }
}

/// CSV export.
pub async fn csv(State(state): State<AppState>, Query(q): Query<ExportQuery>) -> Response {
    match state.store().decisions(&q.filter(MAX_ROWS)).await {
        Ok(rows) => download("text/csv; charset=utf-8", "decisions.csv", to_csv(&rows)),
        Err(e) => failed(e),
    }
}

/// JSON export (an array of decisions, explanations included).
pub async fn json(State(state): State<AppState>, Query(q): Query<ExportQuery>) -> Response {
    match state.store().decisions(&q.filter(MAX_ROWS)).await {
        Ok(rows) => match serde_json::to_string(&rows) {
            Ok(body) => download("application/json", "decisions.json", body),
            Err(e) => failed(e),
        },
        Err(e) => failed(e),
    }
}

fn download(kind: &'static str, name: &str, body: String) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

fn failed(e: impl std::fmt::Display) -> Response {
    tracing::error!("export failed: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "export failed; see the server log\n",
    )
        .into_response()
}

/// RFC 4180 CSV of `rows` with a header line.
pub fn to_csv(rows: &[DecisionRow]) -> String {
    let mut out = String::from(
        "id,at,workload,current_replicas,desired_replicas,direction,reason,outcome,sentence,error\n",
    );
    for r in rows {
        let fields = [
            r.id.to_string(),
            r.at.clone(),
            r.workload.clone(),
            r.current_replicas.to_string(),
            r.desired_replicas.to_string(),
            r.direction.clone(),
            r.reason.clone(),
            r.outcome.clone(),
            r.sentence.clone(),
            r.error.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| quote(f)).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn quote(field: &str) -> String {
    if field.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn csv_quoting() {
        assert_eq!(quote("plain"), "plain");
        assert_eq!(quote("a, b"), "\"a, b\"");
        assert_eq!(quote("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(quote("two\nlines"), "\"two\nlines\"");
    }
}
