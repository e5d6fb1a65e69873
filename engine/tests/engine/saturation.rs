//! CPU saturation (ebb's rule, not HPA's): ready instances throttled at their CPU limit and
//! above the target propose `factor` times HPA's count for the ready ones; nothing changes
//! without a rule, below the threshold, without a limit on every ready instance, or within
//! tolerance.

use ebb_engine::*;

use super::support::*;

/// A ready instance using `cpu` cores of a 0.5-core request and a `limit`-core limit.
fn limited(cpu: f64, limit: Option<f64>) -> Instance {
    let mut i = pod(Some(cpu), 0.5);
    i.limits.cpu = limit;
    i
}

fn policy(factor: Option<f64>) -> Policy {
    let mut p = hpa(cpu(80.0));
    p.max_replicas = 1000;
    // Unbounded steps, so the test sees the proposals themselves.
    p.behavior = Some(Behavior {
        scale_up: ScalingRules {
            policies: vec![RatePolicy {
                kind: RatePolicyKind::Percent,
                value: 10_000,
                period_secs: 15,
            }],
            ..ScalingRules::default_up()
        },
        ..Behavior::default()
    });
    p.saturation = factor.map(|factor| Saturation {
        factor,
        ..Saturation::default()
    });
    p
}

fn desired(p: &Policy, o: &Observation) -> Decision {
    decide(p, o, &History::default(), t(0))
}

#[test]
fn saturated_instances_propose_the_factor_times_hpa() {
    // 3 ready at 0.99 of a 1-core limit: 198 % of the request, ratio 2.475 → HPA 8; ×4 → 30.
    let o = obs(3, (0..3).map(|_| limited(0.99, Some(1.0))).collect());
    let hpa_only = desired(&policy(None), &o);
    assert_eq!(hpa_only.desired_replicas, 8);
    let d = desired(&policy(Some(4.0)), &o);
    assert_eq!(d.desired_replicas, 30, "{}", d.proposals[0].detail);
    let detail = &d.proposals[0].detail;
    assert!(detail.contains("99 % of their CPU limit"), "{detail}");
    assert!(detail.contains("assumes 4× that"), "{detail}");
}

#[test]
fn below_the_threshold_or_without_limits_hpa_stands() {
    // 0.9 of the limit is below the default 95 %.
    let o = obs(3, (0..3).map(|_| limited(0.9, Some(1.0))).collect());
    assert_eq!(desired(&policy(Some(4.0)), &o).desired_replicas, 7);
    // One ready instance without a limit could absorb more: not saturated.
    let mut list: Vec<Instance> = (0..2).map(|_| limited(0.99, Some(1.0))).collect();
    list.push(limited(0.99, None));
    assert_eq!(
        desired(&policy(Some(4.0)), &obs(3, list)).desired_replicas,
        8
    );
    // A lower threshold reads 90 % as saturated.
    let mut p = policy(Some(4.0));
    p.saturation = Some(Saturation {
        factor: 4.0,
        limit_percent: 90.0,
    });
    assert_eq!(desired(&p, &o).desired_replicas, 27);
}

#[test]
fn a_target_at_the_limit_or_within_tolerance_never_probes() {
    // Target 200 % = the limit: ratio 0.99 is within tolerance, nothing moves.
    let mut p = policy(Some(4.0));
    p.metrics = vec![cpu(200.0)];
    let o = obs(3, (0..3).map(|_| limited(0.99, Some(1.0))).collect());
    assert_eq!(desired(&p, &o).desired_replicas, 3);
}

#[test]
fn the_probe_counts_ready_instances_only_so_it_does_not_compound() {
    // 3 ready and saturated, 27 more starting: HPA holds (the starting ones count as 0 %);
    // saturation asks 30 again (3 × 2.475 × 4), not 30 × 4.
    let mut list: Vec<Instance> = (0..3).map(|_| limited(0.99, Some(1.0))).collect();
    list.extend((0..27).map(|_| with_state(limited(0.0, Some(1.0)), InstanceState::Starting)));
    let o = obs(30, list);
    assert_eq!(desired(&policy(None), &o).desired_replicas, 30);
    let d = desired(&policy(Some(4.0)), &o);
    assert_eq!(d.desired_replicas, 30);
    // With 40 asked earlier and still starting, the probe (30) does not scale in.
    let mut more: Vec<Instance> = (0..3).map(|_| limited(0.99, Some(1.0))).collect();
    more.extend((0..37).map(|_| with_state(limited(0.0, Some(1.0)), InstanceState::Starting)));
    assert_eq!(
        desired(&policy(Some(4.0)), &obs(40, more)).desired_replicas,
        40
    );
}

#[test]
fn container_limits_add_up_and_a_named_container_uses_its_own() {
    let limit = |mut c: Container, l: Option<f64>| {
        c.limits.cpu = l;
        c
    };
    let two = |l2: Option<f64>| {
        pod_of(
            "p",
            vec![
                limit(container("app", Some(0.4), Some(0.8)), Some(0.8)),
                limit(container("proxy", Some(0.1), Some(0.2)), l2),
            ],
        )
    };
    // Both at their limits: 1.0 of 1.0 cores, 200 % of 0.5 → ratio 2.5 → HPA 8, ×2 → 15.
    let o = obs(3, (0..3).map(|_| two(Some(0.2))).collect());
    assert_eq!(desired(&policy(Some(2.0)), &o).desired_replicas, 15);
    // An unlimited sidecar-free container leaves the pod unlimited: HPA's 8.
    let o = obs(3, (0..3).map(|_| two(None)).collect());
    assert_eq!(desired(&policy(Some(2.0)), &o).desired_replicas, 8);
    // ContainerResource on "app" reads app's own limit, which it is at.
    let mut p = policy(Some(2.0));
    p.metrics = vec![MetricSpec {
        name: "cpu".into(),
        source: MetricSource::ContainerResource {
            resource: ResourceName::Cpu,
            container: "app".into(),
        },
        target: MetricTarget::Utilization(80.0),
    }];
    assert_eq!(desired(&p, &o).desired_replicas, 15);
}

#[test]
fn validation_names_the_field_to_fix() {
    let mut p = policy(None);
    p.saturation = Some(Saturation {
        factor: 0.5,
        limit_percent: 120.0,
    });
    let errors = validate(&p);
    let fields: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert!(fields.contains(&"saturation.factor"), "{errors:?}");
    assert!(fields.contains(&"saturation.limit_percent"), "{errors:?}");
    let mut q = policy(Some(4.0));
    q.metrics = vec![MetricSpec {
        name: "qps".into(),
        source: MetricSource::Pods {
            metric: "qps".into(),
        },
        target: MetricTarget::AverageValue(10.0),
    }];
    let errors = validate(&q);
    assert!(
        errors
            .iter()
            .any(|e| e.path == "saturation" && e.message.contains("CPU")),
        "{errors:?}"
    );
    assert!(validate(&policy(Some(4.0))).is_empty());
}
