/**
 * Writes a stream of operations as byte-aware `multi` batches, several in flight on one session
 * (FIFO per session keeps parents before children across batches). A batch that fails, or whose
 * outcome is unknown after a connection loss, is reconciled in order: every operation's intended
 * state is read back, the satisfied ones are dropped and only the rest are sent again — so nothing
 * is written twice and nothing is skipped.
 */
import { ActionFailed, PreconditionFailed } from "../errors.ts";
import { formatBytes } from "./events.ts";
import type { Acl } from "./jute.ts";
import { collectionCadence } from "./memory.ts";
import { createFlagsOf, nodeTypeOf, sameAcl, ttlOf } from "./node-type.ts";
import {
  Code,
  isConnectionError,
  type MultiOp,
  type MultiResult,
  multiFrameOverhead,
  multiOpBytes,
  ZkError,
} from "./protocol.ts";
import type { ZkSession } from "./session.ts";

/** Options of {@link TreeWriter}. */
export interface WriterOptions {
  /** Request bytes per multi batch. @default 524288 */
  batchBytes?: number;
  /** Operations per multi batch. @default 1000 */
  batchOps?: number;
  /** Batches sent before the first is answered. @default 4 */
  batchesInFlight?: number;
  /**
   * Operations held back before the first batch is sent, so that a small tree is read whole
   * (and every problem found) before anything is written. @default 0
   */
  holdBackOps?: number;
  /** Total operations expected, for progress events. */
  total?: number;
  /** Progress phase name. @default "write" */
  phase?: "write" | "delete";
  /** How to explain a failed batch to the operator. */
  hint?: string;
  /** Error codes that mean "someone else changed the tree" (turned into PreconditionFailed). */
  concurrentCodes?: number[];
}

/** What a writer did. */
export interface WriteSummary {
  /** Operations applied (or, under dry-run, that would be). */
  ops: number;
  /** Multi requests sent (or logged under dry-run). */
  batches: number;
  /** Request bytes. */
  bytes: number;
  /** Batches whose outcome had to be reconciled after an error or a connection loss. */
  reconciled: number;
  /** Operations found already applied when reconciling (a lost reply, not a second write). */
  foundApplied: number;
}

/** A write failed because another client changed the tree (bad version, not empty, …). */
export class WriteConflict extends PreconditionFailed {
  constructor(
    message: string,
    readonly code: number,
    options: { hint?: string },
  ) {
    super(message, options);
  }
}

interface Batch {
  ops: MultiOp[];
  bytes: number;
}

/**
 * Batches operations into multis and sends them with reconciliation. A producer either awaits
 * `add` or calls `push` and honours `blocked()`/`drained()` (the writer is a walk's
 * {@link Backpressure}): at most a few batches wait unsent, so memory does not grow with the tree.
 * @example
 * const writer = new TreeWriter(target);
 * for (const op of ops) await writer.add(op);
 * const summary = await writer.finish();
 */
export class TreeWriter {
  private current: Batch = { ops: [], bytes: multiFrameOverhead };
  private readonly ready: Batch[] = [];
  private queuedOps = 0;
  private queuedBytes = 0;
  private started: boolean;
  private inFlight = 0;
  private reconciling = 0;
  private recovery: Promise<void> = Promise.resolve();
  private failure: unknown = null;
  private waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private lastProgress = Number.NEGATIVE_INFINITY;
  private readonly summary: WriteSummary = {
    ops: 0,
    batches: 0,
    bytes: 0,
    reconciled: 0,
    foundApplied: 0,
  };
  private readonly batchBytes: number;
  private readonly batchOps: number;
  private readonly maxInFlight: number;
  private readonly holdBackOps: number;
  private readonly capacityOps: number;
  private readonly capacityBytes: number;

  constructor(
    private readonly session: ZkSession,
    private readonly options: WriterOptions = {},
  ) {
    this.batchBytes = options.batchBytes ?? 512 * 1024;
    this.batchOps = options.batchOps ?? 1000;
    this.maxInFlight = options.batchesInFlight ?? 4;
    this.holdBackOps = options.holdBackOps ?? 0;
    this.started = this.holdBackOps === 0;
    this.capacityOps = this.holdBackOps + this.batchOps * 4;
    this.capacityBytes = this.batchBytes * 8;
  }

  /** Operations applied so far (or, under dry-run, logged). */
  get written(): number {
    return this.summary.ops;
  }

  /** Adds an operation; waits while too many wait unsent. */
  async add(op: MultiOp): Promise<void> {
    this.push(op);
    if (this.blocked()) await this.drained();
  }

  /** Adds an operation without waiting; the producer should then honour `blocked()`. */
  push(op: MultiOp): void {
    this.throwIfFailed();
    const bytes = multiOpBytes(op);
    const full =
      this.current.ops.length >= this.batchOps || this.current.bytes + bytes > this.batchBytes;
    if (full && this.current.ops.length > 0) this.seal();
    this.current.ops.push(op);
    this.current.bytes += bytes;
    this.queuedOps++;
    this.queuedBytes += bytes;
    if (!this.started && this.queuedOps >= this.holdBackOps) this.started = true;
    this.drive();
  }

  /** True while enough operations wait unsent that the producer should pause. */
  blocked(): boolean {
    return (
      this.failure === null &&
      (this.queuedOps >= this.capacityOps || this.queuedBytes >= this.capacityBytes)
    );
  }

  /** Resolves once `blocked()` is false; rejects if a batch failed. */
  drained(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (!this.blocked()) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /**
   * Sends what is left, waits for every batch, and returns the summary.
   * @throws {ActionFailed} If a batch failed for a reason other than a lost connection.
   */
  async finish(): Promise<WriteSummary> {
    if (this.current.ops.length > 0) this.seal();
    this.started = true;
    this.drive();
    await this.settled();
    await this.recovery.catch(() => {});
    this.throwIfFailed();
    this.progress(true);
    return this.summary;
  }

  /**
   * Drops what was not sent yet and waits for the batches on the wire.
   * @returns the operations applied.
   */
  async stop(): Promise<number> {
    this.ready.length = 0;
    this.current = { ops: [], bytes: multiFrameOverhead };
    this.queuedOps = 0;
    this.queuedBytes = 0;
    await this.settled();
    return this.summary.ops;
  }

  /** Waits until nothing is queued, on the wire or being reconciled (or a batch failed). */
  private async settled(): Promise<void> {
    while (!this.failure && (this.ready.length > 0 || this.inFlight > 0 || this.reconciling > 0)) {
      await new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject })).catch(
        () => {},
      );
    }
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private seal(): void {
    this.ready.push(this.current);
    this.current = { ops: [], bytes: multiFrameOverhead };
  }

  /** Sends ready batches while the window allows and no batch is being reconciled. */
  private drive(): void {
    while (
      this.started &&
      !this.failure &&
      this.reconciling === 0 &&
      this.inFlight < this.maxInFlight &&
      this.ready.length > 0
    ) {
      const batch = this.ready.shift() as Batch;
      this.queuedOps -= batch.ops.length;
      this.queuedBytes -= batch.bytes - multiFrameOverhead;
      this.inFlight++;
      this.send(batch)
        .catch((error) => {
          this.failure ??= error;
        })
        .finally(() => {
          this.inFlight--;
          this.drive();
          this.wake();
        });
    }
    this.wake();
  }

  /** Tells waiting producers (and `finish`) that something moved. */
  private wake(): void {
    if (this.waiters.length === 0) return;
    if (!this.failure && this.blocked()) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) {
      if (this.failure) w.reject(this.failure);
      else w.resolve();
    }
  }

  private async send(batch: Batch): Promise<void> {
    let results: MultiResult[] | null;
    try {
      results = await this.session.multi(batch.ops, batch.bytes);
    } catch (error) {
      if (!(error instanceof ZkError)) throw error;
      return this.reconcileInOrder(batch, error);
    }
    const failed = failedOp(results, batch.ops);
    if (failed) return this.reconcileInOrder(batch, new ZkError(failed.error, failed.op.path));
    this.applied(batch);
  }

  /** Reconciles batches one at a time, in the order they failed (their order of sending). */
  private reconcileInOrder(batch: Batch, error: ZkError): Promise<void> {
    this.reconciling++;
    const step = this.recovery
      .then(() => this.reconcile(batch, error))
      .finally(() => {
        this.reconciling--;
      });
    this.recovery = step.catch(() => {});
    return step;
  }

  private async reconcile(batch: Batch, firstError: ZkError): Promise<void> {
    this.throwIfFailed();
    this.summary.reconciled++;
    let error = firstError;
    let ops = batch.ops;
    let definitive = 0;
    // Connections dropped on this request while the server applied none of it: a server that
    // refuses the request itself (jute.maxbuffer, heap) does that every time; a network does not.
    let refusals = 0;
    for (let attempt = 0; attempt < 20; attempt++) {
      const dropped = isConnectionError(error);
      if (dropped) await this.reconnectedWhileWriting();
      else definitive++;
      // A new session may sit on a follower that has not seen our last writes yet.
      await this.session.syncPrimary(ops[0]?.path ?? "/");
      const applied = await Promise.all(ops.map((op) => this.isApplied(op)));
      const pending = ops.filter((_, i) => !applied[i]);
      this.summary.foundApplied += ops.length - pending.length;
      this.summary.ops += ops.length - pending.length;
      refusals = dropped && pending.length === ops.length ? refusals + 1 : 0;
      ops = pending;
      if (ops.length === 0) return this.progress(false);
      // A definitive error may come from a reply that raced our read-back: send once more, then give up.
      if (definitive >= 2) throw this.failed(error);
      const bytes = ops.reduce((sum, op) => sum + multiOpBytes(op), multiFrameOverhead);
      if (refusals >= 3) throw this.refused(ops, bytes, refusals, error);
      try {
        const results = await this.session.multi(ops, bytes);
        const failed = failedOp(results, ops);
        if (!failed) return this.applied({ ops, bytes });
        error = new ZkError(failed.error, failed.op.path);
      } catch (retryError) {
        if (!(retryError instanceof ZkError)) throw retryError;
        error = retryError;
      }
    }
    throw this.failed(error);
  }

  /** True when the target already shows the effect of `op` (read on the primary session). */
  private async isApplied(op: MultiOp): Promise<boolean> {
    switch (op.type) {
      case "create": {
        const [node, acl] = await Promise.all([
          this.session.get(op.path),
          this.session.acl(op.path),
        ]);
        if (!node || !acl) return false;
        const type = nodeTypeOf(node.stat.ephemeralOwner);
        const sameType =
          createFlagsOf(type) === op.flags &&
          (type !== "ttl" || ttlOf(node.stat.ephemeralOwner) === op.ttlMs);
        if (node.data.equals(op.data) && sameAcl(acl.acl, op.acl as Acl[]) && sameType) return true;
        throw new PreconditionFailed(
          `Cannot create ${op.path} on ${this.session.label} as another client created it with different ${sameType ? "content" : "type"}`,
          { hint: "Something else writes to the target: stop it, then rerun with --overwrite" },
        );
      }
      case "setData": {
        const node = await this.session.get(op.path);
        return node?.data.equals(op.data) === true;
      }
      case "delete":
        return (await this.session.exists(op.path)) === null;
      case "check":
        return false;
    }
  }

  private applied(batch: Batch): void {
    this.summary.ops += batch.ops.length;
    collectionCadence.handled(batch.ops.length);
    this.summary.batches++;
    this.summary.bytes += batch.bytes;
    this.progress(false);
  }

  /** Waits for the ensemble to answer again; if it does not, says what may have killed it. */
  private async reconnectedWhileWriting(): Promise<void> {
    try {
      await this.session.reconnected();
    } catch (error) {
      if (!(error instanceof ActionFailed)) throw error;
      throw new ActionFailed(
        `${error.message} while writing to it (${this.summary.ops} operations applied)`,
        {
          hint: `If its servers exited, look in their logs for java.lang.OutOfMemoryError (the heap is too small for the tree: raise -Xmx) or "Len error" (a request above jute.maxbuffer). ${this.options.hint ?? ""}`.trim(),
          cause: error.cause,
        },
      );
    }
  }

  /** The server drops the connection on this request every time: it refuses the request. */
  private refused(ops: readonly MultiOp[], bytes: number, times: number, error: ZkError): Error {
    const first = ops[0]?.path ?? "";
    const last = ops[ops.length - 1]?.path ?? "";
    return new ActionFailed(
      `Cannot write to ${this.session.label} (${this.session.address.connect}): the server closed the connection ${times} times in a row on the same ${formatBytes(bytes)} request (a multi of ${ops.length} operations, ${first} … ${last}) and applied none of it; ${this.summary.ops} operations had been applied`,
      {
        hint: `The server refuses the request itself. Its log says why: "Len error" means the request is above its jute.maxbuffer (raise -Djute.maxbuffer on every server of that ensemble and restart them); java.lang.OutOfMemoryError means its heap is too small for the tree (raise -Xmx). ${this.options.hint ?? ""}`.trim(),
        cause: error,
      },
    );
  }

  private failed(error: ZkError): Error {
    const concurrent = this.options.concurrentCodes?.includes(error.code);
    const what = `Cannot write to ${this.session.label} (${this.session.address.connect}): ${error.message}`;
    if (concurrent) {
      return new WriteConflict(`${what}; the tree changed while it was being written`, error.code, {
        hint: this.options.hint,
      });
    }
    return new ActionFailed(what, { hint: this.options.hint, cause: error });
  }

  private progress(force: boolean): void {
    const now = performance.now();
    if (!force && now - this.lastProgress < 200) return;
    this.lastProgress = now;
    this.session.log({
      kind: "zk-progress",
      ensemble: this.session.label,
      phase: this.options.phase ?? "write",
      done: this.summary.ops,
      total: this.options.total ?? null,
    });
  }
}

/** The operation that failed a multi (the others report runtime inconsistency or ok). */
function failedOp(
  results: MultiResult[] | null,
  ops: readonly MultiOp[],
): { error: number; op: MultiOp } | null {
  if (!results) return null;
  const index = results.findIndex((r) => r.error !== 0 && r.error !== Code.runtimeInconsistency);
  if (index === -1) return null;
  return { error: (results[index] as MultiResult).error, op: ops[index] as MultiOp };
}
