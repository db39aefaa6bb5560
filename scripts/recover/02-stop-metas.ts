/**
 * Recover method, step 2. Upstream: "Stop all meta servers" — every one of them (the upstream
 * script stopped all tasks but restarted only two, reference §3.8 #6), followers first so none
 * takes the lock from a stopping leader, each confirmed gone. The cluster is unavailable from here
 * until it is healthy on the target (reference §9.1); both instants are journaled.
 */
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { ensureMetaStopped, followerMetas, leaderMeta } from "../runbook/metas.ts";
import { backupIsRecorded, everyMetaStopped, targetAppsIsFree } from "../runbook/recover-checks.ts";
import { recoverFacts } from "../runbook/recover-facts.ts";

const stopMetas: Step<MigrationContext> = {
  id: "recover/02-stop-metas",
  title: "Stop every meta server (the cluster is unavailable from here)",
  destructive: true,
  preconditions: [backupIsRecorded, targetAppsIsFree],
  run: async (ctx) => {
    const now = () => new Date().toISOString();
    if (!ctx.dryRun && !ctx.journal.fact(recoverFacts.metasStoppingAt))
      ctx.journal.setFact(recoverFacts.metasStoppingAt, now());
    for (const meta of await followerMetas(ctx)) await ensureMetaStopped(ctx, meta);
    if (!ctx.dryRun && !ctx.journal.fact(recoverFacts.leaderStoppingAt))
      ctx.journal.setFact(recoverFacts.leaderStoppingAt, now());
    await ensureMetaStopped(ctx, await leaderMeta(ctx));
    if (!ctx.dryRun && !ctx.journal.fact(recoverFacts.metasStoppedAt))
      ctx.journal.setFact(recoverFacts.metasStoppedAt, now());
  },
  postconditions: [everyMetaStopped],
};

export default stopMetas;
if (import.meta.main) await runAlone(stopMetas, "recover");
