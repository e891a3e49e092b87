// Issue 9, item 4: header, request and idle timeouts and a connection limit. Before: Node's defaults,
// a connection that sends nothing lived ~86 s, and 5,000 of them were all accepted and held.
// The limits are set low here through the same variables an operator uses, to keep the test short.
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { ProcessPool, rawExchange, report, startConsumer, startProducer } from './support';

const pool = new ProcessPool();
afterEach(() => pool.stopAll());

const LIMITS = {
  HTTP_HEADERS_TIMEOUT_MS: '1000',
  HTTP_REQUEST_TIMEOUT_MS: '2000',
  HTTP_KEEP_ALIVE_TIMEOUT_MS: '1000',
  HTTP_MAX_CONNECTIONS: '50',
};

/** Opens `count` connections that send nothing, and tells how many the server still holds open. */
async function silentConnections(port: number, count: number) {
  const sockets: Socket[] = [];
  let closedByServer = 0;
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect(port, '127.0.0.1', () => resolve());
          socket.on('error', () => resolve());
          socket.on('close', () => (closedByServer += 1));
          socket.resume();
          sockets.push(socket);
        }),
    ),
  );
  return {
    open: () => count - closedByServer,
    destroy: () => {
      for (const socket of sockets) socket.destroy();
    },
  };
}

describe.each(['producer', 'consumer'] as const)('%s', (name) => {
  async function start() {
    if (name === 'producer') return startProducer(pool, LIMITS);
    const producer = await startProducer(pool);
    return startConsumer(pool, `http://127.0.0.1:${producer.port}/number`, LIMITS);
  }

  it('holds at most HTTP_MAX_CONNECTIONS, and closes silent ones after HTTP_HEADERS_TIMEOUT_MS', async () => {
    const { port } = await start();
    const held = await silentConnections(port, 500);
    await sleep(300);
    const openAfterAccept = held.open();
    const startedAt = performance.now();
    while (held.open() > 0 && performance.now() - startedAt < 5000) await sleep(50);
    const allClosedMs = Math.round(performance.now() - startedAt + 300);
    report(`${name}: 500 silent connections`, { openAfterAccept, allClosedMs });
    held.destroy();

    expect(openAfterAccept).toBeLessThanOrEqual(50);
    expect(held.open()).toBe(0);
    // The service is still there for others.
    expect(
      (await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).statusLine,
    ).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('ends a request whose headers trickle in (slowloris) after HTTP_HEADERS_TIMEOUT_MS, with a JSON 408', async () => {
    const { port } = await start();
    const answer = await new Promise<{ raw: string; ms: number }>((resolve) => {
      const startedAt = performance.now();
      const socket = connect(port, '127.0.0.1');
      let raw = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (raw += chunk));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n');
      const trickle = setInterval(() => socket.write('X-A: b\r\n'), 100);
      const giveUp = setTimeout(() => socket.destroy(), 8000);
      const done = () => {
        clearInterval(trickle);
        clearTimeout(giveUp);
        resolve({ raw, ms: performance.now() - startedAt });
      };
      socket.on('close', done);
      socket.on('error', done);
    });
    report(`${name}: slowloris`, { ms: Math.round(answer.ms), statusLine: answer.raw.split('\r\n')[0] });
    expect(answer.raw).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(answer.ms).toBeLessThan(4000);
  });

  it('closes an idle keep-alive connection after HTTP_KEEP_ALIVE_TIMEOUT_MS', async () => {
    const { port } = await start();
    const answer = await rawExchange(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    report(`${name}: idle keep-alive`, { closedAfterMs: Math.round(answer.ms) });
    expect(answer.headers['keep-alive']).toBe('timeout=1');
    expect(answer.ms).toBeGreaterThanOrEqual(900);
    expect(answer.ms).toBeLessThan(4000);
  });
});
