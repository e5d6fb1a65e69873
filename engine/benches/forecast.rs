//! Benchmarks of the load forecast on 15 days of 1-minute totals (the most a workload keeps):
//! building a forecaster from them (a restart), the 15-minute refresh, one new minute, and
//! one prediction. Goals (issue 14): a fit under 5 ms, a prediction under 10 µs.

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use ebb_engine::forecast::{Forecaster, Series};

/// 15 days of a daily wave with a nightly job and a deterministic wobble.
fn fifteen_days() -> Series {
    let start = Utc
        .with_ymd_and_hms(2024, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let mut s = Series::new(start, 60);
    for m in 0..15 * 1440 {
        let minute = m % 1440;
        let wave = 100.0 + 80.0 * ((minute as f64) / 1440.0 * std::f64::consts::TAU).sin();
        let job = if (180..190).contains(&minute) {
            300.0
        } else {
            0.0
        };
        let wobble = ((m * 7919) % 100) as f64 / 10.0;
        s.set(
            start + Duration::minutes(m as i64),
            Some(wave + job + wobble),
        );
    }
    s
}

fn bench(c: &mut Criterion) {
    let series = fifteen_days();
    let start = series.start;
    c.bench_function("build from 15 days of 1-minute totals", |b| {
        b.iter(|| Forecaster::from_series(black_box(&series), 90))
    });
    let mut f = Forecaster::from_series(&series, 90);
    c.bench_function("refresh (the 15-minute refit)", |b| b.iter(|| f.refresh()));
    // One new minute: the profile stays, one backtest forecast every fifth minute.
    let mut minute = 15 * 1440;
    c.bench_function("push one minute", |b| {
        b.iter(|| {
            minute += 1;
            f.push(start + Duration::minutes(minute), Some(black_box(120.0)));
        })
    });
    let f = Forecaster::from_series(&series, 90);
    let now = series.end();
    c.bench_function("predict", |b| {
        b.iter(|| f.predict(black_box(now), 0.9, 86_400))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
