//! HPA's pod grouping and CPU readiness timing, transcribed from `replica_calculator_test.go`
//! (kubernetes/kubernetes, `pkg/controller/podautoscaler`): `TestGroupPods` case by case, and
//! the hot-CPU, container, failed and deleted-pod cases of `TestReplicaCalcResourceScale`.
//! HPA's tests run with a 2 min initialization period and a 10 s delay ([`hpa_testing`]).

use ebb_engine::*;

use super::support::*;

/// Expected grouping: (ready, unready, missing, ignored).
type Groups = (u32, u32, u32, u32);

struct GroupCase {
    name: &'static str,
    metric: MetricSpec,
    instances: Vec<Instance>,
    want: Groups,
}

fn memory() -> MetricSpec {
    MetricSpec {
        name: "memory".into(),
        source: MetricSource::Resource {
            resource: ResourceName::Memory,
        },
        target: MetricTarget::AverageValue(1.0),
    }
}

fn with_memory(mut i: Instance) -> Instance {
    i.metrics.insert("memory".into(), 1.0);
    i
}

fn without_metrics(mut i: Instance) -> Instance {
    i.metrics.clear();
    i
}

fn group_cases() -> Vec<GroupCase> {
    use InstanceState::*;
    vec![
        GroupCase {
            name: "TestGroupPods/count in a ready pod - memory",
            metric: memory(),
            instances: vec![with_memory(timed(Ready, None, None, Some((0, 60.0))))],
            want: (1, 0, 0, 0),
        },
        GroupCase {
            // HPA: no Ready condition means unready; ours is a not-ready instance whose
            // readiness change is unknown, started just now.
            name: "TestGroupPods/unready a pod without ready condition - CPU",
            metric: cpu(50.0),
            instances: vec![timed(NotReady, Some(0), None, None)],
            want: (0, 1, 0, 0),
        },
        GroupCase {
            name: "TestGroupPods/count in a ready pod with fresh metrics during initialization period - CPU",
            metric: cpu(50.0),
            instances: vec![timed(Ready, Some(-60), Some(-30), Some((0, 30.0)))],
            want: (1, 0, 0, 0),
        },
        GroupCase {
            name: "TestGroupPods/unready a ready pod without fresh metrics during initialization period - CPU",
            metric: cpu(50.0),
            instances: vec![timed(Ready, Some(-60), Some(-30), Some((0, 60.0)))],
            want: (0, 1, 0, 0),
        },
        GroupCase {
            name: "TestGroupPods/unready an unready pod during initialization period - CPU",
            metric: cpu(50.0),
            instances: vec![timed(NotReady, Some(-600), Some(-594), None)],
            want: (0, 1, 0, 0),
        },
        GroupCase {
            name: "TestGroupPods/count in a ready pod without fresh metrics after initialization period - CPU",
            metric: cpu(50.0),
            instances: vec![timed(Ready, Some(-180), Some(-180), Some((-120, 60.0)))],
            want: (1, 0, 0, 0),
        },
        GroupCase {
            name: "TestGroupPods/count in an unready pod that was ready after initialization period - CPU",
            metric: cpu(50.0),
            instances: vec![timed(NotReady, Some(-600), Some(-540), None)],
            want: (1, 0, 0, 0),
        },
        GroupCase {
            // The readiness changed exactly the delay after the start: HPA's strict "after"
            // counts it as having been ready (the test's name notwithstanding).
            name: "TestGroupPods/unready pod that has never been ready after initialization period - CPU",
            metric: cpu(50.0),
            instances: vec![timed(NotReady, Some(-600), Some(-590), None)],
            want: (1, 0, 0, 0),
        },
        GroupCase {
            name: "TestGroupPods/a missing pod",
            metric: cpu(50.0),
            instances: vec![without_metrics(timed(Ready, Some(-180), None, None))],
            want: (0, 0, 1, 0),
        },
        GroupCase {
            name: "TestGroupPods/several pods",
            metric: cpu(50.0),
            instances: vec![
                timed(NotReady, Some(0), None, None),
                timed(Ready, Some(-180), Some(-180), None),
                without_metrics(timed(NotReady, Some(-180), None, None)),
            ],
            want: (1, 1, 1, 0),
        },
        GroupCase {
            name: "TestGroupPods/pending pods are unreadied",
            metric: cpu(50.0),
            instances: vec![without_metrics(timed(Starting, None, None, None))],
            want: (0, 1, 0, 0),
        },
        GroupCase {
            name: "TestGroupPods/ignore pods with deletion timestamps",
            metric: cpu(50.0),
            instances: vec![timed(Terminating, None, None, None)],
            want: (0, 0, 0, 1),
        },
        GroupCase {
            name: "TestGroupPods/ignore pods in a failed state",
            metric: cpu(50.0),
            instances: vec![timed(Failed, None, None, None)],
            want: (0, 0, 0, 1),
        },
    ]
}

#[test]
fn group_pods_cases() {
    for c in group_cases() {
        let n = u32::try_from(c.instances.len()).expect("few");
        let p = hpa_testing(hpa(c.metric));
        let d = decide(&p, &obs(n, c.instances), &History::default(), t(0));
        let k = d.proposals[0].counts;
        assert_eq!(
            (k.ready, k.unready, k.missing, k.ignored),
            c.want,
            "{}: {:?}",
            c.name,
            d.proposals[0]
        );
    }
}

#[test]
fn no_instances_is_an_error_not_zero() {
    // TestGroupPods/void groups nothing; HPA then fails with "no pods returned by selector".
    let p = hpa_testing(hpa(cpu(50.0)));
    let d = decide(&p, &obs(3, vec![]), &History::default(), t(0));
    assert!(d.proposals[0].error.is_some(), "{:?}", d.proposals[0]);
    assert!(!d.metrics_ok);
}

/// A pod of HPA's fake client: containers `container1` and `container2` with a 1-core request
/// each, using the given milli-cores (`None`: no usage reported for that container).
fn fake_pod(i: usize, usage: [Option<i64>; 2]) -> Instance {
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
    p.sample_at = Some(t(0));
    p.sample_window_secs = Some(60.0);
    p
}

/// HPA's `coolCPUCreationTime` (3 min ago) or `hotCPUCreationTime` (now): a hot pod became
/// ready as it started, less than a sample window ago.
fn started(mut i: Instance, hot: bool) -> Instance {
    let at = if hot { 0 } else { -180 };
    i.started_at = Some(t(at));
    i.ready_since = Some(t(at));
    i.ready_changed_at = Some(t(at));
    i
}

fn state(mut i: Instance, s: InstanceState) -> Instance {
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
fn levels(l: &[i64]) -> Vec<Instance> {
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

/// The CPU timing is a rule like every other: the sentence says which instances it left out
/// and what it assumed.
#[test]
fn the_sentence_explains_the_cpu_timing() {
    let instances = levels(&[300, 500, 700])
        .into_iter()
        .zip([true, false, false])
        .map(|(i, h)| started(i, h))
        .collect();
    let p = hpa(cpu(30.0));
    let d = decide(&p, &obs(3, instances), &History::default(), t(0));
    assert!(
        d.sentence
            .contains("1 in their first 300s not counted for cpu"),
        "{}",
        d.sentence
    );
    let mut o = obs(2, vec![timed(InstanceState::Ready, None, None, None); 2]);
    o.instances[1].state = InstanceState::NotReady;
    let d = decide(&p, &o, &History::default(), t(0));
    assert_eq!(d.proposals[0].counts.assumed, 2, "{:?}", d.proposals[0]);
    assert!(
        d.proposals[0]
            .readiness
            .contains("unknown start taken as before the initialization period"),
        "{:?}",
        d.proposals[0]
    );
}

/// Docker Swarm reports no readiness changes: the backend's note is quoted where the timing
/// leaves an instance out.
#[test]
fn a_backend_note_on_readiness_is_quoted() {
    let mut o = obs(
        2,
        vec![
            timed(InstanceState::Ready, Some(-10), Some(-10), Some((0, 15.0))),
            timed(
                InstanceState::Ready,
                Some(-900),
                Some(-900),
                Some((0, 15.0)),
            ),
        ],
    );
    o.ready_change_note = Some("Swarm: a task's start of running is its Ready transition".into());
    let d = decide(&hpa(cpu(50.0)), &o, &History::default(), t(0));
    assert_eq!(d.proposals[0].counts.initializing, 1);
    assert!(
        d.sentence.contains("Swarm: a task's start"),
        "{}",
        d.sentence
    );
}
