use super::*;

/// The issues of `yaml` as `path: message` lines.
fn issues(yaml: &str) -> Vec<String> {
    let config: Config = crate::load::deserialize_tracked(yaml).map_err(|e| e.1.to_string()).unwrap();
    validate(&config).into_iter().map(|i| format!("{}: {}", i.path, i.message)).collect()
}

const BASE: &str = "
receivers: { otlp: { protocols: { grpc: {} } } }
processors: { batch: {}, memory_limiter: { limit_mib: 100 } }
exporters: { file/traces: { path: t.jsonl }, otlp/jaeger: { endpoint: 'jaeger:4317' } }
";

fn with_pipelines(pipelines: &str) -> Vec<String> {
    issues(&format!("{BASE}service: {{ pipelines: {pipelines} }}\n"))
}

#[test]
fn valid_config_has_no_issues() {
    assert_eq!(
        with_pipelines(
            "{ traces: { receivers: [otlp], processors: [memory_limiter, batch], exporters: [file/traces, otlp/jaeger] } }"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn at_least_one_pipeline() {
    let found = with_pipelines("{}");
    assert_eq!(found.len(), 1);
    assert!(found[0].starts_with("service.pipelines: no pipelines"), "{found:?}");
}

#[test]
fn pipeline_needs_receivers_and_exporters() {
    let found = with_pipelines("{ logs: { receivers: [], exporters: [] } }");
    assert_eq!(
        found,
        [
            "service.pipelines.logs.receivers: a pipeline needs at least one receiver; defined receivers: otlp",
            "service.pipelines.logs.exporters: a pipeline needs at least one exporter; defined exporters: file/traces, otlp/jaeger",
        ]
    );
}

#[test]
fn undefined_references_list_what_is_defined() {
    let found = with_pipelines(
        "{ traces: { receivers: [otlp], processors: [batch/x], exporters: [file/traces, otlp/jaegr] } }",
    );
    assert_eq!(
        found,
        [
            "service.pipelines.traces.processors[0]: processor `batch/x` is not defined; defined processors: batch, memory_limiter",
            "service.pipelines.traces.exporters[1]: exporter `otlp/jaegr` is not defined; defined exporters: file/traces, otlp/jaeger",
        ]
    );
}

#[test]
fn nothing_defined_says_where_to_define_it() {
    let found = issues("service: { pipelines: { traces: { receivers: [otlp], exporters: [x] } } }");
    assert!(found.contains(&"service.pipelines.traces.receivers[0]: receiver `otlp` is not defined; defined receivers: none; define one under `receivers`".to_owned()), "{found:?}");
}

#[test]
fn component_listed_twice_in_a_pipeline() {
    let found = with_pipelines(
        "{ traces: { receivers: [otlp], processors: [batch, memory_limiter, batch], exporters: [file/traces] } }",
    );
    assert_eq!(
        found,
        [
            "service.pipelines.traces.processors[2]: processor `batch` is listed twice in this pipeline (also at [0]); list it once"
        ]
    );
}

#[test]
fn one_memory_limiter_per_process() {
    let found = issues(
        "processors: { memory_limiter: { limit_mib: 1 }, memory_limiter/b: { limit_mib: 0 } }\nservice: { pipelines: {} }",
    );
    assert!(
        found.iter().any(|i| i.starts_with("processors.memory_limiter/b: only one memory_limiter")
            && i.contains("`memory_limiter` already is")),
        "{found:?}"
    );
    assert!(found.contains(&"processors.memory_limiter/b.limit_mib: must be greater than 0".to_owned()), "{found:?}");
}

#[test]
fn batch_settings() {
    let found = issues(
        "processors: { batch: { timeout: 0s, send_batch_size: 100, send_batch_max_size: 50 } }\nservice: { pipelines: {} }",
    );
    assert!(found.contains(&"processors.batch.timeout: must be greater than 0, e.g. `200ms`".to_owned()), "{found:?}");
    assert!(
        found.iter().any(|i| i.starts_with(
            "processors.batch.send_batch_max_size: must be 0 (no limit) or at least send_batch_size (100)"
        )),
        "{found:?}"
    );
    let ok = issues(
        "processors: { batch: { send_batch_size: 100, send_batch_max_size: 0 }, batch/b: { send_batch_size: 100, send_batch_max_size: 100 } }\nservice: { pipelines: {} }",
    );
    assert_eq!(ok.len(), 1, "{ok:?}");
}

#[test]
fn receiver_settings() {
    let found = issues(
        "receivers:
  otlp: { protocols: { grpc: { endpoint: 'localhost:99999', max_recv_msg_size_mib: 0, max_concurrent_streams: 0 }, http: { endpoint: '::1:4318', max_request_body_size: 0 } } }
  otlp/none:
service: { pipelines: {} }",
    );
    let paths: Vec<&str> = found.iter().filter_map(|i| i.split(": ").next()).collect();
    assert_eq!(
        paths,
        [
            "receivers.otlp.protocols.grpc.endpoint",
            "receivers.otlp.protocols.grpc.max_recv_msg_size_mib",
            "receivers.otlp.protocols.grpc.max_concurrent_streams",
            "receivers.otlp.protocols.http.endpoint",
            "receivers.otlp.protocols.http.max_request_body_size",
            "receivers.otlp/none.protocols",
            "service.pipelines",
        ]
    );
}

#[test]
fn exporter_settings() {
    let found = issues(
        "exporters:
  otlp:
    endpoint: jaeger
    timeout: 0s
    tls: { cert_file: c.pem }
    sending_queue: { queue_size: 0, num_consumers: 0 }
    retry_on_failure: { multiplier: 0.5, randomization_factor: 1.5, initial_interval: 1m, max_interval: 10s }
  file: { path: '', rotation: { max_megabytes: 0 } }
service: { pipelines: {} }",
    );
    let paths: Vec<&str> = found.iter().filter_map(|i| i.split(": ").next()).collect();
    assert_eq!(
        paths,
        [
            "exporters.file.path",
            "exporters.file.rotation.max_megabytes",
            "exporters.otlp.endpoint",
            "exporters.otlp.timeout",
            "exporters.otlp.tls.cert_file",
            "exporters.otlp.sending_queue.queue_size",
            "exporters.otlp.sending_queue.num_consumers",
            "exporters.otlp.retry_on_failure.multiplier",
            "exporters.otlp.retry_on_failure.randomization_factor",
            "exporters.otlp.retry_on_failure.initial_interval",
            "service.pipelines",
        ]
    );
}

#[test]
fn telemetry_settings() {
    let found = issues("service: { pipelines: {}, telemetry: { logs: { level: '' }, metrics: { address: '8888' } } }");
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[1].starts_with("service.telemetry.metrics.address: `8888` has no port"), "{found:?}");
    assert!(found[2].starts_with("service.telemetry.logs.level: is empty"), "{found:?}");
}

#[test]
fn host_port_addresses() {
    for ok in ["0.0.0.0:4317", "localhost:0", "[::1]:4317", "[::]:65535", "my-host.example_1:80"] {
        assert_eq!(address::host_port(ok), Ok(()), "{ok}");
    }
    for (bad, why) in [
        ("4317", "no port"),
        (":4317", "no host"),
        ("host:", "not a number"),
        ("host:65536", "not a number"),
        ("host:http", "not a number"),
        ("::1:4317", "brackets"),
        ("[::1]", "no port"),
        ("[::1:4317", "closing"),
        ("[zz]:1", "not an IPv6"),
        ("a b:1", "not a host"),
    ] {
        let err = address::host_port(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
}

#[test]
fn exporter_endpoints() {
    for ok in ["jaeger:4317", "http://jaeger:4318", "https://otlp.example.com", "https://[::1]/v1/traces", "[::1]:4317"]
    {
        assert_eq!(address::endpoint(ok), Ok(()), "{ok}");
    }
    for (bad, why) in [
        ("", "is empty"),
        ("jaeger", "no port"),
        ("grpc://jaeger:4317", "unsupported scheme"),
        ("http://", "no host"),
        ("http://jaeger:x/", "not a number"),
        ("https://[zz]/", "not an IPv6"),
    ] {
        let err = address::endpoint(bad).unwrap_err();
        assert!(err.contains(why), "{bad}: {err}");
    }
}

#[test]
fn log_filters() {
    for ok in ["info", "WARN", "weir=debug,tonic=warn", "weir", "weir::pipeline=trace, info"] {
        assert_eq!(log_filter(ok), Ok(()), "{ok}");
    }
    for bad in ["", " ", "weir=loud", "info,", "a b", "=info"] {
        assert!(log_filter(bad).is_err(), "{bad:?}");
    }
}

fn golden(body: &str, pipeline: &str) -> Vec<String> {
    issues(&format!(
        "receivers: {{ otlp: {{ protocols: {{ grpc: {{}} }} }} }}\nprocessors: {{ golden_signals: {body} }}\n\
         exporters: {{ file/traces: {{ path: t.jsonl }} }}\nservice: {{ pipelines: {{ {pipeline}: {{ receivers: [otlp], \
         processors: [golden_signals], exporters: [file/traces] }} }} }}\n"
    ))
}

#[test]
fn golden_signals_defaults_are_valid_and_the_spanmetrics_buckets() {
    assert_eq!(golden("{}", "traces"), Vec::<String>::new());
    let bounds = crate::HistogramConfig::default().bounds().unwrap();
    assert_eq!(bounds.len(), 16);
    assert_eq!((bounds[0], bounds[15]), (std::time::Duration::from_millis(2), std::time::Duration::from_secs(15)));
}

#[test]
fn golden_signals_buckets_are_checked() {
    assert_eq!(
        golden("{ histogram: { explicit: { buckets: [10ms, 5ms] } } }", "traces"),
        ["processors.golden_signals.histogram: bucket bounds must increase: 10ms is followed by 5ms"]
    );
    assert_eq!(
        golden("{ histogram: { explicit: { buckets: [1ms] }, exponential: { start: 1ms, factor: 2, count: 3 } } }", "traces"),
        ["processors.golden_signals.histogram: set either explicit or exponential buckets, not both"]
    );
    assert_eq!(
        golden("{ histogram: { exponential: { start: 1ms, factor: 1, count: 3 } } }", "traces"),
        ["processors.golden_signals.histogram: exponential factor must be a number more than 1, not 1"]
    );
    let exponential: crate::GoldenSignalsConfig =
        crate::load::deserialize_tracked("histogram: { exponential: { start: 1ms, factor: 2, count: 12 } }")
            .map_err(|e| e.1.to_string())
            .unwrap();
    let bounds = exponential.histogram.bounds().unwrap();
    assert_eq!(bounds.len(), 12);
    assert_eq!(bounds[11], std::time::Duration::from_millis(2048));
}

#[test]
fn golden_signals_dimensions_need_their_own_label() {
    assert_eq!(
        golden("{ dimensions: [{ name: http.route }, { name: http_route }, { name: service.name }, { name: '' }] }", "traces"),
        [
            "processors.golden_signals.dimensions[1].name: `http_route` gives the label `http_route` a dimension before it already gives",
            "processors.golden_signals.dimensions[2].name: `service.name` would be the label `service_name`, which every series already has",
            "processors.golden_signals.dimensions[3].name: an attribute key is needed, e.g. `http.route`",
        ]
    );
}

#[test]
fn golden_signals_only_in_traces_pipelines() {
    assert_eq!(
        golden("{}", "metrics"),
        ["service.pipelines.metrics.processors[0]: `golden_signals` computes golden signals from spans: list it in a traces pipeline only"]
    );
}

#[test]
fn golden_signals_limits_are_positive() {
    assert_eq!(
        golden("{ max_series: 0, series_idle_timeout: 0, namespace: '9x' }", "traces"),
        [
            "processors.golden_signals.max_series: must be greater than 0",
            "processors.golden_signals.series_idle_timeout: must be greater than 0, e.g. `5m`",
            "processors.golden_signals.namespace: \"9x\" cannot start a Prometheus metric name: use letters, digits, `.` and `_`, not starting with a digit",
        ]
    );
}

#[test]
fn golden_signals_processors_need_their_own_namespace() {
    let found = issues(
        "receivers: { otlp: { protocols: { grpc: {} } } }\nprocessors: { golden_signals: {}, golden_signals/b: {} }\n\
         exporters: { file/traces: { path: t.jsonl } }\nservice: { pipelines: { traces: { receivers: [otlp], \
         processors: [golden_signals, golden_signals/b], exporters: [file/traces] } } }\n",
    );
    assert_eq!(
        found,
        ["processors.golden_signals/b.namespace: `golden_signals` already writes metrics under \"traces.span.metrics\": give \
          each golden_signals processor its own namespace, or their series would collide in /metrics"]
    );
}

fn sampler(body: &str) -> Vec<String> {
    issues(&format!(
        "receivers: {{ otlp: {{ protocols: {{ grpc: {{}} }} }} }}\nprocessors: {{ adaptive_sampler: {body} }}\n\
         exporters: {{ file/traces: {{ path: t.jsonl }} }}\nservice: {{ pipelines: {{ traces: {{ receivers: [otlp], \
         processors: [adaptive_sampler], exporters: [file/traces] }} }} }}\n"
    ))
}

#[test]
fn adaptive_sampler_defaults_are_valid() {
    assert_eq!(sampler("{}"), Vec::<String>::new());
    assert_eq!(
        sampler("{ policy: latency, always_keep: { slower_than: 2s }, overrides: [{ service: a, probability: 1 }] }"),
        Vec::<String>::new()
    );
}

#[test]
fn trace_mode_settings_are_checked() {
    assert_eq!(sampler("{ mode: trace, key: service_operation }"), Vec::<String>::new());
    assert_eq!(
        sampler("{ mode: trace, trace: { decision_wait: 1s, root_grace: 2s, max_traces: 0 } }"),
        [
            "processors.adaptive_sampler.trace.root_grace: must not be longer than trace.decision_wait",
            "processors.adaptive_sampler.trace.max_traces: must be greater than 0",
        ]
    );
}

#[test]
fn adaptive_sampler_settings_are_checked() {
    assert_eq!(
        sampler(
            "{ key: service_operation, min_probability: 0, decision_interval: 0, \
             target: { target_traces_per_second: -1 }, overrides: [{ service: a }, { service: b, probability: 2 }] }"
        ),
        [
            "processors.adaptive_sampler.key: `service_operation` keys by each trace's root operation, which only `mode: trace` sees: set `mode: trace` or use `key: service`",
            "processors.adaptive_sampler.min_probability: must be a probability above 0 and at most 1, not 0",
            "processors.adaptive_sampler.decision_interval: must be greater than 0, e.g. `5s`",
            "processors.adaptive_sampler.target.target_traces_per_second: must be a number above 0, not -1",
            "processors.adaptive_sampler.overrides[0]: set one of `probability` and `target_traces_per_second`",
            "processors.adaptive_sampler.overrides[1].probability: must be a probability above 0 and at most 1, not 2",
        ]
    );
}

#[test]
fn checkpoint_settings_are_checked() {
    assert_eq!(sampler("{ checkpoint: { path: /var/lib/weir/s.json } }"), Vec::<String>::new());
    assert_eq!(
        sampler("{ checkpoint: { path: ' ', interval: 0s, max_age: 10s } }"),
        [
            "processors.adaptive_sampler.checkpoint.path: must name a file, e.g. `/var/lib/weir/sampler-checkpoint.json`",
            "processors.adaptive_sampler.checkpoint.interval: must be greater than 0, e.g. `30s`",
        ]
    );
    assert_eq!(
        sampler("{ checkpoint: { path: s.json, interval: 1m, max_age: 30s } }"),
        ["processors.adaptive_sampler.checkpoint.max_age: must not be shorter than checkpoint.interval (1m), or a \
          checkpoint left by a crash would always be too old to use; e.g. `1h`"]
    );
}

#[test]
fn each_sampler_checkpoints_to_its_own_file() {
    let found = issues(
        "receivers: { otlp: { protocols: { grpc: {} } } }\n\
         processors: { adaptive_sampler: { checkpoint: { path: s.json } }, adaptive_sampler/b: { checkpoint: { path: s.json } } }\n\
         exporters: { file/traces: { path: t.jsonl } }\nservice: { pipelines: { traces: { receivers: [otlp], \
         processors: [adaptive_sampler], exporters: [file/traces] }, traces/b: { receivers: [otlp], \
         processors: [adaptive_sampler/b], exporters: [file/traces] } } }\n",
    );
    let clash = "processors.adaptive_sampler/b.checkpoint.path: `adaptive_sampler` already checkpoints to \"s.json\": \
                 give each adaptive_sampler its own file, or each would overwrite the other's";
    assert_eq!(found, [clash]);
}

fn remote_write(body: &str) -> Vec<String> {
    issues(&format!(
        "receivers: {{ otlp: {{ protocols: {{ grpc: {{}} }} }} }}\nexporters: {{ prometheusremotewrite: {body} }}\n\
         service: {{ pipelines: {{ metrics: {{ receivers: [otlp], exporters: [prometheusremotewrite] }} }} }}\n"
    ))
}

#[test]
fn remote_write_defaults_are_valid() {
    assert_eq!(remote_write("{ endpoint: 'http://prometheus:9090/api/v1/write' }"), Vec::<String>::new());
    assert_eq!(
        remote_write(
            "{ endpoint: 'https://[::1]/push', compression: zstd, protobuf_message: io.prometheus.write.v2.Request, \
             external_labels: { cluster: eu, _replica: a } }"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn remote_write_settings_are_checked() {
    assert_eq!(
        remote_write(
            "{ endpoint: 'prometheus:9090', timeout: 0s, max_samples_per_send: 0, sending_queue: { queue_size: 0 }, \
             external_labels: { __tenant: a, 1st: b, env: '' } }"
        ),
        [
            "exporters.prometheusremotewrite.endpoint: `prometheus:9090` is not a URL: write the receiver's full URL, e.g. `http://prometheus:9090/api/v1/write`",
            "exporters.prometheusremotewrite.timeout: must be greater than 0, e.g. `5s`",
            "exporters.prometheusremotewrite.external_labels.1st: `1st` is not a Prometheus label name: use letters, digits and `_`, not starting with a digit",
            "exporters.prometheusremotewrite.external_labels.__tenant: `__tenant` starts with `__`, which Prometheus reserves for its own labels: rename it",
            "exporters.prometheusremotewrite.external_labels.env: is empty, which Prometheus reads as no label at all: give it a value or remove it",
            "exporters.prometheusremotewrite.max_samples_per_send: must be greater than 0",
            "exporters.prometheusremotewrite.sending_queue.queue_size: must be greater than 0",
        ]
    );
}

fn feeding(pipelines: &str) -> Vec<String> {
    issues(&format!(
        "receivers: {{ otlp: {{ protocols: {{ grpc: {{}} }} }} }}\n\
         processors: {{ golden_signals: {{}}, golden_signals/idle: {{ namespace: idle }}, batch: {{}} }}\n\
         exporters: {{ file: {{ path: t.jsonl }}, prometheusremotewrite: {{ endpoint: 'http://p:9090/api/v1/write' }} }}\n\
         service: {{ pipelines: {pipelines} }}\n"
    ))
}

#[test]
fn golden_signals_feed_metrics_pipelines() {
    assert_eq!(
        feeding(
            "{ traces: { receivers: [otlp], processors: [golden_signals], exporters: [file] }, \
             metrics: { receivers: [otlp, golden_signals], processors: [batch], exporters: [prometheusremotewrite] } }"
        ),
        Vec::<String>::new()
    );
}

#[test]
fn golden_signals_feed_only_metrics_pipelines_and_only_when_computed() {
    assert_eq!(
        feeding(
            "{ traces: { receivers: [otlp, golden_signals], processors: [golden_signals], exporters: [file, prometheusremotewrite] }, \
             metrics: { receivers: [golden_signals/idle, batch], exporters: [file] } }"
        ),
        [
            "service.pipelines.traces.receivers[1]: `golden_signals` is a golden_signals processor, whose output is metrics: list it among the receivers of a metrics pipeline only",
            "service.pipelines.traces.exporters[1]: `prometheusremotewrite` sends metrics by Prometheus remote write: list it in a metrics pipeline only",
            "service.pipelines.metrics.receivers[1]: receiver `batch` is not defined; defined receivers: otlp",
            "service.pipelines.metrics.receivers[0]: `golden_signals/idle` counts the spans of the traces pipelines that list it among their processors, and none does: add it to a traces pipeline's processors",
        ]
    );
}

#[test]
fn golden_signals_flush_interval_is_positive() {
    assert_eq!(
        golden("{ metrics_flush_interval: 0s }", "traces"),
        ["processors.golden_signals.metrics_flush_interval: must be greater than 0, e.g. `15s`"]
    );
}

#[test]
fn disk_queues_are_checked() {
    assert_eq!(
        remote_write(
            "{ endpoint: 'http://prometheus:9090/api/v1/write', sending_queue: { storage: disk, directory: /var/lib/weir, \
             fsync: always } }"
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        remote_write(
            "{ endpoint: 'http://prometheus:9090/api/v1/write', sending_queue: { storage: disk, max_size_mib: 10, \
             fsync_interval: 0s } }"
        ),
        [
            "exporters.prometheusremotewrite.sending_queue.directory: is required with `storage: disk`: name a directory weir may write, e.g. `/var/lib/weir/queue`",
            "exporters.prometheusremotewrite.sending_queue.max_size_mib: must be at least 64: the queue frees space 32 MiB at a time and needs two such segments",
            "exporters.prometheusremotewrite.sending_queue.fsync_interval: must be greater than 0; for a sync before every answer use `fsync: always`",
        ]
    );
    let found = issues(
        "exporters: { otlp: { endpoint: jaeger, sending_queue: { storage: disk, directory: '' } } }
service: { pipelines: {} }",
    );
    assert!(
        found.contains(&"exporters.otlp.sending_queue.directory: is empty: name a directory weir may write".to_owned()),
        "{found:?}"
    );
    // The disk settings mean nothing to a memory queue and are not checked there.
    let found = issues(
        "exporters: { otlp: { endpoint: jaeger, sending_queue: { max_size_mib: 1 } } }
service: { pipelines: {} }",
    );
    assert!(!found.iter().any(|i| i.contains("max_size_mib")), "{found:?}");
}
