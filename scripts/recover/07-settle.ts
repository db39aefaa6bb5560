/**
 * Recover method, step 7. The upstream script waits until the per-node replica counts of `nodes
 * -d` match its snapshot — with a comparison that never matches since 1.12 and no timeout
 * (reference §3.8 #2, #3). Right after recovery every partition has a primary and no secondaries
 * (§8.8), so this polls the parsed `nodes -d -j` counts against step 1's backup and the §11 health
 * conditions, with `timeouts.healthy`. The cluster is available again from here.
 */
import { type Step, waitUntil } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { clusterSettledOnTarget, leaderServesOnTarget } from "../runbook/recover-checks.ts";
import { recoverFacts } from "../runbook/recover-facts.ts";

const settle: Step<MigrationContext> = {
  id: "recover/07-settle",
  title: "Wait until the recovered cluster is healthy with its replica counts as before",
  preconditions: [leaderServesOnTarget],
  run: async (ctx) => {
    await waitUntil(
      ctx,
      () => clusterSettledOnTarget.observe(ctx),
      ctx.inventory.timeouts.healthyMs,
      "the recovered cluster healthy on the target with replica counts as before",
    );
    if (!ctx.dryRun && !ctx.journal.fact(recoverFacts.healthyOnTargetAt))
      ctx.journal.setFact(recoverFacts.healthyOnTargetAt, new Date().toISOString());
  },
  postconditions: [clusterSettledOnTarget],
};

export default settle;
if (import.meta.main) await runAlone(settle, "recover");
