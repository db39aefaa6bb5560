/**
 * The ZooKeeper work of the copy runbook, through lib/zk exactly as the steps call it. Before
 * blind, copy/02 copies the tree while the leader still serves and verifies the target against
 * that read (keeping both trees' ACLs). While blind, copy/04 copies again with mirror, reading
 * both trees by multiRead alone where the known ACLs still hold, writing only what changed and
 * the backup snapshot from the same read; it verifies the target against that read while a stat
 * walk proves the source unchanged (`verifyCopy`), and its postcondition and copy/05's
 * precondition each prove that neither tree changed since (stamps, two stat walks).
 */
import { checkUnchanged, copyTree, verifyCopy, type ZkSession } from "../../lib/zk/index.ts";

/** Times of each part, in ms; `preCopyMs` is spent before blind. */
export interface BlindWork {
  preCopyMs: number;
  copyMs: number;
  diffMs: number;
  stampChecksMs: number;
  totalMs: number;
}

/**
 * Runs copy/02's, copy/04's and copy/05's ZooKeeper work on `root` into an empty target.
 * @example const work = await blindWork(source, target, "/pegasus/c1", "/tmp/c1.zksnap");
 */
export async function blindWork(
  source: ZkSession,
  target: ZkSession,
  root: string,
  snapshot: string,
): Promise<BlindWork> {
  const before = performance.now();
  const preCopy = await copyTree(source, target, { from: root, to: root });
  const preVerified = await verifyCopy(source, target, preCopy, { to: root });
  if (!preVerified.identical) throw new Error("the pre-copy differs from its read");
  const started = performance.now();
  const copy = await copyTree(source, target, {
    from: root,
    to: root,
    overwrite: true,
    mirror: true,
    snapshot,
    knownAcls: { source: preCopy.sourceAcls, target: preVerified.targetAcls },
  });
  const copied = performance.now();
  const diff = await verifyCopy(source, target, copy, {
    to: root,
    knownAcls: preVerified.targetAcls,
  });
  if (!diff.identical || !diff.unchanged?.unchanged || !diff.stamps) {
    throw new Error(
      `the copy differs or the source changed: ${JSON.stringify(diff.differences.slice(0, 5))}`,
    );
  }
  const compared = performance.now();
  for (let check = 0; check < 2; check++) {
    const [a, b] = await Promise.all([
      checkUnchanged(source, root, diff.stamps.source),
      checkUnchanged(target, root, diff.stamps.target),
    ]);
    if (!a.unchanged || !b.unchanged) throw new Error("a tree changed during the stamp checks");
  }
  const done = performance.now();
  return {
    preCopyMs: started - before,
    copyMs: copied - started,
    diffMs: compared - copied,
    stampChecksMs: done - compared,
    totalMs: done - started,
  };
}
