import * as z from 'zod';
import {
  ConfigError,
  EXIT_CONFIG,
  commonEnv,
  envVar,
  formatProblem,
  loadConfigOrExit,
  parseEnv,
} from '@fogpair/shared';
import { problemLines } from '../../test/support/config-problems';

describe('envVar.integer', () => {
  const schema = z.object({ POLL_INTERVAL_MS: envVar.integer(3000, { min: 100, unit: 'milliseconds' }) });

  it('names the variable, what was expected and the value it got, on one line', () => {
    expect(problemLines(() => parseEnv(schema, { POLL_INTERVAL_MS: '3s' }))).toEqual([
      'Invalid configuration: POLL_INTERVAL_MS must be a whole number of milliseconds >= 100 (got "3s")',
    ]);
  });

  it.each(['3s', '99', '-100', '1.5', '1e3', '0x100', '100 ms'])('rejects %j', (raw) => {
    expect(problemLines(() => parseEnv(schema, { POLL_INTERVAL_MS: raw }))).toEqual([
      `Invalid configuration: POLL_INTERVAL_MS must be a whole number of milliseconds >= 100 (got ${JSON.stringify(raw)})`,
    ]);
  });

  it('accepts whole numbers at and above the minimum, ignoring surrounding blanks', () => {
    expect(parseEnv(schema, { POLL_INTERVAL_MS: '100' }).POLL_INTERVAL_MS).toBe(100);
    expect(parseEnv(schema, { POLL_INTERVAL_MS: ' 2500\n' }).POLL_INTERVAL_MS).toBe(2500);
  });

  it('says what the maximum is, on its own line, when a value is above it', () => {
    const bounded = z.object({
      N: envVar.integer(5, { min: 1, max: 10 }),
      TIMEOUT_MS: envVar.integer(5, { min: 1, max: 60_000, unit: 'milliseconds' }),
    });
    expect(problemLines(() => parseEnv(bounded, { N: '11', TIMEOUT_MS: '60001' }))).toEqual([
      'Invalid configuration: N must be at most 10 (got "11")',
      'Invalid configuration: TIMEOUT_MS must be at most 60000 milliseconds (got "60001")',
    ]);
    expect(problemLines(() => parseEnv(bounded, { N: '0' }))).toEqual([
      'Invalid configuration: N must be a whole number >= 1 (got "0")',
    ]);
    expect(parseEnv(bounded, { N: '10' }).N).toBe(10);
  });

  it('leaves an unset variable undefined when the fallback is undefined, for the service to derive', () => {
    const derived = z.object({ N: envVar.integer(undefined, { min: 1 }) });
    expect(parseEnv(derived, {}).N).toBeUndefined();
    expect(parseEnv(derived, { N: ' ' }).N).toBeUndefined();
    expect(parseEnv(derived, { N: '7' }).N).toBe(7);
  });

  it.each([undefined, '', '   '])('uses the default when the value is %j', (raw) => {
    expect(parseEnv(schema, { POLL_INTERVAL_MS: raw }).POLL_INTERVAL_MS).toBe(3000);
  });
});

describe('envVar.port', () => {
  const schema = z.object({ PORT: envVar.port(5000) });

  it.each(['http', '65536', '-1', '80.5', ' 8 0 '])('rejects %j', (raw) => {
    expect(problemLines(() => parseEnv(schema, { PORT: raw }))).toEqual([
      `Invalid configuration: PORT must be a TCP port number between 0 and 65535 (0 picks a free port) (got ${JSON.stringify(raw)})`,
    ]);
  });

  it.each([
    ['0', 0],
    ['65535', 65535],
    ['8080', 8080],
    ['', 5000],
  ])('reads %j as %d', (raw, port) => {
    expect(parseEnv(schema, { PORT: raw }).PORT).toBe(port);
  });
});

describe('envVar.decimal', () => {
  const schema = z.object({
    TOLERANCE: envVar.decimal(0.1, { min: 0, max: 0.9, expected: 'must be a fraction between 0 and 0.9' }),
  });

  it.each(['10%', '0.95', '-0.1', '1e-1', '.', '0,1'])('rejects %j in the words it was given', (raw) => {
    expect(problemLines(() => parseEnv(schema, { TOLERANCE: raw }))).toEqual([
      `Invalid configuration: TOLERANCE must be a fraction between 0 and 0.9 (got ${JSON.stringify(raw)})`,
    ]);
  });

  it.each([
    ['0', 0],
    ['.25', 0.25],
    ['0.9', 0.9],
    [' ', 0.1],
  ])('reads %j as %d', (raw, value) => {
    expect(parseEnv(schema, { TOLERANCE: raw }).TOLERANCE).toBe(value);
  });
});

describe('envVar.absolutePath', () => {
  const schema = z.object({ DOCKER_SOCKET: envVar.absolutePath('/var/run/docker.sock', 'a unix socket') });

  it('takes an absolute path and refuses a relative one, naming the default as the example', () => {
    expect(parseEnv(schema, {}).DOCKER_SOCKET).toBe('/var/run/docker.sock');
    expect(parseEnv(schema, { DOCKER_SOCKET: ' /run/user/1000/docker.sock ' }).DOCKER_SOCKET).toBe(
      '/run/user/1000/docker.sock',
    );
    expect(problemLines(() => parseEnv(schema, { DOCKER_SOCKET: 'docker.sock' }))).toEqual([
      'Invalid configuration: DOCKER_SOCKET must be an absolute path to a unix socket, e.g. /var/run/docker.sock (got "docker.sock")',
    ]);
  });
});

describe('envVar.prometheusDuration', () => {
  const schema = z.object({ RATE_WINDOW: envVar.prometheusDuration('1m') });

  it.each(['30s', '1m', '2m30s', '1h', '500ms', '1d12h'])('accepts %j', (raw) => {
    expect(parseEnv(schema, { RATE_WINDOW: raw }).RATE_WINDOW).toBe(raw);
  });

  it.each(['1 minute', '30', '1.5m', 's', '30s1m', '-1m'])('rejects %j', (raw) => {
    expect(problemLines(() => parseEnv(schema, { RATE_WINDOW: raw }))).toEqual([
      `Invalid configuration: RATE_WINDOW must be a Prometheus duration such as 30s, 1m or 2m30s (got ${JSON.stringify(raw)})`,
    ]);
  });
});

describe('envVar.oneOf', () => {
  const schema = z.object({ LOG_LEVEL: envVar.oneOf('info', ['error', 'warn', 'info', 'debug'] as const) });

  it('lists the allowed values', () => {
    expect(problemLines(() => parseEnv(schema, { LOG_LEVEL: 'verbose' }))).toEqual([
      'Invalid configuration: LOG_LEVEL must be one of error, warn, info, debug (got "verbose")',
    ]);
  });

  it('is case-insensitive and returns the canonical spelling', () => {
    expect(parseEnv(schema, { LOG_LEVEL: 'DEBUG' }).LOG_LEVEL).toBe('debug');
  });
});

describe('envVar.httpUrl', () => {
  const schema = z.object({ URL_VAR: envVar.httpUrl('http://producer:5000/number') });

  it.each(['producer:5000', 'ftp://producer/number', 'not a url', 'http://', '/number'])('rejects %j', (raw) => {
    expect(problemLines(() => parseEnv(schema, { URL_VAR: raw }))).toEqual([
      `Invalid configuration: URL_VAR must be an http:// or https:// URL, e.g. http://producer:5000/number (got ${JSON.stringify(raw)})`,
    ]);
  });

  it('accepts http and https URLs in their normalised form', () => {
    expect(parseEnv(schema, { URL_VAR: 'HTTP://Producer:5000/number' }).URL_VAR).toBe('http://producer:5000/number');
    expect(parseEnv(schema, { URL_VAR: 'https://example.test/n' }).URL_VAR).toBe('https://example.test/n');
    expect(parseEnv(schema, {}).URL_VAR).toBe('http://producer:5000/number');
  });
});

describe('envVar.host', () => {
  const schema = z.object({ HOST: envVar.host('0.0.0.0') });

  it.each(['my host', 'http://0.0.0.0', 'host;rm'])('rejects %j', (raw) => {
    expect(problemLines(() => parseEnv(schema, { HOST: raw }))).toEqual([
      `Invalid configuration: HOST must be a host name or IP address to listen on, e.g. 0.0.0.0 (got ${JSON.stringify(raw)})`,
    ]);
  });

  it.each(['127.0.0.1', '::', '::1', 'localhost', 'my-pi.local'])('accepts %j', (raw) => {
    expect(parseEnv(schema, { HOST: raw }).HOST).toBe(raw);
  });
});

describe('parseEnv', () => {
  const schema = z.object({
    PORT: envVar.port(5000),
    ...commonEnv,
  });

  it('reports every problem at once, one line each, in the order of the schema', () => {
    const lines = problemLines(() => parseEnv(schema, { LOG_FORMAT: 'xml', PORT: '99999', LOG_LEVEL: 'loud' }));
    expect(lines).toEqual([
      'Invalid configuration: PORT must be a TCP port number between 0 and 65535 (0 picks a free port) (got "99999")',
      'Invalid configuration: LOG_LEVEL must be one of error, warn, info, debug (got "loud")',
      'Invalid configuration: LOG_FORMAT must be one of pretty, json (got "xml")',
    ]);
  });

  it('exposes the problems as data as well as text', () => {
    try {
      parseEnv(schema, { PORT: 'x' });
      throw new Error('not rejected');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        { variable: 'PORT', value: 'x', expected: expect.stringContaining('TCP port') as unknown },
      ]);
    }
  });
});

describe('formatProblem', () => {
  it('says when a variable is not set rather than printing undefined', () => {
    expect(formatProblem({ variable: 'X', value: undefined, expected: 'must be set' })).toBe(
      'Invalid configuration: X must be set (it is not set)',
    );
  });
});

describe('loadConfigOrExit', () => {
  afterEach(() => jest.restoreAllMocks());

  it('prints one line per problem to stderr and exits with EX_CONFIG (78)', () => {
    const written: string[] = [];
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    const exit = jest.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    const schema = z.object({ PORT: envVar.port(5000), ...commonEnv });

    expect(() => loadConfigOrExit((env) => parseEnv(schema, env), { PORT: 'abc', LOG_LEVEL: 'x' })).toThrow('exit 78');
    expect(exit).toHaveBeenCalledWith(EXIT_CONFIG);
    expect(written.join('')).toBe(
      'Invalid configuration: PORT must be a TCP port number between 0 and 65535 (0 picks a free port) (got "abc")\n' +
        'Invalid configuration: LOG_LEVEL must be one of error, warn, info, debug (got "x")\n',
    );
  });

  it('returns the parsed configuration when it is valid', () => {
    const schema = z.object({ PORT: envVar.port(5000) });
    expect(loadConfigOrExit((env) => parseEnv(schema, env), { PORT: '7000' })).toEqual({ PORT: 7000 });
  });

  it('lets a programming error through instead of disguising it as a configuration problem', () => {
    const bug = new TypeError('bug');
    expect(() =>
      loadConfigOrExit(() => {
        throw bug;
      }, {}),
    ).toThrow(bug);
  });
});
