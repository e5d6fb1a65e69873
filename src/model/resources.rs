//! Per-instance CPU and memory reservations and limits as operators read and type them: cores
//! ("0.5", "500m") and memory with binary units ("512M", "1.5 GiB"; a bare number is MiB, as
//! `docker service update --reserve-memory` reads it). Parsing checks what a backend would
//! refuse later, so every mistake is reported beside its field before anything is sent.

use serde::{Deserialize, Serialize};

use super::error::FieldError;

const KIB: f64 = 1024.0;
const MIB: f64 = 1024.0 * KIB;
const GIB: f64 = 1024.0 * MIB;
const TIB: f64 = 1024.0 * GIB;

/// Most cores one instance may reserve or be limited to.
pub const MAX_CORES: f64 = 10_000.0;
/// Most memory one instance may reserve or be limited to (1 PiB).
pub const MAX_MEMORY: f64 = 1024.0 * TIB;
/// Smallest memory limit Docker accepts (6 MiB); below it containers cannot start.
pub const MIN_MEMORY_LIMIT: f64 = 6.0 * MIB;

/// Reservations (requests) and limits of one instance: cores and bytes; `None` = none set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Resources {
    pub cpu_request: Option<f64>,
    pub cpu_limit: Option<f64>,
    pub memory_request: Option<f64>,
    pub memory_limit: Option<f64>,
}

/// A workload's resources as the workload page shows them, read live from its backend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourcesView {
    pub workload_id: i64,
    pub backend: String,
    pub backend_kind: String,
    /// UTC, ISO-8601: when the backend was asked.
    pub observed_at: String,
    pub resources: Resources,
    /// [`Resources::fingerprint`] of what is shown, sent back with a change so a change made
    /// by someone else in between is not overwritten unseen.
    pub fingerprint: String,
    /// The container these resources are of (empty where instances are one container).
    #[serde(default)]
    pub container: String,
    /// Every container of an instance, in order, when it has named ones (Kubernetes pods);
    /// empty otherwise.
    #[serde(default)]
    pub containers: Vec<String>,
}

impl Resources {
    /// A stable text form of these values, for "did it change since I looked?" checks.
    pub fn fingerprint(&self) -> String {
        let f = |v: Option<f64>| v.map(|v| format!("{v:?}")).unwrap_or_else(|| "-".into());
        format!(
            "cpu:{}/{} mem:{}/{}",
            f(self.cpu_request),
            f(self.cpu_limit),
            f(self.memory_request),
            f(self.memory_limit)
        )
    }

    /// One line for messages: "CPU 0.5 / 1 cores, memory 256 MiB / 512 MiB (reservation /
    /// limit)".
    pub fn describe(&self) -> String {
        let cpu = |v: Option<f64>| v.map(format_cores).unwrap_or_else(|| "none".into());
        let mem = |v: Option<f64>| v.map(format_memory).unwrap_or_else(|| "none".into());
        format!(
            "CPU reservation {}, CPU limit {}, memory reservation {}, memory limit {}",
            cpu(self.cpu_request),
            cpu(self.cpu_limit),
            mem(self.memory_request),
            mem(self.memory_limit)
        )
    }
}

/// Reads the four form fields; every problem is reported with its field name.
pub fn parse_form(
    cpu_request: &str,
    cpu_limit: &str,
    memory_request: &str,
    memory_limit: &str,
) -> Result<Resources, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut keep = |field: &str, r: Result<Option<f64>, String>| match r {
        Ok(v) => v,
        Err(message) => {
            errors.push(FieldError {
                path: field.to_string(),
                message,
            });
            None
        }
    };
    let r = Resources {
        cpu_request: keep("cpu_request", parse_cores(cpu_request)),
        cpu_limit: keep("cpu_limit", parse_cores(cpu_limit)),
        memory_request: keep("memory_request", parse_memory(memory_request)),
        memory_limit: keep("memory_limit", parse_memory(memory_limit)),
    };
    if let Some(l) = r.memory_limit.filter(|l| *l < MIN_MEMORY_LIMIT) {
        errors.push(FieldError {
            path: "memory_limit".into(),
            message: format!(
                "{} is below Docker's smallest memory limit, 6 MiB; give at least 6M or leave it empty",
                format_memory(l)
            ),
        });
    }
    let below = |limit: Option<f64>, request: Option<f64>| match (limit, request) {
        (Some(l), Some(r)) => l < r,
        _ => false,
    };
    if below(r.cpu_limit, r.cpu_request) {
        errors.push(FieldError {
            path: "cpu_limit".into(),
            message: format!(
                "the limit ({} cores) is below the reservation ({} cores): raise the limit or lower the reservation",
                r.cpu_limit.map(format_cores).unwrap_or_default(),
                r.cpu_request.map(format_cores).unwrap_or_default()
            ),
        });
    }
    if below(r.memory_limit, r.memory_request) {
        errors.push(FieldError {
            path: "memory_limit".into(),
            message: format!(
                "the limit ({}) is below the reservation ({}): raise the limit or lower the reservation",
                r.memory_limit.map(format_memory).unwrap_or_default(),
                r.memory_request.map(format_memory).unwrap_or_default()
            ),
        });
    }
    if errors.is_empty() {
        Ok(r)
    } else {
        Err(errors)
    }
}

/// Cores from "0.5", "2" or "500m" (millicores); empty or zero means none.
pub fn parse_cores(input: &str) -> Result<Option<f64>, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let (number, scale) = match s.strip_suffix('m') {
        Some(n) => (n.trim(), 1000.0),
        None => (s, 1.0),
    };
    let v = number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| v / scale)
        .ok_or_else(|| {
            format!("`{s}` is not a number of cores: write e.g. 0.5 or 500m, or leave it empty for none")
        })?;
    if v < 0.0 {
        return Err(format!("{s} is negative: give 0 or more cores"));
    }
    if v == 0.0 {
        return Ok(None);
    }
    if v < 0.001 {
        return Err(format!(
            "{s} is below 0.001 cores (1m), the smallest amount Docker can apply"
        ));
    }
    if v > MAX_CORES {
        return Err(format!(
            "{s} cores is more than any node has (at most {MAX_CORES})"
        ));
    }
    Ok(Some(v))
}

/// Bytes from "512", "512M", "512 MiB", "1.5G", "2GiB", "64k" or "1048576B"; a bare number is
/// MiB; K, M, G and T are binary units (as Docker reads them); empty or zero means none.
pub fn parse_memory(input: &str) -> Result<Option<f64>, String> {
    let s = input.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let split = s.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let scale = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "m" | "mb" | "mi" | "mib" => MIB,
        "b" => 1.0,
        "k" | "kb" | "ki" | "kib" => KIB,
        "g" | "gb" | "gi" | "gib" => GIB,
        "t" | "tb" | "ti" | "tib" => TIB,
        other => {
            return Err(format!(
                "`{other}` is not a memory unit: use K, M, G or T (binary, e.g. 512M or 1.5G); a bare number is MiB"
            ))
        }
    };
    let v = number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map(|v| (v * scale).round())
        .ok_or_else(|| {
            format!("`{s}` is not an amount of memory: write e.g. 512M or 1.5G, or leave it empty for none")
        })?;
    if v < 0.0 {
        return Err(format!("{s} is negative: give 0 or more"));
    }
    if v == 0.0 {
        return Ok(None);
    }
    if v > MAX_MEMORY {
        return Err(format!("{s} is more than 1 PiB; check the unit"));
    }
    Ok(Some(v))
}

/// Cores as typed back into the form: "0.5", "2", "0.125" (to the nanocore Docker keeps).
pub fn format_cores(cores: f64) -> String {
    decimals(cores, 9)
}

fn decimals(v: f64, places: usize) -> String {
    let s = format!("{v:.places$}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Bytes in the largest binary unit that shows them exactly (to 3 decimals): "512 MiB",
/// "1.5 GiB", "1000000 B". Parsing the result gives the same number of bytes.
pub fn format_memory(bytes: f64) -> String {
    for (unit, size) in [("TiB", TIB), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)] {
        let v = bytes / size;
        if v >= 1.0 && ((v * 1000.0).round() / 1000.0 * size - bytes).abs() < 0.5 {
            return format!("{} {unit}", decimals(v, 3));
        }
    }
    format!("{bytes:.0} B")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cores_parse_from_decimals_and_millicores() {
        assert_eq!(parse_cores(""), Ok(None));
        assert_eq!(parse_cores(" 0 "), Ok(None));
        assert_eq!(parse_cores("0.5"), Ok(Some(0.5)));
        assert_eq!(parse_cores("250m"), Ok(Some(0.25)));
        assert!(parse_cores("-1").unwrap_err().contains("negative"));
        assert!(parse_cores("abc").unwrap_err().contains("not a number"));
        assert!(parse_cores("NaN").is_err());
        assert!(parse_cores("0.0001").unwrap_err().contains("0.001"));
        assert!(parse_cores("1e9").is_err());
    }

    #[test]
    fn memory_parses_binary_units_and_defaults_to_mib() {
        assert_eq!(parse_memory(""), Ok(None));
        assert_eq!(parse_memory("256"), Ok(Some(256.0 * MIB)));
        assert_eq!(parse_memory("256M"), Ok(Some(256.0 * MIB)));
        assert_eq!(parse_memory("1.5 GiB"), Ok(Some(1.5 * GIB)));
        assert_eq!(parse_memory("2g"), Ok(Some(2.0 * GIB)));
        assert_eq!(parse_memory("64k"), Ok(Some(64.0 * KIB)));
        assert_eq!(parse_memory("1000000B"), Ok(Some(1_000_000.0)));
        assert!(parse_memory("5 parsecs")
            .unwrap_err()
            .contains("not a memory unit"));
        assert!(parse_memory("-5M").unwrap_err().contains("negative"));
        assert!(parse_memory("2048T").unwrap_err().contains("PiB"));
    }

    #[test]
    fn formatting_round_trips() {
        for bytes in [
            256.0 * MIB,
            1.5 * GIB,
            1_000_000.0,
            6.0 * MIB,
            3.0 * TIB,
            1536.0,
        ] {
            let shown = format_memory(bytes);
            assert_eq!(parse_memory(&shown), Ok(Some(bytes)), "{shown}");
        }
        assert_eq!(format_memory(512.0 * MIB), "512 MiB");
        assert_eq!(format_memory(1.5 * GIB), "1.5 GiB");
        assert_eq!(format_cores(0.5), "0.5");
        assert_eq!(format_cores(2.0), "2");
    }

    #[test]
    fn the_form_checks_limits_against_reservations() {
        let ok = parse_form("0.5", "1", "256M", "512M").expect("valid");
        assert_eq!(ok.cpu_limit, Some(1.0));
        let errs = parse_form("1", "0.5", "512M", "256M").expect_err("limits below");
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["cpu_limit", "memory_limit"]);
        assert!(errs[0].message.contains("below the reservation"));
        let errs = parse_form("x", "", "", "4M").expect_err("bad cpu, tiny limit");
        let paths: Vec<&str> = errs.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["cpu_request", "memory_limit"]);
        assert_eq!(parse_form("", "", "", ""), Ok(Resources::default()));
    }
}
