/**
 * Recover method, step 1. Upstream: "Back up the table list: `ls -o apps.list`" and "Back up the
 * node list and build the recovery node list: `nodes -d -o nodes.list`; `grep ALIVE …`".
 *
 * Done right (reference §12.1.1–3): `cluster_info -j` cross-checked (the root ends in the cluster
 * name, the meta list is the inventory's, the source ensemble); the tables with `ls -a -d -j` and
 * every table's envs (recovery loses them, §8.7); the nodes with `nodes -d -j`, every one ALIVE —
 * the recover node list is the parsed rows, never a grep; each meta's config.ini; the target's
 * `<root>/apps` free. All kept in the journal's backups before anything changes.
 */
import {
  appEnvsCommand,
  clusterInfoCommand,
  nodesCommand,
  tablesCommand,
} from "../../lib/shell/index.ts";
import type { Step } from "../../lib/step.ts";
import { everyNodeAlive, shellNamesTheCluster } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { baseline } from "../runbook/health.ts";
import { recordLeader } from "../runbook/metas.ts";
import {
  backupIsRecorded,
  clusterIdentityMatches,
  targetAppsIsFree,
} from "../runbook/recover-checks.ts";
import { noConfigRecovers } from "../runbook/recover-config-checks.ts";
import { type RecoverBackup, recoverFacts } from "../runbook/recover-facts.ts";
import { backUpOriginalConfig, originalConfigName } from "../runbook/tracked-configs.ts";

const identifyAndBackUp: Step<MigrationContext> = {
  id: "recover/01-identify-and-back-up",
  title: "Identify the cluster and back up its tables, envs, nodes and meta configs",
  preconditions: [
    shellNamesTheCluster("source"),
    clusterIdentityMatches,
    everyNodeAlive,
    targetAppsIsFree,
    noConfigRecovers,
  ],
  run: async (ctx) => {
    await baseline(ctx);
    const leader = await recordLeader(ctx);
    ctx.journal.setFact(recoverFacts.recoveryMeta, leader.address);
    const [info, tables, nodes] = await ctx.shell.observe([
      clusterInfoCommand(),
      tablesCommand({ all: true }),
      nodesCommand(),
    ]);
    const available = tables.tables.filter((t) => t.status === "AVAILABLE");
    const envList = available.length
      ? await ctx.shell.observe(available.map((t) => appEnvsCommand(t.name)))
      : [];
    const envs = Object.fromEntries(available.map((t, i) => [t.name, envList[i] ?? {}]));
    const shellFile = "recover/shell.json";
    ctx.journal.keepBackup(
      shellFile,
      `${JSON.stringify({ clusterInfo: info, tables, nodes, envs }, null, 2)}\n`,
    );
    const configs: Record<string, string> = {};
    for (const meta of ctx.inventory.metaServers) {
      await backUpOriginalConfig(ctx, meta);
      configs[String(meta.task)] = originalConfigName(meta);
    }
    const backup: RecoverBackup = {
      takenAt: new Date().toISOString(),
      shellFile,
      configs,
      tables: tables.tables.map((t) => ({
        appId: t.appId,
        name: t.name,
        status: t.status,
        partitionCount: t.partitionCount,
      })),
      envs,
      nodes: nodes.nodes.map((n) => n.address),
    };
    ctx.journal.setFact(recoverFacts.backup, backup);
    const withEnvs = Object.values(envs).filter((e) => Object.keys(e).length > 0).length;
    ctx.log({
      kind: "info",
      message: `  backed up ${tables.tables.length} tables (${withEnvs} with envs), ${nodes.nodes.length} nodes, ${ctx.inventory.metaServers.length} meta configs; recovery meta ${leader.address}`,
    });
  },
  postconditions: [backupIsRecorded],
};

export default identifyAndBackUp;
if (import.meta.main) await runAlone(identifyAndBackUp, "recover");
