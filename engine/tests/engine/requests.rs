//! Pod requests as Kubernetes computes them for HPA, transcribed from
//! `replica_calculator_test.go` (`TestCalculateRequests`,
//! `TestCalculatePodRequestsFromContainers_NonExistentContainer`,
//! `TestReplicaCalcEmptyCPURequest`) and, for pods that set pod-level requests,
//! `k8s.io/component-helpers/resource` `helpers_test.go` (`TestPodResourceRequests`,
//! `TestPodResourceLimits` — the same formula — and `TestPodRequestsAndLimits`). Each case
//! reads the request through a cpu utilization: usage is half the expected request.

use ebb_engine::*;

use super::support::*;

enum Want {
    /// The request in cores.
    Request(f64),
    /// An error containing all of these.
    Error(&'static [&'static str]),
}

struct Case {
    name: &'static str,
    /// ContainerResource on this container, else Resource.
    container: Option<&'static str>,
    pod: Instance,
    want: Want,
}

fn c(name: &str, req: Option<f64>) -> Container {
    container(name, req, Some(0.0))
}

/// Pod-level requests: cpu if given; otherwise memory only, so cpu comes from the containers
/// as Kubernetes' `PodRequests` aggregates them.
fn pod_level(mut p: Instance, cpu: Option<f64>) -> Instance {
    p.requests = Resources {
        cpu,
        memory: if cpu.is_none() { Some(1.0e9) } else { None },
    };
    p
}

fn overhead(mut p: Instance, cpu: f64) -> Instance {
    p.detail_mut().overhead.cpu = Some(cpu);
    p
}

fn cases() -> Vec<Case> {
    use ContainerKind::{Init, Sidecar};
    let pod = |cs: Vec<Container>| pod_of("test-pod", cs);
    vec![
        Case {
            name: "TestCalculateRequests/Sum container requests if pod-level feature is disabled",
            container: None,
            pod: pod(vec![c("container1", Some(0.1)), c("container2", Some(0.05))]),
            want: Want::Request(0.15),
        },
        Case {
            name: "TestCalculateRequests/Pod-level resources override container requests when feature enabled and pod resources specified",
            container: None,
            pod: pod_level(
                pod(vec![c("container1", Some(0.1)), c("container2", Some(0.05))]),
                Some(0.8),
            ),
            want: Want::Request(0.8),
        },
        Case {
            name: "TestCalculateRequests/Fail if at least one of the containers is missing requests and pod-level feature/requests are not set",
            container: None,
            pod: pod(vec![c("container1", None), c("container2", Some(0.05))]),
            want: Want::Error(&["missing cpu request", "container1", "test-pod"]),
        },
        Case {
            name: "TestCalculateRequests/Pod-level resources override missing container requests when feature enabled and pod resources specified",
            container: None,
            pod: pod_level(
                pod(vec![c("container1", None), c("container2", Some(0.05))]),
                Some(0.8),
            ),
            want: Want::Request(0.8),
        },
        Case {
            name: "TestCalculateRequests/Container: if a container name is specified, calculate requests only for that container",
            container: Some("container1"),
            pod: pod(vec![c("container1", Some(0.1)), c("container2", Some(0.05))]),
            want: Want::Request(0.1),
        },
        Case {
            name: "TestCalculateRequests/Container: if a container name is specified, calculate requests only for that container and ignore pod-level requests",
            container: Some("container1"),
            pod: pod_level(
                pod(vec![c("container1", Some(0.1)), c("container2", Some(0.05))]),
                Some(0.8),
            ),
            want: Want::Request(0.1),
        },
        Case {
            name: "TestCalculateRequests/pod with restartable init containers",
            container: None,
            pod: pod(vec![
                c("container1", Some(0.1)),
                kind(c("init-container1", Some(0.02)), Init),
                kind(c("restartable-container1", Some(0.05)), Sidecar),
            ]),
            want: Want::Request(0.15),
        },
        Case {
            name: "TestCalculatePodRequestsFromContainers_NonExistentContainer",
            container: Some("non-existent-container"),
            pod: pod(vec![c("container1", Some(0.1))]),
            want: Want::Error(&["container non-existent-container not found", "test-pod"]),
        },
        Case {
            name: "TestReplicaCalcEmptyCPURequest",
            container: None,
            pod: {
                let mut p = pod_metric("cpu", Some(0.2));
                p.requests.cpu = None;
                p
            },
            want: Want::Error(&["no cpu request"]),
        },
        Case {
            name: "TestPodResourceRequests/nil options, larger init container",
            container: None,
            pod: pod_level(
                pod(vec![c("c", Some(1.0)), kind(c("i", Some(4.0)), Init)]),
                None,
            ),
            want: Want::Request(4.0),
        },
        Case {
            name: "TestPodResourceRequests/nil options, larger containers",
            container: None,
            pod: pod_level(
                pod(vec![
                    c("c1", Some(2.0)),
                    c("c2", Some(3.0)),
                    kind(c("i", Some(2.0)), Init),
                ]),
                None,
            ),
            want: Want::Request(5.0),
        },
        Case {
            name: "TestPodResourceRequests/pod overhead included",
            container: None,
            pod: overhead(
                pod_level(
                    pod(vec![
                        c("c1", Some(2.0)),
                        c("c2", Some(3.0)),
                        kind(c("i", Some(2.0)), Init),
                    ]),
                    None,
                ),
                1.0,
            ),
            want: Want::Request(6.0),
        },
        Case {
            name: "TestPodResourceRequests/restartable-init, init and regular",
            container: None,
            pod: pod_level(
                pod(vec![
                    kind(c("restartable-init-1", Some(10.0)), Sidecar),
                    kind(c("init-1", Some(200.0)), Init),
                    c("container-1", Some(100.0)),
                ]),
                None,
            ),
            want: Want::Request(210.0),
        },
        Case {
            name: "TestPodResourceLimits/multiple restartable init containers",
            container: None,
            pod: pod_level(
                pod(vec![
                    kind(c("init-1", Some(5.0)), Init),
                    kind(c("restartable-init-1", Some(1.0)), Sidecar),
                    kind(c("restartable-init-2", Some(2.0)), Sidecar),
                    kind(c("restartable-init-3", Some(3.0)), Sidecar),
                    c("container-1", Some(1.0)),
                ]),
                None,
            ),
            want: Want::Request(7.0),
        },
        Case {
            name: "TestPodResourceLimits/multiple restartable and regular init containers",
            container: None,
            pod: pod_level(
                pod(vec![
                    kind(c("init-1", Some(5.0)), Init),
                    kind(c("restartable-init-1", Some(1.0)), Sidecar),
                    kind(c("restartable-init-2", Some(2.0)), Sidecar),
                    kind(c("init-2", Some(5.0)), Init),
                    kind(c("restartable-init-3", Some(3.0)), Sidecar),
                    c("container-1", Some(1.0)),
                ]),
                None,
            ),
            want: Want::Request(8.0),
        },
        Case {
            // With the overhead HPA's `PodRequests` call includes: 40 + 3.
            name: "TestPodRequestsAndLimitsWithoutOverhead/two container with overhead, massive init - should just be the largest init",
            container: None,
            pod: overhead(
                pod_level(
                    pod(vec![
                        c("foobar", Some(1.0)),
                        c("foobar2", Some(4.0)),
                        kind(c("small-init", Some(1.0)), Init),
                        kind(c("big-init", Some(40.0)), Init),
                    ]),
                    None,
                ),
                3.0,
            ),
            want: Want::Request(43.0),
        },
        Case {
            // A pod-level request set for memory only, and no container requesting cpu.
            name: "calculatePodLevelRequests: missing pod-level request for cpu",
            container: None,
            pod: pod_level(pod(vec![c("container1", None)]), None),
            want: Want::Error(&["missing cpu request in instance test-pod", "pod-level"]),
        },
    ]
}

/// Sets every running container's usage so the instance uses half of `request` cores.
fn half_used(mut p: Instance, container: Option<&str>, request: f64) -> Instance {
    let running: Vec<usize> = p
        .containers()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind != ContainerKind::Init)
        .filter(|(_, c)| container.is_none_or(|n| c.name == n))
        .map(|(i, _)| i)
        .collect();
    let share = request / 2.0 / running.len().max(1) as f64;
    for i in running {
        p.detail_mut().containers[i].usage.cpu = Some(share);
    }
    p
}

#[test]
fn pod_request_cases() {
    for case in cases() {
        let metric = match case.container {
            None => cpu(50.0),
            Some(name) => MetricSpec {
                name: "cpu".into(),
                source: MetricSource::ContainerResource {
                    resource: ResourceName::Cpu,
                    container: name.into(),
                },
                target: MetricTarget::Utilization(50.0),
            },
        };
        let p = hpa(metric);
        match case.want {
            Want::Request(r) => {
                let pod = half_used(case.pod, case.container, r);
                let d = decide(&p, &obs(1, vec![pod]), &History::default(), t(0));
                assert_eq!(
                    d.proposals[0].value,
                    Some(50.0),
                    "{}: {:?}",
                    case.name,
                    d.proposals[0]
                );
            }
            Want::Error(parts) => {
                let d = decide(&p, &obs(1, vec![case.pod]), &History::default(), t(0));
                let e = d.proposals[0].error.clone().unwrap_or_default();
                for part in parts {
                    assert!(e.contains(part), "{}: {e:?} lacks {part:?}", case.name);
                }
                assert!(!d.metrics_ok, "{}", case.name);
            }
        }
    }
}

/// A ContainerResource metric on instances that report no containers (Swarm, the simulator)
/// fails with a sentence saying what to fix, also for an AverageValue target.
#[test]
fn container_metrics_need_containers() {
    let metric = MetricSpec {
        name: "app-cpu".into(),
        source: MetricSource::ContainerResource {
            resource: ResourceName::Cpu,
            container: "app".into(),
        },
        target: MetricTarget::AverageValue(0.5),
    };
    let d = decide(
        &hpa(metric),
        &obs(2, vec![pod(Some(0.5), 1.0), pod(Some(0.5), 1.0)]),
        &History::default(),
        t(0),
    );
    let e = d.proposals[0].error.as_deref().unwrap_or_default();
    assert!(e.contains("container app not found"), "{e}");
    assert!(
        d.sentence.contains("container app not found"),
        "{}",
        d.sentence
    );
}

/// HPA's resource metrics client sums the containers' usage; one container without a value
/// makes the pod's value missing, never a smaller sum.
#[test]
fn usage_is_summed_over_running_containers() {
    let full = pod_of(
        "a",
        vec![
            container("app", Some(1.0), Some(0.6)),
            kind(
                container("proxy", Some(1.0), Some(0.4)),
                ContainerKind::Sidecar,
            ),
            kind(container("setup", Some(5.0), None), ContainerKind::Init),
        ],
    );
    let d = decide(
        &hpa(cpu(50.0)),
        &obs(1, vec![full.clone()]),
        &History::default(),
        t(0),
    );
    assert_eq!(d.proposals[0].value, Some(50.0), "{:?}", d.proposals[0]);
    let mut partial = full;
    partial.detail_mut().containers[1].usage.cpu = None;
    let d = decide(
        &hpa(cpu(50.0)),
        &obs(1, vec![partial]),
        &History::default(),
        t(0),
    );
    assert_eq!(d.proposals[0].counts.missing, 1, "{:?}", d.proposals[0]);
}
