// Plants canaries through the official OpenTelemetry JavaScript SDK and its
// three OTLP exporters: OTLP/HTTP with JSON (the JSON transport as a real SDK
// encodes it: hex ids, nanosecond times as strings, typed AnyValues), OTLP/HTTP
// with protobuf (protobufjs), and OTLP/gRPC (grpc-js, another HTTP/2 stack).
//
// Used by tests/tests/js_sdk.rs, which makes the canaries (every kind the
// scrubber knows, from planeguard's corpus generator) and passes them as a
// JSON file: a list of {kind, value, bare, phrase, feature_key}, as for
// tests/python/otel_canaries.py. Each canary goes into span names, attribute
// values and keys, events, recorded exceptions, links, status messages, log
// bodies (strings and structured), log attributes, metric data point
// attributes and feature keys; resource and scope attributes carry some.
//
// usage: node otel_canaries.js --grpc http://HOST:PORT --http http://HOST:PORT --canaries FILE
// Prints {"exports": [[signal, transport, result], ...]}; exits 1 if an
// export failed.

'use strict';

const fs = require('fs');
const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const otlp = {
  'http/json': {
    traces: require('@opentelemetry/exporter-trace-otlp-http').OTLPTraceExporter,
    logs: require('@opentelemetry/exporter-logs-otlp-http').OTLPLogExporter,
    metrics: require('@opentelemetry/exporter-metrics-otlp-http').OTLPMetricExporter,
  },
  'http/protobuf': {
    traces: require('@opentelemetry/exporter-trace-otlp-proto').OTLPTraceExporter,
    logs: require('@opentelemetry/exporter-logs-otlp-proto').OTLPLogExporter,
    metrics: require('@opentelemetry/exporter-metrics-otlp-proto').OTLPMetricExporter,
  },
  grpc: {
    traces: require('@opentelemetry/exporter-trace-otlp-grpc').OTLPTraceExporter,
    logs: require('@opentelemetry/exporter-logs-otlp-grpc').OTLPLogExporter,
    metrics: require('@opentelemetry/exporter-metrics-otlp-grpc').OTLPMetricExporter,
  },
};
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { resourceFromAttributes } = require('@opentelemetry/resources');

const TRANSPORTS = ['http/json', 'http/json+gzip', 'http/protobuf', 'grpc', 'grpc+gzip'];
const SUCCESS = 0; // ExportResultCode.SUCCESS

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i + 1 < argv.length; i += 2) {
    out[argv[i].replace(/^--/, '')] = argv[i + 1];
  }
  if (!out.grpc || !out.http || !out.canaries) {
    throw new Error('usage: node otel_canaries.js --grpc http://HOST:PORT --http http://HOST:PORT --canaries FILE');
  }
  return out;
}

/** Records every export's result (the SDK only logs failures). */
function watch(results, exporter, signal, transport) {
  const original = exporter.export.bind(exporter);
  exporter.export = (items, done) =>
    original(items, (result) => {
      results.push([signal, transport, result.code === SUCCESS ? 'SUCCESS' : `FAILURE ${result.error}`]);
      done(result);
    });
  return exporter;
}

/** The attributes one canary travels in. */
function attributes(c) {
  const a = { 'http.url': c.bare, note: c.phrase, detail: c.bare };
  a[`seen ${c.bare}`] = true;
  if (c.feature_key) {
    a[c.feature_key] = c.value;
  }
  return a;
}

async function send(canaries, transport, a, results) {
  const kind = transport.replace('+gzip', '');
  const exporter = (signal, path) =>
    watch(
      results,
      new otlp[kind][signal]({
        // gRPC exporters take the server's URL; HTTP ones the signal's path.
        url: kind === 'grpc' ? a.grpc : `${a.http}${path}`,
        compression: transport.endsWith('gzip') ? 'gzip' : 'none',
      }),
      signal,
      transport,
    );
  const first = canaries[0];
  const resource = resourceFromAttributes({ 'service.name': 'js-canary', 'deployment.owner': first.bare });

  const tp = new BasicTracerProvider({
    resource,
    spanProcessors: [new BatchSpanProcessor(exporter('traces', '/v1/traces'))],
  });
  const tracer = tp.getTracer('canary.tracer', '1.0.0');
  let previous;
  for (const c of canaries) {
    const links = previous ? [{ context: previous, attributes: { 'http.url': c.bare } }] : [];
    const span = tracer.startSpan(c.phrase, { attributes: attributes(c), links });
    span.addEvent(c.phrase, { 'exception.message': c.phrase, detail: c.bare });
    span.recordException(new Error(c.phrase));
    span.setStatus({ code: 2, message: c.phrase });
    span.end();
    previous = span.spanContext();
  }
  await tp.forceFlush();
  await tp.shutdown();

  const lp = new LoggerProvider({
    resource,
    processors: [new BatchLogRecordProcessor({ exporter: exporter('logs', '/v1/logs') })],
  });
  const logger = lp.getLogger('canary.logger', '1.0.0');
  for (const c of canaries) {
    logger.emit({ severityNumber: 13, severityText: 'WARN', body: `request failed: ${c.phrase}`, attributes: attributes(c) });
  }
  logger.emit({
    severityNumber: 17,
    body: { message: first.phrase, items: canaries.slice(0, 3).map((c) => c.phrase) },
    attributes: { request: { 'http.url': first.bare } },
    eventName: 'user.signup',
  });
  logger.emit({ severityNumber: 17, body: `charge failed`, attributes: { 'exception.message': first.phrase } });
  await lp.forceFlush();
  await lp.shutdown();

  const reader = new PeriodicExportingMetricReader({
    exporter: exporter('metrics', '/v1/metrics'),
    exportIntervalMillis: 3600000,
  });
  const mp = new MeterProvider({ resource, readers: [reader] });
  const meter = mp.getMeter('canary.meter');
  const requests = meter.createCounter('requests');
  const latency = meter.createHistogram('latency.ms');
  for (const c of canaries) {
    requests.add(1, attributes(c));
    latency.record(12.5, { 'http.route': c.bare });
  }
  await mp.forceFlush();
  await mp.shutdown();
}

(async () => {
  const a = args();
  const canaries = JSON.parse(fs.readFileSync(a.canaries, 'utf8'));
  const results = [];
  for (const transport of TRANSPORTS) {
    await send(canaries, transport, a, results);
  }
  process.stdout.write(JSON.stringify({ exports: results }));
  const failed = results.filter((r) => r[2] !== 'SUCCESS');
  process.exitCode = failed.length > 0 || results.length === 0 ? 1 : 0;
})().catch((e) => {
  process.stdout.write(JSON.stringify({ exports: [], error: String(e && e.stack ? e.stack : e) }));
  process.exitCode = 1;
});
