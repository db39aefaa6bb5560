/**
 * `diffTrees`: reads two subtrees (in parallel, each after a `sync`) and lists every difference:
 * nodes missing from the target, extra on the target, and nodes whose data, ACL or type differ.
 * Ephemeral nodes are left out on both sides and listed. Both walks visit the trees in the same
 * order, so a node read on one side usually meets its twin soon: only nodes still waiting for
 * their twin are held (`NodePairs`), not either tree. Given the stamps of an earlier read of the
 * source (a copy's), the same source read also proves the source unchanged since.
 */
import { UsageError } from "../errors.ts";
import { type Difference, NodePairs } from "./node-pairs.ts";
import { describeEphemeral, type EphemeralNode } from "./node-type.ts";
import type { ZkSession } from "./session.ts";
import { addStamp, StampComparer, stampFrom, TreeStamps, type UnchangedResult } from "./stamps.ts";
import { walkContent } from "./walk.ts";

export type { Difference } from "./node-pairs.ts";

/** The result of {@link diffTrees}. */
export interface DiffResult {
  source: string;
  target: string;
  identical: boolean;
  /** Persistent (and container, TTL) nodes compared on each side. */
  sourceNodes: number;
  targetNodes: number;
  differences: Difference[];
  skippedEphemerals: { source: EphemeralNode[]; target: EphemeralNode[] };
  /** With `sourceStamps`: whether the source is unchanged since they were taken. */
  unchanged: UnchangedResult | null;
  /** With `recordStamps`: the stamps of both trees as compared. */
  stamps: { source: TreeStamps; target: TreeStamps } | null;
  durationMs: number;
}

/** Options of {@link diffTrees}. */
export interface DiffOptions {
  /** @default the source session's address path */
  from?: string;
  /** @default the target session's address path */
  to?: string;
  /** Stamps of an earlier read of the source (e.g. `CopyResult.sourceStamps`) to check against. */
  sourceStamps?: TreeStamps;
  /** Keep both trees' stamps as read (`DiffResult.stamps`), to prove later neither changed. */
  recordStamps?: boolean;
}

/**
 * Compares the subtree `from` on `source` with `to` on `target`, node by node.
 * @example const { identical, differences } = await diffTrees(oldZk, newZk);
 */
export async function diffTrees(
  source: ZkSession,
  target: ZkSession,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const started = performance.now();
  const from = options.from ?? source.address.path;
  const to = options.to ?? target.address.path;
  const pairs = new NodePairs();
  const ephemerals = { source: [] as EphemeralNode[], target: [] as EphemeralNode[] };
  const stamps = options.sourceStamps ? new StampComparer(options.sourceStamps, from) : null;
  const stop = new AbortController();
  const recorded = options.recordStamps
    ? { source: new TreeStamps(from), target: new TreeStamps(to) }
    : null;
  const read = (session: ZkSession, root: string, side: "source" | "target") =>
    session
      .allChildrenNumber(root)
      .then((below) =>
        walkContent(
          session,
          root,
          (node) => {
            if (side === "source") stamps?.see(node.path, stampFrom(node));
            if (recorded) addStamp(recorded[side], node);
            if (node.type === "ephemeral") ephemerals[side].push(describeEphemeral(node));
            else pairs.see(side, root, node);
          },
          {
            total: below === null ? null : below + 1,
            signal: stop.signal,
            backpressure: pairs.gate(side),
          },
        ),
      )
      .finally(() => pairs.finished(side))
      .catch((error) => {
        stop.abort(error);
        throw error;
      });
  const [left] = await Promise.all([read(source, from, "source"), read(target, to, "target")]);
  if (left.rootMissing) {
    throw new UsageError(`Cannot compare ${from} on ${source.label} as it does not exist`);
  }
  const differences = pairs.finish();
  const changes = stamps?.finish();
  return {
    source: `${source.address.connect}${from}`,
    target: `${target.address.connect}${to}`,
    identical: differences.length === 0,
    sourceNodes: pairs.count.source,
    targetNodes: pairs.count.target,
    differences,
    skippedEphemerals: ephemerals,
    unchanged: changes
      ? { unchanged: changes.length === 0, nodes: stamps?.nodes ?? 0, changes }
      : null,
    stamps: recorded,
    durationMs: Math.round(performance.now() - started),
  };
}
