//! HPA's `groupPods` for one per-instance metric: each instance is ignored (failed or being
//! removed), unready (starting; for CPU also by the readiness timing; ebb's warm-up), missing
//! (no value) or ready, and its request is summed where the measure needs one. Milli-unit
//! sums with integer division, as Kubernetes does.

use chrono::{DateTime, Duration, Utc};

use super::readiness::{CpuTiming, Verdict};
use super::requests::{self, find, not_found};
use super::Ctx;
use crate::decision::Counts;
use crate::num::f;
use crate::observation::{Instance, InstanceState};
use crate::policy::ResourceName;

/// Where a per-instance metric's values come from.
#[derive(Clone, Copy)]
pub(super) struct Source<'a> {
    /// Key in `Instance::metrics` (`"cpu"`, `"memory"` or a Pods metric name).
    pub key: &'a str,
    /// The resource, for Resource and ContainerResource metrics.
    pub resource: Option<ResourceName>,
    /// The container, for ContainerResource metrics.
    pub container: Option<&'a str>,
}

/// Milli-unit sums over the instances that take part in a ratio.
#[derive(Clone, Copy, Default)]
pub(super) struct Sums {
    pub value: i128,
    pub request: i128,
    pub n: u32,
}

impl Sums {
    pub fn add(&mut self, value: i128, request: i128, n: u32) {
        self.value = self.value.saturating_add(value);
        self.request = self.request.saturating_add(request);
        self.n = self.n.saturating_add(n);
    }
}

/// How the ratio is formed.
#[derive(Clone, Copy)]
pub(super) enum Measure {
    /// Utilization percent of the request.
    Utilization(f64),
    /// Average value per instance, target in milli-units.
    Average(i128),
}

impl Measure {
    /// Usage ratio and the observed value in target units, or `None` if it cannot be formed.
    pub fn ratio(&self, s: &Sums) -> Option<(f64, f64)> {
        match *self {
            Measure::Utilization(target) => (s.request > 0).then(|| {
                let util = s.value.saturating_mul(100) / s.request;
                (f(util) / target, f(util))
            }),
            Measure::Average(target) => (s.n > 0).then(|| {
                let avg = s.value / i128::from(s.n);
                (f(avg) / f(target), f(avg) / 1000.0)
            }),
        }
    }

    /// Value a missing instance is assumed to have on a scale-down: the target for plain
    /// metrics, `request × max(100, target) %` for utilization.
    fn fallback(&self, request: i128) -> i128 {
        match *self {
            Measure::Average(target) => target,
            Measure::Utilization(t) => {
                let pct = t.clamp(100.0, 1e12) as i128;
                request.saturating_mul(pct) / 100
            }
        }
    }
}

/// The grouped instances.
#[derive(Default)]
pub(super) struct Groups {
    pub ready: Sums,
    /// Missing instances filled at the scale-down fallback value.
    pub missing_high: Sums,
    /// Missing instances filled at zero.
    pub missing_zero: Sums,
    /// Unready instances filled at zero.
    pub unready_zero: Sums,
    pub counts: Counts,
    /// Assumptions the CPU readiness timing made (bits of `readiness::ASSUMED_*`).
    pub assumed: u8,
    /// Milli CPU limit summed over the ready instances (read only for a policy with
    /// saturation), and how many of them have none.
    pub ready_limit: i128,
    pub ready_unlimited: u32,
}

impl Groups {
    /// Percent of their CPU limit the ready instances use, when every one has a limit.
    pub fn limit_percent(&self) -> Option<f64> {
        (self.ready.n > 0 && self.ready_unlimited == 0 && self.ready_limit > 0)
            .then(|| f(self.ready.value) * 100.0 / f(self.ready_limit))
    }

    fn unready(&mut self, request: i128) {
        self.counts.unready += 1;
        self.unready_zero.add(0, request, 1);
    }
}

/// Groups the observation's instances for `src` into `g` (filled in place: it is large and
/// this runs for every metric of every target). A request error (HPA: every pod needs one)
/// fails the metric once some instance is ready.
pub(super) fn group(
    ctx: &Ctx<'_>,
    src: Source<'_>,
    measure: Measure,
    g: &mut Groups,
) -> Result<(), String> {
    if ctx.obs.instances.is_empty() {
        return Err("no instances to measure".into());
    }
    let rules = Rules {
        src,
        measure,
        warmup: Duration::seconds(i64::from(ctx.policy.warmup_secs)),
        cpu: (src.resource == Some(ResourceName::Cpu)).then(|| CpuTiming::new(ctx.policy, ctx.now)),
        limits: src.resource == Some(ResourceName::Cpu) && ctx.policy.saturation.is_some(),
        now: ctx.now,
    };
    let mut failure = None;
    for inst in &ctx.obs.instances {
        let request = match needs(inst, src, measure) {
            Ok(r) => r,
            // HPA's metrics client fails first when a pod lacks the container.
            Err(Lack::Container(e)) => return Err(e),
            Err(Lack::Request(e)) => {
                failure.get_or_insert(e);
                0
            }
        };
        rules.place(inst, request, g);
    }
    match failure {
        Some(e) if g.counts.ready > 0 => Err(e),
        _ => Ok(()),
    }
}

/// What decides an instance's group, computed once per metric.
struct Rules<'a> {
    src: Source<'a>,
    measure: Measure,
    warmup: Duration,
    cpu: Option<CpuTiming>,
    /// Whether to sum the ready instances' CPU limits.
    limits: bool,
    now: DateTime<Utc>,
}

impl Rules<'_> {
    /// Puts `inst` (with milli request `request`) into its group.
    #[inline]
    fn place(&self, inst: &Instance, request: i128, g: &mut Groups) {
        match inst.state {
            InstanceState::Failed | InstanceState::Terminating => {
                g.counts.ignored += 1;
                return;
            }
            InstanceState::Starting => return g.unready(request),
            InstanceState::Ready | InstanceState::NotReady => {}
        }
        let src = self.src;
        let Some(value) = requests::usage(inst, src.key, src.resource, src.container) else {
            g.counts.missing += 1;
            g.missing_zero.add(0, request, 1);
            g.missing_high
                .add(self.measure.fallback(request), request, 1);
            return;
        };
        if let Some(t) = &self.cpu {
            let (verdict, bits) = t.verdict(inst);
            if bits != 0 {
                g.counts.assumed += 1;
                g.assumed |= bits;
            }
            match verdict {
                Verdict::Ready => {}
                Verdict::Initializing => g.counts.initializing += 1,
                Verdict::NeverReady => g.counts.never_ready += 1,
            }
            if verdict != Verdict::Ready {
                return g.unready(request);
            }
        }
        let warming = inst.state == InstanceState::Ready
            && self.warmup > Duration::zero()
            && inst.ready_since.is_some_and(|t| self.now - t < self.warmup);
        if warming {
            g.counts.warming += 1;
            return g.unready(request);
        }
        g.counts.ready += 1;
        g.ready.add(value, request, 1);
        if self.limits {
            match requests::cpu_limit(inst, src.container) {
                Some(l) => g.ready_limit = g.ready_limit.saturating_add(l),
                None => g.ready_unlimited += 1,
            }
        }
    }
}

/// What an instance lacks for a metric.
enum Lack {
    /// The named container (fails the metric at once).
    Container(String),
    /// A request (fails it once some instance is ready).
    Request(String),
}

/// The milli request a measure needs from `inst` (0 when it needs none), or what it lacks; a
/// named container must exist in every instance either way.
#[inline]
fn needs(inst: &Instance, src: Source<'_>, measure: Measure) -> Result<i128, Lack> {
    if let Some(name) = src.container {
        if find(inst, name).is_none() {
            return Err(Lack::Container(not_found(inst, name)));
        }
    }
    match (measure, src.resource) {
        (Measure::Utilization(_), Some(res)) => {
            requests::request(inst, res, src.container).map_err(Lack::Request)
        }
        _ => Ok(0),
    }
}
