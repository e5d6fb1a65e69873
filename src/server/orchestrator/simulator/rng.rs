//! Seeded randomness that is portable and independent of call order: every random number is a
//! hash of (seed, stream, index), so a crash time or noise value does not depend on how often
//! the model was stepped or what else was drawn before it.

/// SplitMix64 finalizer: a well-mixed 64-bit hash of `x`.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Independent random streams of one workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stream {
    Noise = 1,
    Crash = 2,
    Outage = 3,
    Unreachable = 4,
    Startup = 5,
}

/// A uniform number in (0, 1] for `(seed, stream, index)`.
pub(crate) fn uniform(seed: u64, stream: Stream, index: u64) -> f64 {
    let h = mix(mix(seed ^ mix(stream as u64)) ^ index);
    ((h >> 11) + 1) as f64 / (1u64 << 53) as f64
}

/// Seconds until the next event of a Poisson process with `rate_per_hour`; `None` when the
/// rate is zero (or not a positive number).
pub(crate) fn exp_secs(rate_per_hour: f64, u: f64) -> Option<f64> {
    if rate_per_hour.is_finite() && rate_per_hour > 0.0 {
        Some(-u.ln() * 3600.0 / rate_per_hour)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_is_in_range_and_repeatable() {
        for i in 0..1000 {
            let u = uniform(42, Stream::Crash, i);
            assert!(u > 0.0 && u <= 1.0);
            assert_eq!(u, uniform(42, Stream::Crash, i));
        }
        assert_ne!(uniform(42, Stream::Crash, 0), uniform(42, Stream::Noise, 0));
        assert_ne!(uniform(42, Stream::Crash, 0), uniform(43, Stream::Crash, 0));
    }

    #[test]
    fn exponential_mean_is_close() {
        let n = 20_000;
        let sum: f64 = (0..n)
            .filter_map(|i| exp_secs(2.0, uniform(1, Stream::Crash, i)))
            .sum();
        let mean = sum / n as f64;
        assert!((mean - 1800.0).abs() < 60.0, "{mean}");
        assert_eq!(exp_secs(0.0, 0.5), None);
    }
}
