/**
 * Copy method, step 4. Upstream: "Obtain the path zookeeper_root … and then use the zkcopy tool to
 * copy all the data from this path to the new Zookeeper, being careful to recursively copy."
 *
 * Done right (reference §12.2): a snapshot of the source first (the backup), then the copy —
 * data byte for byte, ACLs, parents before children, the leader's ephemeral LOCKNODE left out but
 * the lock directories kept — then a node-by-node comparison of both trees, and proof that the
 * source did not change while we copied (blind does not stop every write, §7.5).
 *
 * The leader is blind from here until step 6 restarts it, so this step is kept short. Step 2
 * already copied the tree while the leader served; this copy mirrors the source onto that,
 * writing only what changed since. Both trees are read by multiRead alone, the ACLs step 2 read
 * standing in for the getACL requests wherever a node's czxid and aversion show its ACL
 * unchanged (`KnownAcls`); without step 2's ACLs (its files gone) every ACL is read, as before.
 * In the same process, while the target ensemble committed no transaction since step 2 verified
 * it, the target is not even read before writing (`VerifiedTarget`).
 * The source's content is read once: the backup snapshot is written from the copy's own read,
 * which also keeps every node's stamps and a digest of its content; the verification then reads
 * the target, comparing it with those digests, while a stat-only walk of the source compares
 * its stamps with the copy's (`verifyCopy`: target = source as copied, source now = source as
 * copied). The postcondition then proves only that neither tree changed since (stamps, two
 * stat walks).
 */
import { ActionFailed } from "../../lib/errors.ts";
import type { Step } from "../../lib/step.ts";
import { collectionCadence } from "../../lib/zk/index.ts";
import { followersStopped, leaderIsBlind } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { copyRoot } from "../runbook/copy-root.ts";
import { runAlone } from "../runbook/execute.ts";
import { preCopiedTarget, preCopyAcls } from "../runbook/pre-copy.ts";
import {
  appsUnlockedOn,
  compareTrees,
  firstChanges,
  firstDifferences,
  targetEqualsSource,
  targetRootIsFree,
} from "../runbook/tree-checks.ts";

const copyTreeStep: Step<MigrationContext> = {
  id: "copy/04-copy-tree",
  title: "Bring the copy up to date while the leader is blind, and verify it",
  preconditions: [leaderIsBlind, followersStopped, targetRootIsFree, appsUnlockedOn("source")],
  // Blind time matters more than memory here: no collections forced (lib/zk/memory.ts).
  run: (ctx) => collectionCadence.paused(() => copyAndVerify(ctx)),
  postconditions: [targetEqualsSource, appsUnlockedOn("target")],
};

/** The step's work: the copy onto step 2's, its snapshot, and the verification. */
async function copyAndVerify(ctx: MigrationContext): Promise<void> {
  const snapshot = ctx.dryRun
    ? undefined
    : ctx.journal.newBackupFile(`zk/source-before-copy-${Date.now()}.zksnap`);
  const known = ctx.dryRun ? null : preCopyAcls(ctx);
  if (!ctx.dryRun && !known) {
    ctx.log({
      kind: "info",
      message:
        "  no pre-copy ACLs (copy/02-pre-copy did not run here, or its files are gone): every ACL is read",
    });
  }
  const targetNodes = ctx.dryRun ? null : await preCopiedTarget(ctx);
  if (targetNodes) {
    ctx.log({
      kind: "info",
      message:
        "  the target is as copy/02-pre-copy verified it (no transaction on the target ensemble since): not read again before writing",
    });
  }
  const copy = await copyRoot(ctx, copyTreeStep.id, {
    snapshot,
    knownAcls: known ?? undefined,
    targetNodes: targetNodes ?? undefined,
  });
  if (copy.snapshot) {
    ctx.log({
      kind: "info",
      message: `  snapshot of the source (same read): ${copy.read} znodes in ${copy.snapshot.file}`,
    });
  }
  if (ctx.dryRun) return;
  const diff = await compareTrees(ctx, copy, known?.target);
  const changes = diff.unchanged?.changes ?? [];
  if (changes.length > 0) {
    throw new ActionFailed(
      `The source tree changed while it was copied and verified: ${changes.length} changes (${firstChanges(changes)})`,
      {
        hint: "Blind does not stop DDL, env changes, duplication, backup or bulk load. Stop them, then run again: the copy is redone.",
      },
    );
  }
  if (!diff.identical) {
    throw new ActionFailed(
      `The copy differs from the source: ${diff.differences.length} differences (${firstDifferences(diff.differences)})`,
      { hint: "Run the step again: it completes the copy and removes what the source lacks." },
    );
  }
  ctx.journal.setFact("copiedZnodes", diff.unchanged?.nodes ?? diff.sourceNodes);
}

export default copyTreeStep;
if (import.meta.main) await runAlone(copyTreeStep, "copy");
