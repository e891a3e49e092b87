export interface InstanceCount {
  instance: string;
  answers: number;
  lastSeenAt: number;
}

/**
 * Answers per producer instance. Every restart of a Swarm replica brings a new container id, so only
 * the `capacity` most recently seen instances are kept; answers of forgotten ones still count in
 * `forgottenAnswers`, and the shares stay right.
 */
export class InstanceTally {
  // A Map iterates in insertion order: re-inserting on every answer keeps the least recent first.
  private readonly byInstance = new Map<string, InstanceCount>();
  private forgotten = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a whole number >= 1 (got ${capacity})`);
    }
  }

  record(instance: string, at: number): void {
    const previous = this.byInstance.get(instance);
    this.byInstance.delete(instance);
    this.byInstance.set(instance, { instance, answers: (previous?.answers ?? 0) + 1, lastSeenAt: at });
    if (this.byInstance.size > this.capacity) {
      const [leastRecent] = this.byInstance.values();
      if (leastRecent) {
        this.forgotten += leastRecent.answers;
        this.byInstance.delete(leastRecent.instance);
      }
    }
  }

  get forgottenAnswers(): number {
    return this.forgotten;
  }

  /** Most answers first; ties by name, so the table does not jump around. */
  counts(): InstanceCount[] {
    return [...this.byInstance.values()]
      .map((count) => ({ ...count }))
      .sort((a, b) => b.answers - a.answers || a.instance.localeCompare(b.instance));
  }
}
