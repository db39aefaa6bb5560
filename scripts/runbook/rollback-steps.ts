/**
 * The rollback steps every rollback runs (after the reverse migration, when one is needed):
 * restore the meta configs, restart on the source in a safe order, and remove the tool's copy
 * from the target so a later `run` starts afresh.
 */
import { getMetaLevelCommand } from "../../lib/shell/index.ts";
import { type Check, type Step, waitUntil } from "../../lib/step.ts";
import { everyMetaRunning } from "./checks.ts";
import type { MigrationContext } from "./context.ts";
import { clusterHealth, waitHealthy } from "./health.ts";
import { ensureMetaStarted, metaAt, metaProcesses } from "./metas.ts";
import { namesEnsemble } from "./names-ensemble.ts";
import { configsRestorable, configsRestored, restoreConfigs } from "./rollback-configs.ts";
import type { RollbackFacts } from "./rollback-facts.ts";
import { tablesAtRollback } from "./rollback-reverse.ts";
import { removeRootAfterSnapshot } from "./tree-actions.ts";
import { everyMetaLocksOn, noLockNodeOn, rootGoneFrom, sourceRootPresent } from "./tree-checks.ts";

/** §11 health on the source, expecting the tables the target had if its tree was copied back. */
const healthyOnSource: Check<MigrationContext> = {
  title: "The cluster is healthy on the source ensemble",
  observe: (ctx) => clusterHealth(ctx, "source", ctx.journal.fact<string[]>(tablesAtRollback)),
};

/** Rollback step: every config the tool edited back to its original bytes, once verified. */
export function restoreConfigsStep(facts: RollbackFacts): Step<MigrationContext> {
  return {
    id: "rollback/04-restore-configs",
    title: "Restore every meta config to its backed-up bytes",
    preconditions: [configsRestorable(facts)],
    run: (ctx) => restoreConfigs(ctx, facts),
    postconditions: [configsRestored(facts)],
  };
}

/** Rollback step: the old leader first, then the others, blind cleared, §11 health on the source. */
export function restartOnSource(facts: RollbackFacts): Step<MigrationContext> {
  return {
    id: "rollback/05-restart-on-source",
    title: "Start the old leader on the source ensemble, then the others; wait until healthy",
    preconditions: [configsRestored(facts), sourceRootPresent],
    run: async (ctx) => {
      const recorded = ctx.journal.fact<string>("leader");
      const leader = recorded
        ? metaAt(ctx, recorded)
        : (ctx.inventory.metaServers[0] as (typeof ctx.inventory.metaServers)[0]);
      // The old leader takes the lock first, so the cluster comes back under the meta it had.
      const { running } = await metaProcesses(ctx, ctx.inventory.metaServers);
      // (A plan shows it regardless: the steps before would have stopped every meta.)
      if (ctx.dryRun || running.length === 0) await ensureMetaStarted(ctx, leader);
      await waitUntil(
        ctx,
        async () => {
          const info = await ctx.shell.clusterInfo();
          return {
            ok:
              (await namesEnsemble(ctx, info.zookeeperHosts, "source")) &&
              info.primaryMetaServer !== "",
            evidence: `primary ${info.primaryMetaServer || "(none)"} on ${info.zookeeperHosts}`,
          };
        },
        ctx.inventory.timeouts.metaStartMs,
        "a primary meta on the source ensemble",
      );
      if (ctx.dryRun) {
        ctx.log({ kind: "info", message: "  if the leader is still blind:" });
        await ctx.shell.setMetaLevel("steady");
      } else {
        const [stored] = await ctx.shell.observe([getMetaLevelCommand()]);
        if (stored.level === "blind") await ctx.shell.setMetaLevel("steady");
      }
      // Once a primary serves, the others only queue for the lock: start them together.
      await Promise.all(ctx.inventory.metaServers.map((meta) => ensureMetaStarted(ctx, meta)));
      await waitUntil(
        ctx,
        () => everyMetaLocksOn("source").observe(ctx),
        ctx.inventory.timeouts.metaStartMs,
        "every meta holding a lock node on the source",
      );
      const tables = ctx.journal.fact<string[]>(tablesAtRollback);
      await waitHealthy(ctx, "source", ctx.inventory.metaServers, tables);
    },
    postconditions: [everyMetaRunning, everyMetaLocksOn("source"), healthyOnSource],
  };
}

const removeTargetCopyId = "rollback/06-remove-target-copy";

/** Rollback step: snapshot the tool's copy on the target into the backups, then delete it. */
export const removeTargetCopy: Step<MigrationContext> = {
  id: removeTargetCopyId,
  title: "Remove the cluster root from the target ensemble, after a snapshot",
  preconditions: [everyMetaLocksOn("source")],
  run: async (ctx) => {
    // A meta stopped on the target leaves its lock node until its session expires.
    await waitUntil(
      ctx,
      () => noLockNodeOn("target").observe(ctx),
      ctx.inventory.timeouts.healthyMs,
      "no meta holding a lock node on the target",
    );
    await removeRootAfterSnapshot(ctx, "target", "target-before-removal", removeTargetCopyId);
  },
  postconditions: [rootGoneFrom("target")],
};
