//! Other autoscalers already scaling a workload: HorizontalPodAutoscalers (`autoscaling/v2`)
//! and KEDA ScaledObjects (`keda.sh/v1alpha1`, when KEDA is installed). ebb leaves a workload
//! one of them targets alone until an editor takes it over, and shows the autoscaler read-only
//! (its bounds and metrics) with what to delete so the two do not fight.

use k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::ApiResource;
use kube::Client;
use serde_json::Value;

/// An autoscaler and the object it scales.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaler {
    /// `HorizontalPodAutoscaler` or `ScaledObject`.
    pub kind: &'static str,
    pub namespace: String,
    pub name: String,
    /// Its target: kind, API group (empty for the core group) and name.
    pub target_kind: String,
    pub target_group: String,
    pub target_name: String,
    /// Its bounds and metrics, one line (`min 2, max 10, cpu 70 %`).
    pub summary: String,
}

impl Scaler {
    /// Whether it scales object `name` of resource `ar` in `namespace`.
    pub fn targets(&self, ar: &ApiResource, namespace: &str, name: &str) -> bool {
        self.namespace == namespace
            && self.target_name == name
            && self.target_kind == ar.kind
            && self.target_group == ar.group
    }

    /// `HorizontalPodAutoscaler shop/web (min 2, max 10, cpu 70 %)`.
    pub fn describe(&self) -> String {
        format!(
            "{} {}/{} ({})",
            self.kind, self.namespace, self.name, self.summary
        )
    }

    /// The command that removes it.
    pub fn delete_command(&self) -> String {
        let what = if self.kind == "ScaledObject" {
            "scaledobject"
        } else {
            "hpa"
        };
        format!("kubectl delete {what} {} -n {}", self.name, self.namespace)
    }
}

/// The group of an `apiVersion` (`apps/v1` → `apps`, `v1` → ``).
fn group_of(api_version: &str) -> String {
    api_version
        .split_once('/')
        .map_or(String::new(), |(g, _)| g.to_string())
}

/// An HPA as a [`Scaler`].
pub fn from_hpa(hpa: &HorizontalPodAutoscaler) -> Option<Scaler> {
    let spec = &hpa.spec;
    let target = &spec.scale_target_ref;
    let metrics: Vec<String> = spec
        .metrics
        .iter()
        .flatten()
        .map(|m| {
            match (
                &m.resource,
                &m.container_resource,
                &m.pods,
                &m.object,
                &m.external,
            ) {
                (Some(r), ..) => match r.target.average_utilization {
                    Some(u) => format!("{} {u} %", r.name),
                    None => r.name.clone(),
                },
                (_, Some(c), ..) => format!("{} of container {}", c.name, c.container),
                (_, _, Some(p), ..) => format!("pods metric {}", p.metric.name),
                (_, _, _, Some(o), _) => format!("object metric {}", o.metric.name),
                (_, _, _, _, Some(e)) => format!("external metric {}", e.metric.name),
                _ => m.type_.clone(),
            }
        })
        .collect();
    let metrics = if metrics.is_empty() {
        "cpu 80 % (its default)".to_string()
    } else {
        metrics.join(", ")
    };
    Some(Scaler {
        kind: "HorizontalPodAutoscaler",
        namespace: hpa.metadata.namespace.clone()?,
        name: hpa.metadata.name.clone()?,
        target_kind: target.kind.clone(),
        target_group: group_of(target.api_version.as_deref().unwrap_or("")),
        target_name: target.name.clone(),
        summary: format!(
            "min {}, max {}, {metrics}",
            spec.min_replicas.unwrap_or(1),
            spec.max_replicas
        ),
    })
}

/// A KEDA ScaledObject as a [`Scaler`] (its target defaults to an `apps/v1` Deployment).
pub fn from_scaled_object(obj: &Value) -> Option<Scaler> {
    let spec = obj.get("spec")?;
    let target = spec.get("scaleTargetRef")?;
    let text =
        |v: Option<&Value>, default: &str| v.and_then(Value::as_str).unwrap_or(default).to_string();
    let triggers: Vec<String> = spec
        .get("triggers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("type").and_then(Value::as_str).map(str::to_string))
        .collect();
    let meta = obj.get("metadata")?;
    Some(Scaler {
        kind: "ScaledObject",
        namespace: text(meta.get("namespace"), ""),
        name: text(meta.get("name"), ""),
        target_kind: text(target.get("kind"), "Deployment"),
        target_group: group_of(&text(target.get("apiVersion"), "apps/v1")),
        target_name: text(target.get("name"), ""),
        summary: format!(
            "min {}, max {}, triggers {}",
            spec.get("minReplicaCount")
                .and_then(Value::as_i64)
                .unwrap_or(0),
            spec.get("maxReplicaCount")
                .and_then(Value::as_i64)
                .unwrap_or(100),
            if triggers.is_empty() {
                "none".to_string()
            } else {
                triggers.join(", ")
            }
        ),
    })
}

/// Every HPA and ScaledObject in `namespace` (`None`: all). An API this account may not read,
/// or that is not installed (KEDA), contributes nothing: the connection test reports a
/// missing permission.
pub async fn list(client: &Client, namespace: Option<&str>) -> Vec<Scaler> {
    let mut out = Vec::new();
    let hpas: Api<HorizontalPodAutoscaler> = match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    };
    match hpas.list(&ListParams::default()).await {
        Ok(list) => out.extend(list.items.iter().filter_map(from_hpa)),
        Err(e) => tracing::debug!("HPAs unreadable: {e}"),
    }
    let ar = ApiResource {
        group: "keda.sh".into(),
        version: "v1alpha1".into(),
        api_version: "keda.sh/v1alpha1".into(),
        kind: "ScaledObject".into(),
        plural: "scaledobjects".into(),
    };
    let scaled: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
        None => Api::all_with(client.clone(), &ar),
    };
    if let Ok(list) = scaled.list(&ListParams::default()).await {
        out.extend(
            list.items
                .iter()
                .filter_map(|o| serde_json::to_value(o).ok())
                .filter_map(|v| from_scaled_object(&v)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn deployments() -> ApiResource {
        ApiResource {
            group: "apps".into(),
            version: "v1".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
        }
    }

    #[test]
    fn an_hpa_names_its_target_bounds_and_metrics() {
        let hpa: HorizontalPodAutoscaler = serde_json::from_value(json!({
            "metadata": { "name": "web", "namespace": "shop" },
            "spec": {
                "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "web" },
                "minReplicas": 2, "maxReplicas": 10,
                "metrics": [{ "type": "Resource", "resource": { "name": "cpu",
                    "target": { "type": "Utilization", "averageUtilization": 70 } } }]
            }
        }))
        .expect("hpa");
        let s = from_hpa(&hpa).expect("scaler");
        assert!(s.targets(&deployments(), "shop", "web"));
        assert!(!s.targets(&deployments(), "other", "web"));
        assert_eq!(
            s.describe(),
            "HorizontalPodAutoscaler shop/web (min 2, max 10, cpu 70 %)"
        );
        assert_eq!(s.delete_command(), "kubectl delete hpa web -n shop");
    }

    #[test]
    fn a_scaled_object_defaults_to_a_deployment() {
        let s = from_scaled_object(&json!({
            "metadata": { "name": "queue", "namespace": "jobs" },
            "spec": { "scaleTargetRef": { "name": "worker" }, "maxReplicaCount": 30,
                "triggers": [{ "type": "rabbitmq" }, { "type": "cron" }] }
        }))
        .expect("scaler");
        assert!(s.targets(&deployments(), "jobs", "worker"));
        assert_eq!(s.summary, "min 0, max 30, triggers rabbitmq, cron");
        assert_eq!(
            s.delete_command(),
            "kubectl delete scaledobject queue -n jobs"
        );
    }
}
