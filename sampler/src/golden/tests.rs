use std::time::Duration;

use weir_config::{DimensionConfig, ExplicitBuckets, GoldenSignalsConfig, HistogramConfig};

use super::*;

fn config(bounds_ms: &[u64]) -> GoldenSignalsConfig {
    GoldenSignalsConfig {
        histogram: HistogramConfig {
            explicit: Some(ExplicitBuckets {
                buckets: bounds_ms
                    .iter()
                    .map(|&ms| Duration::from_millis(ms))
                    .collect(),
            }),
            exponential: None,
        },
        ..GoldenSignalsConfig::default()
    }
}

fn span<'a>(service: &'a str, name: &'a str, status: i32, duration_ms: u64) -> SpanFacts<'a> {
    SpanFacts {
        service: Some(service),
        name,
        kind: 2,
        status,
        duration_ns: duration_ms * 1_000_000,
        weight: Weight::ONE,
        trace_id: &[0xab; 16],
    }
}

fn no_attributes(_: &str) -> Option<AttributeValue<'static>> {
    None
}

fn exposition(golden: &GoldenSignals) -> String {
    let mut out = String::new();
    golden.write_prometheus(&mut out);
    out
}

/// The lines of the exposition that start with `prefix`.
fn lines(golden: &GoldenSignals, prefix: &str) -> Vec<String> {
    exposition(golden)
        .lines()
        .filter(|l| l.starts_with(prefix))
        .map(str::to_owned)
        .collect()
}

#[test]
fn spans_become_calls_a_histogram_and_errors_in_spanmetrics_names() {
    let golden = GoldenSignals::new(&config(&[2, 10])).unwrap();
    let mut recorder = golden.recorder(1);
    recorder.record(&span("cart", "GET /cart", 0, 1), no_attributes);
    recorder.record(&span("cart", "GET /cart", 0, 5), no_attributes);
    recorder.record(&span("cart", "GET /cart", 2, 50), no_attributes);
    recorder.record(&span("cart", "GET /cart", 0, 10), no_attributes);
    drop(recorder);
    let labels = r#"service_name="cart",span_name="GET /cart",span_kind="SPAN_KIND_SERVER""#;
    let text = exposition(&golden);
    for expected in [
        "# TYPE traces_span_metrics_calls_total counter".to_owned(),
        format!(r#"traces_span_metrics_calls_total{{{labels},status_code="STATUS_CODE_UNSET"}} 3"#),
        format!(r#"traces_span_metrics_calls_total{{{labels},status_code="STATUS_CODE_ERROR"}} 1"#),
        "# TYPE traces_span_metrics_duration_milliseconds histogram".to_owned(),
        format!(
            r#"traces_span_metrics_duration_milliseconds_bucket{{{labels},status_code="STATUS_CODE_UNSET",le="2"}} 1"#
        ),
        format!(
            r#"traces_span_metrics_duration_milliseconds_bucket{{{labels},status_code="STATUS_CODE_UNSET",le="10"}} 3"#
        ),
        format!(
            r#"traces_span_metrics_duration_milliseconds_bucket{{{labels},status_code="STATUS_CODE_UNSET",le="+Inf"}} 3"#
        ),
        format!(
            r#"traces_span_metrics_duration_milliseconds_sum{{{labels},status_code="STATUS_CODE_UNSET"}} 16"#
        ),
        format!(
            r#"traces_span_metrics_duration_milliseconds_count{{{labels},status_code="STATUS_CODE_UNSET"}} 3"#
        ),
        format!(
            r#"traces_span_metrics_duration_milliseconds_bucket{{{labels},status_code="STATUS_CODE_ERROR",le="10"}} 0"#
        ),
        format!(
            r#"traces_span_metrics_duration_milliseconds_bucket{{{labels},status_code="STATUS_CODE_ERROR",le="+Inf"}} 1"#
        ),
        format!(
            r#"traces_span_metrics_errors_total{{{labels},status_code="STATUS_CODE_ERROR"}} 1"#
        ),
        format!(
            r#"traces_span_metrics_errors_total{{{labels},status_code="STATUS_CODE_UNSET"}} 0"#
        ),
        r#"weir_golden_signals_series{namespace="traces_span_metrics"} 2"#.to_owned(),
    ] {
        assert!(
            text.lines().any(|l| l == expected),
            "missing {expected:?} in\n{text}"
        );
    }
}

#[test]
fn dimensions_come_from_the_span_then_the_resource_then_the_default() {
    let mut config = config(&[10]);
    config.dimensions = vec![
        DimensionConfig {
            name: "http.route".into(),
            default: None,
        },
        DimensionConfig {
            name: "deployment.environment".into(),
            default: Some("none".into()),
        },
        DimensionConfig {
            name: "http.response.status_code".into(),
            default: None,
        },
    ];
    let golden = GoldenSignals::new(&config).unwrap();
    let mut recorder = golden.recorder(1);
    let attributes = |key: &str| match key {
        "http.route" => Some(AttributeValue::Str("/a\"b")),
        "http.response.status_code" => Some(AttributeValue::Int(200)),
        _ => None,
    };
    recorder.record(&span("svc", "op", 0, 1), attributes);
    recorder.record(&span("svc", "op", 0, 1), no_attributes);
    drop(recorder);
    assert_eq!(
        lines(&golden, "traces_span_metrics_calls_total{"),
        [
            r#"traces_span_metrics_calls_total{service_name="svc",span_name="op",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET",deployment_environment="none"} 1"#,
            r#"traces_span_metrics_calls_total{service_name="svc",span_name="op",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET",http_route="/a\"b",deployment_environment="none",http_response_status_code="200"} 1"#,
        ]
    );
}

#[test]
fn http_5xx_counts_as_an_error_only_when_configured() {
    let attributes = |key: &str| (key == "http.status_code").then_some(AttributeValue::Str("503"));
    for (configured, errors) in [(false, "0"), (true, "1")] {
        let mut config = config(&[10]);
        config.http_server_errors = configured;
        let golden = GoldenSignals::new(&config).unwrap();
        golden
            .recorder(1)
            .record(&span("svc", "op", 0, 1), attributes);
        let found = lines(&golden, "traces_span_metrics_errors_total{");
        assert_eq!(found.len(), 1);
        assert!(
            found[0].ends_with(&format!(" {errors}")),
            "{configured}: {found:?}"
        );
    }
}

#[test]
fn a_span_sampled_upstream_counts_its_adjusted_count() {
    let golden = GoldenSignals::new(&config(&[10])).unwrap();
    let mut recorder = golden.recorder(1);
    recorder.record(
        &SpanFacts {
            weight: Weight::from_adjusted_count(4.0),
            ..span("svc", "op", 0, 3)
        },
        no_attributes,
    );
    recorder.record(
        &SpanFacts {
            weight: Weight::from_adjusted_count(1.5),
            ..span("svc", "op", 0, 3)
        },
        no_attributes,
    );
    drop(recorder);
    assert_eq!(
        lines(&golden, "traces_span_metrics_duration_milliseconds_sum{"),
        [
            r#"traces_span_metrics_duration_milliseconds_sum{service_name="svc",span_name="op",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET"} 16.5"#
        ]
    );
    assert!(lines(&golden, "traces_span_metrics_calls_total{")[0].ends_with(" 5.5"));
}

#[test]
fn past_max_series_spans_land_in_the_overflow_series() {
    let mut config = config(&[10]);
    config.max_series = 2;
    let golden = GoldenSignals::new(&config).unwrap();
    let mut recorder = golden.recorder(1);
    for name in ["a", "b", "c", "d", "a"] {
        recorder.record(&span("svc", name, 0, 1), no_attributes);
    }
    drop(recorder);
    assert_eq!(golden.series_count(), 2);
    let calls = lines(&golden, "traces_span_metrics_calls_total{");
    assert_eq!(calls.len(), 3, "{calls:?}");
    assert!(calls[0].contains(r#"span_name="a""#) && calls[0].ends_with(" 2"));
    assert_eq!(
        calls[2],
        r#"traces_span_metrics_calls_total{otel_metric_overflow="true"} 2"#
    );
    assert_eq!(
        lines(&golden, "weir_golden_signals_overflow_spans_total{"),
        [r#"weir_golden_signals_overflow_spans_total{namespace="traces_span_metrics"} 2"#]
    );
}

#[test]
fn idle_series_expire_and_come_back_from_zero() {
    let mut config = config(&[10]);
    config.series_idle_timeout = Duration::from_secs(60);
    let golden = GoldenSignals::new(&config).unwrap();
    golden
        .recorder(100)
        .record(&span("svc", "old", 0, 1), no_attributes);
    golden
        .recorder(150)
        .record(&span("svc", "new", 0, 1), no_attributes);
    assert_eq!(golden.expire(159), 0, "neither is idle for 60s yet");
    assert_eq!(golden.expire(161), 1, "`old` was last seen at 100");
    assert_eq!(golden.series_count(), 1);
    golden
        .recorder(170)
        .record(&span("svc", "old", 0, 1), no_attributes);
    let calls = lines(&golden, "traces_span_metrics_calls_total{");
    assert_eq!(calls.len(), 2);
    assert!(calls.iter().all(|l| l.ends_with(" 1")), "{calls:?}");
    assert!(exposition(&golden).contains(
        r#"weir_golden_signals_expired_series_total{namespace="traces_span_metrics"} 1"#
    ));
}

#[test]
fn a_series_entered_in_this_second_is_not_retired_and_a_retired_one_is_not_entered() {
    let series = Series::new(1, 10);
    assert!(!series.retire_if_idle_since(10));
    assert!(series.enter(20));
    assert!(!series.retire_if_idle_since(15), "the span at 20 keeps it");
    assert!(series.retire_if_idle_since(21));
    assert!(!series.enter(30), "spans go to a successor once retired");
}

#[test]
fn threads_recording_at_once_lose_no_span() {
    const THREADS: usize = 4;
    const SPANS: usize = 50_000;
    let mut config = config(&[1, 5, 25]);
    config.max_series = 1000;
    let golden = GoldenSignals::new(&config).unwrap();
    std::thread::scope(|scope| {
        for thread in 0..THREADS {
            let golden = &golden;
            scope.spawn(move || {
                let names: Vec<String> = (0..20).map(|n| format!("op{n}")).collect();
                let mut recorder = golden.recorder(1);
                for i in 0..SPANS {
                    // Half the series are shared by every thread, half are the thread's own.
                    let name = if i % 2 == 0 {
                        &names[i % 10]
                    } else {
                        &names[10 + thread % 10]
                    };
                    recorder.record(
                        &span("svc", name, (i % 3) as i32, (i % 30) as u64),
                        no_attributes,
                    );
                }
            });
        }
    });
    let total: f64 = lines(&golden, "traces_span_metrics_calls_total{")
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(total, (THREADS * SPANS) as f64);
    let errors: f64 = lines(&golden, "traces_span_metrics_errors_total{")
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap().parse::<f64>().unwrap())
        .sum();
    assert_eq!(
        errors,
        (THREADS * (SPANS / 3)) as f64,
        "status 2 is every third span"
    );
}

#[test]
fn saturation_is_server_time_per_second_by_service_and_operation() {
    let golden = GoldenSignals::new(&config(&[10])).unwrap();
    let mut recorder = golden.recorder(1);
    // 20 s of SERVER time in the window, split over two statuses of one operation; a CLIENT span
    // does not count.
    for _ in 0..10 {
        recorder.record(&span("svc", "GET /", 0, 1_000), no_attributes);
        recorder.record(&span("svc", "GET /", 2, 1_000), no_attributes);
    }
    recorder.record(
        &SpanFacts {
            kind: 3,
            ..span("svc", "call", 0, 50_000)
        },
        no_attributes,
    );
    drop(recorder);
    golden.measure_saturation(10.0);
    assert_eq!(
        lines(&golden, "weir_golden_signals_inflight_requests{"),
        [
            r#"weir_golden_signals_inflight_requests{namespace="traces_span_metrics",service_name="svc",span_name="GET /"} 2"#
        ]
    );
    // Nothing new in the next window: nothing in flight.
    golden.measure_saturation(10.0);
    assert!(lines(&golden, "weir_golden_signals_inflight_requests{")[0].ends_with(" 0"));
}

#[test]
fn openmetrics_carries_exemplars_of_kept_spans_only() {
    let golden = GoldenSignals::new(&config(&[10, 100])).unwrap();
    // Counted without exemplars (a sampler will decide), then one kept span offered.
    golden
        .recorder(1)
        .record(&span("svc", "op", 0, 50), no_attributes);
    assert!(!exposition(&golden).contains("trace_id"));
    let kept = SpanFacts {
        trace_id: &[0x0c; 16],
        ..span("svc", "op", 0, 50)
    };
    golden
        .recorder(1)
        .offer_exemplar(&kept, 1_700_000_000_250, no_attributes);
    let mut text = String::new();
    golden.write(&mut text, crate::exposition::Format::OpenMetrics);
    let labels = r#"service_name="svc",span_name="op",span_kind="SPAN_KIND_SERVER",status_code="STATUS_CODE_UNSET""#;
    let bucket = format!(
        r#"traces_span_metrics_duration_milliseconds_bucket{{{labels},le="100"}} 1 # {{trace_id="0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c"}} 50 1700000000.250"#
    );
    assert!(text.lines().any(|l| l == bucket), "{text}");
    assert!(
        text.contains("# TYPE traces_span_metrics_calls counter\n"),
        "counter families lose _total"
    );
    assert!(
        !exposition(&golden).contains("trace_id"),
        "the Prometheus format has no exemplars"
    );

    // Spans recorded with exemplars on (every trace kept) offer themselves.
    let other = GoldenSignals::new(&config(&[10])).unwrap();
    other
        .recorder(1)
        .with_exemplars(5_000)
        .record(&span("svc", "op", 0, 3), no_attributes);
    let mut text = String::new();
    other.write(&mut text, crate::exposition::Format::OpenMetrics);
    assert!(
        text.contains(r#"le="10"} 1 # {trace_id="abababababababababababababababab"} 3 5.000"#),
        "{text}"
    );
}

#[test]
fn as_otlp_the_series_keep_their_counts_attributes_and_exemplars() {
    use weir_proto::otlp::metrics::v1::{metric, number_data_point};

    let golden = GoldenSignals::new(&config(&[2, 10])).unwrap();
    let mut recorder = golden.recorder(1).with_exemplars(1_700_000_000_000);
    recorder.record(&span("cart", "GET /cart", 0, 1), no_attributes);
    recorder.record(&span("cart", "GET /cart", 0, 5), no_attributes);
    recorder.record(&span("cart", "GET /cart", 0, 50), no_attributes);
    drop(recorder);
    let request = golden.to_otlp(7, 9);
    let [resource] = request.resource_metrics.as_slice() else { panic!() };
    let metrics = &resource.scope_metrics[0].metrics;
    let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        ["traces_span_metrics_calls", "traces_span_metrics_duration", "traces_span_metrics_errors"]
    );
    let Some(metric::Data::Sum(calls)) = &metrics[0].data else { panic!() };
    assert!(calls.is_monotonic);
    let point = &calls.data_points[0];
    assert_eq!(point.value, Some(number_data_point::Value::AsDouble(3.0)));
    assert_eq!((point.start_time_unix_nano, point.time_unix_nano), (7, 9));
    let attributes: Vec<(&str, String)> = point
        .attributes
        .iter()
        .map(|kv| (kv.key.as_str(), format!("{:?}", kv.value.as_ref().unwrap().value)))
        .collect();
    assert_eq!(attributes.len(), 4);
    assert!(attributes[2].1.contains("SPAN_KIND_SERVER"), "{attributes:?}");
    let Some(metric::Data::Histogram(durations)) = &metrics[1].data else { panic!() };
    assert_eq!(metrics[1].unit, "ms");
    let point = &durations.data_points[0];
    assert_eq!((point.count, point.sum), (3, Some(56.0)));
    assert_eq!(point.bucket_counts, [1, 1, 1]);
    assert_eq!(point.explicit_bounds, [2.0, 10.0]);
    assert_eq!(point.exemplars.len(), 1);
    assert_eq!(point.exemplars[0].trace_id, [0xab; 16]);
}
