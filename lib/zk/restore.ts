/**
 * `restoreSnapshot`: re-creates a snapshotted subtree on a target, with the same rules as a copy
 * (empty target unless `overwrite`, ephemerals skipped, byte-aware batches, reconciliation). The
 * file is read twice — verified whole first, then streamed into the writer — so a damaged file
 * writes nothing; only the first pass keeps per-node stamps (to check the order), and drops them.
 */
import { UsageError } from "../errors.ts";
import { type CopyOptions, type CopyResult, inspectTarget } from "./copy-tree.ts";
import type { ZkSession } from "./session.ts";
import { SnapshotReader } from "./snapshot-file.ts";
import { TreeSink } from "./tree-sink.ts";

/** What a restore did (a copy result whose source is the file). */
export type RestoreResult = Omit<
  CopyResult,
  "sourceStamps" | "sourceDigests" | "sourceAcls" | "vanished" | "snapshot"
>;

/**
 * Writes the tree of snapshot `file` to `to` (default: the snapshot's own root) on `target`.
 * @throws {UsageError} If the file is not a whole, unedited snapshot.
 * @throws {PreconditionFailed} Non-empty target without `overwrite`, or conflicts found before the
 *   first write; nothing written. {ActionFailed} when found later (a partial restore remains).
 * @example await restoreSnapshot(newZk, "c1.zksnap");
 */
export async function restoreSnapshot(
  target: ZkSession,
  file: string,
  options: Omit<CopyOptions, "from" | "snapshot"> = {},
): Promise<RestoreResult> {
  const started = performance.now();
  // Only the count and root are kept from the first pass: its stamps grow with the tree.
  const { count, header } = new SnapshotReader(file).verify();
  if (count === 0) throw new UsageError(`Cannot restore ${file} as it holds no nodes`);
  const from = header.root;
  const to = options.to ?? from;
  const reader = new SnapshotReader(file, false);
  const nodes = reader.nodes();
  const root = nodes.next().value;
  if (!root) throw new UsageError(`Cannot restore ${file} as it holds no nodes`);
  const state = await inspectTarget(target, to, root.data, options);
  const sink = new TreeSink(target, from, to, state, { ...options, total: count });
  try {
    sink.add(root);
    for (const node of nodes) {
      sink.add(node);
      if (sink.blocked()) await sink.drained();
    }
  } catch (error) {
    throw await sink.abandon(error);
  }
  const result = await sink.finish();
  return {
    ...result,
    source: file,
    read: reader.count,
    dataBytes: reader.dataBytes,
    durationMs: Math.round(performance.now() - started),
  };
}
