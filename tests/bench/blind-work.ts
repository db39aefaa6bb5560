/**
 * The ZooKeeper work of the copy runbook, through lib/zk exactly as the steps call it. Before
 * blind, copy/02 copies the tree while the leader still serves and verifies the target against
 * that read (keeping both trees' ACLs, and the target as verified while its ensemble's committed
 * zxid holds still). While blind, copy/04 copies again with mirror, reading the source by
 * multiRead alone where the known ACLs still hold and taking the target as verified, writing
 * only what changed and the backup snapshot from the same read; it verifies the target against
 * that read while a stat walk proves the source unchanged (`verifyCopy`), and its postcondition
 * and copy/05's precondition each prove that neither tree changed since: by a zxid fence, else
 * by stamps (two stat walks).
 */
import {
  checkUnchanged,
  copyTree,
  VerifiedTarget,
  verifyCopy,
  type ZkSession,
} from "../../lib/zk/index.ts";

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
  const preZxid = await target.committedZxid(root);
  const preVerified = await verifyCopy(source, target, preCopy, { to: root });
  if (!preVerified.identical) throw new Error("the pre-copy differs from its read");
  const verifiedTarget =
    (await target.committedZxid(root)) === preZxid
      ? VerifiedTarget.of({ ...preCopy, targetAcls: preVerified.targetAcls })
      : null;
  const started = performance.now();
  const targetNodes =
    verifiedTarget && (await target.committedZxid(root)) === preZxid ? verifiedTarget : undefined;
  const copy = await copyTree(source, target, {
    from: root,
    to: root,
    overwrite: true,
    mirror: true,
    snapshot,
    knownAcls: { source: preCopy.sourceAcls, target: preVerified.targetAcls },
    targetNodes,
  });
  const copied = performance.now();
  const zxids = async () => [await source.committedZxid(root), await target.committedZxid(root)];
  const fence = await zxids();
  const diff = await verifyCopy(source, target, copy, {
    to: root,
    knownAcls: preVerified.targetAcls,
  });
  const after = await zxids();
  const fenced = fence[0] === after[0] && fence[1] === after[1];
  if (!diff.identical || !diff.unchanged?.unchanged || !diff.stamps) {
    throw new Error(
      `the copy differs or the source changed: ${JSON.stringify(diff.differences.slice(0, 5))}`,
    );
  }
  const compared = performance.now();
  for (let check = 0; check < 2; check++) {
    const now = await zxids();
    if (fenced && now[0] === after[0] && now[1] === after[1]) continue;
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
