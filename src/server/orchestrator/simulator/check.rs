//! Range checks of a [`SimWorkloadSpec`] before a workload is built, each naming the field.

use super::error::SimError;
use super::spec::SimWorkloadSpec;
use crate::server::orchestrator::ResourceSpec;

/// Most replicas a simulated workload may be asked for.
pub const MAX_SIM_REPLICAS: u32 = 10_000;

/// Every field of `spec` the model relies on, except the demand (checked when compiled).
pub(crate) fn check_spec(spec: &SimWorkloadSpec) -> Result<(), SimError> {
    positive("capacity_per_instance", spec.capacity_per_instance)?;
    non_negative("memory_base_bytes", spec.memory_base_bytes)?;
    non_negative("memory_per_unit_bytes", spec.memory_per_unit_bytes)?;
    if spec.initial_replicas > MAX_SIM_REPLICAS {
        return Err(SimError::invalid(
            "initial_replicas",
            format!("at most {MAX_SIM_REPLICAS} replicas can be simulated"),
        ));
    }
    if spec.startup_max_secs != 0 && spec.startup_max_secs < spec.startup_secs {
        return Err(SimError::invalid(
            "startup_max_secs",
            format!(
                "the longest start-up ({} s) is below the shortest ({} s); raise it, or 0 for a fixed start-up",
                spec.startup_max_secs, spec.startup_secs
            ),
        ));
    }
    non_negative("queue_secs", spec.queue_secs)?;
    non_negative("latency_slo_secs", spec.latency_slo_secs)?;
    let lag = &spec.metric_lag;
    for (field, v) in [
        ("metric_lag.resource_window_secs", lag.resource_window_secs),
        ("metric_lag.resource_delay_secs", lag.resource_delay_secs),
        ("metric_lag.resource_period_secs", lag.resource_period_secs),
        ("metric_lag.request_scrape_secs", lag.request_scrape_secs),
    ] {
        non_negative(field, v)?;
        if v > 3600.0 {
            return Err(SimError::invalid(field, "at most 3600 s"));
        }
    }
    let f = &spec.faults;
    non_negative("faults.crash_rate_per_hour", f.crash_rate_per_hour)?;
    non_negative(
        "faults.metric_outage_rate_per_hour",
        f.metric_outage_rate_per_hour,
    )?;
    non_negative(
        "faults.unreachable_rate_per_hour",
        f.unreachable_rate_per_hour,
    )?;
    check_resources(&spec.resources)
}

/// Requests and limits must be positive, and a limit not below its request.
pub(crate) fn check_resources(r: &ResourceSpec) -> Result<(), SimError> {
    let pairs = [
        ("cpu", r.cpu_request, r.cpu_limit),
        ("memory", r.memory_request, r.memory_limit),
    ];
    for (name, request, limit) in pairs {
        if let Some(v) = request {
            positive(&format!("resources.{name}_request"), v)?;
        }
        if let Some(v) = limit {
            positive(&format!("resources.{name}_limit"), v)?;
        }
        if let (Some(req), Some(lim)) = (request, limit) {
            if lim < req {
                return Err(SimError::invalid(
                    format!("resources.{name}_limit"),
                    format!("the limit {lim} is below the request {req}; raise the limit or lower the request"),
                ));
            }
        }
    }
    Ok(())
}

fn positive(field: &str, v: f64) -> Result<(), SimError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(SimError::invalid(
            field,
            format!("must be a positive number, got {v}"),
        ))
    }
}

fn non_negative(field: &str, v: f64) -> Result<(), SimError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(SimError::invalid(
            field,
            format!("must be zero or a positive number, got {v}"),
        ))
    }
}
