"""Prometheus remote write end to end with the real OpenTelemetry Python SDK: its spans feed weir's
golden signals and its counters, up-down counters, gauges, histograms and exponential histograms go
through weir's remote-write exporter to Debian's Prometheus 2.42 (native histograms on) and
VictoriaMetrics 1.79; PromQL reads back the names, labels and values the OTel compatibility rules
give, and the quantiles of what was sent."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest
from conftest import free_port, wait_for, weir_with_config
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind

RESOURCE = {"service.name": "checkout", "service.instance.id": "pod-1", "deployment.environment": "test"}

# Request sizes: 60 of 20 bytes and 40 of 700: the median lies in (10, 25], the p90 in (500, 750].
SIZES = [20] * 60 + [700] * 40
# Latencies for the exponential histogram, 1..200 ms.
LATENCIES_MS = [1 + (i * 37) % 200 for i in range(400)]
# Span durations for the golden signals: 90 of 30 ms and 10 of 300 ms.
SPAN_MS = [30] * 90 + [300] * 10


class Tsdb:
    """A time-series database with a remote-write receiver on a free loopback port."""

    def __init__(self, kind, tmp):
        self.kind = kind
        self.port = free_port()
        binary = shutil.which(kind)
        if binary is None:
            raise RuntimeError(f"{kind} is not installed: scripts/test.sh installs Debian's `{kind}`")
        if kind == "prometheus":
            config = os.path.join(tmp, "prometheus.yml")
            with open(config, "w") as f:
                f.write("scrape_configs: []\n")
            command = [binary, f"--config.file={config}", f"--storage.tsdb.path={os.path.join(tmp, 'data')}",
                       f"--web.listen-address=127.0.0.1:{self.port}", "--web.enable-remote-write-receiver",
                       "--enable-feature=native-histograms"]
            self.ready_path = "/-/ready"
        else:
            # Queries would leave out the last 30 s and cache answers otherwise.
            command = [binary, f"-storageDataPath={os.path.join(tmp, 'data')}",
                       f"-httpListenAddr=127.0.0.1:{self.port}", "-retentionPeriod=1d",
                       "-search.latencyOffset=0s", "-search.disableCache"]
            self.ready_path = "/health"
        self.log = open(os.path.join(tmp, f"{kind}.log"), "w+")
        self.proc = subprocess.Popen(command, stdout=self.log, stderr=self.log)
        if not wait_for(self.ready, timeout=30):
            self.stop()
            raise RuntimeError(f"{kind} did not start:\n{self.logs()}")

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{self.ready_path}", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def write_url(self):
        return f"http://127.0.0.1:{self.port}/api/v1/write"

    def logs(self):
        self.log.seek(0)
        return self.log.read()

    def query(self, expr):
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=5) as r:
            answer = json.load(r)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def value(self, expr, timeout=20.0):
        """The value of the single sample `expr` gives, once there is one."""
        found = []

        def one():
            found[:] = self.query(expr)
            return len(found) == 1

        assert wait_for(one, timeout), f"{expr}: {found}\n{self.logs()[-3000:]}"
        return float(found[0]["value"][1])

    def samples(self, expr, window="5m"):
        """Every raw sample of the single series `expr` selects in the last `window`."""
        result = self.query(f"{expr}[{window}]")
        assert len(result) == 1, result
        return [(float(t), float(v)) for t, v in result[0]["values"]]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


def weir_config(tsdb, tmp):
    return f"""
receivers:
  otlp:
    protocols:
      grpc: {{{{ endpoint: "{{grpc}}" }}}}
processors:
  golden_signals: {{{{ metrics_flush_interval: 1s }}}}
  batch: {{{{ timeout: 50ms }}}}
exporters:
  file/traces: {{{{ path: "{os.path.join(tmp, 'traces.jsonl')}" }}}}
  prometheusremotewrite:
    endpoint: {tsdb.write_url()}
    exponential_histograms: {"native" if tsdb.kind == "prometheus" else "classic"}
service:
  telemetry:
    metrics: {{{{ address: "{{admin}}" }}}}
  pipelines:
    traces: {{{{ receivers: [otlp], processors: [golden_signals, batch], exporters: [file/traces] }}}}
    metrics: {{{{ receivers: [otlp, golden_signals], processors: [batch], exporters: [prometheusremotewrite] }}}}
"""


@pytest.fixture(params=["prometheus", "victoria-metrics"])
def tsdb_and_weir(request):
    with tempfile.TemporaryDirectory() as tmp:
        tsdb = Tsdb(request.param, tmp)
        try:
            with weir_with_config(weir_config(tsdb, tmp)) as weir:
                yield tsdb, weir
        finally:
            tsdb.stop()


def send_spans(weir):
    provider = TracerProvider(resource=Resource.create(RESOURCE))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=weir.grpc_endpoint, insecure=True)))
    tracer = provider.get_tracer("remote-write-test")
    start = time.time_ns() - 10_000_000_000
    for ms in SPAN_MS:
        tracer.start_span("GET /cart", kind=SpanKind.SERVER, start_time=start).end(end_time=start + ms * 1_000_000)
    provider.shutdown()


def meter_provider(weir):
    exporter = OTLPMetricExporter(endpoint=weir.grpc_endpoint, insecure=True)
    # Exported only when the test flushes, so it knows what each export carried.
    reader = PeriodicExportingMetricReader(exporter, export_interval_millis=3_600_000)
    view = View(instrument_name="rpc.latency", aggregation=ExponentialBucketHistogramAggregation())
    return MeterProvider(resource=Resource.create(RESOURCE), metric_readers=[reader], views=[view])


def quantile(values, q):
    ordered = sorted(values)
    return ordered[max(0, int(q * len(ordered)) - 1)]


def test_sdk_metrics_and_golden_signals_read_back_with_promql(tsdb_and_weir):
    tsdb, weir = tsdb_and_weir
    send_spans(weir)
    provider = meter_provider(weir)
    meter = provider.get_meter("shop", "1.2.0")
    orders = meter.create_counter("orders.placed", unit="{order}")
    queue = meter.create_up_down_counter("queue.items", unit="{item}")
    temperature = meter.create_gauge("cpu.temperature", unit="Cel")
    sizes = meter.create_histogram("request.size", unit="By")
    latency = meter.create_histogram("rpc.latency", unit="ms")

    orders.add(10, {"payment.method": "card"})
    orders.add(4, {"payment.method": "cash"})
    queue.add(10)
    queue.add(-3)
    temperature.set(61.5)
    for size in SIZES:
        sizes.record(size)
    for ms in LATENCIES_MS:
        latency.record(ms)
    provider.force_flush()
    # A second export 2 s later, so rate has two samples of the counter to work with.
    time.sleep(2)
    orders.add(20, {"payment.method": "card"})
    provider.force_flush()
    try:
        check_metrics(tsdb, weir)
    finally:
        # Shut down only now: its last export would add a third sample to the counter.
        provider.shutdown()
    check_golden_signals(tsdb)


def check_metrics(tsdb, weir):
    card = 'orders_placed_total{payment_method="card"}'
    assert wait_for(lambda: tsdb.query(card) and float(tsdb.query(card)[0]["value"][1]) == 30.0, 20), \
        f"{tsdb.query(card)}\nweir:\n{weir.read_log()}\n{tsdb.kind}:\n{tsdb.logs()[-3000:]}"
    [series] = tsdb.query(card)
    labels = series["metric"]
    assert labels["job"] == "checkout" and labels["instance"] == "pod-1", labels
    assert labels["otel_scope_name"] == "shop" and labels["otel_scope_version"] == "1.2.0", labels
    assert "deployment_environment" not in labels, "resource attributes go on target_info only"
    assert tsdb.value('orders_placed_total{payment_method="cash"}') == 4.0
    assert tsdb.value("sum(orders_placed_total)") == 34.0
    # The two card samples 2 s apart, 20 orders between them: irate is exactly their slope, and
    # rate (extrapolated over its window) is positive.
    (t1, v1), (t2, v2) = tsdb.samples(card)
    assert (v1, v2) == (10.0, 30.0)
    assert tsdb.value(f"irate({card}[5m])") == pytest.approx((v2 - v1) / (t2 - t1), rel=1e-6)
    assert tsdb.value(f"rate({card}[5m])") > 0

    assert tsdb.value("queue_items") == 7.0
    assert tsdb.value("cpu_temperature_celsius") == 61.5
    assert tsdb.value('target_info{job="checkout",instance="pod-1"}') == 1.0
    assert tsdb.query('target_info{deployment_environment="test"}'), "resource attributes on target_info"

    assert tsdb.value("request_size_bytes_count") == len(SIZES)
    assert tsdb.value("request_size_bytes_sum") == sum(SIZES)
    assert tsdb.value('request_size_bytes_bucket{le="25"}') == 60
    median = tsdb.value("histogram_quantile(0.5, sum by (le) (request_size_bytes_bucket))")
    assert 10 < median <= 25, (median, quantile(SIZES, 0.5))
    p90 = tsdb.value("histogram_quantile(0.9, sum by (le) (request_size_bytes_bucket))")
    assert 500 < p90 <= 750, (p90, quantile(SIZES, 0.9))

    # The exponential histogram: a native histogram in Prometheus, classic buckets in
    # VictoriaMetrics 1.79, which drops native histograms without a word.
    if tsdb.kind == "prometheus":
        assert tsdb.value("histogram_count(rpc_latency_milliseconds)") == len(LATENCIES_MS)
        assert tsdb.value("histogram_sum(rpc_latency_milliseconds)") == sum(LATENCIES_MS)
        p95 = tsdb.value("histogram_quantile(0.95, rpc_latency_milliseconds)")
    else:
        assert tsdb.value("rpc_latency_milliseconds_count") == len(LATENCIES_MS)
        assert tsdb.value("rpc_latency_milliseconds_sum") == sum(LATENCIES_MS)
        p95 = tsdb.value("histogram_quantile(0.95, sum by (le) (rpc_latency_milliseconds_bucket))")
    # The SDK's 160 buckets put these values at scale 4 or finer: a bucket is at most 2^(1/16) wide.
    truth = quantile(LATENCIES_MS, 0.95)
    assert truth / 2 ** (1 / 16) <= p95 <= truth * 2 ** (1 / 16), (p95, truth)


def check_golden_signals(tsdb):
    calls = 'traces_span_metrics_calls_total{service_name="checkout",span_name="GET /cart"}'
    assert wait_for(lambda: tsdb.query(calls) and float(tsdb.query(calls)[0]["value"][1]) == len(SPAN_MS), 20), \
        tsdb.query(calls)
    [series] = tsdb.query(calls)
    assert series["metric"]["job"] == "weir" and series["metric"]["span_kind"] == "SPAN_KIND_SERVER", series
    p95 = tsdb.value("histogram_quantile(0.95, sum by (le) (traces_span_metrics_duration_milliseconds_bucket))")
    assert 200 <= p95 <= 400, (p95, quantile(SPAN_MS, 0.95))
