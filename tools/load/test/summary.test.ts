import {
  TargetRecorder,
  errorKind,
  formatProgress,
  formatSummary,
  percentile,
  summarize,
  summarizeLatencies,
} from '../src/summary';

describe('percentile (nearest rank)', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100

  it('is the smallest value with at least p % of the values at or below it', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 90)).toBe(90);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7, 8, 9], 50)).toBe(8);
    expect(percentile([7, 8, 9], 99)).toBe(9);
    expect(percentile([5], 1)).toBe(5);
  });

  it('is NaN without values', () => {
    expect(percentile([], 50)).toBeNaN();
  });
});

describe('summarizeLatencies', () => {
  it('sorts numerically (not as strings) and gives p50/p90/p99/max/mean in ms', () => {
    const latencies = [100, 9, 20, 3, 1000, 50, 7, 8, 2, 1];
    expect(summarizeLatencies(latencies)).toEqual({ p50: 8, p90: 100, p99: 1000, max: 1000, mean: 120 });
  });

  it('is null when nothing was answered', () => {
    expect(summarizeLatencies([])).toBeNull();
  });
});

describe('summarize', () => {
  function recorded() {
    const a = new TargetRecorder('http://a/number');
    [4, 2, 6].forEach((ms) => a.response(200, ms));
    a.response(503, 1);
    a.error('ECONNRESET (connection reset by the server)');
    const b = new TargetRecorder('http://b/number');
    b.response(200, 10);
    b.error('ECONNREFUSED (connection refused: nothing listens there)');
    b.error('ECONNREFUSED (connection refused: nothing listens there)');
    return [a, b];
  }

  it('adds the targets up: answers, failures, req/s over the run, status codes, errors by kind', () => {
    const summary = summarize(recorded(), 2, 'duration');
    expect(summary).toMatchObject({
      url: 'http://a/number http://b/number',
      responses: 5,
      errors: 3,
      requestsPerSecond: 2.5,
      durationSeconds: 2,
      endedBy: 'duration',
      statusCodes: { 200: 4, 503: 1 },
      errorsByKind: {
        'ECONNRESET (connection reset by the server)': 1,
        'ECONNREFUSED (connection refused: nothing listens there)': 2,
      },
    });
    expect(summary.latencyMs).toEqual({ p50: 4, p90: 10, p99: 10, max: 10, mean: 23 / 5 });
  });

  it('keeps each target apart too', () => {
    const [a, b] = summarize(recorded(), 2, 'requests').targets;
    expect(a).toMatchObject({ url: 'http://a/number', responses: 4, errors: 1, requestsPerSecond: 2 });
    expect(b).toMatchObject({ url: 'http://b/number', responses: 1, errors: 2, requestsPerSecond: 0.5 });
    expect(b?.latencyMs).toEqual({ p50: 10, p90: 10, p99: 10, max: 10, mean: 10 });
  });

  it('prints what hey prints, in seconds, plus a line per URL', () => {
    const text = formatSummary(summarize(recorded(), 2, 'duration'));
    expect(text).toContain('  Requests/sec: 2.5');
    expect(text).toContain('  50% in 0.0040 secs');
    expect(text).toContain('  99% in 0.0100 secs');
    expect(text).toContain('  [200] 4 responses\n  [503] 1 responses');
    expect(text).toContain('  [2] ECONNREFUSED (connection refused: nothing listens there)\n  [1] ECONNRESET');
    expect(text).toContain('  http://b/number  1 answered (0.5/s), 2 failed, p99 0.0100 secs');
  });

  it('says so when nothing answered', () => {
    const dead = new TargetRecorder('http://dead/');
    dead.error('ECONNREFUSED (connection refused: nothing listens there)');
    const summary = summarize([dead], 1, 'interrupted');
    expect(summary.latencyMs).toBeNull();
    expect(summary.requestsPerSecond).toBe(0);
    expect(formatSummary(summary)).toContain('(no answers)');
  });
});

describe('errorKind', () => {
  it('names the socket error and says what it means', () => {
    expect(errorKind(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }))).toBe(
      'ECONNREFUSED (connection refused: nothing listens there)',
    );
    expect(errorKind(Object.assign(new Error('x'), { code: 'EWHATEVER' }))).toBe('EWHATEVER');
    expect(errorKind(new Error('request timed out'))).toBe('timeout (no answer in time)');
  });
});

describe('formatProgress', () => {
  it('shows elapsed/total seconds, answers, rate and failures', () => {
    expect(formatProgress(5.2, 30, 1234, 2)).toBe('[ 5/30 s]  1234 answered  237.3/s  2 failed');
    expect(formatProgress(31, 30, 10, 0)).toMatch(/^\[30\/30 s\]/);
  });
});
