import { PassThrough } from 'node:stream';
import { createLogger, redactUrl } from '@fogpair/shared';
import type { LogFormat, LogLevel, Logger } from '@fogpair/shared';

/** A logger writing into memory, and the complete lines it has written so far. */
function capture(format: LogFormat, level: LogLevel = 'info'): { logger: Logger; lines: () => Promise<string[]> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const logger = createLogger({ service: 'consumer', level, format, stream });
  return {
    logger,
    lines: async () => {
      await new Promise((resolve) => setImmediate(resolve));
      expect(text.endsWith('\n') || text === '').toBe(true);
      return text.split('\n').filter((line) => line !== '');
    },
  };
}

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('createLogger, pretty format', () => {
  it('writes one line: ISO timestamp, level, service, message, then key=value fields', async () => {
    const { logger, lines } = capture('pretty');
    logger.info('Received number: 73', { number: 73, producer: '4f1c', ms: 4 });
    const [line, ...rest] = await lines();
    expect(rest).toEqual([]);
    const [timestamp, ...words] = (line ?? '').split(' ');
    expect(timestamp).toMatch(ISO_TIMESTAMP);
    expect(Math.abs(Date.parse(timestamp ?? '') - Date.now())).toBeLessThan(60_000);
    expect(words.join(' ')).toBe('info  consumer: Received number: 73 number=73 producer=4f1c ms=4');
  });

  it('quotes string fields that contain spaces, quotes or equals signs, and empty strings', async () => {
    const { logger, lines } = capture('pretty');
    logger.warn('Poll failed', { reason: 'connection refused by producer:5000', plain: 'ok', eq: 'a=b', empty: '' });
    const [line] = await lines();
    expect(line).toContain('warn  consumer: Poll failed reason="connection refused by producer:5000" plain=ok');
    expect(line).toContain(' eq="a=b" empty=""');
  });

  it('keeps an Error field, stack included, on the same line', async () => {
    const { logger, lines } = capture('pretty');
    const error = new Error('disk on fire');
    logger.error('Request failed', { error, path: '/number' });
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toContain('error consumer: Request failed error="Error: disk on fire\\n    at ');
    expect(all[0]).toMatch(/ path=\/number$/);
  });

  it('writes objects inline and leaves out undefined fields', async () => {
    const { logger, lines } = capture('pretty');
    logger.info('Stats', { byInstance: { a: 1, b: 2 }, hint: undefined });
    expect(await lines()).toEqual([expect.stringMatching(/consumer: Stats byInstance=\{ a: 1, b: 2 \}$/)]);
  });
});

describe('createLogger, json format', () => {
  it('writes one JSON object per line with timestamp, level, message, service and the fields', async () => {
    const { logger, lines } = capture('json');
    logger.info('Received number: 73', { number: 73, producer: '4f1c', ms: 4 });
    logger.warn('Poll failed: connection refused', { kind: 'refused' });
    const objects = (await lines()).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects).toEqual([
      {
        timestamp: expect.stringMatching(ISO_TIMESTAMP) as unknown,
        level: 'info',
        message: 'Received number: 73',
        service: 'consumer',
        number: 73,
        producer: '4f1c',
        ms: 4,
      },
      {
        timestamp: expect.stringMatching(ISO_TIMESTAMP) as unknown,
        level: 'warn',
        message: 'Poll failed: connection refused',
        service: 'consumer',
        kind: 'refused',
      },
    ]);
  });

  it('serialises an Error field as its stack, on one line', async () => {
    const { logger, lines } = capture('json');
    logger.error('Shutdown failed', { error: new RangeError('too slow') });
    const all = await lines();
    expect(all).toHaveLength(1);
    const { error } = JSON.parse(all[0] ?? '') as { error: string };
    expect(error).toMatch(/^RangeError: too slow\n {4}at /);
  });
});

describe('LOG_LEVEL filtering', () => {
  it('hides debug at info, and shows it at debug', async () => {
    const atInfo = capture('pretty', 'info');
    atInfo.logger.debug('GET /number 200');
    atInfo.logger.info('visible');
    expect((await atInfo.lines()).map((line) => line.split(': ')[1])).toEqual(['visible']);
    expect(atInfo.logger.isLevelEnabled('debug')).toBe(false);
    expect(atInfo.logger.isLevelEnabled('info')).toBe(true);

    const atDebug = capture('pretty', 'debug');
    atDebug.logger.debug('GET /number 200');
    expect(await atDebug.lines()).toEqual([expect.stringContaining('debug consumer: GET /number 200')]);
    expect(atDebug.logger.isLevelEnabled('debug')).toBe(true);
  });

  it('shows only errors at error', async () => {
    const { logger, lines } = capture('json', 'error');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect((await lines()).map((line) => (JSON.parse(line) as { message: string }).message)).toEqual(['e']);
    expect(logger.isLevelEnabled('warn')).toBe(false);
  });
});

describe('redactUrl', () => {
  it('hides user name and password', () => {
    const redacted = redactUrl('http://alice:s3cret@producer:5000/number');
    expect(redacted).toBe('http://***:***@producer:5000/number');
    expect(redacted).not.toContain('s3cret');
    expect(redacted).not.toContain('alice');
  });

  it('hides a token given as the user name', () => {
    expect(redactUrl('https://tok3n@example.test/n')).toBe('https://***@example.test/n');
  });

  it('leaves URLs without credentials, and text that is not a URL, unchanged', () => {
    expect(redactUrl('http://producer:5000/number')).toBe('http://producer:5000/number');
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('one line per event', () => {
  it.each(['pretty', 'json'] as const)('keeps a message with line breaks on one line (%s)', async (format) => {
    const { logger, lines } = capture(format);
    logger.warn('Poll failed: request to producer:5000 failed: first line\nsecond line');
    const all = await lines();
    expect(all).toHaveLength(1);
    expect(all[0]).toContain('first line');
    expect(all[0]).toContain('second line');
  });
});
