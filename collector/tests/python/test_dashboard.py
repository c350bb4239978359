"""The Grafana dashboard against real parts: weir fed by the OpenTelemetry Python SDK, scraped by
Debian's Prometheus; every PromQL expression of deploy/grafana/weir-dashboard.json must return
data, and the p95 latency and the error rate must match the spans sent."""

import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest
from conftest import free_port, running_weir, wait_for
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

DASHBOARD = os.path.join(os.path.dirname(__file__), "../../../deploy/grafana/weir-dashboard.json")

# Buckets every 10 ms, so histogram_quantile's interpolation is good to one bucket: the stated
# tolerance of the p95 check.
BUCKETS = ", ".join(f"{ms}ms" for ms in range(10, 410, 10))
P95_TOLERANCE_MS = 10.0
ERROR_RATE_TOLERANCE = 0.01

ROUNDS, SPANS_PER_ROUND = 8, 200


def duration_ms(i):
    """Spread over 1..300 ms, the same in every round."""
    return 1 + (i * 7) % 300


def is_error(i):
    return i % 10 == 0


def expressions():
    """Every panel target's expression, with the dashboard's variables as Grafana would fill them."""
    with open(DASHBOARD) as f:
        dashboard = json.load(f)
    for panel in dashboard["panels"]:
        for target in panel.get("targets", []):
            expr = target["expr"].replace("$__rate_interval", "1m").replace('"$service|_other"', '".*"')
            yield panel["title"], expr.replace('"$service"', '".*"')


class Prometheus:
    """Debian's prometheus on a free loopback port, scraping weir's /metrics every second."""

    def __init__(self, target, tmp):
        binary = os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus")
        if binary is None:
            raise RuntimeError("prometheus is not installed: scripts/test.sh installs Debian's `prometheus`")
        self.port = free_port()
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write(f"global: {{ scrape_interval: 1s, evaluation_interval: 1s }}\n"
                    f"scrape_configs:\n  - job_name: weir\n    static_configs: [{{ targets: ['{target}'] }}]\n")
        self.log = open(os.path.join(tmp, "prometheus.log"), "w+")
        self.proc = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={os.path.join(tmp, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--enable-feature=exemplar-storage"],
            stdout=subprocess.DEVNULL, stderr=self.log)
        if not wait_for(self.ready, timeout=20):
            self.log.seek(0)
            raise RuntimeError(f"prometheus did not start:\n{self.log.read()}")

    def ready(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def query(self, expr):
        url = f"http://127.0.0.1:{self.port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
        with urllib.request.urlopen(url, timeout=5) as r:
            answer = json.load(r)
        assert answer["status"] == "success", answer
        return answer["data"]["result"]

    def exemplar_trace_ids(self, metric):
        """The trace ids of every exemplar stored for `metric` in the last 10 minutes."""
        now = time.time()
        query = urllib.parse.urlencode({"query": metric, "start": now - 600, "end": now})
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/api/v1/query_exemplars?{query}", timeout=5) as r:
            answer = json.load(r)
        assert answer["status"] == "success", answer
        return {e["labels"]["trace_id"] for series in answer["data"] for e in series["exemplars"]}

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=20)
        self.log.close()


@pytest.fixture
def prometheus_and_weir(downstream):
    processors = (f"memory_limiter: {{ limit_mib: 256 }}\n  batch: {{ timeout: 50ms }}\n"
                  f"  golden_signals: {{ histogram: {{ explicit: {{ buckets: [{BUCKETS}] }} }} }}\n"
                  f"  adaptive_sampler: {{ decision_interval: 1s }}")
    pipeline = "memory_limiter, golden_signals, adaptive_sampler, batch"
    with running_weir(downstream, processors, pipeline) as weir, tempfile.TemporaryDirectory() as tmp:
        prometheus = Prometheus(weir.admin_address, tmp)
        try:
            yield prometheus, weir
        finally:
            prometheus.stop()


def send_spans(weir):
    provider = TracerProvider(resource=Resource.create({"service.name": "checkout"}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=weir.grpc_endpoint, insecure=True)))
    tracer = provider.get_tracer("dashboard-test")
    sent = []
    # Spread over several scrapes: rate() needs a series seen before and after its increases.
    for _ in range(ROUNDS):
        start = time.time_ns()
        for i in range(SPANS_PER_ROUND):
            span = tracer.start_span("GET /cart", kind=SpanKind.SERVER, start_time=start)
            if is_error(i):
                span.set_status(Status(StatusCode.ERROR, "boom"))
            span.end(end_time=start + duration_ms(i) * 1_000_000)
            sent.append(duration_ms(i))
        provider.force_flush()
        time.sleep(1.5)
    provider.shutdown()
    return sent


def kept_trace_ids(downstream):
    with downstream.lock:
        requests = list(downstream.traces)
    return {span.trace_id.hex() for request in requests for rs in request.resource_spans
            for ss in rs.scope_spans for span in ss.spans}


def test_every_dashboard_query_returns_data_and_matches_the_spans(prometheus_and_weir, downstream):
    prometheus, weir = prometheus_and_weir
    sent = send_spans(weir)
    # Saturation is measured every 10 s, and Prometheus needs a scrape after that.
    assert wait_for(lambda: prometheus.query("weir_golden_signals_inflight_requests"), timeout=30)
    assert wait_for(lambda: prometheus.query("weir_sampler_kept_traces_per_second"), timeout=10)

    empty = [(title, expr) for title, expr in expressions() if not prometheus.query(expr)]
    assert empty == [], f"dashboard queries without data: {empty}"

    truth = sorted(sent)
    true_p95 = truth[int(0.95 * len(truth)) - 1]
    p95 = float(prometheus.query(
        'histogram_quantile(0.95, sum by (le) (increase(traces_span_metrics_duration_milliseconds_bucket'
        '{service_name="checkout",span_kind="SPAN_KIND_SERVER"}[5m])))')[0]["value"][1])
    assert abs(p95 - true_p95) <= P95_TOLERANCE_MS, (p95, true_p95)

    error_panel = next(expr for title, expr in expressions() if title.startswith("Errors"))
    error_rate = float(prometheus.query(error_panel.replace("[1m]", "[5m]"))[0]["value"][1])
    true_rate = sum(1 for i in range(SPANS_PER_ROUND) if is_error(i)) / SPANS_PER_ROUND
    assert abs(error_rate - true_rate) <= ERROR_RATE_TOLERANCE, (error_rate, true_rate)

    # Exemplars travel by OpenMetrics, and only ever name a trace the sampler kept.
    exemplars = prometheus.exemplar_trace_ids("traces_span_metrics_duration_milliseconds_bucket")
    assert exemplars, "Prometheus stored no exemplar"
    assert exemplars <= kept_trace_ids(downstream), exemplars - kept_trace_ids(downstream)
