import type { Logger } from '@fogpair/shared';
import type { Evaluation } from './autoscaler-state';
import { ConditionLog } from './condition-log';
import { describeMissing, formatDuration } from './explain';
import { describeLabelProblem } from './labels';
import type { LabelProblem } from './labels';

export interface ScalingReporter {
  /** Listing services and nodes failed: nothing is evaluated. */
  cannotList(failure: string): void;
  listed(): void;
  /** A global service, which has no replica count to set. */
  isGlobal(service: string): void;
  labelsInvalid(service: string, problem: LabelProblem): void;
  labelsValid(service: string): void;
  cannotReadTasks(service: string, failure: string): void;
  /** One evaluation of a service ended: its conditions and what it did. */
  evaluated(evaluation: Evaluation): void;
  /** An evaluation threw something that is no Docker API failure (`service` undefined: outside any service's). */
  internalError(service: string | undefined, error: unknown): void;
  /** An evaluation of every service ended without an internal error outside the services' own. */
  evaluationCompleted(): void;
  /** The service is no longer opted in (or is gone). */
  forgotten(service: string): void;
}

export interface ScalingReporterSettings {
  readonly scaleDownWindowMs: number;
}

/** `service:fogpair_producer:data`: one condition of one service. */
const key = (service: string, condition: string) => `service:${service}:${condition}`;

/**
 * The autoscaler's log lines, from what each evaluation read, decided and did. Every scale is one info
 * line with its numbers; a hold is a debug line; a lasting condition (no data, a refused update, the
 * tasks unreadable, a rolling update, a bound that holds, partial scrapes, …) is one line when it begins
 * and one when it ends, each keyed by what failed, so that one failing call cannot clear another's.
 */
export function createScalingReporter(logger: Logger, settings: ScalingReporterSettings): ScalingReporter {
  const conditions = new ConditionLog(logger);
  /** In DRY_RUN, the last "would scale" per service, so that it is logged at info once, not every evaluation. */
  const lastDryRun = new Map<string, string>();

  return {
    cannotList(failure) {
      conditions.raise('docker', 'warn', `Cannot list services and nodes through the Docker API: ${failure}`, {
        hint: 'the autoscaler needs the Docker socket of a Swarm manager; holding every replica count',
      });
    },
    listed() {
      conditions.clear('docker', 'The Docker API answers again');
    },
    isGlobal(service) {
      const message = `Not autoscaling ${service}: it is a global service (one task per node)`;
      conditions.raise(key(service, 'mode'), 'warn', message);
    },
    labelsInvalid(service, problem) {
      const message = describeLabelProblem(service, problem);
      conditions.raise(key(service, 'labels'), 'warn', message, undefined, { cause: message });
    },
    labelsValid(service) {
      conditions.clear(key(service, 'labels'), `Autoscaling ${service}: its labels are valid again`);
    },
    cannotReadTasks(service, failure) {
      conditions.raise(
        key(service, 'tasks'),
        'warn',
        `Cannot read the tasks of ${service} through the Docker API: ${failure}`,
        {
          swarmService: service,
          hint: `holding ${service} at its replica count until its tasks can be read`,
        },
      );
    },
    evaluated(evaluation) {
      reportRecovery(conditions, evaluation);
      reportManualScale(logger, evaluation, settings.scaleDownWindowMs);
      reportData(conditions, evaluation);
      reportPartialData(conditions, evaluation);
      reportUpdate(conditions, evaluation);
      reportLimit(conditions, evaluation);
      reportAct(logger, conditions, lastDryRun, evaluation);
    },
    internalError(service, error) {
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      const where = service === undefined ? 'the evaluation' : `the evaluation of ${service}`;
      conditions.raise(
        service === undefined ? 'internal' : key(service, 'internal'),
        'error',
        `Internal error in ${where} (a bug in the autoscaler, not a Docker or Prometheus failure): ${what}; ` +
          'holding the replica count',
        {
          ...(service !== undefined && { swarmService: service }),
          stack: error instanceof Error ? error.stack : undefined,
        },
        { cause: what },
      );
    },
    evaluationCompleted() {
      conditions.clear('internal', 'Evaluations work again');
    },
    forgotten(service) {
      conditions.forget(key(service, ''));
      lastDryRun.delete(service);
      logger.info(`${service} is no longer autoscaled (removed, or label fogpair.autoscale.enable is not "true")`);
    },
  };
}

/** What failed before this evaluation and did not fail in it. */
function reportRecovery(conditions: ConditionLog, { service }: Evaluation) {
  const fields = { swarmService: service };
  conditions.clear(key(service, 'mode'));
  conditions.clear(key(service, 'tasks'), `The Docker API lists the tasks of ${service} again`, fields);
  conditions.clear(key(service, 'internal'), `Evaluating ${service} works again`, fields);
}

function reportManualScale(logger: Logger, { service, decision, targets }: Evaluation, windowMs: number) {
  if (!decision.manual) return;
  const { from, to } = decision.manual;
  logger.info(
    `${service} was scaled from ${from} to ${to} replicas by someone else; ${to} is the new starting point, ` +
      `kept for at least ${formatDuration(windowMs)} and within [${targets.min}, ${targets.max}]`,
    { swarmService: service, from, to },
  );
}

/** Raised when no signal has the data to decide by; cleared only when every signal has data again. */
function reportData(conditions: ConditionLog, { service, decision, signals }: Evaluation) {
  const fields = { swarmService: service };
  if (decision.reason === 'no_data') {
    conditions.raise(
      key(service, 'data'),
      'warn',
      `No data to scale ${service} by: ${describeMissing(signals)}; holding at ${decision.from} replicas ` +
        '(never scaling down without data)',
      fields,
    );
  } else if (signals.every((item) => item.missing === undefined)) {
    conditions.clear(key(service, 'data'), `Data to scale ${service} by is back`, fields);
  }
}

/** Raised when partial scrapes hold a scale-down; cleared when every ready replica is scraped again. */
function reportPartialData(conditions: ConditionLog, evaluation: Evaluation) {
  const { service, decision, observation, scraped, partialData } = evaluation;
  const fields = { swarmService: service };
  if (decision.reason === 'partial_data') {
    const seen = scraped.ok
      ? `Prometheus scrapes ${scraped.value} of its ${observation.ready} ready replicas`
      : `Prometheus cannot say how many of its replicas it scrapes (${scraped.reason})`;
    conditions.raise(
      key(service, 'partial'),
      'info',
      `Not scaling ${service} down: ${seen}, and a replica that is not scraped looks like less load; ` +
        `holding at ${decision.from} replicas`,
      { ...fields, scraped: scraped.ok ? scraped.value : null, ready: observation.ready },
    );
  } else if (!partialData) {
    conditions.clear(key(service, 'partial'), `Prometheus scrapes every ready replica of ${service} again`, fields);
  }
}

function reportUpdate(conditions: ConditionLog, { service, decision, explanation }: Evaluation) {
  const fields = { swarmService: service };
  if (decision.reason === 'updating') {
    conditions.raise(key(service, 'updating'), 'info', `Not scaling ${service}: ${explanation}`, fields);
  } else {
    conditions.clear(key(service, 'updating'), `${service}'s rolling update is over; autoscaling it again`, fields);
  }
}

/** The nodes or the maximum keep the count below what the load asks for. */
function reportLimit(conditions: ConditionLog, { service, decision, observation, targets }: Evaluation) {
  const fields = { swarmService: service, wanted: decision.wanted };
  if (decision.limitedBy === 'placeable') {
    conditions.raise(
      key(service, 'limit'),
      'warn',
      `${service}: the load asks for ${decision.wanted ?? '?'} replicas but the eligible nodes can place only ` +
        `${observation.placeable}; staying at most there instead of leaving tasks Pending ` +
        '(add nodes, or raise max_replicas_per_node)',
      { ...fields, placeable: observation.placeable },
    );
  } else if (decision.limitedBy === 'max') {
    conditions.raise(
      key(service, 'limit'),
      'info',
      `${service}: the load asks for ${decision.wanted ?? '?'} replicas; staying at the maximum of ${targets.max} ` +
        '(label fogpair.autoscale.max)',
      { ...fields, max: targets.max },
    );
  } else {
    conditions.clear(key(service, 'limit'));
  }
}

/** The act step's line: a hold at debug, a scale at info, a DRY_RUN scale once at info, a refusal once per cause. */
function reportAct(
  logger: Logger,
  conditions: ConditionLog,
  lastDryRun: Map<string, string>,
  { service, decision, explanation, outcome }: Evaluation,
) {
  const { from, to, direction, reason, evidence } = decision;
  const fields = { swarmService: service, from, to, direction, reason, evidence };
  const line = `Scaling ${service} ${from} → ${to}: ${explanation}`;
  switch (outcome.kind) {
    case 'held':
      if (logger.isLevelEnabled('debug')) logger.debug(`Holding ${service} at ${from}: ${explanation}`, fields);
      lastDryRun.delete(service);
      return;
    case 'dry_run': {
      const summary = `${from}→${to}`;
      if (lastDryRun.get(service) === summary) logger.debug(`${line} (DRY_RUN: not applied)`, fields);
      else logger.info(`${line} (DRY_RUN: not applied)`, fields);
      lastDryRun.set(service, summary);
      return;
    }
    case 'applied':
      // The scale line itself says that updates go through again.
      conditions.clear(key(service, 'scale'));
      logger.info(line, fields);
      return;
    case 'refused':
      conditions.raise(
        key(service, 'scale'),
        'warn',
        `Could not scale ${service} ${from} → ${to}: ${outcome.failure}`,
        { ...fields, hint: 'trying again at every evaluation; logged again only if the cause changes' },
        { cause: outcome.failure },
      );
      return;
    default:
      return outcome satisfies never;
  }
}
