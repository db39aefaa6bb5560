/**
 * `removeTree`: deletes a subtree leaves first, in multi batches, each node at the version read
 * (or the version recorded in a snapshot, after checking the live tree still matches it), so a
 * concurrent change aborts the delete instead of being lost. Nodes already gone are fine. It
 * refuses while live ephemeral nodes exist under the root (a process still uses the tree).
 */
import { PreconditionFailed, UsageError } from "../errors.ts";
import { depthOf } from "./address.ts";
import { describeEphemeral, type EphemeralNode } from "./node-type.ts";
import { Code, type MultiOp } from "./protocol.ts";
import type { ZkSession } from "./session.ts";
import { readSnapshot, type Snapshot } from "./snapshot.ts";
import { compareStamps, stampsOf } from "./stamps.ts";
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
  const snapshot = options.expectSnapshot ? readSnapshot(options.expectSnapshot) : undefined;
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
    const nodes: StatNode[] = [];
    const walked = await walkStats(session, root, (node) => nodes.push(node));
    if (walked.rootMissing) break;
    const live = nodes.filter((node) => node.type === "ephemeral");
    result.ephemerals = await describeLive(session, live);
    if (live.length > 0 && !options.force) throw ephemeralsRefusal(root, result.ephemerals);
    if (snapshot) checkMatchesSnapshot(root, nodes, snapshot, options.expectSnapshot as string);
    const versions = snapshot ? snapshotVersions(snapshot) : new Map<string, number>();
    const ops: MultiOp[] = nodes
      .map((node) => ({ node, depth: depthOf(node.path) }))
      .sort((a, b) => b.depth - a.depth)
      .map(({ node }) => ({
        type: "delete",
        path: node.path,
        version: versions.get(node.path) ?? node.stat.version,
      }));
    const writer = new TreeWriter(session, {
      batchOps: 1000,
      ...options.writer,
      phase: "delete",
      total: ops.length,
      concurrentCodes: [Code.badVersion, Code.notEmpty],
      hint: snapshot
        ? "Something changed the tree after the snapshot: find out what before deleting anything"
        : "Something writes to this tree: stop it before removing it",
    });
    try {
      for (const op of ops) await writer.add(op);
      const written = await writer.finish();
      result.deleted += written.ops;
      result.batches += written.batches;
      result.reconciled += written.reconciled;
    } catch (error) {
      const retry = !snapshot && error instanceof WriteConflict && error.code === Code.notEmpty;
      if (!retry || round === 3) throw error;
      continue;
    }
    if (session.dryRun || !(await session.exists(root))) break;
  }
  result.durationMs = Math.round(performance.now() - started);
  return result;
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

function checkMatchesSnapshot(root: string, nodes: StatNode[], snapshot: Snapshot, file: string) {
  const changes = compareStamps(snapshot.stamps, stampsOf(root, nodes));
  if (changes.length === 0) return;
  const list = changes.slice(0, 10).map((c) => `${c.path} (${c.change})`);
  throw new PreconditionFailed(
    `Cannot remove ${root} as it changed since snapshot ${file} (${changes.length} change(s)); nothing was deleted:\n  ${list.join("\n  ")}`,
    {
      hint: "Find out what changed it; if the change is expected, take a new snapshot and verify the copy again",
    },
  );
}

function snapshotVersions(snapshot: Snapshot): Map<string, number> {
  const versions = new Map<string, number>();
  for (const [path, stamp] of snapshot.stamps.entries()) versions.set(path, stamp.version);
  return versions;
}
