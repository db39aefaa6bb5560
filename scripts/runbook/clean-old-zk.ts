/**
 * Deleting the old cluster root from the old ensemble. Upstream (copy method): "Use the rmr
 * command of the zookeepercli tool to clean up data on old Zookeepers."
 *
 * Only on explicit request (`run --clean-old`, or the step alone), only when the new cluster is
 * healthy and no meta still holds a lock node on the old ensemble (reference §6.12: deleting under
 * a leader attached there can crash it), after a final snapshot of the old subtree, and deleting
 * each node at the version that snapshot recorded, so any concurrent change aborts the delete.
 */
import type { Step } from "../../lib/step.ts";
import { count, removeTree, snapshotTree } from "../../lib/zk/index.ts";
import { clusterHealthyOn, everyMetaRunning } from "./checks.ts";
import type { MigrationContext } from "./context.ts";
import { everyMetaLocksOnTarget, noLockNodeOnSource, sourceRootGone } from "./tree-checks.ts";
import { withRunbookHint } from "./zk-hints.ts";

/**
 * The guarded clean-up step under a method's own id (`copy/08-clean-old-zk`,
 * `recover/11-clean-old-zk`): the same checks and the same delete for both methods.
 */
export function cleanOldZkStep(id: string): Step<MigrationContext> {
  return {
    id,
    title: "Delete the old cluster root from the old ensemble, after a final snapshot",
    destructive: true,
    preconditions: [
      clusterHealthyOn("target"),
      everyMetaRunning,
      everyMetaLocksOnTarget,
      noLockNodeOnSource,
    ],
    run: async (ctx) => {
      const { root } = ctx.inventory.zookeeper;
      const source = await ctx.zk.source();
      if ((await count(source, root)) === 0) return;
      let expectSnapshot: string | undefined;
      if (!ctx.dryRun) {
        expectSnapshot = ctx.journal.newBackupFile(`zk/source-final-${Date.now()}.zksnap`);
        const snapshot = await snapshotTree(source, expectSnapshot, { root });
        ctx.log({
          kind: "info",
          message: `  final snapshot of the old subtree: ${snapshot.nodes} znodes in ${expectSnapshot}`,
        });
      }
      // Under --dry-run the lock nodes of metas not yet moved are still there: count regardless.
      const removed = await removeTree(source, {
        root,
        force: ctx.dryRun,
        ...(expectSnapshot ? { expectSnapshot } : {}),
      }).catch((error) => {
        throw withRunbookHint(error, id);
      });
      ctx.log({
        kind: "info",
        message: `  ${ctx.dryRun ? "would delete" : "deleted"} ${removed.deleted} znodes under ${root} on ${ctx.inventory.zookeeper.source}`,
      });
    },
    postconditions: [sourceRootGone],
  };
}
