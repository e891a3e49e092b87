import { request } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { Script } from 'node:vm';
import { closeServer, createStatusServer, listen } from '@fogpair/shared';
import { createDashboard } from '../../src/dashboard/dashboard';
import type { Dashboard } from '../../src/dashboard/dashboard';
import type { DashboardSnapshot } from '../../src/dashboard/dashboard-model';
import { PollHistory } from '../../src/poll-history';
import type { PollResult } from '../../src/poll-result';

interface Started {
  server: Server;
  dashboard: Dashboard;
  history: PollHistory;
  base: string;
  /** A poll's result, as the consumer hands it on: recorded, then pushed to the pages. */
  poll: (result: PollResult) => void;
}

const open: Started[] = [];
const sent = { attempts: 1, probe: false, breaker: 'closed' } as const;

async function start(options: { maxClients?: number; heartbeatMs?: number } = {}): Promise<Started> {
  const history = new PollHistory();
  const dashboard = createDashboard({
    history,
    producerUrl: 'http://producer:5000/number',
    pollIntervalMs: 3000,
    maxClients: 64,
    maxClientsPerAddress: 64,
    ...options,
  });
  const server = createStatusServer({ routes: dashboard.routes, tryPaths: ['GET / (dashboard)'] });
  const { port } = await listen(server, 0, '127.0.0.1');
  const poll = (result: PollResult) => {
    history.record(result);
    dashboard.pollRecorded();
  };
  const started = { server, dashboard, history, base: `http://127.0.0.1:${port}`, poll };
  open.push(started);
  return started;
}

afterEach(async () => {
  for (const { server, dashboard } of open.splice(0)) {
    dashboard.close();
    await closeServer(server);
  }
});

async function get(
  url: string,
  method = 'GET',
): Promise<{ status: number; headers: IncomingMessage['headers']; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, { method }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    })
      .on('error', reject)
      .end();
  });
}

interface ServerSentEvent {
  event: string;
  data: string;
}

/** An EventSource-like reader of /events that collects what arrives. */
function subscribe(url: string) {
  const events: ServerSentEvent[] = [];
  const comments: string[] = [];
  let raw = '';
  let ended = false;
  let response: IncomingMessage | undefined;
  const waiters: (() => void)[] = [];
  const wake = () => waiters.splice(0).forEach((resolve) => resolve());
  const connected = new Promise<IncomingMessage>((resolve, reject) => {
    request(url, (incoming) => {
      response = incoming;
      incoming.setEncoding('utf8');
      incoming.on('data', (chunk: string) => {
        raw += chunk;
        let end;
        while ((end = raw.indexOf('\n\n')) >= 0) {
          const block = raw.slice(0, end);
          raw = raw.slice(end + 2);
          const lines = block.split('\n');
          comments.push(...lines.filter((line) => line.startsWith(':')));
          const event = lines.find((line) => line.startsWith('event: '))?.slice(7);
          const data = lines.find((line) => line.startsWith('data: '))?.slice(6);
          if (event !== undefined && data !== undefined) events.push({ event, data });
        }
        wake();
      });
      incoming.on('end', () => {
        ended = true;
        wake();
      });
      resolve(incoming);
    })
      .on('error', reject)
      .end();
  });
  const until = async (condition: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  };
  return {
    connected,
    events,
    comments,
    get ended() {
      return ended;
    },
    until,
    close: () => response?.destroy(),
  };
}

const snapshotOf = (event: ServerSentEvent | undefined) => JSON.parse(event?.data ?? 'null') as DashboardSnapshot;

describe('dashboard page', () => {
  it('serves the page on / with a policy that forbids anything from another origin', async () => {
    const { base } = await start();
    const page = await get(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(page.body).toContain('<script src="dashboard.js" defer></script>');
    expect(page.body).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves its script and style, the script valid JavaScript that needs nothing from outside', async () => {
    const { base } = await start();
    const script = await get(`${base}/dashboard.js`);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(() => new Script(script.body)).not.toThrow();
    expect(script.body).not.toMatch(/\brequire\(|\bexports\b|import\(/);
    const style = await get(`${base}/dashboard.css`);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.body).toContain('prefers-color-scheme');
    const html = await get(`${base}/`);
    expect(Buffer.byteLength(html.body + script.body + style.body)).toBeLessThan(100 * 1024);
  });

  it('answers HEAD without a body and other methods with 405', async () => {
    const { base } = await start();
    const head = await get(`${base}/`, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(Number(head.headers['content-length'])).toBeGreaterThan(1000);
    const post = await get(`${base}/events`, 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });
});

describe('dashboard events (/events)', () => {
  it('sends a snapshot on connect, then one event per poll outcome', async () => {
    const { base, poll } = await start();
    poll({ ok: true, number: 7, instance: 'a', ms: 1, ...sent });
    const client = subscribe(`${base}/events`);
    const response = await client.connected;
    expect(response.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await client.until(() => client.events.length === 1, 'the snapshot');
    expect(client.events[0]?.event).toBe('snapshot');
    expect(snapshotOf(client.events[0]).latest?.number).toBe(7);

    poll({ ok: true, number: 99, instance: 'b', ms: 2, ...sent });
    poll({ ok: false, kind: 'refused', reason: 'connection refused by producer:5000', ms: 1, ...sent });
    await client.until(() => client.events.length === 3, 'two poll events');
    expect(client.events.map((event) => event.event)).toEqual(['snapshot', 'poll', 'poll']);
    const last = snapshotOf(client.events[2]);
    expect(last.latest?.number).toBe(99);
    expect(last.histogram.total).toBe(2);
    expect(last.errors[0]).toMatchObject({ kind: 'refused', reason: 'connection refused by producer:5000' });
    client.close();
  });

  it('sends heartbeats while nothing happens', async () => {
    const { base } = await start({ heartbeatMs: 30 });
    const client = subscribe(`${base}/events`);
    await client.until(() => client.comments.length >= 2, 'two heartbeats');
    expect(client.comments[0]).toBe(': heartbeat');
    client.close();
  });

  it('turns clients beyond the limit away with 503, and makes room when one leaves', async () => {
    const { base, poll } = await start({ maxClients: 2 });
    const first = subscribe(`${base}/events`);
    const second = subscribe(`${base}/events`);
    await Promise.all([
      first.until(() => first.events.length === 1, 'first'),
      second.until(() => second.events.length === 1, 'second'),
    ]);
    const third = await get(`${base}/events`);
    expect(third.status).toBe(503);
    expect(JSON.parse(third.body)).toEqual({
      error: {
        status: 503,
        code: 'too_many_clients',
        message: expect.stringContaining('Too many live dashboards') as string,
      },
    });
    first.close();
    // The server learns of the drop a moment later; HEAD asks for room without taking it.
    for (let tries = 0; (await get(`${base}/events`, 'HEAD')).status !== 200; tries++) {
      if (tries > 100) throw new Error('the server never noticed that a client left');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const again = subscribe(`${base}/events`);
    await again.until(() => again.events.length === 1, 'a snapshot after a client left');
    poll({ ok: true, number: 1, instance: 'a', ms: 1, ...sent });
    await again.until(() => again.events.length === 2, 'a poll event');
    again.close();
    second.close();
  });

  it('ends open streams on close, so that the server can shut down', async () => {
    const { base, dashboard, server } = await start();
    const client = subscribe(`${base}/events`);
    await client.until(() => client.events.length === 1, 'the snapshot');
    dashboard.close();
    await closeServer(server);
    await client.until(() => client.ended, 'the end of the stream');
    open.length = 0;
  });

  it('refuses new streams once closed', async () => {
    const { base, dashboard } = await start();
    dashboard.close();
    const late = await get(`${base}/events`);
    expect(late.status).toBe(503);
    expect(late.body).toContain('shutting_down');
  });
});
