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
