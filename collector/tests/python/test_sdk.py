"""The real OpenTelemetry Python SDK sends traces, metrics and logs through weir, over gRPC and HTTP,
to a downstream OTLP server: every item arrives, complete and unchanged."""

import logging
import urllib.request

import pytest
from conftest import wait_for
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

RESOURCE = Resource.create({"service.name": "checkout", "service.version": "1.4.2", "deployment.environment": "test"})


# The gRPC and HTTP exporters define separate Compression enums with the same member names.
COMPRESSION_NAMES = {"none": lambda c: c.NoCompression, "gzip": lambda c: c.Gzip, "deflate": lambda c: c.Deflate}


def exporters(transport, compression, weir):
    """The SDK's own OTLP exporters for one transport and compression."""
    if transport == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc import _log_exporter, metric_exporter, trace_exporter
        from opentelemetry.exporter.otlp.proto.grpc.exporter import Compression

        kw = {"endpoint": weir.grpc_endpoint, "insecure": True, "compression": COMPRESSION_NAMES[compression](Compression)}
        return trace_exporter.OTLPSpanExporter(**kw), metric_exporter.OTLPMetricExporter(**kw), _log_exporter.OTLPLogExporter(**kw)
    from opentelemetry.exporter.otlp.proto.http import Compression, _log_exporter, metric_exporter, trace_exporter

    def kw(signal):
        return {"endpoint": f"{weir.http_endpoint}/v1/{signal}", "compression": COMPRESSION_NAMES[compression](Compression)}

    return (
        trace_exporter.OTLPSpanExporter(**kw("traces")),
        metric_exporter.OTLPMetricExporter(**kw("metrics")),
        _log_exporter.OTLPLogExporter(**kw("logs")),
    )


def normal_form(requests):
    """Each span as (resource, scope, span) bytes, sorted: equal exactly when the same spans arrived."""
    items = []
    for request in requests:
        for rs in request.resource_spans:
            for ss in rs.scope_spans:
                for span in ss.spans:
                    items.append((rs.resource.SerializeToString(deterministic=True), ss.scope.SerializeToString(deterministic=True), span.SerializeToString(deterministic=True)))
    return sorted(items)


TRANSPORTS = [("grpc", "none"), ("grpc", "gzip"), ("grpc", "deflate"), ("http", "none"), ("http", "gzip"), ("http", "deflate")]


@pytest.mark.parametrize("transport,compression", TRANSPORTS)
def test_traces_arrive_unchanged(weir, downstream, transport, compression):
    span_exporter, _, _ = exporters(transport, compression, weir)
    memory = InMemorySpanExporter()
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.add_span_processor(BatchSpanProcessor(span_exporter, max_export_batch_size=64))
    tracer = provider.get_tracer("weir.tests", "0.1.0")
    for i in range(150):
        with tracer.start_as_current_span("GET /cart", kind=SpanKind.SERVER, attributes={"http.route": "/cart", "http.response.status_code": 200 + i % 2, "retry": i % 3 == 0, "ratio": 0.5, "tags": ["a", "b"]}) as parent:
            parent.add_event("cache.miss", {"key": f"cart-{i}"})
            with tracer.start_as_current_span("SELECT carts", kind=SpanKind.CLIENT, links=[Link(parent.get_span_context(), {"link.kind": "parent"})]) as child:
                child.set_attribute("db.system", "postgresql")
                if i % 10 == 0:
                    child.set_status(Status(StatusCode.ERROR, "deadlock"))
    provider.force_flush()
    provider.shutdown()

    sent = memory.get_finished_spans()
    assert len(sent) == 300
    assert wait_for(lambda: sum(len(ss.spans) for r in downstream.traces for rs in r.resource_spans for ss in rs.scope_spans) >= 300)
    assert normal_form(downstream.traces) == normal_form([encode_spans(sent)])


@pytest.mark.parametrize("transport,compression", TRANSPORTS)
def test_metrics_arrive_with_their_values(weir, downstream, transport, compression):
    from opentelemetry.metrics import Observation
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
    from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View

    _, metric_exporter, _ = exporters(transport, compression, weir)
    reader = PeriodicExportingMetricReader(metric_exporter, export_interval_millis=60_000)
    views = [View(instrument_name="payload.size", aggregation=ExponentialBucketHistogramAggregation())]
    provider = MeterProvider(resource=RESOURCE, metric_readers=[reader], views=views)
    meter = provider.get_meter("weir.tests")
    orders = meter.create_counter("orders", unit="1")
    orders.add(3, {"shop": "eu"})
    orders.add(4, {"shop": "eu"})
    queue = meter.create_up_down_counter("queue.depth")
    queue.add(5)
    queue.add(-2)
    latency = meter.create_histogram("latency", unit="ms")
    for v in (5, 50, 500):
        latency.record(v)
    size = meter.create_histogram("payload.size", unit="By")
    for v in (1, 10, 100):
        size.record(v)
    meter.create_observable_gauge("temperature", callbacks=[lambda _: [Observation(21.5, {"room": "a"})]])
    provider.force_flush()
    provider.shutdown()

    def points():
        found = {}
        for request in downstream.metrics:
            for rm in request.resource_metrics:
                assert {kv.key: kv.value.string_value for kv in rm.resource.attributes}["service.name"] == "checkout"
                for sm in rm.scope_metrics:
                    for m in sm.metrics:
                        found[m.name] = m
        return found

    assert wait_for(lambda: {"orders", "queue.depth", "latency", "payload.size", "temperature"} <= set(points()))
    got = points()
    assert got["orders"].sum.data_points[0].as_int == 7
    assert got["orders"].sum.is_monotonic
    assert got["queue.depth"].sum.data_points[0].as_int == 3
    h = got["latency"].histogram.data_points[0]
    assert (h.count, h.sum, h.min, h.max) == (3, 555, 5, 500)
    assert sum(h.bucket_counts) == 3
    e = got["payload.size"].exponential_histogram.data_points[0]
    assert (e.count, e.sum) == (3, 111)
    assert got["temperature"].gauge.data_points[0].as_double == 21.5


@pytest.mark.parametrize("transport,compression", TRANSPORTS)
def test_logs_arrive_unchanged(weir, downstream, transport, compression):
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

    _, _, log_exporter = exporters(transport, compression, weir)
    provider = LoggerProvider(resource=RESOURCE)
    provider.add_log_record_processor(BatchLogRecordProcessor(log_exporter))
    logger = logging.getLogger(f"weir.tests.{transport}.{compression}")
    logger.propagate = False
    logger.setLevel(logging.INFO)
    handler = LoggingHandler(level=logging.INFO, logger_provider=provider)
    logger.addHandler(handler)
    for i in range(40):
        logger.warning("order %d failed", i, extra={"order.id": i, "customer": "c-7"})
    provider.force_flush()
    logger.removeHandler(handler)
    provider.shutdown()

    def records():
        return [lr for r in downstream.logs for rl in r.resource_logs for sl in rl.scope_logs for lr in sl.log_records]

    assert wait_for(lambda: len(records()) >= 40)
    got = records()
    assert len(got) == 40
    assert sorted(r.body.string_value for r in got) == sorted(f"order {i} failed" for i in range(40))
    for r in got:
        attrs = {kv.key: kv.value for kv in r.attributes}
        assert attrs["customer"].string_value == "c-7"
        assert r.severity_text == "WARN" or r.severity_text == "WARNING"
        assert r.severity_number == 13


def test_weir_counts_what_it_accepted(weir, downstream):
    span_exporter, _, _ = exporters("grpc", "none", weir)
    provider = TracerProvider(resource=RESOURCE)
    provider.add_span_processor(SimpleSpanProcessor(span_exporter))
    tracer = provider.get_tracer("weir.tests")
    for _ in range(25):
        with tracer.start_as_current_span("work"):
            pass
    provider.shutdown()
    with urllib.request.urlopen(f"{weir.admin}/metrics") as r:
        text = r.read().decode()
    accepted = sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith("weir_receiver_accepted_items_total") and 'signal="traces"' in line)
    assert accepted == 25
