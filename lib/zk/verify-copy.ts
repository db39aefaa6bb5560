/**
 * `verifyCopy`: proves a copy right with one content read, of the target only.
 *
 * The copy read every source node once and kept, per node, its stamps (czxid, mzxid, version,
 * aversion, type) and a digest of its content (SHA-256 of the data, length, ACL, type). This
 * reads the target's content and compares every node with those digests (so target = source as
 * copied), while a stat-only walk of the source compares every node's stamps with the copy's
 * (so source now = source as copied: a node whose data or ACL changed, or that was re-created,
 * has a different mzxid/version, aversion or czxid; a node added or removed is one without a
 * twin). Together: target = source now, node for node — what `diffTrees` of both live trees plus
 * the unchanged proof established, without reading the source's content a second time (its
 * per-node ACL requests are most of a content read's cost).
 *
 * That argument needs the copy's digest and stamps of a node to describe the same version of
 * it: the walk delivers the stat of the data it read, and re-reads a node whose ACL or identity
 * moved between its ACL read and its data read (walk.ts), so they do. Ephemeral nodes are left
 * out on both sides, as by `diffTrees`.
 */
import { rebase } from "./address.ts";
import { describeContent } from "./content-digests.ts";
import type { CopyResult } from "./copy-tree.ts";
import type { DiffResult } from "./diff-trees.ts";
import { KnownAcls } from "./known-acls.ts";
import type { Difference } from "./node-pairs.ts";
import { describeEphemeral, type EphemeralNode } from "./node-type.ts";
import type { ZkSession } from "./session.ts";
import { addStamp, checkUnchanged, TreeStamps } from "./stamps.ts";
import { walkContent } from "./walk.ts";

/** What {@link verifyCopy} needs of a copy: its read of the source. */
export type CopyRead = Pick<CopyResult, "sourceStamps" | "sourceDigests" | "skippedEphemerals">;

/** Options of {@link verifyCopy}. */
export interface VerifyOptions {
  /** Target root. @default the target session's address path */
  to?: string;
  /** The target's ACLs from an earlier verification (`targetAcls`): read without a getACL where they still hold. */
  knownAcls?: KnownAcls;
}

/** The result of {@link verifyCopy}: a diff's, and the target's ACLs as read. */
export interface VerifyResult extends DiffResult {
  /** The target's ACLs as read: pass to a later copy or verification of the same target. */
  targetAcls: KnownAcls;
}

/**
 * Compares the target at `to` with the source as `copy` read it, and proves the source unchanged
 * since, in parallel. The result reads like `diffTrees`' with `sourceStamps` and `recordStamps`:
 * `stamps.source` are the copy's, `stamps.target` those of this read of the target.
 * @example
 * const copy = await copyTree(source, target, { from: root, to: root });
 * const check = await verifyCopy(source, target, copy, { to: root });
 * check.identical && check.unchanged?.unchanged; // target = source, node for node
 */
export async function verifyCopy(
  source: ZkSession,
  target: ZkSession,
  copy: CopyRead,
  options: VerifyOptions = {},
): Promise<VerifyResult> {
  const started = performance.now();
  const stamps = copy.sourceStamps;
  const from = stamps.root;
  const to = options.to ?? target.address.path;
  const seen = new Uint8Array(stamps.size);
  const differences: Difference[] = [];
  const targetEphemerals: EphemeralNode[] = [];
  const recorded = new TreeStamps(to);
  const targetAcls = new KnownAcls(recorded, target.address.connect);
  let targetNodes = 0;
  const stop = new AbortController();
  const failFast = <T>(work: Promise<T>) =>
    work.catch((error) => {
      stop.abort(error);
      throw error;
    });
  const readTarget = failFast(
    target.allChildrenNumber(to).then((below) =>
      walkContent(
        target,
        to,
        (node) => {
          if (node.type === "ephemeral") {
            targetEphemerals.push(describeEphemeral(node));
            return;
          }
          targetNodes++;
          targetAcls.record(addStamp(recorded, node), node.acl);
          const path = rebase(node.path, to, "/");
          const row = stamps.rowOf(rebase(node.path, to, from));
          if (row === -1) {
            differences.push({ path, kind: "extra", target: describeContent(node) });
            return;
          }
          seen[row] = 1;
          copy.sourceDigests.compare(row, node, path, differences);
        },
        {
          total: below === null ? null : below + 1,
          signal: stop.signal,
          knownAcls: options.knownAcls?.usableFor(target, to),
        },
      ),
    ),
  );
  const [unchanged] = await Promise.all([
    failFast(checkUnchanged(source, from, stamps, { signal: stop.signal })),
    readTarget,
  ]);
  for (let row = 0; row < stamps.size; row++) {
    if (seen[row] === 1) continue;
    const path = rebase(stamps.pathAt(row), from, "/");
    differences.push({ path, kind: "missing", source: copy.sourceDigests.describe(row) });
  }
  differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    source: `${source.address.connect}${from}`,
    target: `${target.address.connect}${to}`,
    identical: differences.length === 0,
    sourceNodes: stamps.size,
    targetNodes,
    differences,
    skippedEphemerals: { source: copy.skippedEphemerals, target: targetEphemerals },
    unchanged,
    stamps: { source: stamps, target: recorded },
    targetAcls,
    durationMs: Math.round(performance.now() - started),
  };
}
