//! Numeric helpers that never panic: milli-unit conversion (as Kubernetes quantities) and
//! saturating float-to-count conversion.

/// A usable metric value: finite and not negative. Anything else counts as missing.
pub(crate) fn usable(v: f64) -> Option<f64> {
    (v.is_finite() && v >= 0.0).then_some(v)
}

/// Milli-units of a usable value (Kubernetes `MilliValue`), saturating.
pub(crate) fn milli(v: f64) -> Option<i128> {
    // Round half up through i64 (`v` is not negative): far cheaper than `round()` and a
    // float-to-i128 conversion, and 9.2e15 units is plenty.
    usable(v).map(|v| i128::from((v * 1000.0 + 0.5) as i64))
}

/// Displays a finite number with `decimals` (≤ 3) places using integer formatting, which is
/// much cheaper than float formatting on the hot path.
pub(crate) struct Fixed(pub f64, pub u32);

impl std::fmt::Display for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let Fixed(x, d) = *self;
        let d = d.min(3);
        let scale = 10i64.pow(d);
        if !x.is_finite() || x.abs() > 1e15 {
            return write!(f, "{x}");
        }
        let n = (x * scale as f64).round() as i64;
        let sign = if n < 0 { "-" } else { "" };
        let (int, frac) = (n.abs() / scale, n.abs() % scale);
        if d == 0 || frac == 0 {
            write!(f, "{sign}{int}")
        } else {
            write!(f, "{sign}{int}.{frac:0w$}", w = d as usize)
        }
    }
}

/// `ceil(x)` as a replica count: NaN and negatives give 0, huge values saturate.
pub(crate) fn ceil_u32(x: f64) -> u32 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        x.ceil() as u32
    }
}

/// Converts an `i128` to `f64` (exact for realistic values).
pub(crate) fn f(x: i128) -> f64 {
    x as f64
}

/// Saturating `u32` from a `usize` count.
pub(crate) fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
