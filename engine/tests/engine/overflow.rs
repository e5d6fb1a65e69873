//! Counts are Kubernetes int32s: proposals saturate at 2,147,483,647 and `validate` refuses
//! larger bounds. Transcribed from `replica_calculator_test.go`
//! (`TestReplicaCalcScaleUpOverflow`, `TestExternalPerPodMetricReplicaOverflow`).

use ebb_engine::*;

use super::support::*;

/// `math.MaxInt64` milli-units, the largest quantity the metrics APIs carry.
const MAX_QUANTITY: f64 = 9_223_372_036_854_775.807;

fn total(object: bool, target: MetricTarget) -> MetricSpec {
    let metric = "qps".to_string();
    MetricSpec {
        name: "qps".into(),
        source: if object {
            MetricSource::Object { metric }
        } else {
            MetricSource::External { metric }
        },
        target,
    }
}

#[test]
fn proposals_saturate_at_the_int32_maximum() {
    let cases = [
        (
            "TestReplicaCalcScaleUpOverflow",
            total(true, MetricTarget::Value(0.001)),
            3,
        ),
        (
            "TestExternalPerPodMetricReplicaOverflow",
            total(false, MetricTarget::AverageValue(0.001)),
            1,
        ),
    ];
    for (name, metric, current) in cases {
        let mut p = hpa(metric);
        p.max_replicas = MAX_REPLICAS;
        let mut o = obs(current, (0..current).map(|_| pod(Some(0.1), 1.0)).collect());
        o.external.insert("qps".into(), MAX_QUANTITY);
        let d = decide(&p, &o, &History::default(), t(0));
        assert_eq!(
            d.proposals[0].replicas,
            Some(MAX_REPLICAS),
            "{name}: {:?}",
            d.proposals[0]
        );
        assert!(d.desired_replicas <= MAX_REPLICAS, "{name}");
    }
}

#[test]
fn step_and_headroom_saturate_too() {
    let mut p = hpa(cpu(50.0));
    p.max_replicas = MAX_REPLICAS;
    p.step_rules = vec![StepRule {
        metric: "cpu".into(),
        steps: vec![Step {
            lower: None,
            upper: None,
            adjustment: Adjustment::ExactCapacity(u32::MAX),
        }],
        min_adjustment_magnitude: None,
    }];
    p.headroom = Some(Headroom::Instances(u32::MAX));
    let d = decide(
        &p,
        &obs(1, vec![pod(Some(0.5), 1.0)]),
        &History::default(),
        t(0),
    );
    assert_eq!(d.proposals[1].replicas, Some(MAX_REPLICAS));
    assert!(
        d.limits.iter().all(|l| l.to <= MAX_REPLICAS),
        "{:?}",
        d.limits
    );
}

#[test]
fn validate_refuses_counts_above_int32() {
    let mut p = hpa(cpu(50.0));
    p.max_replicas = MAX_REPLICAS;
    assert!(validate(&p).is_empty(), "{:?}", validate(&p));
    p.max_replicas = MAX_REPLICAS + 1;
    let e = validate(&p);
    assert!(
        e.iter()
            .any(|e| e.path == "max_replicas" && e.message.contains("2147483647")),
        "{e:?}"
    );
}
