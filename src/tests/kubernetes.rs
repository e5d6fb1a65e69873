//! The Kubernetes test host (scripts/k8s-testhost: a real kube-apiserver, kube-controller-manager
//! and etcd built from Kubernetes' own Go modules) does what the Kubernetes backend and its
//! tests rely on: Deployments become ReplicaSets and pods, a test standing in for the kubelet
//! makes pods Running and Ready, `/scale` answers `autoscaling/v1` Scale and refuses a stale
//! resourceVersion with 409, pod metrics are served at metrics-server's path by two CRDs, and a
//! user without rights gets a 403 that names the verb and the resource. Run by
//! scripts/k8s-test, which sets EBB_TEST_KUBECONFIG and EBB_TEST_KUBECONFIG_LIMITED; without
//! them every test prints a notice and passes.

use std::path::{Path, PathBuf};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{Namespace, Pod};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{Api, DynamicObject, ListParams, Patch, PatchParams, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::core::ApiResource;
use kube::{Client, Config};
use serde_json::json;

use super::support::wait_for;

/// The kubeconfig the test host wrote, or `None` (with a notice) outside scripts/k8s-test;
/// under scripts/k8s-test (EBB_REQUIRE_K8S set) a missing one fails the test.
pub(super) fn kubeconfig(test: &str, var: &str) -> Option<PathBuf> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Some(PathBuf::from(p)),
        _ if std::env::var_os("EBB_REQUIRE_K8S").is_some() => {
            panic!("{test}: {var} is unset although EBB_REQUIRE_K8S is set")
        }
        _ => {
            println!("skipping {test}: {var} is unset (scripts/k8s-test sets it)");
            None
        }
    }
}

pub(super) async fn client(path: &Path) -> Client {
    let kc = Kubeconfig::read_from(path).expect("kubeconfig");
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .expect("config");
    Client::try_from(config).expect("client")
}

/// Creates namespace `name`.
async fn namespace(client: &Client, name: &str) {
    let ns: Namespace =
        serde_json::from_value(json!({ "metadata": { "name": name } })).expect("ns");
    let made = Api::<Namespace>::all(client.clone())
        .create(&PostParams::default(), &ns)
        .await;
    made_or_there(made, &format!("namespace {name}"));
}

/// Accepts a create that succeeded or found the object already there (409); panics otherwise.
pub(super) fn made_or_there<T>(made: Result<T, kube::Error>, what: &str) {
    match made {
        Ok(_) => {}
        Err(kube::Error::Api(s)) if s.code == 409 => {}
        Err(e) => panic!("{what}: {e}"),
    }
}

/// The admin client with namespace `ns` created (each test has its own, so tests do not see
/// each other's objects), or `None` (with a notice) outside scripts/k8s-test.
pub(super) async fn admin_in(test: &str, ns: &str) -> Option<Client> {
    let client = client(&kubeconfig(test, "EBB_TEST_KUBECONFIG")?).await;
    namespace(&client, ns).await;
    Some(client)
}

pub(super) fn web_deployment(replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "metadata": { "name": "web", "labels": { "ebb.io/enabled": "true" } },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": { "app": "web" } },
            "template": {
                "metadata": { "labels": { "app": "web" } },
                "spec": { "containers": [{
                    "name": "app",
                    "image": "ebb-test/web:1",
                    "resources": { "requests": { "cpu": "100m", "memory": "64Mi" } }
                }] }
            }
        }
    }))
    .expect("deployment")
}

/// What a kubelet would report for a started pod: Running, and Ready since now.
async fn run_pod(pods: &Api<Pod>, name: &str) {
    run_pod_since(pods, name, 0).await;
}

pub(super) async fn pod_names(pods: &Api<Pod>) -> Vec<String> {
    pods.list(&ListParams::default().labels("app=web"))
        .await
        .expect("pods")
        .items
        .into_iter()
        .filter(|p| p.metadata.deletion_timestamp.is_none())
        .filter_map(|p| p.metadata.name)
        .collect()
}

#[tokio::test]
async fn test_host_turns_deployments_into_pods_and_scales_through_the_subresource() {
    let ns = "th-scale";
    let Some(client) = admin_in("test host deployments", ns).await else {
        return;
    };
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    let replica_sets: Api<ReplicaSet> = Api::namespaced(client.clone(), ns);
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    deployments
        .create(&PostParams::default(), &web_deployment(2))
        .await
        .expect("create deployment");

    // The controller-manager makes a ReplicaSet, controlled by the Deployment, and its pods.
    let rs = wait_for("a ReplicaSet for web", 60, || async {
        replica_sets
            .list(&ListParams::default().labels("app=web"))
            .await
            .ok()
            .and_then(|l| l.items.into_iter().next())
    })
    .await;
    let owner = rs
        .metadata
        .owner_references
        .unwrap_or_default()
        .into_iter()
        .find(|o| o.controller == Some(true))
        .expect("a controller reference");
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str()),
        ("Deployment", "web")
    );
    let names = wait_for("2 pods", 60, || async {
        Some(pod_names(&pods).await).filter(|n| n.len() == 2)
    })
    .await;
    for name in &names {
        let pod = pods.get(name).await.expect("pod");
        let phase = pod.status.and_then(|s| s.phase);
        assert_eq!(
            phase.as_deref(),
            Some("Pending"),
            "no kubelet: {name} waits"
        );
        run_pod(&pods, name).await;
    }
    wait_for("2 ready replicas", 60, || async {
        let d = deployments.get("web").await.ok()?;
        (d.status?.ready_replicas == Some(2)).then_some(())
    })
    .await;

    // `/scale`: spec, status and selector, and the resourceVersion as a concurrency token.
    let scale = deployments.get_scale("web").await.expect("scale");
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(2));
    let status = scale.status.clone().expect("scale status");
    assert_eq!(
        (status.replicas, status.selector.as_deref()),
        (2, Some("app=web"))
    );
    // Scale to 3 with the observed resourceVersion; the controller-manager may write the
    // Deployment meanwhile, so a 409 here means: read again and write again.
    wait_for("scale to 3", 30, || async {
        let mut up = deployments.get_scale("web").await.expect("scale");
        up.spec.as_mut().expect("spec").replicas = Some(3);
        match deployments
            .replace_scale("web", &PostParams::default(), &up)
            .await
        {
            Ok(_) => Some(()),
            Err(kube::Error::Api(s)) if s.code == 409 => None,
            Err(e) => panic!("scale to 3: {e}"),
        }
    })
    .await;
    let mut stale = scale.clone();
    stale.spec.as_mut().expect("spec").replicas = Some(5);
    match deployments
        .replace_scale("web", &PostParams::default(), &stale)
        .await
    {
        Err(kube::Error::Api(s)) => assert_eq!(s.code, 409, "{s:?}"),
        other => panic!("a stale resourceVersion must be refused with 409: {other:?}"),
    }
    wait_for("a third pod", 60, || async {
        (pod_names(&pods).await.len() == 3).then_some(())
    })
    .await;
    let spec = deployments
        .get("web")
        .await
        .expect("deployment")
        .spec
        .and_then(|s| s.replicas);
    assert_eq!(spec, Some(3), "the stale write changed nothing");
}

/// Serves `metrics.k8s.io` through its two CRDs and waits until they are established.
pub(super) async fn metrics_api(client: &Client) {
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    for (plural, kind, scope) in [
        ("pods", "PodMetrics", "Namespaced"),
        ("nodes", "NodeMetrics", "Cluster"),
    ] {
        let made = crds
            .create(&PostParams::default(), &metrics_crd(plural, kind, scope))
            .await;
        made_or_there(made, &format!("CRD {plural}.metrics.k8s.io"));
    }
    wait_for("the metrics CRDs established", 30, || async {
        let c = crds.get("pods.metrics.k8s.io").await.ok()?;
        let established = c
            .status?
            .conditions?
            .into_iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        established.then_some(())
    })
    .await;
}

/// Writes (or replaces) pod `pod`'s PodMetrics in `ns`: `cpu` of container `app`.
pub(super) async fn pod_metric(client: &Client, ns: &str, pod: &str, cpu: &str) {
    let resource = ApiResource {
        group: "metrics.k8s.io".into(),
        version: "v1beta1".into(),
        api_version: "metrics.k8s.io/v1beta1".into(),
        kind: "PodMetrics".into(),
        plural: "pods".into(),
    };
    let metrics: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
    let body = json!({
        "apiVersion": "metrics.k8s.io/v1beta1",
        "kind": "PodMetrics",
        "metadata": { "name": pod, "namespace": ns },
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "window": "30s",
        "containers": [{ "name": "app", "usage": { "cpu": cpu, "memory": "50Mi" } }]
    });
    // Right after a CRD is established its endpoint can answer 404 or 429 for a moment.
    wait_for("PodMetrics written", 30, || async {
        match metrics
            .patch(
                pod,
                &PatchParams::apply("ebb-tests").force(),
                &Patch::Apply(&body),
            )
            .await
        {
            Ok(_) => Some(()),
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 429 => None,
            Err(e) => panic!("PodMetrics {pod}: {e}"),
        }
    })
    .await;
}

/// The CRDs that serve `metrics.k8s.io` here as metrics-server does on a cluster.
fn metrics_crd(plural: &str, kind: &str, scope: &str) -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "metadata": {
            "name": format!("{plural}.metrics.k8s.io"),
            "annotations": { "api-approved.kubernetes.io": "unapproved, ebb test host only" }
        },
        "spec": {
            "group": "metrics.k8s.io",
            "scope": scope,
            "names": { "plural": plural, "kind": kind, "singular": kind.to_lowercase() },
            "versions": [{
                "name": "v1beta1", "served": true, "storage": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object", "x-kubernetes-preserve-unknown-fields": true
                } }
            }]
        }
    }))
    .expect("crd")
}

#[tokio::test]
async fn test_host_serves_pod_metrics_where_metrics_server_does() {
    let ns = "th-metrics";
    let Some(client) = admin_in("test host pod metrics", ns).await else {
        return;
    };
    metrics_api(&client).await;

    let resource = ApiResource {
        group: "metrics.k8s.io".into(),
        version: "v1beta1".into(),
        api_version: "metrics.k8s.io/v1beta1".into(),
        kind: "PodMetrics".into(),
        plural: "pods".into(),
    };
    let metrics: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &resource);
    let sample: DynamicObject = serde_json::from_value(json!({
        "apiVersion": "metrics.k8s.io/v1beta1",
        "kind": "PodMetrics",
        "metadata": { "name": "web-1", "namespace": ns },
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "window": "30s",
        "containers": [{ "name": "app", "usage": { "cpu": "250m", "memory": "100Mi" } }]
    }))
    .expect("pod metrics");
    // Right after a CRD is established its endpoint can answer 404 or 429 for a moment.
    wait_for("PodMetrics written", 30, || async {
        match metrics.create(&PostParams::default(), &sample).await {
            Ok(_) => Some(()),
            Err(kube::Error::Api(s)) if s.code == 409 => Some(()),
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 429 => None,
            Err(e) => panic!("PodMetrics: {e}"),
        }
    })
    .await;

    // Read back as metrics-server's clients read it: one list per namespace.
    let url = format!("/apis/metrics.k8s.io/v1beta1/namespaces/{ns}/pods");
    let list: serde_json::Value = client
        .request(
            axum::http::Request::get(url)
                .body(Vec::new())
                .expect("request"),
        )
        .await
        .expect("list pod metrics");
    let item = &list["items"][0];
    assert_eq!(item["kind"], "PodMetrics", "{list}");
    assert_eq!(item["window"], "30s");
    assert_eq!(item["containers"][0]["usage"]["cpu"], "250m");
}

#[tokio::test]
async fn test_host_refuses_a_user_without_rights_naming_verb_and_resource() {
    let (test, ns) = ("test host RBAC", "th-rbac");
    let (Some(admin), Some(limited)) = (
        admin_in(test, ns).await,
        kubeconfig(test, "EBB_TEST_KUBECONFIG_LIMITED"),
    ) else {
        return;
    };
    let limited = client(&limited).await;
    let mine: Api<Deployment> = Api::namespaced(admin.clone(), ns);
    let made = mine
        .create(&PostParams::default(), &web_deployment(1))
        .await;
    made_or_there(made, "deployment web");
    let theirs: Api<Deployment> = Api::namespaced(limited.clone(), ns);
    let refused = |r: Result<_, kube::Error>, verb: &str, resource: &str| match r {
        Err(kube::Error::Api(s)) => {
            assert_eq!(s.code, 403, "{s:?}");
            assert!(
                s.message
                    .contains(&format!("cannot {verb} resource \"{resource}\"")),
                "{}",
                s.message
            );
        }
        Ok(_) => panic!("{verb} {resource} was allowed"),
        Err(e) => panic!("{verb} {resource}: {e}"),
    };
    refused(
        theirs.list(&ListParams::default()).await.map(|_| ()),
        "list",
        "deployments",
    );

    // Reading Deployments is granted; their scale subresource is not.
    grant_limited(
        &admin,
        ns,
        "read-deployments",
        json!([{ "apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list"] }]),
    )
    .await;
    wait_for("the list allowed", 10, || async {
        theirs.list(&ListParams::default()).await.ok().map(|_| ())
    })
    .await;
    refused(
        theirs.get_scale("web").await.map(|_| ()),
        "get",
        "deployments/scale",
    );
}

/// Grants the test host's user `ebb-limited` Role `name` with `rules` in namespace `ns`.
async fn grant_limited(admin: &Client, ns: &str, name: &str, rules: serde_json::Value) {
    let role = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": { "name": name, "namespace": ns },
        "rules": rules
    });
    let binding = json!({
        "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": { "name": name, "namespace": ns },
        "roleRef": { "apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name },
        "subjects": [{ "apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "ebb-limited" }]
    });
    let apply = PatchParams::apply("ebb-tests").force();
    Api::<k8s_openapi::api::rbac::v1::Role>::namespaced(admin.clone(), ns)
        .patch(name, &apply, &Patch::Apply(&role))
        .await
        .expect("role");
    Api::<k8s_openapi::api::rbac::v1::RoleBinding>::namespaced(admin.clone(), ns)
        .patch(name, &apply, &Patch::Apply(&binding))
        .await
        .expect("role binding");
}

/// The backend over the test host's admin kubeconfig (or the limited one), in namespace `ns`.
pub(super) fn backend(
    path: &Path,
    ns: &str,
    client: Client,
) -> ebb::server::orchestrator::kubernetes::KubernetesBackend {
    use ebb::server::orchestrator::kubernetes::settings::{
        Connection, KubeSettings, DEFAULT_LABEL,
    };
    let settings = KubeSettings {
        connection: Connection::Kubeconfig {
            path: path.display().to_string(),
            context: String::new(),
        },
        namespaces: vec![ns.to_string()],
        label: DEFAULT_LABEL.to_string(),
        timeout_secs: 10,
        taken_over: Vec::new(),
    };
    ebb::server::orchestrator::kubernetes::KubernetesBackend::with_client(settings, client)
}

#[tokio::test]
async fn the_backend_lists_observes_and_scales_a_deployment() {
    use ebb::server::orchestrator::{ObservedState, Orchestrator, OrchestratorError};
    let (test, ns) = ("kubernetes backend", "kb-orch");
    let Some((client, path, deployments)) = web_in(test, ns, 2).await else {
        return;
    };
    // Another Deployment without ebb's label, with pods of its own.
    let mut unlabelled = serde_json::to_value(web_deployment(1)).expect("json");
    unlabelled["metadata"] = json!({ "name": "batch" });
    unlabelled["spec"]["selector"]["matchLabels"]["app"] = json!("batch");
    unlabelled["spec"]["template"]["metadata"]["labels"]["app"] = json!("batch");
    let unlabelled: Deployment = serde_json::from_value(unlabelled).expect("deployment");
    made_or_there(
        deployments
            .create(&PostParams::default(), &unlabelled)
            .await,
        "deployment batch",
    );
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    let names = wait_for("two pods of web", 60, || async {
        let n = pod_names(&pods).await;
        (n.len() == 2).then_some(n)
    })
    .await;
    for (pod, cpu) in names.iter().zip(["80m", "120m"]) {
        run_pod(&pods, pod).await;
        pod_metric(&client, ns, pod, cpu).await;
    }

    let b = backend(&path, ns, client.clone());
    let listed: Vec<String> = b
        .list_workloads()
        .await
        .expect("list")
        .into_iter()
        .map(|w| w.name)
        .collect();
    let web = format!("{ns}/deployments.apps/web");
    assert_eq!(
        listed,
        vec![web.clone()],
        "the labelled Deployment only: not its ReplicaSet, not the unlabelled one"
    );

    let obs = wait_for("both pods ready with metrics", 30, || async {
        let o = b.observe(&web).await.expect("observe");
        let ready = o
            .instances
            .iter()
            .filter(|i| i.state == ObservedState::Ready && i.metrics.contains_key("cpu"))
            .count();
        (ready == 2).then_some(o)
    })
    .await;
    assert_eq!(obs.replicas, 2);
    let total: f64 = obs.instances.iter().map(|i| i.metrics["cpu"]).sum();
    assert!((total - 0.2).abs() < 1e-9, "cpu of both pods: {total}");
    assert_eq!(obs.instances[0].containers[0].requests.cpu, Some(0.1));
    assert_eq!(obs.instances[0].sample_window_secs, Some(30.0));
    assert_eq!(
        obs.resources.cpu_request,
        Some(0.1),
        "the pod template's requests"
    );

    // Pods and the Deployment come from two watches, and one PodMetrics list serves the
    // observations of a second.
    let before = b.call_counts();
    let started = std::time::Instant::now();
    for _ in 0..5 {
        b.observe(&web).await.expect("observe again");
    }
    let after = b.call_counts();
    assert_eq!(after.watches_started, 2, "{after:?}");
    assert_eq!(
        after.scale_reads, before.scale_reads,
        "the Scale of a Deployment is its watched object: {before:?} → {after:?}"
    );
    if started.elapsed() < std::time::Duration::from_millis(900) {
        assert!(
            after.metrics_lists - before.metrics_lists <= 2,
            "{before:?} → {after:?}"
        );
    }

    // Scale with the observed resourceVersion: done. With it again after the change (a
    // `kubectl scale` between read and write looks the same): refused, the change kept.
    let up = b.scale(&web, 3, &obs.token).await.expect("scale to 3");
    assert_eq!(up.replicas, 3);
    // The next observation shows ebb's own write, even if the watch has not delivered it yet.
    let seen = b.observe(&web).await.expect("observe after the scale");
    let revision = |t: &str| t.parse::<u64>().expect("an etcd revision");
    assert_eq!(seen.replicas, 3, "{seen:?}");
    assert!(revision(&seen.token) >= revision(&up.token), "{seen:?}");
    match b.scale(&web, 5, &obs.token).await {
        Err(OrchestratorError::Conflict(_)) => {}
        other => panic!("a stale token must conflict: {other:?}"),
    }
    let spec = deployments
        .get("web")
        .await
        .expect("web")
        .spec
        .and_then(|s| s.replicas);
    assert_eq!(spec, Some(3));

    // Resources of the one container, guarded by the object's resourceVersion.
    let (current, token) = b.resources(&web).await.expect("resources");
    let mut more = current.clone();
    more.cpu_request = Some(0.25);
    more.memory_limit = Some(256.0 * 1024.0 * 1024.0);
    b.set_resources(&web, &more, &token)
        .await
        .expect("set resources");
    let (after, _) = b.resources(&web).await.expect("resources again");
    assert_eq!(
        (after.cpu_request, after.memory_limit),
        (Some(0.25), Some(268435456.0))
    );
    match b.set_resources(&web, &current, &token).await {
        Err(OrchestratorError::Conflict(_)) => {}
        other => panic!("resources with a stale token must conflict: {other:?}"),
    }

    // An account without rights gets what was refused, by verb and resource.
    let limited_path = kubeconfig(test, "EBB_TEST_KUBECONFIG_LIMITED").expect("limited");
    let limited = backend(&limited_path, ns, self::client(&limited_path).await);
    match limited.observe(&web).await {
        Err(OrchestratorError::Auth(m)) => {
            assert!(
                m.contains("cannot get resource \"deployments/scale\""),
                "{m}"
            )
        }
        other => panic!("the limited account must be refused: {other:?}"),
    }
    match limited.list_workloads().await {
        Err(OrchestratorError::Auth(m)) => assert!(m.contains("cannot list"), "{m}"),
        other => panic!("listing nothing it may see must say so: {other:?}"),
    }
}

/// The test host's API URL, CA file and the bearer token of the kubeconfig at `path`.
fn url_token_ca(path: &Path) -> (String, String, String) {
    let kc = Kubeconfig::read_from(path).expect("kubeconfig");
    let cluster = kc.clusters[0].cluster.clone().expect("cluster");
    let user = kc.auth_infos[0].auth_info.clone().expect("user");
    use secrecy::ExposeSecret;
    let token = user.token.expect("token").expose_secret().to_string();
    (
        cluster.server.expect("server"),
        token,
        cluster.certificate_authority.expect("ca file"),
    )
}

#[tokio::test]
async fn a_kubernetes_backend_registered_by_url_and_token_names_what_its_account_may_not_do() {
    use super::backends::{admin, post};
    use axum::http::StatusCode;
    let (test, ns) = ("kubernetes registration", "kb-reg");
    let Some(admin_client) = admin_in(test, ns).await else {
        return;
    };
    let limited_path = kubeconfig(test, "EBB_TEST_KUBECONFIG_LIMITED").expect("limited");
    let (url, token, ca_file) = url_token_ca(&limited_path);
    let ca_pem = std::fs::read_to_string(&ca_file).expect("ca");
    let (state, dir) = super::support::state().await;
    let app = admin(&state).await;
    let form = |name: &'static str, url: &str, token: &str| {
        vec![
            ("name", name.to_string()),
            ("connection", "url".to_string()),
            ("url", url.to_string()),
            ("token", token.to_string()),
            ("ca", ca_pem.clone()),
            ("namespaces", ns.to_string()),
            ("label", "ebb.io/enabled=true".to_string()),
        ]
    };
    let send_form = |pairs: Vec<(&'static str, String)>| {
        let app = app.clone();
        async move {
            let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post(&app, "/api/register_kubernetes", &pairs).await
        }
    };

    // Bad input names its field and stores nothing.
    let (status, text) = send_form(form("bad", "ftp://x", &token)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("url") && text.contains("https://"), "{text}");
    let (status, text) = send_form(form("bad", &url, "two words")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("token"), "{text}");
    assert!(state.store().backends().await.expect("list").is_empty());

    let (status, text) = send_form(form("cluster", &url, &token)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let id: i64 = text.trim().parse().expect("id");
    let row = state.store().backend(id).await.expect("read").expect("row");
    assert!(
        !row.settings.contains(&token),
        "the token is never stored in settings"
    );
    let tls_dir = dir.path().join("backend-tls");
    let saved: Vec<_> = std::fs::read_dir(tls_dir.join("cluster"))
        .expect("secret files")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(saved.len(), 2, "token and CA saved: {saved:?}");
    #[cfg(unix)]
    for f in &saved {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{} readable by ebb only", f.display());
    }
    let audit: Vec<String> = sqlx::query_scalar("SELECT COALESCE(after, '') FROM audit_log")
        .fetch_all(state.store().pool())
        .await
        .expect("audit");
    assert!(
        audit.iter().all(|a| !a.contains(&token)),
        "the token is never audited"
    );

    // The account has no rights in the namespace: the test names what to grant.
    let id_pair = [("id", text.as_str())];
    let test_backend = || post(&app, "/api/test_backend", &id_pair);
    let (status, answer) = test_backend().await;
    assert_ne!(status, StatusCode::OK, "{answer}");
    for needed in [
        "list deployments.apps in namespace kb-reg",
        "update deployments.apps/scale in namespace kb-reg",
        "list pods in namespace kb-reg",
    ] {
        assert!(answer.contains(needed), "{needed}: {answer}");
    }

    // Granted what scaling needs (not Events): the test passes and says what still lacks.
    grant_limited(
        &admin_client,
        ns,
        "ebb-scale",
        json!([
            { "apiGroups": ["apps"], "resources": ["deployments", "statefulsets", "replicasets"], "verbs": ["get", "list", "watch"] },
            { "apiGroups": ["apps"], "resources": ["deployments/scale", "statefulsets/scale", "replicasets/scale"], "verbs": ["get", "update"] },
            { "apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"] }
        ]),
    )
    .await;
    let mut last = String::new();
    for _ in 0..40 {
        let (status, answer) = test_backend().await;
        last = answer;
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let answer: String = serde_json::from_str(&last).unwrap_or(last);
    // (The test host is built without version stamps, so its version reads as unknown.)
    assert!(
        answer.starts_with("Kubernetes ") && answer.contains(" at https://127.0.0.1:"),
        "{answer}"
    );
    assert!(answer.contains("namespace kb-reg"), "{answer}");
    assert!(answer.contains("Works without: "), "{answer}");
    assert!(
        answer.contains("create events in namespace kb-reg (to write its reasons as Events)"),
        "{answer}"
    );

    // A token the API server does not accept: 401, said as such.
    let (status, text2) = send_form(form("wrong-token", &url, "not-a-real-token")).await;
    assert_eq!(status, StatusCode::OK, "{text2}");
    let (status, answer) = post(&app, "/api/test_backend", &[("id", text2.trim())]).await;
    assert_ne!(status, StatusCode::OK, "{answer}");
    assert!(
        answer.contains("not accepted") || answer.contains("auth"),
        "{answer}"
    );

    // The page shows the backend and its scope, never the token.
    let (_, page) = super::support::get(&app, "/backends").await;
    assert!(
        page.contains("namespace kb-reg; objects labelled ebb.io/enabled=true"),
        "scope shown"
    );
    assert!(!page.contains(&token));

    // Removed: its saved secrets go with it.
    let (status, text3) = post(
        &app,
        "/api/remove_backend",
        &[("id", text.trim()), ("confirm", "")],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text3}");
    assert!(
        saved.iter().all(|f| !f.exists()),
        "secret files removed with the backend"
    );
}

#[tokio::test]
async fn a_workload_an_hpa_scales_is_left_alone_until_an_editor_takes_it_over() {
    use super::backends::{admin, post};
    use axum::http::StatusCode;
    use ebb::model::auth::Role;
    use ebb::server::orchestrator::OrchestratorError;
    let (test, ns) = ("kubernetes take-over", "kb-hpa");
    let Some((client, path, _)) = web_in(test, ns, 1).await else {
        return;
    };
    let hpa: k8s_openapi::api::autoscaling::v2::HorizontalPodAutoscaler =
        serde_json::from_value(json!({
            "metadata": { "name": "web", "namespace": ns },
            "spec": {
                "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "web" },
                "minReplicas": 1, "maxReplicas": 5,
                "metrics": [{ "type": "Resource", "resource": { "name": "cpu",
                    "target": { "type": "Utilization", "averageUtilization": 70 } } }]
            }
        }))
        .expect("hpa");
    made_or_there(
        Api::namespaced(client.clone(), ns)
            .create(&PostParams::default(), &hpa)
            .await,
        "hpa web",
    );

    let (state, _dir) = super::support::state().await;
    let app = admin(&state).await;
    let (status, id) = post(
        &app,
        "/api/register_kubernetes",
        &[
            ("name", "cluster"),
            ("connection", "kubeconfig"),
            ("kubeconfig", &path.display().to_string()),
            ("namespaces", ns),
            ("label", "ebb.io/enabled=true"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{id}");
    let id = id.trim().to_string();
    let web = format!("{ns}/deployments.apps/web");

    // Listed as held by the HPA, shown read-only with what it does; attaching is refused.
    let (_, services) = post(&app, "/api/backend_services", &[("id", &id)]).await;
    let listed: Vec<ebb::model::backends::ServiceInfo> =
        serde_json::from_str(&services).expect("services");
    let row = listed.iter().find(|s| s.name == web).expect("web listed");
    assert!(!row.scalable, "{row:?}");
    assert_eq!(
        row.held_by.as_deref(),
        Some("HorizontalPodAutoscaler kb-hpa/web (min 1, max 5, cpu 70 %)")
    );
    assert!(row
        .note
        .as_deref()
        .unwrap_or("")
        .contains("kubectl delete hpa web -n kb-hpa"));
    let policy = state
        .store()
        .create_policy(
            "cpu",
            &super::support::cpu_policy(50.0, 5, 1),
            ebb::server::store::policies::Authorship {
                author: "t",
                comment: "",
                at: chrono::Utc::now(),
            },
        )
        .await
        .expect("policy");
    let attach = [
        ("backend_id", id.as_str()),
        ("service", web.as_str()),
        ("policy_id", &policy.to_string()),
        ("interval", "5"),
    ];
    let (status, text) = post(&app, "/api/attach_policy", &attach).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(
        text.contains("HorizontalPodAutoscaler kb-hpa/web (min 1, max 5, cpu 70 %) scales it"),
        "{text}"
    );

    // The backend itself refuses to scale it, whoever asks.
    let backend = state
        .backends()
        .get(id.parse().expect("id"))
        .expect("connected");
    let obs = backend.observe(&web).await.expect("observe");
    match backend.scale(&web, 2, &obs.token).await {
        Err(OrchestratorError::Rejected(m)) => {
            assert!(m.contains("HorizontalPodAutoscaler"), "{m}")
        }
        other => panic!("scaling a workload an HPA holds must be refused: {other:?}"),
    }

    // An operator may not take it over; an editor may, and is told what to delete.
    let operator = super::support::signed_in(&state, "op", Role::Operator).await;
    let take = [("backend_id", id.as_str()), ("workload", web.as_str())];
    let (status, _) = post(&operator, "/api/take_over", &take).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let editor = super::support::signed_in(&state, "ed", Role::Editor).await;
    let (status, text) = post(&editor, "/api/take_over", &take).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        text.contains("Delete HorizontalPodAutoscaler kb-hpa/web"),
        "{text}"
    );

    let (_, services) = post(&app, "/api/backend_services", &[("id", &id)]).await;
    let listed: Vec<ebb::model::backends::ServiceInfo> =
        serde_json::from_str(&services).expect("services");
    let row = listed.iter().find(|s| s.name == web).expect("web listed");
    assert!(row.scalable && row.held_by.is_none(), "{row:?}");
    assert!(
        row.note
            .as_deref()
            .unwrap_or("")
            .contains("still targets it"),
        "{row:?}"
    );
    let (status, text) = post(&app, "/api/attach_policy", &attach).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let backend = state
        .backends()
        .get(id.parse().expect("id"))
        .expect("connected");
    let obs = backend.observe(&web).await.expect("observe");
    let done = backend
        .scale(&web, 2, &obs.token)
        .await
        .expect("taken over: scaled");
    assert_eq!(done.replicas, 2);
}

#[tokio::test]
async fn a_pod_of_several_containers_has_its_resources_read_and_set_per_container() {
    use super::support::{api_post, get, send, signed_in};
    use axum::http::StatusCode;
    use ebb::model::auth::Role;
    use ebb::model::resources::ResourcesView;
    use ebb::server::orchestrator::{Orchestrator, OrchestratorError, ResourceSpec};
    let (test, ns) = ("kubernetes resources per container", "kb-containers");
    let Some(client) = admin_in(test, ns).await else {
        return;
    };
    let path = kubeconfig(test, "EBB_TEST_KUBECONFIG").expect("kubeconfig");
    let mut d = serde_json::to_value(web_deployment(1)).expect("json");
    d["spec"]["template"]["spec"]["containers"]
        .as_array_mut()
        .expect("containers")
        .push(json!({ "name": "sidecar", "image": "ebb-test/proxy:1",
            "resources": { "requests": { "cpu": "50m" }, "limits": { "ephemeral-storage": "1Gi" } } }));
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    made_or_there(
        deployments
            .create(
                &PostParams::default(),
                &serde_json::from_value(d).expect("deployment"),
            )
            .await,
        "deployment web",
    );
    let web = format!("{ns}/deployments.apps/web");
    let b = backend(&path, ns, client.clone());

    let (all, token) = b.containers(&web).await.expect("containers");
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["app", "sidecar"]);
    assert_eq!(
        (all[0].1.cpu_request, all[1].1.cpu_request),
        (Some(0.1), Some(0.05))
    );
    let sidecar = ResourceSpec {
        cpu_request: Some(0.2),
        memory_limit: Some(32.0 * 1024.0 * 1024.0),
        ..Default::default()
    };
    match b
        .set_container_resources(&web, "proxy", &sidecar, &token)
        .await
    {
        Err(OrchestratorError::Rejected(m)) => assert!(m.contains("app, sidecar"), "{m}"),
        other => panic!("an unknown container must be refused: {other:?}"),
    }
    b.set_container_resources(&web, "sidecar", &sidecar, &token)
        .await
        .expect("set the sidecar");
    let spec = deployments
        .get("web")
        .await
        .expect("web")
        .spec
        .expect("spec");
    let containers = spec.template.spec.expect("pod spec").containers;
    let q = |c: usize, kind: &str, res: &str| {
        let r = containers[c].resources.clone().unwrap_or_default();
        let map = if kind == "requests" {
            r.requests
        } else {
            r.limits
        };
        map.and_then(|m| m.get(res).map(|q| q.0.clone()))
    };
    assert_eq!(
        q(0, "requests", "cpu").as_deref(),
        Some("100m"),
        "app untouched"
    );
    assert_eq!(q(1, "requests", "cpu").as_deref(), Some("200m"));
    assert_eq!(q(1, "limits", "memory").as_deref(), Some("32Mi"));
    assert_eq!(
        q(1, "limits", "ephemeral-storage").as_deref(),
        Some("1Gi"),
        "other resources of the container stay"
    );

    // Through the pages: the panel offers both containers and shows the chosen one; a change
    // names its container in the audit.
    let (state, _dir) = super::support::state().await;
    let store = state.store();
    let now = chrono::Utc::now();
    let backend_id = store
        .insert_backend("cluster", "kubernetes", "{}", now)
        .await
        .expect("backend");
    let workload = store
        .insert_workload(backend_id, &web, None, 15, "{}", now)
        .await
        .expect("workload");
    state.backends().insert(
        backend_id,
        std::sync::Arc::new(backend(&path, ns, client.clone())),
    );
    let viewer = signed_in(&state, "viewer", Role::Viewer).await;
    let (_, page) = get(&viewer, &format!("/workloads/{workload}?container=sidecar")).await;
    assert!(
        page.contains("id=\"res-container\"")
            && page.contains("<option value=\"sidecar\" selected")
            && page.contains("Applying changes container sidecar"),
        "{page}"
    );
    let editor = signed_in(&state, "editor", Role::Editor).await;
    let shown: ResourcesView = {
        let (res, text) = send(
            &editor,
            api_post(
                "/api/workload_resources",
                format!("id={workload}&container=sidecar"),
            ),
        )
        .await;
        assert_eq!(res.status(), StatusCode::OK, "{text}");
        serde_json::from_str(&text).expect("view")
    };
    assert_eq!(
        (shown.container.as_str(), shown.containers.len()),
        ("sidecar", 2)
    );
    let body = format!(
        "workload_id={workload}&cpu_request=0.3&cpu_limit=&memory_request=&memory_limit=32&fingerprint={}&container=sidecar",
        shown
            .fingerprint
            .replace(' ', "+")
            .replace(':', "%3A")
            .replace('/', "%2F")
    );
    let (res, text) = send(&editor, api_post("/api/set_resources", body)).await;
    assert_eq!(res.status(), StatusCode::OK, "{text}");
    let after: String =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'workload.set_resources'")
            .fetch_one(store.pool())
            .await
            .expect("audited");
    let after: serde_json::Value = serde_json::from_str(&after).expect("json");
    assert_eq!(
        (after["container"].as_str(), after["cpu_request"].as_f64()),
        (Some("sidecar"), Some(0.3))
    );
    let (res, text) = send(
        &editor,
        api_post(
            "/api/workload_resources",
            format!("id={workload}&container=proxy"),
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("choose one of: app, sidecar"), "{text}");
}

/// Namespace `ns` with the metrics API and Deployment `web` of `replicas` (labelled for ebb):
/// the admin client, the kubeconfig's path and the Deployments API; `None` outside
/// scripts/k8s-test.
pub(super) async fn web_in(
    test: &str,
    ns: &str,
    replicas: i32,
) -> Option<(Client, PathBuf, Api<Deployment>)> {
    let client = admin_in(test, ns).await?;
    let path = kubeconfig(test, "EBB_TEST_KUBECONFIG")?;
    metrics_api(&client).await;
    let deployments: Api<Deployment> = Api::namespaced(client.clone(), ns);
    made_or_there(
        deployments
            .create(&PostParams::default(), &web_deployment(replicas))
            .await,
        "deployment web",
    );
    Some((client, path, deployments))
}

/// Makes pod `name` Running and Ready since `minutes` ago (past HPA's CPU initialization
/// period, so its usage counts at once).
pub(super) async fn run_pod_since(pods: &Api<Pod>, name: &str, minutes: i64) {
    let then = (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let status = json!({ "status": {
        "phase": "Running",
        "startTime": then,
        "conditions": [{ "type": "Ready", "status": "True", "lastTransitionTime": then }],
        "containerStatuses": [{
            "name": "app", "image": "ebb-test/web:1", "imageID": "", "ready": true,
            "restartCount": 0, "started": true, "state": { "running": { "startedAt": then } }
        }]
    }});
    pods.patch_status(name, &PatchParams::default(), &Patch::Merge(&status))
        .await
        .unwrap_or_else(|e| panic!("status of pod {name}: {e}"));
}

#[tokio::test]
async fn the_controller_scales_a_deployment_up_on_cpu_and_down_after_the_window_with_events() {
    let (test, ns) = ("kubernetes end to end", "kb-e2e");
    let Some((client, path, deployments)) = web_in(test, ns, 2).await else {
        return;
    };
    let pods: Api<Pod> = Api::namespaced(client.clone(), ns);
    // Every pod of web Running for 10 min, each using `cpu`; waits for `n` of them.
    let all_at = |n: usize, cpu: &'static str| {
        let (pods, client) = (pods.clone(), client.clone());
        async move {
            let names = wait_for(&format!("{n} pods of web"), 60, || async {
                let names = pod_names(&pods).await;
                (names.len() == n).then_some(names)
            })
            .await;
            for pod in &names {
                run_pod_since(&pods, pod, 10).await;
                pod_metric(&client, ns, pod, cpu).await;
            }
            // The backend reuses a namespace's PodMetrics for up to a second.
            tokio::time::sleep(
                ebb::server::orchestrator::kubernetes::watch::METRICS_TTL
                    + std::time::Duration::from_millis(100),
            )
            .await;
        }
    };
    all_at(2, "50m").await;

    let settings = json!({
        "connection": { "kind": "kubeconfig", "path": path.display().to_string(), "context": "" },
        "namespaces": [ns],
    })
    .to_string();
    let web = format!("{ns}/deployments.apps/web");
    let rig = super::support::control_rig(
        "kubernetes",
        &settings,
        &web,
        super::support::cpu_policy(70.0, 5, 2),
        std::sync::Arc::new(backend(&path, ns, client.clone())),
    )
    .await;
    let evaluate = || rig.evaluate();
    let replicas = || async {
        deployments
            .get("web")
            .await
            .expect("web")
            .spec
            .and_then(|s| s.replicas)
    };

    // 50 % of the request against a 70 % target: two replicas are right.
    evaluate().await;
    assert_eq!(replicas().await, Some(2));
    // 150 %: ceil(2 × 150 / 70) = 5, the policy's max.
    all_at(2, "150m").await;
    evaluate().await;
    assert_eq!(replicas().await, Some(5), "scaled up on CPU");
    let events: Api<k8s_openapi::api::events::v1::Event> = Api::namespaced(client.clone(), ns);
    let ours = wait_for("ebb's Event on web", 10, || async {
        let list = events.list(&ListParams::default()).await.ok()?;
        let found: Vec<_> = list
            .items
            .into_iter()
            .filter(|e| e.reporting_controller.as_deref() == Some("ebb.io/autoscaler"))
            .collect();
        (!found.is_empty()).then_some(found)
    })
    .await;
    let up = &ours[0];
    assert_eq!(up.reason.as_deref(), Some("ScaledUp"));
    assert_eq!(
        up.regarding.as_ref().and_then(|r| r.name.as_deref()),
        Some("web")
    );
    let note = up.note.clone().unwrap_or_default();
    assert!(note.contains('5'), "the decision's sentence: {note}");

    // Load gone: down to one replica, but only after the 2 s window.
    all_at(5, "10m").await;
    evaluate().await;
    assert_eq!(
        replicas().await,
        Some(5),
        "held inside the scale-down window"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    evaluate().await;
    assert_eq!(replicas().await, Some(1), "scaled down after the window");
    let reasons = wait_for("the ScaledDown Event", 10, || async {
        let list = events.list(&ListParams::default()).await.ok()?;
        let reasons: Vec<String> = list
            .items
            .into_iter()
            .filter(|e| e.reporting_controller.as_deref() == Some("ebb.io/autoscaler"))
            .filter_map(|e| e.reason)
            .collect();
        (reasons.len() == 2).then_some(reasons)
    })
    .await;
    assert!(reasons.contains(&"ScaledDown".to_string()), "{reasons:?}");
}

/// A CRD shaped like OpenShift's DeploymentConfig (`apps.openshift.io/v1`), with the scale
/// subresource at the same paths.
fn deployment_config_crd() -> CustomResourceDefinition {
    serde_json::from_value(json!({
        "metadata": { "name": "deploymentconfigs.apps.openshift.io" },
        "spec": {
            "group": "apps.openshift.io",
            "scope": "Namespaced",
            "names": { "plural": "deploymentconfigs", "kind": "DeploymentConfig", "singular": "deploymentconfig", "shortNames": ["dc"] },
            "versions": [{
                "name": "v1", "served": true, "storage": true,
                "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } },
                "subresources": {
                    "status": {},
                    "scale": {
                        "specReplicasPath": ".spec.replicas",
                        "statusReplicasPath": ".status.replicas",
                        "labelSelectorPath": ".status.selector"
                    }
                }
            }]
        }
    }))
    .expect("crd")
}

#[tokio::test]
async fn a_custom_resource_with_a_scale_subresource_is_found_observed_and_scaled() {
    use ebb::server::orchestrator::Orchestrator;
    let (test, ns) = ("kubernetes DeploymentConfig stand-in", "kb-dc");
    let Some(client) = admin_in(test, ns).await else {
        return;
    };
    let path = kubeconfig(test, "EBB_TEST_KUBECONFIG").expect("kubeconfig");
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    made_or_there(
        crds.create(&PostParams::default(), &deployment_config_crd())
            .await,
        "CRD deploymentconfigs.apps.openshift.io",
    );
    let ar = ApiResource {
        group: "apps.openshift.io".into(),
        version: "v1".into(),
        api_version: "apps.openshift.io/v1".into(),
        kind: "DeploymentConfig".into(),
        plural: "deploymentconfigs".into(),
    };
    let dcs: Api<DynamicObject> = Api::namespaced_with(client.clone(), ns, &ar);
    let dc = json!({
        "apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig",
        "metadata": { "name": "frontend", "namespace": ns, "labels": { "ebb.io/enabled": "true" } },
        "spec": {
            "replicas": 1,
            "selector": { "app": "frontend" },
            "template": { "metadata": { "labels": { "app": "frontend" } },
                "spec": { "containers": [{ "name": "web", "image": "ebb-test/frontend:1",
                    "resources": { "requests": { "cpu": "200m" } } }] } }
        }
    });
    // Right after the CRD is established its endpoint can answer 404 or 429 for a moment.
    wait_for("the DeploymentConfig written", 30, || async {
        dcs.patch(
            "frontend",
            &PatchParams::apply("ebb-tests").force(),
            &Patch::Apply(&dc),
        )
        .await
        .ok()
    })
    .await;
    // What OpenShift's controller would report: one replica, its selector as a string.
    let status = json!({ "status": { "replicas": 1, "selector": "app=frontend" } });
    dcs.patch_status("frontend", &PatchParams::default(), &Patch::Merge(&status))
        .await
        .expect("status");

    let name = format!("{ns}/deploymentconfigs.apps.openshift.io/frontend");
    // Discovery is cached per backend: a new one each try until the CRD is served.
    let b = wait_for("the CRD found by discovery", 30, || async {
        let b = backend(&path, ns, client.clone());
        let listed = b.list_workloads().await.ok()?;
        listed.iter().any(|w| w.name == name).then_some(b)
    })
    .await;
    let obs = b.observe(&name).await.expect("observe");
    assert_eq!(obs.replicas, 1);
    assert_eq!(
        obs.resources.cpu_request,
        Some(0.2),
        "its pod template is read"
    );
    assert!(obs.instances.is_empty(), "no pods run it here");
    let done = b.scale(&name, 3, &obs.token).await.expect("scale");
    assert_eq!(done.replicas, 3);
    let spec = dcs.get("frontend").await.expect("dc").data["spec"]["replicas"].clone();
    assert_eq!(spec, json!(3), "the scale subresource wrote spec.replicas");
}

#[tokio::test]
async fn an_api_server_outage_is_unreachable_scales_nothing_and_recovers() {
    use ebb::server::orchestrator::{Orchestrator, OrchestratorError};
    let (test, ns) = ("kubernetes API server outage", "kb-outage");
    let Some((client, path, _)) = web_in(test, ns, 2).await else {
        return;
    };
    let Ok(dir) = std::env::var("EBB_TEST_K8S_DIR") else {
        panic!("{test}: EBB_TEST_K8S_DIR is unset (scripts/k8s-test sets it)");
    };
    let web = format!("{ns}/deployments.apps/web");
    let b = backend(&path, ns, client.clone());
    let before = b.observe(&web).await.expect("observe");
    assert_eq!(before.replicas, 2);

    let host = |what: &str| {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/k8s-testhost");
        let out = std::process::Command::new(script)
            .args([what, dir.as_str()])
            .output()
            .expect("k8s-testhost");
        assert!(
            out.status.success(),
            "k8s-testhost {what}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    host("stop-api");
    // Whatever happens below, the API server comes back for the tests after this one.
    struct Restart<F: Fn()>(F);
    impl<F: Fn()> Drop for Restart<F> {
        fn drop(&mut self) {
            (self.0)()
        }
    }
    let restart = Restart(|| host("start-api"));

    match b.observe(&web).await {
        Err(OrchestratorError::Unreachable(m)) => assert!(!m.is_empty()),
        other => panic!("a stopped API server is unreachable: {other:?}"),
    }
    match b.scale(&web, 1, &before.token).await {
        Err(OrchestratorError::Unreachable(_)) => {}
        other => panic!("nothing can be scaled while it is down: {other:?}"),
    }
    drop(restart);

    let after = wait_for("the API server back", 30, || async {
        b.observe(&web).await.ok()
    })
    .await;
    assert_eq!(after.replicas, 2, "nothing was scaled in during the outage");
    let done = b.scale(&web, 3, &after.token).await.expect("scales again");
    assert_eq!(done.replicas, 3);
}

/// The YAML documents of `deploy/kubernetes/<file>`.
fn manifests(file: &str) -> Vec<serde_json::Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("deploy/kubernetes")
        .join(file);
    let text = std::fs::read_to_string(&path).expect("manifest");
    serde_saphyr::from_multiple::<serde_json::Value>(&text)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

fn of_kind<'a>(docs: &'a [serde_json::Value], kind: &str) -> &'a serde_json::Value {
    docs.iter()
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in the manifests"))
}

#[test]
fn the_manifests_run_under_openshift_restricted_v2_and_ask_only_what_ebb_uses() {
    let docs = manifests("ebb.yaml");
    let deployment = of_kind(&docs, "Deployment");
    assert_eq!(deployment["spec"]["replicas"], 1, "SQLite: one writer");
    assert_eq!(deployment["spec"]["strategy"]["type"], "Recreate");
    let pod = &deployment["spec"]["template"]["spec"];
    // restricted-v2: any user id (none fixed), non-root, no privilege, nothing from the host.
    let text = pod.to_string();
    for banned in [
        "runAsUser",
        "fsGroup",
        "hostPath",
        "hostNetwork",
        "hostPID",
        "hostIPC",
        "privileged\":true",
    ] {
        assert!(!text.contains(banned), "{banned} in the pod spec");
    }
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        pod["securityContext"]["seccompProfile"]["type"],
        "RuntimeDefault"
    );
    for c in pod["containers"].as_array().expect("containers") {
        let sc = &c["securityContext"];
        assert_eq!(sc["allowPrivilegeEscalation"], false, "{c}");
        assert_eq!(sc["capabilities"]["drop"], json!(["ALL"]), "{c}");
        assert!(sc["capabilities"].get("add").is_none(), "{c}");
        assert_eq!(sc["seccompProfile"]["type"], "RuntimeDefault", "{c}");
    }
    assert!(
        pod["volumes"][0]["persistentVolumeClaim"].is_object(),
        "data on a claim"
    );
    let role = of_kind(&docs, "ClusterRole");
    let rules = role["rules"].as_array().expect("rules");
    let allows = |group: &str, resource: &str, verb: &str| {
        rules.iter().any(|r| {
            r["apiGroups"]
                .as_array()
                .is_some_and(|g| g.contains(&json!(group)))
                && r["resources"]
                    .as_array()
                    .is_some_and(|x| x.contains(&json!(resource)))
                && r["verbs"]
                    .as_array()
                    .is_some_and(|v| v.contains(&json!(verb)))
        })
    };
    for (group, resource, verb) in [
        ("apps", "deployments", "list"),
        ("apps", "deployments/scale", "update"),
        ("apps", "statefulsets/scale", "get"),
        ("", "pods", "list"),
        ("metrics.k8s.io", "pods", "list"),
        ("autoscaling", "horizontalpodautoscalers", "list"),
        ("events.k8s.io", "events", "create"),
    ] {
        assert!(
            allows(group, resource, verb),
            "{verb} {resource}.{group} missing"
        );
    }
    for (group, resource, verb) in [
        ("apps", "deployments", "update"),
        ("apps", "deployments", "delete"),
        ("", "secrets", "get"),
        ("", "pods", "delete"),
    ] {
        assert!(
            !allows(group, resource, verb),
            "{verb} {resource}.{group} is more than ebb needs"
        );
    }
    assert!(!role.to_string().contains("\"*\""), "no wildcards");
}

/// Applies `doc` with server-side apply, wherever its kind lives.
async fn apply_doc(client: &Client, doc: &serde_json::Value) {
    let (group, version) = match doc["apiVersion"]
        .as_str()
        .expect("apiVersion")
        .split_once('/')
    {
        Some((g, v)) => (g.to_string(), v.to_string()),
        None => (
            String::new(),
            doc["apiVersion"].as_str().expect("v").to_string(),
        ),
    };
    let gvk =
        kube::core::GroupVersionKind::gvk(&group, &version, doc["kind"].as_str().expect("kind"));
    let (ar, caps) = wait_for(&format!("{} served", gvk.kind), 30, || async {
        kube::discovery::pinned_kind(client, &gvk).await.ok()
    })
    .await;
    let name = doc["metadata"]["name"].as_str().expect("name");
    let api: Api<DynamicObject> = match (caps.scope, doc["metadata"]["namespace"].as_str()) {
        (kube::discovery::Scope::Namespaced, Some(ns)) => {
            Api::namespaced_with(client.clone(), ns, &ar)
        }
        _ => Api::all_with(client.clone(), &ar),
    };
    api.patch(
        name,
        &PatchParams::apply("ebb-deploy-test").force(),
        &Patch::Apply(doc),
    )
    .await
    .unwrap_or_else(|e| panic!("applying {} {name}: {e}", gvk.kind));
}

#[tokio::test]
async fn the_manifests_apply_cleanly_and_their_account_may_scale_but_not_read_secrets() {
    use k8s_openapi::api::authorization::v1::{
        ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec,
    };
    let test = "deploy/kubernetes applied";
    let Some(path) = kubeconfig(test, "EBB_TEST_KUBECONFIG") else {
        return;
    };
    let client = self::client(&path).await;
    for doc in manifests("ebb.yaml") {
        apply_doc(&client, &doc).await;
    }
    // The restricted Pod Security Standard the namespace enforces admits ebb's pod.
    let pods: Api<Pod> = Api::namespaced(client.clone(), "ebb");
    wait_for(
        "ebb's pod created under the restricted standard",
        60,
        || async {
            let list = pods
                .list(&ListParams::default().labels("app.kubernetes.io/name=ebb"))
                .await
                .ok()?;
            (!list.items.is_empty()).then_some(())
        },
    )
    .await;

    // OpenShift's Route, after a minimal Route CRD (no OpenShift here).
    let crd: CustomResourceDefinition = serde_json::from_value(json!({
        "metadata": { "name": "routes.route.openshift.io" },
        "spec": {
            "group": "route.openshift.io", "scope": "Namespaced",
            "names": { "plural": "routes", "kind": "Route", "singular": "route" },
            "versions": [{ "name": "v1", "served": true, "storage": true,
                "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } } }]
        }
    }))
    .expect("crd");
    made_or_there(
        Api::<CustomResourceDefinition>::all(client.clone())
            .create(&PostParams::default(), &crd)
            .await,
        "Route CRD",
    );
    for doc in manifests("openshift-route.yaml") {
        apply_doc(&client, &doc).await;
    }

    // What the service account may do, asked of the API server's own authorizer.
    let may =
        |verb: &'static str, group: &'static str, resource: &'static str, sub: &'static str| {
            let client = client.clone();
            async move {
                let review = SubjectAccessReview {
                    spec: SubjectAccessReviewSpec {
                        user: Some("system:serviceaccount:ebb:ebb".into()),
                        groups: Some(vec![
                            "system:serviceaccounts".into(),
                            "system:serviceaccounts:ebb".into(),
                            "system:authenticated".into(),
                        ]),
                        resource_attributes: Some(ResourceAttributes {
                            namespace: Some("shop".into()),
                            verb: Some(verb.into()),
                            group: Some(group.into()),
                            resource: Some(resource.into()),
                            subresource: (!sub.is_empty()).then(|| sub.into()),
                            ..Default::default()
                        }),
                        ..Default::default()
                    },
                    ..Default::default()
                };
                Api::<SubjectAccessReview>::all(client)
                    .create(&PostParams::default(), &review)
                    .await
                    .expect("review")
                    .status
                    .is_some_and(|s| s.allowed)
            }
        };
    assert!(may("update", "apps", "deployments", "scale").await);
    assert!(may("list", "metrics.k8s.io", "pods", "").await);
    assert!(may("create", "events.k8s.io", "events", "").await);
    assert!(!may("get", "", "secrets", "").await, "no secrets");
    assert!(
        !may("delete", "apps", "deployments", "").await,
        "no deletes"
    );
}
