//! Time for the server side. Everything that needs "now" gets a [`Clock`], so controller and
//! simulator tests run on tokio's paused clock and replays run on a virtual one.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// Wall-clock time that follows tokio's clock: real time normally, and paused/advanced time
/// under `tokio::time::pause()` in tests. Anchored to the UTC time at creation.
pub struct TokioClock {
    base_utc: DateTime<Utc>,
    base: tokio::time::Instant,
}

impl TokioClock {
    /// A clock anchored at the current system time.
    pub fn new() -> TokioClock {
        TokioClock::starting_at(Utc::now())
    }

    /// A clock that reads `start` now and advances with tokio's clock.
    pub fn starting_at(start: DateTime<Utc>) -> TokioClock {
        TokioClock {
            base_utc: start,
            base: tokio::time::Instant::now(),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock::new()
    }
}

impl Clock for TokioClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now().duration_since(self.base);
        self.base_utc + chrono::Duration::from_std(elapsed).unwrap_or(chrono::Duration::zero())
    }
}

/// A clock that only moves when told to (replays, unit tests).
pub struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    /// A clock standing at `at`.
    pub fn new(at: DateTime<Utc>) -> ManualClock {
        ManualClock(Mutex::new(at))
    }

    /// Moves the clock to `at`.
    pub fn set(&self, at: DateTime<Utc>) {
        if let Ok(mut t) = self.0.lock() {
            *t = at;
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
            .lock()
            .map(|t| *t)
            .unwrap_or_else(|e| *e.into_inner())
    }
}
