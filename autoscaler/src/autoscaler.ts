import type { Logger } from '@fogpair/shared';
import { ConditionLog } from './condition-log';
import { describeLabelProblem, isOptedIn, readScalingLabels } from './labels';
import type { ScalingTargets } from './labels';
import type { AutoscalerMetrics } from './metrics';
import { EMPTY_MEMORY, decide, formatDuration } from './policy';
import type { Decision, PolicyMemory, ServiceObservation, SignalReading } from './policy';
import { cpuQuery, requestsPerSecondQuery, targetsUpQuery } from './prometheus';
import type { PrometheusClient } from './prometheus';
import { observeService } from './swarm';
import type { SwarmApi, SwarmNode, SwarmService } from './swarm';

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
  metrics: AutoscalerMetrics;
  settings: AutoscalerSettings;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now?: () => number;
  /** How many decisions /status keeps. */
  historySize?: number;
}

export interface DecisionRecord {
  readonly at: string;
  readonly service: string;
  readonly from: number;
  readonly to: number;
  readonly direction: Decision['direction'];
  readonly reason: Decision['reason'];
  readonly explanation: string;
  /** False in DRY_RUN, or when the Docker API refused the update. */
  readonly applied: boolean;
  readonly manual?: { readonly from: number; readonly to: number };
}

export interface ServiceStatus {
  readonly current: number;
  readonly ready: number;
  readonly starting: number;
  /** null: no limit (no max_replicas_per_node). */
  readonly placeable: number | null;
  readonly desired: number;
  readonly targets: ScalingTargets;
  readonly window: readonly { readonly at: string; readonly replicas: number }[];
  readonly lastDecision: DecisionRecord;
}

export interface AutoscalerStatus {
  readonly dryRun: boolean;
  readonly tolerance: number;
  readonly scaleDownWindowMs: number;
  readonly scaleUpMaxStep: number;
  readonly lastEvaluationAt: string | null;
  readonly services: Readonly<Record<string, ServiceStatus>>;
  /** Newest first; only decisions that changed (or, in DRY_RUN, would change) a replica count, and manual scales. */
  readonly decisions: readonly DecisionRecord[];
}

export interface Autoscaler {
  /** One evaluation of every opted-in service. Never rejects: failures are logged and held. */
  evaluate(signal?: AbortSignal): Promise<void>;
  status(): AutoscalerStatus;
}

interface ServiceMemory {
  policy: PolicyMemory;
  status?: ServiceStatus;
  /** In DRY_RUN, the last "would scale" decision, so that it is logged at info once, not every evaluation. */
  lastDryRun?: string | undefined;
}

export function createAutoscaler({
  swarm,
  prometheus,
  logger,
  metrics,
  settings,
  now = Date.now,
  historySize = 50,
}: AutoscalerOptions): Autoscaler {
  const memories = new Map<string, ServiceMemory>();
  const conditions = new ConditionLog(logger);
  const history: DecisionRecord[] = [];
  let lastEvaluationAt: number | undefined;

  const record = (entry: DecisionRecord) => {
    history.unshift(entry);
    history.length = Math.min(history.length, historySize);
  };

  const dockerFailed = (what: string, error: unknown) => {
    metrics.dockerError();
    conditions.raise('docker', 'warn', `Cannot ${what} through the Docker API: ${describeDockerError(error)}`, {
      hint: 'the autoscaler needs the Docker socket of a Swarm manager; holding every replica count',
    });
  };

  async function readSignals(service: SwarmService, targets: ScalingTargets, signal?: AbortSignal) {
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
    const [signals, up] = await Promise.all([
      Promise.all(queries),
      prometheus.scalar(targetsUpQuery(service.name), signal),
    ]);
    return { signals, up };
  }

  async function evaluateService(service: SwarmService, nodes: readonly SwarmNode[], at: number, signal?: AbortSignal) {
    const key = `service:${service.name}:`;
    if (service.replicas === undefined) {
      conditions.raise(
        `${key}mode`,
        'warn',
        `Not autoscaling ${service.name}: it is a global service (one task per node)`,
      );
      return;
    }
    const labels = readScalingLabels(service.labels);
    if (!labels.ok) {
      conditions.raise(`${key}labels`, 'warn', describeLabelProblem(service.name, labels.problem), undefined, {
        repeatWhenChanged: true,
      });
      memories.delete(service.name);
      return;
    }
    conditions.clear(`${key}labels`, `Autoscaling ${service.name}: its labels are valid again`);
    const { targets } = labels;

    const tasks = await swarm.listTasks(service.id, signal);
    const observation = observeService(service, tasks, nodes);
    const { signals, up } = await readSignals(service, targets, signal);
    const partialData = !up.ok || up.value < observation.ready;

    const memory = memories.get(service.name) ?? { policy: EMPTY_MEMORY };
    const { decision, memory: policyMemory } = decide(
      {
        now: at,
        observation,
        signals,
        partialData,
        settings: { ...settings, min: targets.min, max: targets.max },
      },
      memory.policy,
    );
    memory.policy = policyMemory;
    memories.set(service.name, memory);

    reportConditions(service.name, key, decision, observation, targets);
    const applied = await act(service, decision, memory);
    if (applied) memory.policy = { ...memory.policy, expected: decision.to };

    metrics.evaluated(service.name, observation, decision.to);
    metrics.decision(service.name, decision);
    const entry: DecisionRecord = {
      at: new Date(at).toISOString(),
      service: service.name,
      from: decision.from,
      to: decision.to,
      direction: decision.direction,
      reason: decision.reason,
      explanation: decision.explanation,
      applied,
      ...(decision.manual && { manual: decision.manual }),
    };
    if (decision.direction !== 'none' || decision.manual) record(entry);
    memory.status = {
      current: observation.current,
      ready: observation.ready,
      starting: observation.starting,
      placeable: Number.isFinite(observation.placeable) ? observation.placeable : null,
      desired: decision.to,
      targets,
      window: memory.policy.window.map((item) => ({ at: new Date(item.at).toISOString(), replicas: item.replicas })),
      lastDecision: entry,
    };
  }

  function reportConditions(
    name: string,
    key: string,
    decision: Decision,
    observation: ServiceObservation,
    targets: ScalingTargets,
  ) {
    conditions.clear(`${key}mode`);
    if (decision.manual) {
      const { from, to } = decision.manual;
      logger.info(
        `${name} was scaled from ${from} to ${to} replicas by someone else; ${to} is the new starting point, ` +
          `kept for at least ${formatDuration(settings.scaleDownWindowMs)} and within [${targets.min}, ${targets.max}]`,
        { swarmService: name, from, to },
      );
    }
    if (decision.reason === 'no_data') {
      conditions.raise(
        `${key}data`,
        'warn',
        `No data to scale ${name} by: ${decision.explanation}; holding at ${decision.from} replicas (never scaling down without data)`,
        { swarmService: name },
      );
    } else if (decision.evidence.every((item) => item.missing === undefined)) {
      conditions.clear(`${key}data`, `Data to scale ${name} by is back`, { swarmService: name });
    }
    if (decision.reason === 'updating') {
      conditions.raise(`${key}updating`, 'info', `Not scaling ${name}: ${decision.explanation}`, {
        swarmService: name,
      });
    } else {
      conditions.clear(`${key}updating`, `${name}'s rolling update is over; autoscaling it again`, {
        swarmService: name,
      });
    }
    if (decision.limitedBy === 'placeable') {
      conditions.raise(
        `${key}limit`,
        'warn',
        `${name}: the load asks for ${decision.wanted ?? '?'} replicas but the eligible nodes can place only ` +
          `${observation.placeable}; staying at most there instead of leaving tasks Pending ` +
          '(add nodes, or raise max_replicas_per_node)',
        { swarmService: name, wanted: decision.wanted, placeable: observation.placeable },
      );
    } else if (decision.limitedBy === 'max') {
      conditions.raise(
        `${key}limit`,
        'info',
        `${name}: the load asks for ${decision.wanted ?? '?'} replicas; staying at the maximum of ${targets.max} ` +
          '(label fogpair.autoscale.max)',
        { swarmService: name, wanted: decision.wanted, max: targets.max },
      );
    } else {
      conditions.clear(`${key}limit`);
    }
  }

  /** Applies a scaling decision; true when the spec now has `decision.to` replicas. */
  async function act(service: SwarmService, decision: Decision, memory: ServiceMemory) {
    const fields = {
      swarmService: service.name,
      from: decision.from,
      to: decision.to,
      direction: decision.direction,
      reason: decision.reason,
      evidence: decision.evidence,
    };
    if (decision.direction === 'none') {
      if (logger.isLevelEnabled('debug')) {
        logger.debug(`Holding ${service.name} at ${decision.from}: ${decision.explanation}`, fields);
      }
      memory.lastDryRun = undefined;
      return false;
    }
    const line = `Scaling ${service.name} ${decision.from} → ${decision.to}: ${decision.explanation}`;
    if (settings.dryRun) {
      const summary = `${decision.from}→${decision.to}`;
      if (memory.lastDryRun === summary) logger.debug(`${line} (DRY_RUN: not applied)`, fields);
      else logger.info(`${line} (DRY_RUN: not applied)`, fields);
      memory.lastDryRun = summary;
      return false;
    }
    try {
      // Not aborted by shutdown: an update sent is left to finish, so that the spec is never in doubt.
      await swarm.scale(service, decision.to);
      logger.info(line, fields);
      return true;
    } catch (error) {
      metrics.dockerError();
      logger.warn(`Could not scale ${service.name} ${decision.from} → ${decision.to}: ${describeDockerError(error)}`, {
        ...fields,
        hint: 'trying again at the next evaluation',
      });
      return false;
    }
  }

  return {
    async evaluate(signal) {
      const at = now();
      lastEvaluationAt = at;
      let services: SwarmService[];
      let nodes: SwarmNode[];
      try {
        [services, nodes] = await Promise.all([swarm.listServices(signal), swarm.listNodes(signal)]);
      } catch (error) {
        if (signal?.aborted) return;
        dockerFailed('list services and nodes', error);
        return;
      }
      conditions.clear('docker', 'The Docker API answers again');
      const optedIn = services.filter((service) => isOptedIn(service.labels));
      for (const service of optedIn) {
        if (signal?.aborted) return;
        try {
          await evaluateService(service, nodes, at, signal);
        } catch (error) {
          if (signal?.aborted) return;
          dockerFailed(`read the tasks of ${service.name}`, error);
        }
      }
      const names = new Set(optedIn.map((service) => service.name));
      for (const name of [...memories.keys()]) {
        if (names.has(name)) continue;
        memories.delete(name);
        metrics.forget(name);
        conditions.forget(`service:${name}:`);
        logger.info(`${name} is no longer autoscaled (removed, or label fogpair.autoscale.enable is not "true")`);
      }
    },
    status() {
      const services: Record<string, ServiceStatus> = {};
      for (const [name, memory] of memories) if (memory.status) services[name] = memory.status;
      return {
        dryRun: settings.dryRun,
        tolerance: settings.tolerance,
        scaleDownWindowMs: settings.scaleDownWindowMs,
        scaleUpMaxStep: settings.scaleUpMaxStep,
        lastEvaluationAt: lastEvaluationAt === undefined ? null : new Date(lastEvaluationAt).toISOString(),
        services,
        decisions: [...history],
      };
    },
  };
}

/** A Docker API failure in words: the socket missing or forbidden, or the engine's own message. */
export function describeDockerError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const address = (error as { address?: unknown }).address;
  const where = typeof address === 'string' ? ` (${address})` : '';
  if (code === 'ENOENT') return `no Docker socket${where}; mount /var/run/docker.sock into the container`;
  if (code === 'EACCES') return `permission denied on the Docker socket${where}; run as a user that may use it`;
  if (code === 'ECONNREFUSED') return `the Docker socket refused the connection${where}`;
  const status = (error as { statusCode?: unknown }).statusCode;
  const json = (error as { json?: { message?: unknown } }).json;
  const message =
    typeof json?.message === 'string' ? json.message : error instanceof Error ? error.message : String(error);
  if (status === 503) return `${message} (this engine is not a Swarm manager: run the autoscaler on a manager)`;
  return typeof status === 'number' ? `HTTP ${status}: ${message}` : message;
}
