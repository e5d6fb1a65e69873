//! Validation and lint cases.

use ebb_engine::validate::{
    MAX_METRICS, MAX_PAUSES, MAX_RATE_POLICIES, MAX_SCHEDULES, MAX_STEPS, MAX_STEP_RULES,
};
use ebb_engine::*;

use super::support::*;

struct Case {
    name: &'static str,
    policy: Policy,
    /// A path that must be reported (None: no errors at all).
    path: Option<&'static str>,
}

fn base() -> Policy {
    hpa(cpu(70.0))
}

fn with(f: impl FnOnce(&mut Policy)) -> Policy {
    let mut p = base();
    f(&mut p);
    p
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "a plain cpu policy is valid",
            policy: base(),
            path: None,
        },
        Case {
            name: "min above max",
            policy: with(|p| {
                p.min_replicas = 5;
                p.max_replicas = 3
            }),
            path: Some("min_replicas"),
        },
        Case {
            name: "min 0 without activation",
            policy: with(|p| p.min_replicas = 0),
            path: Some("min_replicas"),
        },
        Case {
            name: "max 0",
            policy: with(|p| {
                p.min_replicas = 0;
                p.max_replicas = 0
            }),
            path: Some("max_replicas"),
        },
        Case {
            name: "nan target",
            policy: with(|p| p.metrics[0].target = MetricTarget::Utilization(f64::NAN)),
            path: Some("metrics[0].target"),
        },
        Case {
            name: "value target on a resource",
            policy: with(|p| p.metrics[0].target = MetricTarget::Value(5.0)),
            path: Some("metrics[0].target"),
        },
        Case {
            name: "duplicate metric names",
            policy: with(|p| p.metrics.push(cpu(50.0))),
            path: Some("metrics[1].name"),
        },
        Case {
            name: "negative tolerance",
            policy: with(|p| p.tolerance.scale_up = -0.1),
            path: Some("tolerance.scale_up"),
        },
        Case {
            name: "zero period",
            policy: with(|p| {
                p.behavior = Some(Behavior {
                    scale_down: ScalingRules {
                        policies: vec![RatePolicy {
                            kind: RatePolicyKind::Percent,
                            value: 10,
                            period_secs: 0,
                        }],
                        ..Default::default()
                    },
                    ..Default::default()
                })
            }),
            path: Some("behavior.scale_down.policies[0].period_secs"),
        },
        Case {
            name: "window over an hour",
            policy: with(|p| {
                p.behavior = Some(Behavior {
                    scale_up: ScalingRules {
                        stabilization_window_secs: Some(7200),
                        ..Default::default()
                    },
                    ..Default::default()
                })
            }),
            path: Some("behavior.scale_up.stabilization_window_secs"),
        },
        Case {
            name: "bad cron and zone",
            policy: with(|p| {
                p.schedules = vec![Schedule {
                    name: "x".into(),
                    cron: "every day".into(),
                    timezone: "Mars/Olympus".into(),
                    min_replicas: Some(3),
                    ..Default::default()
                }]
            }),
            path: Some("schedules[0].timezone"),
        },
        Case {
            name: "step band upside down",
            policy: with(|p| {
                p.step_rules = vec![StepRule {
                    metric: "cpu".into(),
                    steps: vec![Step {
                        lower: Some(5.0),
                        upper: Some(1.0),
                        adjustment: Adjustment::ChangeInCapacity(1),
                    }],
                    min_adjustment_magnitude: None,
                }]
            }),
            path: Some("step_rules[0].steps[0].upper"),
        },
        Case {
            name: "fixed fallback out of bounds",
            policy: with(|p| p.fallback.action = FallbackAction::Fixed(1000)),
            path: Some("fallback.action"),
        },
        Case {
            name: "activation without metric",
            policy: with(|p| {
                p.min_replicas = 0;
                p.activation = Some(Activation::default())
            }),
            path: Some("activation.metric"),
        },
        Case {
            name: "ten metrics are allowed",
            policy: with(|p| p.metrics = metrics(MAX_METRICS)),
            path: None,
        },
        Case {
            name: "eleven metrics are too many",
            policy: with(|p| p.metrics = metrics(MAX_METRICS + 1)),
            path: Some("metrics"),
        },
        Case {
            name: "too many step rules",
            policy: with(|p| p.step_rules = vec![step_rule(1); MAX_STEP_RULES + 1]),
            path: Some("step_rules"),
        },
        Case {
            name: "too many steps in one rule",
            policy: with(|p| p.step_rules = vec![step_rule(1), step_rule(MAX_STEPS + 1)]),
            path: Some("step_rules[1].steps"),
        },
        Case {
            name: "too many schedules",
            policy: with(|p| p.schedules = vec![nightly(); MAX_SCHEDULES + 1]),
            path: Some("schedules"),
        },
        Case {
            name: "too many rate policies",
            policy: with(|p| {
                p.behavior = Some(Behavior {
                    scale_up: ScalingRules {
                        policies: vec![
                            RatePolicy {
                                kind: RatePolicyKind::Instances,
                                value: 1,
                                period_secs: 15,
                            };
                            MAX_RATE_POLICIES + 1
                        ],
                        ..Default::default()
                    },
                    ..Default::default()
                })
            }),
            path: Some("behavior.scale_up.policies"),
        },
        Case {
            name: "a subnormal target (1e-320) is refused",
            policy: hpa(cpu(1e-320)),
            path: Some("metrics[0].target"),
        },
        Case {
            name: "a subnormal tolerance is refused",
            policy: with(|p| p.tolerance.scale_up = 4e-320),
            path: Some("tolerance.scale_up"),
        },
        Case {
            name: "an infinite tolerance is refused",
            policy: with(|p| p.tolerance.scale_up = f64::INFINITY),
            path: Some("tolerance.scale_up"),
        },
        Case {
            name: "too many pauses",
            policy: with(|p| p.pauses = vec![Pause::default(); MAX_PAUSES + 1]),
            path: Some("pauses"),
        },
    ]
}

/// `n` external metrics with distinct names.
fn metrics(n: usize) -> Vec<MetricSpec> {
    (0..n)
        .map(|i| MetricSpec {
            name: format!("m{i}"),
            source: MetricSource::External {
                metric: format!("queue{i}"),
            },
            target: MetricTarget::Value(10.0),
        })
        .collect()
}

/// A step rule on cpu with `n` adjacent bands.
fn step_rule(n: usize) -> StepRule {
    StepRule {
        metric: "cpu".into(),
        steps: (0..n)
            .map(|i| Step {
                lower: Some(i as f64 * 10.0),
                upper: Some(i as f64 * 10.0 + 10.0),
                adjustment: Adjustment::ChangeInCapacity(1),
            })
            .collect(),
        min_adjustment_magnitude: None,
    }
}

fn nightly() -> Schedule {
    Schedule {
        name: "nightly".into(),
        cron: "0 22 * * *".into(),
        min_replicas: Some(3),
        ..Default::default()
    }
}

#[test]
fn validation_cases() {
    for c in cases() {
        let errors = validate(&c.policy);
        match c.path {
            None => assert!(errors.is_empty(), "{}: {errors:?}", c.name),
            Some(path) => assert!(
                errors.iter().any(|e| e.path == path),
                "{}: {errors:?}",
                c.name
            ),
        }
    }
}

#[test]
fn min_above_max_message_says_what_to_fix() {
    let errors = validate(&with(|p| {
        p.min_replicas = 5;
        p.max_replicas = 3
    }));
    assert_eq!(
        errors[0].message,
        "min_replicas 5 is greater than max_replicas 3"
    );
}

#[test]
fn implausible_values_are_linted() {
    let lints = |p: &Policy| lint(p).into_iter().map(|l| l.path).collect::<Vec<_>>();
    let huge_tolerance = with(|p| p.tolerance.scale_up = 4e9);
    assert!(
        lints(&huge_tolerance).contains(&"tolerance.scale_up".to_string()),
        "{:?}",
        lint(&huge_tolerance)
    );
    for target in [0.5, 5000.0] {
        let p = hpa(cpu(target));
        assert!(
            lints(&p).contains(&"metrics[0].target".to_string()),
            "utilization {target}: {:?}",
            lint(&p)
        );
    }
    assert!(lints(&hpa(cpu(70.0))).is_empty());
    assert!(lints(&with(|p| p.tolerance.scale_up = 0.5)).is_empty());
}

#[test]
fn lint_cases() {
    let has = |p: &Policy, path: &str| lint(p).iter().any(|l| l.path == path);
    assert!(lint(&base()).is_empty(), "{:?}", lint(&base()));
    assert!(has(
        &with(|p| p.warmup_secs = 600),
        "behavior.scale_down.stabilization_window_secs"
    ));
    assert!(has(
        &with(|p| {
            p.min_replicas = 4;
            p.max_replicas = 4
        }),
        "max_replicas"
    ));
    let gap = with(|p| {
        p.step_rules = vec![StepRule {
            metric: "cpu".into(),
            steps: vec![
                Step {
                    lower: None,
                    upper: Some(40.0),
                    adjustment: Adjustment::ChangeInCapacity(-1),
                },
                Step {
                    lower: Some(60.0),
                    upper: None,
                    adjustment: Adjustment::ChangeInCapacity(1),
                },
            ],
            min_adjustment_magnitude: None,
        }]
    });
    assert!(
        lint(&gap)
            .iter()
            .any(|l| l.message.contains("no band covers")),
        "{:?}",
        lint(&gap)
    );
    let flap = with(|p| {
        p.step_rules = vec![StepRule {
            metric: "cpu".into(),
            steps: vec![
                Step {
                    lower: None,
                    upper: Some(55.0),
                    adjustment: Adjustment::ChangeInCapacity(-1),
                },
                Step {
                    lower: Some(55.0),
                    upper: Some(60.0),
                    adjustment: Adjustment::ChangeInCapacity(0),
                },
                Step {
                    lower: Some(60.0),
                    upper: None,
                    adjustment: Adjustment::ChangeInCapacity(1),
                },
            ],
            min_adjustment_magnitude: None,
        }]
    });
    assert!(
        lint(&flap)
            .iter()
            .any(|l| l.message.contains("scale-in band")),
        "{:?}",
        lint(&flap)
    );
    let overlap = with(|p| {
        p.schedules = vec![
            Schedule {
                name: "a".into(),
                cron: "0 8 * * 1-5".into(),
                timezone: "Europe/Berlin".into(),
                duration_secs: 36000,
                min_replicas: Some(5),
                max_replicas: None,
            },
            Schedule {
                name: "b".into(),
                cron: "0 12 * * 1".into(),
                timezone: "UTC".into(),
                duration_secs: 3600,
                min_replicas: Some(8),
                max_replicas: None,
            },
        ]
    });
    assert!(has(&overlap, "schedules[1]"), "{:?}", lint(&overlap));
}
