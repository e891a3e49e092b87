import { parseArgs } from 'node:util';

/** What `npm run load` was asked to do, checked and within the hard caps. */
export interface LoadOptions {
  readonly urls: readonly string[];
  /** Open connections in total, shared out over the URLs (each keeps one request in flight). */
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second in total over all URLs; undefined: as fast as the targets answer. */
  readonly rate: number | undefined;
  /** Stop after this many requests in total, whichever comes first with the duration. */
  readonly maxRequests: number;
  readonly timeoutSeconds: number;
  /** Close and reopen each connection after this many requests, so that new replicas get traffic. */
  readonly reconnectEvery: number | undefined;
  readonly json: boolean;
}

/** The bounds no command line can lift: a load run always ends, and its memory stays small. */
export const LIMITS = {
  connections: { min: 1, max: 1000, default: 10 },
  durationSeconds: { min: 1, max: 600, default: 10 },
  rate: { min: 1, max: 100_000 },
  requests: { min: 1, max: 5_000_000 },
  timeoutSeconds: { min: 1, max: 60, default: 10 },
  reconnectEvery: { min: 1, max: 1_000_000 },
} as const;

export const USAGE = `Usage: npm run load -- <url> [<url>...] [options]

Sends GET requests to one or more URLs for a bounded time and prints what happened:
requests, req/s, latency p50/p90/p99/max, status codes and errors by kind.

  --connections N      open connections in total, shared over the URLs   default ${LIMITS.connections.default}, at most ${LIMITS.connections.max}
  --duration S         seconds to run                                   default ${LIMITS.durationSeconds.default}, at most ${LIMITS.durationSeconds.max}
  --rate R             requests per second in total (default: as fast as answered), at most ${LIMITS.rate.max}
  --requests N         stop after N requests in total                   at most ${LIMITS.requests.max} (also the cap without it)
  --timeout S          seconds before a request counts as timed out     default ${LIMITS.timeoutSeconds.default}
  --reconnect-every N  reopen each connection after N requests, so that replicas added during the
                       run get traffic too (the routing mesh balances connections, not requests)
  --json               print the summary as one JSON object on stdout (progress stays on stderr)
  -h, --help           this text

Examples:
  npm run load -- http://pi1:5000/number --connections 20 --duration 30
  npm run load -- http://10.0.0.11:5000/number http://10.0.0.12:5000/number --rate 300 --duration 60`;

/** A command line that cannot run; the message says which flag, which value, and what was expected. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type ParsedCommand = { help: true } | { help: false; options: LoadOptions };

export function parseLoadArgs(argv: readonly string[]): ParsedCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        connections: { type: 'string' },
        duration: { type: 'string' },
        rate: { type: 'string' },
        requests: { type: 'string' },
        timeout: { type: 'string' },
        'reconnect-every': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    // parseArgs names the option already ("Unknown option '--conections'"); add what exists.
    throw new UsageError(
      `${(error as Error).message}. Options: --connections, --duration, --rate, --requests, --timeout, --reconnect-every, --json, --help`,
    );
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };

  if (positionals.length === 0)
    throw new UsageError('no URL given: expected at least one http:// or https:// URL to load');
  const urls = positionals.map(parseTargetUrl);
  if (new Set(urls).size !== urls.length) throw new UsageError(`the same URL is given twice: ${urls.join(' ')}`);

  const connections = integerFlag('connections', values.connections, LIMITS.connections) ?? LIMITS.connections.default;
  if (connections < urls.length) {
    throw new UsageError(
      `--connections ${connections} is fewer than the ${urls.length} URLs: expected at least one connection per URL`,
    );
  }
  const rate = integerFlag('rate', values.rate, LIMITS.rate);
  if (rate !== undefined && rate < urls.length) {
    throw new UsageError(`--rate ${rate} is lower than the ${urls.length} URLs: expected at least 1 request/s per URL`);
  }
  const requests = integerFlag('requests', values.requests, LIMITS.requests);
  if (requests !== undefined && requests < connections) {
    throw new UsageError(
      `--requests ${requests} is fewer than --connections ${connections}: expected at least one request per connection`,
    );
  }
  return {
    help: false,
    options: {
      urls,
      connections,
      durationSeconds:
        integerFlag('duration', values.duration, LIMITS.durationSeconds) ?? LIMITS.durationSeconds.default,
      rate,
      maxRequests: requests ?? LIMITS.requests.max,
      timeoutSeconds: integerFlag('timeout', values.timeout, LIMITS.timeoutSeconds) ?? LIMITS.timeoutSeconds.default,
      reconnectEvery: integerFlag('reconnect-every', values['reconnect-every'], LIMITS.reconnectEvery),
      json: values.json,
    },
  };
}

function parseTargetUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`URL '${text}' is not a URL: expected e.g. http://pi1:5000/number`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`URL '${text}' uses ${url.protocol}: expected http:// or https://`);
  }
  return url.href;
}

function integerFlag(name: string, text: string | undefined, range: { min: number; max: number }): number | undefined {
  if (text === undefined) return undefined;
  const expected = `expected a whole number from ${range.min} to ${range.max}`;
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`--${name} '${text}' is not a whole number: ${expected}`);
  const value = Number(text);
  if (value < range.min || value > range.max) throw new UsageError(`--${name} ${value} is out of range: ${expected}`);
  return value;
}
