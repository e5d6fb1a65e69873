//! Round trips and error paths of the flat form.

use ebb_engine::{
    Activation, Adjustment, Behavior, FallbackAction, Forecast, ForecastMode, Headroom,
    MetricSource, MetricSpec, MetricTarget, Pause, PauseDirection, Policy, RatePolicy,
    RatePolicyKind, ScalingRules, Schedule, SelectPolicy, Step, StepRule,
};

use super::tree::{segments, Tree};
use super::*;

fn full_policy() -> Policy {
    Policy {
        min_replicas: 0,
        max_replicas: 30,
        metrics: vec![
            MetricSpec::default(),
            MetricSpec {
                name: "queue".into(),
                source: MetricSource::External {
                    metric: "jobs".into(),
                },
                target: MetricTarget::Value(120.5),
            },
            MetricSpec {
                name: "rps".into(),
                source: MetricSource::Prometheus {
                    server: "main".into(),
                    query:
                        "sum by (pod) (rate(http_requests_total{namespace=\"{namespace}\"}[1m]))"
                            .into(),
                    instance_label: "pod".into(),
                    empty_as_zero: true,
                },
                target: MetricTarget::AverageValue(50.0),
            },
        ],
        behavior: Some(Behavior {
            scale_up: ScalingRules {
                stabilization_window_secs: None,
                select_policy: SelectPolicy::Min,
                policies: vec![RatePolicy {
                    kind: RatePolicyKind::Instances,
                    value: 2,
                    period_secs: 60,
                }],
            },
            scale_down: ScalingRules::default_down(),
        }),
        step_rules: vec![StepRule {
            metric: "queue".into(),
            steps: vec![
                Step {
                    lower: Some(100.0),
                    upper: None,
                    adjustment: Adjustment::PercentChangeInCapacity(50.0),
                },
                Step {
                    lower: None,
                    upper: Some(10.0),
                    adjustment: Adjustment::ChangeInCapacity(-1),
                },
            ],
            min_adjustment_magnitude: Some(2),
        }],
        schedules: vec![Schedule {
            name: "office".into(),
            cron: "0 8 * * 1-5".into(),
            timezone: "Europe/Berlin".into(),
            duration_secs: 36_000,
            min_replicas: Some(3),
            max_replicas: None,
        }],
        warmup_secs: 30,
        cpu_initialization_period_secs: 120,
        initial_readiness_delay_secs: 10,
        fallback: ebb_engine::Fallback {
            after_failures: 5,
            action: FallbackAction::Fixed(4),
        },
        headroom: Some(Headroom::Instances(2)),
        saturation: Some(ebb_engine::Saturation {
            factor: 6.5,
            limit_percent: 90.0,
        }),
        activation: Some(Activation {
            metric: "queue".into(),
            threshold: 0.5,
        }),
        pauses: vec![Pause {
            direction: PauseDirection::ScaleIn,
            until: "2026-03-01T12:00:00Z".parse().expect("time"),
            reason: "migration".into(),
        }],
        forecast: Some(Forecast {
            mode: ForecastMode::ForecastOnly,
            metric: "cpu".into(),
            quantile: 0.75,
            lead_secs: Some(120),
            min_history_hours: 48,
            scale_down_window_secs: Some(60),
        }),
        ..Policy::default()
    }
}

#[test]
fn every_field_survives_a_round_trip() {
    for p in [Policy::default(), full_policy()] {
        let form = FormFields::from_policy(&p);
        assert_eq!(form.to_policy().expect("parses"), p);
    }
}

#[test]
fn empty_fields_mean_engine_defaults() {
    let form = FormFields::from_pairs([("metrics[0][target_value]", "70"), ("min_replicas", " ")]);
    let p = form.to_policy().expect("parses");
    assert_eq!(p.min_replicas, Policy::default().min_replicas);
    assert_eq!(p.cooldown, Policy::default().cooldown);
    assert_eq!(p.metrics[0].target, MetricTarget::Utilization(70.0));
    assert_eq!(p.behavior, None);
}

#[test]
fn unreadable_fields_are_errors_at_engine_paths() {
    let form = FormFields::from_pairs([
        ("max_replicas", "ten"),
        ("metrics[0][target_value]", ""),
        ("behavior[enabled]", "on"),
        ("behavior[scale_down][policies][0][period_secs]", "-3"),
        ("pauses[0][until]", "soon"),
        ("headroom[kind]", "lots"),
        ("saturation[limit_percent]", "90"),
    ]);
    let errors = form.to_policy().expect_err("rejected");
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    for p in [
        "max_replicas",
        "metrics[0].target",
        "behavior.scale_down.policies[0].period_secs",
        "pauses[0].until",
        "headroom",
        "saturation.factor",
    ] {
        assert!(paths.contains(&p), "{p} missing in {paths:?}");
    }
}

#[test]
fn check_runs_the_engine_validation_and_lints() {
    let mut form = FormFields::from_policy(&full_policy());
    form.set("min_replicas", "40");
    let check = form.check();
    assert!(
        check.errors.iter().any(|e| e.path == "min_replicas"),
        "{:?}",
        check.errors
    );
    let ok = FormFields::from_policy(&full_policy()).check();
    assert!(ok.errors.is_empty(), "{:?}", ok.errors);
    assert!(ok.policy.is_some());
}

#[test]
fn save_needs_a_name_and_a_comment() {
    let paths: Vec<String> = FormFields::default()
        .save_errors()
        .into_iter()
        .map(|e| e.path)
        .collect();
    assert_eq!(paths, ["name", "comment"]);
    let form = FormFields::from_pairs([("name", "web"), ("comment", "first")]);
    assert!(form.save_errors().is_empty());
}

#[test]
fn a_new_policy_name_follows_the_name_rule() {
    let long = "p".repeat(101);
    let cases: &[(&str, &str, &str, bool)] = &[
        ("plain", "", "Web tier", true),
        ("rtl override", "", "web\u{202E}gpj", false),
        ("newline", "", "web\nx", false),
        ("over-long", "", &long, false),
        // Saving a version keeps the stored name; the form only echoes it.
        ("existing policy", "7", "web\u{202E}gpj", true),
    ];
    for (case, id, name, ok) in cases {
        let form = FormFields::from_pairs([("id", *id), ("name", *name), ("comment", "c")]);
        assert_eq!(form.save_errors().is_empty(), *ok, "{case}");
        assert_eq!(
            form.name_errors().is_empty(),
            *ok,
            "{case}: the browser's check"
        );
    }
}

#[test]
fn rows_are_added_and_removed_with_renumbering() {
    let mut form = FormFields::from_policy(&full_policy());
    assert_eq!(form.rows("metrics"), [0, 1, 2]);
    assert!(form.apply_op("add:metrics"));
    assert_eq!(form.rows("metrics"), [0, 1, 2, 3]);
    assert_eq!(form.get("metrics[3][source]"), "resource");
    assert!(form.apply_op("remove:metrics:0"));
    assert_eq!(form.rows("metrics"), [0, 1, 2]);
    assert_eq!(form.get("metrics[0][name]"), "queue");
    assert_eq!(form.get("metrics[1][source]"), "prometheus");
    assert!(form.apply_op("add:step_rules[0][steps]"));
    assert_eq!(form.rows("step_rules[0][steps]"), [0, 1, 2]);
    assert!(form.apply_op("add:behavior[scale_down][policies]"));
    assert_eq!(form.rows("behavior[scale_down][policies]"), [0, 1]);
    assert!(form.apply_op("add:step_rules"));
    assert_eq!(form.rows("step_rules[1][steps]"), [0]);
    assert!(!form.apply_op("add:nonsense"));
    assert!(!form.apply_op("save"));
}

#[test]
fn nested_form_data_flattens_to_bracketed_names_and_back() {
    let form = FormFields::from_policy(&full_policy());
    let tree: Tree = form.clone().into();
    assert_eq!(FormFields::from(tree), form);
    // serde_qs hands numbered levels over as sequences or maps; both read the same.
    let json = r#"{"min_replicas":"2","metrics":[{"name":"cpu","target_value":"70"}],
                   "behavior":{"scale_up":{"policies":{"0":{"value":"4"}}}}}"#;
    let f: FormFields = serde_json::from_str(json).expect("tree");
    assert_eq!(f.get("metrics[0][target_value]"), "70");
    assert_eq!(f.get("behavior[scale_up][policies][0][value]"), "4");
    assert_eq!(segments("a[b][0]"), ["a", "b", "0"]);
}

#[test]
fn engine_paths_map_to_form_keys() {
    assert_eq!(
        key_of("behavior.scale_up.policies[0].value"),
        "behavior[scale_up][policies][0][value]"
    );
    assert_eq!(key_of("min_replicas"), "min_replicas");
    assert_eq!(
        key_of("step_rules[1].steps[2].lower"),
        "step_rules[1][steps][2][lower]"
    );
}

#[test]
fn zones_are_checked_against_the_servers_list() {
    let known: Vec<String> = ebb_engine::schedule::zone_names()
        .into_iter()
        .map(str::to_string)
        .collect();
    assert!(known.iter().any(|z| z == "Europe/Berlin"));
    let mut p = full_policy();
    let mut zoned = |tz: &str| {
        p.schedules[0].timezone = tz.to_string();
        zone_errors(&p, &known)
    };
    assert!(zoned("Europe/Berlin").is_empty());
    let errors = zoned("Mars/Olympus_Mons");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].path, "schedules[0].timezone");
    assert!(errors[0].message.contains("not an IANA zone"), "{errors:?}");
    // A malformed name is the engine's error, reported once, not twice.
    assert!(zoned("not a zone!").is_empty());
    // Without a list nothing can be said.
    assert!(zone_errors(&p, &[]).is_empty());
}

#[test]
fn container_resource_metrics_survive_a_round_trip() {
    let mut p = full_policy();
    p.metrics[1] = MetricSpec {
        name: "app-memory".into(),
        source: MetricSource::ContainerResource {
            resource: ebb_engine::ResourceName::Memory,
            container: "app".into(),
        },
        target: MetricTarget::AverageValue(5.0e8),
    };
    let form = FormFields::from_policy(&p);
    assert_eq!(form.get("metrics[1][source]"), "container_resource");
    assert_eq!(form.get("metrics[1][container]"), "app");
    assert_eq!(form.to_policy().expect("parses"), p);
    // Empty timing fields mean HPA's defaults.
    let p = FormFields::from_pairs([("metrics[0][target_value]", "70")])
        .to_policy()
        .expect("parses");
    assert_eq!(
        (
            p.cpu_initialization_period_secs,
            p.initial_readiness_delay_secs
        ),
        (300, 30)
    );
}
