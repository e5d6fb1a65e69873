//! HPA's pod grouping and CPU readiness timing, transcribed from `replica_calculator_test.go`
//! (kubernetes/kubernetes, `pkg/controller/podautoscaler`): `TestGroupPods` case by case, and
//! how the sentence explains the timing. HPA's tests run with a 2 min initialization period
//! and a 10 s delay ([`hpa_testing`]).

use ebb_engine::*;

use super::resource_scale::{levels, started};
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
