//! Times as people read them: the server writes UTC into a `<time>` element, and
//! `public/local-time.js` rewrites its text into the browser's own zone (for server-rendered
//! pages and islands alike); UTC stays on hover (`title`) and in `datetime`.

use leptos::prelude::*;

/// `2026-11-27T14:05:42.123Z` → `2026-11-27 14:05:42 UTC`; text that is not a time is kept.
pub fn utc_text(iso: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(iso) {
        Ok(t) => utc_of(t.with_timezone(&chrono::Utc)),
        Err(_) => iso.to_string(),
    }
}

/// An instant as `2026-11-27 14:05:42 UTC`. Written out rather than through `format`, which
/// would bring chrono's strftime parser into the browser bundle.
pub fn utc_of(t: chrono::DateTime<chrono::Utc>) -> String {
    use chrono::{Datelike, Timelike};
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A `<time>` element: UTC as rendered, local time once `local-time.js` has run, UTC on hover.
#[component]
pub fn Time(#[prop(into)] iso: String) -> impl IntoView {
    let utc = utc_text(&iso);
    let title = utc.clone();
    view! { <time datetime=iso title=title>{utc}</time> }
}

#[cfg(test)]
mod tests {
    use super::utc_text;

    #[test]
    fn utc_text_converts_offsets_and_keeps_garbage() {
        assert_eq!(
            utc_text("2026-11-27T14:05:42.123Z"),
            "2026-11-27 14:05:42 UTC"
        );
        assert_eq!(
            utc_text("2026-01-01T01:30:00+02:00"),
            "2025-12-31 23:30:00 UTC"
        );
        assert_eq!(utc_text("not a time"), "not a time");
    }
}
