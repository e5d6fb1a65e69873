//! How times are written to and read from the store: UTC, ISO-8601 with milliseconds and `Z`,
//! so that text order is time order.

use chrono::{DateTime, SecondsFormat, Utc};

/// `2026-11-27T14:05:42.123Z`.
pub fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parses a stored time; `None` for text that is not one.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_order() {
        let a = parse("2026-11-27T14:05:42.123Z").expect("parse");
        assert_eq!(ts(a), "2026-11-27T14:05:42.123Z");
        let b = a + chrono::Duration::milliseconds(900);
        assert!(ts(a) < ts(b));
        assert_eq!(parse("yesterday"), None);
    }
}
