/**
 * Copy method, step 3. Upstream: "Obtain the path zookeeper_root … and then use the zkcopy tool to
 * copy all the data from this path to the new Zookeeper, being careful to recursively copy."
 *
 * Done right (reference §12.2): a snapshot of the source first (the backup), then the copy —
 * data byte for byte, ACLs, parents before children, the leader's ephemeral LOCKNODE left out but
 * the lock directories kept — then a node-by-node diff of both trees, and proof that the source
 * did not change while we copied (blind does not stop every write, §7.5).
 *
 * The leader is blind all along, so the source's content is read once: the backup snapshot is
 * written from the copy's own read, which also keeps every node's stamps and a digest of its
 * content; the verification then reads the target's content, comparing it with those digests,
 * while a stat-only walk of the source compares its stamps with the copy's (`verifyCopy`: target
 * = source as copied, source now = source as copied). The postcondition then proves only that
 * neither tree changed since (stamps, two stat walks).
 */
import { ActionFailed } from "../../lib/errors.ts";
import type { Step } from "../../lib/step.ts";
import { copyTree } from "../../lib/zk/index.ts";
import { followersStopped, leaderIsBlind } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import {
  appsUnlockedOn,
  compareTrees,
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
    const snapshot = ctx.dryRun
      ? undefined
      : ctx.journal.newBackupFile(`zk/source-before-copy-${Date.now()}.zksnap`);
    // A target already holding part of the tree can only be an earlier attempt of this step
    // (targetRootIsFree refuses anything else): complete it, removing what the source lacks.
    const retry = ctx.journal.fact<boolean>(copyWroteTarget) === true;
    if (!ctx.dryRun) ctx.journal.setFact(copyWroteTarget, true);
    const copy = await copyTree(source, target, {
      from: root,
      to: root,
      overwrite: retry,
      mirror: retry,
      snapshot,
    }).catch((error) => {
      throw withRunbookHint(error, "copy/03-copy-tree");
    });
    if (copy.snapshot) {
      ctx.log({
        kind: "info",
        message: `  snapshot of the source (same read): ${copy.read} znodes in ${copy.snapshot.file}`,
      });
    }
    const skipped = copy.skippedEphemerals.map((e) => e.path.slice(root.length + 1)).join(", ");
    ctx.log({
      kind: "info",
      message: `  ${ctx.dryRun ? "would copy" : "copied"} ${copy.read - copy.skippedEphemerals.length} znodes${parents(copy.createdParents)} (${copy.created + copy.createdParents.length} created, ${copy.updated} updated, ${copy.deleted} deleted, ${copy.unchanged} unchanged)${skipped ? `; ephemerals left out: ${skipped}` : ""}`,
    });
    if (ctx.dryRun) return;
    const diff = await compareTrees(ctx, copy);
    const changes = diff.unchanged?.changes ?? [];
    if (changes.length > 0) {
      const shown = changes
        .slice(0, 5)
        .map((c) => `${c.change} ${c.path}`)
        .join(", ");
      throw new ActionFailed(
        `The source tree changed while it was copied and verified: ${changes.length} changes (${shown})`,
        {
          hint: "Blind does not stop DDL, env changes, duplication, backup or bulk load. Stop them, then run again: the copy is redone.",
        },
      );
    }
    if (!diff.identical) {
      const shown = diff.differences.slice(0, 5).map((d) => `${d.kind} ${d.path}`);
      throw new ActionFailed(
        `The copy differs from the source: ${diff.differences.length} differences (${shown.join(", ")})`,
        { hint: "Run the step again: it completes the copy and removes what the source lacks." },
      );
    }
    ctx.journal.setFact("copiedZnodes", diff.unchanged?.nodes ?? diff.sourceNodes);
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
