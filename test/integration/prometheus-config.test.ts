import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/service-process';

// prometheus/prometheus.yml, the Swarm config of swarm-autoscale.yml, checked by Prometheus' own promtool
// (Debian: apt-get install promtool, or prometheus on bookworm). CI sets FOGPAIR_REQUIRE_PROMTOOL=1.
const CONFIG = join(ROOT, 'prometheus', 'prometheus.yml');
const PROMTOOL = process.env.PROMTOOL ?? 'promtool';
const promtoolFound = spawnSync(PROMTOOL, ['--version'], { stdio: 'ignore' }).status === 0;
const required = process.env.FOGPAIR_REQUIRE_PROMTOOL === '1';
if (!promtoolFound && !required) {
  console.warn(`NOT RUN: promtool check config (no ${PROMTOOL} on PATH; apt-get install promtool)`);
}

describe('prometheus/prometheus.yml', () => {
  const text = readFileSync(CONFIG, 'utf8');

  (promtoolFound || required ? it : it.skip)('passes promtool check config', () => {
    const output = execFileSync(PROMTOOL, ['check', 'config', CONFIG], { encoding: 'utf8' });
    expect(output).toContain('SUCCESS');
  });

  it('names no address: targets come from the Swarm API only', () => {
    expect(text).not.toMatch(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/);
    expect(text).toMatch(/dockerswarm_sd_configs:\n\s+- host: unix:\/\/\/var\/run\/docker\.sock\n\s+role: tasks/);
  });

  it('refreshes the task list within seconds, not the default 30 s', () => {
    const refresh = /refresh_interval: (\d+)s/.exec(text);
    expect(Number(refresh?.[1])).toBeLessThanOrEqual(10);
  });

  it('labels every series as the autoscaler queries it (AUTOSCALE-CONTRACT)', () => {
    for (const [meta, label] of [
      ['__meta_dockerswarm_service_name', 'swarm_service'],
      ['__meta_dockerswarm_task_slot', 'swarm_task_slot'],
      ['__meta_dockerswarm_node_hostname', 'swarm_node'],
    ]) {
      expect(text).toContain(`- source_labels: [${meta}]\n        target_label: ${label}`);
    }
    expect(text).toContain('__meta_dockerswarm_service_label_fogpair_metrics_port');
  });
});

describe('swarm-autoscale.yml', () => {
  const addOn = readFileSync(join(ROOT, 'swarm-autoscale.yml'), 'utf8');
  const base = readFileSync(join(ROOT, 'swarm-stack.yml'), 'utf8');

  it('runs the pinned Prometheus image with this configuration, on a manager, with retention bounds', () => {
    expect(addOn).toContain('image: prom/prometheus:v2.53.3');
    expect(addOn).toContain('file: ./prometheus/prometheus.yml');
    expect(addOn).toMatch(/--storage\.tsdb\.retention\.time=\d+d/);
    expect(addOn).toMatch(/--storage\.tsdb\.retention\.size=\d+MB/);
    expect(addOn.match(/constraints: \[node\.role == manager\]/g)).toHaveLength(2);
  });

  it('leaves the base file scrapable without it: the metrics ports are labels on the base services', () => {
    expect(base).toContain("fogpair.metrics.port: '5000'");
    expect(base).toContain("fogpair.metrics.port: '8080'");
  });
});
