import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServerResponse } from 'node:http';

/**
 * Everything a producer (or something posing as one) can answer that breaks the contract, in the
 * order the fault drills and the docs check play them, with the line the consumer says about each.
 * `says` matches the message of a JSON line and the text of a pretty one alike.
 */
export const HOSTILE_ANSWERS = [
  {
    name: 'html',
    respond: (response: ServerResponse) =>
      answer(response, 'text/html', '<!doctype html><html><body><h1>It works!</h1></body></html>'),
    says: /Poll failed: answer is not JSON: "<!doctype html>/,
  },
  {
    name: 'empty',
    respond: (response: ServerResponse) => answer(response, 'application/json', ''),
    says: /Poll failed: answer is not JSON: \(empty body\)/,
  },
  {
    name: 'wrongType',
    respond: (response: ServerResponse) => answer(response, 'application/json', '{"number":"42"}'),
    says: /Poll failed: answer breaks the contract \(.*received string\): "\{\\"number\\":\\"42\\"\}"/,
  },
  {
    name: 'outOfRange',
    respond: (response: ServerResponse) => answer(response, 'application/json', '{"number":181}'),
    says: /Poll failed: answer breaks the contract \(Too big.*\): "\{\\"number\\":181\}"/,
  },
  {
    name: 'fraction',
    respond: (response: ServerResponse) => answer(response, 'application/json', '{"number":1.5}'),
    says: /Poll failed: answer breaks the contract \(.*expected int.*\): "\{\\"number\\":1\.5\}"/,
  },
  {
    name: 'huge',
    respond: (response: ServerResponse) => answer(response, 'application/json', HUGE),
    says: /Poll failed: answer is larger than 65536 bytes, dropped/,
  },
  {
    name: 'drip',
    respond: (response: ServerResponse) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{');
      const timer = setInterval(() => response.write(' '), 100);
      response.on('close', () => clearInterval(timer));
    },
    says: /Poll failed: no answer from 127\.0\.0\.1:\d+ within \d+ ms/,
  },
  {
    name: 'resetMidBody',
    respond: (response: ServerResponse) => {
      response.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      response.write('{"number":', () => response.socket?.resetAndDestroy());
    },
    says: /Poll failed: connection to 127\.0\.0\.1:\d+ was reset before the answer was complete/,
  },
  {
    name: 'unavailable',
    respond: (response: ServerResponse) => response.writeHead(503).end(),
    says: /Poll failed: producer answered HTTP 503 Service Unavailable/,
  },
  {
    name: 'errorPage',
    respond: (response: ServerResponse) => answer(response, 'text/html', '<html><body>oops</body></html>'),
    says: /Poll failed: answer is not JSON: "<html><body>oops<\/body><\/html>"/,
  },
] as const;

const HUGE = Buffer.alloc(10 * 1024 * 1024, 'x');

/** The one answer the contract allows, always 42, so that a test can tell it from a bad number. */
export const GOOD_NUMBER = 42;
export const goodAnswer = (response: ServerResponse) =>
  answer(response, 'application/json', `{"number":${String(GOOD_NUMBER)}}`);

function answer(response: ServerResponse, contentType: string, body: string | Buffer): void {
  response.writeHead(200, { 'content-type': contentType, 'x-served-by': 'hostile' });
  response.end(body);
}

export interface HostileProducer {
  readonly port: number;
  readonly url: string;
  /** From the next request on, answer with `respond`. */
  answerWith(respond: (response: ServerResponse) => void): void;
  close(): Promise<void>;
}

/** A producer on loopback that answers the contract (`goodAnswer`) until told otherwise. */
export async function startHostileProducer(): Promise<HostileProducer> {
  let respond = goodAnswer;
  const server = createServer((_request, response) => {
    response.on('error', () => {});
    respond(response);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${String(port)}/number`,
    answerWith: (next) => (respond = next),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
