import type { Logger } from '@fogpair/shared';
import { AutoscalerState } from './autoscaler-state';
import type { ActOutcome, AutoscalerStatus, Evaluation } from './autoscaler-state';
import { explainDecision } from './explain';
import { isOptedIn, readScalingLabels } from './labels';
import type { ScalingTargets } from './labels';
import { decide, rememberScale } from './policy';
import type { Decision, PolicySettings } from './policy';
import { readLoad } from './prometheus';
import type { PrometheusClient } from './prometheus';
import { createScalingReporter } from './scaling-reporter';
import type { ScalingReporter } from './scaling-reporter';
import { describeDockerError, observeService } from './swarm';
import type { SwarmApi, SwarmNode, SwarmService, SwarmTask } from './swarm';

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

/** What every step of an evaluation uses. */
interface Controller {
  readonly swarm: SwarmApi;
  readonly prometheus: PrometheusClient;
  readonly state: AutoscalerState;
  readonly reporter: ScalingReporter;
  readonly settings: AutoscalerSettings;
  readonly policy: typeof decide;
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
  const controller: Controller = {
    swarm,
    prometheus,
    state,
    reporter: createScalingReporter(logger, settings),
    settings,
    policy,
  };
  return {
    async evaluate(signal) {
      try {
        await evaluateAll(controller, now(), signal);
      } catch (error) {
        state.errors.internal++;
        controller.reporter.internalError(undefined, error);
      }
    },
    status: () => state.status(settings),
  };
}

async function evaluateAll(controller: Controller, at: number, signal?: AbortSignal): Promise<void> {
  const { swarm, state, reporter } = controller;
  state.evaluationStarted(at);
  let services: SwarmService[];
  let nodes: SwarmNode[];
  try {
    [services, nodes] = await Promise.all([swarm.listServices(signal), swarm.listNodes(signal)]);
  } catch (error) {
    if (signal?.aborted) return;
    state.errors.docker++;
    reporter.cannotList(describeDockerError(error));
    return;
  }
  reporter.listed();
  const optedIn = services.filter((service) => isOptedIn(service.labels));
  for (const service of optedIn) {
    if (signal?.aborted) return;
    try {
      await evaluateService(controller, service, nodes, at, signal);
    } catch (error) {
      if (signal?.aborted) return;
      state.errors.internal++;
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

async function evaluateService(
  { swarm, prometheus, state, reporter, settings, policy }: Controller,
  service: SwarmService,
  nodes: readonly SwarmNode[],
  at: number,
  signal?: AbortSignal,
): Promise<void> {
  // Read.
  const targets = readTargets(service, reporter);
  if (!targets) {
    state.forget(service.name);
    return;
  }
  let tasks: SwarmTask[];
  try {
    tasks = await swarm.listTasks(service.id, signal);
  } catch (error) {
    if (signal?.aborted) return;
    state.errors.docker++;
    reporter.cannotReadTasks(service.name, describeDockerError(error));
    return;
  }
  const observation = observeService(service, tasks, nodes);
  const { signals, scraped } = await readLoad(prometheus, service.name, targets, settings.rateWindow, signal);
  const partialData = !scraped.ok || scraped.value < observation.ready;

  // Decide.
  const policySettings: PolicySettings = { ...settings, min: targets.min, max: targets.max };
  const { decision, memory, recommendation } = policy(
    { now: at, observation, signals, partialData, settings: policySettings },
    state.memoryOf(service.name),
  );

  // Act.
  const outcome = await act(swarm, service, decision, settings.dryRun);

  // Record.
  const evaluation: Evaluation = {
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

/** The service's labels, or undefined (said once) when it cannot be autoscaled. */
function readTargets(service: SwarmService, reporter: ScalingReporter): ScalingTargets | undefined {
  if (service.replicas === undefined) {
    reporter.isGlobal(service.name);
    return undefined;
  }
  const labels = readScalingLabels(service.labels);
  if (!labels.ok) {
    reporter.labelsInvalid(service.name, labels.problem);
    return undefined;
  }
  reporter.labelsValid(service.name);
  return labels.targets;
}

/** Applies a decision: one update, unless DRY_RUN or nothing changes. The Docker API's refusal is an outcome. */
async function act(swarm: SwarmApi, service: SwarmService, decision: Decision, dryRun: boolean): Promise<ActOutcome> {
  if (decision.direction === 'none') return { kind: 'held' };
  if (dryRun) return { kind: 'dry_run' };
  try {
    // Not aborted by shutdown: an update sent is left to finish, so that the spec is never in doubt.
    await swarm.scale(service, decision.to);
    return { kind: 'applied' };
  } catch (error) {
    return { kind: 'refused', failure: describeDockerError(error) };
  }
}
