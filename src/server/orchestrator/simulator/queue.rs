//! The request queue in front of a simulated workload's ready instances, solved exactly over
//! one model step with constant arrival rate λ and service capacity μ: demand above capacity
//! waits, the queue holds at most `queue_secs` of current capacity and drops what arrives
//! beyond it, and work that waited longer than the latency SLO counts as late. First in, first
//! out: an arrival at time t waits Q(t)/μ.

/// What one step did to the queue (units are demand units and seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct QueueStep {
    /// Queue length at the end of the step.
    pub queue: f64,
    /// Work done by the ready instances (served now or from the queue).
    pub served: f64,
    /// Arrivals turned away (the queue was full) and work dropped when capacity shrank.
    pub dropped: f64,
    /// Arrivals admitted but served later than the SLO.
    pub late: f64,
    /// Seconds in which an arrival would be dropped or served late.
    pub violation_secs: f64,
}

/// Limits of the queue.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct QueueLimits {
    /// Longest wait the queue holds, in seconds of current capacity (0: no queue).
    pub queue_secs: f64,
    /// Queueing delay above which served work counts as late.
    pub slo_secs: f64,
}

/// Seconds of `[0, len]` in which `q0 + slope·t` is above `level`.
fn time_above(q0: f64, slope: f64, len: f64, level: f64) -> f64 {
    if len <= 0.0 {
        return 0.0;
    }
    if slope == 0.0 {
        return if q0 > level { len } else { 0.0 };
    }
    let cross = (level - q0) / slope;
    if slope > 0.0 {
        (len - cross.max(0.0)).clamp(0.0, len)
    } else {
        cross.clamp(0.0, len)
    }
}

/// Runs the queue from length `q0` for `dt` seconds with arrivals `lambda`/s and capacity
/// `mu`/s.
pub(crate) fn step(q0: f64, lambda: f64, mu: f64, dt: f64, limits: QueueLimits) -> QueueStep {
    let lambda = lambda.max(0.0);
    let mu = mu.max(0.0);
    let qmax = (limits.queue_secs * mu).max(0.0);
    let qslo = limits.slo_secs * mu;
    let mut out = QueueStep::default();
    // Capacity shrank below what is queued: the excess is dropped at once.
    let mut q = q0.max(0.0);
    if q > qmax {
        out.dropped += q - qmax;
        q = qmax;
    }
    if dt <= 0.0 {
        out.queue = q;
        return out;
    }
    let rate = lambda - mu;
    // The step as up to two linear pieces: (start length, slope, length, dropping).
    let pieces: [(f64, f64, f64, bool); 2] = if rate > 0.0 {
        let to_full = ((qmax - q) / rate).clamp(0.0, dt);
        [(q, rate, to_full, false), (qmax, 0.0, dt - to_full, true)]
    } else if rate < 0.0 {
        let to_empty = (q / -rate).clamp(0.0, dt);
        [(q, rate, to_empty, false), (0.0, 0.0, dt - to_empty, false)]
    } else {
        [(q, 0.0, dt, false), (q, 0.0, 0.0, false)]
    };
    let mut above = 0.0;
    for (start, slope, len, dropping) in pieces {
        if len <= 0.0 {
            continue;
        }
        let secs_above = if qmax > qslo {
            time_above(start, slope, len, qslo)
        } else {
            0.0
        };
        above += secs_above;
        if dropping {
            out.dropped += rate * len;
            // Dropping happens only with the queue full, which is above the SLO unless the
            // queue is shorter than the SLO; then the dropping time is the violation.
            if qmax <= qslo {
                out.violation_secs += len;
            }
        }
    }
    out.violation_secs += above;
    out.queue = match pieces {
        [(_, _, _, _), (end, _, len, _)] if len > 0.0 => end,
        [(start, slope, len, _), _] => (start + slope * len).clamp(0.0, qmax.max(0.0)),
    };
    let arrived = lambda * dt;
    // Every arrival while the queue is above the SLO level that was not dropped is late.
    let dropped_while_arriving = out.dropped - (q0.max(0.0) - q).max(0.0);
    out.late = (lambda * above - dropped_while_arriving).max(0.0);
    // What came in and was not dropped or left waiting was served.
    out.served = (q0.max(0.0) + arrived - out.dropped - out.queue).max(0.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: QueueLimits = QueueLimits {
        queue_secs: 60.0,
        slo_secs: 1.0,
    };

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn under_capacity_nothing_waits() {
        let s = step(0.0, 50.0, 100.0, 5.0, LIMITS);
        assert_eq!(s.queue, 0.0);
        assert!(close(s.served, 250.0));
        assert_eq!((s.dropped, s.late, s.violation_secs), (0.0, 0.0, 0.0));
    }

    #[test]
    fn excess_waits_then_turns_late_then_is_dropped() {
        // 150/s against 100/s: the queue grows 50/s; it passes the SLO level (100) at 2 s and
        // is full (6000) at 120 s.
        let s = step(0.0, 150.0, 100.0, 10.0, LIMITS);
        assert!(close(s.queue, 500.0));
        assert!(close(s.served, 1000.0));
        assert_eq!(s.dropped, 0.0);
        assert!(close(s.violation_secs, 8.0));
        assert!(close(s.late, 150.0 * 8.0));
        let s = step(5900.0, 150.0, 100.0, 10.0, LIMITS);
        assert!(close(s.queue, 6000.0));
        assert!(close(s.dropped, 50.0 * 8.0));
        assert!(close(s.violation_secs, 10.0));
        // Admitted while above the SLO: everything that arrived minus what was dropped.
        assert!(close(s.late, 1500.0 - 400.0));
        assert!(close(s.served, 1000.0));
    }

    #[test]
    fn a_queue_drains_at_capacity() {
        let s = step(300.0, 50.0, 100.0, 10.0, LIMITS);
        assert_eq!(s.queue, 0.0);
        // Full speed for 6 s (until empty), then the arrivals.
        assert!(close(s.served, 600.0 + 200.0));
        // Above the SLO level (100) for the first 4 s.
        assert!(close(s.violation_secs, 4.0));
        assert!(close(s.late, 200.0));
    }

    #[test]
    fn no_capacity_drops_everything() {
        let s = step(400.0, 30.0, 0.0, 5.0, LIMITS);
        assert!(close(s.dropped, 400.0 + 150.0));
        assert_eq!((s.queue, s.served, s.late), (0.0, 0.0, 0.0));
        assert!(close(s.violation_secs, 5.0));
    }

    #[test]
    fn work_is_conserved() {
        for (q0, l, m, dt) in [
            (0.0, 10.0, 3.0, 7.0),
            (50.0, 0.0, 9.0, 2.0),
            (1e6, 5.0, 1.0, 1.0),
            (3.0, 3.0, 3.0, 3.0),
        ] {
            let s = step(q0, l, m, dt, LIMITS);
            assert!(close(q0 + l * dt, s.served + s.dropped + s.queue), "{s:?}");
            assert!(s.served <= m * dt + 1e-9, "{s:?}");
        }
    }
}
