//! Downloads of the decision history: `GET /history/export.csv` and `/history/export.json`
//! with the History page's filters as query parameters (`workload`, `direction`, `outcome`,
//! `reason`, `from`, `to`), every matching row, newest first.
//!
//! Rows are streamed in keyset pages of [`PAGE`] (ids below the last one sent), so memory stays
//! bounded whatever the history holds and no single query holds the database for long; rows
//! recorded while a download runs have higher ids and are not in it. CSV text cells are
//! neutralised against spreadsheet formulas (see [`cell`]).

use axum::body::Body;
use axum::extract::{Query, State};
use std::collections::HashMap;

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::Stream;

use crate::model::decision::{DecisionFilter, DecisionRow};
use crate::server::state::AppState;
use crate::server::store::Store;

/// Rows per database read while streaming.
pub const PAGE: u32 = 1000;

/// The CSV header line.
pub const CSV_HEADER: &str =
    "id,at,workload,current_replicas,desired_replicas,direction,reason,outcome,sentence,error\n";

/// The store filter the History page's query parameters describe (`workload`, `direction`,
/// `outcome`, `reason`, `from`, `to`, `tz`), reading [`PAGE`] rows at a time; a malformed one
/// is answered with 400 naming the parameter, never ignored.
fn filter_of(query: &HashMap<String, String>) -> Result<DecisionFilter, Box<Response>> {
    let mut filter = DecisionFilter::from_query(|k| query.get(k).cloned(), PAGE).map_err(|e| {
        let text = format!("filter '{}': {}\n", e.path, e.message);
        Box::new((StatusCode::BAD_REQUEST, text).into_response())
    })?;
    // An export starts at the newest row, whatever page the History view was on.
    filter.before_id = None;
    Ok(filter)
}

/// CSV export.
pub async fn csv(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pages = match filter_of(&q) {
        Ok(filter) => pages(state.store().clone(), filter),
        Err(res) => return *res,
    };
    let body = async_stream::stream! {
        yield Ok::<String, std::io::Error>(CSV_HEADER.to_string());
        for await page in pages {
            yield page.map(|rows| rows.iter().map(csv_line).collect());
        }
    };
    download("text/csv; charset=utf-8", "decisions.csv", body)
}

/// JSON export (an array of decisions, explanations included).
pub async fn json(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let pages = match filter_of(&q) {
        Ok(filter) => pages(state.store().clone(), filter),
        Err(res) => return *res,
    };
    let body = async_stream::stream! {
        yield Ok::<String, std::io::Error>("[".to_string());
        let mut first = true;
        for await page in pages {
            let rows = match page {
                Ok(rows) => rows,
                Err(e) => { yield Err(e); return; }
            };
            let mut chunk = String::new();
            for r in &rows {
                if !std::mem::take(&mut first) {
                    chunk.push(',');
                }
                match serde_json::to_string(r) {
                    Ok(text) => chunk.push_str(&text),
                    Err(e) => { yield Err(std::io::Error::other(e)); return; }
                }
            }
            yield Ok(chunk);
        }
        yield Ok("]\n".to_string());
    };
    download("application/json", "decisions.json", body)
}

/// Every row matching `filter`, newest first, one page of `filter.limit` rows at a time. A
/// database failure ends the stream with an error, which aborts the download (the client sees
/// a broken transfer, never a file that looks complete).
pub fn pages(
    store: Store,
    mut filter: DecisionFilter,
) -> impl Stream<Item = Result<Vec<DecisionRow>, std::io::Error>> {
    async_stream::stream! {
        loop {
            match store.decisions(&filter).await {
                Ok(rows) => {
                    let Some(last) = rows.last().map(|r| r.id) else { break };
                    let full = rows.len() as u32 >= filter.limit.unwrap_or(PAGE);
                    yield Ok(rows);
                    if !full {
                        break;
                    }
                    filter.before_id = Some(last);
                }
                Err(e) => {
                    tracing::error!("export failed: {e}");
                    yield Err(std::io::Error::other("export failed; see the server log"));
                    break;
                }
            }
        }
    }
}

fn download(
    kind: &'static str,
    name: &str,
    body: impl Stream<Item = Result<String, std::io::Error>> + Send + 'static,
) -> Response {
    let disposition = format!("attachment; filename=\"{name}\"");
    (
        [
            (header::CONTENT_TYPE, kind.to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// One RFC 4180 CSV line: numbers as numbers, every text column through [`cell`].
fn csv_line(r: &DecisionRow) -> String {
    let fields = [
        r.id.to_string(),
        cell(&r.at),
        cell(&r.workload),
        r.current_replicas.to_string(),
        r.desired_replicas.to_string(),
        cell(&r.direction),
        cell(&r.reason),
        cell(&r.outcome),
        cell(&r.sentence),
        cell(r.error.as_deref().unwrap_or_default()),
    ];
    let mut line = fields.join(",");
    line.push('\n');
    line
}

/// A text cell: a leading `= + - @`, tab or carriage return would make a spreadsheet read the
/// cell as a formula (`=HYPERLINK(…)` in a workload name or a sentence), so such a cell gets a
/// leading apostrophe, which spreadsheets show as text; then RFC 4180 quoting.
pub fn cell(text: &str) -> String {
    let formula = text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = if formula {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn csv_cells() {
        let cases = [
            ("plain", "plain"),
            ("a, b", "\"a, b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            (
                "=HYPERLINK(\"http://evil\")",
                "\"'=HYPERLINK(\"\"http://evil\"\")\"",
            ),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "\"'\rx\""),
            ("a=b", "a=b"),
            ("", ""),
        ];
        for (input, want) in cases {
            assert_eq!(cell(input), want, "{input:?}");
        }
    }
}
