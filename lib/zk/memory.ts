/**
 * Keeps a long walk's memory near what it holds live. Each node read or written leaves a few
 * dozen short-lived objects (request, promise, stat, reply buffers, …); many outlive a young
 * collection while their request is in flight, are promoted, and wait for a full collection that
 * Bun's collector puts off until the heap is several times the live set — and the allocator keeps
 * the pages it touched meanwhile. So a full collection runs after every 10,000 nodes handled: the
 * garbage between two is then bounded by those nodes, not by the tree or by how fast it is read.
 * Measured at 257k znodes (the bench's trees, two local 3.8 servers): peak RSS of `zk diff`
 * 121–125 MB instead of 158–166 MB, `zk copy` 103 MB instead of 127–133 MB, `zk rmr` 88–91 MB
 * instead of 114–117 MB, for 0.5–1.2 s more of our CPU per 257k-node diff. Collecting every
 * 200 ms once the heap passed twice the last live set, as before, left those peaks where they were.
 * A full collection costs in proportion to what is live, so a turn is skipped while the last one
 * would take more than half the time since it ended: a process holding much (a runbook
 * step's stamps and digests) collects less often instead of spending its time collecting.
 */

/** When and how the collector is asked to run; see {@link CollectionCadence}. */
export interface CadenceOptions {
  /** Nodes handled between two full collections. */
  every: number;
  /** Heap use below which nothing is forced: a walk of a small tree never pays for a collection. */
  floorBytes: number;
  /** The most of the time since the last collection ended that the next may take. */
  budget: number;
  heapUsed: () => number;
  collect: () => void;
  /** Milliseconds, monotonic. */
  now: () => number;
}

/**
 * Counts the nodes walks and writers handle and runs a full collection after every `every` of
 * them, unless the heap is still below `floorBytes` or the collection would overrun `budget`.
 * @example const cadence = new CollectionCadence(); cadence.handled(batch.length);
 */
export class CollectionCadence {
  /** Nodes handled so far, all told. */
  handledTotal = 0;
  /** Full collections run so far. */
  collections = 0;
  private since = 0;
  private pauses = 0;
  private lastEnded = Number.NEGATIVE_INFINITY;
  private lastTookMs = 0;

  constructor(
    private readonly options: CadenceOptions = {
      every: 10_000,
      floorBytes: 8 * 1024 * 1024,
      budget: 0.5,
      heapUsed: () => process.memoryUsage().heapUsed,
      collect: () => Bun.gc(true),
      now: () => performance.now(),
    },
  ) {}

  /**
   * Counts `count` nodes read or written; collects when `every` have passed since the last turn,
   * unless the heap is below the floor or the last collection would overrun the budget.
   */
  handled(count: number): void {
    this.handledTotal += count;
    this.since += count;
    if (this.since < this.options.every || this.pauses > 0) return;
    this.since = 0;
    const started = this.options.now();
    if (this.lastTookMs > (started - this.lastEnded) * this.options.budget) return;
    if (this.options.heapUsed() < this.options.floorBytes) return;
    this.options.collect();
    this.collections++;
    this.lastEnded = this.options.now();
    this.lastTookMs = this.lastEnded - started;
  }

  /**
   * Runs `work` with no collection forced: where time matters more than memory, as while the
   * leader is blind (the collector still runs on its own).
   * @example await collectionCadence.paused(() => copyAndVerify(ctx));
   */
  async paused<T>(work: () => Promise<T>): Promise<T> {
    this.pauses++;
    try {
      return await work();
    } finally {
      this.pauses--;
    }
  }
}

/** The process's cadence, fed by every walk and writer. */
export const collectionCadence = new CollectionCadence();
