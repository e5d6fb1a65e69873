//! Offered demand as a pure function of time: a [`DemandSpec`] compiled once (trace files
//! loaded and checked) and then evaluated at any second since the workload was added. Being a
//! function of time only, demand does not depend on how the model is stepped.

use std::f64::consts::TAU;
use std::sync::Arc;

use super::error::SimError;
use super::rng::{uniform, Stream};
use super::spec::DemandSpec;
use super::trace::TraceData;

/// A compiled demand pattern.
#[derive(Debug, Clone)]
pub(crate) enum Demand {
    Constant(f64),
    Ramp {
        from: f64,
        to: f64,
        start: f64,
        duration: f64,
    },
    Spike {
        base: f64,
        peak: f64,
        every: f64,
        duration: f64,
        first: f64,
    },
    Diurnal {
        mean: f64,
        amplitude: f64,
        period: f64,
        phase: f64,
    },
    Noise {
        of: Box<Demand>,
        relative: f64,
        every: f64,
    },
    Sum(Vec<Demand>),
    Trace {
        data: Arc<TraceData>,
        compression: f64,
        scale: f64,
    },
}

impl Demand {
    /// Checks `spec` and loads its traces.
    pub(crate) fn build(spec: &DemandSpec) -> Result<Demand, SimError> {
        Ok(match spec {
            DemandSpec::Constant { value } => Demand::Constant(non_neg("demand.value", *value)?),
            DemandSpec::Ramp {
                from,
                to,
                start_secs,
                duration_secs,
            } => Demand::Ramp {
                from: non_neg("demand.from", *from)?,
                to: non_neg("demand.to", *to)?,
                start: f64::from(*start_secs),
                duration: f64::from(*duration_secs),
            },
            DemandSpec::Spike { .. } | DemandSpec::Diurnal { .. } => periodic(spec)?,
            DemandSpec::Noise {
                of,
                relative,
                every_secs,
            } => Demand::Noise {
                of: Box::new(Demand::build(of)?),
                relative: non_neg("demand.relative", *relative)?,
                every: f64::from((*every_secs).max(1)),
            },
            DemandSpec::Sum { parts } => {
                Demand::Sum(parts.iter().map(Demand::build).collect::<Result<_, _>>()?)
            }
            DemandSpec::Trace {
                path,
                time_compression,
                scale,
            } => {
                let data = TraceData::load(path)?;
                trace(data, *time_compression, *scale)?
            }
            DemandSpec::Series {
                points,
                time_compression,
                scale,
            } => {
                let data = TraceData::from_points("in-memory series".into(), points)?;
                trace(data, *time_compression, *scale)?
            }
        })
    }

    /// Demand (units/s, never negative) `secs` after the workload was added.
    pub(crate) fn at(&self, secs: f64, seed: u64) -> f64 {
        match self {
            Demand::Constant(v) => *v,
            Demand::Ramp {
                from,
                to,
                start,
                duration,
            } => ramp_at(secs, *from, *to, *start, *duration),
            Demand::Spike {
                base,
                peak,
                every,
                duration,
                first,
            } => spike_at(secs, *base, *peak, *every, *duration, *first),
            Demand::Diurnal {
                mean,
                amplitude,
                period,
                phase,
            } => (mean + amplitude * (TAU * (secs + phase) / period).sin()).max(0.0),
            Demand::Noise {
                of,
                relative,
                every,
            } => {
                let bucket = (secs / every).floor().max(0.0) as u64;
                let u = 2.0 * uniform(seed, Stream::Noise, bucket) - 1.0;
                (of.at(secs, seed) * (1.0 + relative * u)).max(0.0)
            }
            Demand::Sum(parts) => parts.iter().map(|p| p.at(secs, seed)).sum(),
            Demand::Trace {
                data,
                compression,
                scale,
            } => data.value_at(secs * compression) * scale,
        }
    }

    /// The loaded trace, when the demand is a trace or series.
    pub(crate) fn trace(&self) -> Option<&TraceData> {
        match self {
            Demand::Trace { data, .. } => Some(data),
            _ => None,
        }
    }
}

/// Spike and diurnal patterns, which need a non-zero period.
fn periodic(spec: &DemandSpec) -> Result<Demand, SimError> {
    let zero = |field: &str| Err(SimError::invalid(field, "must be at least 1"));
    match spec {
        DemandSpec::Spike { every_secs: 0, .. } => zero("demand.every_secs"),
        DemandSpec::Diurnal { period_secs: 0, .. } => zero("demand.period_secs"),
        DemandSpec::Spike {
            base,
            peak,
            every_secs,
            duration_secs,
            first_at_secs,
        } => Ok(Demand::Spike {
            base: non_neg("demand.base", *base)?,
            peak: non_neg("demand.peak", *peak)?,
            every: f64::from(*every_secs),
            duration: f64::from(*duration_secs),
            first: f64::from(*first_at_secs),
        }),
        DemandSpec::Diurnal {
            mean,
            amplitude,
            period_secs,
            phase_secs,
        } => Ok(Demand::Diurnal {
            mean: non_neg("demand.mean", *mean)?,
            amplitude: finite("demand.amplitude", *amplitude)?,
            period: f64::from(*period_secs),
            phase: f64::from(*phase_secs),
        }),
        other => Demand::build(other),
    }
}

fn ramp_at(secs: f64, from: f64, to: f64, start: f64, duration: f64) -> f64 {
    if secs <= start {
        from
    } else if secs >= start + duration {
        to
    } else {
        from + (to - from) * (secs - start) / duration
    }
}

fn spike_at(secs: f64, base: f64, peak: f64, every: f64, duration: f64, first: f64) -> f64 {
    let since = secs - first;
    if since >= 0.0 && since.rem_euclid(every) < duration {
        peak
    } else {
        base
    }
}

fn trace(data: TraceData, compression: f64, scale: f64) -> Result<Demand, SimError> {
    if !(compression.is_finite() && compression > 0.0) {
        return Err(SimError::invalid(
            "demand.time_compression",
            "must be a positive number",
        ));
    }
    Ok(Demand::Trace {
        data: Arc::new(data),
        compression,
        scale: non_neg("demand.scale", scale)?,
    })
}

fn finite(field: &str, v: f64) -> Result<f64, SimError> {
    if v.is_finite() {
        Ok(v)
    } else {
        Err(SimError::invalid(field, "must be a finite number"))
    }
}

fn non_neg(field: &str, v: f64) -> Result<f64, SimError> {
    if v.is_finite() && v >= 0.0 {
        Ok(v)
    } else {
        Err(SimError::invalid(
            field,
            format!("must be a non-negative number, got {v}"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(spec: DemandSpec, secs: &[f64]) -> Vec<f64> {
        let d = Demand::build(&spec).expect("build");
        secs.iter().map(|&s| d.at(s, 3)).collect()
    }

    #[test]
    fn patterns() {
        let ramp = DemandSpec::Ramp {
            from: 10.0,
            to: 30.0,
            start_secs: 10,
            duration_secs: 20,
        };
        assert_eq!(
            at(ramp, &[0.0, 10.0, 20.0, 30.0, 99.0]),
            [10.0, 10.0, 20.0, 30.0, 30.0]
        );
        let spike = DemandSpec::Spike {
            base: 1.0,
            peak: 9.0,
            every_secs: 100,
            duration_secs: 10,
            first_at_secs: 50,
        };
        assert_eq!(
            at(spike, &[0.0, 50.0, 59.0, 60.0, 150.0, 161.0]),
            [1.0, 9.0, 9.0, 1.0, 9.0, 1.0]
        );
        let diurnal = DemandSpec::Diurnal {
            mean: 10.0,
            amplitude: 20.0,
            period_secs: 400,
            phase_secs: 0,
        };
        let v = at(diurnal, &[0.0, 100.0, 300.0]);
        assert!(
            (v[0] - 10.0).abs() < 1e-9 && (v[1] - 30.0).abs() < 1e-9 && v[2] == 0.0,
            "{v:?}"
        );
        let sum = DemandSpec::Sum {
            parts: vec![
                DemandSpec::Constant { value: 1.0 },
                DemandSpec::Constant { value: 2.0 },
            ],
        };
        assert_eq!(at(sum, &[0.0]), [3.0]);
    }

    #[test]
    fn noise_is_seeded_bounded_and_held_per_bucket() {
        let noise = DemandSpec::Noise {
            of: Box::new(DemandSpec::Constant { value: 100.0 }),
            relative: 0.2,
            every_secs: 10,
        };
        let d = Demand::build(&noise).expect("build");
        let vals: Vec<f64> = (0..1000).map(|s| d.at(f64::from(s), 3)).collect();
        assert!(vals.iter().all(|v| (80.0..=120.0).contains(v)));
        assert_eq!(vals[0], vals[9]);
        assert!(vals.windows(2).any(|w| w[0] != w[1]));
        assert_ne!(d.at(0.0, 3), d.at(0.0, 4));
    }

    #[test]
    fn bad_numbers_name_the_field() {
        let err = Demand::build(&DemandSpec::Constant { value: -1.0 })
            .expect_err("negative")
            .to_string();
        assert!(err.contains("demand.value"), "{err}");
        let err = Demand::build(&DemandSpec::Spike {
            base: 1.0,
            peak: 2.0,
            every_secs: 0,
            duration_secs: 1,
            first_at_secs: 0,
        })
        .expect_err("zero period")
        .to_string();
        assert!(err.contains("demand.every_secs"), "{err}");
    }
}
