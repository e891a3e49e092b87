import { problemLines } from '../../test/support/config-problems';
import { parseProducerConfig } from '../src/config';

const PORT_EXPECTED = 'must be a TCP port number between 0 and 65535 (0 picks a free port)';
const HOST_EXPECTED = 'must be a host name or IP address to listen on, e.g. 0.0.0.0';

describe('parseProducerConfig', () => {
  it('works without any variable set, with the documented defaults', () => {
    expect(parseProducerConfig({})).toEqual({
      port: 5000,
      host: '0.0.0.0',
      logLevel: 'info',
      logFormat: 'pretty',
      shutdownGraceMs: 3000,
      shutdownTimeoutMs: 5000,
      http: { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000, maxConnections: 512 },
    });
  });

  it('treats blank values as unset, so compose files can pass ${VAR:-} through', () => {
    const blank = {
      PORT: '',
      HOST: ' ',
      LOG_LEVEL: '',
      LOG_FORMAT: '\t',
      SHUTDOWN_GRACE_MS: '',
      SHUTDOWN_TIMEOUT_MS: '',
      HTTP_HEADERS_TIMEOUT_MS: ' ',
      HTTP_REQUEST_TIMEOUT_MS: '',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '',
      HTTP_MAX_CONNECTIONS: '',
    };
    expect(parseProducerConfig(blank)).toEqual(parseProducerConfig({}));
  });

  it('reads every variable', () => {
    const config = parseProducerConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'JSON',
      SHUTDOWN_GRACE_MS: '0',
      SHUTDOWN_TIMEOUT_MS: '1500',
      HTTP_HEADERS_TIMEOUT_MS: '2000',
      HTTP_REQUEST_TIMEOUT_MS: '2000',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '0',
      HTTP_MAX_CONNECTIONS: '64',
    });
    expect(config).toEqual({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'debug',
      logFormat: 'json',
      shutdownGraceMs: 0,
      shutdownTimeoutMs: 1500,
      http: { headersTimeoutMs: 2000, requestTimeoutMs: 2000, keepAliveTimeoutMs: 0, maxConnections: 64 },
    });
  });

  it('returns a frozen object', () => {
    const config = parseProducerConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it.each([
    ['PORT', 'five thousand', PORT_EXPECTED],
    ['PORT', '65536', PORT_EXPECTED],
    ['PORT', '-1', PORT_EXPECTED],
    ['PORT', '5000.0', PORT_EXPECTED],
    ['HOST', 'my host', HOST_EXPECTED],
    ['HOST', 'http://0.0.0.0:5000', HOST_EXPECTED],
    ['LOG_LEVEL', 'verbose', 'must be one of error, warn, info, debug'],
    ['LOG_LEVEL', 'warning', 'must be one of error, warn, info, debug'],
    ['LOG_FORMAT', 'text', 'must be one of pretty, json'],
    ['SHUTDOWN_TIMEOUT_MS', '5s', 'must be a whole number of milliseconds >= 100'],
    ['SHUTDOWN_TIMEOUT_MS', '99', 'must be a whole number of milliseconds >= 100'],
    ['SHUTDOWN_TIMEOUT_MS', '60001', 'must be at most 60000 milliseconds'],
    ['SHUTDOWN_TIMEOUT_MS', '2.5', 'must be a whole number of milliseconds >= 100'],
    ['SHUTDOWN_GRACE_MS', '-1', 'must be a whole number of milliseconds >= 0'],
    ['SHUTDOWN_GRACE_MS', '120001', 'must be at most 120000 milliseconds'],
    ['HTTP_HEADERS_TIMEOUT_MS', '10s', 'must be a whole number of milliseconds >= 100'],
    ['HTTP_REQUEST_TIMEOUT_MS', '99', 'must be a whole number of milliseconds >= 100'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', 'forever', 'must be a whole number of milliseconds >= 0'],
    ['HTTP_MAX_CONNECTIONS', '0', 'must be a whole number >= 1'],
    ['HTTP_MAX_CONNECTIONS', '65536', 'must be at most 65535'],
  ])('rejects %s=%j with a line naming it, the value and what was expected', (variable, value, expected) => {
    expect(problemLines(() => parseProducerConfig({ [variable]: value }))).toEqual([
      `Invalid configuration: ${variable} ${expected} (got ${JSON.stringify(value)})`,
    ]);
  });

  it('reports all problems at once', () => {
    const lines = problemLines(() =>
      parseProducerConfig({ PORT: 'x', HOST: 'a b', LOG_LEVEL: 'loud', LOG_FORMAT: 'xml', SHUTDOWN_TIMEOUT_MS: '0' }),
    );
    expect(lines).toHaveLength(5);
    expect(lines.map((line) => line.split(' ')[2])).toEqual([
      'PORT',
      'HOST',
      'LOG_LEVEL',
      'LOG_FORMAT',
      'SHUTDOWN_TIMEOUT_MS',
    ]);
    for (const line of lines) expect(line).toMatch(/^Invalid configuration: [A-Z_]+ must .+ \(got ".*"\)$/);
  });

  it('rejects a headers timeout longer than the request timeout, which Node would refuse', () => {
    expect(
      problemLines(() => parseProducerConfig({ HTTP_HEADERS_TIMEOUT_MS: '40000', HTTP_REQUEST_TIMEOUT_MS: '30000' })),
    ).toEqual([
      'Invalid configuration: HTTP_HEADERS_TIMEOUT_MS must be at most HTTP_REQUEST_TIMEOUT_MS (30000): the headers are part of the request (got "40000")',
    ]);
  });
});
