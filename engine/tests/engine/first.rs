//! A target's first evaluation, transcribed from `horizontal_test.go`
//! (`TestScaleDownStabilizeInitialSize` against `TestScaleDown`): HPA records the count it
//! finds as a recommendation when it first sees an HPA (`recordInitialRecommendation`), so
//! nothing scales down inside the first stabilization window; an existing but empty history
//! keeps scaling down at once.

use ebb_engine::*;

use super::support::*;

/// `TestScaleDown`'s workload: 5 replicas at 100, 300, 500, 250, 250 m of 1-core requests,
/// target 50 %, bounds 2–6: the calculator proposes 3.
fn scale_down() -> (Policy, Observation) {
    let mut p = hpa(cpu(50.0));
    p.min_replicas = 2;
    p.max_replicas = 6;
    let o = obs(
        5,
        [0.1, 0.3, 0.5, 0.25, 0.25]
            .iter()
            .map(|u| pod(Some(*u), 1.0))
            .collect(),
    );
    (p, o)
}

struct Case {
    name: &'static str,
    history: History,
    behavior: Option<Behavior>,
    want: u32,
    reason: Reason,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "TestScaleDownStabilizeInitialSize (recommendations nil: first sight)",
            history: History::attached(),
            behavior: None,
            want: 5,
            reason: Reason::ScaleDownStabilized,
        },
        Case {
            name: "TestScaleDown (recommendations empty: not the first evaluation)",
            history: History::default(),
            behavior: None,
            want: 3,
            reason: Reason::DesiredWithinRange,
        },
        Case {
            name: "TestScaleDownStabilizeInitialSize with behavior (default rules)",
            history: History::attached(),
            behavior: Some(Behavior::default()),
            want: 5,
            reason: Reason::ScaleDownStabilized,
        },
        Case {
            name: "first evaluation with a zero scale-down window scales at once",
            history: History::attached(),
            behavior: Some(Behavior {
                scale_down: ScalingRules {
                    stabilization_window_secs: Some(0),
                    ..ScalingRules::default_down()
                },
                ..Behavior::default()
            }),
            want: 3,
            reason: Reason::DesiredWithinRange,
        },
    ]
}

#[test]
fn first_evaluation_cases() {
    for c in cases() {
        let (mut p, o) = scale_down();
        p.behavior = c.behavior;
        let d = decide(&p, &o, &c.history, t(0));
        assert_eq!(d.desired_replicas, c.want, "{}: {}", c.name, d.sentence);
        assert_eq!(d.reason, c.reason, "{}: {}", c.name, d.sentence);
        assert_eq!(
            d.initial_recommendation.is_some(),
            c.history.first_evaluation,
            "{}",
            c.name
        );
    }
}

/// The hold is explained, and it ends one window after watching began.
#[test]
fn watching_since_is_said_and_ends_after_the_window() {
    let (p, o) = scale_down();
    let mut h = History::attached();
    let d = decide(&p, &o, &h, t(0));
    assert!(
        d.sentence.contains(
            "watching since 2024-01-01 12:00:00 UTC; scale-down possible from 2024-01-01 12:05:00 UTC"
        ),
        "{}",
        d.sentence
    );
    assert_eq!(d.next.down.as_ref().map(|n| n.earliest), Some(t(300)));
    h.record(&d, true, &p, t(0));
    assert!(!h.first_evaluation);
    assert_eq!(h.watching_since, Some(t(0)));
    let later = decide(&p, &o, &h, t(120));
    assert_eq!(later.desired_replicas, 5, "{}", later.sentence);
    assert!(
        later.sentence.contains("watching since"),
        "{}",
        later.sentence
    );
    assert!(later.initial_recommendation.is_none());
    h.record(&later, true, &p, t(120));
    // The evaluation at 120 s recommended 3, so only the first one (5, at 0 s) held the count.
    let after = decide(&p, &o, &h, t(301));
    assert_eq!(after.desired_replicas, 3, "{}", after.sentence);
    assert!(
        !after.sentence.contains("watching since"),
        "{}",
        after.sentence
    );
}

/// HPA records the initial recommendation before it reads metrics, so a first evaluation that
/// cannot read them still starts the window.
#[test]
fn a_failed_first_evaluation_still_starts_watching() {
    let (p, _) = scale_down();
    let mut h = History::attached();
    let failed = decide(&p, &obs(5, vec![]), &h, t(0));
    assert!(!failed.metrics_ok);
    h.record(&failed, false, &p, t(0));
    assert_eq!(h.recommendations.len(), 1, "{h:?}");
    assert_eq!(h.recommendations[0].replicas, 5);
    assert!(!h.first_evaluation);
}

/// A scale-up window (behavior) holds the first scale-up the same way.
#[test]
fn a_scale_up_window_holds_the_first_scale_up() {
    let mut p = hpa(cpu(50.0));
    p.behavior = Some(Behavior {
        scale_up: ScalingRules {
            stabilization_window_secs: Some(60),
            ..ScalingRules::default_up()
        },
        ..Behavior::default()
    });
    let o = obs(2, vec![pod(Some(1.0), 1.0), pod(Some(1.0), 1.0)]);
    let d = decide(&p, &o, &History::attached(), t(0));
    assert_eq!(d.desired_replicas, 2, "{}", d.sentence);
    assert_eq!(d.reason, Reason::ScaleUpStabilized);
    assert!(
        d.sentence
            .contains("scale-up possible from 2024-01-01 12:01:00 UTC"),
        "{}",
        d.sentence
    );
}

/// Histories stored before this field existed read as existing, not first.
#[test]
fn a_stored_history_without_the_flag_is_not_a_first_evaluation() {
    let h: History = serde_json::from_str(r#"{"recommendations": []}"#).expect("history");
    assert!(!h.first_evaluation);
    let (p, o) = scale_down();
    assert_eq!(decide(&p, &o, &h, t(0)).desired_replicas, 3);
}

/// A new attachment watches from its own first evaluation, not from an earlier one.
#[test]
fn a_new_attachment_watches_from_now() {
    let (p, o) = scale_down();
    let h = History {
        watching_since: Some(t(-3600)),
        ..History::attached()
    };
    let d = decide(&p, &o, &h, t(0));
    assert!(
        d.sentence
            .contains("watching since 2024-01-01 12:00:00 UTC"),
        "{}",
        d.sentence
    );
}
