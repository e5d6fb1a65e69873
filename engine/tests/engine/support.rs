//! Builders shared by the case tables.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use ebb_engine::*;

/// The reference instant of every test: Monday 2024-01-01 12:00 UTC, plus `secs`.
pub fn t(secs: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0)
        .single()
        .expect("valid date")
        + Duration::seconds(secs)
}

/// A ready instance using `cpu` cores of a `req`-core request (`None` = metric missing).
pub fn pod(cpu: Option<f64>, req: f64) -> Instance {
    let mut metrics = BTreeMap::new();
    if let Some(c) = cpu {
        metrics.insert("cpu".to_string(), c);
    }
    Instance {
        id: format!("i{}", cpu.unwrap_or(-1.0)),
        state: InstanceState::Ready,
        started_at: Some(t(-3600)),
        ready_since: Some(t(-3600)),
        requests: Resources {
            cpu: Some(req),
            memory: None,
        },
        metrics,
        ..Default::default()
    }
}

/// The same instance in another state.
pub fn with_state(mut i: Instance, state: InstanceState) -> Instance {
    i.state = state;
    i
}

/// A ready instance reporting a Pods metric.
pub fn pod_metric(name: &str, v: Option<f64>) -> Instance {
    let mut i = pod(None, 1.0);
    if let Some(v) = v {
        i.metrics.insert(name.to_string(), v);
    }
    i
}

/// Observation of `current` replicas with these instances.
pub fn obs(current: u32, instances: Vec<Instance>) -> Observation {
    Observation {
        current_replicas: current,
        instances,
        ..Default::default()
    }
}

/// A cpu-utilization metric.
pub fn cpu(target: f64) -> MetricSpec {
    MetricSpec {
        name: "cpu".into(),
        source: MetricSource::Resource {
            resource: ResourceName::Cpu,
        },
        target: MetricTarget::Utilization(target),
    }
}

/// A policy with one metric, wide bounds and no cooldown (pure HPA behaviour).
pub fn hpa(metric: MetricSpec) -> Policy {
    Policy {
        min_replicas: 1,
        max_replicas: 100,
        metrics: vec![metric],
        cooldown: Cooldown {
            scale_up_secs: 0,
            scale_down_secs: 0,
        },
        ..Default::default()
    }
}

/// History holding these (seconds-offset, replicas) recommendations.
pub fn recs(list: &[(i64, u32)]) -> History {
    History {
        recommendations: list
            .iter()
            .map(|&(s, r)| Recommendation {
                at: t(s),
                replicas: r,
            })
            .collect(),
        ..Default::default()
    }
}

/// History with these (seconds-offset, from, to) scale events.
pub fn events(list: &[(i64, u32, u32)]) -> History {
    History {
        scale_events: list
            .iter()
            .map(|&(s, from, to)| ScaleEvent { at: t(s), from, to })
            .collect(),
        ..Default::default()
    }
}

/// HPA's testing CPU initialization period (`defaultTestingCPUInitializationPeriod`, 2 min)
/// and initial readiness delay (`defaultTestingDelayOfInitialReadinessStatus`, 10 s), which
/// its replica calculator tests run with.
pub fn hpa_testing(mut p: Policy) -> Policy {
    p.cpu_initialization_period_secs = 120;
    p.initial_readiness_delay_secs = 10;
    p
}

/// An instance with readiness timing, in seconds from `t(0)`: started at `start`, readiness
/// last changed at `changed`, resource sample at `sample` over `window` seconds; `None` leaves
/// a field unknown. It uses 1 core of a 1-core request.
pub fn timed(
    state: InstanceState,
    start: Option<i64>,
    changed: Option<i64>,
    sample: Option<(i64, f64)>,
) -> Instance {
    let mut i = pod(Some(1.0), 1.0);
    i.state = state;
    i.started_at = start.map(t);
    i.ready_since = None;
    i.ready_changed_at = changed.map(t);
    if let Some((s, w)) = sample {
        let d = i.detail_mut();
        d.sample_at = Some(t(s));
        d.sample_window_secs = Some(w);
    }
    i
}

/// A regular container using `usage` cores of a `request`-core request (`None` = absent).
pub fn container(name: &str, request: Option<f64>, usage: Option<f64>) -> Container {
    Container {
        name: name.into(),
        kind: ContainerKind::Regular,
        requests: Resources {
            cpu: request,
            memory: None,
        },
        usage: Resources {
            cpu: usage,
            memory: None,
        },
        limits: Resources::default(),
    }
}

/// The same container as another kind.
pub fn kind(mut c: Container, kind: ContainerKind) -> Container {
    c.kind = kind;
    c
}

/// A ready instance `id` made of `containers`, without instance-level values.
pub fn pod_of(id: &str, containers: Vec<Container>) -> Instance {
    Instance {
        id: id.into(),
        state: InstanceState::Ready,
        started_at: Some(t(-3600)),
        ready_since: Some(t(-3600)),
        ready_changed_at: Some(t(-3600)),
        detail: Some(Box::new(Detail {
            containers,
            ..Default::default()
        })),
        ..Default::default()
    }
}
