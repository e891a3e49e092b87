import { LIMITS, UsageError, parseLoadArgs } from '../src/args';
import type { LoadOptions } from '../src/args';

function options(argv: string[]): LoadOptions {
  const command = parseLoadArgs(argv);
  if (command.help) throw new Error('expected options, got --help');
  return command.options;
}

function usageError(argv: string[]): string {
  try {
    parseLoadArgs(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseLoadArgs', () => {
  it('needs only a URL: 10 connections, 10 s, no rate limit, the hard request cap', () => {
    expect(options(['http://pi1:5000/number'])).toEqual({
      urls: ['http://pi1:5000/number'],
      connections: 10,
      durationSeconds: 10,
      rate: undefined,
      maxRequests: LIMITS.requests.max,
      timeoutSeconds: 10,
      reconnectEvery: undefined,
      json: false,
    });
  });

  it('reads every flag, before or after the URLs', () => {
    expect(
      options([
        '--connections',
        '30',
        'http://10.0.0.11:5000/number',
        'https://10.0.0.12:5000/number',
        '--duration=60',
        '--rate',
        '300',
        '--requests',
        '5000',
        '--timeout',
        '3',
        '--reconnect-every',
        '100',
        '--json',
      ]),
    ).toEqual({
      urls: ['http://10.0.0.11:5000/number', 'https://10.0.0.12:5000/number'],
      connections: 30,
      durationSeconds: 60,
      rate: 300,
      maxRequests: 5000,
      timeoutSeconds: 3,
      reconnectEvery: 100,
      json: true,
    });
  });

  it('answers --help and -h without needing a URL', () => {
    expect(parseLoadArgs(['--help'])).toEqual({ help: true });
    expect(parseLoadArgs(['-h', 'http://x'])).toEqual({ help: true });
  });

  it.each([
    [[], /no URL given: expected at least one http:\/\/ or https:\/\/ URL/],
    [['pi1:5000'], /URL 'pi1:5000' uses pi1:: expected http:\/\/ or https:\/\//],
    [['not a url'], /URL 'not a url' is not a URL: expected e\.g\. http:\/\/pi1:5000\/number/],
    [['http://a/', 'http://a/'], /the same URL is given twice/],
    [
      ['http://a', '--connections', 'ten'],
      /^--connections 'ten' is not a whole number: expected a whole number from 1 to 1000$/,
    ],
    [['http://a', '--connections', '0'], /^--connections 0 is out of range: expected a whole number from 1 to 1000$/],
    [['http://a', '--connections', '1001'], /^--connections 1001 is out of range/],
    [['http://a', '--duration', '601'], /^--duration 601 is out of range: expected a whole number from 1 to 600$/],
    [['http://a', '--duration', '1.5'], /^--duration '1\.5' is not a whole number/],
    [['http://a', '--duration', '-3'], /--duration/],
    [['http://a', '--rate', '100001'], /^--rate 100001 is out of range: expected a whole number from 1 to 100000$/],
    [['http://a', '--requests', '5000001'], /^--requests 5000001 is out of range/],
    [['http://a', '--timeout', '0'], /^--timeout 0 is out of range: expected a whole number from 1 to 60$/],
    [['http://a', 'http://b', 'http://c', '--connections', '2'], /--connections 2 is fewer than the 3 URLs/],
    [['http://a', 'http://b', '--rate', '1'], /--rate 1 is lower than the 2 URLs/],
    [['http://a', '--requests', '5'], /--requests 5 is fewer than --connections 10/],
    [['http://a', '--conections', '5'], /Unknown option '--conections'.*Options: --connections/],
    [['http://a', '--duration'], /--duration/],
  ])('refuses %j, saying which flag, which value and what was expected', (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });
});
