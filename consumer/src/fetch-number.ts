import type { Socket } from 'node:net';
import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import { isAxiosError } from 'axios';
import { ProducerAnswerSchema, SERVED_BY_HEADER } from '@fogpair/shared';
import type { FailureKind, FetchResult } from './poll-result';

export interface FetchNumberOptions {
  http: AxiosInstance;
  url: string;
  timeoutMs: number;
  /** Aborted on shutdown: the request in flight is dropped at once. */
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * An instance name is kept, shown and logged at most this long: a hostname is at most 64 characters,
 * and a producer that sends an 8 KB name on every poll must not make the consumer keep 8 KB each time.
 * Names are cut here, where they are read, so that everything after sees the cut name.
 */
export const MAX_INSTANCE_CHARS = 64;

/** Bodies above this are not an answer from our producer; reading them would only cost memory. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** One GET of the producer, turned into a number or a failure a newcomer can read. Never throws. */
export async function fetchNumber({
  http,
  url,
  timeoutMs,
  signal,
  now = () => performance.now(),
}: FetchNumberOptions): Promise<FetchResult> {
  const startedAt = now();
  const elapsed = () => Math.round(now() - startedAt);
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    const response = await http.get<string>(url, {
      // A total deadline: axios' own `timeout` only measures idle time, so a producer that drips
      // one byte a second would never time out.
      signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      responseType: 'text',
      transformResponse: (body: unknown) => body,
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: MAX_ANSWER_BYTES,
    });
    const ms = elapsed();
    const body = response.data;
    if (response.status !== 200) {
      return {
        ok: false,
        kind: 'http_error',
        status: response.status,
        reason:
          `producer answered HTTP ${response.status} ${(response.statusText || '').slice(0, EXCERPT_CHARS)}`.trim() +
          excerptSuffix(body),
        ms,
      };
    }
    let json: unknown;
    try {
      json = JSON.parse(body) as unknown;
    } catch {
      return { ok: false, kind: 'not_json', reason: `answer is not JSON: ${excerpt(body)}`, ms };
    }
    const parsed = ProducerAnswerSchema.safeParse(json);
    if (!parsed.success) {
      const problem = parsed.error.issues[0]?.message ?? 'does not match';
      return { ok: false, kind: 'invalid', reason: `answer breaks the contract (${problem}): ${excerpt(body)}`, ms };
    }
    return { ok: true, number: parsed.data.number, instance: instanceOf(response, url), ms };
  } catch (error) {
    return { ...classifyError(error, url, timeoutMs, deadline.aborted), ms: elapsed() };
  }
}

/** The producer's own name for itself, or, when it gives none (e.g. another producer), its address. */
function instanceOf(response: AxiosResponse, url: string): string {
  const servedBy: unknown = response.headers[SERVED_BY_HEADER];
  if (typeof servedBy === 'string' && servedBy.trim() !== '') return boundInstance(servedBy.trim());
  const socket = (response.request as { socket?: Socket | null } | undefined)?.socket;
  const address = socket?.remoteAddress;
  if (address) {
    const host = address.includes(':') ? `[${address}]` : address;
    return socket.remotePort === undefined ? host : `${host}:${socket.remotePort}`;
  }
  return boundInstance(URL.canParse(url) ? new URL(url).host : url);
}

/** At most MAX_INSTANCE_CHARS characters, the cut marked with an ellipsis. */
function boundInstance(name: string): string {
  return name.length > MAX_INSTANCE_CHARS ? `${name.slice(0, MAX_INSTANCE_CHARS - 1)}…` : name;
}

function classifyError(
  error: unknown,
  url: string,
  timeoutMs: number,
  timedOut: boolean,
): { ok: false; kind: FailureKind; reason: string } {
  const host = URL.canParse(url) ? new URL(url).host : url;
  if (timedOut) return { ok: false, kind: 'timeout', reason: `no answer from ${host} within ${timeoutMs} ms` };
  const code = isAxiosError(error) ? codeOf(error) : undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return { ok: false, kind: 'refused', reason: `connection refused by ${host} (producer not up yet?)` };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return {
        ok: false,
        kind: 'dns',
        reason: `cannot resolve host name "${new URL(url).hostname}" (${code}: is the producer running, and is the service name right?)`,
      };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
      return reset(host);
    case 'ERR_BAD_RESPONSE':
    case 'ERR_FR_MAX_BODY_LENGTH_EXCEEDED':
      if (isTooLarge(error)) {
        return { ok: false, kind: 'too_large', reason: `answer is larger than ${MAX_ANSWER_BYTES} bytes, dropped` };
      }
      // A connection cut mid-body surfaces as ECONNRESET or as axios' "stream has been aborted",
      // depending on timing: one cause, one line.
      if (error instanceof Error && /aborted/i.test(error.message)) return reset(host);
  }
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, kind: 'network', reason: `request to ${host} failed: ${code ? `${code}: ` : ''}${message}` };
}

function reset(host: string): { ok: false; kind: FailureKind; reason: string } {
  return { ok: false, kind: 'reset', reason: `connection to ${host} was reset before the answer was complete` };
}

function codeOf(error: AxiosError): string | undefined {
  const cause = error.cause as NodeJS.ErrnoException | undefined;
  return cause?.code ?? error.code;
}

function isTooLarge(error: unknown): boolean {
  return error instanceof Error && /maxContentLength|max(imum)? ?(body|content) ?length/i.test(error.message);
}

const EXCERPT_CHARS = 60;

/** A short, single-line, quoted view of a body, safe to put in a log line. */
export function excerpt(body: string): string {
  if (body.length === 0) return '(empty body)';
  const flat = body.slice(0, EXCERPT_CHARS).replace(/\s+/g, ' ');
  return JSON.stringify(flat) + (body.length > EXCERPT_CHARS ? ` … (${body.length} chars)` : '');
}

function excerptSuffix(body: string): string {
  return body.length > 0 ? `: ${excerpt(body)}` : '';
}
