//! Replica calculator cases: HPA docs' worked examples and cases in the spirit of
//! `replica_calculator_test.go` (re-expressed with our own numbers where noted).

use ebb_engine::*;

use super::support::*;

struct Case {
    name: &'static str,
    policy: Policy,
    obs: Observation,
    want: u32,
    /// Expected proposal value (utilization %, average or total) of the first proposal.
    want_value: Option<f64>,
}

fn ext(name: &str, target: MetricTarget, object: bool) -> MetricSpec {
    let source = if object {
        MetricSource::Object {
            metric: name.into(),
        }
    } else {
        MetricSource::External {
            metric: name.into(),
        }
    };
    MetricSpec {
        name: name.into(),
        source,
        target,
    }
}

fn with_ext(mut o: Observation, k: &str, v: f64) -> Observation {
    o.external.insert(k.into(), v);
    o
}

fn pods_metric(target: f64) -> MetricSpec {
    MetricSpec {
        name: "qps".into(),
        source: MetricSource::Pods {
            metric: "qps".into(),
        },
        target: MetricTarget::AverageValue(target),
    }
}

fn ready3() -> Vec<Instance> {
    vec![
        pod(Some(0.1), 1.0),
        pod(Some(0.1), 1.0),
        pod(Some(0.1), 1.0),
    ]
}

fn cases() -> Vec<Case> {
    use InstanceState::*;
    vec![
        Case {
            name: "docs: 200m current vs 100m desired doubles the replicas",
            policy: hpa(pods_metric(0.1)),
            obs: obs(4, (0..4).map(|_| pod_metric("qps", Some(0.2))).collect()),
            want: 8,
            want_value: Some(0.2),
        },
        Case {
            name: "docs: 50m current vs 100m desired halves the replicas",
            policy: hpa(pods_metric(0.1)),
            obs: obs(4, (0..4).map(|_| pod_metric("qps", Some(0.05))).collect()),
            want: 2,
            want_value: Some(0.05),
        },
        Case {
            name: "scale up: 50% utilization vs 30% target on 3 instances gives 5",
            policy: hpa(cpu(30.0)),
            obs: obs(
                3,
                vec![
                    pod(Some(0.3), 1.0),
                    pod(Some(0.5), 1.0),
                    pod(Some(0.7), 1.0),
                ],
            ),
            want: 5,
            want_value: Some(50.0),
        },
        Case {
            name: "scale up with an unready instance counted at 0% scales less",
            policy: hpa(cpu(30.0)),
            obs: obs(
                3,
                vec![
                    with_state(pod(Some(0.3), 1.0), NotReady),
                    pod(Some(0.5), 1.0),
                    pod(Some(0.7), 1.0),
                ],
            ),
            want: 4,
            want_value: Some(60.0),
        },
        Case {
            name: "hot cpu on one ready instance, two unready: recomputation flips, hold",
            policy: hpa(cpu(30.0)),
            obs: obs(
                3,
                vec![
                    with_state(pod(Some(0.3), 1.0), NotReady),
                    pod(Some(0.5), 1.0),
                    with_state(pod(Some(0.7), 1.0), NotReady),
                ],
            ),
            want: 3,
            want_value: Some(50.0),
        },
        Case {
            name: "scale down: 28% vs 50% on 5 instances gives 3",
            policy: hpa(cpu(50.0)),
            obs: obs(
                5,
                vec![
                    pod(Some(0.1), 1.0),
                    pod(Some(0.3), 1.0),
                    pod(Some(0.5), 1.0),
                    pod(Some(0.25), 1.0),
                    pod(Some(0.25), 1.0),
                ],
            ),
            want: 3,
            want_value: Some(28.0),
        },
        Case {
            name: "tolerance: 102% vs 100% holds",
            policy: hpa(cpu(100.0)),
            obs: obs(
                3,
                vec![
                    pod(Some(1.01), 1.0),
                    pod(Some(1.03), 1.0),
                    pod(Some(1.02), 1.0),
                ],
            ),
            want: 3,
            want_value: Some(102.0),
        },
        Case {
            name: "missing on scale-up counts 0%: 190% becomes 95%, within tolerance, hold",
            policy: hpa(cpu(100.0)),
            obs: obs(2, vec![pod(Some(1.9), 1.0), pod(None, 1.0)]),
            want: 2,
            want_value: Some(190.0),
        },
        Case {
            name: "missing on scale-down counts 100% of the request: 80% becomes 110%, hold",
            policy: hpa(cpu(50.0)),
            obs: obs(
                4,
                vec![
                    pod(Some(0.04), 0.1),
                    pod(Some(0.04), 0.1),
                    pod(Some(0.04), 0.1),
                    pod(None, 0.1),
                ],
            ),
            want: 4,
            want_value: Some(40.0),
        },
        Case {
            name: "missing on scale-down with a target above 100% counts at the target",
            policy: hpa(cpu(200.0)),
            obs: obs(
                4,
                vec![
                    pod(Some(0.2), 1.0),
                    pod(Some(0.2), 1.0),
                    pod(Some(0.2), 1.0),
                    pod(None, 1.0),
                ],
            ),
            // ready 20% → 0.1; missing filled at 200%: (600+2000)/4000 = 65% → 0.325 → ceil(1.3) = 2
            want: 2,
            want_value: Some(20.0),
        },
        Case {
            name: "missing on scale-up: 90% vs 50% with one missing gives 4",
            policy: hpa(cpu(50.0)),
            obs: obs(
                3,
                vec![pod(Some(0.9), 1.0), pod(Some(0.9), 1.0), pod(None, 1.0)],
            ),
            want: 4,
            want_value: Some(90.0),
        },
        Case {
            name: "starting and failed instances: failed ignored, starting 0% on scale-up",
            policy: hpa(cpu(50.0)),
            obs: obs(
                4,
                vec![
                    pod(Some(1.0), 1.0),
                    pod(Some(1.0), 1.0),
                    with_state(pod(None, 1.0), Starting),
                    with_state(pod(Some(5.0), 1.0), Failed),
                ],
            ),
            // ready 100% → ratio 2 > 1 with unready: (2000 + 0)/3000 = 66% → 1.32 → ceil(3.96) = 4
            want: 4,
            want_value: Some(100.0),
        },
        Case {
            name: "pods metric: average 20 vs 15 on 3 instances gives 4",
            policy: hpa(pods_metric(15.0)),
            obs: obs(
                3,
                vec![
                    pod_metric("qps", Some(20.0)),
                    pod_metric("qps", Some(10.0)),
                    pod_metric("qps", Some(30.0)),
                ],
            ),
            want: 4,
            want_value: Some(20.0),
        },
        Case {
            name: "pods metric missing on scale-down is filled with the target",
            policy: hpa(pods_metric(10.0)),
            obs: obs(
                3,
                vec![
                    pod_metric("qps", Some(5.0)),
                    pod_metric("qps", Some(5.0)),
                    pod_metric("qps", None),
                ],
            ),
            // ratio 0.5; filled (5+5+10)/3 = 6.666 → 0.666 → ceil(2.0) = 2
            want: 2,
            want_value: Some(5.0),
        },
        Case {
            name: "object value: 10 vs 6.666 over 3 ready gives 5",
            policy: hpa(ext("rps", MetricTarget::Value(6.666), true)),
            obs: with_ext(obs(3, ready3()), "rps", 10.0),
            want: 5,
            want_value: Some(10.0),
        },
        Case {
            name: "object average value: 20 vs 2 per instance gives 10",
            policy: hpa(ext("rps", MetricTarget::AverageValue(2.0), true)),
            obs: with_ext(obs(3, ready3()), "rps", 20.0),
            want: 10,
            want_value: Some(20.0),
        },
        Case {
            name: "external value: 4.3 vs 8.6 over 5 ready gives 3",
            policy: hpa(ext("queue", MetricTarget::Value(8.6), false)),
            obs: with_ext(
                obs(5, (0..5).map(|_| pod(Some(0.1), 1.0)).collect()),
                "queue",
                4.3,
            ),
            want: 3,
            want_value: Some(4.3),
        },
        Case {
            name: "external average value within tolerance proposes the instance count",
            policy: hpa(ext("queue", MetricTarget::AverageValue(10.0), false)),
            obs: with_ext(obs(3, ready3()), "queue", 31.0),
            want: 3,
            want_value: Some(31.0),
        },
    ]
}

#[test]
fn replica_calculator_cases() {
    for c in cases() {
        let d = decide(&c.policy, &c.obs, &History::default(), t(0));
        let first = &d.proposals[0];
        assert_eq!(
            first.replicas,
            Some(c.want),
            "{}: proposal {:?}",
            c.name,
            first
        );
        assert_eq!(first.value, c.want_value, "{}: value", c.name);
        assert!(d.metrics_ok, "{}", c.name);
    }
}

#[test]
fn missing_external_metric_is_an_error_not_zero() {
    let p = hpa(ext("queue", MetricTarget::Value(5.0), false));
    let d = decide(&p, &obs(5, ready3()), &History::default(), t(0));
    assert!(d.proposals[0].error.is_some());
    assert_eq!(d.desired_replicas, 5);
    assert!(!d.metrics_ok);
    assert_eq!(d.reason, Reason::MetricsMissing);
}

#[test]
fn nan_metric_is_missing_not_zero() {
    let d = decide(
        &hpa(cpu(50.0)),
        &obs(2, vec![pod(Some(f64::NAN), 1.0), pod(Some(1.0), 1.0)]),
        &History::default(),
        t(0),
    );
    assert_eq!(d.proposals[0].counts.missing, 1);
    // ready 100% vs 50% → scale-up; missing counted 0%: 1000/2000 = 50% → within tolerance.
    assert_eq!(d.desired_replicas, 2);
}

#[test]
fn multiple_metrics_take_the_largest() {
    let mut p = hpa(cpu(50.0));
    p.metrics.push(MetricSpec {
        name: "queue".into(),
        source: MetricSource::External {
            metric: "queue".into(),
        },
        target: MetricTarget::AverageValue(10.0),
    });
    let mut o = obs(3, ready3());
    o.external.insert("queue".into(), 70.0);
    let d = decide(&p, &o, &History::default(), t(0));
    assert_eq!(d.proposals[0].replicas, Some(1));
    assert_eq!(d.proposals[1].replicas, Some(7));
    assert_eq!(d.desired_replicas, 6, "legacy scale-up limit max(2×3, 4)");
    assert_eq!(d.reason, Reason::ScaleUpLimit);
}

#[test]
fn partial_metrics_never_scale_down() {
    let mut p = hpa(cpu(50.0));
    p.metrics.push(MetricSpec {
        name: "queue".into(),
        source: MetricSource::External {
            metric: "queue".into(),
        },
        target: MetricTarget::Value(10.0),
    });
    let d = decide(&p, &obs(3, ready3()), &History::default(), t(0));
    assert_eq!(d.desired_replicas, 3);
    assert!(!d.metrics_ok);
}

/// The sentence must say why a recomputation held, not call it "within tolerance".
#[test]
fn a_hold_by_unready_instances_is_explained_as_such() {
    // 2 ready at 88 % of a 60 % target; 3 starting count as 0 % on a scale-up:
    // (2 × 88) / (5 × 60) = 0.587 < 1 reverses the direction the ready ones show.
    let mut instances = vec![pod(Some(0.88), 1.0), pod(Some(0.88), 1.0)];
    for _ in 0..3 {
        instances.push(with_state(pod(None, 1.0), InstanceState::Starting));
    }
    let d = decide(
        &hpa(cpu(60.0)),
        &obs(5, instances),
        &History::default(),
        t(0),
    );
    assert_eq!(d.desired_replicas, 5);
    assert!(
        d.sentence.contains("would reverse the direction"),
        "{}",
        d.sentence
    );
    assert!(!d.sentence.contains("within tolerance"), "{}", d.sentence);
}

fn prom(name: &str, instance_label: &str, target: MetricTarget) -> MetricSpec {
    MetricSpec {
        name: name.into(),
        source: MetricSource::Prometheus {
            server: "main".into(),
            query: "sum(rate(http_requests_total{job=\"{workload}\"}[1m]))".into(),
            instance_label: instance_label.into(),
            empty_as_zero: false,
        },
        target,
    }
}

/// A Prometheus query's result is read under the metric's own name: a total like an External
/// metric (Value, or AverageValue per ready instance), per instance like a Pods metric.
#[test]
fn prometheus_queries_propose_like_external_and_pods_metrics() {
    // 450 req/s in all at 100 per instance: 5 (AverageValue over the 3 ready → ceil(4.5)).
    let p = hpa(prom("rps", "", MetricTarget::AverageValue(100.0)));
    let o = with_ext(obs(3, ready3()), "rps", 450.0);
    let d = decide(&p, &o, &History::default(), t(0));
    assert_eq!(d.proposals[0].kind, ProposalKind::Prometheus);
    assert_eq!(d.proposals[0].replicas, Some(5));
    // Value: total / target × current = 450 / 300 × 3 → 5.
    let p = hpa(prom("rps", "", MetricTarget::Value(300.0)));
    let d = decide(&p, &o, &History::default(), t(0));
    assert_eq!(d.proposals[0].replicas, Some(5));
    // Missing (an empty result that is not zero): no proposal, never a scale-in.
    let d = decide(&p, &obs(3, ready3()), &History::default(), t(0));
    assert!(d.proposals[0].error.is_some());
    assert_eq!(d.desired_replicas, 3);
    assert!(!d.metrics_ok);
    // Per instance: 150 on each of 3 against 100 → 5 (4.5 rounded up).
    let mut instances = ready3();
    for i in &mut instances {
        i.metrics.insert("rps".into(), 150.0);
    }
    let p = hpa(prom("rps", "pod", MetricTarget::AverageValue(100.0)));
    let d = decide(&p, &obs(3, instances), &History::default(), t(0));
    assert_eq!(d.proposals[0].replicas, Some(5));
}

#[test]
fn prometheus_sources_are_checked_field_by_field() {
    let mut p = hpa(prom("rps", "", MetricTarget::Utilization(50.0)));
    let paths = |p: &Policy| -> Vec<String> { validate(p).into_iter().map(|e| e.path).collect() };
    assert_eq!(paths(&p), ["metrics[0].target"]);
    p.metrics[0] = prom("rps", "pod", MetricTarget::Value(5.0));
    assert_eq!(
        paths(&p),
        ["metrics[0].target"],
        "per instance takes AverageValue"
    );
    p.metrics[0] = MetricSpec {
        source: MetricSource::Prometheus {
            server: " ".into(),
            query: "".into(),
            instance_label: "9pod".into(),
            empty_as_zero: true,
        },
        ..prom("rps", "", MetricTarget::AverageValue(5.0))
    };
    assert_eq!(
        paths(&p),
        [
            "metrics[0].source.server",
            "metrics[0].source.query",
            "metrics[0].source.instance_label"
        ]
    );
    p.metrics[0] = prom("rps", "", MetricTarget::Value(5.0));
    if let MetricSource::Prometheus { query, .. } = &mut p.metrics[0].source {
        *query = "x".repeat(4001);
    }
    assert_eq!(paths(&p), ["metrics[0].source.query"]);
}
