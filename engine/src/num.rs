//! Numeric helpers that never panic: milli-unit conversion (as Kubernetes quantities),
//! saturating float-to-count conversion (counts are Kubernetes int32s) and instant text.

use chrono::{DateTime, Utc};

/// The largest replica count: Kubernetes counts are int32, so proposals saturate here.
pub const MAX_REPLICAS: u32 = i32::MAX as u32;

/// `n` capped at [`MAX_REPLICAS`].
pub(crate) fn replicas(n: u32) -> u32 {
    n.min(MAX_REPLICAS)
}

/// An instant as explanations print it: `2026-11-27 18:09:26 UTC` (second precision; the
/// exact instant is in the decision's data).
pub(crate) fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

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

impl Fixed {
    /// Sign, integer part, fractional digits and their count; `None` for non-finite or huge
    /// values, which fall back to float formatting.
    fn parts(&self) -> Option<(bool, u64, u64, u32)> {
        let Fixed(x, d) = *self;
        let d = d.min(3);
        let scale = 10i64.pow(d);
        if !x.is_finite() || x.abs() > 1e15 {
            return None;
        }
        let n = (x * scale as f64).round() as i64;
        let (int, frac) = (
            n.unsigned_abs() / scale as u64,
            n.unsigned_abs() % scale as u64,
        );
        Some((n < 0, int, frac, d))
    }

    /// Appends the same text as `Display` to `out`, without the formatting machinery.
    pub(crate) fn push_to(&self, out: &mut String) {
        let Some((neg, int, frac, d)) = self.parts() else {
            out.push_str(&self.0.to_string());
            return;
        };
        if neg {
            out.push('-');
        }
        push_int(out, int);
        if d > 0 && frac != 0 {
            out.push('.');
            let mut div = 10u64.pow(d - 1);
            while div > 0 {
                out.push(digit(frac / div));
                div /= 10;
            }
        }
    }
}

impl std::fmt::Display for Fixed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::with_capacity(24);
        self.push_to(&mut s);
        f.write_str(&s)
    }
}

/// Appends the decimal digits of `n`: the hot paths build their text with this and
/// `push_str` instead of `format!`, which costs several times more.
pub(crate) fn push_int(out: &mut String, n: u64) {
    if n < 10 {
        out.push(digit(n));
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    while n > 0 {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    // Only ASCII digits were written, so this never fails.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Cheap text building for details and sentences: appends without `format!`.
pub(crate) trait Text {
    /// Appends a string.
    fn s(&mut self, s: &str) -> &mut Self;
    /// Appends an unsigned integer.
    fn n(&mut self, n: impl Into<u64>) -> &mut Self;
    /// Appends a signed integer.
    fn i(&mut self, n: i64) -> &mut Self;
    /// Appends `Fixed(x, decimals)`.
    fn fixed(&mut self, x: f64, decimals: u32) -> &mut Self;
}

impl Text for String {
    fn s(&mut self, s: &str) -> &mut Self {
        self.push_str(s);
        self
    }

    fn n(&mut self, n: impl Into<u64>) -> &mut Self {
        push_int(self, n.into());
        self
    }

    fn i(&mut self, n: i64) -> &mut Self {
        if n < 0 {
            self.push('-');
        }
        push_int(self, n.unsigned_abs());
        self
    }

    fn fixed(&mut self, x: f64, decimals: u32) -> &mut Self {
        Fixed(x, decimals).push_to(self);
        self
    }
}

/// The last decimal digit of `n`.
fn digit(n: u64) -> char {
    char::from(b'0' + (n % 10) as u8)
}

/// `ceil(x)` as a replica count: NaN and negatives give 0, huge values saturate at
/// [`MAX_REPLICAS`] (HPA caps a proposal at the int32 maximum).
pub(crate) fn ceil_u32(x: f64) -> u32 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= f64::from(MAX_REPLICAS) {
        MAX_REPLICAS
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

#[cfg(test)]
mod tests {
    use super::{push_int, Fixed};

    /// The old `format!`-based rendering, kept as the reference.
    fn reference(x: f64, d: u32) -> String {
        let d = d.min(3);
        let scale = 10i64.pow(d);
        if !x.is_finite() || x.abs() > 1e15 {
            return format!("{x}");
        }
        let n = (x * scale as f64).round() as i64;
        let sign = if n < 0 { "-" } else { "" };
        let (int, frac) = (n.abs() / scale, n.abs() % scale);
        if d == 0 || frac == 0 {
            format!("{sign}{int}")
        } else {
            format!("{sign}{int}.{frac:0w$}", w = d as usize)
        }
    }

    #[test]
    fn fixed_matches_the_format_rendering() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.0004,
            -0.0004,
            0.0005,
            -0.0005,
            1.0,
            0.1,
            0.01,
            0.001,
            1.5,
            1.05,
            1.005,
            99.999,
            99.9999,
            -2.5,
            1e15,
            -1e15,
            1.1e15,
            123456.789,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
        ];
        let mut v = 0.000_123_f64;
        while v < 1e16 {
            xs.push(v);
            xs.push(-v);
            v *= 1.37;
        }
        for x in xs {
            for d in 0..5 {
                let mut s = String::new();
                Fixed(x, d).push_to(&mut s);
                assert_eq!(s, reference(x, d), "{x} with {d} places");
                assert_eq!(Fixed(x, d).to_string(), reference(x, d));
            }
        }
    }

    #[test]
    fn push_int_matches_display() {
        for n in [0, 1, 9, 10, 99, 100, 4_294_967_295, u64::MAX] {
            let mut s = String::from("x");
            push_int(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }
}
