/**
 * `TreeSink`: where a copy or a restore pours source nodes as they are read. Each node is
 * planned (`WritePlanner`) and its writes are pushed to a `TreeWriter`, so the target is written
 * while the rest of the source is still being read, and memory holds only the nodes between the
 * reader and the writer. The first problem (a conflict, an oversize znode) stops the writing;
 * the rest of the source is still planned so that every problem is reported at once.
 */
import { ActionFailed, PreconditionFailed, ToolError } from "../errors.ts";
import { sameAcl, type ZNode } from "./node-type.ts";
import {
  type AclChange,
  type PlanOptions,
  type TargetState,
  type WriteCounts,
  WritePlanner,
} from "./plan.ts";
import { Code, isConnectionError } from "./protocol.ts";
import type { ZkSession } from "./session.ts";
import type { Backpressure } from "./walk.ts";
import { TreeWriter, type WriterOptions } from "./writer.ts";

/** What the writing side of a copy did. */
export interface SinkResult extends WriteCounts {
  target: string;
  batches: number;
  requestBytes: number;
  reconciled: number;
  dryRun: boolean;
}

/** Options of {@link TreeSink}. */
export interface SinkOptions extends PlanOptions {
  writer?: WriterOptions;
  /** Expected number of source nodes, for progress. */
  total?: number | null;
}

/** Below this many znodes a tree is read whole before the first write (problems found first). */
const holdBackOps = 2000;

/**
 * Plans and writes source nodes to `to` on `target` as they arrive; a walk's backpressure.
 * @example
 * const sink = new TreeSink(target, from, to, state, {});
 * await walkContent(source, from, (node) => sink.add(node), { backpressure: sink });
 * const result = await sink.finish();
 */
export class TreeSink implements Backpressure {
  private readonly planner: WritePlanner;
  private readonly writer: TreeWriter;

  constructor(
    private readonly target: ZkSession,
    from: string,
    private readonly to: string,
    state: TargetState,
    options: SinkOptions,
  ) {
    this.planner = new WritePlanner(from, to, state, { ...options, digest: target.digest });
    this.writer = new TreeWriter(target, {
      holdBackOps,
      ...options.writer,
      total: options.total ?? undefined,
      hint: "The target may hold a partial copy: rerun with --overwrite to complete it",
      concurrentCodes: [Code.badVersion],
    });
    for (const op of this.planner.start()) this.writer.push(op);
  }

  /** Plans one source node and queues its writes (none once a problem was found). */
  add(node: ZNode): void {
    if (this.planner.blocked) return;
    const ops = this.planner.plan(node);
    if (this.planner.blocked) return;
    for (const op of ops) this.writer.push(op);
  }

  blocked(): boolean {
    return this.writer.blocked();
  }

  drained(): Promise<void> {
    return this.writer.drained();
  }

  /**
   * Queues the deletes (`mirror`), sends everything, then sets the deferred ACLs.
   * @throws {PreconditionFailed} On conflicts or oversize znodes when nothing was written.
   * @throws {ActionFailed} The same after part of the tree was written, or a failed write.
   */
  async finish(): Promise<SinkResult> {
    if (!this.planner.blocked) for (const op of this.planner.finish()) this.writer.push(op);
    if (this.planner.blocked) throw this.problems(await this.writer.stop());
    const written = await this.writer.finish();
    await setAcls(this.target, this.planner.acls);
    return {
      ...this.planner.counts,
      target: `${this.target.address.connect}${this.to}`,
      batches: written.batches,
      requestBytes: written.bytes,
      reconciled: written.reconciled,
      dryRun: this.target.dryRun,
    };
  }

  /**
   * Stops writing after a failed read; waits for the batches already sent. A read error after
   * part of the tree was written is rethrown saying so, and how to complete the copy.
   */
  async abandon(error: unknown): Promise<unknown> {
    const written = await this.writer.stop();
    if (written === 0 || !(error instanceof ToolError)) return error;
    return new ActionFailed(
      `${error.message}; ${written} znode(s) had been written to the target (a partial copy)`,
      {
        hint: `${error.hint ?? "Fix the cause"}; then complete the copy with --overwrite`,
        cause: error.cause,
      },
    );
  }

  private problems(written: number): ToolError {
    const partial =
      written === 0
        ? "nothing was written"
        : `${written} znode(s) had been written when it was found; the target holds a partial copy`;
    const { conflicts, tooLarge } = this.planner;
    const fail = (message: string, hint: string) =>
      written === 0
        ? new PreconditionFailed(message, { hint })
        : new ActionFailed(message, {
            hint: `${hint}; then complete the copy with --overwrite (--mirror removes the rest)`,
          });
    if (tooLarge.length > 0) {
      const limit = this.planner.maxRequestBytes;
      return fail(
        `Cannot copy as ${tooLarge.length} znode(s) do not fit in one request of at most ${limit} bytes (jute.maxbuffer); ${partial}:\n  ${tooLarge.slice(0, 20).join("\n  ")}`,
        "Raise jute.maxbuffer on the target ensemble, or shrink those znodes on the source",
      );
    }
    return fail(
      `Cannot copy to ${this.to} as ${conflicts.length} target node(s) conflict with the source; ${partial}:\n  ${conflicts.slice(0, 20).join("\n  ")}`,
      "Remove them from the target (zk rmr), or stop whatever is using the target",
    );
  }
}

/** Sets ACLs one request each (pipelined), reading back on a lost connection. */
async function setAcls(target: ZkSession, changes: readonly AclChange[]): Promise<void> {
  await Promise.all(changes.map((change) => setAclReconciled(target, change)));
}

async function setAclReconciled(target: ZkSession, change: AclChange): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await target.setAcl(change.path, change.acl, change.version);
    } catch (error) {
      if (!isConnectionError(error) || attempt >= 10) throw error;
      await target.reconnected();
      const now = await target.acl(change.path);
      if (now && sameAcl(now.acl, change.acl)) return;
    }
  }
}
