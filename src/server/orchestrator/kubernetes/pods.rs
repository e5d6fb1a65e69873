//! Pods as ebb observes them: a pod and its PodMetrics (`metrics.k8s.io`) become an
//! [`ObservedInstance`] with HPA's pod semantics — phase, the Ready condition and when it last
//! changed, start time, restarts, deletion, each container's kind, requests, limits and usage,
//! pod requests and overhead. A pod without metrics has no `cpu`/`memory`: missing, never zero.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use ebb_engine::{Container, ContainerKind, Resources};
use k8s_openapi::api::core::v1::{Pod, ResourceRequirements};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use serde_json::Value;

use super::quantity;
use crate::server::orchestrator::{ObservedInstance, ObservedState};

/// One pod's sample from `metrics.k8s.io`: when, over how long, and each container's usage.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodSample {
    pub at: Option<DateTime<Utc>>,
    pub window_secs: Option<f64>,
    /// Container name → (cores, bytes).
    pub usage: BTreeMap<String, Resources>,
}

/// Reads a PodMetrics object (as a JSON value) into its pod's name and sample.
pub fn sample_of(obj: &Value) -> Option<(String, PodSample)> {
    let name = obj.pointer("/metadata/name")?.as_str()?.to_string();
    let at = obj
        .get("timestamp")
        .and_then(Value::as_str)
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .map(|t| t.with_timezone(&Utc));
    let window_secs = obj
        .get("window")
        .and_then(Value::as_str)
        .and_then(duration_secs);
    let mut usage = BTreeMap::new();
    for c in obj
        .get("containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(cname) = c.get("name").and_then(Value::as_str) else {
            continue;
        };
        let read = |k: &str| {
            c.pointer(&format!("/usage/{k}"))
                .and_then(Value::as_str)
                .and_then(quantity::parse)
        };
        usage.insert(
            cname.to_string(),
            Resources {
                cpu: read("cpu"),
                memory: read("memory"),
            },
        );
    }
    Some((
        name,
        PodSample {
            at,
            window_secs,
            usage,
        },
    ))
}

/// A Go duration as metrics-server writes it (`30s`, `1m0s`, `1.5s`, `500ms`) in seconds.
pub fn duration_secs(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut number = String::new();
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let unit = match (c, chars.peek()) {
            ('m', Some('s')) => {
                chars.next();
                0.001
            }
            ('h', _) => 3600.0,
            ('m', _) => 60.0,
            ('s', _) => 1.0,
            _ => return None,
        };
        total += number.parse::<f64>().ok()? * unit;
        number.clear();
        any = true;
    }
    (any && number.is_empty()).then_some(total)
}

fn requests_of(r: Option<&ResourceRequirements>) -> Resources {
    quantities_in(r.and_then(|r| r.requests.as_ref()))
}

fn limits_of(r: Option<&ResourceRequirements>) -> Resources {
    quantities_in(r.and_then(|r| r.limits.as_ref()))
}

fn quantities_in(m: Option<&BTreeMap<String, Quantity>>) -> Resources {
    let get = |k: &str| m.and_then(|m| m.get(k)).and_then(|q| quantity::parse(&q.0));
    Resources {
        cpu: get("cpu"),
        memory: get("memory"),
    }
}

fn time(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.0.as_second(), t.0.subsec_nanosecond().max(0) as u32))
}

/// The instance ebb observes for `pod`, with its metrics `sample` when one was served.
pub fn instance(pod: &Pod, sample: Option<&PodSample>) -> ObservedInstance {
    let status = pod.status.as_ref();
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
    let is_ready = ready.is_some_and(|c| c.status == "True");
    let ready_changed_at = time(ready.and_then(|c| c.last_transition_time.as_ref()));
    let phase = status.and_then(|s| s.phase.as_deref()).unwrap_or("Pending");
    let state = if pod.metadata.deletion_timestamp.is_some() || phase == "Succeeded" {
        ObservedState::Terminating
    } else {
        match phase {
            "Failed" => ObservedState::Failed,
            "Running" if is_ready => ObservedState::Ready,
            "Running"
                if ready_changed_at.is_some()
                    && status.and_then(|s| s.start_time.as_ref()).is_some() =>
            {
                ObservedState::NotReady
            }
            _ => ObservedState::Starting,
        }
    };
    let restarts = status
        .and_then(|s| s.container_statuses.as_ref())
        .map(|cs| cs.iter().map(|c| c.restart_count.max(0) as u32).sum())
        .unwrap_or(0);
    let spec = pod.spec.as_ref();
    let usage_of = |name: &str| {
        sample
            .and_then(|s| s.usage.get(name))
            .cloned()
            .unwrap_or_default()
    };
    let mut containers: Vec<Container> = Vec::new();
    for c in spec.map(|s| s.containers.as_slice()).unwrap_or_default() {
        containers.push(Container {
            name: c.name.clone(),
            kind: ContainerKind::Regular,
            requests: requests_of(c.resources.as_ref()),
            limits: limits_of(c.resources.as_ref()),
            usage: usage_of(&c.name),
        });
    }
    for c in spec
        .and_then(|s| s.init_containers.as_deref())
        .unwrap_or_default()
    {
        let sidecar = c.restart_policy.as_deref() == Some("Always");
        containers.push(Container {
            name: c.name.clone(),
            kind: if sidecar {
                ContainerKind::Sidecar
            } else {
                ContainerKind::Init
            },
            requests: requests_of(c.resources.as_ref()),
            limits: limits_of(c.resources.as_ref()),
            usage: usage_of(&c.name),
        });
    }
    let mut metrics = BTreeMap::new();
    if let Some(s) = sample {
        let sum = |f: fn(&Resources) -> Option<f64>| -> Option<f64> {
            let values: Vec<f64> = s.usage.values().filter_map(f).collect();
            (!values.is_empty()).then(|| values.iter().sum())
        };
        if let Some(cpu) = sum(|r| r.cpu) {
            metrics.insert("cpu".to_string(), cpu);
        }
        if let Some(mem) = sum(|r| r.memory) {
            metrics.insert("memory".to_string(), mem);
        }
    }
    let quantities = |m: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >| {
        m.map(|m| Resources {
            cpu: m.get("cpu").and_then(|q| quantity::parse(&q.0)),
            memory: m.get("memory").and_then(|q| quantity::parse(&q.0)),
        })
        .filter(Resources::any)
    };
    ObservedInstance {
        id: pod.metadata.name.clone().unwrap_or_default(),
        state,
        started_at: time(status.and_then(|s| s.start_time.as_ref())),
        ready_since: if is_ready { ready_changed_at } else { None },
        metrics,
        restarts,
        ready_changed_at,
        sample_at: sample.and_then(|s| s.at),
        sample_window_secs: sample.and_then(|s| s.window_secs),
        containers,
        pod_requests: quantities(
            spec.and_then(|s| s.resources.as_ref())
                .and_then(|r| r.requests.as_ref()),
        ),
        overhead: quantities(spec.and_then(|s| s.overhead.as_ref())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_durations() {
        assert_eq!(duration_secs("30s"), Some(30.0));
        assert_eq!(duration_secs("1m0s"), Some(60.0));
        assert_eq!(duration_secs("1.5s"), Some(1.5));
        assert_eq!(duration_secs("500ms"), Some(0.5));
        assert_eq!(duration_secs("1h2m3s"), Some(3723.0));
        assert_eq!(duration_secs("soon"), None);
        assert_eq!(duration_secs("30"), None);
    }

    #[test]
    fn a_ready_pod_with_metrics_and_one_without() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "metadata": { "name": "web-1" },
            "spec": { "containers": [
                { "name": "app", "image": "x", "resources": { "requests": { "cpu": "250m", "memory": "128Mi" }, "limits": { "cpu": "500m" } } }
            ], "initContainers": [
                { "name": "proxy", "image": "y", "restartPolicy": "Always",
                  "resources": { "requests": { "cpu": "50m" } } }
            ] },
            "status": { "phase": "Running", "startTime": "2026-12-01T10:00:00Z",
                "conditions": [ { "type": "Ready", "status": "True", "lastTransitionTime": "2026-12-01T10:00:20Z" } ],
                "containerStatuses": [ { "name": "app", "restartCount": 2, "ready": true, "image": "x", "imageID": "", "started": true } ] }
        }))
        .expect("pod");
        let metrics = serde_json::json!({
            "metadata": { "name": "web-1" }, "timestamp": "2026-12-01T10:05:00Z", "window": "30s",
            "containers": [ { "name": "app", "usage": { "cpu": "125m", "memory": "64Mi" } },
                            { "name": "proxy", "usage": { "cpu": "10m", "memory": "8Mi" } } ]
        });
        let (name, sample) = sample_of(&metrics).expect("sample");
        assert_eq!(name, "web-1");
        let i = instance(&pod, Some(&sample));
        assert_eq!(i.state, ObservedState::Ready);
        assert_eq!(i.restarts, 2);
        assert!((i.metrics["cpu"] - 0.135).abs() < 1e-9);
        assert_eq!(i.sample_window_secs, Some(30.0));
        assert_eq!(i.containers.len(), 2);
        assert_eq!(i.containers[1].kind, ContainerKind::Sidecar);
        assert_eq!(i.containers[0].requests.cpu, Some(0.25));
        assert_eq!(i.containers[0].limits.cpu, Some(0.5));
        assert_eq!(i.containers[1].limits.cpu, None, "no limit: unlimited");
        assert!(i.ready_since.is_some() && i.ready_changed_at == i.ready_since);
        let bare = instance(&pod, None);
        assert!(bare.metrics.is_empty(), "no sample: missing, not zero");
        assert_eq!(bare.containers[0].usage.cpu, None);
    }

    #[test]
    fn phases_and_deletion() {
        let with = |status: serde_json::Value, deleting: bool| {
            let mut meta = serde_json::json!({ "name": "p" });
            if deleting {
                meta["deletionTimestamp"] = "2026-12-01T10:00:00Z".into();
            }
            let pod: Pod = serde_json::from_value(serde_json::json!({
                "metadata": meta, "spec": { "containers": [] }, "status": status
            }))
            .expect("pod");
            instance(&pod, None).state
        };
        assert_eq!(
            with(serde_json::json!({ "phase": "Pending" }), false),
            ObservedState::Starting
        );
        assert_eq!(
            with(serde_json::json!({ "phase": "Failed" }), false),
            ObservedState::Failed
        );
        assert_eq!(
            with(serde_json::json!({ "phase": "Running" }), true),
            ObservedState::Terminating
        );
        assert_eq!(
            with(
                serde_json::json!({ "phase": "Running", "startTime": "2026-12-01T10:00:00Z",
                "conditions": [ { "type": "Ready", "status": "False", "lastTransitionTime": "2026-12-01T10:01:00Z" } ] }),
                false
            ),
            ObservedState::NotReady
        );
    }
}
