// A bounded keep-alive load, run as its own process, from a client that honours `Connection: close`
// (Node's http.Agent: it never reuses a socket whose answer said close, and opens a new connection).
// Prints one JSON line when done: how many requests were answered, how many were lost and how.
//
//   node test/abuse/tools/keep-alive-load.mjs URL [connections=16] [durationMs=4000] [maxRequests=200000]
//
// It writes "answered" on stderr at its first answer, so that a caller knows the load is under way.
// A request is "lost" when it was sent and got no answer (reset, hang-up, timeout); a connection
// that is refused never carried a request, so it is counted apart (a client may retry it safely).
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout } from 'node:timers';

const [url, connectionsArg = '16', durationArg = '4000', maxArg = '200000'] = process.argv.slice(2);
if (!url) {
  process.stderr.write('usage: keep-alive-load.mjs URL [connections] [durationMs] [maxRequests]\n');
  process.exit(2);
}
const connections = Number(connectionsArg);
const durationMs = Number(durationArg);
const maxRequests = Number(maxArg);
const REQUEST_TIMEOUT_MS = 5000;

const agent = new Agent({ keepAlive: true, maxSockets: connections });
const startedAt = performance.now();
const result = {
  url,
  connections,
  durationMs,
  sent: 0,
  answered: 0,
  non2xx: 0,
  /** Answers with `Connection: close`, and when the first one came (ms after the start). */
  closeAnswers: 0,
  firstCloseAtMs: null,
  /** Requests sent and never answered, by error code. */
  lost: {},
  lostCount: 0,
  /** Connections refused before any request went out. */
  refused: 0,
  firstProblemAtMs: null,
  maxLatencyMs: 0,
  /** Which instances answered (X-Served-By), with counts: shows a rolling update moving traffic. */
  servedBy: {},
};

function once() {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const req = request(url, { agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
      response.resume();
      response.on('end', () => {
        result.answered += 1;
        if (result.answered === 1) process.stderr.write('answered\n');
        if (response.statusCode < 200 || response.statusCode >= 300) result.non2xx += 1;
        if (response.headers.connection === 'close') {
          result.closeAnswers += 1;
          result.firstCloseAtMs ??= Math.round(sentAt - startedAt);
        }
        const by = String(response.headers['x-served-by'] ?? '?');
        result.servedBy[by] = (result.servedBy[by] ?? 0) + 1;
        result.maxLatencyMs = Math.max(result.maxLatencyMs, Math.round(performance.now() - sentAt));
        resolve();
      });
      response.on('error', () => fail('ERESPONSE'));
    });
    const fail = (code) => {
      if (code === 'ECONNREFUSED') {
        result.refused += 1;
      } else {
        result.lost[code] = (result.lost[code] ?? 0) + 1;
        result.lostCount += 1;
      }
      result.firstProblemAtMs ??= Math.round(performance.now() - startedAt);
      resolve();
    };
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEOUT' })));
    req.on('error', (error) => fail(error.code ?? error.message));
    req.end();
  });
}

async function worker() {
  while (performance.now() - startedAt < durationMs && result.sent < maxRequests) {
    result.sent += 1;
    const refusedBefore = result.refused;
    await once();
    // Nothing listens: wait a little instead of spinning on refusals.
    if (result.refused > refusedBefore) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

await Promise.all(Array.from({ length: connections }, worker));
agent.destroy();
process.stdout.write(`${JSON.stringify(result)}\n`);
