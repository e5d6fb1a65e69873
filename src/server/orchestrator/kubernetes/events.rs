//! The Event ebb writes on a workload it scaled (`events.k8s.io/v1`, like the HPA's
//! `SuccessfulRescale`), carrying the decision's sentence, so `kubectl describe` and
//! `kubectl events` show why ebb acted next to everything else that happened to the object.

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::DynamicObject;
use kube::core::ApiResource;

/// The component name Events carry (`reportingController`).
pub const CONTROLLER: &str = "ebb.io/autoscaler";

/// An Event on `obj` (of resource `ar`) saying ebb scaled it from `from` to `to`, because
/// `sentence`. Kubernetes limits a note to 1 kB: longer sentences are cut at a character.
pub fn scaled(
    ar: &ApiResource,
    obj: &DynamicObject,
    from: u32,
    to: u32,
    sentence: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Event {
    let name = obj.metadata.name.clone().unwrap_or_default();
    let mut note: String = sentence.chars().take(1000).collect();
    while note.len() > 1024 {
        note.pop();
    }
    let reason = if to > from { "ScaledUp" } else { "ScaledDown" };
    Event {
        metadata: ObjectMeta {
            // Unique per scale; generateName is not enough for a create without retries.
            name: Some(format!(
                "{}.{}",
                name.chars().take(200).collect::<String>(),
                now.timestamp_nanos_opt().unwrap_or_default()
            )),
            namespace: obj.metadata.namespace.clone(),
            ..Default::default()
        },
        event_time: k8s_openapi::jiff::Timestamp::from_microsecond(now.timestamp_micros())
            .ok()
            .map(MicroTime),
        action: Some("Scale".into()),
        reason: Some(reason.into()),
        note: Some(note),
        type_: Some("Normal".into()),
        reporting_controller: Some(CONTROLLER.into()),
        reporting_instance: Some(std::env::var("HOSTNAME").unwrap_or_else(|_| "ebb".into())),
        regarding: Some(ObjectReference {
            api_version: Some(ar.api_version.clone()),
            kind: Some(ar.kind.clone()),
            name: Some(name),
            namespace: obj.metadata.namespace.clone(),
            uid: obj.metadata.uid.clone(),
            resource_version: obj.metadata.resource_version.clone(),
            ..Default::default()
        }),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_names_the_object_the_direction_and_the_reason() {
        let ar = ApiResource {
            group: "apps".into(),
            version: "v1".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
        };
        let mut obj = DynamicObject::new("web", &ar).within("shop");
        obj.metadata.uid = Some("u-1".into());
        let long = "é".repeat(900);
        let e = scaled(&ar, &obj, 2, 4, &long, chrono::Utc::now());
        assert_eq!(e.reason.as_deref(), Some("ScaledUp"));
        assert!(e.note.as_ref().expect("note").len() <= 1024);
        let r = e.regarding.expect("regarding");
        assert_eq!(
            (r.kind.as_deref(), r.uid.as_deref()),
            (Some("Deployment"), Some("u-1"))
        );
        assert_eq!(e.metadata.namespace.as_deref(), Some("shop"));
        assert_eq!(
            scaled(&ar, &obj, 4, 2, "x", chrono::Utc::now())
                .reason
                .as_deref(),
            Some("ScaledDown")
        );
    }
}
