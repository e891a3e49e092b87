// The part of autocannon's API (8.x and 9.x; it ships no types) that run-load.ts uses.
declare module 'autocannon' {
  import type { EventEmitter } from 'node:events';

  interface Options {
    url: string | string[];
    connections?: number;
    duration?: number;
    overallRate?: number;
    maxOverallRequests?: number;
    timeout?: number;
    reconnectRate?: number;
    pipelining?: number;
  }

  interface Result {
    errors: number;
    timeouts: number;
    totalCompletedRequests: number;
  }

  interface Instance extends EventEmitter, PromiseLike<Result> {
    stop(): void;
    on(
      event: 'response',
      listener: (client: unknown, statusCode: number, bytes: number, responseTimeMs: number) => void,
    ): this;
    on(event: 'reqError', listener: (error: unknown) => void): this;
  }

  function autocannon(options: Options): Instance;
  export = autocannon;
}
