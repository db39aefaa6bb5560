/**
 * The table list after a recovery against the backup (reference §8.7): recovery can bring back
 * soft-deleted tables, rename clashing names to `name__<id>`, add `__drop_holder__<id>`
 * placeholders and lose tables above the highest surviving id. Compared by app id; a report, not
 * a verdict.
 */
import type { TableRow } from "../../lib/shell/index.ts";
import type { RecoverBackup, TableListDiff } from "./recover-facts.ts";

/**
 * Compares the tables now (`ls -a`) with step 1's backup.
 * @example diffTableLists(backup.tables, now.tables).renamed // [{ appId: 3, before: "t", after: "t__3" }]
 */
export function diffTableLists(before: RecoverBackup["tables"], now: TableRow[]): TableListDiff {
  const byId = new Map(now.map((t) => [t.appId, t]));
  const wasAvailable = new Set(before.filter((t) => t.status === "AVAILABLE").map((t) => t.appId));
  const diff: TableListDiff = {
    renamed: [],
    missing: [],
    resurrected: [],
    dropHolders: [],
    partitionCountChanged: [],
  };
  for (const old of before) {
    if (old.status !== "AVAILABLE") continue;
    const table = byId.get(old.appId);
    if (table?.status !== "AVAILABLE") {
      diff.missing.push({ appId: old.appId, name: old.name, status: table?.status ?? "absent" });
      continue;
    }
    if (table.name !== old.name)
      diff.renamed.push({ appId: old.appId, before: old.name, after: table.name });
    if (table.partitionCount !== old.partitionCount) {
      diff.partitionCountChanged.push({
        appId: old.appId,
        name: table.name,
        before: old.partitionCount,
        after: table.partitionCount,
      });
    }
  }
  for (const table of now) {
    if (table.name.startsWith("__drop_holder__")) diff.dropHolders.push(table.appId);
    else if (table.status === "AVAILABLE" && !wasAvailable.has(table.appId))
      diff.resurrected.push({ appId: table.appId, name: table.name });
  }
  return diff;
}

/** True when nothing differs. */
export function isEmptyDiff(diff: TableListDiff): boolean {
  return Object.values(diff).every((list) => list.length === 0);
}

/** One line per kind of difference, for the run summary. */
export function describeDiff(diff: TableListDiff): string[] {
  const lines: string[] = [];
  for (const r of diff.renamed) lines.push(`renamed: app ${r.appId} ${r.before} → ${r.after}`);
  for (const m of diff.missing) lines.push(`missing: app ${m.appId} ${m.name} (now ${m.status})`);
  for (const r of diff.resurrected) lines.push(`resurrected: app ${r.appId} ${r.name}`);
  if (diff.dropHolders.length) lines.push(`drop holders: app ids ${diff.dropHolders.join(", ")}`);
  for (const p of diff.partitionCountChanged)
    lines.push(`partition count: app ${p.appId} ${p.name} ${p.before} → ${p.after}`);
  return lines;
}
