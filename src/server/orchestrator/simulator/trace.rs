//! Recorded load traces: parsing the CSV `timestamp,value` format of `../shared/traces`
//! (errors name the file and line) and looking a value up at an offset, sample-and-hold,
//! looping at the end.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::error::SimError;

/// A parsed trace: strictly increasing timestamps with non-negative values.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceData {
    /// File path or "in-memory series", for messages.
    pub name: String,
    start: DateTime<Utc>,
    /// Seconds since `start` of each point.
    offsets: Vec<f64>,
    values: Vec<f64>,
    /// Length of one pass: last offset plus the typical sampling step.
    span_secs: f64,
}

impl TraceData {
    /// Reads and parses a CSV trace file.
    pub fn load(path: &Path) -> Result<TraceData, SimError> {
        let text = std::fs::read_to_string(path).map_err(|e| SimError::TraceUnreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        TraceData::parse(path, &text)
    }

    /// Parses CSV text; `path` is only used in messages.
    pub fn parse(path: &Path, text: &str) -> Result<TraceData, SimError> {
        let mut points = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || (i == 0 && line.to_ascii_lowercase().starts_with("timestamp")) {
                continue;
            }
            let err = |reason: String| SimError::TraceLine {
                path: path.to_path_buf(),
                line: i + 1,
                reason,
            };
            let point = parse_line(line).map_err(err)?;
            if let Some(&(prev, _)) = points.last() {
                if point.0 <= prev {
                    return Err(err(format!(
                        "timestamp {} is not after the previous one ({prev}); rows must be sorted by time",
                        point.0.format("%Y-%m-%dT%H:%M:%SZ")
                    )));
                }
            }
            points.push(point);
        }
        TraceData::from_points(path.display().to_string(), &points)
    }

    /// Builds a trace from in-memory points (sorted here; duplicate times keep the last value).
    pub fn from_points(
        name: String,
        points: &[(DateTime<Utc>, f64)],
    ) -> Result<TraceData, SimError> {
        let mut pts: Vec<(DateTime<Utc>, f64)> = points
            .iter()
            .copied()
            .filter(|(_, v)| v.is_finite() && *v >= 0.0)
            .collect();
        pts.sort_by_key(|p| p.0);
        pts.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                earlier.1 = later.1;
            }
            same
        });
        let Some(&(start, _)) = pts.first() else {
            return Err(SimError::TraceEmpty { source_name: name });
        };
        let offsets: Vec<f64> = pts
            .iter()
            .map(|(t, _)| (*t - start).num_milliseconds() as f64 / 1000.0)
            .collect();
        let values = pts.iter().map(|p| p.1).collect();
        let span_secs = offsets.last().copied().unwrap_or(0.0) + typical_step(&offsets);
        Ok(TraceData {
            name,
            start,
            offsets,
            values,
            span_secs,
        })
    }

    /// Time of the first point.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// Seconds one pass lasts (the last point is held for one typical step).
    pub fn span_secs(&self) -> f64 {
        self.span_secs
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// True when there is no point (never, for a constructed trace).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Mean of the values.
    pub fn mean(&self) -> f64 {
        self.values.iter().sum::<f64>() / self.values.len().max(1) as f64
    }

    /// Largest value.
    pub fn max(&self) -> f64 {
        self.values.iter().copied().fold(0.0, f64::max)
    }

    /// The value in force `offset_secs` after the start, looping after [`Self::span_secs`].
    pub fn value_at(&self, offset_secs: f64) -> f64 {
        let pos = if self.span_secs > 0.0 {
            offset_secs.rem_euclid(self.span_secs)
        } else {
            0.0
        };
        let idx = self.offsets.partition_point(|&o| o <= pos);
        self.values[idx.saturating_sub(1).min(self.values.len() - 1)]
    }
}

fn parse_line(line: &str) -> Result<(DateTime<Utc>, f64), String> {
    let mut cols = line.split(',');
    let (Some(ts), Some(val), None) = (cols.next(), cols.next(), cols.next()) else {
        return Err(format!(
            "expected two columns `timestamp,value`, found `{line}`"
        ));
    };
    let t = DateTime::parse_from_rfc3339(ts.trim())
        .map_err(|e| {
            format!(
                "bad timestamp `{}` ({e}); expected e.g. 2014-02-14T14:27:00Z",
                ts.trim()
            )
        })?
        .with_timezone(&Utc);
    let v: f64 = val
        .trim()
        .parse()
        .map_err(|_| format!("bad value `{}`; expected a number such as 51.8", val.trim()))?;
    if !v.is_finite() || v < 0.0 {
        return Err(format!("value {v} is not a finite non-negative number"));
    }
    Ok((t, v))
}

/// The median gap between points (1 s for a single point).
fn typical_step(offsets: &[f64]) -> f64 {
    let mut gaps: Vec<f64> = offsets.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.is_empty() {
        return 1.0;
    }
    gaps.sort_by(f64::total_cmp);
    gaps[gaps.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<TraceData, SimError> {
        TraceData::parse(Path::new("t.csv"), text)
    }

    #[test]
    fn holds_values_and_loops_after_one_typical_step() {
        let t = parse("timestamp,value\n2024-01-01T00:00:00Z,1.0\n2024-01-01T00:05:00Z,2.0\n\n2024-01-01T00:10:00Z,3.0\n")
            .expect("parse");
        assert_eq!(
            (t.len(), t.span_secs(), t.mean(), t.max()),
            (3, 900.0, 2.0, 3.0)
        );
        let at = |s: f64| t.value_at(s);
        assert_eq!(
            [
                at(0.0),
                at(299.0),
                at(300.0),
                at(899.0),
                at(900.0),
                at(1200.0)
            ],
            [1.0, 1.0, 2.0, 3.0, 1.0, 2.0]
        );
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "timestamp,value\n2024-01-01T00:00:00Z,1.0,7\n",
                "t.csv:2: expected two columns",
            ),
            (
                "2024-01-01T00:00:00Z,1.0\nnonsense,2.0\n",
                "t.csv:2: bad timestamp `nonsense`",
            ),
            (
                "timestamp,value\n2024-01-01T00:00:00Z,NaN\n",
                "t.csv:2: value NaN",
            ),
            (
                "timestamp,value\n2024-01-01T00:00:00Z,1.0\n2024-01-01T00:00:00Z,1.0\n",
                "t.csv:3: timestamp",
            ),
            ("timestamp,value\n", "t.csv: the trace has no data points"),
        ];
        for (text, want) in cases {
            let err = parse(text).expect_err(want).to_string();
            assert!(err.starts_with(want), "{err}");
        }
    }

    #[test]
    fn in_memory_points_are_sorted_and_filtered() {
        let t0 = DateTime::<Utc>::UNIX_EPOCH;
        let pts = [
            (t0 + chrono::Duration::seconds(10), 5.0),
            (t0, 1.0),
            (t0, 2.0),
            (t0 + chrono::Duration::seconds(20), f64::NAN),
        ];
        let t = TraceData::from_points("mem".into(), &pts).expect("points");
        assert_eq!((t.len(), t.value_at(0.0), t.value_at(10.0)), (2, 2.0, 5.0));
        assert!(TraceData::from_points("mem".into(), &[]).is_err());
    }
}
