//! Cases for ebb's rules beyond HPA: cooldown, pauses and overrides, schedules, fallback,
//! headroom, activation (scale to and from zero), step rules, warm-up and next action.

use chrono::Duration;
use ebb_engine::*;

use super::support::*;

/// Three ready instances at `util`% of a one-core request, target 50%.
fn at(util: f64, current: u32) -> (Policy, Observation) {
    let p = hpa(cpu(50.0));
    let o = obs(
        current,
        (0..current).map(|_| pod(Some(util / 100.0), 1.0)).collect(),
    );
    (p, o)
}

struct Case {
    name: &'static str,
    policy: Policy,
    obs: Observation,
    history: History,
    want: u32,
    reason: Reason,
    rule: Option<Rule>,
}

fn case(
    name: &'static str,
    (policy, obs): (Policy, Observation),
    history: History,
    want: u32,
    reason: Reason,
    rule: Option<Rule>,
) -> Case {
    Case {
        name,
        policy,
        obs,
        history,
        want,
        reason,
        rule,
    }
}

fn tweak(
    mut po: (Policy, Observation),
    f: impl FnOnce(&mut Policy, &mut Observation),
) -> (Policy, Observation) {
    f(&mut po.0, &mut po.1);
    po
}

fn schedule(
    name: &str,
    cron: &str,
    tz: &str,
    secs: u32,
    min: Option<u32>,
    max: Option<u32>,
) -> Schedule {
    Schedule {
        name: name.into(),
        cron: cron.into(),
        timezone: tz.into(),
        duration_secs: secs,
        min_replicas: min,
        max_replicas: max,
    }
}

fn queue_zero(value: Option<f64>, current: u32) -> (Policy, Observation) {
    let mut p = hpa(MetricSpec {
        name: "queue".into(),
        source: MetricSource::External {
            metric: "queue".into(),
        },
        target: MetricTarget::Value(5.0),
    });
    p.min_replicas = 0;
    p.activation = Some(Activation {
        metric: "queue".into(),
        threshold: 0.0,
    });
    let mut o = obs(current, (0..current).map(|_| pod(Some(0.1), 1.0)).collect());
    if let Some(v) = value {
        o.external.insert("queue".into(), v);
    }
    (p, o)
}

fn steps(adj_hi: Adjustment, min_mag: Option<u32>) -> (Policy, Observation) {
    tweak(at(50.0, 4), |p, _| {
        p.step_rules = vec![StepRule {
            metric: "cpu".into(),
            steps: vec![
                Step {
                    lower: None,
                    upper: Some(30.0),
                    adjustment: Adjustment::ChangeInCapacity(-1),
                },
                Step {
                    lower: Some(30.0),
                    upper: Some(70.0),
                    adjustment: adj_hi,
                },
                Step {
                    lower: Some(70.0),
                    upper: None,
                    adjustment: Adjustment::ChangeInCapacity(3),
                },
            ],
            min_adjustment_magnitude: min_mag,
        }];
    })
}

fn cases() -> Vec<Case> {
    use Reason::*;
    let hold = |s: &'static str, po, h, r, rule| case(s, po, h, 4, r, rule);
    vec![
        case(
            "cooldown blocks a scale-down after a recent event",
            tweak(at(10.0, 4), |p, _| p.cooldown.scale_down_secs = 300),
            events(&[(-100, 2, 4)]),
            4,
            CoolingDown,
            Some(Rule::Cooldown),
        ),
        case(
            "cooldown over: scale-down proceeds",
            tweak(at(10.0, 4), |p, _| p.cooldown.scale_down_secs = 300),
            events(&[(-300, 2, 4)]),
            1,
            DesiredWithinRange,
            None,
        ),
        case(
            "cooldown for scale-up",
            tweak(at(100.0, 4), |p, _| p.cooldown.scale_up_secs = 60),
            events(&[(-10, 2, 4)]),
            4,
            CoolingDown,
            Some(Rule::Cooldown),
        ),
        hold(
            "policy pause on scale-in",
            tweak(at(10.0, 4), |p, _| {
                p.pauses = vec![Pause {
                    direction: PauseDirection::ScaleIn,
                    until: t(60),
                    reason: "migration".into(),
                }]
            }),
            History::default(),
            Paused,
            Some(Rule::Pause),
        ),
        case(
            "policy pause on scale-in lets scale-out through",
            tweak(at(100.0, 4), |p, _| {
                p.pauses = vec![Pause {
                    direction: PauseDirection::ScaleIn,
                    until: t(60),
                    reason: "x".into(),
                }]
            }),
            History::default(),
            8,
            DesiredWithinRange,
            None,
        ),
        case(
            "expired pause is ignored",
            tweak(at(10.0, 4), |p, _| {
                p.pauses = vec![Pause {
                    direction: PauseDirection::Both,
                    until: t(0),
                    reason: "x".into(),
                }]
            }),
            History::default(),
            1,
            DesiredWithinRange,
            None,
        ),
        hold(
            "operator pause-out override",
            tweak(at(100.0, 4), |_, o| {
                o.overrides = vec![Override {
                    kind: OverrideKind::PauseScaleOut,
                    until: t(60),
                    reason: "freeze".into(),
                }]
            }),
            History::default(),
            Paused,
            Some(Rule::Pause),
        ),
        case(
            "operator pin wins over everything",
            tweak(at(100.0, 4), |_, o| {
                o.overrides = vec![Override {
                    kind: OverrideKind::Pin(2),
                    until: t(60),
                    reason: "test".into(),
                }]
            }),
            History::default(),
            2,
            Pinned,
            Some(Rule::Override),
        ),
        case(
            "expired pin is ignored",
            tweak(at(50.0, 4), |_, o| {
                o.overrides = vec![Override {
                    kind: OverrideKind::Pin(2),
                    until: t(-1),
                    reason: "test".into(),
                }]
            }),
            History::default(),
            4,
            DesiredWithinRange,
            None,
        ),
        case(
            "schedule min raises the count (weekday 08:00 Berlin for 12h)",
            tweak(at(50.0, 4), |p, _| {
                p.schedules = vec![schedule(
                    "office",
                    "0 8 * * 1-5",
                    "Europe/Berlin",
                    12 * 3600,
                    Some(10),
                    None,
                )]
            }),
            History::default(),
            10,
            ScheduleMin,
            Some(Rule::Schedule),
        ),
        case(
            "schedule outside its window does nothing",
            tweak(at(50.0, 4), |p, _| {
                p.schedules = vec![schedule(
                    "weekend",
                    "0 8 * * 6",
                    "Europe/Berlin",
                    3600,
                    Some(10),
                    None,
                )]
            }),
            History::default(),
            4,
            DesiredWithinRange,
            None,
        ),
        case(
            "overlapping schedules: largest min wins",
            tweak(at(50.0, 4), |p, _| {
                p.schedules = vec![
                    schedule("a", "0 10 * * *", "UTC", 10800, Some(6), None),
                    schedule("b", "0 11 * * *", "UTC", 7200, Some(8), Some(9)),
                ]
            }),
            History::default(),
            8,
            ScheduleMin,
            Some(Rule::Schedule),
        ),
        case(
            "schedule max caps a scale-up",
            tweak(at(200.0, 4), |p, _| {
                p.schedules = vec![schedule("night", "0 0 * * *", "UTC", 86400, None, Some(5))]
            }),
            History::default(),
            5,
            ScheduleMax,
            Some(Rule::Schedule),
        ),
        hold(
            "metrics missing: first failures hold",
            tweak(at(50.0, 4), |_, o| {
                o.instances.iter_mut().for_each(|i| i.metrics.clear())
            }),
            History::default(),
            MetricsMissing,
            None,
        ),
        hold(
            "fallback hold after enough failures",
            tweak(at(50.0, 4), |_, o| {
                o.instances.iter_mut().for_each(|i| i.metrics.clear())
            }),
            History {
                metric_failures: 2,
                ..Default::default()
            },
            FallbackHold,
            None,
        ),
        case(
            "fallback fixed goes up",
            tweak(at(50.0, 4), |p, o| {
                p.fallback.action = FallbackAction::Fixed(6);
                o.instances.iter_mut().for_each(|i| i.metrics.clear())
            }),
            History {
                metric_failures: 5,
                ..Default::default()
            },
            6,
            FallbackFixed,
            Some(Rule::Fallback),
        ),
        hold(
            "fallback fixed never scales in",
            tweak(at(50.0, 4), |p, o| {
                p.fallback.action = FallbackAction::Fixed(2);
                o.instances.iter_mut().for_each(|i| i.metrics.clear())
            }),
            History {
                metric_failures: 5,
                ..Default::default()
            },
            FallbackFixed,
            None,
        ),
        case(
            "headroom percent raises above demand",
            tweak(at(60.0, 5), |p, _| {
                p.headroom = Some(Headroom::Percent(25.0))
            }),
            History::default(),
            8,
            HeadroomReserved,
            Some(Rule::Headroom),
        ),
        case(
            "headroom instances raises above demand",
            tweak(at(50.0, 4), |p, _| {
                p.headroom = Some(Headroom::Instances(2))
            }),
            History::default(),
            6,
            HeadroomReserved,
            Some(Rule::Headroom),
        ),
        case(
            "activation wakes from zero",
            queue_zero(Some(12.0), 0),
            History::default(),
            3,
            Activated,
            None,
        ),
        case(
            "activation wakes to at least one",
            queue_zero(Some(0.5), 0),
            History::default(),
            1,
            Activated,
            Some(Rule::Activation),
        ),
        case(
            "at or below threshold stays at zero",
            queue_zero(Some(0.0), 0),
            History::default(),
            0,
            Deactivated,
            None,
        ),
        case(
            "at or below threshold scales to zero",
            queue_zero(Some(0.0), 3),
            History::default(),
            0,
            Deactivated,
            None,
        ),
        case(
            "scale to zero waits for the stabilization window",
            queue_zero(Some(0.0), 3),
            recs(&[(-100, 3)]),
            3,
            ScaleDownStabilized,
            Some(Rule::Stabilization),
        ),
        case(
            "missing activation metric at zero holds",
            queue_zero(None, 0),
            History::default(),
            0,
            MetricsMissing,
            None,
        ),
        case(
            "target at zero with min 1 is ScalingDisabled",
            (hpa(cpu(50.0)), obs(0, vec![])),
            History::default(),
            0,
            ScalingDisabled,
            None,
        ),
        case(
            "step: change in capacity",
            steps(Adjustment::ChangeInCapacity(2), None),
            History::default(),
            6,
            DesiredWithinRange,
            None,
        ),
        case(
            "step: percent rounds toward zero (4 × 30% = 1.2 → 1)",
            steps(Adjustment::PercentChangeInCapacity(30.0), None),
            History::default(),
            5,
            DesiredWithinRange,
            None,
        ),
        case(
            "step: percent below one instance rounds to one",
            steps(Adjustment::PercentChangeInCapacity(10.0), None),
            History::default(),
            5,
            DesiredWithinRange,
            None,
        ),
        case(
            "step: min adjustment magnitude",
            steps(Adjustment::PercentChangeInCapacity(30.0), Some(3)),
            History::default(),
            7,
            DesiredWithinRange,
            None,
        ),
        case(
            "step: exact capacity",
            steps(Adjustment::ExactCapacity(9), None),
            History::default(),
            8,
            ScaleUpLimit,
            Some(Rule::RateLimit),
        ),
        case(
            "warm-up: instances ready for less than warm-up count 0% on scale-up",
            tweak(at(100.0, 4), |p, o| {
                p.warmup_secs = 120;
                o.instances[0].ready_since = Some(t(-60));
                o.instances[1].ready_since = Some(t(-60))
            }),
            History::default(),
            4,
            DesiredWithinRange,
            None,
        ),
    ]
}

#[test]
fn rule_cases() {
    for c in cases() {
        let d = decide(&c.policy, &c.obs, &c.history, t(0));
        assert_eq!(
            d.desired_replicas, c.want,
            "{}: {} {:?}",
            c.name, d.sentence, d.proposals
        );
        assert_eq!(d.reason, c.reason, "{}: {}", c.name, d.sentence);
        if let Some(rule) = c.rule {
            assert!(
                d.limits.iter().any(|l| l.rule == rule),
                "{}: {:?}",
                c.name,
                d.limits
            );
        }
    }
}

#[test]
fn steady_state_with_headroom_does_not_creep() {
    let mut p = hpa(cpu(50.0));
    p.headroom = Some(Headroom::Instances(2));
    // Demand is 4 instances at 50%; with 6 instances each runs at 33%.
    let o = obs(6, (0..6).map(|_| pod(Some(4.0 * 0.5 / 6.0), 1.0)).collect());
    let d = decide(&p, &o, &History::default(), t(0));
    assert_eq!(d.desired_replicas, 6, "{}", d.sentence);
}

#[test]
fn next_action_reports_cooldown_and_trigger() {
    let (mut p, o) = at(50.0, 4);
    p.cooldown = Cooldown {
        scale_up_secs: 60,
        scale_down_secs: 300,
    };
    let d = decide(&p, &o, &events(&[(-100, 2, 4)]), t(0));
    let up = d.next.up.expect("can scale up");
    assert_eq!(up.earliest, t(0));
    let trig = up.trigger.expect("trigger");
    assert_eq!(trig.metric, "cpu");
    assert!((trig.value - 55.0).abs() < 1e-9, "{trig:?}");
    let down = d.next.down.expect("can scale down");
    // Cooldown ends at -100 + 300; the 300 s legacy window over this tick's 4 ends at +300.
    assert_eq!(down.earliest, t(300));
    assert!((down.trigger.expect("trigger").value - 37.5).abs() < 1e-9);
}

#[test]
fn history_record_appends_and_prunes() {
    let (p, o) = at(100.0, 4);
    let mut h = recs(&[(-1000, 3), (-10, 4)]);
    let d = decide(&p, &o, &h, t(0));
    h.record(&d, true, &p, t(0));
    assert_eq!(
        h.recommendations.len(),
        2,
        "the 1000 s old one is pruned: {h:?}"
    );
    assert_eq!(h.scale_events.len(), 1);
    assert_eq!(h.scale_events[0].to, d.desired_replicas);
    let failed = decide(&p, &obs(4, vec![]), &h, t(1));
    h.record(&failed, false, &p, t(1) + Duration::seconds(1));
    assert_eq!(h.metric_failures, 1);
}

#[test]
fn decision_round_trips_through_json() {
    let (p, o) = at(100.0, 4);
    let d = decide(&p, &o, &History::default(), t(0));
    let json = serde_json::to_string(&d).expect("serialize");
    let back: Decision = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back, d);
    let partial: Policy = serde_json::from_str(
        r#"{"max_replicas": 5, "behavior": {"scale_down": {"stabilization_window_secs": 60}}}"#,
    )
    .expect("partial policy");
    assert_eq!(partial.min_replicas, 1);
    assert_eq!(
        partial.behavior.expect("behavior").scale_up,
        ScalingRules::default_up()
    );
}

/// Found by proptest: a target asleep at zero (activation, metrics unreadable or below the
/// threshold) must still honour a schedule's minimum — the final clamp applies at zero too.
#[test]
fn a_schedule_minimum_wakes_a_target_sleeping_at_zero() {
    let policy = Policy {
        min_replicas: 0,
        max_replicas: 5,
        activation: Some(Activation {
            metric: "queue".into(),
            threshold: 0.0,
        }),
        schedules: vec![Schedule {
            name: "s".into(),
            cron: "0 11 * * *".into(),
            timezone: "UTC".into(),
            duration_secs: 7200,
            min_replicas: Some(1),
            max_replicas: None,
        }],
        ..Default::default()
    };
    for external in [None, Some(0.0)] {
        let mut o = obs(0, vec![]);
        if let Some(v) = external {
            o.external.insert("queue".into(), v);
        }
        let d = decide(&policy, &o, &History::default(), t(0));
        assert_eq!(d.desired_replicas, 1, "queue {external:?}: {}", d.sentence);
        assert!(
            d.limits.iter().any(|l| l.rule == Rule::Schedule),
            "{:?}",
            d.limits
        );
    }
}

#[test]
fn an_operator_pin_is_explained_with_a_readable_utc_time() {
    let (policy, mut o) = at(100.0, 4);
    o.overrides = vec![Override {
        kind: OverrideKind::Pin(2),
        until: t(90),
        reason: "load test".into(),
    }];
    let d = decide(&policy, &o, &History::default(), t(0));
    assert_eq!(d.desired_replicas, 2);
    assert!(
        d.sentence
            .contains("pinned to 2 by an operator until 2024-01-01 12:01:30 UTC (load test)"),
        "{}",
        d.sentence
    );
}

#[test]
fn remembered_schedule_windows_match_a_fresh_reading_in_any_order() {
    use ebb_engine::schedule::{parse_cron, parse_timezone, window_at};
    // Weekday mornings in Berlin across the spring DST change, and a every-7-minutes cron.
    let cases = [
        schedule(
            "mornings",
            "0 8 * * 1-5",
            "Europe/Berlin",
            3 * 3600,
            Some(3),
            None,
        ),
        schedule("often", "*/7 * * * *", "UTC", 120, Some(2), None),
    ];
    let fresh = |s: &Schedule, now: chrono::DateTime<chrono::Utc>| {
        let tz = parse_timezone(&s.timezone).expect("zone");
        let start = parse_cron(&s.cron)
            .expect("cron")
            .find_previous_occurrence(&now.with_timezone(&tz), true)
            .ok()?
            .with_timezone(&chrono::Utc);
        let end = start + chrono::Duration::seconds(i64::from(s.duration_secs));
        (now < end).then_some((start, end))
    };
    let base = chrono::DateTime::parse_from_rfc3339("2026-03-25T00:00:00Z")
        .expect("time")
        .with_timezone(&chrono::Utc);
    let forward: Vec<_> = (0..10 * 24 * 12)
        .map(|i| base + chrono::Duration::minutes(5 * i))
        .collect();
    // Forward (a replay), backward, and hopping about (two callers interleaved).
    let mut hops = forward.clone();
    hops.sort_by_key(|t| (t.timestamp() * 7919).rem_euclid(1_000_003));
    for s in &cases {
        for at in forward.iter().chain(forward.iter().rev()).chain(&hops) {
            assert_eq!(window_at(s, *at), fresh(s, *at), "{} at {at}", s.name);
        }
    }
}
