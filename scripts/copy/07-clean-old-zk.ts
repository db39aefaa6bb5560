/**
 * Copy method, step 7. Upstream: "Use the rmr command of the zookeepercli tool to clean up data on
 * old Zookeepers."
 *
 * Only on explicit request (`run --clean-old`, or this step alone), only when the new cluster is
 * healthy and no meta still holds a lock node on the old ensemble (reference §6.12: deleting under
 * a leader attached there can crash it), after a final snapshot of the old subtree, and deleting
 * each node at the version that snapshot recorded, so any concurrent change aborts the delete.
 */
import type { Step } from "../../lib/step.ts";
import { clusterHealthyOn, everyMetaRunning } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { removeRootAfterSnapshot } from "../runbook/tree-actions.ts";
import {
  everyMetaLocksOnTarget,
  noLockNodeOnSource,
  sourceRootGone,
} from "../runbook/tree-checks.ts";

const cleanOldZkId = "copy/07-clean-old-zk";

const cleanOldZk: Step<MigrationContext> = {
  id: cleanOldZkId,
  title: "Delete the old cluster root from the old ensemble, after a final snapshot",
  destructive: true,
  preconditions: [
    clusterHealthyOn("target"),
    everyMetaRunning,
    everyMetaLocksOnTarget,
    noLockNodeOnSource,
  ],
  run: (ctx) => removeRootAfterSnapshot(ctx, "source", "source-final", cleanOldZkId),
  postconditions: [sourceRootGone],
};

export default cleanOldZk;
if (import.meta.main) await runAlone(cleanOldZk, "copy");
