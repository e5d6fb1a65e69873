//! What a PromQL result means for a policy metric, by the rules operators know from KEDA and
//! the HPA: a total query must give exactly one series (more is an error that lists them); an
//! empty result is *missing* unless the policy says zero; NaN and ±Inf are missing; a
//! per-instance query gives one series per instance, named by the policy's instance label.
//! Pure: the fetching is in [`super::client`].

use std::collections::BTreeMap;

/// One series of an instant-query result: its labels and its value (`None` for NaN, ±Inf).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub value: Option<f64>,
}

/// A query's value(s) for the engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// One total; `None` when missing, with the reason.
    Total(Result<f64, String>),
    /// A value per instance id, and the notes about series that were left out.
    PerInstance(BTreeMap<String, f64>, Vec<String>),
}

/// How many series an error lists before "and N more".
const LISTED: usize = 5;

/// Reads `series` as a total (empty `instance_label`) or per instance.
pub fn read(series: &[Series], instance_label: &str, empty_as_zero: bool) -> Reading {
    if instance_label.is_empty() {
        return Reading::Total(total(series, empty_as_zero));
    }
    let mut values = BTreeMap::new();
    let mut notes = Vec::new();
    for s in series {
        let Some(id) = s.labels.get(instance_label) else {
            notes.push(format!(
                "series {} has no label {instance_label}, so it names no instance",
                describe(&s.labels)
            ));
            continue;
        };
        match s.value {
            Some(v) if values.insert(id.clone(), v).is_some() => notes.push(format!(
                "more than one series has {instance_label}=\"{id}\"; aggregate by {instance_label}"
            )),
            Some(_) => {}
            None => notes.push(format!(
                "the value for {instance_label}=\"{id}\" is NaN or infinite: missing"
            )),
        }
    }
    Reading::PerInstance(values, notes)
}

fn total(series: &[Series], empty_as_zero: bool) -> Result<f64, String> {
    match series {
        [] if empty_as_zero => Ok(0.0),
        [] => Err(
            "the query returned no series: missing (the policy can count an empty result as zero)"
                .into(),
        ),
        [one] => one
            .value
            .ok_or_else(|| "the query's value is NaN or infinite: missing".into()),
        many => {
            let mut listed: Vec<String> = many
                .iter()
                .take(LISTED)
                .map(|s| describe(&s.labels))
                .collect();
            if many.len() > LISTED {
                listed.push(format!("and {} more", many.len() - LISTED));
            }
            Err(format!(
                "the query returned {} series, one is needed (aggregate them, e.g. sum(...)): {}",
                many.len(),
                listed.join(", ")
            ))
        }
    }
}

/// A series' labels as PromQL writes them: `{job="web",pod="web-1"}`.
pub fn describe(labels: &BTreeMap<String, String>) -> String {
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    format!("{{{}}}", inner.join(","))
}

/// `query` with `{workload}`, `{namespace}` and `{name}` replaced, each value escaped for a
/// PromQL string literal (so a name can never end the literal it is placed in).
pub fn substitute(query: &str, workload: &str, namespace: &str, name: &str) -> String {
    let esc = |v: &str| v.replace('\\', "\\\\").replace('"', "\\\"");
    query
        .replace("{workload}", &esc(workload))
        .replace("{namespace}", &esc(namespace))
        .replace("{name}", &esc(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(pairs: &[(&str, &str)], value: Option<f64>) -> Series {
        Series {
            labels: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            value,
        }
    }

    #[test]
    fn totals_are_one_series_and_empty_is_missing_unless_zero() {
        assert_eq!(
            read(&[s(&[("job", "web")], Some(4.5))], "", false),
            Reading::Total(Ok(4.5))
        );
        assert!(matches!(read(&[], "", false), Reading::Total(Err(m)) if m.contains("no series")));
        assert_eq!(read(&[], "", true), Reading::Total(Ok(0.0)));
        assert!(matches!(
            read(&[s(&[], None)], "", true),
            Reading::Total(Err(m)) if m.contains("NaN")
        ));
        let many: Vec<Series> = (0..7)
            .map(|i| s(&[("pod", &format!("web-{i}"))], Some(1.0)))
            .collect();
        match read(&many, "", false) {
            Reading::Total(Err(m)) => {
                assert!(m.contains("7 series"), "{m}");
                assert!(m.contains(r#"{pod="web-0"}"#), "{m}");
                assert!(m.contains("and 2 more"), "{m}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn per_instance_values_are_keyed_by_the_label() {
        let series = [
            s(&[("pod", "web-1")], Some(10.0)),
            s(
                &[("pod", "web-2")],
                Some(f64::NAN).filter(|v| v.is_finite()),
            ),
            s(&[("job", "x")], Some(3.0)),
            s(&[("pod", "web-1")], Some(11.0)),
        ];
        match read(&series, "pod", false) {
            Reading::PerInstance(values, notes) => {
                assert_eq!(values.get("web-1"), Some(&11.0));
                assert_eq!(values.len(), 1);
                assert_eq!(notes.len(), 3, "{notes:?}");
                assert!(notes.iter().any(|n| n.contains("aggregate by pod")));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn names_are_escaped_where_they_are_placed() {
        assert_eq!(
            substitute(
                r#"sum(rate(x{namespace="{namespace}",svc="{name}"}[1m])) # {workload}"#,
                "shop/deployments.apps/web",
                "shop",
                r#"we"b\"#
            ),
            r#"sum(rate(x{namespace="shop",svc="we\"b\\"}[1m])) # shop/deployments.apps/web"#
        );
    }
}
