import type { Logger } from '@fogpair/shared';
import { AutoscalerState } from './autoscaler-state';
import type { ActOutcome, AutoscalerStatus } from './autoscaler-state';
import { explainDecision } from './explain';
import { isOptedIn, readScalingLabels } from './labels';
import type { ScalingTargets } from './labels';
import { decide, rememberScale } from './policy';
import type { Decision, PolicySettings, SignalReading } from './policy';
import { cpuQuery, requestsPerSecondQuery, targetsUpQuery } from './prometheus';
import type { PrometheusClient } from './prometheus';
import { createScalingReporter } from './scaling-reporter';
import { describeDockerError, observeService } from './swarm';
import type { SwarmApi, SwarmNode, SwarmService } from './swarm';

export type { AutoscalerStatus, DecisionRecord, ServiceStatus } from './autoscaler-state';

export interface AutoscalerSettings {
  readonly tolerance: number;
  readonly scaleUpMaxStep: number;
  readonly scaleDownWindowMs: number;
  readonly rateWindow: string;
  readonly dryRun: boolean;
}

export interface AutoscalerOptions {
  swarm: SwarmApi;
  prometheus: PrometheusClient;
  logger: Logger;
  /** Where evaluations are recorded; /metrics reads it too. */
  state?: AutoscalerState;
  settings: AutoscalerSettings;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
  /** The policy; tests pass a broken one to see how a bug is reported. */
  policy?: typeof decide;
}

export interface Autoscaler {
  /** One evaluation of every opted-in service. Never rejects: failures are logged and held. */
  evaluate(signal?: AbortSignal): Promise<void>;
  status(): AutoscalerStatus;
}

/**
 * The evaluation loop's body, as the HPA's controller: for every opted-in service, read (labels, tasks,
 * nodes, Prometheus), decide (policy.ts, pure), act (one update, unless DRY_RUN or nothing changes),
 * record (one evaluation in the state, which the reporter puts into log lines).
 */
export function createAutoscaler({
  swarm,
  prometheus,
  logger,
  state = new AutoscalerState(),
  settings,
  now = Date.now,
  policy = decide,
}: AutoscalerOptions): Autoscaler {
  const reporter = createScalingReporter(logger, settings);

  /** The service's labels, or undefined (and said once) when it cannot be autoscaled. */
  function readTargets(service: SwarmService): ScalingTargets | undefined {
    if (service.replicas === undefined) {
      reporter.isGlobal(service.name);
      return undefined;
    }
    const labels = readScalingLabels(service.labels);
    if (!labels.ok) {
      reporter.labelsInvalid(service.name, labels.problem);
      state.forget(service.name);
      return undefined;
    }
    reporter.labelsValid(service.name);
    return labels.targets;
  }

  function readSignals(service: SwarmService, targets: ScalingTargets, signal?: AbortSignal) {
    const queries: Promise<SignalReading>[] = [];
    if (targets.targetRps !== undefined) {
      const target = targets.targetRps;
      const query = requestsPerSecondQuery(targets.requestsMetric, service.name, settings.rateWindow);
      queries.push(prometheus.scalar(query, signal).then((total) => ({ signal: 'rps', target, total })));
    }
    if (targets.targetCpu !== undefined) {
      const target = targets.targetCpu;
      const query = cpuQuery(service.name, settings.rateWindow);
      queries.push(prometheus.scalar(query, signal).then((total) => ({ signal: 'cpu', target, total })));
    }
    return Promise.all([Promise.all(queries), prometheus.scalar(targetsUpQuery(service.name), signal)]);
  }

  /** Applies a decision; the Docker API's refusal is an outcome, not an exception. */
  async function act(service: SwarmService, decision: Decision): Promise<ActOutcome> {
    if (decision.direction === 'none') return { kind: 'held' };
    if (settings.dryRun) return { kind: 'dry_run' };
    try {
      // Not aborted by shutdown: an update sent is left to finish, so that the spec is never in doubt.
      await swarm.scale(service, decision.to);
      return { kind: 'applied' };
    } catch (error) {
      state.dockerError();
      return { kind: 'refused', failure: describeDockerError(error) };
    }
  }

  async function evaluateService(service: SwarmService, nodes: readonly SwarmNode[], at: number, signal?: AbortSignal) {
    // Read.
    const targets = readTargets(service);
    if (!targets) return;
    let tasks;
    try {
      tasks = await swarm.listTasks(service.id, signal);
    } catch (error) {
      if (signal?.aborted) return;
      state.dockerError();
      reporter.cannotReadTasks(service.name, describeDockerError(error));
      return;
    }
    const observation = observeService(service, tasks, nodes);
    const [signals, scraped] = await readSignals(service, targets, signal);
    const partialData = !scraped.ok || scraped.value < observation.ready;

    // Decide.
    const policySettings: PolicySettings = { ...settings, min: targets.min, max: targets.max };
    const { decision, memory, recommendation } = policy(
      { now: at, observation, signals, partialData, settings: policySettings },
      state.memoryOf(service.name),
    );

    // Act.
    const outcome = await act(service, decision);

    // Record.
    const evaluation = {
      at,
      service: service.name,
      observation,
      targets,
      signals: recommendation.signals,
      scraped,
      partialData,
      decision,
      explanation: explainDecision(decision, observation, policySettings),
      window: memory.window,
      outcome,
    };
    state.record(evaluation, outcome.kind === 'applied' ? rememberScale(memory, decision.to) : memory);
    reporter.evaluated(evaluation);
  }

  async function evaluate(signal?: AbortSignal) {
    const at = now();
    state.evaluationStarted(at);
    let services: SwarmService[];
    let nodes: SwarmNode[];
    try {
      [services, nodes] = await Promise.all([swarm.listServices(signal), swarm.listNodes(signal)]);
    } catch (error) {
      if (signal?.aborted) return;
      state.dockerError();
      reporter.cannotList(describeDockerError(error));
      return;
    }
    reporter.listed();
    const optedIn = services.filter((service) => isOptedIn(service.labels));
    for (const service of optedIn) {
      if (signal?.aborted) return;
      try {
        await evaluateService(service, nodes, at, signal);
      } catch (error) {
        if (signal?.aborted) return;
        state.internalError();
        reporter.internalError(service.name, error);
      }
    }
    const names = new Set(optedIn.map((service) => service.name));
    for (const name of state.names()) {
      if (names.has(name)) continue;
      state.forget(name);
      reporter.forgotten(name);
    }
    reporter.evaluationCompleted();
  }

  return {
    async evaluate(signal) {
      try {
        await evaluate(signal);
      } catch (error) {
        state.internalError();
        reporter.internalError(undefined, error);
      }
    },
    status: () => state.status(settings),
  };
}
