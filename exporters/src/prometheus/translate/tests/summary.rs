use super::*;
use crate::prometheus::model::MetricType;
use weir_proto::otlp::metrics::v1::summary_data_point::ValueAtQuantile;
use weir_proto::otlp::metrics::v1::{Summary, SummaryDataPoint};

#[test]
fn quantiles_become_series_with_sum_and_count() {
    let point = SummaryDataPoint {
        start_time_unix_nano: T0,
        time_unix_nano: T0 + SECOND,
        count: 8,
        sum: 2.5,
        quantile_values: vec![
            ValueAtQuantile {
                quantile: 0.5,
                value: 0.2,
            },
            ValueAtQuantile {
                quantile: 0.99,
                value: 0.9,
            },
        ],
        ..Default::default()
    };
    let data = metric::Data::Summary(Summary {
        data_points: vec![point],
    });
    let set = translate(&request(service(), vec![metric("rpc.duration", "s", data)])).series;

    let name = "rpc_duration_seconds";
    let median = series(&set, &format!(r#"{name}{{{COMMON},quantile="0.5"}}"#));
    assert_eq!(values(median), [0.2]);
    assert_eq!(median.family.kind, MetricType::Summary);
    assert_eq!(median.created_timestamp_ms, Some(T0_MS));
    assert_eq!(
        values(series(
            &set,
            &format!(r#"{name}{{{COMMON},quantile="0.99"}}"#)
        )),
        [0.9]
    );
    assert_eq!(
        values(series(&set, &format!("{name}_sum{{{COMMON}}}"))),
        [2.5]
    );
    assert_eq!(
        values(series(&set, &format!("{name}_count{{{COMMON}}}"))),
        [8.0]
    );
}
