/**
 * Copy method, step 7. Upstream: "Start all follower Meta Servers and check the cluster enters the
 * normal state". The followers read the switched config, so they wait on the new ensemble's lock;
 * each running meta must hold a lock node there before the old subtree may be cleaned.
 */
import { type Step, waitUntil } from "../../lib/step.ts";
import { clusterHealthyOn, everyConfigPointsAt, everyMetaRunning } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { waitHealthy } from "../runbook/health.ts";
import { ensureMetaStarted, followerMetas } from "../runbook/metas.ts";
import { everyMetaLocksOnTarget, noLockNodeOnSource } from "../runbook/tree-checks.ts";

const startFollowers: Step<MigrationContext> = {
  id: "copy/07-start-followers",
  title: "Start the follower meta servers and wait until the cluster is healthy",
  preconditions: [everyConfigPointsAt("target"), clusterHealthyOn("target")],
  run: async (ctx) => {
    for (const meta of await followerMetas(ctx)) await ensureMetaStarted(ctx, meta);
    await waitUntil(
      ctx,
      () => everyMetaLocksOnTarget.observe(ctx),
      ctx.inventory.timeouts.metaStartMs,
      "every meta holding a lock node on the target",
    );
    // A stopped meta's old session lingers until ZooKeeper expires it, lock node included.
    await waitUntil(
      ctx,
      () => noLockNodeOnSource.observe(ctx),
      ctx.inventory.timeouts.healthyMs,
      "no meta holding a lock node on the source",
    );
    await waitHealthy(ctx, "target");
  },
  postconditions: [
    everyMetaRunning,
    everyMetaLocksOnTarget,
    noLockNodeOnSource,
    clusterHealthyOn("target"),
  ],
};

export default startFollowers;
if (import.meta.main) await runAlone(startFollowers, "copy");
