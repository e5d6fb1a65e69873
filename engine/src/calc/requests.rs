//! Pod requests and usage as Kubernetes computes them for HPA: the sum of the running
//! containers' requests (regular and sidecar; `calculatePodRequestsFromContainers`), one named
//! container's request for `ContainerResource` metrics, and, where the pod sets pod-level
//! requests, Kubernetes' effective pod request (`PodRequests` of
//! `k8s.io/component-helpers/resource`: containers and sidecars summed, at least any init
//! container's need while it runs beside the sidecars started before it, pod-level values
//! where set, plus the pod overhead). Usage is the instance's own value or the running
//! containers' sum (the resource metrics client's per-pod sum). All in milli-units.

use crate::num::milli;
use crate::observation::{Container, ContainerKind, Instance, Resources};
use crate::policy::ResourceName;

/// One resource of a request or usage.
fn pick(r: &Resources, res: ResourceName) -> Option<f64> {
    match res {
        ResourceName::Cpu => r.cpu,
        ResourceName::Memory => r.memory,
    }
}

/// Milli value of one resource, `None` when absent or unusable.
#[inline]
fn milli_of(r: &Resources, res: ResourceName) -> Option<i128> {
    pick(r, res).and_then(milli)
}

/// The running containers in the order HPA walks them: regular ones, then sidecars.
fn running(inst: &Instance) -> impl Iterator<Item = &Container> {
    let all = inst.containers();
    let regular = all.iter().filter(|c| c.kind == ContainerKind::Regular);
    regular.chain(all.iter().filter(|c| c.kind == ContainerKind::Sidecar))
}

/// The running container named `name`, if the instance has one.
pub(super) fn find<'a>(inst: &'a Instance, name: &str) -> Option<&'a Container> {
    running(inst).find(|c| c.name == name)
}

/// The milli request of `inst` for `res` (of container `container` when set), or a sentence
/// naming the instance and container that lack it.
#[inline]
pub(super) fn request(
    inst: &Instance,
    res: ResourceName,
    container: Option<&str>,
) -> Result<i128, String> {
    let key = res.key();
    if let Some(name) = container {
        let c = find(inst, name).ok_or_else(|| not_found(inst, name))?;
        return milli_of(&c.requests, res).ok_or_else(|| missing(inst, &c.name, key));
    }
    if inst.containers().is_empty() {
        return milli_of(&inst.requests, res)
            .ok_or_else(|| format!("instance {} has no {key} request", inst.id));
    }
    if inst.requests.any() {
        return pod_level(inst, res).ok_or_else(|| {
            format!(
                "missing {key} request in instance {}: its pod-level requests leave {key} out and no container requests it",
                inst.id
            )
        });
    }
    let mut sum: i128 = 0;
    for c in running(inst) {
        let r = milli_of(&c.requests, res).ok_or_else(|| missing(inst, &c.name, key))?;
        sum = sum.saturating_add(r);
    }
    Ok(sum)
}

/// The milli CPU limit of `inst` (of container `container` when set): that container's own;
/// else the instance's own (a backend without containers); else the running containers' sum
/// when every one of them has a limit. `None` when anything that runs is unlimited.
pub(super) fn cpu_limit(inst: &Instance, container: Option<&str>) -> Option<i128> {
    let cpu = ResourceName::Cpu;
    if let Some(name) = container {
        return find(inst, name).and_then(|c| milli_of(&c.limits, cpu));
    }
    if let Some(v) = milli_of(&inst.limits, cpu) {
        return Some(v);
    }
    let mut sum: Option<i128> = None;
    for c in running(inst) {
        let v = milli_of(&c.limits, cpu)?;
        sum = Some(sum.unwrap_or(0).saturating_add(v));
    }
    sum
}

/// Error: the named container is not in the instance.
pub(super) fn not_found(inst: &Instance, name: &str) -> String {
    format!(
        "container {name} not found in instance {}: name a container every instance runs",
        inst.id
    )
}

fn missing(inst: &Instance, container: &str, key: &str) -> String {
    format!(
        "missing {key} request in container {container} of instance {}: set one (HPA needs the request of every container it measures)",
        inst.id
    )
}

/// Kubernetes' effective pod request where the pod sets pod-level requests; `None` when
/// nothing requests `res`.
fn pod_level(inst: &Instance, res: ResourceName) -> Option<i128> {
    let base = match pick(&inst.requests, res) {
        Some(v) => milli(v),
        None => aggregate(inst, res),
    };
    let overhead = inst
        .detail
        .as_ref()
        .and_then(|d| milli_of(&d.overhead, res));
    match (base, overhead) {
        (None, None) => None,
        (b, o) => Some(b.unwrap_or(0).saturating_add(o.unwrap_or(0))),
    }
}

/// Containers and sidecars summed, but at least what each init container needs while it runs
/// beside the sidecars started before it (KEP-753's formula); `None` when none requests it.
fn aggregate(inst: &Instance, res: ResourceName) -> Option<i128> {
    let mut sum: Option<i128> = None;
    let mut sidecars: Option<i128> = None;
    let mut init_max: Option<i128> = None;
    for c in inst.containers() {
        let r = milli_of(&c.requests, res);
        let need = match c.kind {
            ContainerKind::Regular => {
                add(&mut sum, r);
                continue;
            }
            ContainerKind::Sidecar => {
                add(&mut sum, r);
                add(&mut sidecars, r);
                sidecars
            }
            ContainerKind::Init => {
                let mut need = r;
                add(&mut need, sidecars);
                need
            }
        };
        init_max = init_max.max(need);
    }
    sum.max(init_max)
}

/// Adds `x` to `acc` when present (a resource list sum: absent plus absent stays absent).
fn add(acc: &mut Option<i128>, x: Option<i128>) {
    if let Some(x) = x {
        *acc = Some(acc.unwrap_or(0).saturating_add(x));
    }
}

/// The milli usage of `inst` for metric `key`: the instance's own value, else (for a
/// resource) the sum over its running containers, missing if any of them reports none; for
/// a named container, that container's usage.
#[inline]
pub(super) fn usage(
    inst: &Instance,
    key: &str,
    res: Option<ResourceName>,
    container: Option<&str>,
) -> Option<i128> {
    if let Some(name) = container {
        return find(inst, name).and_then(|c| milli_of(&c.usage, res?));
    }
    if let Some(v) = inst.metrics.get(key) {
        return milli(*v);
    }
    let res = res?;
    let mut sum: Option<i128> = None;
    for c in running(inst) {
        add(&mut sum, Some(milli_of(&c.usage, res)?));
    }
    sum
}
