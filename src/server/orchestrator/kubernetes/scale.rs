//! The `scale` subresource in both shapes ebb meets: `autoscaling/v1` Scale (apps, CRDs), whose
//! `status.selector` is a label-selector string, and the older `extensions/v1beta1` shape that
//! OpenShift's `DeploymentConfig` may still answer, whose `status.selector` is a map of labels
//! and whose string form, when present, is `status.targetSelector`. Also the workload names ebb
//! gives Kubernetes objects: `namespace/resource.group/name`.

use serde_json::Value;

/// What ebb reads from a Scale, whichever shape it came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScaleView {
    /// `spec.replicas`: what the object is asked to run.
    pub desired: u32,
    /// `status.replicas`: what it has.
    pub current: u32,
    /// The pods' label selector as a string (`app=web,tier=front`); empty when none is given.
    pub selector: String,
    /// `metadata.resourceVersion`: the optimistic-concurrency token.
    pub resource_version: String,
    /// `apiVersion` and `kind` as answered, to send the same shape back.
    pub api_version: String,
    pub kind: String,
}

/// Reads a Scale body (either shape); an error says which field is missing or wrong.
pub fn read(body: &Value) -> Result<ScaleView, String> {
    let count = |v: Option<&Value>, what: &str| -> Result<u32, String> {
        match v {
            None | Some(Value::Null) => Ok(0),
            Some(n) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| format!("{what} is not a replica count: {n}")),
        }
    };
    let status = body.get("status");
    let selector = match status.and_then(|s| s.get("selector")) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Object(labels)) => status
            .and_then(|s| s.get("targetSelector"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                let mut pairs: Vec<String> = labels
                    .iter()
                    .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                    .collect();
                pairs.sort();
                pairs.join(",")
            }),
        _ => String::new(),
    };
    Ok(ScaleView {
        desired: count(body.pointer("/spec/replicas"), "spec.replicas")?,
        current: count(status.and_then(|s| s.get("replicas")), "status.replicas")?,
        selector,
        resource_version: body
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .ok_or("the Scale has no metadata.resourceVersion")?
            .to_string(),
        api_version: body
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("autoscaling/v1")
            .to_string(),
        kind: body
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or("Scale")
            .to_string(),
    })
}

/// The body that asks for `replicas`, valid only while the object is still at `seen`'s
/// resourceVersion (else the API server answers 409), in the shape it was read in.
pub fn request(seen: &ScaleView, namespace: &str, name: &str, replicas: u32) -> Value {
    serde_json::json!({
        "apiVersion": seen.api_version,
        "kind": seen.kind,
        "metadata": {
            "name": name,
            "namespace": namespace,
            "resourceVersion": seen.resource_version,
        },
        "spec": { "replicas": replicas },
    })
}

/// Whether the Scale of resource `plural` in `group` is a plain view of the object's own
/// fields (`spec.replicas`, `status.replicas`, `spec.selector`), so a watch of the object
/// answers it: the `apps` kinds. A CRD maps its Scale by paths in its definition, so ebb reads
/// its `/scale` instead.
pub fn is_view_of_object(group: &str, plural: &str) -> bool {
    group == "apps" && matches!(plural, "deployments" | "statefulsets" | "replicasets")
}

/// The Scale the API server would answer for an `apps` object (`data` is everything but
/// its metadata) at `resource_version`; `None` when a field it needs is missing or odd (then
/// ebb reads `/scale` itself).
pub fn of_apps_object(data: &Value, resource_version: &str) -> Option<ScaleView> {
    let count = |v: Option<&Value>| -> Option<u32> {
        match v {
            None | Some(Value::Null) => Some(0),
            Some(n) => n.as_u64().and_then(|n| u32::try_from(n).ok()),
        }
    };
    let desired = data
        .pointer("/spec/replicas")
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok())?;
    Some(ScaleView {
        desired,
        current: count(data.pointer("/status/replicas"))?,
        selector: selector_string(data.pointer("/spec/selector")?)?,
        resource_version: resource_version.to_string(),
        api_version: "autoscaling/v1".into(),
        kind: "Scale".into(),
    })
}

/// A `LabelSelector` (`matchLabels`, `matchExpressions`) in the string form a Scale carries,
/// terms sorted by key as the API server sorts them.
fn selector_string(selector: &Value) -> Option<String> {
    let mut terms: Vec<(String, String)> = Vec::new();
    for (k, v) in selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
    {
        terms.push((k.clone(), format!("{k}={}", v.as_str()?)));
    }
    for e in selector
        .get("matchExpressions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let key = e.get("key")?.as_str()?;
        let mut values: Vec<&str> = e
            .get("values")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        values.sort();
        let term = match e.get("operator")?.as_str()? {
            "In" => format!("{key} in ({})", values.join(",")),
            "NotIn" => format!("{key} notin ({})", values.join(",")),
            "Exists" => key.to_string(),
            "DoesNotExist" => format!("!{key}"),
            _ => return None,
        };
        terms.push((key.to_string(), term));
    }
    terms.sort();
    Some(
        terms
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join(","),
    )
}

/// A Kubernetes workload's parts: `namespace/resource.group/name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectName {
    pub namespace: String,
    /// Plural resource name (`deployments`).
    pub resource: String,
    /// API group, empty for the core group.
    pub group: String,
    pub name: String,
}

impl ObjectName {
    /// Parses an ebb workload name; `None` when it is not one.
    pub fn parse(text: &str) -> Option<ObjectName> {
        crate::model::names::kubernetes(text).ok()?;
        let mut parts = text.splitn(3, '/');
        let (namespace, rg, name) = (parts.next()?, parts.next()?, parts.next()?);
        let (resource, group) = rg.split_once('.').unwrap_or((rg, ""));
        Some(ObjectName {
            namespace: namespace.into(),
            resource: resource.into(),
            group: group.into(),
            name: name.into(),
        })
    }

    /// `resource.group` (`resource` for the core group).
    pub fn resource_group(&self) -> String {
        if self.group.is_empty() {
            self.resource.clone()
        } else {
            format!("{}.{}", self.resource, self.group)
        }
    }
}

impl std::fmt::Display for ObjectName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}/{}/{}",
            self.namespace,
            self.resource_group(),
            self.name
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autoscaling_v1_scale() {
        let body = serde_json::json!({
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": { "name": "web", "namespace": "shop", "resourceVersion": "812" },
            "spec": { "replicas": 3 },
            "status": { "replicas": 2, "selector": "app=web" }
        });
        let s = read(&body).expect("scale");
        assert_eq!(
            (s.desired, s.current, s.selector.as_str()),
            (3, 2, "app=web")
        );
        let back = request(&s, "shop", "web", 5);
        assert_eq!(back["metadata"]["resourceVersion"], "812");
        assert_eq!(back["spec"]["replicas"], 5);
        assert_eq!(back["apiVersion"], "autoscaling/v1");
    }

    /// The older Scale shape (`extensions/v1beta1`) as OpenShift's API reference documents it
    /// for `DeploymentConfig` `/scale`: selector as a map, `targetSelector` as a string. No
    /// server here answers it, so this body is written from that reference.
    #[test]
    fn extensions_v1beta1_scale_of_a_deployment_config() {
        let body = serde_json::json!({
            "kind": "Scale", "apiVersion": "extensions/v1beta1",
            "metadata": { "name": "frontend", "namespace": "shop", "resourceVersion": "40211",
                          "creationTimestamp": "2024-05-02T09:12:44Z" },
            "spec": { "replicas": 2 },
            "status": { "replicas": 2,
                        "selector": { "deploymentconfig": "frontend", "app": "frontend" },
                        "targetSelector": "app=frontend,deploymentconfig=frontend" }
        });
        let s = read(&body).expect("scale");
        assert_eq!(s.selector, "app=frontend,deploymentconfig=frontend");
        assert_eq!(
            request(&s, "shop", "frontend", 3)["apiVersion"],
            "extensions/v1beta1"
        );
        let mut no_target = body.clone();
        no_target["status"]
            .as_object_mut()
            .expect("status")
            .remove("targetSelector");
        assert_eq!(
            read(&no_target).expect("scale").selector,
            "app=frontend,deploymentconfig=frontend",
            "the map, sorted, when no string form is given"
        );
        let mut broken = body;
        broken["spec"]["replicas"] = serde_json::json!(-1);
        assert!(read(&broken)
            .expect_err("negative")
            .contains("spec.replicas"));
    }

    #[test]
    fn an_apps_object_answers_its_own_scale() {
        let data = serde_json::json!({
            "spec": { "replicas": 4, "selector": {
                "matchLabels": { "app": "web" },
                "matchExpressions": [
                    { "key": "tier", "operator": "In", "values": ["front", "edge"] },
                    { "key": "canary", "operator": "DoesNotExist" } ] } },
            "status": { "replicas": 3 }
        });
        let s = of_apps_object(&data, "77").expect("scale");
        assert_eq!((s.desired, s.current), (4, 3));
        assert_eq!(s.selector, "app=web,!canary,tier in (edge,front)");
        assert_eq!(s.resource_version, "77");
        let q = super::super::watch::LabelQuery::parse(&s.selector).expect("parses back");
        let labels = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        assert!(q.matches(&labels(&[("app", "web"), ("tier", "edge")])));
        assert!(!q.matches(&labels(&[("app", "web"), ("tier", "back")])));
        // A new object has no status yet; one without spec.replicas is read from /scale.
        let fresh = serde_json::json!({ "spec": { "replicas": 1,
            "selector": { "matchLabels": { "app": "web" } } } });
        assert_eq!(of_apps_object(&fresh, "1").expect("new").current, 0);
        assert!(of_apps_object(&serde_json::json!({ "spec": {} }), "1").is_none());
        assert!(is_view_of_object("apps", "statefulsets"));
        assert!(!is_view_of_object("apps.openshift.io", "deploymentconfigs"));
    }

    #[test]
    fn object_names() {
        let n = ObjectName::parse("shop/deployments.apps/web").expect("name");
        assert_eq!(
            (n.resource.as_str(), n.group.as_str()),
            ("deployments", "apps")
        );
        assert_eq!(n.to_string(), "shop/deployments.apps/web");
        let core = ObjectName::parse("shop/replicationcontrollers/web").expect("core");
        assert_eq!(core.group, "");
        let dc =
            ObjectName::parse("shop/deploymentconfigs.apps.openshift.io/frontend").expect("dc");
        assert_eq!(dc.group, "apps.openshift.io");
        assert!(ObjectName::parse("shop/web").is_none());
    }
}
