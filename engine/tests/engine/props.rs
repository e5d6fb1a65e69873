//! Property tests: bounds always hold, `decide`/`validate`/`lint` never panic, a steady load
//! at target never moves, fallback never scales in.

use std::collections::BTreeMap;

use ebb_engine::*;
use proptest::prelude::*;

use super::support::*;

fn any_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => 0.0..10.0f64,
        1 => proptest::num::f64::ANY,
        1 => Just(f64::NAN),
        1 => Just(f64::INFINITY),
        1 => Just(-1.0),
        1 => Just(1e300),
    ]
}

fn state() -> impl Strategy<Value = InstanceState> {
    prop_oneof![
        Just(InstanceState::Ready),
        Just(InstanceState::NotReady),
        Just(InstanceState::Starting),
        Just(InstanceState::Failed)
    ]
}

fn instance() -> impl Strategy<Value = Instance> {
    (
        state(),
        proptest::option::of(any_f64()),
        proptest::option::of(any_f64()),
        proptest::option::of(any_f64()),
        -600i64..600,
    )
        .prop_map(|(state, used, req, q, ready)| {
            let mut metrics = BTreeMap::new();
            if let Some(u) = used {
                metrics.insert("cpu".to_string(), u);
            }
            if let Some(q) = q {
                metrics.insert("qps".to_string(), q);
            }
            Instance {
                id: "x".into(),
                state,
                started_at: Some(t(ready - 60)),
                ready_since: Some(t(ready)),
                requests: Resources {
                    cpu: req,
                    memory: None,
                },
                metrics,
                ..Default::default()
            }
        })
}

fn metric() -> impl Strategy<Value = MetricSpec> {
    let target = prop_oneof![
        any_f64().prop_map(MetricTarget::Utilization),
        any_f64().prop_map(MetricTarget::AverageValue),
        any_f64().prop_map(MetricTarget::Value),
    ];
    let source = prop_oneof![
        Just(MetricSource::Resource {
            resource: ResourceName::Cpu
        }),
        Just(MetricSource::Resource {
            resource: ResourceName::Memory
        }),
        Just(MetricSource::Pods {
            metric: "qps".into()
        }),
        Just(MetricSource::External {
            metric: "queue".into()
        }),
        Just(MetricSource::Object {
            metric: "rps".into()
        }),
    ];
    (source, target, 0..3u8).prop_map(|(source, target, n)| MetricSpec {
        name: format!("m{n}"),
        source,
        target,
    })
}

fn rules() -> impl Strategy<Value = ScalingRules> {
    let pol = (
        prop_oneof![
            Just(RatePolicyKind::Instances),
            Just(RatePolicyKind::Percent)
        ],
        0..300u32,
        0..120u32,
    )
        .prop_map(|(kind, value, period_secs)| RatePolicy {
            kind,
            value,
            period_secs,
        });
    let sel = prop_oneof![
        Just(SelectPolicy::Max),
        Just(SelectPolicy::Min),
        Just(SelectPolicy::Disabled)
    ];
    (
        proptest::option::of(0..600u32),
        sel,
        proptest::collection::vec(pol, 0..3),
    )
        .prop_map(
            |(stabilization_window_secs, select_policy, policies)| ScalingRules {
                stabilization_window_secs,
                select_policy,
                policies,
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    let step = (
        proptest::option::of(any_f64()),
        proptest::option::of(any_f64()),
        -5i32..5,
        any_f64(),
    )
        .prop_map(|(lower, upper, c, pct)| Step {
            lower,
            upper,
            adjustment: if c == 0 {
                Adjustment::PercentChangeInCapacity(pct * 50.0 - 100.0)
            } else {
                Adjustment::ChangeInCapacity(c)
            },
        });
    let step_rule = (
        proptest::collection::vec(step, 0..4),
        proptest::option::of(0..5u32),
    )
        .prop_map(|(steps, m)| StepRule {
            metric: "m0".into(),
            steps,
            min_adjustment_magnitude: m,
        });
    (
        (
            0..6u32,
            0..30u32,
            proptest::collection::vec(metric(), 0..4),
            any_f64(),
            any_f64(),
        ),
        (
            proptest::option::of((rules(), rules())),
            proptest::collection::vec(step_rule, 0..2),
            0..600u32,
            0..600u32,
            0..5u32,
        ),
        (
            proptest::option::of(any_f64()),
            proptest::option::of(any_f64()),
            0..20u32,
            proptest::option::of(0..20u32),
        ),
    )
        .prop_map(
            |(
                (min, max, metrics, tu, td),
                (b, step_rules, cu, cd, fa),
                (hp, act, fixed, sched_min),
            )| Policy {
                min_replicas: min,
                max_replicas: max,
                metrics,
                tolerance: Tolerance {
                    scale_up: tu,
                    scale_down: td,
                },
                behavior: b.map(|(scale_up, scale_down)| Behavior {
                    scale_up,
                    scale_down,
                }),
                step_rules,
                schedules: vec![Schedule {
                    name: "s".into(),
                    cron: "0 11 * * *".into(),
                    timezone: "UTC".into(),
                    duration_secs: 7200,
                    min_replicas: sched_min,
                    max_replicas: None,
                }],
                cooldown: Cooldown {
                    scale_up_secs: cu,
                    scale_down_secs: cd,
                },
                warmup_secs: cu,
                cpu_initialization_period_secs: cd,
                initial_readiness_delay_secs: cu / 10,
                fallback: Fallback {
                    after_failures: fa,
                    action: if fixed % 2 == 0 {
                        FallbackAction::Hold
                    } else {
                        FallbackAction::Fixed(fixed)
                    },
                },
                headroom: hp.map(Headroom::Percent),
                // Random factors (some below 1, which the engine reads as 1) on half the policies.
                saturation: (cu % 2 == 1).then(|| Saturation {
                    factor: f64::from(cd % 30) / 2.0,
                    limit_percent: f64::from(fixed % 101),
                }),
                activation: act.map(|threshold| Activation {
                    metric: "queue".into(),
                    threshold,
                }),
                pauses: vec![],
                forecast: None,
            },
        )
}

fn history() -> impl Strategy<Value = History> {
    let rec = (-900i64..10, 0..60u32).prop_map(|(s, r)| Recommendation {
        at: t(s),
        replicas: r,
    });
    let ev = (-900i64..10, 0..60u32, 0..60u32).prop_map(|(s, from, to)| ScaleEvent {
        at: t(s),
        from,
        to,
    });
    (
        proptest::collection::vec(rec, 0..6),
        proptest::collection::vec(ev, 0..4),
        0..6u32,
    )
        .prop_map(|(recommendations, scale_events, metric_failures)| History {
            recommendations,
            scale_events,
            metric_failures,
            ..Default::default()
        })
}

fn observation() -> impl Strategy<Value = Observation> {
    (
        0..40u32,
        proptest::collection::vec(instance(), 0..8),
        proptest::option::of(any_f64()),
        proptest::option::of(any_f64()),
    )
        .prop_map(|(current, instances, q, r)| {
            let mut o = obs(current, instances);
            if let Some(q) = q {
                o.external.insert("queue".into(), q);
            }
            if let Some(r) = r {
                o.external.insert("rps".into(), r);
            }
            o
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn decide_never_panics_and_stays_in_bounds(p in policy(), o in observation(), h in history(), dt in -3600i64..3600) {
        let d = decide(&p, &o, &h, t(dt));
        if d.reason == Reason::ScalingDisabled {
            prop_assert_eq!(d.desired_replicas, 0);
        } else {
            prop_assert!(d.bounds.min <= d.bounds.max);
            prop_assert!(d.desired_replicas >= d.bounds.min && d.desired_replicas <= d.bounds.max, "{:?} {:?}", d.bounds, d);
        }
        let mut h2 = h.clone();
        h2.record(&d, true, &p, t(dt));
    }

    #[test]
    fn validate_and_lint_never_panic(p in policy(), cron in "[0-9*/ ,-]{0,20}", tz in "[A-Za-z/_]{0,20}") {
        let mut p = p;
        p.schedules.push(Schedule { name: String::new(), cron, timezone: tz, duration_secs: 60, min_replicas: Some(1), max_replicas: None });
        let _ = validate(&p);
        let _ = lint(&p);
        let _ = decide(&p, &Observation::default(), &History::default(), t(0));
    }

    #[test]
    fn steady_load_at_target_never_moves(n in 1..50u32, target in 10..95u32, req in 1..8u32, h in history()) {
        let mut p = hpa(cpu(f64::from(target)));
        p.max_replicas = 1000;
        p.behavior = Some(Behavior::default());
        let used = f64::from(req) * f64::from(target) / 100.0;
        let o = obs(n, (0..n).map(|_| pod(Some(used), f64::from(req))).collect());
        let h = History { recommendations: h.recommendations.iter().map(|r| Recommendation { replicas: n, ..*r }).collect(), ..h };
        let d = decide(&p, &o, &h, t(0));
        prop_assert_eq!(d.desired_replicas, n, "{}", d.sentence);
    }

    #[test]
    fn fallback_never_scales_in(p in policy(), h in history(), cur in 1..30u32) {
        let mut p = p;
        p.min_replicas = p.min_replicas.max(1);
        p.max_replicas = p.max_replicas.max(p.min_replicas).max(cur);
        p.min_replicas = p.min_replicas.min(cur);
        p.schedules.clear();
        p.metrics = vec![cpu(50.0)];
        p.step_rules.clear();
        let o = obs(cur, (0..cur).map(|_| pod(None, 1.0)).collect());
        let d = decide(&p, &o, &h, t(0));
        prop_assert!(!d.metrics_ok);
        prop_assert!(d.desired_replicas >= cur, "{}", d.sentence);
    }
}

/// Any instant a backend might report: missing, near now (in the past or the future, before
/// or after the others), or at the ends of time.
fn instant() -> impl Strategy<Value = Option<chrono::DateTime<chrono::Utc>>> {
    prop_oneof![
        2 => Just(None),
        6 => (-1000i64..1000).prop_map(|s| Some(t(s))),
        1 => Just(Some(chrono::DateTime::<chrono::Utc>::MIN_UTC)),
        1 => Just(Some(chrono::DateTime::<chrono::Utc>::MAX_UTC)),
    ]
}

fn containers() -> impl Strategy<Value = Vec<Container>> {
    let kind = prop_oneof![
        Just(ContainerKind::Regular),
        Just(ContainerKind::Init),
        Just(ContainerKind::Sidecar)
    ];
    let one = (
        prop_oneof![Just("app"), Just("proxy")],
        kind,
        proptest::option::of(any_f64()),
        proptest::option::of(any_f64()),
    )
        .prop_map(|(name, kind, req, used)| Container {
            name: name.into(),
            kind,
            requests: Resources {
                cpu: req,
                memory: req,
            },
            usage: Resources {
                cpu: used,
                memory: used,
            },
            limits: Resources {
                cpu: req.map(|r| r * 2.0),
                memory: None,
            },
        });
    proptest::collection::vec(one, 0..3)
}

fn timed_instance() -> impl Strategy<Value = Instance> {
    (
        (instance(), instant(), instant(), instant()),
        (instant(), proptest::option::of(any_f64()), containers()),
        proptest::option::of(any_f64()),
    )
        .prop_map(
            |((mut i, start, ready, changed), (sample, window, containers), pod_cpu)| {
                i.started_at = start;
                i.ready_since = ready;
                i.ready_changed_at = changed;
                if sample.is_some() || window.is_some() || !containers.is_empty() {
                    let d = i.detail_mut();
                    d.sample_at = sample;
                    d.sample_window_secs = window;
                    d.containers = containers;
                }
                i.requests.cpu = pod_cpu;
                if i.metrics.len() % 2 == 0 {
                    i.metrics.remove("cpu");
                }
                i
            },
        )
}

fn cpu_metrics() -> impl Strategy<Value = Vec<MetricSpec>> {
    let target = prop_oneof![
        any_f64().prop_map(MetricTarget::Utilization),
        any_f64().prop_map(MetricTarget::AverageValue),
    ];
    let source = prop_oneof![
        Just(MetricSource::Resource {
            resource: ResourceName::Cpu
        }),
        Just(MetricSource::ContainerResource {
            resource: ResourceName::Cpu,
            container: "app".into()
        }),
        Just(MetricSource::ContainerResource {
            resource: ResourceName::Memory,
            container: "proxy".into()
        }),
    ];
    proptest::collection::vec(
        (source, target).prop_map(|(source, target)| MetricSpec {
            name: "m".into(),
            source,
            target,
        }),
        1..3,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Timing fields in any state — missing, in the future, before the instance started, at the
    /// ends of time — never panic, and every instance lands in exactly one group.
    #[test]
    fn any_timing_is_total_and_each_instance_is_in_one_group(
        instances in proptest::collection::vec(timed_instance(), 0..8),
        metrics in cpu_metrics(),
        period in 0..900u32,
        delay in 0..120u32,
        first in any::<bool>(),
        h in history(),
        dt in -3600i64..3600,
    ) {
        let n = u32::try_from(instances.len()).unwrap_or(u32::MAX);
        let mut p = hpa(cpu(50.0));
        p.metrics = metrics;
        p.cpu_initialization_period_secs = period;
        p.initial_readiness_delay_secs = delay;
        let h = History { first_evaluation: first, ..h };
        let d = decide(&p, &obs(n, instances), &h, t(dt));
        for prop in d.proposals.iter().filter(|p| p.error.is_none()) {
            let c = prop.counts;
            prop_assert_eq!(c.ready + c.unready + c.missing + c.ignored, n, "{:?}", prop);
            prop_assert!(c.initializing + c.never_ready + c.warming <= c.unready, "{:?}", prop);
        }
        let mut h2 = h.clone();
        h2.record(&d, true, &p, t(dt));
        prop_assert!(!h2.first_evaluation);
    }
}

// --- the forecast -------------------------------------------------------------------------

fn reading() -> impl Strategy<Value = Option<ForecastReading>> {
    prop_oneof![
        Just(None),
        "[a-z ]{0,20}".prop_map(|w| Some(ForecastReading::Waiting(w))),
        (any_f64(), any_f64(), 0.0..1.5f64, -600i64..600).prop_map(|(value, median, q, at)| {
            Some(ForecastReading::Ready(forecast::Prediction {
                at: t(at),
                from: t(0),
                value,
                median,
                quantile: q,
                kind: ModelKind::Daily,
            }))
        }),
    ]
}

/// `p` with a forecast in `mode` on its first metric (no shortened scale-down window).
fn forecasting(p: &Policy, mode: ForecastMode, q: f64) -> Policy {
    Policy {
        forecast: Some(Forecast {
            mode,
            quantile: q,
            ..Forecast::default()
        }),
        ..p.clone()
    }
}

proptest! {
    // Each case fits a model over up to ~5 days: fewer cases keep this in seconds.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_forecaster_never_panics_on_any_series(
        points in proptest::collection::vec((-200_000i64..200_000, proptest::option::of(any_f64())), 0..300),
        step in prop_oneof![Just(15u32), Just(60), Just(7), Just(0), Just(86_400)],
        lead in 0..100_000u32,
        q in any_f64(),
        min_history in -10i64..200_000,
        horizon in -10i64..100_000,
    ) {
        let mut f = forecast::Forecaster::new(step, lead);
        for (at, v) in &points {
            f.push(t(*at), *v);
        }
        f.refresh();
        for now in [t(0), t(200_000), t(-300_000)] {
            if let Ok(p) = f.predict(now, q, min_history) {
                prop_assert!(p.value.is_finite() && p.median.is_finite(), "{:?}", p);
            }
            if let Ok(ahead) = f.outlook(now, horizon, q, min_history) {
                prop_assert!(ahead.iter().all(|a| a.value.is_finite() && a.median.is_finite()));
            }
        }
        let again = forecast::Forecaster::from_series(&f.series(), lead);
        prop_assert_eq!(again.history_secs(), f.history_secs());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn a_forecast_never_takes_the_count_below_the_reactive_decision(
        p in policy(), o in observation(), h in history(), r in reading(), q in 0.5..0.99f64,
    ) {
        let mut plain = p.clone();
        plain.forecast = None;
        let reactive = decide(&plain, &o, &h, t(0));
        let with = forecasting(&p, ForecastMode::ForecastAndScale, q);
        let o = Observation { forecast: r, ..o };
        let d = decide(&with, &o, &h, t(0));
        prop_assert!(
            d.desired_replicas >= reactive.desired_replicas,
            "{} < {}: {}", d.desired_replicas, reactive.desired_replicas, d.sentence
        );
    }

    #[test]
    fn forecast_only_never_changes_the_count(
        p in policy(), o in observation(), h in history(), r in reading(), q in 0.5..0.99f64,
        short in proptest::option::of(0..600u32),
    ) {
        let mut plain = p.clone();
        plain.forecast = None;
        let reactive = decide(&plain, &o, &h, t(0));
        let mut only = forecasting(&p, ForecastMode::ForecastOnly, q);
        if let Some(f) = only.forecast.as_mut() {
            f.scale_down_window_secs = short;
        }
        let o = Observation { forecast: r, ..o };
        let d = decide(&only, &o, &h, t(0));
        prop_assert_eq!(d.desired_replicas, reactive.desired_replicas, "{}", d.sentence);
        prop_assert!(d.limits.iter().all(|l| l.rule != Rule::Forecast), "{:?}", d.limits);
    }
}
