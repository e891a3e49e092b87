// A flood of pipelined requests, and meanwhile a probe that times GET /number, as a health check
// would. Run as its own process; prints one JSON line.
//
//   node test/abuse/tools/flood-probe.mjs FLOOD_URL PROBE_URL [connections=100] [pipelined=100] [maxMs=20000]
//
// Each of `connections` sockets writes `pipelined` GETs of FLOOD_URL at once and reads until every
// answer has come (or maxMs). The probe sends one GET of PROBE_URL at a time, on a new connection,
// every 50 ms, until the flood ends. The flood runs in a child process, so that reading its answers
// never delays the probe's clock.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { clearTimeout, setTimeout } from 'node:timers';
import { URL } from 'node:url';

const floodOnly = process.argv[2] === '--flood-only';
const [floodUrl, probeUrl, connectionsArg = '100', pipelinedArg = '100', maxArg = '20000'] = process.argv.slice(
  floodOnly ? 3 : 2,
);
if (!floodUrl || !probeUrl) {
  process.stderr.write('usage: flood-probe.mjs FLOOD_URL PROBE_URL [connections] [pipelined] [maxMs]\n');
  process.exit(2);
}
const connections = Number(connectionsArg);
const pipelined = Number(pipelinedArg);
const maxMs = Number(maxArg);
const flood = new URL(floodUrl);
const PROBE_TIMEOUT_MS = 10_000;

function floodOne() {
  return new Promise((resolve) => {
    const socket = connect(Number(flood.port), flood.hostname);
    let answers = 0;
    let tail = '';
    const finish = () => {
      socket.destroy();
      resolve(answers);
    };
    const timer = setTimeout(finish, maxMs);
    socket.setEncoding('latin1');
    socket.on('connect', () => {
      const one = `GET ${flood.pathname} HTTP/1.1\r\nHost: ${flood.host}\r\n\r\n`;
      socket.write(one.repeat(pipelined));
    });
    socket.on('data', (chunk) => {
      // Status lines only start answers; the bodies (JSON, metrics text) never contain one.
      const text = tail + chunk;
      answers += text.split('HTTP/1.1 ').length - 1;
      tail = text.slice(-16);
      if (answers >= pipelined) {
        clearTimeout(timer);
        finish();
      }
    });
    socket.on('error', () => {
      clearTimeout(timer);
      finish();
    });
  });
}

function probeOnce() {
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const req = request(probeUrl, { agent: false, timeout: PROBE_TIMEOUT_MS }, (response) => {
      response.resume();
      response.on('end', () => resolve({ ms: performance.now() - sentAt, status: response.statusCode }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ ms: performance.now() - sentAt, status: 0 }));
    req.end();
  });
}

if (floodOnly) {
  const startedAt = performance.now();
  const answers = await Promise.all(Array.from({ length: connections }, floodOne));
  process.stdout.write(
    `${JSON.stringify({ floodAnswers: answers.reduce((sum, n) => sum + n, 0), floodMs: Math.round(performance.now() - startedAt) })}\n`,
  );
  process.exit(0);
}

const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--flood-only', ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
let childOutput = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => (childOutput += chunk));
const floodDone = new Promise((resolve) => child.once('exit', resolve));

let flooding = true;
const probes = [];
const probing = (async () => {
  while (flooding) {
    probes.push(await probeOnce());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();
await floodDone;
flooding = false;
await probing;
const { floodAnswers, floodMs } = JSON.parse(childOutput);

const latencies = probes.map((probe) => probe.ms).sort((a, b) => a - b);
const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
process.stdout.write(
  `${JSON.stringify({
    floodUrl,
    connections,
    pipelined,
    floodAnswers,
    floodMs,
    probes: probes.length,
    probeFailures: probes.filter((probe) => probe.status !== 200).length,
    probeP50Ms: Math.round(at(0.5)),
    probeP99Ms: Math.round(at(0.99)),
    probeMaxMs: Math.round(latencies.at(-1) ?? NaN),
  })}\n`,
);
