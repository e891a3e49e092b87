// What may differ between a documented line and a printed one: timestamps, numbers, instance host
// names, loopback and service addresses, the DNS error code. Words, punctuation, field names and
// their order may not.

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

export function normalise(text: string): string {
  return text
    .replace(ANSI, '')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\bnode=v[\d.]+/g, 'node=<version>')
    .replace(/"node":"v[\d.]+"/g, '"node":"<version>"')
    .replace(/\b(producer|instance)=\S+/g, '$1=<host>')
    .replace(/"(producer|instance)":"[^"]*"/g, '"$1":"<host>"')
    .replace(/"(answersByInstance|failuresByKind)":\{[^}]*\}/g, '"$1":{…}')
    .replace(/\b(localhost|producer|127\.0\.0\.1|0\.0\.0\.0):\d+\b/g, '<address>')
    .replace(/\b(ENOTFOUND|EAI_AGAIN)\b/g, '<dns-error>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .trimEnd();
}

/** Docker's prefixes: `consumer-1  | ` (compose) and `fogpair_consumer.1.k3…@pi1 | ` (swarm). */
export function withoutDockerPrefix(line: string): string {
  return line.replace(/^[\w.-]+-\d+\s+\|\s/, '').replace(/^fogpair_\w+\.\d+\.\S+\s+\| /, '');
}
