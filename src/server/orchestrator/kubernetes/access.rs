//! The connection test of a Kubernetes backend: can ebb reach the API server (DNS, TCP, TLS),
//! is its credential accepted (401), and may it do what scaling needs in each of its
//! namespaces? The last is asked with SelfSubjectAccessReviews, one per verb and resource, so
//! the answer names exactly what is missing ("update deployments.apps/scale in shop") instead
//! of failing later on the first scale.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};
use kube::Client;

use super::classify;
use crate::server::orchestrator::OrchestratorError;

/// One permission ebb uses, and what it is for.
pub struct Need {
    pub verb: &'static str,
    pub group: &'static str,
    pub resource: &'static str,
    pub subresource: &'static str,
    /// Without it ebb cannot scale at all (else it works with less: no Events, say).
    pub essential: bool,
    pub purpose: &'static str,
}

/// What ebb asks of the API server, per namespace. Other scalable resources (StatefulSets,
/// CRDs) need the same verbs on their own resource; Deployments stand for them here.
pub const NEEDS: &[Need] = &[
    Need {
        verb: "list",
        group: "apps",
        resource: "deployments",
        subresource: "",
        essential: true,
        purpose: "find workloads",
    },
    Need {
        verb: "get",
        group: "apps",
        resource: "deployments",
        subresource: "scale",
        essential: true,
        purpose: "read replicas",
    },
    Need {
        verb: "update",
        group: "apps",
        resource: "deployments",
        subresource: "scale",
        essential: true,
        purpose: "scale",
    },
    Need {
        verb: "list",
        group: "",
        resource: "pods",
        subresource: "",
        essential: true,
        purpose: "see instances",
    },
    Need {
        verb: "list",
        group: "metrics.k8s.io",
        resource: "pods",
        subresource: "",
        essential: false,
        purpose: "read CPU and memory",
    },
    Need {
        verb: "list",
        group: "autoscaling",
        resource: "horizontalpodautoscalers",
        subresource: "",
        essential: false,
        purpose: "see HPAs that already scale a workload",
    },
    Need {
        verb: "create",
        group: "",
        resource: "events",
        subresource: "",
        essential: false,
        purpose: "write its reasons as Events",
    },
    Need {
        verb: "patch",
        group: "apps",
        resource: "deployments",
        subresource: "",
        essential: false,
        purpose: "set resources",
    },
];

impl Need {
    /// `update deployments.apps/scale`.
    pub fn describe(&self) -> String {
        let group = if self.group.is_empty() {
            String::new()
        } else {
            format!(".{}", self.group)
        };
        let sub = if self.subresource.is_empty() {
            String::new()
        } else {
            format!("/{}", self.subresource)
        };
        format!("{} {}{group}{sub}", self.verb, self.resource)
    }
}

/// Whether the credential of `client` may do `need` in `namespace` (`None`: every namespace).
pub async fn allowed(
    client: &Client,
    need: &Need,
    namespace: Option<&str>,
) -> Result<bool, OrchestratorError> {
    let review = SelfSubjectAccessReview {
        spec: SelfSubjectAccessReviewSpec {
            resource_attributes: Some(ResourceAttributes {
                namespace: namespace.map(str::to_string),
                verb: Some(need.verb.into()),
                group: Some(need.group.into()),
                resource: Some(need.resource.into()),
                subresource: (!need.subresource.is_empty()).then(|| need.subresource.into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        ..Default::default()
    };
    let answer = Api::<SelfSubjectAccessReview>::all(client.clone())
        .create(&PostParams::default(), &review)
        .await
        .map_err(|e| classify("asking what this account may do", e))?;
    Ok(answer.status.is_some_and(|s| s.allowed))
}

/// The permissions missing in each of `namespaces` (empty: cluster-wide), as
/// `(need, where)` pairs.
pub async fn missing<'a>(
    client: &Client,
    namespaces: &[String],
) -> Result<Vec<(&'a Need, String)>, OrchestratorError> {
    let scopes: Vec<Option<&str>> = if namespaces.is_empty() {
        vec![None]
    } else {
        namespaces.iter().map(|n| Some(n.as_str())).collect()
    };
    let mut out = Vec::new();
    for ns in scopes {
        for need in NEEDS {
            if !allowed(client, need, ns).await? {
                let place = ns.map_or("all namespaces".to_string(), |n| format!("namespace {n}"));
                out.push((need, place));
            }
        }
    }
    Ok(out)
}

/// `missing` as sentences: `Err` when something essential is missing, else the warnings.
pub fn verdict(missing: &[(&Need, String)]) -> Result<Vec<String>, String> {
    let line =
        |(n, place): &(&Need, String)| format!("{} in {place} (to {})", n.describe(), n.purpose);
    let essential: Vec<String> = missing
        .iter()
        .filter(|(n, _)| n.essential)
        .map(line)
        .collect();
    if !essential.is_empty() {
        return Err(format!(
            "this account may not: {}; grant these (deploy/kubernetes has the role ebb needs)",
            essential.join("; ")
        ));
    }
    Ok(missing.iter().map(line).collect())
}

/// The expiry of a bearer token when it is a JWT (service-account tokens, some OIDC tokens;
/// OpenShift's `sha256~` user tokens are not), as Unix seconds.
pub fn jwt_expiry(token: &str) -> Option<i64> {
    use base64::Engine;
    let payload = token.trim().split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("exp")?.as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_read_as_kubectl_would_write_them() {
        let scale = NEEDS.iter().find(|n| n.verb == "update").expect("scale");
        assert_eq!(scale.describe(), "update deployments.apps/scale");
        let events = NEEDS
            .iter()
            .find(|n| n.resource == "events")
            .expect("events");
        assert_eq!(events.describe(), "create events");
    }

    #[test]
    fn only_essential_gaps_fail_the_test() {
        let events = NEEDS
            .iter()
            .find(|n| n.resource == "events")
            .expect("events");
        let scale = NEEDS.iter().find(|n| n.verb == "update").expect("scale");
        let warn = verdict(&[(events, "namespace shop".into())]).expect("a warning only");
        assert_eq!(
            warn,
            vec!["create events in namespace shop (to write its reasons as Events)"]
        );
        let err = verdict(&[
            (events, "namespace shop".into()),
            (scale, "namespace shop".into()),
        ])
        .expect_err("scale is essential");
        assert!(
            err.contains("update deployments.apps/scale in namespace shop"),
            "{err}"
        );
        assert!(!err.contains("events"), "{err}");
    }

    #[test]
    fn a_jwt_says_when_it_expires_and_other_tokens_do_not() {
        use base64::Engine;
        let enc = |v: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let jwt = format!(
            "{}.{}.sig",
            enc(r#"{"alg":"RS256"}"#),
            enc(r#"{"sub":"x","exp":1767225600}"#)
        );
        assert_eq!(jwt_expiry(&jwt), Some(1_767_225_600));
        assert_eq!(jwt_expiry("sha256~abcdef"), None);
        assert_eq!(jwt_expiry("a.%%%.c"), None);
    }
}
