//! Kubernetes resource quantities (`250m`, `1.5`, `128Mi`, `12345n`, `1e3`) as numbers: CPU in
//! cores, memory in bytes. `None` for text that is not a quantity, never a guess.

/// The value of quantity `text` in base units (cores, bytes).
pub fn parse(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    const SUFFIXES: &[(&str, f64)] = &[
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("n", 1e-9),
        ("u", 1e-6),
        ("m", 1e-3),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    let (number, factor) = SUFFIXES
        .iter()
        .find_map(|(s, f)| t.strip_suffix(s).map(|n| (n, *f)))
        .unwrap_or((t, 1.0));
    // A bare `e`/`E` exponent is part of the number (`1e3`); `E` alone is exa (handled above
    // only when nothing numeric follows it).
    let value: f64 = number.parse().ok()?;
    let v = value * factor;
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// Cores as a quantity Kubernetes accepts (`500m`, `2`).
pub fn cores(v: f64) -> String {
    let milli = (v * 1000.0).round() as i64;
    if milli % 1000 == 0 {
        format!("{}", milli / 1000)
    } else {
        format!("{milli}m")
    }
}

/// Bytes as a quantity Kubernetes accepts (`256Mi`, `1Gi`, or plain bytes).
pub fn bytes(v: f64) -> String {
    let b = v.round() as i64;
    for (suffix, unit) in [("Gi", 1i64 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)] {
        if b >= unit && b % unit == 0 {
            return format!("{}{suffix}", b / unit);
        }
    }
    b.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        let cases: &[(&str, Option<f64>)] = &[
            ("250m", Some(0.25)),
            ("1", Some(1.0)),
            ("1.5", Some(1.5)),
            ("12345678n", Some(0.012345678)),
            ("128Mi", Some(134217728.0)),
            ("1Gi", Some(1073741824.0)),
            ("1000Ki", Some(1024000.0)),
            ("1e3", Some(1000.0)),
            ("2k", Some(2000.0)),
            ("", None),
            ("lots", None),
            ("-1", None),
        ];
        for (text, want) in cases {
            let got = parse(text);
            match (got, want) {
                (Some(g), Some(w)) => assert!((g - w).abs() < 1e-9 * w.max(1.0), "{text}: {g}"),
                (g, w) => assert_eq!(g, *w, "{text}"),
            }
        }
        assert_eq!(cores(0.5), "500m");
        assert_eq!(cores(2.0), "2");
        assert_eq!(bytes(268435456.0), "256Mi");
        assert_eq!(bytes(1073741824.0), "1Gi");
        assert_eq!(bytes(1000.0), "1000");
    }
}
