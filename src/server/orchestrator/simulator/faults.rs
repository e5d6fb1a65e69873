//! Fault windows (metric outages, unreachable backend): a seeded Poisson sequence of windows
//! of fixed length, generated lazily as time moves forward, plus windows forced by hand for
//! tests and demos.

use super::rng::{exp_secs, uniform, Stream};

/// A sequence of `[start, end)` windows in seconds since the workload was added.
#[derive(Debug, Clone)]
pub(crate) struct Windows {
    rate_per_hour: f64,
    length: f64,
    seed: u64,
    stream: Stream,
    index: u64,
    /// The current or next random window, `None` when the rate is zero.
    next: Option<(f64, f64)>,
    /// A window forced by hand ends here.
    forced_until: f64,
}

impl Windows {
    /// Windows arriving at `rate_per_hour`, each `length_secs` long.
    pub(crate) fn new(rate_per_hour: f64, length_secs: u32, seed: u64, stream: Stream) -> Windows {
        let mut w = Windows {
            rate_per_hour,
            length: f64::from(length_secs),
            seed,
            stream,
            index: 0,
            next: None,
            forced_until: f64::NEG_INFINITY,
        };
        w.next = w.draw(0.0);
        w
    }

    fn draw(&mut self, after: f64) -> Option<(f64, f64)> {
        let gap = exp_secs(
            self.rate_per_hour,
            uniform(self.seed, self.stream, self.index),
        )?;
        self.index += 1;
        let start = after + gap;
        Some((start, start + self.length))
    }

    /// True when `now` lies inside a window. `now` must not go backwards between calls.
    pub(crate) fn active(&mut self, now: f64) -> bool {
        while let Some((_, end)) = self.next {
            if end > now {
                break;
            }
            self.next = self.draw(end);
        }
        let random = self
            .next
            .is_some_and(|(start, end)| start <= now && now < end);
        random || now < self.forced_until
    }

    /// Forces a window from now until `until`.
    pub(crate) fn force_until(&mut self, until: f64) {
        self.forced_until = self.forced_until.max(until);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rate_never_fires_and_forcing_works() {
        let mut w = Windows::new(0.0, 60, 1, Stream::Outage);
        assert!(!(0..10_000).any(|s| w.active(f64::from(s))));
        w.force_until(10_050.0);
        assert!(w.active(10_010.0));
        assert!(!w.active(10_050.0));
    }

    #[test]
    fn windows_have_their_length_and_roughly_their_rate() {
        let mut w = Windows::new(6.0, 60, 9, Stream::Outage);
        let hours = 200;
        let active = (0..hours * 3600)
            .filter(|&s| w.active(f64::from(s)))
            .count();
        // 6 windows/h of 60 s each ≈ 10 % of the time (Poisson gaps start after each end).
        let share = active as f64 / f64::from(hours * 3600);
        assert!((0.07..0.12).contains(&share), "{share}");
    }
}
