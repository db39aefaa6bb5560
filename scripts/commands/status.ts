/** `status -i FILE [--json]`: what the journal recorded for this cluster. */
import { formatMs } from "../../lib/duration.ts";
import { loadInventory } from "../../lib/inventory.ts";
import { Journal, lastRolledBack } from "../../lib/journal.ts";
import { runbookOf, stepsOf } from "../runbook/methods.ts";
import { waysForward } from "../runbook/ways-forward.ts";

/** Options of `status`. */
export interface StatusOptions {
  inventory: string;
  json?: boolean;
}

/** Prints every step of the journal's method with its state, timings, last evidence and the backups. */
export async function status(options: StatusOptions): Promise<void> {
  const inventory = loadInventory(options.inventory);
  const journal = Journal.read(inventory.stateDir, false);
  if (!journal) {
    const last = lastRolledBack(inventory.stateDir);
    const rolledBack = last
      ? ` The last one (${last.data.method}, started ${last.data.createdAt}) was rolled back at ${last.data.rolledBackAt}; its journal and backups are in ${last.dir}.`
      : "";
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ kind: "journal", cluster: inventory.cluster, journal: null, lastRolledBack: last?.dir ?? null })}\n`
        : `No migration recorded for cluster ${inventory.cluster} (state dir ${inventory.stateDir}).${rolledBack}\n`,
    );
    return;
  }
  const data = journal.snapshot;
  const runbook = await runbookOf(data.method);
  const next = waysForward(journal, runbook, options.inventory);
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ kind: "journal", cluster: data.cluster, journal: data, waysForward: next })}\n`,
    );
    return;
  }
  const lines = [
    `cluster ${data.cluster}, method ${data.method}, journal ${journal.file}`,
    `started ${data.createdAt}, updated ${data.updatedAt}${data.finishedAt ? `, finished ${data.finishedAt}` : ", not finished"}`,
  ];
  const rollbackIds = Object.keys(data.steps).filter((id) => id.startsWith("rollback/"));
  for (const step of [...stepsOf(runbook), ...rollbackIds.map((id) => ({ id, title: "" }))]) {
    const record = data.steps[step.id];
    const state = record
      ? `${record.status}${record.durationMs === undefined ? "" : ` in ${formatMs(record.durationMs)}`}${record.attempts > 1 ? `, ${record.attempts} attempts` : ""}`
      : "not started";
    lines.push(`  ${step.id.padEnd(26)} ${state.padEnd(28)} ${step.title}`);
    if (record?.error) lines.push(`      error: ${record.error}`);
    const last = record?.evidence.at(-1);
    if (last)
      lines.push(`      last check: ${last.ok ? "ok" : "FAIL"} ${last.title} — ${last.evidence}`);
  }
  const backups = Object.entries(data.backups);
  if (backups.length)
    lines.push("backups:", ...backups.map(([name, path]) => `  ${name}: ${path}`));
  if (next.length) lines.push("ways forward:", ...next.map((way) => `  ${way}`));
  process.stdout.write(`${lines.join("\n")}\n`);
}
