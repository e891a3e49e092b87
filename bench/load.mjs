// The load generator, run as its own process (pinned to another core than the server) so that its
// CPU time never counts as the server's. Prints one JSON line: requests, errors, latency in µs.
// Usage: node bench/load.mjs '{"url":"http://127.0.0.1:5000/number","connections":50,"seconds":3,"newConnection":false}'
import { request } from 'node:http';
import { createHistogram, performance } from 'node:perf_hooks';
import autocannon from 'autocannon';

const { url, connections, seconds, newConnection } = JSON.parse(process.argv[2]);
const latencyUs = createHistogram();

const result = newConnection ? await closeEachTime() : await keepAlive();
process.stdout.write(
  `${JSON.stringify({
    ...result,
    p50Us: latencyUs.count ? latencyUs.percentile(50) : NaN,
    p99Us: latencyUs.count ? latencyUs.percentile(99) : NaN,
  })}\n`,
);

/** autocannon: `connections` keep-alive connections, each with one request in flight. */
async function keepAlive() {
  const run = autocannon({ url, connections, duration: seconds, pipelining: 1 });
  run.on('response', (_client, _status, _bytes, responseTimeMs) => {
    latencyUs.record(Math.max(1, Math.round(responseTimeMs * 1000)));
  });
  const done = await run;
  return { requests: done.requests.total, errors: done.errors + done.timeouts, non2xx: done.non2xx };
}

/**
 * A new TCP connection per request, as the consumer does (autocannon only keeps connections alive):
 * `connections` loops, each GET with `Connection: close` and no agent.
 */
async function closeEachTime() {
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
  return { requests, errors, non2xx };
}
