import { describeLabelProblem, isOptedIn, readScalingLabels } from '../src/labels';

const base = {
  'fogpair.autoscale.enable': 'true',
  'fogpair.autoscale.max': '3',
  'fogpair.autoscale.target-rps': '150',
};

describe('service labels', () => {
  it('opt a service in with enable=true only', () => {
    expect(isOptedIn(base)).toBe(true);
    expect(isOptedIn({ ...base, 'fogpair.autoscale.enable': 'TRUE ' })).toBe(true);
    expect(isOptedIn({ ...base, 'fogpair.autoscale.enable': 'false' })).toBe(false);
    expect(isOptedIn({})).toBe(false);
  });

  it('read with their defaults', () => {
    expect(readScalingLabels(base)).toEqual({
      ok: true,
      targets: { min: 1, max: 3, targetRps: 150, requestsMetric: 'fogpair_producer_requests_total' },
    });
  });

  it('read every label', () => {
    const labels = {
      ...base,
      'fogpair.autoscale.min': '2',
      'fogpair.autoscale.max': '6',
      'fogpair.autoscale.target-rps': '80.5',
      'fogpair.autoscale.target-cpu': '0.5',
      'fogpair.autoscale.requests-metric': 'http_requests_total',
    };
    expect(readScalingLabels(labels)).toEqual({
      ok: true,
      targets: { min: 2, max: 6, targetRps: 80.5, targetCpu: 0.5, requestsMetric: 'http_requests_total' },
    });
  });

  it.each([
    [{ 'fogpair.autoscale.max': '' }, 'fogpair.autoscale.max', 'must be set: the highest replica count'],
    [{ 'fogpair.autoscale.min': '0' }, 'fogpair.autoscale.min', 'must be a whole number >= 1'],
    [{ 'fogpair.autoscale.min': '4' }, 'fogpair.autoscale.max', 'must be a whole number >= fogpair.autoscale.min (4)'],
    [
      { 'fogpair.autoscale.max': 'three' },
      'fogpair.autoscale.max',
      'must be a whole number >= fogpair.autoscale.min (1)',
    ],
    [
      { 'fogpair.autoscale.target-rps': '0' },
      'fogpair.autoscale.target-rps',
      'must be a number > 0 (requests/s per replica)',
    ],
    [
      { 'fogpair.autoscale.target-cpu': '50%' },
      'fogpair.autoscale.target-cpu',
      'must be a number > 0 (CPU cores per replica, e.g. 0.5)',
    ],
    [
      { 'fogpair.autoscale.target-rps': '' },
      'fogpair.autoscale.target-rps',
      'or fogpair.autoscale.target-cpu must be set: what one replica should carry',
    ],
    [
      { 'fogpair.autoscale.requests-metric': 'requests{job="x"}' },
      'fogpair.autoscale.requests-metric',
      'must be a Prometheus metric name',
    ],
  ])('reject %j with the label and what it expects', (override, label, expected) => {
    const reading = readScalingLabels({ ...base, ...override });
    expect(reading).toMatchObject({ ok: false, problem: { label, expected } });
  });

  it('a problem reads as one line naming service, label, value and what was expected', () => {
    const reading = readScalingLabels({ ...base, 'fogpair.autoscale.max': 'lots' });
    if (reading.ok) throw new Error('expected a problem');
    expect(describeLabelProblem('fogpair_producer', reading.problem)).toBe(
      'Not autoscaling fogpair_producer: label fogpair.autoscale.max must be a whole number >= fogpair.autoscale.min (1) (got "lots")',
    );
  });
});
