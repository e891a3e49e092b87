import type { ScalingTargets } from './labels';
import { EMPTY_MEMORY } from './policy';
import type {
  Decision,
  Direction,
  PolicyMemory,
  Reason,
  Sample,
  ServiceObservation,
  SignalEvidence,
  WindowEntry,
} from './policy';

/** What the act step did with a decision. */
export type ActOutcome =
  | { readonly kind: 'held' }
  | { readonly kind: 'dry_run' }
  | { readonly kind: 'applied' }
  | { readonly kind: 'refused'; readonly failure: string };

/** One evaluation of one service: what was read, decided and done. The log lines, /status and /metrics read it. */
export interface Evaluation {
  readonly at: number;
  readonly service: string;
  readonly observation: ServiceObservation;
  readonly targets: ScalingTargets;
  /** What every signal said, also when the decision did not need them (a rolling update, a count out of bounds). */
  readonly signals: readonly SignalEvidence[];
  /** How many of the service's scrape targets Prometheus has up. */
  readonly scraped: Sample;
  /** Fewer targets up than replicas ready (or no count): the totals may be too low. */
  readonly partialData: boolean;
  readonly decision: Decision;
  readonly explanation: string;
  /** The recommendations the policy remembers after this evaluation. */
  readonly window: readonly WindowEntry[];
  readonly outcome: ActOutcome;
}

export interface DecisionRecord {
  readonly at: string;
  readonly service: string;
  readonly from: number;
  readonly to: number;
  readonly direction: Direction;
  readonly reason: Reason;
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

export interface DecisionCount {
  readonly service: string;
  readonly direction: Direction;
  readonly reason: Reason;
  readonly count: number;
}

interface ServiceState {
  memory: PolicyMemory;
  last?: Evaluation;
}

/**
 * Everything the autoscaler knows between evaluations, in one place: per service the policy's memory
 * and the last evaluation, the recent changes, and the counts. /status and /metrics both read it, so
 * they cannot disagree; the log lines are written from the same evaluation records.
 */
export class AutoscalerState {
  private readonly services = new Map<string, ServiceState>();
  /** Newest first, at most `historySize`. */
  private readonly changes: Evaluation[] = [];
  /** Per service, direction and reason; kept when a service is forgotten, as counters are. */
  private readonly decisions = new Map<string, DecisionCount>();
  /** Docker API calls that failed (a refused update is counted when its evaluation is recorded), and bugs. */
  readonly errors = { docker: 0, internal: 0 };
  private lastEvaluationAt: number | undefined;

  constructor(private readonly historySize = 50) {}

  evaluationStarted(at: number): void {
    this.lastEvaluationAt = at;
  }

  memoryOf(service: string): PolicyMemory {
    return this.services.get(service)?.memory ?? EMPTY_MEMORY;
  }

  /** One evaluation, and the memory the policy keeps after it; a refused update counts as a Docker error. */
  record(evaluation: Evaluation, memory: PolicyMemory): void {
    this.services.set(evaluation.service, { memory, last: evaluation });
    if (evaluation.outcome.kind === 'refused') this.errors.docker++;
    const { direction, reason, manual } = evaluation.decision;
    if (direction !== 'none' || manual) {
      this.changes.unshift(evaluation);
      this.changes.length = Math.min(this.changes.length, this.historySize);
    }
    const key = JSON.stringify([evaluation.service, direction, reason]);
    const count = this.decisions.get(key)?.count ?? 0;
    this.decisions.set(key, { service: evaluation.service, direction, reason, count: count + 1 });
  }

  /** A service no longer autoscaled, or whose labels are wrong: its memory and its numbers go. */
  forget(service: string): void {
    this.services.delete(service);
  }

  names(): string[] {
    return [...this.services.keys()];
  }

  /** The last evaluation of every service that has one. */
  latest(): Evaluation[] {
    return [...this.services.values()].flatMap((state) => (state.last ? [state.last] : []));
  }

  decisionCounts(): DecisionCount[] {
    return [...this.decisions.values()];
  }

  /** GET /status. */
  status(
    settings: Pick<AutoscalerStatus, 'dryRun' | 'tolerance' | 'scaleDownWindowMs' | 'scaleUpMaxStep'>,
  ): AutoscalerStatus {
    const services: Record<string, ServiceStatus> = {};
    for (const evaluation of this.latest()) services[evaluation.service] = serviceStatus(evaluation);
    return {
      dryRun: settings.dryRun,
      tolerance: settings.tolerance,
      scaleDownWindowMs: settings.scaleDownWindowMs,
      scaleUpMaxStep: settings.scaleUpMaxStep,
      lastEvaluationAt: this.lastEvaluationAt === undefined ? null : new Date(this.lastEvaluationAt).toISOString(),
      services,
      decisions: this.changes.map(decisionRecord),
    };
  }
}

function decisionRecord({ at, service, decision, explanation, outcome }: Evaluation): DecisionRecord {
  return {
    at: new Date(at).toISOString(),
    service,
    from: decision.from,
    to: decision.to,
    direction: decision.direction,
    reason: decision.reason,
    explanation,
    applied: outcome.kind === 'applied',
    ...(decision.manual && { manual: decision.manual }),
  };
}

function serviceStatus(evaluation: Evaluation): ServiceStatus {
  const { observation, decision, targets, window } = evaluation;
  return {
    current: observation.current,
    ready: observation.ready,
    starting: observation.starting,
    placeable: Number.isFinite(observation.placeable) ? observation.placeable : null,
    desired: decision.to,
    targets,
    window: window.map((item) => ({ at: new Date(item.at).toISOString(), replicas: item.replicas })),
    lastDecision: decisionRecord(evaluation),
  };
}
