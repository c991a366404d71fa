"""Sends canary PII through the official OpenTelemetry Python SDK.

Used by tests/tests/python_sdk.rs: planeguard listens for OTLP, and this
script exports logs, traces and metrics carrying freshly made canaries (each
value unique to the run) in every place an application puts data: resource
attributes, span names, attributes (strings and lists), events, links, status
messages, log bodies formatted by Python's logging, log attributes from
`extra=`, and metric data point attributes. It does so over OTLP/gRPC and
OTLP/HTTP (protobuf), each with and without gzip.

Prints one JSON object: the canaries by kind, and the result of every export
the SDK made. Exits 1 if an export failed.
"""

import argparse
import base64
import json
import logging
import random
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
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Link, Status, StatusCode


def luhn_complete(digits):
    """`digits` plus the Luhn check digit."""
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d)
        if i % 2 == 0:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return digits + str((10 - total % 10) % 10)


def iban_de(rng):
    """A German IBAN with a valid mod-97 check."""
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    # Country letters as numbers (D=13, E=14) and "00" moved behind the BBAN.
    check = 98 - int(bban + "131400") % 97
    return f"DE{check:02d}{bban}"


def b64url(raw):
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def make_canaries(seed):
    rng = random.Random(seed)
    tag = "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(8))
    card = luhn_complete("4" + "".join(rng.choice("0123456789") for _ in range(14)))
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    claims = b64url(json.dumps({"sub": f"user-{tag}", "iat": rng.randrange(10**9, 2 * 10**9)}).encode())
    signature = b64url(bytes(rng.randrange(256) for _ in range(32)))
    return {
        "email": f"{tag}.doe@example-{tag[:3]}.com",
        "phone_nanp": f"+1-415-555-{rng.randrange(1000, 10000)}",
        "phone_intl": f"+44 20 7946 {rng.randrange(1000, 10000)}",
        "ssn": f"{rng.randrange(100, 666)}-{rng.randrange(10, 100)}-{rng.randrange(1000, 10000)}",
        "card": " ".join(card[i : i + 4] for i in range(0, 16, 4)),
        "ipv4": f"203.0.113.{rng.randrange(1, 255)}",
        "ipv6": f"2001:db8:{rng.randrange(0x1000, 0x10000):x}::{rng.randrange(0x1000, 0x10000):x}",
        "iban": iban_de(rng),
        "jwt": f"{header}.{claims}.{signature}",
        "aws_key_id": "AKIA" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") for _ in range(16)),
        "bearer": "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40)),
        "feature": f"segment-{tag}-{rng.randrange(10**6)}",
        # Numbers that only a label in the same text names.
        "ssn_labelled": f"{rng.randrange(100, 666)}{rng.randrange(10, 100)}{rng.randrange(1000, 10000)}",
        "phone_spaced": f"212 555 {rng.randrange(1000, 10000)}",
    }


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


def send(c, transport, results, grpc_addr, http_url):
    resource = Resource.create(
        {
            "service.name": "py-canary",
            "deployment.owner": c["email"],
            "host.ip": c["ipv4"],
        }
    )
    if transport.startswith("grpc"):
        kw = {"endpoint": grpc_addr, "insecure": True}
        if transport.endswith("gzip"):
            kw["compression"] = grpc.Compression.Gzip
        spans, logs, metrics = GrpcSpans(**kw), GrpcLogs(**kw), GrpcMetrics(**kw)
    else:
        kw = {}
        if transport.endswith("gzip"):
            kw["compression"] = HttpCompression.Gzip
        spans = HttpSpans(endpoint=f"{http_url}/v1/traces", **kw)
        logs = HttpLogs(endpoint=f"{http_url}/v1/logs", **kw)
        metrics = HttpMetrics(endpoint=f"{http_url}/v1/metrics", **kw)

    tp = TracerProvider(resource=resource)
    tp.add_span_processor(SimpleSpanProcessor(results.watch(spans, "traces", transport)))
    tracer = tp.get_tracer("canary.tracer", "1.0.0", attributes={"scope.owner": c["email"]})
    with tracer.start_as_current_span(f"charge card {c['card']}") as parent:
        parent.set_attribute("user.email", c["email"])
        parent.set_attribute("http.url", f"https://api.example.com/users/{c['email']}?ssn={c['ssn']}")
        parent.set_attribute("net.peer.ip", c["ipv6"])
        parent.set_attribute("contact.numbers", [c["phone_nanp"], c["phone_intl"]])
        parent.set_attribute("user.segment", c["feature"])
        # PII in an attribute key, not its value.
        parent.set_attribute(f"cache.hit.{c['email']}", True)
        parent.add_event("login", {"auth.header": f"Bearer {c['bearer']}", "session": c["jwt"]})
        parent.set_status(Status(StatusCode.ERROR, f"card {c['card']} declined for {c['email']}"))
        parent.record_exception(ValueError(f"lookup failed for {c['email']} at {c['ipv4']}"))
        link = Link(parent.get_span_context(), {"peer.iban": c["iban"]})
        with tracer.start_as_current_span("settle", links=[link]) as child:
            child.set_attribute("aws.access_key_id", c["aws_key_id"])
            child.set_attribute("note", f"wire to {c['iban']} called {c['phone_nanp']}")
    tp.shutdown()

    lp = LoggerProvider(resource=resource)
    lp.add_log_record_processor(SimpleLogRecordProcessor(results.watch(logs, "logs", transport)))
    handler = LoggingHandler(level=logging.INFO, logger_provider=lp)
    log = logging.getLogger(f"canary.{transport}")
    log.propagate = False
    log.setLevel(logging.INFO)
    log.addHandler(handler)
    log.warning(
        "payment failed for %s card %s iban %s from %s",
        c["email"],
        c["card"],
        c["iban"],
        c["ipv4"],
        extra={"user.ssn": c["ssn"], "auth.token": c["jwt"], "user.segment": c["feature"]},
    )
    log.info("callback requested: call %s or %s", c["phone_nanp"], c["phone_intl"])
    log.info("identity check ssn=%s, callback %s", c["ssn_labelled"], c["phone_spaced"])
    try:
        raise ValueError(f"card {c['card']} rejected for {c['email']}")
    except ValueError:
        log.exception("charge failed")
    log.removeHandler(handler)
    # The Logs API directly: a structured body, nested attributes, an event name.
    lp.get_logger("canary.api").emit(
        body={"user": {"email": c["email"], "cards": [c["card"]]}, "note": f"ssn {c['ssn']}"},
        attributes={"request": {"client": c["ipv6"], "iban": c["iban"]}},
        event_name="user.signup",
    )
    lp.shutdown()

    reader = PeriodicExportingMetricReader(
        results.watch(metrics, "metrics", transport), export_interval_millis=3_600_000
    )
    mp = MeterProvider(resource=resource, metric_readers=[reader])
    meter = mp.get_meter("canary.meter")
    meter.create_counter("payments").add(
        1, {"customer.email": c["email"], "customer.phone": c["phone_intl"], f"seen.{c['ipv4']}": 1}
    )
    meter.create_histogram("lookup.ms").record(12.5, {"client.ip": c["ipv4"], "card": c["card"]})
    meter.create_up_down_counter("sessions").add(1, {"user.segment": c["feature"]})
    mp.force_flush()
    mp.shutdown()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--grpc", required=True, help="host:port of the OTLP/gRPC listener")
    p.add_argument("--http", required=True, help="http://host:port of the OTLP/HTTP listener")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    c = make_canaries(a.seed)
    results = Results()
    for transport in ["grpc", "grpc+gzip", "http", "http+gzip"]:
        send(c, transport, results, a.grpc, a.http)
    json.dump({"canaries": c, "exports": results.exports}, sys.stdout)
    failed = [e for e in results.exports if e[2] != "SUCCESS"]
    return 1 if failed or not results.exports else 0


if __name__ == "__main__":
    sys.exit(main())
