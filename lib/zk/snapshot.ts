/**
 * `snapshotTree`: streams a subtree to a snapshot file while it is walked (see
 * `snapshot-file.ts` for the format); `readSnapshot` reads one back.
 */
import { UsageError } from "../errors.ts";
import { describeEphemeral, type EphemeralNode } from "./node-type.ts";
import type { ZkSession } from "./session.ts";
import { SnapshotWriter } from "./snapshot-file.ts";
import { walkContent } from "./walk.ts";

export {
  readSnapshot,
  type Snapshot,
  type SnapshotHeader,
  SnapshotWriter,
} from "./snapshot-file.ts";

/** What {@link snapshotTree} wrote. */
export interface SnapshotResult {
  file: string;
  root: string;
  nodes: number;
  dataBytes: number;
  fileBytes: number;
  sha256: string;
  /** Ephemeral nodes (recorded in the file, never restored). */
  ephemerals: EphemeralNode[];
  durationMs: number;
}

/**
 * Streams every node under `root` (default: the session's path) to `file`.
 * @throws {UsageError} If the root does not exist.
 * @example await snapshotTree(zk, "/var/backups/c1.zksnap", { root: "/pegasus/c1" });
 */
export async function snapshotTree(
  session: ZkSession,
  file: string,
  options: { root?: string } = {},
): Promise<SnapshotResult> {
  const started = performance.now();
  const root = options.root ?? session.address.path;
  const writer = new SnapshotWriter(file, { root, ensemble: session.address.connect });
  const ephemerals: EphemeralNode[] = [];
  try {
    const total = await session.allChildrenNumber(root);
    const walked = await walkContent(
      session,
      root,
      (node) => {
        if (node.type === "ephemeral") ephemerals.push(describeEphemeral(node));
        writer.add(node);
      },
      { total: total === null ? null : total + 1 },
    );
    if (walked.rootMissing) {
      throw new UsageError(`Cannot snapshot ${root} on ${session.label} as it does not exist`);
    }
    const written = writer.finish();
    return {
      file,
      root,
      nodes: walked.nodes,
      dataBytes: walked.bytes,
      fileBytes: written.fileBytes,
      sha256: written.sha256,
      ephemerals,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (error) {
    writer.abandon();
    throw error;
  }
}
