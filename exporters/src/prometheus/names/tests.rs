use super::{NameKind, label_name, metric_name, unit_name};

#[test]
fn metric_names() {
    use NameKind::{Counter, Gauge, Other};
    let cases = [
        // (name, unit, kind, expected)
        (
            "http.server.duration",
            "s",
            Other,
            "http_server_duration_seconds",
        ),
        (
            "http.server.duration",
            "ms",
            Other,
            "http_server_duration_milliseconds",
        ),
        (
            "system.filesystem.usage",
            "By",
            Gauge,
            "system_filesystem_usage_bytes",
        ),
        (
            "system.network.io",
            "By/s",
            Gauge,
            "system_network_io_bytes_per_second",
        ),
        ("disk.ops", "{operations}/s", Gauge, "disk_ops_per_second"),
        ("disk.ops", "{operations}/min", Gauge, "disk_ops_per_min"),
        (
            "http.server.requests",
            "{request}",
            Counter,
            "http_server_requests_total",
        ),
        (
            "system.network.dropped",
            "packets",
            Counter,
            "system_network_dropped_packets_total",
        ),
        (
            "system.memory.utilization",
            "1",
            Gauge,
            "system_memory_utilization_ratio",
        ),
        ("cache.hit_ratio", "1", Gauge, "cache_hit_ratio"),
        ("process.cpu.time", "1", Counter, "process_cpu_time_total"),
        ("requests_total", "", Counter, "requests_total"),
        ("total.requests", "", Counter, "requests_total"),
        ("queue.size", "", Gauge, "queue_size"),
        ("cpu.usage", "%", Gauge, "cpu_usage_percent"),
        ("room.temperature", "Cel", Gauge, "room_temperature_celsius"),
        ("heap.size", "MiBy", Gauge, "heap_size_mebibytes"),
        // The unit is appended unless the name already ends with it, before the type suffix.
        ("io_bytes", "By/s", Gauge, "io_bytes_per_second"),
        ("io.bytes.per.second", "By/s", Gauge, "io_bytes_per_second"),
        ("sent.bytes.total", "By", Counter, "sent_bytes_total"),
        (
            "seconds.before.birthday",
            "s",
            Gauge,
            "seconds_before_birthday_seconds",
        ),
        // Invalid characters, runs of separators, edges and leading digits.
        (
            "(lambda).function.executions(#)",
            "",
            Other,
            "lambda_function_executions",
        ),
        ("a..b__c--d", "", Other, "a_b_c_d"),
        ("_private.metric_", "", Other, "private_metric"),
        ("2xx.responses", "", Counter, "_2xx_responses_total"),
        ("läuft", "", Gauge, "l_uft"),
        ("k8s.pod:cpu", "", Gauge, "k8s_pod_cpu"),
        ("", "s", Other, "seconds"),
        ("...", "", Other, ""),
        // Unknown units are kept, cleaned up; annotations anywhere are dropped.
        (
            "queue.latency",
            "By{compressed}",
            Gauge,
            "queue_latency_bytes",
        ),
        ("weird", "foo bar", Gauge, "weird_foo_bar"),
        ("rate", "m/s", Gauge, "rate_meters_per_second"),
    ];
    for (name, unit, kind, expected) in cases {
        assert_eq!(
            metric_name(name, unit, kind),
            expected,
            "metric_name({name:?}, {unit:?}, {kind:?})"
        );
    }
}

#[test]
fn unit_names() {
    use NameKind::{Counter, Gauge, Other};
    let cases = [
        ("ms", Other, "milliseconds"),
        ("By/s", Gauge, "bytes_per_second"),
        ("{request}", Counter, ""),
        ("{request}/s", Counter, "per_second"),
        ("1", Gauge, "ratio"),
        ("1", Counter, ""),
        ("", Gauge, ""),
        ("widgets", Other, "widgets"),
    ];
    for (unit, kind, expected) in cases {
        assert_eq!(
            unit_name(unit, kind),
            expected,
            "unit_name({unit:?}, {kind:?})"
        );
    }
}

#[test]
fn label_names() {
    let cases = [
        ("http.method", "http_method"),
        ("http.response.status_code", "http_response_status_code"),
        ("a..b", "a_b"),
        ("a__b", "a_b"),
        ("trailing.", "trailing_"),
        ("0day", "key_0day"),
        ("_hidden", "key_hidden"),
        ("__name__", "key_name_"),
        ("é", "key_"),
        ("Service-Name", "Service_Name"),
        ("", ""),
    ];
    for (key, expected) in cases {
        assert_eq!(label_name(key), expected, "label_name({key:?})");
    }
}
