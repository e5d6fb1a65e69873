//! The load forecast: the model (daily profile, level, quantiles, waiting) and its part in a
//! decision (the forecast's proposal, forecast-only, the shorter scale-down window).

use chrono::Duration;
use ebb_engine::forecast::{Forecaster, Series};
use ebb_engine::*;

use crate::support::*;

const STEP: u32 = 60;

/// `days` of 1-minute samples from `load(minute of day, day)`, starting at midnight UTC.
fn series(days: usize, load: impl Fn(usize, usize) -> Option<f64>) -> Series {
    let start = t(-12 * 3600);
    let mut s = Series::new(start, STEP);
    for d in 0..days {
        for m in 0..1440 {
            let at = start + Duration::minutes((d * 1440 + m) as i64);
            s.set(at, load(m, d));
        }
    }
    s
}

/// A day with a quiet night and a busy 09:00–17:00 (10 → 100).
fn office(m: usize) -> f64 {
    if (9 * 60..17 * 60).contains(&m) {
        100.0
    } else {
        10.0
    }
}

/// A day, the minimum history of these tests.
const DAY: i64 = 86_400;

/// The series up to (not including) minute `m` of day `d`, and that instant.
fn cut(s: &Series, d: usize, m: usize) -> (Series, chrono::DateTime<chrono::Utc>) {
    let mut c = s.clone();
    c.values.truncate(d * 1440 + m);
    let now = c.end();
    (c, now)
}

#[test]
fn a_daily_pattern_is_forecast_before_it_arrives() {
    let s = series(8, |m, _| Some(office(m)));
    // At 08:57 on day 8 with a 5-minute lead, the 09:00 rise is inside the span.
    let (hist, now) = cut(&s, 7, 8 * 60 + 57);
    let model = Forecaster::from_series(&hist, 300);
    assert_eq!(model.kind(), ModelKind::Daily);
    let p = model.predict(now, 0.9, DAY).expect("recent data");
    assert!((p.median - 100.0).abs() < 1.0, "{p:?}");
    assert!(p.value >= p.median);
    assert_eq!(p.at, now + Duration::seconds(300));
    // Well before the rise the forecast is the night's level.
    let (_, now) = cut(&s, 7, 6 * 60);
    let p = model.predict(now, 0.9, DAY).expect("recent data");
    assert!((p.median - 10.0).abs() < 1.0, "{p:?}");
}

#[test]
fn a_one_off_spike_never_becomes_seasonal() {
    // Day 3 has a spike at 03:00; on day 8 at 02:58 nothing is forecast for 03:00.
    let s = series(8, |m, d| {
        Some(if d == 3 && (180..190).contains(&m) {
            500.0
        } else {
            office(m)
        })
    });
    let (hist, now) = cut(&s, 7, 2 * 60 + 58);
    let model = Forecaster::from_series(&hist, 300);
    let p = model.predict(now, 0.5, DAY).expect("recent data");
    assert!(
        p.median < 20.0,
        "a one-off spike leaked into the profile: {p:?}"
    );
}

#[test]
fn a_spike_seen_most_days_is_forecast() {
    let s = series(8, |m, d| {
        Some(if d != 2 && (180..190).contains(&m) {
            500.0
        } else {
            office(m)
        })
    });
    let (hist, now) = cut(&s, 7, 2 * 60 + 58);
    let model = Forecaster::from_series(&hist, 300);
    let p = model.predict(now, 0.5, DAY).expect("recent data");
    assert!(p.median > 400.0, "a nightly job was not forecast: {p:?}");
}

#[test]
fn a_level_shift_is_followed() {
    // From day 6 the load doubles; by 12:00 on day 7 the forecast has doubled too.
    let s = series(8, |m, d| Some(office(m) * if d >= 6 { 2.0 } else { 1.0 }));
    let (hist, now) = cut(&s, 7, 12 * 60);
    let model = Forecaster::from_series(&hist, 120);
    let p = model.predict(now, 0.5, DAY).expect("recent data");
    assert!((p.median - 200.0).abs() < 10.0, "{p:?}");
}

#[test]
fn gaps_are_left_out_never_read_as_zero() {
    // Every day's 08:00–10:00 is missing except on the last two; half of every hour lost too.
    let s = series(8, |m, d| {
        let gap = (d < 6 && (8 * 60..10 * 60).contains(&m)) || m % 60 >= 30;
        (!gap).then(|| office(m))
    });
    let (hist, now) = cut(&s, 7, 8 * 60 + 57);
    let model = Forecaster::from_series(&hist, 300);
    let p = model.predict(now, 0.5, DAY).expect("recent data");
    assert!((p.median - 100.0).abs() < 1.0, "{p:?}");
}

#[test]
fn history_shorter_than_the_minimum_waits_and_says_why() {
    let s = series(1, |m, _| (m < 370).then_some(5.0));
    let f = Forecaster::from_series(&s, 120);
    assert_eq!(f.history_secs(), 370 * 60);
    let why = f.predict(s.end(), 0.9, DAY).expect_err("6 h is not 24 h");
    assert_eq!(why, "waiting for 24 h of load history: 6 h 10 min recorded");
}

#[test]
fn without_a_daily_pattern_the_model_is_flat_and_the_band_follows_the_noise() {
    // A steady load with a repeatable pseudo-random ±30 % wobble.
    let s = series(8, |m, d| {
        let x = ((m * 7919 + d * 104_729) % 1000) as f64 / 1000.0;
        Some(100.0 * (0.7 + 0.6 * x))
    });
    let (hist, now) = cut(&s, 7, 600);
    let model = Forecaster::from_series(&hist, 120);
    assert_eq!(model.kind(), ModelKind::Flat);
    let p = model.predict(now, 0.9, DAY).expect("recent data");
    let p50 = model.predict(now, 0.5, DAY).expect("recent data");
    assert!(p.value > p50.value * 1.1, "no band: {p:?} vs {p50:?}");
    assert!(p.value < 200.0, "{p:?}");
}

#[test]
fn stale_data_gives_no_prediction() {
    let s = series(2, |m, _| Some(office(m)));
    let model = Forecaster::from_series(&s, 120);
    let later = s.end() + Duration::hours(2);
    assert_eq!(
        model.predict(later, 0.9, DAY).expect_err("stale"),
        "no load recorded in the last 30 min"
    );
}

#[test]
fn a_weekly_pattern_is_carried_by_the_level() {
    // Weekends (days 5, 6, 12, 13) carry a third of a weekday's load. The daily profile is a
    // median over 14 days, so it is the weekday shape; the level (observed ÷ profile over
    // 30 min) scales it down on a weekend. Stated bound: within 15 % by 11:00 of a weekend day.
    let s = series(14, |m, d| {
        Some(office(m) * if d % 7 >= 5 { 1.0 / 3.0 } else { 1.0 })
    });
    let (hist, now) = cut(&s, 12, 11 * 60);
    let model = Forecaster::from_series(&hist, 300);
    let p = model.predict(now, 0.5, DAY).expect("recent data");
    let want = 100.0 / 3.0;
    assert!((p.median - want).abs() < want * 0.15, "{p:?}");
    // And back on a weekday (day 7, a Monday) at the weekday's level.
    let (hist, now) = cut(&s, 7, 10 * 60);
    let model = Forecaster::from_series(&hist, 300);
    let p = model.predict(now, 0.5, DAY).expect("recent data");
    assert!((p.median - 100.0).abs() < 15.0, "{p:?}");
}

#[test]
fn a_trend_is_followed_within_a_stated_bound() {
    // The load grows 5 % a day on top of the office day. The level window follows the growth,
    // so the forecast a 5-minute lead ahead is within 3 % of what comes.
    let s = series(10, |m, d| Some(office(m) * 1.05f64.powi(d as i32)));
    let (hist, now) = cut(&s, 9, 12 * 60);
    let model = Forecaster::from_series(&hist, 300);
    let p = model.predict(now, 0.5, DAY).expect("recent data");
    let want = 100.0 * 1.05f64.powi(9);
    assert!((p.median - want).abs() < want * 0.03, "{p:?} vs {want}");
}

#[test]
fn the_outlook_draws_the_day_ahead() {
    let s = series(8, |m, _| Some(office(m)));
    let (hist, now) = cut(&s, 7, 8 * 60 + 30);
    let model = Forecaster::from_series(&hist, 300);
    let ahead = model.outlook(now, 3600, 0.9, DAY).expect("recent data");
    assert_eq!(ahead.len(), 60);
    assert_eq!(ahead[0].at, now + Duration::minutes(1));
    for p in &ahead {
        let minute = (p.at - now).num_minutes() + 8 * 60 + 30;
        // A point stands for the lead span (5 min) ending at it.
        let want = if minute >= 9 * 60 { 100.0 } else { 10.0 };
        assert!((p.median - want).abs() < 1.0, "{minute}: {p:?}");
        assert!(p.value >= p.median, "{p:?}");
    }
    // The same refusals as a prediction.
    let short = Forecaster::from_series(&cut(&s, 0, 600).0, 300);
    assert!(short.outlook(now, 3600, 0.9, DAY).is_err());
}

// --- the forecast in a decision -----------------------------------------------------------

/// The decision's limit of rule `forecast`.
fn forecast_limit(d: &Decision) -> &Limit {
    d.limits
        .iter()
        .find(|l| l.rule == Rule::Forecast)
        .expect("a forecast limit")
}

fn predicting(value: f64) -> ForecastReading {
    ForecastReading::Ready(Prediction {
        from: t(0),
        at: t(120),
        value,
        median: value * 0.9,
        quantile: 0.9,
        kind: ModelKind::Daily,
    })
}

fn forecasting(mode: ForecastMode) -> Policy {
    Policy {
        forecast: Some(Forecast {
            mode,
            ..Forecast::default()
        }),
        ..hpa(cpu(50.0))
    }
}

/// 4 instances of 1 core at 50 %: the reactive signal holds at 4.
fn steady(reading: Option<ForecastReading>) -> Observation {
    Observation {
        forecast: reading,
        ..obs(4, (0..4).map(|_| pod(Some(0.5), 1.0)).collect())
    }
}

#[test]
fn the_forecast_scales_ahead_and_the_limits_name_it() {
    let d = decide(
        &forecasting(ForecastMode::ForecastAndScale),
        &steady(Some(predicting(3.4))),
        &History::default(),
        t(0),
    );
    // 3.4 cores at 0.5 cores per instance (50 % of 1 core) → 7 instances.
    assert_eq!(d.desired_replicas, 7, "{}", d.sentence);
    assert_eq!(d.reason, Reason::Forecast);
    let l = forecast_limit(&d);
    assert_eq!((l.from, l.to), (4, 7));
    assert!(
        d.sentence.contains("cpu forecast 3.400 at 12:02:00 (p90, daily profile) → 7 instances at 0.500 each, 3 more than now; the observed load asks for 4"),
        "{}",
        d.sentence
    );
    let p = d
        .proposals
        .iter()
        .find(|p| p.kind == ProposalKind::Forecast)
        .expect("proposal");
    assert_eq!(p.replicas, Some(7));
    let cpu = &d.proposals[0];
    assert_eq!((cpu.total, cpu.capacity), (Some(2.0), Some(0.5)));
}

#[test]
fn forecast_only_is_shown_and_never_acted_on() {
    let d = decide(
        &forecasting(ForecastMode::ForecastOnly),
        &steady(Some(predicting(3.4))),
        &History::default(),
        t(0),
    );
    assert_eq!(d.desired_replicas, 4);
    assert!(d.limits.iter().all(|l| l.rule != Rule::Forecast));
    let p = d
        .proposals
        .iter()
        .find(|p| p.kind == ProposalKind::Forecast)
        .expect("shown");
    assert!(
        p.detail.ends_with("(forecast only: not acted on)"),
        "{}",
        p.detail
    );
}

#[test]
fn a_low_forecast_never_scales_in_below_the_reactive_signals() {
    let d = decide(
        &forecasting(ForecastMode::ForecastAndScale),
        &steady(Some(predicting(0.1))),
        &History::default(),
        t(0),
    );
    assert_eq!(d.desired_replicas, 4, "{}", d.sentence);
}

#[test]
fn a_waiting_or_failed_forecast_changes_nothing_and_says_why() {
    let policy = forecasting(ForecastMode::ForecastAndScale);
    let waiting = ForecastReading::Waiting("waiting for 24 h of load history: 2 h recorded".into());
    for reading in [Some(waiting), None] {
        let d = decide(&policy, &steady(reading.clone()), &History::default(), t(0));
        assert_eq!(d.desired_replicas, 4);
        assert!(d.metrics_ok, "a forecast problem is not a metric failure");
        let p = d
            .proposals
            .iter()
            .find(|p| p.kind == ProposalKind::Forecast)
            .expect("shown");
        let text = p.error.clone().unwrap_or_else(|| p.detail.clone());
        assert!(
            text.contains("waiting for 24 h") || text.contains("no forecast was computed"),
            "{reading:?}: {text}"
        );
    }
}

/// 8 instances at 1 core each, load fallen to 2 cores: reactive asks for 4.
fn fallen(reading: ForecastReading) -> Observation {
    Observation {
        forecast: Some(reading),
        ..obs(8, (0..8).map(|_| pod(Some(0.25), 1.0)).collect())
    }
}

fn recent_peak() -> History {
    History {
        recommendations: vec![Recommendation {
            at: t(-120),
            replicas: 8,
        }],
        ..History::default()
    }
}

#[test]
fn forecast_and_load_agreeing_shorten_the_scale_down_window() {
    let mut policy = forecasting(ForecastMode::ForecastAndScale);
    if let Some(f) = policy.forecast.as_mut() {
        f.scale_down_window_secs = Some(60);
    }
    let d = decide(&policy, &fallen(predicting(1.9)), &recent_peak(), t(0));
    assert_eq!(d.desired_replicas, 4, "{}", d.sentence);
    assert_eq!(d.reason, Reason::ForecastScaleDown);
    let l = forecast_limit(&d);
    assert_eq!((l.from, l.to), (8, 4));
    assert!(
        l.detail.starts_with("scale-down window shortened to 60s"),
        "{}",
        l.detail
    );
    // The forecast disagrees (the load comes back): the full 300 s window holds.
    let d = decide(&policy, &fallen(predicting(3.9)), &recent_peak(), t(0));
    assert_eq!(d.desired_replicas, 8, "{}", d.sentence);
    // Without the setting, agreement changes nothing.
    let d = decide(
        &forecasting(ForecastMode::ForecastAndScale),
        &fallen(predicting(1.9)),
        &recent_peak(),
        t(0),
    );
    assert_eq!(d.desired_replicas, 8, "{}", d.sentence);
}

#[test]
fn forecast_settings_are_validated_with_what_to_fix() {
    let mut policy = forecasting(ForecastMode::ForecastAndScale);
    if let Some(f) = policy.forecast.as_mut() {
        f.quantile = 1.5;
        f.lead_secs = Some(0);
        f.min_history_hours = 1000;
        f.metric = "rps".into();
    }
    let errors = validate(&policy);
    let paths: Vec<&str> = errors.iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "forecast.quantile",
            "forecast.lead_secs",
            "forecast.min_history_hours",
            "forecast.metric"
        ],
        "{errors:?}"
    );
    let mut policy = forecasting(ForecastMode::ForecastAndScale);
    policy.metrics[0].source = MetricSource::External {
        metric: "queue".into(),
    };
    policy.metrics[0].target = MetricTarget::Value(10.0);
    let errors = validate(&policy);
    assert!(
        errors
            .iter()
            .any(|e| e.path == "forecast.metric" && e.message.contains("Value target")),
        "{errors:?}"
    );
}

#[test]
fn rebuilding_from_a_series_forecasts_as_the_incremental_model_does() {
    // From a series, checks older than the backtest keeps are skipped: the same answer.
    let s = series(10, |m, d| Some(office(m) * (1.0 + (d % 3) as f64 * 0.1)));
    let (hist, now) = cut(&s, 9, 8 * 60 + 50);
    let mut live = Forecaster::new(STEP, 600);
    for (i, v) in hist.values.iter().enumerate() {
        live.push(hist.start + Duration::minutes(i as i64), *v);
    }
    live.refresh();
    let rebuilt = Forecaster::from_series(&hist, 600);
    assert_eq!(live.kind(), rebuilt.kind());
    assert_eq!(live.backtest_error(), rebuilt.backtest_error());
    assert_eq!(
        live.predict(now, 0.9, DAY).expect("live"),
        rebuilt.predict(now, 0.9, DAY).expect("rebuilt")
    );
}
