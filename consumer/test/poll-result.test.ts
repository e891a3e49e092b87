import { BREAKER_STATES, FAILURE_KINDS, assertNever } from '../src/poll-result';

describe('poll results', () => {
  it('lists each failure kind and breaker state once', () => {
    expect(new Set(FAILURE_KINDS).size).toBe(FAILURE_KINDS.length);
    expect(FAILURE_KINDS).toEqual([
      'refused',
      'dns',
      'timeout',
      'reset',
      'network',
      'http_error',
      'not_json',
      'invalid',
      'too_large',
    ]);
    expect(BREAKER_STATES).toEqual(['closed', 'open', 'half_open']);
  });

  it('fails loudly on a case a switch did not handle (one that got past the compiler, e.g. from JSON)', () => {
    expect(() => assertNever('smoke' as never)).toThrow('Unhandled case: "smoke"');
  });
});
