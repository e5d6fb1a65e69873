//! Scaling decisions as stored and shown: what the controller decided, why, and what happened.

use serde::{Deserialize, Serialize};

/// One recorded decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct DecisionRow {
    pub id: i64,
    pub workload_id: i64,
    pub workload: String,
    /// UTC, ISO-8601.
    pub at: String,
    pub policy_version: Option<i64>,
    pub current_replicas: i64,
    pub desired_replicas: i64,
    /// "up", "down" or "none".
    pub direction: String,
    /// Reason code (HPA condition reasons and ebb's own).
    pub reason: String,
    pub sentence: String,
    /// intent, applied, failed, superseded, none, error.
    pub outcome: String,
    pub error: Option<String>,
    /// JSON: proposals, limits, bounds, next action, active schedules.
    pub detail: String,
}

/// The explanation stored with a decision (its `detail`), as far as pages show it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DecisionDetail {
    pub proposals: Vec<ebb_engine::Proposal>,
    pub limits: Vec<ebb_engine::Limit>,
    pub bounds: Option<ebb_engine::Bounds>,
    pub active_schedules: Vec<String>,
}

impl DecisionRow {
    /// The parsed explanation (empty when there is none).
    pub fn parsed_detail(&self) -> DecisionDetail {
        serde_json::from_str(&self.detail).unwrap_or_default()
    }

    /// Whether one of the decision's limits is rule `code` (as the store's filter reads it).
    pub fn names_rule(&self, code: &str) -> bool {
        self.parsed_detail()
            .limits
            .iter()
            .any(|l| l.rule.code() == code)
    }
}

/// Filters of the history page; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecisionFilter {
    pub workload_id: Option<i64>,
    pub direction: Option<String>,
    pub outcome: Option<String>,
    pub reason: Option<String>,
    /// A rule the decision's limits name (e.g. `forecast`: the forecast won or shortened the
    /// scale-down window).
    #[serde(default)]
    pub rule: Option<String>,
    /// ISO-8601 bounds.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Keyset paging: only rows with id below this.
    pub before_id: Option<i64>,
    pub limit: Option<u32>,
    /// Leave out holds (evaluations that changed nothing, outcome `none`): what the History
    /// page and the workload page show first, with holds one click away.
    #[serde(default)]
    pub hide_holds: bool,
}

/// Directions a decision can take, as the History filter names them.
pub const DIRECTIONS: &[&str] = &["up", "down", "none"];
/// Outcomes a decision can have, as the History filter names them.
pub const OUTCOMES: &[&str] = &["applied", "failed", "intent", "superseded", "none", "error"];
/// Rules a decision's limits can name, as the History filter names them (the engine's
/// `Rule::code`s; a test keeps them in step).
pub const RULES: &[&str] = &[
    "forecast",
    "tolerance",
    "stabilization",
    "rate_limit",
    "bounds",
    "schedule",
    "cooldown",
    "pause",
    "fallback",
    "headroom",
    "activation",
    "warmup",
    "override",
];

impl DecisionFilter {
    /// The filter the History page's query parameters (`workload`, `direction`, `outcome`,
    /// `reason`, `from`, `to`, `before`; `tz`, the UTC offset in minutes the times were typed
    /// in, default 0; `holds=1` to include holds, which are left out unless an outcome is
    /// chosen) describe, reading `limit` rows. Empty parameters match everything; a
    /// value that is not one of the field's values is an error naming the field, never
    /// silently ignored (a filter that is quietly dropped shows rows the reader did not ask
    /// for and believes are the answer).
    pub fn from_query(
        get: impl Fn(&str) -> Option<String>,
        limit: u32,
    ) -> Result<DecisionFilter, crate::model::error::FieldError> {
        use crate::model::error::FieldError;
        let field = |path: &str, message: String| FieldError {
            path: path.into(),
            message,
        };
        let get = |k: &str| {
            get(k)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let id = |k: &str, what: &str| -> Result<Option<i64>, FieldError> {
            get(k)
                .map(|v| {
                    v.parse::<i64>()
                        .ok()
                        .filter(|n| *n > 0)
                        .ok_or_else(|| field(k, format!("'{}' is not {what}", short(&v))))
                })
                .transpose()
        };
        let one_of = |k: &str, options: &[&str]| -> Result<Option<String>, FieldError> {
            get(k)
                .map(|v| {
                    if options.contains(&v.as_str()) {
                        Ok(v)
                    } else {
                        Err(field(
                            k,
                            format!("'{}' is not one of {}", short(&v), options.join(", ")),
                        ))
                    }
                })
                .transpose()
        };
        let tz_minutes = match get("tz") {
            None => 0,
            Some(v) => v
                .parse::<i32>()
                .ok()
                .filter(|m| (-14 * 60..=14 * 60).contains(m))
                .ok_or_else(|| {
                    field(
                        "tz",
                        format!(
                            "'{}' is not a UTC offset in minutes (-840 to 840)",
                            short(&v)
                        ),
                    )
                })?,
        };
        let time = |k: &str| -> Result<Option<String>, FieldError> {
            get(k)
                .map(|v| {
                    parse_filter_time(&v, tz_minutes).ok_or_else(|| {
                        field(
                            k,
                            format!(
                                "'{}' is not a time; use YYYY-MM-DDTHH:MM (or a full ISO-8601 time)",
                                short(&v)
                            ),
                        )
                    })
                })
                .transpose()
        };
        let reason = match get("reason") {
            Some(r) if r.len() > 64 || !r.chars().all(|c| c.is_ascii_alphanumeric()) => {
                return Err(field(
                    "reason",
                    format!(
                        "'{}' is not a reason code (letters and digits, e.g. ScaleUpLimit)",
                        short(&r)
                    ),
                ))
            }
            r => r,
        };
        let holds = match get("holds").as_deref() {
            None | Some("0") => false,
            Some("1" | "on" | "true") => true,
            Some(v) => return Err(field("holds", format!("'{}' is not 1 or 0", short(v)))),
        };
        let outcome = one_of("outcome", OUTCOMES)?;
        let filter = DecisionFilter {
            hide_holds: !holds && outcome.is_none(),
            workload_id: id("workload", "a workload id")?,
            direction: one_of("direction", DIRECTIONS)?,
            outcome,
            reason,
            rule: one_of("rule", RULES)?,
            from: time("from")?,
            to: time("to")?,
            before_id: id("before", "a decision id")?,
            limit: Some(limit),
        };
        if let (Some(from), Some(to)) = (&filter.from, &filter.to) {
            if to <= from {
                return Err(field(
                    "to",
                    "the end of the range must be after its start".into(),
                ));
            }
        }
        Ok(filter)
    }
}

impl DecisionFilter {
    /// The same filter checked as [`DecisionFilter::from_query`] checks the page's parameters
    /// (times rewritten to the store's form), for callers that send a filter directly; at most
    /// 1,000 rows a call.
    pub fn normalized(&self) -> Result<DecisionFilter, crate::model::error::FieldError> {
        let limit = self.limit.unwrap_or(100).clamp(1, 1000);
        DecisionFilter::from_query(
            |k| match k {
                "workload" => self.workload_id.map(|n| n.to_string()),
                "direction" => self.direction.clone(),
                "outcome" => self.outcome.clone(),
                "reason" => self.reason.clone(),
                "rule" => self.rule.clone(),
                "from" => self.from.clone(),
                "to" => self.to.clone(),
                "before" => self.before_id.map(|n| n.to_string()),
                "holds" => (!self.hide_holds).then(|| "1".to_string()),
                _ => None,
            },
            limit,
        )
    }
}

/// At most 40 characters of what someone typed, to quote in an error.
fn short(v: &str) -> String {
    let cut: String = v.chars().take(40).collect();
    if cut.len() < v.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// A filter time as the store writes times (UTC, milliseconds, `Z`): an ISO-8601 time with
/// its zone, or a zone-less `YYYY-MM-DDTHH:MM[:SS]` (what a `datetime-local` field sends)
/// read at `tz_minutes` east of UTC.
pub fn parse_filter_time(v: &str, tz_minutes: i32) -> Option<String> {
    use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};
    let utc = if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        t.with_timezone(&Utc)
    } else {
        let naive = NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S")
            .or_else(|_| NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M"))
            .ok()?;
        let t = naive.and_utc() - chrono::Duration::minutes(tz_minutes.into());
        t.with_timezone(&Utc)
    };
    Some(utc.to_rfc3339_opts(SecondsFormat::Millis, true))
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<DecisionFilter, String> {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        DecisionFilter::from_query(|k| map.get(k).cloned(), 100).map_err(|e| e.path)
    }

    #[test]
    fn good_filters_parse_and_times_become_utc() {
        let f = parse(&[
            ("workload", "3"),
            ("direction", "up"),
            ("outcome", "applied"),
            ("reason", "ScaleUpLimit"),
            ("from", "2026-12-01T00:35"),
            ("to", "2026-12-01T05:35:10Z"),
            ("before", ""),
        ])
        .expect("valid");
        assert_eq!(f.workload_id, Some(3));
        assert_eq!(f.from.as_deref(), Some("2026-12-01T00:35:00.000Z"));
        assert_eq!(f.to.as_deref(), Some("2026-12-01T05:35:10.000Z"));
        let ny = parse(&[("from", "2026-12-01T00:35"), ("tz", "-300")]).expect("valid");
        assert_eq!(ny.from.as_deref(), Some("2026-12-01T05:35:00.000Z"));
        assert_eq!(
            parse(&[]).expect("empty"),
            DecisionFilter {
                limit: Some(100),
                hide_holds: true,
                ..Default::default()
            }
        );
        assert!(!parse(&[("holds", "1")]).expect("holds").hide_holds);
        assert!(!parse(&[("outcome", "none")]).expect("outcome").hide_holds);
    }

    #[test]
    fn rule_filter_names_every_engine_rule() {
        use ebb_engine::Rule;
        // A new rule fails this match until RULES offers it.
        let listed = |r: Rule| match r {
            Rule::Tolerance
            | Rule::Stabilization
            | Rule::RateLimit
            | Rule::Bounds
            | Rule::Schedule
            | Rule::Cooldown
            | Rule::Pause
            | Rule::Fallback
            | Rule::Headroom
            | Rule::Activation
            | Rule::Warmup
            | Rule::Override
            | Rule::Forecast => RULES.contains(&r.code()),
        };
        for code in RULES {
            let r: Rule = serde_json::from_value(serde_json::json!(code)).expect("a rule");
            assert!(listed(r), "{code}");
        }
        assert_eq!(RULES.len(), 13);
        let f = parse(&[("rule", "forecast")]).expect("valid");
        assert_eq!(f.rule.as_deref(), Some("forecast"));
    }

    #[test]
    fn malformed_filters_name_their_field() {
        let cases: &[(&str, &str)] = &[
            ("workload", "abc"),
            ("workload", "-1"),
            ("direction", "sideways"),
            ("outcome", "maybe"),
            ("reason", "<script>"),
            ("from", "yesterday"),
            ("to", "2026-13-01T00:00"),
            ("before", "1e3"),
            ("tz", "9999"),
            ("holds", "maybe"),
            ("rule", "forecasts"),
        ];
        for (k, v) in cases {
            assert_eq!(parse(&[(k, v)]).err().as_deref(), Some(*k), "{k}={v}");
        }
        assert_eq!(
            parse(&[("from", "2026-12-02T00:00"), ("to", "2026-12-01T00:00")])
                .err()
                .as_deref(),
            Some("to")
        );
    }
}
