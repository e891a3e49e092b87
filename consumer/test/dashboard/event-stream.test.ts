import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { closeServer, listen } from '@fogpair/shared';
import { createEventStream, formatEvent } from '../../src/dashboard/event-stream';
import type { EventStream, EventStreamOptions } from '../../src/dashboard/event-stream';

/**
 * Real sockets on loopback: Linux routes all of 127.0.0.0/8 to lo, so a client can connect from
 * 127.0.0.2 or 127.0.0.3 to act as another host.
 */

let server: Server | undefined;
let stream: EventStream | undefined;
const sockets: Socket[] = [];
/** The client addresses of the streams the server has seen end, in order. */
const closedFrom: string[] = [];
/** The server's side of every stream, by client address. */
const responses = new Map<string, ServerResponse>();

/** A heartbeat that beats when the test says, never on its own. */
function manualHeartbeat() {
  let beat = () => {};
  return {
    repeat: (callback: () => void) => {
      beat = callback;
      return () => (beat = () => {});
    },
    beat: () => beat(),
  };
}

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  stream?.close();
  if (server) await closeServer(server);
  server = undefined;
  stream = undefined;
});

async function start(options: Partial<EventStreamOptions>): Promise<{ port: number; stream: EventStream }> {
  stream = createEventStream({
    initialEvent: () => ({ event: 'snapshot', data: { hello: 1 } }),
    maxClients: 64,
    maxClientsPerAddress: 64,
    heartbeatMs: 60_000,
    ...options,
  });
  const events = stream;
  closedFrom.length = 0;
  responses.clear();
  server = createServer((request, response) => {
    responses.set(request.socket.remoteAddress ?? '?', response);
    response.once('close', () => closedFrom.push(request.socket.remoteAddress ?? '?'));
    events.handle(request, response);
  });
  const { port } = await listen(server, 0, '127.0.0.1');
  return { port, stream: events };
}

interface RawClient {
  socket: Socket;
  /** What arrived so far, headers included. */
  received: () => string;
  /** The status code of the answer, once its first line has arrived. */
  status: () => Promise<number>;
  closed: Promise<void>;
}

/** GET /events from `from`, over a raw socket; `read: false` stops reading once connected. */
function open(port: number, from: string, { read = true } = {}): RawClient {
  const socket = connect({ host: '127.0.0.1', port, localAddress: from });
  sockets.push(socket);
  let text = '';
  socket.on('data', (chunk: Buffer) => {
    // Keep the start only: a reader of megabytes of events needs not hold them, nor decode them.
    if (text.length < 4096) text += chunk.subarray(0, 4096).toString('latin1');
  });
  socket.on('error', () => {});
  socket.once('connect', () => {
    socket.write('GET /events HTTP/1.1\r\nHost: consumer\r\n\r\n');
    if (!read) socket.pause();
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const status = async () => {
    await until(() => /^HTTP\/1\.1 \d{3}/.test(text), 'a status line');
    return Number(text.slice(9, 12));
  };
  return { socket, received: () => text, status, closed };
}

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('event stream: streams per client address', () => {
  it('turns a client away when its address has its share, while other addresses still get in', async () => {
    const { port, stream: events } = await start({ maxClients: 3, maxClientsPerAddress: 2 });
    const first = open(port, '127.0.0.1');
    const second = open(port, '127.0.0.1');
    expect([await first.status(), await second.status()]).toEqual([200, 200]);
    await until(() => events.clientCount === 2, 'two streams');

    const third = open(port, '127.0.0.1');
    expect(await third.status()).toBe(503);
    await until(() => third.received().includes('}}'), 'the error body');
    const body = JSON.parse(third.received().slice(third.received().indexOf('{'))) as unknown;
    expect(body).toEqual({
      error: {
        status: 503,
        code: 'too_many_clients_from_address',
        message: 'Too many live dashboards open from 127.0.0.1 (2); close one or try again later',
      },
    });
    expect(third.received()).toContain('Retry-After: 10');

    const elsewhere = open(port, '127.0.0.2');
    expect(await elsewhere.status()).toBe(200);
    await until(() => events.clientCount === 3, 'three streams');

    // The 64-in-all cap (here 3) still holds, whatever the address.
    const fourth = open(port, '127.0.0.3');
    expect(await fourth.status()).toBe(503);
    await until(() => fourth.received().includes('too_many_clients"'), 'the error body');

    // A stream that ends gives its address its slot back.
    first.socket.destroy();
    await until(() => events.clientCount === 2, 'the server to notice');
    const again = open(port, '127.0.0.1');
    expect(await again.status()).toBe(200);
  });
});

describe('event stream: clients that stop reading', () => {
  it('drops a stream whose socket has not drained by the next heartbeat, and keeps the one that reads', async () => {
    const heartbeat = manualHeartbeat();
    // A large buffer cap, so that only the heartbeat rule can drop the stalled client.
    const { port, stream: events } = await start({ repeat: heartbeat.repeat, maxBufferedBytes: 256 * 1024 * 1024 });
    open(port, '127.0.0.1', { read: false }); // stops reading at once
    const reader = open(port, '127.0.0.2');
    await until(() => events.clientCount === 2, 'two streams');
    expect(await reader.status()).toBe(200);

    // 16 MB of events: more than the kernel buffers of a connection whose reader stopped can hold.
    const big = { padding: 'x'.repeat(512 * 1024) };
    for (let i = 0; i < 32; i++) events.broadcast('poll', big);
    const stalled = responses.get('127.0.0.1');
    const reading = responses.get('127.0.0.2');
    expect(stalled?.writableNeedDrain).toBe(true);
    // However long the reader takes to read it all on a busy machine, the heartbeats wait for it.
    await until(() => reading?.writableNeedDrain === false, 'the reader to take every event', 60_000);

    heartbeat.beat(); // the first since the stalled socket filled: it may still drain
    expect(stalled?.destroyed).toBe(false);
    heartbeat.beat(); // a whole period without taking anything
    expect(stalled?.destroyed).toBe(true);
    for (let i = 0; i < 3; i++) heartbeat.beat();
    await until(() => closedFrom.length === 1, 'the stalled stream to end');
    expect(closedFrom).toEqual(['127.0.0.1']);
    expect(events.clientCount).toBe(1);
    expect(reading?.destroyed).toBe(false);
    expect(reader.socket.destroyed).toBe(false);
  });

  it('keeps a quiet stream that is simply idle: heartbeats alone never fill a socket', async () => {
    const heartbeat = manualHeartbeat();
    const { port, stream: events } = await start({ repeat: heartbeat.repeat });
    const idle = open(port, '127.0.0.1', { read: false });
    await until(() => events.clientCount === 1, 'the stream');
    for (let i = 0; i < 10; i++) {
      heartbeat.beat();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(responses.get('127.0.0.1')?.destroyed).toBe(false);
    expect(events.clientCount).toBe(1);
    expect(idle.socket.destroyed).toBe(false);
  });
});

describe('formatEvent', () => {
  it('puts the data on one line, whatever it holds', () => {
    expect(formatEvent('poll', { text: 'a\nb' })).toBe('event: poll\ndata: {"text":"a\\nb"}\n\n');
  });
});
