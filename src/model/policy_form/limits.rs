//! Limits the editor applies besides the engine's rules: the installation's replica cap
//! (`--max-replicas-cap`), which the engine knows nothing of and the server passes in.

use ebb_engine::Policy;

use super::err;
use crate::model::error::FieldError;

/// Every replica count of `policy` above `cap`: its max and its schedules' bounds (a
/// schedule's min raises the effective max with it).
pub fn cap_errors(policy: &Policy, cap: u32) -> Vec<FieldError> {
    let msg = |what: &str, n: u32| {
        format!(
            "{what} {n} is above this installation's cap of {cap} replicas \
             (--max-replicas-cap); use at most {cap}"
        )
    };
    let mut out = Vec::new();
    if policy.max_replicas > cap {
        out.push(err(
            "max_replicas",
            msg("max_replicas", policy.max_replicas),
        ));
    }
    if policy.min_replicas > cap {
        out.push(err(
            "min_replicas",
            msg("min_replicas", policy.min_replicas),
        ));
    }
    for (i, s) in policy.schedules.iter().enumerate() {
        for (field, n) in [
            ("min_replicas", s.min_replicas),
            ("max_replicas", s.max_replicas),
        ] {
            if let Some(n) = n.filter(|n| *n > cap) {
                out.push(err(format!("schedules[{i}].{field}"), msg(field, n)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replica_counts_above_the_cap() {
        let with = |f: fn(&mut Policy)| {
            let mut p = Policy {
                max_replicas: 20,
                ..Policy::default()
            };
            f(&mut p);
            p
        };
        let cases: &[(&str, Policy, &[&str])] = &[
            ("within", with(|_| {}), &[]),
            ("max at the cap", with(|p| p.max_replicas = 50), &[]),
            (
                "max above",
                with(|p| p.max_replicas = 51),
                &["max_replicas"],
            ),
            (
                "min and max above",
                with(|p| {
                    p.min_replicas = 60;
                    p.max_replicas = 60
                }),
                &["max_replicas", "min_replicas"],
            ),
            (
                "a schedule's min above",
                with(|p| {
                    p.schedules = vec![ebb_engine::Schedule {
                        min_replicas: Some(500),
                        ..Default::default()
                    }]
                }),
                &["schedules[0].min_replicas"],
            ),
        ];
        for (name, policy, want) in cases {
            let got = cap_errors(policy, 50);
            let paths: Vec<&str> = got.iter().map(|e| e.path.as_str()).collect();
            assert_eq!(&paths, want, "{name}");
            assert!(
                got.iter().all(|e| e.message.contains("cap of 50")),
                "{name}"
            );
        }
    }
}
