export interface EvaluationLoopOptions {
  intervalMs: number;
  /** One evaluation; must not reject (the autoscaler logs its own failures). */
  evaluate: (signal: AbortSignal) => Promise<void>;
}

export interface EvaluationLoop {
  /** performance.now() of the last evaluation's start or end: /healthz fails when it is old. */
  lastActivity(): number;
  /** Cancels the waiting and the reads of a running evaluation, and resolves when it has ended. */
  stop(): Promise<void>;
}

/** Evaluates at once, then every `intervalMs` after the previous evaluation ended (they never overlap). */
export function startEvaluationLoop({ intervalMs, evaluate }: EvaluationLoopOptions): EvaluationLoop {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let lastActivity = performance.now();

  const tick = () => {
    lastActivity = performance.now();
    running = evaluate(controller.signal).finally(() => {
      lastActivity = performance.now();
      running = undefined;
      if (!controller.signal.aborted) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();

  return {
    lastActivity: () => lastActivity,
    async stop() {
      controller.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
