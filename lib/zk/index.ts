/**
 * The tree engine: everything the tool does to ZooKeeper goes through here.
 *
 * ```ts
 * import * as zk from "../lib/zk/index.ts";
 * const source = await zk.openSession("zk1:2181,zk2:2181/pegasus/c1",
 *   { log, label: "source", digest: zk.digestFromEnv("PZM_SOURCE_ZK_DIGEST", false) });
 * const target = await zk.openSession("nzk1:2181/pegasus/c1", { log, label: "target", dryRun });
 *
 * await zk.count(target, "/pegasus/c1");                 // 0 → the target is empty
 * await zk.ephemerals(source, "/pegasus/c1/lock");       // live LOCKNODE… (path, owner, data)
 * const copy = await zk.copyTree(source, target);        // counts, skipped ephemerals, stamps
 * const diff = await zk.diffTrees(source, target);       // diff.identical, diff.differences
 * await zk.verifyCopy(source, target, copy);             // the same, reading only the target
 * await zk.checkUnchanged(source, "/pegasus/c1", copy.sourceStamps); // source did not move
 * await zk.snapshotTree(source, "c1.zksnap");            // streamed file with a checksum
 * await zk.restoreSnapshot(target, "c1.zksnap");
 * await zk.removeTree(source, { expectSnapshot: "c1.zksnap" });   // refuses on any change
 * await source.close(); await target.close();
 * ```
 *
 * Reads always run; under `dryRun` every write is logged (`zk-write` events with counts and the
 * first/last path) and not sent. Results are plain data; the CLI formats them.
 *
 * Session door (`ZkSession`, from {@link openSession}): `exists(path)` → Stat | null,
 * `get(path)` → { data, stat } | null, `acl(path)`, `children(path)` → { children, stat } | null,
 * `create(spec)`, `delete(path, version)`, `setAcl(path, acl, version)`, `multi(ops, bytes)`,
 * `close()`.
 *
 * Errors: `PreconditionFailed` when a function refuses and changed nothing (non-empty target,
 * conflicting nodes, oversize znodes, live ephemerals for removeTree, tree changed since the
 * expected snapshot); `WriteConflict` (a PreconditionFailed) when another client changed the
 * tree mid-write; `ActionFailed` for failed writes and ensembles unreachable past
 * `retryTimeoutMs`; `UsageError` for bad addresses and bad snapshot files.
 *
 * The client underneath is our own (`client.ts`), not node-zookeeper-client: measured like for
 * like (`npm run bench:clients`) it is ≈ 1.5–2× faster on identical reads, more with multiRead,
 * and node-zookeeper-client cannot create container or TTL nodes nor send multiRead.
 */
export {
  checkPath,
  type Digest,
  digestFromEnv,
  joinPath,
  parentOf,
  parseDigest,
  parseTreeAddress,
  type TreeAddress,
} from "./address.ts";
export { count, ephemerals } from "./census.ts";
export {
  type CopyOptions,
  type CopyResult,
  copyTree,
} from "./copy-tree.ts";
export { type Difference, type DiffOptions, type DiffResult, diffTrees } from "./diff-trees.ts";
export { type Acl, openAcl, Perms, type Stat } from "./jute.ts";
export { KnownAcls } from "./known-acls.ts";
export { collectionCadence } from "./memory.ts";
export {
  type EphemeralNode,
  formatAcl,
  type NodeType,
  nodeTypeOf,
  ownerHex,
  type ZNode,
} from "./node-type.ts";
export { defaultReaders, wideFromNodes, wideReaders } from "./pool.ts";
export { Code, CreateFlags, type CreateSpec, type MultiOp, ZkError } from "./protocol.ts";
export { type RemoveOptions, type RemoveResult, removeTree } from "./remove-tree.ts";
export { type RestoreResult, restoreSnapshot } from "./restore.ts";
export { openSession, type SessionOptions, ZkSession } from "./session.ts";
export {
  readSnapshot,
  type Snapshot,
  type SnapshotHeader,
  type SnapshotResult,
  SnapshotWriter,
  snapshotTree,
} from "./snapshot.ts";
export {
  checkUnchanged,
  compareStamps,
  type Stamp,
  type StampChange,
  StampComparer,
  stampsOf,
  TreeStamps,
  type UnchangedResult,
} from "./stamps.ts";
export { type VerifiedCopy, VerifiedTarget } from "./verified-target.ts";
export { type CopyRead, type VerifyOptions, type VerifyResult, verifyCopy } from "./verify-copy.ts";
export { type StatNode, walkContent, walkStats } from "./walk.ts";
export { TreeWriter, WriteConflict, type WriterOptions, type WriteSummary } from "./writer.ts";
