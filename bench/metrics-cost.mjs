// What the producer's metrics cost per request: the load tool against a bare node:http server, the
// producer app without metrics, and with them, one after the other on loopback, in one process.
// Prints requests/s and the ratios. `npm run build` first. Bounded: 3 runs of DURATION seconds.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { LIMITS } = require('../tools/load/dist/args.js');
const { runLoad } = require('../tools/load/dist/run-load.js');
const { createApp } = require('../producer/dist/app.js');
const { createProducerMetrics } = require('../producer/dist/metrics.js');
const { Registry } = require('prom-client');

const DURATION = Number(process.env.BENCH_SECONDS ?? 5);
const quiet = { error() {}, warn() {}, info() {}, debug() {}, isLevelEnabled: () => false };
const appOptions = { random: () => 42, logger: quiet, instance: 'bench', isReady: () => true };

const targets = {
  'bare node:http': (request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"number":42}');
  },
  'createApp without metrics': createApp(appOptions),
  'createApp with metrics': createApp({ ...appOptions, metrics: createProducerMetrics(new Registry()) }),
};

const results = {};
for (const [name, handler] of Object.entries(targets)) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  const result = await runLoad({
    urls: [`http://127.0.0.1:${port}/number`],
    connections: 10,
    durationSeconds: DURATION,
    rate: undefined,
    maxRequests: LIMITS.requests.max,
    timeoutSeconds: LIMITS.timeoutSeconds.default,
    reconnectEvery: undefined,
    json: true,
  });
  results[name] = {
    requestsPerSecond: Math.round(result.requestsPerSecond),
    p99Ms: result.latencyMs?.p99,
    errors: result.errors,
  };
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}
const bare = results['bare node:http'].requestsPerSecond;
const without = results['createApp without metrics'].requestsPerSecond;
const withMetrics = results['createApp with metrics'].requestsPerSecond;
console.table(results);
console.log(
  JSON.stringify({
    withoutMetricsVsBare: +(without / bare).toFixed(3),
    withMetricsVsBare: +(withMetrics / bare).toFixed(3),
    metricsCostPercent: +((1 - withMetrics / without) * 100).toFixed(1),
    metricsCostMicrosecondsPerRequest: +(1e6 / withMetrics - 1e6 / without).toFixed(1),
  }),
);
