/**
 * The ZooKeeper work the copy runbook does while the leader is blind, through lib/zk exactly as
 * the steps call it: copy/03 copies (writing the backup snapshot from the same read), verifies
 * the target against the copy's read while a stat walk proves the source unchanged
 * (`verifyCopy`), and its postcondition and copy/04's precondition each prove that neither tree
 * changed since (stamps, two stat walks).
 */
import { checkUnchanged, copyTree, verifyCopy, type ZkSession } from "../../lib/zk/index.ts";

/** Times of each part, in ms. */
export interface BlindWork {
  copyMs: number;
  diffMs: number;
  stampChecksMs: number;
  totalMs: number;
}

/**
 * Runs copy/03's and copy/04's ZooKeeper work on `root` into an empty target.
 * @example const work = await blindWork(source, target, "/pegasus/c1", "/tmp/c1.zksnap");
 */
export async function blindWork(
  source: ZkSession,
  target: ZkSession,
  root: string,
  snapshot: string,
): Promise<BlindWork> {
  const started = performance.now();
  const copy = await copyTree(source, target, { from: root, to: root, snapshot });
  const copied = performance.now();
  const diff = await verifyCopy(source, target, copy, { to: root });
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
    copyMs: copied - started,
    diffMs: compared - copied,
    stampChecksMs: done - compared,
    totalMs: done - started,
  };
}
