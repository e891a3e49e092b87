// scripts/bundle.mjs leaves modules out of the bundles (body-parser, most of mime-db, qs, send,
// serve-static, prom-client's Pushgateway and cluster aggregation, axios' fetch adapter, HTTP/2,
// follow-redirects, proxy agents, form-data). These
// are the paths nearest to them that users take: each must work on the bundle as on the tsc output.
// The build itself fails when a stub or an edit matches nothing (an upgrade moved the file).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ProcessPool, freePort } from '../support/service-process';
import type { Entry } from '../support/service-process';

const pool = new ProcessPool();
afterEach(() => pool.stopAll());

describe.each<Entry>(['main', 'bundle'])('what the bundle leaves out is never needed (%s entry)', (entry) => {
  it('answers a request with a JSON body by 405, and serves metrics from both services', async () => {
    const port = await freePort();
    const producer = pool.start('producer', { PORT: String(port), HOST: '127.0.0.1' }, entry);
    await producer.waitForLog('the producer to listen', (line) => line.message.startsWith('Producer listening'));
    const statusPort = await freePort();
    const consumer = pool.start(
      'consumer',
      {
        PRODUCER_URL: `http://127.0.0.1:${port}/number`,
        STATUS_PORT: String(statusPort),
        STATUS_HOST: '127.0.0.1',
        POLL_INTERVAL_MS: '200',
        REQUEST_TIMEOUT_MS: '150',
      },
      entry,
    );
    await consumer.waitFor('two received numbers', () => consumer.received().length >= 2);

    const post = await fetch(`http://127.0.0.1:${port}/number`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ number: 1 }),
    });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    expect(await post.json()).toMatchObject({ error: { status: 405, code: 'method_not_allowed' } });

    // mime-db (only the types the producer sends), qs (query strings go to node:querystring), send.
    const health = await fetch(`http://127.0.0.1:${port}/healthz?probe=1&probe=2`);
    expect(health.status).toBe(200);
    expect(health.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const viaExpress = await fetch(`http://127.0.0.1:${port}/number?from=test`);
    expect(viaExpress.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await viaExpress.json()).toEqual({ number: expect.any(Number) as number });

    const producerMetrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(producerMetrics.status).toBe(200);
    const producerText = await producerMetrics.text();
    expect(producerText).toContain('process_cpu_seconds_total');
    expect(producerText).toMatch(/fogpair_producer_requests_total\{route="\/number",status="200"\} [1-9]/);

    const consumerText = await (await fetch(`http://127.0.0.1:${statusPort}/metrics`)).text();
    expect(consumerText).toContain('nodejs_heap_size_used_bytes');
    expect(consumerText).toMatch(/fogpair_consumer_polls_total\{outcome="ok"\} [1-9]/);
    expect(producer.logs().filter((line) => line.level === 'error')).toEqual([]);
    expect(consumer.logs().filter((line) => line.level === 'error')).toEqual([]);
  });
});

describe('scripts/bundle.mjs', () => {
  const bundle = (options: string) =>
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { bundleServices, UNUSED_MODULES, SOURCE_EDITS } from './scripts/bundle.mjs';
         await bundleServices({ write: false, ${options} });`,
      ],
      { cwd: join(__dirname, '../..'), encoding: 'utf8' },
    );

  it('applies every stub and every edit to one of the two bundles', () => {
    const result = bundle('');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  it('fails the build, naming them, when a stub or an edit matches nothing', () => {
    const result = bundle(
      // The real ones too: without its stubs the autoscaler's bundle fails for another reason (ssh2's
      // native add-ons).
      `modules: [...UNUSED_MODULES, { path: /^left-pad$/, importer: /./, contents: '' }],
       edits: [...SOURCE_EDITS, { file: /node_modules\\/axios\\/lib\\/gone\\.js$/, from: 'a', to: 'b' }]`,
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('matched nothing in any bundle');
    expect(result.stderr).toContain('stub /^left-pad$/ from /./');
    expect(result.stderr).toContain('edit of /node_modules\\/axios\\/lib\\/gone\\.js$/');
  });
});
