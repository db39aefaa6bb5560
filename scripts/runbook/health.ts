/**
 * The cluster's baseline (what it had before anything changed) and its health against it
 * (reference §11), as observations steps can check and wait on.
 */

import type { MetaServer } from "../../lib/inventory.ts";
import {
  clusterInfoCommand,
  evaluateHealth,
  expectationsFor,
  nodesCommand,
  observeHealth,
  tablesCommand,
} from "../../lib/shell/index.ts";
import { waitUntil } from "../../lib/step.ts";
import type { Observation } from "../../lib/wait-for.ts";
import type { MigrationContext } from "./context.ts";
import { metasStillRunning } from "./metas.ts";

/** What the cluster looked like before the migration touched it. */
export interface Baseline {
  takenAt: string;
  leader: string;
  zookeeperHosts: string;
  /** Replica server addresses and their replica counts. */
  nodes: { address: string; status: string; replicaCount?: number }[];
  /** AVAILABLE table names. */
  tables: string[];
}

/**
 * The baseline recorded by the first step; taken (and kept as a backup) on first use, so a
 * resumed run compares against the cluster as it was before the migration, not half-way through.
 */
export async function baseline(ctx: MigrationContext): Promise<Baseline> {
  const recorded = ctx.journal.fact<Baseline>("baseline");
  if (recorded) return recorded;
  const [info, nodes, tables] = await ctx.shell.observe([
    clusterInfoCommand(),
    nodesCommand(),
    tablesCommand(),
  ]);
  const taken: Baseline = {
    takenAt: new Date().toISOString(),
    leader: info.primaryMetaServer,
    zookeeperHosts: info.zookeeperHosts,
    nodes: nodes.nodes.map((n) => ({
      address: n.address,
      status: n.status,
      replicaCount: n.replicaCount,
    })),
    tables: tables.tables.filter((t) => t.status === "AVAILABLE").map((t) => t.name),
  };
  ctx.journal.keepBackup(
    "shell/baseline.json",
    `${JSON.stringify({ clusterInfo: info, nodes, tables }, null, 2)}\n`,
  );
  ctx.journal.setFact("baseline", taken);
  return taken;
}

/**
 * Observes §11 health with the leader on `ensemble`, against the baseline's nodes and tables
 * (or `tables`, when the tables legitimately changed since: a rollback after the switch).
 * @example await clusterHealth(ctx, "target") // { ok: false, evidence: "allNodesAlive: 4 of 5 …" }
 */
export async function clusterHealth(
  ctx: MigrationContext,
  ensemble: "source" | "target",
  tables?: string[],
): Promise<Observation> {
  const before = await baseline(ctx);
  const expected = expectationsFor(ctx.inventory, ensemble, {
    nodes: before.nodes.map((n) => n.address),
    tables: tables ?? before.tables,
  });
  const report = evaluateHealth(await observeHealth(ctx.shell, { expected }), expected);
  if (!report.healthy)
    return { ok: false, evidence: report.failed.map((c) => `${c.id}: ${c.evidence}`).join("; ") };
  const key = ["leaderUsesExpectedZooKeeper", "allNodesAlive", "allTablesHealthy"];
  const shown = report.conditions.filter((c) => key.includes(c.id)).map((c) => c.evidence);
  return {
    ok: true,
    evidence: `all ${report.conditions.length} conditions hold: ${shown.join("; ")}`,
  };
}

/**
 * Waits until the cluster is healthy on `ensemble` (timeouts.healthy). With `running`, those
 * metas must keep running meanwhile: one that exits fails the wait at once, with its status.
 * `tables` as in {@link clusterHealth}.
 */
export async function waitHealthy(
  ctx: MigrationContext,
  ensemble: "source" | "target",
  running: MetaServer[] = [],
  tables?: string[],
): Promise<void> {
  await waitUntil(
    ctx,
    async () => {
      const health = await clusterHealth(ctx, ensemble, tables).then(
        (seen) => ({ seen }),
        (error: unknown) => ({ error }),
      );
      if ("seen" in health && health.seen.ok) return health.seen;
      // Only while unhealthy (or unobservable): a meta that exited explains it at once.
      const exited = await metasStillRunning(ctx, running);
      if (exited) return exited;
      if ("error" in health) throw health.error;
      return health.seen;
    },
    ctx.inventory.timeouts.healthyMs,
    `the cluster healthy on the ${ensemble} ensemble`,
  );
}
