/**
 * Recover method, step 9. Upstream: "Restart all meta servers. The cluster is back to normal."
 *
 * Done right (reference §8.5, §12.1.11): all of them — the upstream script left a third meta
 * stopped (§3.8 #6) — one at a time, healthy after each: the stopped followers first, then the
 * recovered leader itself, which runs without the duplication and split services until it is
 * restarted. Each restart is journaled, so a resumed run skips the ones done.
 */
import { HostIdentities } from "../../lib/shell/index.ts";
import { type Step, waitUntil } from "../../lib/step.ts";
import { everyMetaRunning } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { ensureMetaStarted, ensureMetaStopped } from "../runbook/metas.ts";
import { clusterSettledOnTarget, leaderServesOnTarget } from "../runbook/recover-checks.ts";
import { everyConfigReset } from "../runbook/recover-config-checks.ts";
import { recoverFacts, recoveryMeta } from "../runbook/recover-facts.ts";
import { everyMetaLocksOnTarget } from "../runbook/tree-checks.ts";

const restartMetas: Step<MigrationContext> = {
  id: "recover/09-restart-metas",
  title: "Restart every meta one at a time, the recovered leader last, healthy after each",
  destructive: true,
  // Not "the leader serves": a run killed right after stopping the leader resumes during failover.
  preconditions: [everyConfigReset],
  run: async (ctx) => {
    const leader = recoveryMeta(ctx);
    const others = ctx.inventory.metaServers.filter((m) => m !== leader);
    const healthy = () =>
      waitUntil(
        ctx,
        () => clusterSettledOnTarget.observe(ctx),
        ctx.inventory.timeouts.healthyMs,
        "the cluster healthy on the target",
      );
    for (const meta of [...others, leader]) {
      const done = ctx.journal.fact<string[]>(recoverFacts.restartedMetas) ?? [];
      if (done.includes(meta.address)) continue;
      if (meta === leader) {
        await ensureMetaStopped(ctx, meta);
        // A follower takes the lock once the stopped leader's ZooKeeper session expires.
        await waitUntil(
          ctx,
          async () => {
            const info = await ctx.shell.clusterInfo();
            const ids = await HostIdentities.resolve([info.primaryMetaServer, meta.address]);
            const onTarget = await leaderServesOnTarget.observe(ctx);
            return {
              ok: !ids.sameEndpoint(info.primaryMetaServer, meta.address) && onTarget.ok,
              evidence: onTarget.evidence,
            };
          },
          ctx.inventory.timeouts.healthyMs,
          `another meta leading on the target after stopping ${meta.address}`,
        );
      }
      await ensureMetaStarted(ctx, meta);
      await healthy();
      if (!ctx.dryRun) ctx.journal.setFact(recoverFacts.restartedMetas, [...done, meta.address]);
    }
  },
  postconditions: [everyMetaRunning, everyMetaLocksOnTarget, clusterSettledOnTarget],
};

export default restartMetas;
if (import.meta.main) await runAlone(restartMetas, "recover");
