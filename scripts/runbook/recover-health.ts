/**
 * Health after a recovery (reference §11, §8.8): the §11 conditions against the baseline, where
 * nodes `recover` skipped on the operator's request may be absent or UNALIVE, and — as upstream's
 * script meant to — every node's replica count back at the backup's (or, with a skipped node, the
 * same total).
 */
import {
  evaluateHealth,
  expectationsFor,
  type NodeList,
  observeHealth,
} from "../../lib/shell/index.ts";
import type { Observation } from "../../lib/wait-for.ts";
import type { MigrationContext } from "./context.ts";
import { baseline } from "./health.ts";
import { type RecoverOutcome, recoverFacts } from "./recover-facts.ts";

/**
 * Observes the recovered cluster on the target against the baseline.
 * @example await recoveredHealth(ctx) // { ok: false, evidence: "replicaCounts: 127.0.0.1:34801 12/16 …" }
 */
export async function recoveredHealth(ctx: MigrationContext): Promise<Observation> {
  const before = await baseline(ctx);
  const skipped = new Set(
    ctx.journal.fact<RecoverOutcome>(recoverFacts.recoverOutcome)?.skippedNodes ?? [],
  );
  const expected = expectationsFor(ctx.inventory, "target", {
    nodes: before.nodes.map((n) => n.address).filter((a) => !skipped.has(a)),
    tables: before.tables,
  });
  const observed = await observeHealth(ctx.shell);
  const report = evaluateHealth(observed, expected);
  const failed = report.failed.filter(
    (c) => !(skipped.size > 0 && isOnlySkipped(c.id, observed.nodes, skipped)),
  );
  const counts = observed.nodes.ok
    ? replicaCounts(before.nodes, observed.nodes.value, skipped)
    : "";
  const problems = [...failed.map((c) => `${c.id}: ${c.evidence}`), ...(counts ? [counts] : [])];
  if (problems.length) return { ok: false, evidence: problems.join("; ") };
  const key = ["leaderUsesExpectedZooKeeper", "allNodesAlive", "allTablesHealthy"];
  const shown = report.conditions.filter((c) => key.includes(c.id)).map((c) => c.evidence);
  return {
    ok: true,
    evidence: `healthy on the target: ${shown.join("; ")}; replica counts as before`,
  };
}

/** A node condition that fails only because of nodes the operator chose to skip. */
function isOnlySkipped(
  id: string,
  nodes: Awaited<ReturnType<typeof observeHealth>>["nodes"],
  skipped: Set<string>,
): boolean {
  if (!nodes.ok) return false;
  if (id === "allNodesAlive")
    return nodes.value.nodes.every((n) => n.status === "ALIVE" || skipped.has(n.address));
  if (id === "nodeSetUnchanged")
    return nodes.value.nodes.every((n) => n.status === "ALIVE" || skipped.has(n.address));
  return false;
}

/** "" when per-node replica counts match the backup (totals only when a node was skipped). */
function replicaCounts(
  before: { address: string; replicaCount?: number }[],
  now: NodeList,
  skipped: Set<string>,
): string {
  const count = (rows: { address: string; replicaCount?: number }[]) =>
    rows.reduce((sum, n) => sum + (n.replicaCount ?? 0), 0);
  if (skipped.size > 0) {
    const alive = now.nodes.filter((n) => n.status === "ALIVE");
    return count(alive) === count(before)
      ? ""
      : `replicaCounts: ${count(alive)} replicas on alive nodes, ${count(before)} before`;
  }
  const off = before.filter(
    (b) => now.nodes.find((n) => n.address === b.address)?.replicaCount !== b.replicaCount,
  );
  if (off.length === 0) return "";
  const shown = off.slice(0, 5).map((b) => {
    const n = now.nodes.find((x) => x.address === b.address);
    return `${b.address} ${n?.replicaCount ?? "absent"}/${b.replicaCount}`;
  });
  return `replicaCounts (now/before): ${shown.join(", ")}${off.length > 5 ? ", …" : ""}`;
}
