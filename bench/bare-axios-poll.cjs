// The consumer's memory baseline: the least a poller can be, axios in a setInterval loop against the
// same producer, with the same interval, timeout and a new connection per poll. The bench starts it with
// `node -e "<this file>"` from the repository root, so `axios` comes from node_modules.
/* eslint-disable @typescript-eslint/no-require-imports -- `node -e` evaluates CommonJS */
const { Agent } = require('node:http');
const { setInterval, clearInterval } = require('node:timers');
const axios = require('axios');

const http = axios.create({
  httpAgent: new Agent({ keepAlive: false }),
  timeout: Number(process.env.REQUEST_TIMEOUT_MS),
});
const timer = setInterval(() => {
  http.get(process.env.PRODUCER_URL).then(
    ({ data }) => console.log(`Received number: ${data.number}`),
    (error) => console.log(`Poll failed: ${error.message}`),
  );
}, Number(process.env.POLL_INTERVAL_MS));
process.on('SIGTERM', () => {
  clearInterval(timer);
  process.exit(0);
});
