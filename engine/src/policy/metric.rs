//! Metric specifications: where a signal comes from and what value it should be held at.

use serde::{Deserialize, Serialize};

/// One metric the policy tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetricSpec {
    /// Unique name within the policy; proposals and step rules refer to it.
    pub name: String,
    /// Where the value comes from.
    pub source: MetricSource,
    /// The value to hold it at.
    pub target: MetricTarget,
}

impl Default for MetricSpec {
    fn default() -> Self {
        MetricSpec {
            name: "cpu".into(),
            source: MetricSource::Resource {
                resource: ResourceName::Cpu,
            },
            target: MetricTarget::Utilization(80.0),
        }
    }
}

/// Where a metric's value comes from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricSource {
    /// Per-instance usage of a resource, compared with the instance's request.
    Resource {
        /// Which resource.
        resource: ResourceName,
    },
    /// Usage of one named container in each instance, compared with that container's request
    /// (HPA `ContainerResource`). An instance without that container fails the metric.
    ContainerResource {
        /// Which resource.
        resource: ResourceName,
        /// The container's name.
        container: String,
    },
    /// A per-instance metric (`Instance::metrics[metric]`), averaged over instances.
    Pods {
        /// Key in `Instance::metrics`.
        metric: String,
    },
    /// One total value describing another object (e.g. requests per second on an ingress),
    /// read from `Observation::external[metric]`.
    Object {
        /// Key in `Observation::external`.
        metric: String,
    },
    /// One total value from outside the cluster (e.g. queue length),
    /// read from `Observation::external[metric]`.
    External {
        /// Key in `Observation::external`.
        metric: String,
    },
    /// A PromQL query on the Prometheus server named `server`, which the caller runs before
    /// each evaluation (the engine keeps it as data). Without `instance_label` the query gives
    /// one total, read from `Observation::external[<the metric's name>]` (Value, or
    /// AverageValue per ready instance, as HPA external metrics); with it, one value per
    /// instance (the label carries the instance's id: `pod` on Kubernetes, the task on
    /// Swarm), read from `Instance::metrics[<the metric's name>]` (AverageValue).
    Prometheus {
        /// The name of a Prometheus server configured in ebb.
        server: String,
        /// PromQL; `{workload}`, `{namespace}` and `{name}` are replaced by the workload's.
        query: String,
        /// The label naming the instance of each series; empty: the query gives one total.
        #[serde(default)]
        instance_label: String,
        /// What an empty result means: missing (false, the default: never scale in on it) or
        /// zero (KEDA's `ignoreNullValues`).
        #[serde(default)]
        empty_as_zero: bool,
    },
}

impl MetricSource {
    /// True for a source that gives one total value for the workload (Object, External, a
    /// Prometheus query without an instance label).
    pub fn is_total(&self) -> bool {
        match self {
            MetricSource::Object { .. } | MetricSource::External { .. } => true,
            MetricSource::Prometheus { instance_label, .. } => instance_label.is_empty(),
            _ => false,
        }
    }
}

/// A resource with requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceName {
    /// CPU in cores; instance metric key `"cpu"`.
    Cpu,
    /// Memory in bytes; instance metric key `"memory"`.
    Memory,
}

impl ResourceName {
    /// The key of this resource in `Instance::metrics`.
    pub fn key(self) -> &'static str {
        match self {
            ResourceName::Cpu => "cpu",
            ResourceName::Memory => "memory",
        }
    }
}

/// The value a metric should be held at (HPA target types).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricTarget {
    /// Percent of the request (Resource only).
    Utilization(f64),
    /// Value per instance.
    AverageValue(f64),
    /// Total value (Object / External only).
    Value(f64),
}

impl MetricTarget {
    /// The number inside, whatever the kind.
    pub fn amount(&self) -> f64 {
        match *self {
            MetricTarget::Utilization(v)
            | MetricTarget::AverageValue(v)
            | MetricTarget::Value(v) => v,
        }
    }
}
