//! Benchmarks: one `decide` with 3 metrics × 100 instances, and one controller tick of
//! 10,000 targets × 10 instances (goal: under 20 ms on one core).

use std::collections::BTreeMap;
use std::hint::black_box;

use chrono::{DateTime, Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use ebb_engine::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn policy() -> Policy {
    Policy {
        min_replicas: 2,
        max_replicas: 500,
        metrics: vec![
            MetricSpec {
                name: "cpu".into(),
                source: MetricSource::Resource {
                    resource: ResourceName::Cpu,
                },
                target: MetricTarget::Utilization(70.0),
            },
            MetricSpec {
                name: "memory".into(),
                source: MetricSource::Resource {
                    resource: ResourceName::Memory,
                },
                target: MetricTarget::Utilization(80.0),
            },
            MetricSpec {
                name: "qps".into(),
                source: MetricSource::Pods {
                    metric: "qps".into(),
                },
                target: MetricTarget::AverageValue(100.0),
            },
        ],
        behavior: Some(Behavior::default()),
        ..Default::default()
    }
}

fn observation(n: u32, seed: u32) -> Observation {
    let instances = (0..n)
        .map(|i| {
            let x = f64::from((i * 7 + seed * 13) % 50) / 100.0;
            let mut metrics = BTreeMap::new();
            metrics.insert("cpu".to_string(), 0.5 + x);
            metrics.insert("memory".to_string(), 4.0e8 * (1.0 + x));
            metrics.insert("qps".to_string(), 80.0 + 40.0 * x);
            Instance {
                id: format!("i-{i}"),
                state: if i % 17 == 3 {
                    InstanceState::Starting
                } else {
                    InstanceState::Ready
                },
                started_at: Some(now() - Duration::seconds(3600)),
                ready_since: Some(now() - Duration::seconds(3000)),
                requests: Resources {
                    cpu: Some(1.0),
                    memory: Some(1.0e9),
                },
                metrics,
                ..Default::default()
            }
        })
        .collect();
    Observation {
        current_replicas: n,
        instances,
        ..Default::default()
    }
}

fn history() -> History {
    History {
        recommendations: (0..20)
            .map(|i| Recommendation {
                at: now() - Duration::seconds(15 * i),
                replicas: 10,
            })
            .collect(),
        scale_events: vec![ScaleEvent {
            at: now() - Duration::seconds(120),
            from: 8,
            to: 10,
        }],
        metric_failures: 0,
        ..Default::default()
    }
}

fn bench(c: &mut Criterion) {
    let p = policy();
    let h = history();
    let one = observation(100, 1);
    c.bench_function("decide 3 metrics x 100 instances", |b| {
        b.iter(|| decide(black_box(&p), black_box(&one), &h, now()))
    });
    let targets: Vec<Observation> = (0..10_000).map(|s| observation(10, s)).collect();
    c.bench_function("tick 10000 targets x 10 instances", |b| {
        b.iter(|| {
            let mut up = 0u32;
            for o in &targets {
                let d = decide(&p, o, &h, now());
                up += u32::from(d.direction == Direction::Up);
            }
            black_box(up)
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
