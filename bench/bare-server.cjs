// The baseline every figure is divided by: the least a Node server can do to answer GET /number with
// the same JSON. The bench starts it with `node -e "<this file>"`, so nothing is read from disk.
/* eslint-disable @typescript-eslint/no-require-imports -- `node -e` evaluates CommonJS */
const { createServer } = require('node:http');
const { randomInt } = require('node:crypto');

const server = createServer((request, response) => {
  if (request.url !== '/number') {
    response.writeHead(404).end();
    return;
  }
  const body = JSON.stringify({ number: randomInt(1, 181) });
  response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length });
  response.end(body);
});
server.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
