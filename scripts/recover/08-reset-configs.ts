/**
 * Recover method, step 8. Upstream: "Set `recover_from_replica_server = false` again."
 *
 * Done right (reference §12.1.10): in **every** meta's config, before any further restart — a
 * meta restarted with the flag still on aborts on the recovered tree (§8.6). Each config becomes
 * its original with only `[zookeeper] hosts_list` = target: the recovery flag back to its original
 * line (or absent again), every other byte as it was; each write checked and journaled.
 */
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { leaderServesOnTarget } from "../runbook/recover-checks.ts";
import { everyConfigReset, finalConfig } from "../runbook/recover-config-checks.ts";
import { writeTrackedConfig } from "../runbook/tracked-configs.ts";

const resetConfigs: Step<MigrationContext> = {
  id: "recover/08-reset-configs",
  title: "Turn recovery off and point every meta config at the target",
  destructive: true,
  preconditions: [leaderServesOnTarget],
  run: async (ctx) => {
    for (const meta of ctx.inventory.metaServers) {
      const text = await finalConfig(ctx, meta);
      if (ctx.dryRun)
        ctx.log({
          kind: "info",
          message: `  ${meta.config}: original with hosts_list = ${ctx.inventory.zookeeper.target}`,
        });
      await writeTrackedConfig(ctx, meta, text, "recover/08-reset-configs");
    }
  },
  postconditions: [everyConfigReset],
};

export default resetConfigs;
if (import.meta.main) await runAlone(resetConfigs, "recover");
