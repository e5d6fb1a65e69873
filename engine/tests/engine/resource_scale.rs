//! HPA's resource replica cases with hot CPU, containers, failed and deleted pods,
//! transcribed from `replica_calculator_test.go` (`TestReplicaCalcResourceScale` and the
//! `TestReplicaCalcScaleUpCMUnreadyHotCpu…` cases): pods of HPA's fake client with two
//! containers of a 1-core request each, cool pods started 3 min ago, hot ones just now.

use ebb_engine::*;

use super::support::*;

/// A pod of HPA's fake client: containers `container1` and `container2` with a 1-core request
/// each, using the given milli-cores (`None`: no usage reported for that container).
pub(super) fn fake_pod(i: usize, usage: [Option<i64>; 2]) -> Instance {
    let c = |n: usize, u: Option<i64>| {
        container(
            &format!("container{n}"),
            Some(1.0),
            u.map(|m| m as f64 / 1000.0),
        )
    };
    let mut p = pod_of(
        &format!("test-pod-{i}"),
        vec![c(1, usage[0]), c(2, usage[1])],
    );
    let d = p.detail_mut();
    d.sample_at = Some(t(0));
    d.sample_window_secs = Some(60.0);
    p
}

/// HPA's `coolCPUCreationTime` (3 min ago) or `hotCPUCreationTime` (now): a hot pod became
/// ready as it started, less than a sample window ago.
pub(super) fn started(mut i: Instance, hot: bool) -> Instance {
    let at = if hot { 0 } else { -180 };
    i.started_at = Some(t(at));
    i.ready_since = Some(t(at));
    i.ready_changed_at = Some(t(at));
    i
}

pub(super) fn state(mut i: Instance, s: InstanceState) -> Instance {
    i.state = s;
    i
}

fn container_cpu(name: &str, target: f64) -> MetricSpec {
    MetricSpec {
        name: "cpu".into(),
        source: MetricSource::ContainerResource {
            resource: ResourceName::Cpu,
            container: name.into(),
        },
        target: MetricTarget::Utilization(target),
    }
}

struct ScaleCase {
    name: &'static str,
    metric: MetricSpec,
    current: u32,
    instances: Vec<Instance>,
    want: u32,
    want_utilization: f64,
}

/// Pods using the same milli-cores in both containers (`makePodMetricLevels`).
pub(super) fn levels(l: &[i64]) -> Vec<Instance> {
    l.iter()
        .enumerate()
        .map(|(i, m)| fake_pod(i, [Some(*m), Some(*m)]))
        .collect()
}

/// Pods using 1000m in container1 and these in container2.
fn second(l: &[i64]) -> Vec<Instance> {
    l.iter()
        .enumerate()
        .map(|(i, m)| fake_pod(i, [Some(1000), Some(*m)]))
        .collect()
}

fn scale_cases() -> Vec<ScaleCase> {
    use InstanceState::*;
    let hot = |mut v: Vec<Instance>, which: &[bool]| {
        v = v
            .into_iter()
            .zip(which)
            .map(|(i, h)| started(i, *h))
            .collect();
        v
    };
    let states = |v: Vec<Instance>, s: &[InstanceState]| -> Vec<Instance> {
        v.into_iter().zip(s).map(|(i, s)| state(i, *s)).collect()
    };
    vec![
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale up: container metric",
            metric: container_cpu("container2", 30.0),
            current: 3,
            instances: second(&[300, 500, 700]),
            want: 5,
            want_utilization: 50.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale up: hot-CPU container scales less",
            metric: container_cpu("container2", 30.0),
            current: 3,
            instances: hot(
                (0..3)
                    .map(|i| fake_pod(i, [Some(0), Some([300, 500, 700][i])]))
                    .collect(),
                &[true, false, false],
            ),
            want: 4,
            want_utilization: 60.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale up: hot-CPU pod scales less",
            metric: cpu(30.0),
            current: 3,
            instances: hot(levels(&[300, 500, 700]), &[true, false, false]),
            want: 4,
            want_utilization: 60.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/no scale: hot-CPU pods ignored",
            metric: cpu(30.0),
            current: 3,
            instances: states(
                hot(levels(&[400, 500, 700]), &[false, true, true]),
                &[Ready, NotReady, NotReady],
            ),
            want: 3,
            want_utilization: 40.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale up: failed pods ignored with missing container metric",
            metric: container_cpu("container2", 30.0),
            current: 2,
            instances: states(
                vec![
                    fake_pod(0, [Some(1000), Some(500)]),
                    fake_pod(1, [Some(9000), Some(700)]),
                    fake_pod(2, [Some(1000), None]),
                    fake_pod(3, [Some(9000), None]),
                ],
                &[Ready, Ready, Failed, Failed],
            ),
            want: 4,
            want_utilization: 60.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale up: pods being deleted are ignored",
            metric: cpu(30.0),
            current: 2,
            instances: states(
                [levels(&[500, 700]), vec![fake_pod(2, [None, None]), fake_pod(3, [None, None])]]
                    .concat(),
                &[Ready, Ready, Terminating, Terminating],
            ),
            want: 4,
            want_utilization: 60.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale down: container metric excludes unscheduled pods",
            metric: container_cpu("container2", 50.0),
            current: 5,
            instances: states(
                second(&[100, 300, 500, 250, 250]),
                &[Ready, Starting, Starting, Starting, Starting],
            ),
            want: 1,
            want_utilization: 10.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale down: ignore hot-CPU pods",
            metric: cpu(50.0),
            current: 5,
            instances: hot(
                levels(&[100, 300, 500, 250, 250]),
                &[false, false, false, true, true],
            ),
            want: 2,
            want_utilization: 30.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale down: container metric ignores hot-CPU pods",
            metric: container_cpu("container2", 50.0),
            current: 5,
            instances: hot(
                second(&[100, 300, 500, 1000, 1000]),
                &[false, false, false, true, true],
            ),
            want: 2,
            want_utilization: 30.0,
        },
        ScaleCase {
            name: "TestReplicaCalcResourceScale/scale down: still-running pods being deleted are ignored",
            metric: container_cpu("container2", 50.0),
            current: 5,
            instances: states(
                [
                    second(&[100, 300, 500, 250, 250]),
                    vec![fake_pod(5, [None, None]), fake_pod(6, [None, None])],
                ]
                .concat(),
                &[Ready, Ready, Ready, Ready, Ready, Terminating, Terminating],
            ),
            want: 3,
            want_utilization: 28.0,
        },
    ]
}

#[test]
fn resource_scale_cases() {
    for c in scale_cases() {
        let p = hpa_testing(hpa(c.metric));
        let d = decide(&p, &obs(c.current, c.instances), &History::default(), t(0));
        let first = &d.proposals[0];
        assert_eq!(first.replicas, Some(c.want), "{}: {first:?}", c.name);
        assert_eq!(first.value, Some(c.want_utilization), "{}", c.name);
    }
}

/// Pods metrics have no CPU readiness timing: a not-ready pod that just started still counts.
#[test]
fn pods_metrics_count_unready_hot_pods() {
    use InstanceState::*;
    let cases = [
        (
            "TestReplicaCalcScaleUpCMUnreadyHotCpuNoLessScale",
            [Ready, Ready, NotReady],
            [false, false, true],
            [50.0, 10.0, 30.0],
            6,
        ),
        (
            "TestReplicaCalcScaleUpCMUnreadyHotCpuScaleWouldScaleDown",
            [NotReady, Ready, NotReady],
            [true, false, true],
            [50.0, 15.0, 30.0],
            7,
        ),
    ];
    for (name, states, hot, qps, want) in cases {
        let instances = (0..3)
            .map(|i| state(started(pod_metric("qps", Some(qps[i])), hot[i]), states[i]))
            .collect();
        let metric = MetricSpec {
            name: "qps".into(),
            source: MetricSource::Pods {
                metric: "qps".into(),
            },
            target: MetricTarget::AverageValue(15.0),
        };
        let d = decide(
            &hpa_testing(hpa(metric)),
            &obs(3, instances),
            &History::default(),
            t(0),
        );
        assert_eq!(
            d.proposals[0].replicas,
            Some(want),
            "{name}: {:?}",
            d.proposals[0]
        );
    }
}
