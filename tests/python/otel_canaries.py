"""Plants canaries through the official OpenTelemetry Python SDK.

Used by tests/tests/python_sdk.rs, which makes the canaries (every kind the
scrubber knows, from planeguard's corpus generator) and passes them as a JSON
file: a list of {kind, value, bare, phrase, feature_key}. `phrase` is the
value inside the text a log line would give it, `bare` the value with just
the context its detector needs (`Bearer <token>`, a URL), `feature_key` the
attribute key of a feature value.

Each canary goes into every place an application puts data: span names,
attribute values (free-text keys and others), attribute keys, events,
recorded exceptions, links, status messages, log bodies formatted by Python's
logging and log attributes from `extra=`, metric data point attributes, and
feature keys. Resource and scope attributes, a structured log body through
the Logs API and `logging.exception` carry some of them too. All of it over
OTLP/gRPC and OTLP/HTTP (protobuf), each with and without gzip.

Prints one JSON object with the result of every export the SDK made; exits 1
if an export failed.
"""

import argparse
import json
import logging
import sys

import grpc
from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter as GrpcLogs
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import (
    OTLPMetricExporter as GrpcMetrics,
)
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcSpans
from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter as HttpLogs
from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
    OTLPMetricExporter as HttpMetrics,
)
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpSpans
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Link, Status, StatusCode

TRANSPORTS = ["grpc", "grpc+gzip", "http", "http+gzip"]


class Results:
    """Records every export the SDK makes (the SDK only logs failures)."""

    def __init__(self):
        self.exports = []

    def watch(self, exporter, signal, transport):
        original = exporter.export

        def export(*args, **kwargs):
            result = original(*args, **kwargs)
            self.exports.append([signal, transport, result.name])
            return result

        exporter.export = export
        return exporter


def exporters(transport, grpc_addr, http_url):
    if transport.startswith("grpc"):
        kw = {"endpoint": grpc_addr, "insecure": True}
        if transport.endswith("gzip"):
            kw["compression"] = grpc.Compression.Gzip
        return GrpcSpans(**kw), GrpcLogs(**kw), GrpcMetrics(**kw)
    kw = {}
    if transport.endswith("gzip"):
        kw["compression"] = HttpCompression.Gzip
    return (
        HttpSpans(endpoint=f"{http_url}/v1/traces", **kw),
        HttpLogs(endpoint=f"{http_url}/v1/logs", **kw),
        HttpMetrics(endpoint=f"{http_url}/v1/metrics", **kw),
    )


def attributes(c):
    """The attributes one canary travels in."""
    a = {
        "http.url": c["bare"],
        "note": c["phrase"],
        "detail": c["bare"],
        f"seen {c['bare']}": True,
    }
    if c["feature_key"]:
        a[c["feature_key"]] = c["value"]
    return a


def send(canaries, transport, results, grpc_addr, http_url):
    first = canaries[0]
    resource = Resource.create({"service.name": "py-canary", "deployment.owner": first["bare"]})
    span_exp, log_exp, metric_exp = exporters(transport, grpc_addr, http_url)

    tp = TracerProvider(resource=resource)
    tp.add_span_processor(BatchSpanProcessor(results.watch(span_exp, "traces", transport)))
    tracer = tp.get_tracer("canary.tracer", "1.0.0", attributes={"scope.owner": first["phrase"]})
    previous = None
    for c in canaries:
        links = [Link(previous, {"http.url": c["bare"]})] if previous else []
        with tracer.start_as_current_span(c["phrase"], links=links) as span:
            span.set_attributes(attributes(c))
            span.add_event(c["phrase"], {"exception.message": c["phrase"], "detail": c["bare"]})
            span.record_exception(ValueError(c["phrase"]))
            span.set_status(Status(StatusCode.ERROR, c["phrase"]))
            previous = span.get_span_context()
    tp.shutdown()

    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(BatchLogRecordProcessor(results.watch(log_exp, "logs", transport)))
    handler = LoggingHandler(level=logging.INFO, logger_provider=lp)
    log = logging.getLogger(f"canary.{transport}")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    for c in canaries:
        log.warning("request failed: %s", c["phrase"], extra=attributes(c))
    try:
        raise ValueError(first["phrase"])
    except ValueError:
        log.exception("charge failed")
    log.removeHandler(handler)
    # The Logs API directly: a structured body, nested attributes, an event name.
    lp.get_logger("canary.api").emit(
        body={"message": first["phrase"], "items": [c["phrase"] for c in canaries[:3]]},
        attributes={"request": {"http.url": first["bare"]}},
        event_name="user.signup",
    )
    lp.shutdown()

    reader = PeriodicExportingMetricReader(
        results.watch(metric_exp, "metrics", transport), export_interval_millis=3_600_000
    )
    mp = MeterProvider(resource=resource, metric_readers=[reader])
    meter = mp.get_meter("canary.meter")
    requests = meter.create_counter("requests")
    latency = meter.create_histogram("latency.ms")
    for c in canaries:
        requests.add(1, attributes(c))
        latency.record(12.5, {"http.route": c["bare"]})
    mp.force_flush()
    mp.shutdown()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grpc", required=True, help="host:port of the OTLP/gRPC listener")
    p.add_argument("--http", required=True, help="http://host:port of the OTLP/HTTP listener")
    p.add_argument("--canaries", required=True, help="JSON file of canaries to plant")
    a = p.parse_args()
    with open(a.canaries, encoding="utf-8") as f:
        canaries = json.load(f)
    results = Results()
    for transport in TRANSPORTS:
        send(canaries, transport, results, a.grpc, a.http)
    json.dump({"exports": results.exports}, sys.stdout)
    failed = [e for e in results.exports if e[2] != "SUCCESS"]
    return 1 if failed or not results.exports else 0


if __name__ == "__main__":
    sys.exit(main())
