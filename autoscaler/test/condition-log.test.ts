import { CaptureLogger } from '../../test/support/capture-logger';
import { ConditionLog } from '../src/condition-log';

describe('ConditionLog', () => {
  it('logs a condition when it begins and when it ends, not while it lasts', () => {
    const logger = new CaptureLogger();
    const conditions = new ConditionLog(logger);
    conditions.clear('prometheus', 'back');
    conditions.raise('prometheus', 'warn', 'Prometheus refused the connection');
    conditions.raise('prometheus', 'warn', 'Prometheus did not answer within 5000 ms');
    conditions.raise('prometheus', 'warn', 'Prometheus refused the connection');
    expect(conditions.isRaised('prometheus')).toBe(true);
    conditions.clear('prometheus', 'back');
    conditions.clear('prometheus', 'back');
    expect(logger.entries.map((entry) => [entry.level, entry.message])).toEqual([
      ['warn', 'Prometheus refused the connection'],
      ['info', 'back'],
    ]);
  });

  it('repeats a condition raised for another cause, not for another wording', () => {
    const logger = new CaptureLogger();
    const conditions = new ConditionLog(logger);
    const raised: [string, string][] = [
      ['max is "x"', 'max'],
      ['max is "x" (again)', 'max'],
      ['min is "0"', 'min'],
      ['min is "0"', 'min'],
    ];
    for (const [message, cause] of raised) conditions.raise('labels', 'warn', message, undefined, { cause });
    expect(logger.messages()).toEqual(['max is "x"', 'min is "0"']);
  });

  it('forgets conditions by prefix without a word', () => {
    const logger = new CaptureLogger();
    const conditions = new ConditionLog(logger);
    conditions.raise('service:a:data', 'warn', 'a has no data');
    conditions.raise('service:b:data', 'warn', 'b has no data');
    conditions.forget('service:a:');
    expect([conditions.isRaised('service:a:data'), conditions.isRaised('service:b:data')]).toEqual([false, true]);
    expect(logger.messages()).toHaveLength(2);
  });
});
