//! Before a decision: runs the policy's Prometheus queries for the workload and puts their
//! results where the engine reads them — a total in `external[<metric name>]`, per-instance
//! values in each instance's `metrics[<metric name>]`. A query that fails leaves its metric
//! missing (so nothing scales in on it) and says why in the observation's notes.

use ebb_engine::{MetricSource, Policy};

use crate::server::metrics::prometheus::reading::{read, substitute, Reading};
use crate::server::metrics::prometheus::registry::PromServers;
use crate::server::orchestrator::WorkloadObservation;

/// The namespace (Kubernetes) or stack (Swarm, `stack_service`) and the object's own name of
/// workload `name` on a backend of `kind`, for the query placeholders.
pub fn placeholders<'a>(kind: &str, name: &'a str) -> (&'a str, &'a str) {
    match kind {
        "kubernetes" => {
            let mut it = name.splitn(3, '/');
            let ns = it.next().unwrap_or_default();
            let object = it.nth(1).unwrap_or(name);
            (ns, object)
        }
        "swarm" => (name.split_once('_').map_or("", |(stack, _)| stack), name),
        _ => ("", name),
    }
}

/// The value of instance `id` among per-instance `values`. Swarm's instance ids shorten the
/// task id (`web.1.abcdef123456`): a label with the task's full name (`web.1.<25 characters>`)
/// names the instance too.
fn instance_value(
    values: &std::collections::BTreeMap<String, f64>,
    id: &str,
    kind: &str,
) -> Option<f64> {
    values.get(id).copied().or_else(|| {
        values
            .iter()
            .find(|(k, _)| kind == "swarm" && k.starts_with(id))
            .map(|(_, v)| *v)
    })
}

/// Runs every Prometheus query of `policy` for workload `name` (of backend kind `kind`) and
/// fills `obs` with the results.
pub async fn fill(
    servers: &PromServers,
    policy: &Policy,
    kind: &str,
    name: &str,
    obs: &mut WorkloadObservation,
) {
    let (namespace, object) = placeholders(kind, name);
    for m in &policy.metrics {
        let MetricSource::Prometheus {
            server,
            query,
            instance_label,
            empty_as_zero,
        } = &m.source
        else {
            continue;
        };
        let q = substitute(query, name, namespace, object);
        let series = match servers.query(server, &q).await {
            Ok(s) => s,
            Err(e) => {
                obs.notes.push(format!("metric {}: {e}", m.name));
                continue;
            }
        };
        match read(&series, instance_label, *empty_as_zero) {
            Reading::Total(Ok(v)) => {
                obs.external.insert(m.name.clone(), v);
            }
            Reading::Total(Err(why)) => obs.notes.push(format!("metric {}: {why}", m.name)),
            Reading::PerInstance(values, notes) => {
                let mut matched = 0;
                for i in &mut obs.instances {
                    if let Some(v) = instance_value(&values, &i.id, kind) {
                        i.metrics.insert(m.name.clone(), v);
                        matched += 1;
                    }
                }
                for n in notes {
                    obs.notes.push(format!("metric {}: {n}", m.name));
                }
                if matched < values.len() {
                    obs.notes.push(format!(
                        "metric {}: {} of {} series name no current instance by {instance_label}",
                        m.name,
                        values.len() - matched,
                        values.len()
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn per_instance_values_find_their_instance() {
        let values: std::collections::BTreeMap<String, f64> = [
            ("web-7d9f-abc".to_string(), 3.0),
            ("web.2.k3j4h5g6f7d8s9a0q1w2e3r4t".to_string(), 5.0),
        ]
        .into();
        assert_eq!(
            super::instance_value(&values, "web-7d9f-abc", "kubernetes"),
            Some(3.0)
        );
        assert_eq!(
            super::instance_value(&values, "web-7d9f", "kubernetes"),
            None
        );
        assert_eq!(
            super::instance_value(&values, "web.2.k3j4h5g6f7d8", "swarm"),
            Some(5.0)
        );
        assert_eq!(
            super::instance_value(&values, "web.2.k3j4h5g6f7d8", "simulator"),
            None
        );
    }

    #[test]
    fn placeholders_come_from_the_workload_name() {
        assert_eq!(
            super::placeholders("kubernetes", "shop/deployments.apps/web"),
            ("shop", "web")
        );
        assert_eq!(
            super::placeholders("swarm", "shop_web"),
            ("shop", "shop_web")
        );
        assert_eq!(super::placeholders("swarm", "web"), ("", "web"));
        assert_eq!(super::placeholders("simulator", "web"), ("", "web"));
    }
}
