"""Fixtures for the Python SDK tests: a real downstream OTLP/gRPC server and a real weir process."""

import contextlib
import os
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from concurrent import futures

import grpc
import pytest
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2, metrics_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Downstream(
    trace_service_pb2_grpc.TraceServiceServicer,
    metrics_service_pb2_grpc.MetricsServiceServicer,
    logs_service_pb2_grpc.LogsServiceServicer,
):
    """Records every export request it receives (grpcio's own server: no tonic on this side)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.traces, self.metrics, self.logs = [], [], []
        self.port = free_port()
        self.server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(self, self.server)
        metrics_service_pb2_grpc.add_MetricsServiceServicer_to_server(self, self.server)
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(self, self.server)
        self.server.add_insecure_port(f"127.0.0.1:{self.port}")
        self.server.start()

    def Export(self, request, context):  # noqa: N802 (gRPC method name)
        with self.lock:
            if isinstance(request, trace_service_pb2.ExportTraceServiceRequest):
                self.traces.append(request)
                return trace_service_pb2.ExportTraceServiceResponse()
            if isinstance(request, metrics_service_pb2.ExportMetricsServiceRequest):
                self.metrics.append(request)
                return metrics_service_pb2.ExportMetricsServiceResponse()
            self.logs.append(request)
            return logs_service_pb2.ExportLogsServiceResponse()

    def stop(self):
        self.server.stop(grace=None)


@pytest.fixture
def downstream():
    server = Downstream()
    yield server
    server.stop()


@contextlib.contextmanager
def running_weir(downstream, processors="memory_limiter: { limit_mib: 256 }\n  batch: { timeout: 50ms }",
                 traces_processors="memory_limiter, batch"):
    """weir on free loopback ports with `processors` defined, the traces pipeline listing
    `traces_processors`, exporting to the downstream server with gzip (grpcio has no zstd)."""
    processors = processors.replace("{", "{{").replace("}", "}}")
    config = f"""
receivers:
  otlp:
    protocols:
      grpc: {{{{ endpoint: "{{grpc}}" }}}}
      http: {{{{ endpoint: "{{http}}" }}}}
processors:
  {processors}
exporters:
  otlp/downstream:
    endpoint: "http://127.0.0.1:{downstream.port}"
    compression: gzip
service:
  telemetry:
    metrics: {{{{ address: "{{admin}}" }}}}
  pipelines:
    traces: {{{{ receivers: [otlp], processors: [{traces_processors}], exporters: [otlp/downstream] }}}}
    metrics: {{{{ receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp/downstream] }}}}
    logs: {{{{ receivers: [otlp], processors: [memory_limiter, batch], exporters: [otlp/downstream] }}}}
"""
    with weir_with_config(config) as proc:
        yield proc


@contextlib.contextmanager
def weir_with_config(config):
    """weir running `config`, a str.format template whose {grpc}, {http} and {admin} become free
    loopback addresses for the OTLP receivers and the admin server."""
    grpc_port, http_port, admin_port = free_port(), free_port(), free_port()
    binary = os.environ.get("WEIR_BIN", os.path.join(os.path.dirname(__file__), "../../../target/debug/weir"))
    config = config.format(grpc=f"127.0.0.1:{grpc_port}", http=f"127.0.0.1:{http_port}",
                           admin=f"127.0.0.1:{admin_port}")
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "weir.yaml")
        with open(path, "w") as f:
            f.write(config)
        log = open(os.path.join(tmp, "weir.log"), "w+")
        proc = subprocess.Popen([binary, "--config", path], stderr=log, stdout=subprocess.DEVNULL)
        deadline = time.time() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/readyz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                log.seek(0)
                proc.kill()
                proc.wait()
                raise RuntimeError(f"weir did not start:\n{log.read()}")
            time.sleep(0.02)
        proc.grpc_endpoint = f"127.0.0.1:{grpc_port}"
        proc.http_endpoint = f"http://127.0.0.1:{http_port}"
        proc.admin = f"http://127.0.0.1:{admin_port}"
        proc.admin_address = f"127.0.0.1:{admin_port}"
        proc.read_log = lambda: open(os.path.join(tmp, "weir.log")).read()
        try:
            yield proc
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            log.close()


@pytest.fixture
def weir(downstream):
    """weir with the memory limiter and the batch processor in every pipeline."""
    with running_weir(downstream) as proc:
        yield proc


def wait_for(predicate, timeout=15.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()
