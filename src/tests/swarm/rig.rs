//! Helpers for the Swarm tests: the test daemon's socket (or a skip notice), a bollard client of
//! our own to play "someone else", service creation with the `ebb-busybox:test` image, polling.

use std::collections::HashMap;

use bollard::models::{
    Mount, MountTypeEnum, ResourceObject, ServiceSpec, ServiceSpecMode, ServiceSpecModeReplicated,
    TaskSpec, TaskSpecContainerSpec, TaskSpecResources, TaskSpecRestartPolicy,
};
use bollard::query_parameters::{InspectServiceOptions, UpdateServiceOptionsBuilder};
use bollard::{Docker, API_DEFAULT_VERSION};
use ebb::server::orchestrator::swarm::{SwarmBackend, SwarmSettings};

/// The image scripts/swarm-test imports from Debian's static busybox.
pub const IMAGE: &str = "ebb-busybox:test";
/// Idles until `/ebb/burn` exists in the mounted folder, burns one core while it does.
pub const BURN_ON_TRIGGER: &str =
    "while :; do if [ -e /ebb/burn ]; then :; else sleep 0.1; fi; done";

/// The test daemon's socket, or `None` after printing why the test is skipped.
pub fn socket(test: &str) -> Option<String> {
    match std::env::var("EBB_TEST_DOCKER_SOCKET") {
        Ok(s) if !s.is_empty() => Some(s),
        _ => {
            println!(
                "skipping {test}: EBB_TEST_DOCKER_SOCKET is unset (scripts/swarm-test sets it)"
            );
            None
        }
    }
}

/// Our own client of the daemon, acting as another operator.
pub async fn docker(socket: &str) -> Docker {
    Docker::connect_with_unix(socket, 30, API_DEFAULT_VERSION)
        .expect("client")
        .negotiate_version()
        .await
        .expect("daemon answers")
}

/// The backend under test over `socket` with label filter `label`.
pub fn backend(socket: &str, label: &str) -> SwarmBackend {
    SwarmBackend::new(SwarmSettings {
        socket: Some(socket.to_string()),
        label: label.to_string(),
        ..Default::default()
    })
}

/// What a test service looks like.
pub struct Svc<'a> {
    pub name: &'a str,
    pub cmd: &'a str,
    pub replicas: Option<u32>,
    pub label: bool,
    pub reserve_cpu: Option<f64>,
    pub limit_cpu: Option<f64>,
    pub mount: Option<&'a str>,
}

impl<'a> Svc<'a> {
    /// A labelled replicated service of one sleeping task.
    pub fn new(name: &'a str) -> Svc<'a> {
        Svc {
            name,
            cmd: "sleep 3600",
            replicas: Some(1),
            label: true,
            reserve_cpu: Some(0.1),
            limit_cpu: None,
            mount: None,
        }
    }
}

/// Creates `svc` (removing a leftover of the same name first).
pub async fn create(docker: &Docker, svc: &Svc<'_>) {
    let _ = docker.delete_service(svc.name).await;
    let labels = svc
        .label
        .then(|| HashMap::from([("ebb.enable".to_string(), "true".to_string())]));
    let mode = match svc.replicas {
        Some(n) => ServiceSpecMode {
            replicated: Some(ServiceSpecModeReplicated {
                replicas: Some(i64::from(n)),
            }),
            ..Default::default()
        },
        None => ServiceSpecMode {
            global: Some(HashMap::new()),
            ..Default::default()
        },
    };
    let mounts = svc.mount.map(|src| {
        vec![Mount {
            target: Some("/ebb".into()),
            source: Some(src.into()),
            typ: Some(MountTypeEnum::BIND),
            ..Default::default()
        }]
    });
    let spec = ServiceSpec {
        name: Some(svc.name.into()),
        labels,
        mode: Some(mode),
        task_template: Some(TaskSpec {
            container_spec: Some(TaskSpecContainerSpec {
                image: Some(IMAGE.into()),
                command: Some(vec!["sh".into(), "-c".into(), svc.cmd.into()]),
                mounts,
                // `sh` as PID 1 ignores SIGTERM: do not wait the default 10 s on scale-in.
                stop_grace_period: Some(500_000_000),
                ..Default::default()
            }),
            resources: Some(TaskSpecResources {
                reservations: Some(ResourceObject {
                    nano_cpus: svc.reserve_cpu.map(|c| (c * 1e9) as i64),
                    ..Default::default()
                }),
                limits: svc.limit_cpu.map(|c| bollard::models::Limit {
                    nano_cpus: Some((c * 1e9) as i64),
                    ..Default::default()
                }),
            }),
            restart_policy: Some(TaskSpecRestartPolicy {
                delay: Some(200_000_000),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    docker
        .create_service(spec, None)
        .await
        .expect("create service");
}

/// Changes `service` as another operator would: read, `change`, write with the read version.
pub async fn other_update(docker: &Docker, service: &str, change: impl FnOnce(&mut ServiceSpec)) {
    let s = docker
        .inspect_service(service, None::<InspectServiceOptions>)
        .await
        .expect("inspect");
    let mut spec = s.spec.expect("spec");
    change(&mut spec);
    let version = s.version.and_then(|v| v.index).expect("version") as i32;
    let opts = UpdateServiceOptionsBuilder::new().version(version).build();
    docker
        .update_service(service, spec, opts, None)
        .await
        .expect("other update");
}

/// The spec of `service` as the daemon has it now.
pub async fn spec(docker: &Docker, service: &str) -> ServiceSpec {
    docker
        .inspect_service(service, None::<InspectServiceOptions>)
        .await
        .expect("inspect")
        .spec
        .expect("spec")
}

pub use crate::support::wait_for;

/// Waits until `service` has exactly `n` ready instances and asks for `n` replicas.
pub async fn wait_ready(b: &SwarmBackend, service: &str, n: usize, secs: u64) {
    use ebb::server::orchestrator::{ObservedState, Orchestrator};
    wait_for(&format!("{n} ready tasks of {service}"), secs, || async {
        let o = b.observe(service).await.ok()?;
        let ready = o
            .instances
            .iter()
            .filter(|i| i.state == ObservedState::Ready)
            .count();
        (ready == n && o.instances.len() == n).then_some(())
    })
    .await
}
