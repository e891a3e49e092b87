// npm run docs:check — the samples in README.md and docs/*.md must be what the programs print.
//
// A sample is a fenced block right after a marker comment:
//
//   <!-- docs-check: ID -->                      checked: ID names a kind below
//   <!-- docs-check: not-checked (REASON) -->    listed as not checked, with the reason
//
// and every fenced block without a language (output, by convention) must carry one of the two.
// The check runs the built services as real processes on loopback (ephemeral ports), in the
// situations the docs describe (a pair, an outage, a hostile producer, a refused and an unresolvable
// producer, JSON logs, debug level, `npm start` and Ctrl-C in a private network namespace), and
// collects every line they print. Then:
//
// - a "log" sample passes when each of its lines, normalised, is part of a line the programs printed;
// - a "transcript" sample (`$ command` lines followed by what they print) runs `node producer|consumer`
//   with the environment given and `curl` against the running pair, and compares the output;
// - every variable the services parse is in docs/configuration.md with the code's default, and
//   docker-compose.yml and .env.example pass each of the producer's and the consumer's.
//
// Normalised on both sides: timestamps, numbers, host names of instances, loopback and service
// addresses, DNS error codes. Words, punctuation, field names and their order are compared as they are.
// Needs `npm run build` first (the npm script does it). Exit 0: all samples match; 1: a sample does not.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { clearInterval, clearTimeout, setInterval, setTimeout } from 'node:timers';
import { setTimeout as sleep } from 'node:timers/promises';
import { URL, fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// Generous: on a loaded 2-core machine a node process can take seconds to start.
const START_MS = 30_000;
const DEADLINE_MS = 120_000;

/** What each checked sample is. Blocks whose id is missing here fail the check. */
const SAMPLES = {
  'npm-start': { kind: 'log', keepPrefix: true },
  'compose-up': { kind: 'log' },
  'swarm-logs': { kind: 'log' },
  outage: { kind: 'log' },
  'failure-lines': { kind: 'log' },
  'consumer-alone': { kind: 'log' },
  'hostile-lines': { kind: 'log' },
  'debug-lines': { kind: 'log' },
  'json-log': { kind: 'log' },
  'config-errors': { kind: 'transcript' },
  'http-answers': { kind: 'transcript' },
};

// ---------------------------------------------------------------------------------------------
// The samples

function docFiles() {
  const docs = readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs.sort()];
}

/** Every fenced block of a Markdown file, with the docs-check marker before it, if any. */
function blocksOf(file) {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks = [];
  let marker;
  for (let i = 0; i < lines.length; i++) {
    const markerMatch = /^\s*<!-- docs-check: (.+?) -->\s*$/.exec(lines[i]);
    if (markerMatch) {
      marker = { text: markerMatch[1], line: i + 1 };
      continue;
    }
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i]);
    if (!open) {
      if (lines[i].trim() !== '') marker = undefined;
      continue;
    }
    const [, indent, fence, lang] = open;
    const body = [];
    let j = i + 1;
    while (j < lines.length && !lines[j].startsWith(indent + fence)) body.push(lines[j++].slice(indent.length));
    blocks.push({ file, line: i + 1, lang: lang.trim(), marker, body });
    marker = undefined;
    i = j;
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Normalisation

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function normalise(text) {
  return text
    .replace(ANSI, '')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\bnode=v[\d.]+/g, 'node=<version>')
    .replace(/"node":"v[\d.]+"/g, '"node":"<version>"')
    .replace(/\b(producer|instance)=\S+/g, '$1=<host>')
    .replace(/"(producer|instance)":"[^"]*"/g, '"$1":"<host>"')
    .replace(/"(answersByInstance|failuresByKind)":\{[^}]*\}/g, '"$1":{…}')
    .replace(/\b(localhost|producer|127\.0\.0\.1|0\.0\.0\.0):\d+\b/g, '<address>')
    .replace(/\b(ENOTFOUND|EAI_AGAIN)\b/g, '<dns-error>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .trimEnd();
}

/** Docker's prefixes: `consumer-1  | ` (compose) and `fogpair_consumer.1.k3…@pi1 | ` (swarm). */
function withoutDockerPrefix(line) {
  return line.replace(/^[\w.-]+-\d+\s+\|\s/, '').replace(/^fogpair_\w+\.\d+\.\S+\s+\| /, '');
}

// ---------------------------------------------------------------------------------------------
// Running the services

const children = new Set();

class Service {
  constructor(name, args, env, options = {}) {
    this.name = name;
    this.lines = [];
    this.child = spawn(args[0], args.slice(1), {
      cwd: root,
      // No SIGTERM grace (docs/operations.md): the check stops many processes and need not wait.
      env: { ...process.env, NODE_ENV: 'production', SHUTDOWN_GRACE_MS: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached ?? false,
    });
    children.add(this.child);
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        children.delete(this.child);
        resolve({ code, signal });
      }),
    );
    for (const stream of [this.child.stdout, this.child.stderr]) {
      let rest = '';
      stream.on('data', (chunk) => {
        const parts = (rest + chunk.toString()).split('\n');
        rest = parts.pop();
        this.lines.push(...parts.map((line) => line.replace(ANSI, '')));
      });
      stream.on('end', () => rest && this.lines.push(rest.replace(ANSI, '')));
    }
  }

  /** Waits until `count` lines match `pattern`; returns the last of them. */
  async waitFor(pattern, { count = 1, timeoutMs = START_MS } = {}) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.filter((line) => pattern.test(line));
      if (found.length >= count) return found[count - 1];
      if (Date.now() > end) {
        throw new Error(
          `${this.name}: no line like ${pattern} within ${timeoutMs} ms; it printed:\n  ${this.lines.join('\n  ')}`,
        );
      }
      await sleep(25);
    }
  }

  /** Waits for a line matching `pattern` after the first `from` lines; returns how many lines it has seen. */
  async waitForAfter(from, pattern, timeoutMs = START_MS) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const index = this.lines.findIndex((line, i) => i >= from && pattern.test(line));
      if (index >= 0) return index + 1;
      if (Date.now() > end) {
        throw new Error(
          `${this.name}: no line like ${pattern} within ${timeoutMs} ms; it printed:\n  ${this.lines.join('\n  ')}`,
        );
      }
      await sleep(25);
    }
  }

  async port() {
    const line = await this.waitFor(/port[=":]+\d+/);
    return Number(/port[=":]+(\d+)/.exec(line)[1]);
  }

  async stop(signal = 'SIGTERM') {
    this.child.kill(signal);
    return this.exited;
  }
}

const node = (entry) => [process.execPath, entry];

async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function startPair(env = {}, consumerEnv = {}) {
  const producer = new Service('producer', node('producer'), { PORT: '0', HOST: '127.0.0.1', ...env });
  const port = await producer.port();
  const consumer = new Service('consumer', node('consumer'), {
    PRODUCER_URL: `http://127.0.0.1:${port}/number`,
    STATUS_PORT: '0',
    STATUS_HOST: '127.0.0.1',
    ...env,
    ...consumerEnv,
  });
  return { producer, consumer, port, statusPort: await consumer.port() };
}

// ---------------------------------------------------------------------------------------------
// The situations the docs describe. Each returns the lines the programs printed.

const scenarios = {
  /** A pair, a few polls, the HTTP answers, then Ctrl-C (SIGINT) to both. */
  async pair(context) {
    const { producer, consumer, port, statusPort } = await startPair({}, { POLL_INTERVAL_MS: '300' });
    await consumer.waitFor(/Received number/, { count: 3 });
    context.ports = { 5000: port, 8080: statusPort };
    await context.httpDone;
    await consumer.stop('SIGINT');
    await producer.stop('SIGINT');
    return [...producer.lines, ...consumer.lines];
  },

  async json() {
    const { producer, consumer } = await startPair({ LOG_FORMAT: 'json' }, { POLL_INTERVAL_MS: '300' });
    await consumer.waitFor(/Received number/, { count: 2 });
    await consumer.stop();
    await producer.stop();
    return [...producer.lines, ...consumer.lines];
  },

  /** `docker compose pause producer`, on loopback: SIGSTOP until the breaker opens, then SIGCONT. */
  async outage() {
    const { producer, consumer } = await startPair(
      {},
      { POLL_INTERVAL_MS: '200', REQUEST_TIMEOUT_MS: '100', BREAKER_FAILURE_THRESHOLD: '3' },
    );
    await consumer.waitFor(/Received number/);
    producer.child.kill('SIGSTOP');
    await consumer.waitFor(/Circuit breaker open/);
    await sleep(300);
    producer.child.kill('SIGCONT');
    await consumer.waitFor(/Producer is back/);
    await consumer.waitFor(/Received number/, { count: 2 });
    await consumer.stop();
    await producer.stop();
    return consumer.lines;
  },

  /** Nothing listens: refusals, at debug level (retries and the double line of a failed poll). */
  async refused() {
    const port = await freePort();
    const consumer = new Service('consumer', node('consumer'), {
      PRODUCER_URL: `http://127.0.0.1:${port}/number`,
      STATUS_PORT: '0',
      POLL_INTERVAL_MS: '1000',
      LOG_LEVEL: 'debug',
    });
    await consumer.waitFor(/debug consumer: Poll failed/, { count: 2 });
    await consumer.stop();
    return consumer.lines;
  },

  /** The consumer's default URL (`producer`, a Docker name) and a misspelt one, outside Docker. */
  async dns() {
    const runs = [{}, { PRODUCER_URL: 'http://producr:5000/number' }].map(async (env) => {
      const consumer = new Service('consumer', node('consumer'), { STATUS_PORT: '0', RETRY_MAX_ATTEMPTS: '1', ...env });
      await consumer.waitFor(/Poll failed/);
      await consumer.stop();
      return consumer.lines;
    });
    return (await Promise.all(runs)).flat();
  },

  /**
   * A producer that answers everything but the contract: each wrong answer until the consumer has
   * said what it is (so that a poll lost to a slow start on a busy machine does not shift the rest).
   */
  async hostile() {
    const stages = [
      [/Received number: 8\b/, (res) => json(res, '{"number":8}')],
      [/not JSON: "<!doctype/, (res) => html(res, '<!doctype html><html><body><h1>It works!</h1></body></html>')],
      [/not JSON: \(empty body\)/, (res) => res.writeHead(200).end()],
      [/received string/, (res) => json(res, '{"number":"42"}')],
      [/Too big/, (res) => json(res, '{"number":181}')],
      [/expected int/, (res) => json(res, '{"number":1.5}')],
      [/larger than/, (res) => json(res, 'x'.repeat(10 * 1024 * 1024))],
      [
        /no answer from/,
        (res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          const drip = setInterval(() => res.write(' '), 100).unref();
          res.on('close', () => clearInterval(drip));
        },
      ],
      [
        /was reset/,
        (res) => {
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
          res.write('{"numb', () => res.socket?.destroy());
        },
      ],
      [/HTTP 503/, (res) => res.writeHead(503).end()],
      [/not JSON: "<html><body>oops/, (res) => html(res, '<html><body>oops</body></html>')],
    ];
    let answer = stages[0][1];
    const server = createServer((req, res) => answer(res));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    const consumer = new Service('consumer', node('consumer'), {
      PRODUCER_URL: `http://127.0.0.1:${server.address().port}/number`,
      STATUS_PORT: '0',
      POLL_INTERVAL_MS: '500',
      REQUEST_TIMEOUT_MS: '300',
      RETRY_MAX_ATTEMPTS: '1',
      BREAKER_FAILURE_THRESHOLD: '1000',
    });
    let seen = 0;
    for (const [said, respond] of stages) {
      answer = respond;
      seen = await consumer.waitForAfter(seen, said);
    }
    await consumer.stop();
    server.closeAllConnections();
    server.close();
    return consumer.lines;
  },

  /** `npm start`, Ctrl-C to its process group, in a network namespace of its own (ports 5000, 8080). */
  async npmStart(context) {
    const probe = spawnSync('unshare', ['-rn', 'true']);
    if (probe.status !== 0) {
      context.notRun.push('npm-start: `unshare -rn` is not allowed here (no private network namespace)');
      return [];
    }
    const npm = new Service(
      'npm start',
      ['unshare', '-rn', 'sh', '-c', 'ip link set lo up && exec npm start'],
      {},
      { detached: true },
    );
    await npm.waitFor(/Received number/, { timeoutMs: 90_000 });
    process.kill(-npm.child.pid, 'SIGINT');
    const { code } = await npm.exited;
    if (code !== 0) context.problems.push(`npm start: Ctrl-C (SIGINT to its process group) exited ${code}, docs say 0`);
    return npm.lines.map((line) => `npm-start\t${line}`);
  },
};

function html(res, body) {
  res.writeHead(200, { 'content-type': 'text/html' }).end(body);
}

function json(res, body) {
  res.writeHead(200, { 'content-type': 'application/json', 'x-served-by': 'hostile' }).end(body);
}

// ---------------------------------------------------------------------------------------------
// Transcripts

function parseTranscript(body) {
  const steps = [];
  for (const line of body) {
    if (line.startsWith('$ ')) steps.push({ command: line.slice(2), expected: [] });
    else if (steps.length > 0 && line.trim() !== '') steps.at(-1).expected.push(line);
  }
  return steps;
}

/** `A=1 B=2 node consumer` → { env, entry }. */
function parseNodeCommand(command) {
  const words = command.split(/\s+/);
  const env = {};
  while (/^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift().split('=');
    env[name] = value.join('=');
  }
  if (words[0] !== 'node' || !['producer', 'consumer'].includes(words[1]) || words.length !== 2) return undefined;
  return { env, entry: words[1] };
}

async function runNodeCommand({ env, entry }) {
  const service = new Service(entry, node(entry), { PORT: '0', STATUS_PORT: '0', ...env });
  const timer = setTimeout(() => service.child.kill('SIGKILL'), 10_000);
  const { code } = await service.exited;
  clearTimeout(timer);
  return { code, lines: service.lines.filter((line) => line.trim() !== '') };
}

/** `curl -s [-X METHOD] localhost:PORT/path`, against the pair scenario's ports. */
async function runCurl(command, ports) {
  const match = /^curl -s(?: -X (\w+))? (?:http:\/\/)?localhost:(\d+)(\/\S*)$/.exec(command);
  if (!match) return undefined;
  const [, method = 'GET', documentedPort, path] = match;
  const port = ports[documentedPort];
  if (!port) throw new Error(`no running service for port ${documentedPort}`);
  const response = await globalThis.fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { lines: [await response.text()] };
}

async function checkTranscript(block, context) {
  const failures = [];
  for (const step of parseTranscript(block.body)) {
    const nodeCommand = parseNodeCommand(step.command);
    let result;
    try {
      result = nodeCommand ? await runNodeCommand(nodeCommand) : await runCurl(step.command, context.ports);
    } catch (error) {
      failures.push(`\`${step.command}\`: ${error.message}`);
      continue;
    }
    if (!result) {
      failures.push(
        `cannot run \`${step.command}\` (docs-check runs \`ENV=… node producer|consumer\` and \`curl -s\`)`,
      );
      continue;
    }
    const got = result.lines.map(normalise);
    const want = step.expected.map(normalise);
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      failures.push(
        `\`${step.command}\`\n    documented:\n      ${step.expected.join('\n      ')}\n    printed:\n      ${result.lines.join('\n      ')}`,
      );
    }
    if (nodeCommand && step.expected.some((line) => line.startsWith('Invalid configuration')) && result.code !== 78) {
      failures.push(`\`${step.command}\` exited ${result.code}; the docs say a configuration mistake exits 78`);
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------
// Logs

function checkLog(block, printed, options) {
  const failures = [];
  for (const raw of block.body) {
    const line = raw.trim();
    if (line === '' || line === '^C' || /^Container \S+\s+\w+$/.test(line)) continue;
    const documented = normalise(options.keepPrefix ? raw : withoutDockerPrefix(raw));
    const pool = options.keepPrefix ? printed.npmStart : printed.plain;
    if (!pool.some((candidate) => candidate.includes(documented))) {
      const words = new Set(documented.split(' '));
      const score = (candidate) => candidate.split(' ').filter((word) => words.has(word)).length;
      const near = [...pool].sort((a, b) => score(b) - score(a)).slice(0, 2);
      failures.push(
        `no program printed:\n      ${raw}` +
          (near.length ? `\n    nearest printed (normalised):\n      ${near.join('\n      ')}` : ''),
      );
    }
  }
  return failures;
}

// ---------------------------------------------------------------------------------------------
// Configuration: every variable the services parse is in docs/configuration.md with its default, and
// the Compose file and .env.example pass every one of the producer's and the consumer's.

const SCHEMAS = {
  producer: ['producer/src/config.ts'],
  consumer: ['consumer/src/config.ts'],
  autoscaler: ['autoscaler/src/config.ts'],
  shared: ['shared/src/config.ts', 'shared/src/http-server.ts'],
};
/** Addresses and ports inside the containers, which the compose file wires itself (configuration.md). */
const NOT_IN_COMPOSE = new Set(['PORT', 'HOST', 'STATUS_PORT', 'STATUS_HOST']);

function variablesOf(files) {
  const shared = createRequire(import.meta.url)(join(root, 'shared/dist/index.js'));
  const found = [];
  for (const file of files) {
    let text;
    try {
      text = readFileSync(join(root, file), 'utf8');
    } catch {
      continue;
    }
    for (const [, name, expression] of text.matchAll(/\b([A-Z][A-Z0-9_]+): envVar\.\w+\(\s*([^,)]+?)\s*[,)]/g)) {
      let value;
      if (expression === 'undefined') value = undefined;
      else if (/^[\d_.]+$/.test(expression)) value = expression.replaceAll('_', '');
      else if (/^'[^']*'$/.test(expression)) value = expression.slice(1, -1);
      else value = expression.split('.').reduce((object, key) => object?.[key], shared);
      found.push({ name, value: value === undefined ? undefined : String(value), expression, file });
    }
    // Variables built without envVar (their own zod schema): the name is checked, not the default.
    for (const [, name] of text.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}): (?!envVar)/gm)) {
      if (!found.some((variable) => variable.name === name))
        found.push({ name, value: undefined, expression: 'undefined', file });
    }
  }
  return found;
}

function checkConfiguration() {
  const problems = [];
  const page = readFileSync(join(root, 'docs/configuration.md'), 'utf8').split('\n');
  const compose = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  const envExample = readFileSync(join(root, '.env.example'), 'utf8');
  const composeService = (service) => {
    const start = compose.indexOf(`\n  ${service}:\n`);
    const end = compose.slice(start + 1).search(/\n {2}\w[\w-]*:\n/);
    return start < 0 ? '' : compose.slice(start, end < 0 ? undefined : start + 1 + end);
  };
  let count = 0;
  for (const [service, files] of Object.entries(SCHEMAS)) {
    for (const { name, value, expression, file } of variablesOf(files)) {
      count++;
      const rows = page.filter((line) => line.startsWith(`| \`${name}\``));
      if (rows.length === 0) problems.push(`${name} (${file}) is not in docs/configuration.md`);
      else if (value === undefined && expression !== 'undefined') {
        problems.push(`${name}: cannot read its default \`${expression}\` (${file}) to compare`);
      } else if (value !== undefined && !rows.some((row) => row.includes(`\`${value}\``))) {
        problems.push(`${name}: its default is ${value} (${file}); docs/configuration.md says: ${rows.join(' / ')}`);
      }
      const services = service === 'shared' ? ['producer', 'consumer'] : service === 'autoscaler' ? [] : [service];
      for (const name2 of services) {
        if (NOT_IN_COMPOSE.has(name)) continue;
        if (!new RegExp(`\\n\\s+${name}: `).test(composeService(name2))) {
          problems.push(`${name} is not passed to the ${name2} in docker-compose.yml`);
        }
      }
      if (services.length && !NOT_IN_COMPOSE.has(name) && !envExample.includes(`# ${name}=`)) {
        problems.push(`${name} is not listed in .env.example`);
      }
    }
  }
  return { count, problems };
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const started = Date.now();
  const blocks = docFiles().flatMap(blocksOf);
  const problems = [];
  const notChecked = [];
  const checked = [];
  for (const block of blocks) {
    const where = `${block.file}:${block.line}`;
    if (!block.marker) {
      if (block.lang === '') problems.push(`${where}: an output block without a <!-- docs-check: … --> marker`);
      continue;
    }
    const id = block.marker.text;
    if (id.startsWith('not-checked')) notChecked.push(`${where} ${id}`);
    else if (!SAMPLES[id])
      problems.push(`${where}: unknown docs-check id "${id}" (add it to SAMPLES in scripts/docs-check.mjs)`);
    else checked.push({ ...block, id, where, ...SAMPLES[id] });
  }

  let finishHttp;
  const context = { ports: {}, notRun: [], problems, httpDone: new Promise((resolve) => (finishHttp = resolve)) };
  const watchdog = setTimeout(() => {
    console.error(`docs-check: still running after ${DEADLINE_MS} ms; giving up`);
    for (const child of children) child.kill('SIGKILL');
    process.exit(1);
  }, DEADLINE_MS);

  const runs = Object.entries(scenarios).map(async ([name, run]) => {
    try {
      return { name, lines: await run(context) };
    } catch (error) {
      problems.push(`scenario ${name}: ${error.message}`);
      if (name === 'pair') context.pairFailed = true;
      return { name, lines: [] };
    }
  });

  // Transcripts need the pair's ports; they run while the pair is up.
  const transcriptFailures = (async () => {
    const pairReady = Date.now() + START_MS * 2;
    while (!context.ports[5000] && !context.pairFailed && Date.now() < pairReady) await sleep(50);
    const results = [];
    for (const block of checked.filter((sample) => sample.kind === 'transcript')) {
      results.push({ block, failures: await checkTranscript(block, context) });
    }
    finishHttp();
    return results;
  })();

  const outputs = await Promise.all(runs);
  const transcripts = await transcriptFailures;
  clearTimeout(watchdog);

  const printed = { plain: [], npmStart: [] };
  for (const { lines } of outputs) {
    for (const line of lines) {
      if (line.startsWith('npm-start\t')) printed.npmStart.push(normalise(line.slice('npm-start\t'.length)));
      else printed.plain.push(normalise(line));
    }
  }

  let failed = problems.length;
  const report = [];
  for (const block of checked) {
    if (block.id === 'npm-start' && context.notRun.length > 0) continue;
    const failures =
      block.kind === 'transcript'
        ? transcripts.find((result) => result.block === block).failures
        : checkLog(block, printed, block);
    if (failures.length) failed++;
    report.push(`${failures.length ? 'FAIL' : 'ok  '} ${block.id.padEnd(14)} ${block.where}`);
    for (const failure of failures) report.push(`     ${failure}`);
  }

  const configuration = checkConfiguration();
  if (configuration.problems.length) failed++;
  report.push(
    `${configuration.problems.length ? 'FAIL' : 'ok  '} configuration  ${configuration.count} variables: docs/configuration.md, docker-compose.yml, .env.example`,
  );
  for (const problem of configuration.problems) report.push(`     ${problem}`);

  console.log(report.join('\n'));
  for (const line of notChecked) console.log(`--   not checked: ${line}`);
  for (const line of context.notRun) console.log(`!!   NOT RUN: ${line}`);
  for (const problem of problems) console.log(`FAIL ${problem}`);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(
    `docs-check: ${checked.length} samples checked, ${failed} failed, ${notChecked.length} marked not checked (${seconds} s)`,
  );
  // Leftover sockets (the hostile producer's drip) must not keep the check alive.
  process.exit(failed > 0 ? 1 : 0);
}

process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

await main();
