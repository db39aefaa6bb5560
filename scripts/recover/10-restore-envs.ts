/**
 * Recover method, step 10. Not in the upstream page: recovery loses table envs (throttling, TTL,
 * deny-client, compaction rules, ACLs — reference §8.7) and can change the table list. The envs
 * saved by step 1 are re-applied (`set_app_envs`) to each table by its app id, and the table-list
 * differences (renames, resurrected tables, drop holders, missing tables) are reported in the run
 * summary, the journal and `--json`.
 */
import { appEnvsCommand, setAppEnvsCommand } from "../../lib/shell/index.ts";
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { everyEnvRestored, leaderServesOnTarget } from "../runbook/recover-checks.ts";
import { recoverBackup, recoverFacts } from "../runbook/recover-facts.ts";
import { describeDiff, diffTableLists } from "../runbook/table-diff.ts";

const restoreEnvs: Step<MigrationContext> = {
  id: "recover/10-restore-envs",
  title: "Re-apply the saved table envs and report table-list differences",
  preconditions: [leaderServesOnTarget],
  run: async (ctx) => {
    const backup = recoverBackup(ctx);
    if (!backup) return;
    const now = await ctx.shell.tables({ all: true });
    const diff = diffTableLists(backup.tables, now.tables);
    if (!ctx.dryRun) ctx.journal.setFact(recoverFacts.tableDiff, diff);
    const lines = describeDiff(diff);
    ctx.log({
      kind: "info",
      message: lines.length
        ? `  table list differs from the backup:\n${lines.map((l) => `    ${l}`).join("\n")}`
        : `  table list as before: ${backup.tables.length} tables, same ids, names, partition counts`,
    });
    const reapplied: Record<string, string[]> = {};
    for (const [name, saved] of Object.entries(backup.envs)) {
      if (Object.keys(saved).length === 0) continue;
      const id = backup.tables.find((t) => t.name === name)?.appId;
      const table = now.tables.find((t) => t.appId === id && t.status === "AVAILABLE");
      if (!table) continue; // reported as missing above
      const [current] = await ctx.shell.observe([appEnvsCommand(table.name)]);
      const lost = Object.fromEntries(Object.entries(saved).filter(([k, v]) => current[k] !== v));
      if (Object.keys(lost).length === 0) continue;
      await ctx.shell.change(setAppEnvsCommand(table.name, lost));
      reapplied[table.name] = Object.keys(lost);
    }
    if (!ctx.dryRun) ctx.journal.setFact(recoverFacts.envsReapplied, reapplied);
    const count = Object.values(reapplied).reduce((n, keys) => n + keys.length, 0);
    ctx.log({
      kind: "info",
      message: `  ${ctx.dryRun ? "would re-apply" : "re-applied"} ${count} envs on ${Object.keys(reapplied).length} tables`,
    });
  },
  postconditions: [everyEnvRestored],
};

export default restoreEnvs;
if (import.meta.main) await runAlone(restoreEnvs, "recover");
