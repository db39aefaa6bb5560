/**
 * Copy method, step 6. Upstream: "Restart the leader Meta Server and use shell tools to check that
 * the cluster has entered the normal state". The restarted leader reads the new hosts_list, loads
 * the copied tree and comes back at meta_function_level_on_start (normally steady): blind ends here.
 * Healthy means reference §11 — cluster_info names the new ensemble, every node ALIVE as before,
 * no unhealthy partition, no table missing.
 */
import { HostIdentities } from "../../lib/shell/index.ts";
import type { Step } from "../../lib/step.ts";
import { clusterHealthyOn, everyConfigPointsAt, followersStopped } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { waitHealthy } from "../runbook/health.ts";
import { ensureMetaStarted, ensureMetaStopped, leaderMeta } from "../runbook/metas.ts";

const restartLeader: Step<MigrationContext> = {
  id: "copy/06-restart-leader",
  title: "Restart the leader on the new ensemble and wait until the cluster is healthy",
  destructive: true,
  preconditions: [everyConfigPointsAt("target"), followersStopped],
  run: async (ctx) => {
    const leader = await leaderMeta(ctx);
    // The leader prints [zookeeper] hosts_list verbatim (spaces, names): compare by identity.
    const target = ctx.inventory.zookeeper.target;
    const onTarget =
      !ctx.dryRun &&
      (await ctx.shell.clusterInfo().then(
        async (i) =>
          (
            await HostIdentities.resolve([i.zookeeperHosts, target])
          ).sameEnsemble(i.zookeeperHosts, target),
        () => false,
      ));
    if (!onTarget) {
      await ensureMetaStopped(ctx, leader);
      if (!ctx.journal.fact("blindEndedAt"))
        ctx.journal.setFact("blindEndedAt", new Date().toISOString());
      await ensureMetaStarted(ctx, leader);
    }
    await waitHealthy(ctx, "target", [leader]);
  },
  postconditions: [clusterHealthyOn("target")],
};

export default restartLeader;
if (import.meta.main) await runAlone(restartLeader, "copy");
