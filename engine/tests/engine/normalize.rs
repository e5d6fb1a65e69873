//! HPA normalization cases: legacy limit, stabilization, rate policies, bounds and reasons,
//! including the HPA documentation's behavior examples.

use ebb_engine::*;

use super::support::*;

struct Case {
    name: &'static str,
    behavior: Option<Behavior>,
    max: u32,
    current: u32,
    /// Proposal the metric makes (cpu utilization at 50% target → proposal = demand).
    proposal: u32,
    history: History,
    want: u32,
    reason: Reason,
}

/// An external "load" metric with AverageValue 1 proposes exactly its value (outside the
/// tolerance band), so each case states its proposal directly.
fn load() -> MetricSpec {
    MetricSpec {
        name: "load".into(),
        source: MetricSource::External {
            metric: "load".into(),
        },
        target: MetricTarget::AverageValue(1.0),
    }
}

fn scenario(current: u32, proposal: u32) -> Observation {
    let mut o = obs(current, (0..current).map(|_| pod(Some(0.5), 1.0)).collect());
    o.external.insert("load".into(), f64::from(proposal));
    o
}

fn rules(window: Option<u32>, select: SelectPolicy, policies: Vec<RatePolicy>) -> ScalingRules {
    ScalingRules {
        stabilization_window_secs: window,
        select_policy: select,
        policies,
    }
}

fn rp(kind: RatePolicyKind, value: u32, period_secs: u32) -> RatePolicy {
    RatePolicy {
        kind,
        value,
        period_secs,
    }
}

fn docs_scale_down() -> Behavior {
    // HPA docs: Pods 4 per 60s and Percent 10 per 60s; the larger change wins.
    Behavior {
        scale_down: rules(
            Some(0),
            SelectPolicy::Max,
            vec![
                rp(RatePolicyKind::Instances, 4, 60),
                rp(RatePolicyKind::Percent, 10, 60),
            ],
        ),
        ..Default::default()
    }
}

fn cases() -> Vec<Case> {
    use RatePolicyKind::*;
    vec![
        Case {
            name: "legacy: scale-up limited to 2× current",
            behavior: None,
            max: 100,
            current: 3,
            proposal: 10,
            history: History::default(),
            want: 6,
            reason: Reason::ScaleUpLimit,
        },
        Case {
            name: "legacy: scale-up limit at least 4",
            behavior: None,
            max: 100,
            current: 1,
            proposal: 10,
            history: History::default(),
            want: 4,
            reason: Reason::ScaleUpLimit,
        },
        Case {
            name: "legacy: max below the limit is TooManyReplicas",
            behavior: None,
            max: 5,
            current: 3,
            proposal: 10,
            history: History::default(),
            want: 5,
            reason: Reason::TooManyReplicas,
        },
        Case {
            name: "legacy: 300s stabilization holds the highest recent",
            behavior: None,
            max: 100,
            current: 8,
            proposal: 4,
            history: recs(&[(-100, 8)]),
            want: 8,
            reason: Reason::ScaleDownStabilized,
        },
        Case {
            name: "legacy: recommendations older than 300s are ignored",
            behavior: None,
            max: 100,
            current: 8,
            proposal: 4,
            history: recs(&[(-300, 8)]),
            want: 4,
            reason: Reason::DesiredWithinRange,
        },
        Case {
            name: "behavior default: 100% or 4 per 15s, whichever is larger",
            behavior: Some(Behavior::default()),
            max: 100,
            current: 10,
            proposal: 50,
            history: History::default(),
            want: 20,
            reason: Reason::ScaleUpLimit,
        },
        Case {
            name: "behavior: select Min takes the smaller change",
            behavior: Some(Behavior {
                scale_up: rules(
                    Some(0),
                    SelectPolicy::Min,
                    vec![rp(Instances, 4, 15), rp(Percent, 100, 15)],
                ),
                ..Default::default()
            }),
            max: 100,
            current: 10,
            proposal: 50,
            history: History::default(),
            want: 14,
            reason: Reason::ScaleUpLimit,
        },
        Case {
            name: "behavior: scale events inside the period use up the budget",
            behavior: Some(Behavior {
                scale_up: rules(Some(0), SelectPolicy::Max, vec![rp(Percent, 100, 60)]),
                ..Default::default()
            }),
            max: 100,
            current: 10,
            proposal: 50,
            history: events(&[(-30, 5, 10)]),
            want: 10,
            reason: Reason::ScaleUpLimit,
        },
        Case {
            name: "behavior: events older than the period do not count",
            behavior: Some(Behavior {
                scale_up: rules(Some(0), SelectPolicy::Max, vec![rp(Percent, 100, 60)]),
                ..Default::default()
            }),
            max: 100,
            current: 10,
            proposal: 50,
            history: events(&[(-60, 5, 10)]),
            want: 20,
            reason: Reason::ScaleUpLimit,
        },
        Case {
            name: "docs: 80 → 10 removes 8 (10%) in the first minute",
            behavior: Some(docs_scale_down()),
            max: 100,
            current: 80,
            proposal: 10,
            history: History::default(),
            want: 72,
            reason: Reason::ScaleDownLimit,
        },
        Case {
            name: "docs: then 72 → 64 (7.2 rounds up to 8)",
            behavior: Some(docs_scale_down()),
            max: 100,
            current: 72,
            proposal: 10,
            history: events(&[(-61, 80, 72)]),
            want: 64,
            reason: Reason::ScaleDownLimit,
        },
        Case {
            name: "docs: inside the same minute nothing more",
            behavior: Some(docs_scale_down()),
            max: 100,
            current: 72,
            proposal: 10,
            history: events(&[(-30, 80, 72)]),
            want: 72,
            reason: Reason::ScaleDownLimit,
        },
        Case {
            name: "docs: with 40 or fewer the 4-instance policy applies",
            behavior: Some(docs_scale_down()),
            max: 100,
            current: 30,
            proposal: 10,
            history: History::default(),
            want: 26,
            reason: Reason::ScaleDownLimit,
        },
        Case {
            name: "docs: select Disabled stops scale-down",
            behavior: Some(Behavior {
                scale_down: rules(None, SelectPolicy::Disabled, vec![]),
                ..Default::default()
            }),
            max: 100,
            current: 10,
            proposal: 5,
            history: History::default(),
            want: 10,
            reason: Reason::ScaleDownLimit,
        },
        Case {
            name: "behavior: scale-up window holds at the lowest recent recommendation",
            behavior: Some(Behavior {
                scale_up: rules(Some(60), SelectPolicy::Max, vec![]),
                ..Default::default()
            }),
            max: 100,
            current: 5,
            proposal: 8,
            history: recs(&[(-30, 5)]),
            want: 5,
            reason: Reason::ScaleUpStabilized,
        },
        Case {
            name: "behavior: scale-down window holds at the highest recent recommendation",
            behavior: Some(Behavior::default()),
            max: 100,
            current: 10,
            proposal: 4,
            history: recs(&[(-200, 9), (-100, 7)]),
            want: 9,
            reason: Reason::ScaleDownStabilized,
        },
        Case {
            name: "behavior: min_replicas below the rate limit is TooFewReplicas",
            behavior: Some(Behavior {
                scale_down: rules(Some(0), SelectPolicy::Max, vec![rp(Percent, 100, 15)]),
                ..Default::default()
            }),
            max: 100,
            current: 10,
            proposal: 0,
            history: History::default(),
            want: 1,
            reason: Reason::TooFewReplicas,
        },
        Case {
            name: "current above max goes straight to max",
            behavior: Some(Behavior::default()),
            max: 5,
            current: 9,
            proposal: 9,
            history: History::default(),
            want: 5,
            reason: Reason::TooManyReplicas,
        },
    ]
}

#[test]
fn normalization_cases() {
    for c in cases() {
        let mut p = hpa(load());
        p.behavior = c.behavior.clone();
        p.max_replicas = c.max;
        let d = decide(&p, &scenario(c.current, c.proposal), &c.history, t(0));
        assert_eq!(
            d.proposals[0].replicas,
            Some(c.proposal),
            "{}: proposal {:?}",
            c.name,
            d.proposals[0]
        );
        assert_eq!(d.desired_replicas, c.want, "{}: {}", c.name, d.sentence);
        assert_eq!(d.reason, c.reason, "{}: {:?}", c.name, d.limits);
        assert_eq!(d.recommendation.replicas, c.proposal, "{}", c.name);
    }
}

#[test]
fn sentence_names_the_metric_and_the_rate_policy() {
    let mut p = hpa(cpu(70.0));
    p.behavior = Some(Behavior {
        scale_up: rules(
            Some(0),
            SelectPolicy::Max,
            vec![rp(RatePolicyKind::Instances, 3, 15)],
        ),
        ..Default::default()
    });
    let o = obs(3, (0..3).map(|_| pod(Some(2.1), 1.0)).collect());
    let d = decide(&p, &o, &History::default(), t(0));
    assert_eq!(d.desired_replicas, 6);
    assert_eq!(
        d.sentence,
        "Scaled up from 3 to 6: cpu utilization 210% vs target 70%; limited to +3 by the scale-up rate policy (Instances 3 per 15s)."
    );
    assert_eq!(d.reason.code(), "ScaleUpLimit");
    assert_eq!(d.limits.len(), 1);
    assert_eq!(d.limits[0].rule, Rule::RateLimit);
}
