//! Next-action triggers for step rules: the metric value at which the next step fires (the
//! nearest band boundary whose band moves the count that way) and when (the direction's
//! earliest instant). AWS step scaling has no such report; the cases are ours.

use ebb_engine::*;

use super::support::*;

/// Step rules on the external `queue`: below 30 remove one, 30–70 nothing, from 70 add three.
fn queue_steps(queue: f64, current: u32) -> (Policy, Observation) {
    let band = |lower, upper, n| Step {
        lower,
        upper,
        adjustment: Adjustment::ChangeInCapacity(n),
    };
    let p = Policy {
        min_replicas: 1,
        max_replicas: 100,
        step_rules: vec![StepRule {
            metric: "queue".into(),
            steps: vec![
                band(None, Some(30.0), -1),
                band(Some(30.0), Some(70.0), 0),
                band(Some(70.0), None, 3),
            ],
            min_adjustment_magnitude: None,
        }],
        cooldown: Cooldown {
            scale_up_secs: 60,
            scale_down_secs: 120,
        },
        // No scale-down window, so only the cooldowns say when.
        behavior: Some(Behavior {
            scale_down: ScalingRules {
                stabilization_window_secs: Some(0),
                ..ScalingRules::default_down()
            },
            ..Behavior::default()
        }),
        ..Default::default()
    };
    let mut o = obs(current, vec![]);
    o.external.insert("queue".into(), queue);
    (p, o)
}

struct Case {
    name: &'static str,
    queue: f64,
    history: History,
    /// (trigger value, earliest offset) up, then down.
    up: Option<(f64, i64)>,
    down: Option<(f64, i64)>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "inside the quiet band: up at 70, down below 30, both now",
            queue: 50.0,
            history: History::default(),
            up: Some((70.0, 0)),
            down: Some((30.0, 0)),
        },
        Case {
            name: "a recent scale event: the cooldowns say when",
            queue: 50.0,
            history: events(&[(-30, 2, 4)]),
            up: Some((70.0, 30)),
            down: Some((30.0, 90)),
        },
        Case {
            name: "the upper band fires now: it keeps asking from the current value after the cooldown",
            queue: 80.0,
            history: History::default(),
            up: Some((80.0, 60)),
            down: Some((30.0, 120)),
        },
    ]
}

#[test]
fn step_rule_trigger_cases() {
    for c in cases() {
        let (p, o) = queue_steps(c.queue, 4);
        let d = decide(&p, &o, &c.history, t(0));
        let got = |n: &Option<NextStep>| {
            n.as_ref().and_then(|s| {
                let tr = s.trigger.as_ref()?;
                assert_eq!(tr.metric, "queue", "{}", c.name);
                Some((tr.value, (s.earliest - t(0)).num_seconds()))
            })
        };
        assert_eq!(got(&d.next.up), c.up, "{} up: {:?}", c.name, d.next);
        assert_eq!(got(&d.next.down), c.down, "{} down: {:?}", c.name, d.next);
    }
}

/// Up picks the closest threshold among metrics and step rules alike.
#[test]
fn up_takes_the_closest_of_metrics_and_steps() {
    let (mut p, mut o) = queue_steps(50.0, 4);
    p.metrics = vec![MetricSpec {
        name: "queue".into(),
        source: MetricSource::External {
            metric: "queue".into(),
        },
        target: MetricTarget::Value(50.0),
    }];
    o.instances = (0..4).map(|_| pod(Some(0.5), 1.0)).collect();
    let d = decide(&p, &o, &History::default(), t(0));
    let up = d.next.up.and_then(|n| n.trigger).expect("up trigger");
    // The metric leaves its tolerance above 55; the step fires at 70.
    assert!((up.value - 55.0).abs() < 1e-9, "{up:?}");
}
