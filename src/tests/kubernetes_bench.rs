//! Benchmarks of the Kubernetes backend on the test host, run by hand with
//! `scripts/k8s-test --bench` (never by the test command): the reaction time from a PodMetrics
//! change to the controller's scale call at a 1 s evaluation interval, and what one tick of
//! observations of 1,000 Deployments of 10 pods each costs (API requests, CPU time, wall time).

use std::sync::Arc;
use std::time::{Duration, Instant};

use ebb::server::orchestrator::Orchestrator;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams, PostParams};
use serde_json::json;

use super::kubernetes::{
    backend, made_or_there, pod_metric, pod_names, run_pod_since, web_deployment, web_in,
};
use super::support::{control_rig, cpu_policy, wait_for};

fn cpu_seconds() -> f64 {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) };
    // SAFETY: zeroed, then filled by getrusage.
    let u = unsafe { usage.assume_init() };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(u.ru_utime) + secs(u.ru_stime)
}

fn pick(sorted: &[f64], q: f64) -> f64 {
    sorted[((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1]
}

#[tokio::test]
#[ignore = "benchmark: run by scripts/k8s-test --bench"]
async fn kubernetes_bench_reaction_time() {
    let (test, ns) = ("kubernetes reaction benchmark", "kb-bench");
    let Some((client, path, deployments)) = web_in(test, ns, 1).await else {
        return;
    };
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let pod = wait_for("web's pod", 60, || async {
        pod_names(&pods).await.into_iter().next()
    })
    .await;
    run_pod_since(&pods, &pod, 10).await;
    pod_metric(&client, ns, &pod, "10m").await;
    let web = format!("{ns}/deployments.apps/web");
    let inner = Arc::new(backend(&path, ns, client.clone()));
    let mut times = Vec::new();
    for run in 0..12u64 {
        // A fresh controller each run: the previous run's scale-up (undone behind its back
        // below) would otherwise count against HPA's scale-up rate limit of this one.
        let rig = control_rig(
            "kubernetes",
            "{}",
            &web,
            cpu_policy(50.0, 3, 0),
            inner.clone(),
        )
        .await;
        rig.run_until(2, |_| false).await;
        // The load rises while the controller runs, at a different phase of its 1 s
        // evaluation cycle each run (its first evaluation is at once, the next 1 s later).
        let load = async {
            tokio::time::sleep(Duration::from_millis(1000 + 83 * run)).await;
            let start = Instant::now();
            pod_metric(&client, ns, &pod, "200m").await;
            start
        };
        let (start, at) = tokio::join!(load, rig.run_until(20, |n| n > 1));
        let at = at.expect("scaled up");
        times.push(at.duration_since(start).as_secs_f64());
        pod_metric(&client, ns, &pod, "10m").await;
        deployments
            .patch_scale(
                "web",
                &PatchParams::default(),
                &Patch::Merge(json!({ "spec": { "replicas": 1 } })),
            )
            .await
            .expect("reset to 1");
        tokio::time::sleep(Duration::from_millis(1200)).await;
    }
    times.sort_by(f64::total_cmp);
    println!(
        "kubernetes reaction time over {} runs: median {:.2} s, p90 {:.2} s, max {:.2} s, min {:.2} s",
        times.len(),
        pick(&times, 0.5),
        pick(&times, 0.9),
        pick(&times, 1.0),
        times[0]
    );
    println!("all: {times:.2?}");
}

#[tokio::test]
#[ignore = "benchmark: run by scripts/k8s-test --bench"]
async fn kubernetes_bench_observe_1000_deployments() {
    let (test, ns) = ("kubernetes observe benchmark", "kb-thousand");
    // (Deployment web is one of the pods' owners here too: 1,001 Deployments in all.)
    let Some((client, path, deployments)) = web_in(test, ns, 1).await else {
        return;
    };
    let n = 1000;
    let made = Instant::now();
    for i in 0..n {
        let mut d = serde_json::to_value(web_deployment(10)).expect("json");
        let app = format!("app-{i}");
        d["metadata"]["name"] = json!(app);
        d["spec"]["selector"]["matchLabels"]["app"] = json!(app);
        d["spec"]["template"]["metadata"]["labels"]["app"] = json!(app);
        let d: Deployment = serde_json::from_value(d).expect("deployment");
        made_or_there(
            deployments.create(&PostParams::default(), &d).await,
            "deployment",
        );
    }
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    wait_for("10,000 pods", 900, || async {
        let count = pods.list(&ListParams::default().limit(1)).await.ok()?;
        let remaining = count.metadata.remaining_item_count.unwrap_or(0) + count.items.len() as i64;
        (remaining >= 10 * n as i64).then_some(())
    })
    .await;
    println!(
        "{n} Deployments and their pods made in {:.0} s",
        made.elapsed().as_secs_f64()
    );

    let b = backend(&path, ns, client.clone());
    let names: Vec<String> = (0..n)
        .map(|i| format!("{ns}/deployments.apps/app-{i}"))
        .collect();
    // The first tick starts the pods and Deployments watches.
    let first = Instant::now();
    for w in &names {
        b.observe(w).await.expect("observe");
    }
    println!(
        "first tick (watches started): {:.2} s",
        first.elapsed().as_secs_f64()
    );
    for tick in 0..3 {
        // Ticks a second apart or more, as with any real interval: each lists PodMetrics.
        tokio::time::sleep(
            ebb::server::orchestrator::kubernetes::watch::METRICS_TTL
                + std::time::Duration::from_millis(100),
        )
        .await;
        let before = b.call_counts();
        let (cpu, wall) = (cpu_seconds(), Instant::now());
        let mut instances = 0;
        for w in &names {
            instances += b.observe(w).await.expect("observe").instances.len();
        }
        let after = b.call_counts();
        let d = |f: fn(&ebb::server::orchestrator::kubernetes::watch::CallCounts) -> u64| {
            f(&after) - f(&before)
        };
        println!(
            "tick {tick}: {n} observations, {instances} pods: {} requests ({} Scale reads, {} PodMetrics lists, {} object reads, {} new watches), CPU {:.2} s, wall {:.2} s",
            d(|c| c.scale_reads) + d(|c| c.metrics_lists) + d(|c| c.object_reads),
            d(|c| c.scale_reads),
            d(|c| c.metrics_lists),
            d(|c| c.object_reads),
            d(|c| c.watches_started),
            cpu_seconds() - cpu,
            wall.elapsed().as_secs_f64()
        );
    }
}
