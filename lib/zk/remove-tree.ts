/**
 * `removeTree`: deletes a subtree leaves first, in multi batches, each node at the version read
 * (or the version recorded in a snapshot, after checking the live tree still matches it), so a
 * concurrent change aborts the delete instead of being lost. Nodes already gone are fine. It
 * refuses while live ephemeral nodes exist under the root (a process still uses the tree).
 * Two stat walks, neither keeping the tree: the first checks (ephemerals, snapshot), the second
 * deletes as it goes — a node's delete is queued right after its last child's.
 */
import { PreconditionFailed, UsageError } from "../errors.ts";
import { depthOf, parentOf } from "./address.ts";
import { describeEphemeral, type EphemeralNode } from "./node-type.ts";
import { Code, type MultiOp } from "./protocol.ts";
import type { ZkSession } from "./session.ts";
import { SnapshotReader } from "./snapshot-file.ts";
import { StampComparer, stampFrom, type TreeStamps } from "./stamps.ts";
import { type StatNode, walkStats } from "./walk.ts";
import { TreeWriter, WriteConflict, type WriterOptions } from "./writer.ts";

/** Options of {@link removeTree}. */
export interface RemoveOptions {
  /** @default the session's address path */
  root?: string;
  /** A snapshot file of the tree: refuse if the live tree differs from it; delete at its versions. */
  expectSnapshot?: string;
  /** Delete even while live ephemeral nodes exist under the root. @default false */
  force?: boolean;
  writer?: WriterOptions;
}

/** What {@link removeTree} did; under dry-run, what it would do. */
export interface RemoveResult {
  ensemble: string;
  root: string;
  /** Nodes deleted (or that would be). */
  deleted: number;
  /** Live ephemeral nodes found under the root (deleted only with `force`). */
  ephemerals: EphemeralNode[];
  /** The snapshot the tree was checked against. */
  snapshot: string | null;
  batches: number;
  reconciled: number;
  /** Walk-and-delete passes (more than one when children appeared meanwhile). */
  rounds: number;
  dryRun: boolean;
  durationMs: number;
}

/**
 * Removes the subtree at `root`, root included.
 * @throws {PreconditionFailed} Live ephemerals without `force`; the tree differs from the
 *   expected snapshot; or it changed during the delete (bad version / not empty).
 * @throws {UsageError} For `/`, or a snapshot of another root.
 * @example await removeTree(oldZk, { root: "/pegasus/c1", expectSnapshot: "c1.zksnap" });
 */
export async function removeTree(
  session: ZkSession,
  options: RemoveOptions = {},
): Promise<RemoveResult> {
  const started = performance.now();
  const root = options.root ?? session.address.path;
  if (root === "/") throw new UsageError("Cannot remove / as it is the whole tree: name a subtree");
  const snapshot = options.expectSnapshot
    ? new SnapshotReader(options.expectSnapshot).verify()
    : undefined;
  if (snapshot && snapshot.header.root !== root) {
    throw new UsageError(
      `Cannot check ${root} against ${options.expectSnapshot} as that snapshot is of ${snapshot.header.root}`,
    );
  }
  const result: RemoveResult = {
    ensemble: session.address.connect,
    root,
    deleted: 0,
    ephemerals: [],
    snapshot: options.expectSnapshot ?? null,
    batches: 0,
    reconciled: 0,
    rounds: 0,
    dryRun: session.dryRun,
    durationMs: 0,
  };
  for (let round = 1; round <= (snapshot ? 1 : 3); round++) {
    result.rounds = round;
    const check = await checkRemovable(session, root, snapshot?.stamps);
    if (check.rootMissing) break;
    result.ephemerals = await describeLive(session, check.live);
    if (check.live.length > 0 && !options.force) throw ephemeralsRefusal(root, result.ephemerals);
    if (check.changes.length > 0)
      throw snapshotRefusal(root, check.changes, options.expectSnapshot);
    const writer = new TreeWriter(session, {
      batchOps: 1000,
      ...options.writer,
      phase: "delete",
      total: check.nodes,
      concurrentCodes: [Code.badVersion, Code.notEmpty],
      hint: snapshot
        ? "Something changed the tree after the snapshot: find out what before deleting anything"
        : "Something writes to this tree: stop it before removing it",
    });
    try {
      await deleteLeavesFirst(session, root, writer, snapshot?.stamps);
      const written = await writer.finish();
      result.deleted += written.ops;
      result.batches += written.batches;
      result.reconciled += written.reconciled;
    } catch (error) {
      await writer.stop();
      const retry = !snapshot && error instanceof WriteConflict && error.code === Code.notEmpty;
      if (!retry || round === 3) throw error;
      continue;
    }
    if (session.dryRun || !(await session.exists(root))) break;
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
}

/** The first walk: live ephemerals, and with a snapshot, how the tree differs from it. */
async function checkRemovable(session: ZkSession, root: string, stamps: TreeStamps | undefined) {
  const live: StatNode[] = [];
  const comparer = stamps ? new StampComparer(stamps, root) : null;
  let nodes = 0;
  const walked = await walkStats(session, root, (node) => {
    nodes++;
    if (node.type === "ephemeral") live.push(node);
    comparer?.see(node.path, stampFrom(node));
  });
  const changes = walked.rootMissing ? [] : (comparer?.finish() ?? []);
  return { rootMissing: walked.rootMissing, nodes, live, changes };
}

/**
 * The second walk: leaves are queued for deletion as they are read, and a parent right after the
 * last of its children (the writer keeps the order on one session).
 */
async function deleteLeavesFirst(
  session: ZkSession,
  root: string,
  writer: TreeWriter,
  stamps: TreeStamps | undefined,
): Promise<void> {
  const open = new Map<string, { remaining: number; version: number }>();
  const remove = (path: string, version: number) => {
    writer.push({ type: "delete", path, version: stamps?.get(path)?.version ?? version });
    if (path === root) return;
    const parent = parentOf(path);
    const waiting = open.get(parent);
    if (waiting && --waiting.remaining === 0) {
      open.delete(parent);
      remove(parent, waiting.version);
    }
  };
  await walkStats(
    session,
    root,
    (node) => {
      if (node.stat.numChildren === 0) remove(node.path, node.stat.version);
      else open.set(node.path, { remaining: node.stat.numChildren, version: node.stat.version });
    },
    { backpressure: writer },
  );
  // Children that vanished during the walk leave their parents waiting: delete those last.
  const rest: MultiOp[] = [...open].map(([path, node]) => ({
    type: "delete",
    path,
    version: stamps?.get(path)?.version ?? node.version,
  }));
  for (const op of rest.sort((a, b) => depthOf(b.path) - depthOf(a.path))) writer.push(op);
}

async function describeLive(session: ZkSession, live: StatNode[]): Promise<EphemeralNode[]> {
  const described = await Promise.all(
    live.map(async (node) => {
      const data = (await session.get(node.path))?.data ?? Buffer.alloc(0);
      return describeEphemeral({ path: node.path, stat: node.stat, data });
    }),
  );
  return described.sort((a, b) => (a.path < b.path ? -1 : 1));
}

function ephemeralsRefusal(root: string, live: EphemeralNode[]): PreconditionFailed {
  const list = live
    .slice(0, 10)
    .map((e) => `${e.path} (owner ${e.owner}${e.data ? `, data "${e.data}"` : ""})`);
  return new PreconditionFailed(
    `Cannot remove ${root} as ${live.length} live ephemeral node(s) exist under it; nothing was deleted:\n  ${list.join("\n  ")}`,
    {
      hint: "A process still holds a session on this tree (for Pegasus, a meta server on the old ensemble): stop it, or pass --force",
    },
  );
}

function snapshotRefusal(
  root: string,
  changes: { path: string; change: string }[],
  file: string | undefined,
): PreconditionFailed {
  const list = changes.slice(0, 10).map((c) => `${c.path} (${c.change})`);
  return new PreconditionFailed(
    `Cannot remove ${root} as it changed since snapshot ${file} (${changes.length} change(s)); nothing was deleted:\n  ${list.join("\n  ")}`,
    {
      hint: "Find out what changed it; if the change is expected, take a new snapshot and verify the copy again",
    },
  );
}
