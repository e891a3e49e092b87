import { problemLines } from '../../shared/test/support/config-problems';
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
      shutdownTimeoutMs: 5000,
    });
  });

  it('treats blank values as unset, so compose files can pass ${VAR:-} through', () => {
    const blank = { PORT: '', HOST: ' ', LOG_LEVEL: '', LOG_FORMAT: '\t', SHUTDOWN_TIMEOUT_MS: '' };
    expect(parseProducerConfig(blank)).toEqual(parseProducerConfig({}));
  });

  it('reads every variable', () => {
    const config = parseProducerConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'debug',
      LOG_FORMAT: 'JSON',
      SHUTDOWN_TIMEOUT_MS: '1500',
    });
    expect(config).toEqual({
      port: 0,
      host: '127.0.0.1',
      logLevel: 'debug',
      logFormat: 'json',
      shutdownTimeoutMs: 1500,
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
});
