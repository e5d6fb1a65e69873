//! The installation's replica cap (`--max-replicas-cap`) as the controller's last guard: a
//! decision above it (a policy saved before the cap was lowered, a seeded one, a pin) is held
//! at the cap, with the reason in the decision like every other limit. The engine knows
//! nothing of the cap; it is applied here, between deciding and acting.

use ebb_engine::{sentence_head, Decision, Direction, Limit, Reason, Rule};

/// Lowers `d` to `cap` replicas when it asks for more, recording why; its bounds never show
/// more than the cap either.
pub fn hold_at_cap(d: &mut Decision, cap: u32) {
    d.bounds.max = d.bounds.max.min(cap);
    d.bounds.min = d.bounds.min.min(cap);
    if d.desired_replicas <= cap {
        return;
    }
    let old_head = sentence_head(d.current_replicas, d.desired_replicas);
    let rest = d
        .sentence
        .strip_prefix(&old_head)
        .unwrap_or("")
        .trim_end_matches('.')
        .to_string();
    let detail = format!("held at {cap} by this installation's replica cap (--max-replicas-cap)");
    d.limits.push(Limit {
        rule: Rule::Bounds,
        from: d.desired_replicas,
        to: cap,
        detail: detail.clone(),
    });
    d.desired_replicas = cap;
    d.direction = Direction::of(d.current_replicas, cap);
    d.reason = Reason::TooManyReplicas;
    let sep = if rest.is_empty() { ": " } else { "; " };
    d.sentence = format!(
        "{}{rest}{sep}{detail}.",
        sentence_head(d.current_replicas, cap)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use ebb_engine::{decide, History, Observation, Override, OverrideKind, Policy};

    fn pinned(current: u32, pin: u32, max: u32) -> Decision {
        let now = Utc
            .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
            .single()
            .expect("time");
        let policy = Policy {
            max_replicas: max,
            schedules: vec![],
            ..Policy::default()
        };
        let obs = Observation {
            current_replicas: current,
            overrides: vec![Override {
                kind: OverrideKind::Pin(pin),
                until: now + chrono::Duration::hours(1),
                reason: "load test".into(),
            }],
            ..Observation::default()
        };
        decide(&policy, &obs, &History::default(), now)
    }

    #[test]
    fn decisions_above_the_cap_are_held_at_it() {
        // (name, current, pin, policy max, cap, want desired, want head of the sentence)
        let cases: &[(&str, u32, u32, u32, u32, u32, &str)] = &[
            (
                "pin above the cap",
                3,
                5000,
                10,
                1000,
                1000,
                "Scaled up from 3 to 1000: ",
            ),
            (
                "already above: down to the cap",
                1500,
                1400,
                2000,
                1000,
                1000,
                "Scaled down from 1500 to 1000",
            ),
            (
                "at the cap: held",
                1000,
                1200,
                2000,
                1000,
                1000,
                "Holding at 1000",
            ),
            (
                "below the cap: untouched",
                3,
                8,
                10,
                1000,
                8,
                "Scaled up from 3 to 8",
            ),
        ];
        for (name, current, pin, max, cap, want, start) in cases {
            let mut d = pinned(*current, *pin, *max);
            let before = d.sentence.clone();
            hold_at_cap(&mut d, *cap);
            assert_eq!(d.desired_replicas, *want, "{name}");
            assert!(d.sentence.starts_with(start), "{name}: {}", d.sentence);
            assert!(d.bounds.max <= *cap, "{name}");
            if *want < *pin {
                assert_eq!(d.reason, Reason::TooManyReplicas, "{name}");
                assert!(d.sentence.contains("--max-replicas-cap"), "{name}");
                assert!(
                    d.sentence.contains("pinned to"),
                    "{name} keeps the pin: {}",
                    d.sentence
                );
                assert_eq!(d.limits.last().map(|l| l.to), Some(*cap), "{name}");
            } else {
                assert_eq!(d.sentence, before, "{name}");
            }
        }
    }
}
