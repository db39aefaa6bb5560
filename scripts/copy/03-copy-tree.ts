/**
 * Copy method, step 3. Upstream: "Obtain the path zookeeper_root … and then use the zkcopy tool to
 * copy all the data from this path to the new Zookeeper, being careful to recursively copy."
 *
 * Done right (reference §12.2): a snapshot of the source first (the backup), then the copy —
 * data byte for byte, ACLs, parents before children, the leader's ephemeral LOCKNODE left out but
 * the lock directories kept — then a node-by-node diff of both trees, and a re-read of the source
 * proving it did not change while we copied (blind does not stop every write, §7.5).
 */
import type { Step } from "../../lib/step.ts";
import { copyTree, snapshotTree } from "../../lib/zk/index.ts";
import { followersStopped, leaderIsBlind } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { verifyTreeUnchanged } from "../runbook/tree-actions.ts";
import {
  appsUnlockedOn,
  copyWroteTarget,
  targetEqualsSource,
  targetRootIsFree,
} from "../runbook/tree-checks.ts";
import { withRunbookHint } from "../runbook/zk-hints.ts";

const copyTreeStep: Step<MigrationContext> = {
  id: "copy/03-copy-tree",
  title: "Copy the cluster root to the new ensemble and verify it",
  preconditions: [leaderIsBlind, followersStopped, targetRootIsFree, appsUnlockedOn("source")],
  run: async (ctx) => {
    const { root } = ctx.inventory.zookeeper;
    const source = await ctx.zk.source();
    const target = await ctx.zk.target();
    if (!ctx.dryRun) {
      const file = ctx.journal.newBackupFile(`zk/source-before-copy-${Date.now()}.zksnap`);
      const snapshot = await snapshotTree(source, file, { root });
      ctx.log({
        kind: "info",
        message: `  snapshot of the source: ${snapshot.nodes} znodes in ${file}`,
      });
    }
    // A target already holding part of the tree can only be an earlier attempt of this step
    // (targetRootIsFree refuses anything else): complete it, removing what the source lacks.
    const retry = ctx.journal.fact<boolean>(copyWroteTarget) === true;
    if (!ctx.dryRun) ctx.journal.setFact(copyWroteTarget, true);
    const copy = await copyTree(source, target, {
      from: root,
      to: root,
      overwrite: retry,
      mirror: retry,
    }).catch((error) => {
      throw withRunbookHint(error, "copy/03-copy-tree");
    });
    const skipped = copy.skippedEphemerals.map((e) => e.path.slice(root.length + 1)).join(", ");
    ctx.log({
      kind: "info",
      message: `  ${ctx.dryRun ? "would copy" : "copied"} ${copy.read - copy.skippedEphemerals.length} znodes${parents(copy.createdParents)} (${copy.created + copy.createdParents.length} created, ${copy.updated} updated, ${copy.deleted} deleted, ${copy.unchanged} unchanged)${skipped ? `; ephemerals left out: ${skipped}` : ""}`,
    });
    if (ctx.dryRun) return;
    const unchanged = await verifyTreeUnchanged(source, root, copy.sourceStamps, {
      tree: "source",
      rerun: "run again",
    });
    ctx.journal.setFact("copiedZnodes", unchanged);
  },
  postconditions: [targetEqualsSource, appsUnlockedOn("target")],
};

/** The root's missing ancestors are created too: say so, or the create count looks one too many. */
function parents(created: readonly string[]): string {
  if (created.length === 0) return "";
  return ` plus ${created.length} missing parent${created.length > 1 ? "s" : ""} (${created.join(", ")})`;
}

export default copyTreeStep;
if (import.meta.main) await runAlone(copyTreeStep, "copy");
