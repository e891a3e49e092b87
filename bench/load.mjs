// The load generator, run as its own process (pinned to another core than the server) so that its
// CPU time never counts as the server's. Prints one JSON line: requests, errors, latency in µs.
// Usage: node bench/load.mjs '{"url":"http://127.0.0.1:5000/number","connections":50,"seconds":3,"newConnection":false}'
import { request } from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';
// Compiled by `npm run build`: the load tool's runner (autocannon), the one wrapper of it.
import { LIMITS } from '../tools/load/dist/args.js';
import { runLoad } from '../tools/load/dist/run-load.js';

const { url, connections, seconds, newConnection } = JSON.parse(process.argv[2]);

const result = newConnection ? await closeEachTime() : await keepAlive();
process.stdout.write(`${JSON.stringify(result)}\n`);

/** The load tool: `connections` keep-alive connections, each with one request in flight. */
async function keepAlive() {
  const summary = await runLoad({
    urls: [url],
    connections,
    durationSeconds: seconds,
    rate: undefined,
    maxRequests: LIMITS.requests.max,
    timeoutSeconds: LIMITS.timeoutSeconds.default,
    reconnectEvery: undefined,
    json: true,
  });
  const ok = Object.entries(summary.statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, count]) => sum + count, 0);
  const us = (ms) => (ms === undefined ? NaN : Math.max(1, Math.round(ms * 1000)));
  return {
    requests: summary.responses,
    errors: summary.errors,
    non2xx: summary.responses - ok,
    p50Us: us(summary.latencyMs?.p50),
    p99Us: us(summary.latencyMs?.p99),
  };
}

/**
 * A new TCP connection per request, as the consumer does (autocannon only keeps connections alive):
 * `connections` loops, each GET with `Connection: close` and no agent.
 */
async function closeEachTime() {
  const latencyUs = createHistogram();
  const deadline = performance.now() + seconds * 1000;
  let requests = 0;
  let errors = 0;
  let non2xx = 0;
  const loop = async () => {
    while (performance.now() < deadline) {
      const startedAt = performance.now();
      const status = await new Promise((resolve) => {
        const req = request(url, { agent: false, headers: { connection: 'close' } }, (response) => {
          response.resume();
          response.once('end', () => resolve(response.statusCode));
        });
        req.once('error', () => resolve(0));
        req.end();
      });
      if (status === 0) errors++;
      else if (status < 200 || status > 299) non2xx++;
      else {
        requests++;
        latencyUs.record(Math.max(1, Math.round((performance.now() - startedAt) * 1000)));
      }
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
  return {
    requests,
    errors,
    non2xx,
    p50Us: latencyUs.count ? latencyUs.percentile(50) : NaN,
    p99Us: latencyUs.count ? latencyUs.percentile(99) : NaN,
  };
}
