//! Times as people read them, always with their zone and how long ago: the server writes UTC
//! into a `<time>` element, and `public/local-time.js` rewrites its text into the browser's
//! own zone, named (for server-rendered pages and islands alike); UTC stays on hover (`title`)
//! and in `datetime`. Filters read typed times in the zone the page shows (see History).

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

/// How far `then` is from `now`, as people say it: "just now", "3 min ago", "in 2 h", "5 d ago".
pub fn relative(then: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    let secs = (now - then).num_seconds();
    let (future, s) = (secs < 0, secs.abs());
    if s < 45 {
        return if future {
            "in a few seconds"
        } else {
            "just now"
        }
        .into();
    }
    let amount = if s < 3600 {
        format!("{} min", (s + 30) / 60)
    } else if s < 86_400 {
        format!("{} h", (s + 1800) / 3600)
    } else {
        format!("{} d", (s + 43_200) / 86_400)
    };
    if future {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

/// A `<time>` element: UTC and how long ago as rendered by the server ("2026-11-27 14:05:42
/// UTC · 3 min ago"), the browser's zone once `local-time.js` has run, UTC on hover.
#[component]
pub fn Time(#[prop(into)] iso: String) -> impl IntoView {
    let utc = utc_text(&iso);
    let title = utc.clone();
    // Only the server knows "now" when it renders; in the browser the script writes it.
    #[cfg(feature = "ssr")]
    let text = match chrono::DateTime::parse_from_rfc3339(&iso) {
        Ok(t) => format!(
            "{utc} · {}",
            relative(t.with_timezone(&chrono::Utc), chrono::Utc::now())
        ),
        Err(_) => utc,
    };
    #[cfg(not(feature = "ssr"))]
    let text = utc;
    view! { <time datetime=iso title=title>{text}</time> }
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

    #[test]
    fn relative_times() {
        use super::relative;
        let now: chrono::DateTime<chrono::Utc> = "2026-12-01T12:00:00Z".parse().expect("t");
        let at = |s: &str| s.parse::<chrono::DateTime<chrono::Utc>>().expect("t");
        assert_eq!(relative(at("2026-12-01T11:59:50Z"), now), "just now");
        assert_eq!(relative(at("2026-12-01T11:57:00Z"), now), "3 min ago");
        assert_eq!(relative(at("2026-12-01T09:00:00Z"), now), "3 h ago");
        assert_eq!(relative(at("2026-11-26T12:00:00Z"), now), "5 d ago");
        assert_eq!(relative(at("2026-12-01T12:30:00Z"), now), "in 30 min");
    }
}
