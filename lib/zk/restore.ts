/**
 * `restoreSnapshot`: re-creates a snapshotted subtree on a target, with the same rules as a copy
 * (empty target unless `overwrite`, ephemerals skipped, byte-aware batches, reconciliation).
 */
import { UsageError } from "../errors.ts";
import { type CopyOptions, type CopyResult, inspectTarget, writeTree } from "./copy-tree.ts";
import type { ZkSession } from "./session.ts";
import { readSnapshot } from "./snapshot.ts";

/** What a restore did (a copy result whose source is the file). */
export type RestoreResult = Omit<CopyResult, "sourceStamps" | "vanished">;

/**
 * Writes the tree of snapshot `file` to `to` (default: the snapshot's own root) on `target`.
 * @throws {UsageError} If the file is not a whole, unedited snapshot.
 * @throws {PreconditionFailed} Non-empty target without `overwrite`, or conflicts; nothing written.
 * @example await restoreSnapshot(newZk, "c1.zksnap");
 */
export async function restoreSnapshot(
  target: ZkSession,
  file: string,
  options: Omit<CopyOptions, "from"> = {},
): Promise<RestoreResult> {
  const started = performance.now();
  const snapshot = readSnapshot(file);
  const from = snapshot.header.root;
  const to = options.to ?? from;
  const root = snapshot.nodes[0];
  if (!root) throw new UsageError(`Cannot restore ${file} as it holds no nodes`);
  const state = await inspectTarget(target, to, root.data, options);
  const result = await writeTree(target, snapshot.nodes, from, to, state, options);
  return {
    ...result,
    source: file,
    read: snapshot.nodes.length,
    dataBytes: snapshot.nodes.reduce((sum, node) => sum + node.data.length, 0),
    durationMs: Math.round(performance.now() - started),
  };
}
