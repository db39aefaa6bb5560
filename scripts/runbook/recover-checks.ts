/**
 * Checks of the recover method, each named for the state it asserts and returning what it saw.
 * They only observe, so `check --method recover`, `plan` and `status` run them too.
 */
import { formatMs } from "../../lib/duration.ts";
import { appEnvsCommand, HostIdentities, MetaUnderRecovery } from "../../lib/shell/index.ts";
import type { Check } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import { leaseWait } from "./fd-lease.ts";
import { metaProcesses } from "./metas.ts";
import { type RecoverBackup, recoverFacts, recoveryMeta } from "./recover-facts.ts";
import { recoveredHealth } from "./recover-health.ts";

type MigrationCheck = Check<MigrationContext>;

/**
 * `<root>/apps` on the target is absent, or holds `unlock`/nothing and has no children: otherwise
 * a meta in recovery mode aborts (reference §8.1, §8.6). Other nodes under the root are fine.
 */
export const targetAppsIsFree: MigrationCheck = {
  title: "The target has no tables under the cluster root (apps absent, or empty and unlocked)",
  observe: async (ctx) => {
    const path = `${ctx.inventory.zookeeper.root}/apps`;
    const zk = await ctx.zk.target();
    const node = await zk.get(path);
    if (!node) return { ok: true, evidence: `${path} does not exist on the target` };
    const data = node.data.toString();
    const children = (await zk.children(path))?.children ?? [];
    const ok = (data === "unlock" || data === "") && children.length === 0;
    return {
      ok,
      evidence: `${path} holds ${JSON.stringify(data)} and ${children.length} children${children.length ? ` (${children.slice(0, 5).join(", ")}${children.length > 5 ? ", …" : ""})` : ""}`,
    };
  },
};

/** `cluster_info`: the root's last component is the cluster name, and the meta list is the inventory's. */
export const clusterIdentityMatches: MigrationCheck = {
  title: "cluster_info names this cluster: root ends in its name, same meta list",
  observe: async (ctx) => {
    const info = await ctx.shell.clusterInfo();
    const last = info.zookeeperRoot.split("/").filter(Boolean).at(-1) ?? "";
    const listed = ctx.inventory.metaServers.map((m) => m.address).sort();
    const shown = [...info.metaServers].sort();
    const problems = [
      last !== ctx.inventory.cluster &&
        `zookeeper_root ${info.zookeeperRoot} does not end in ${ctx.inventory.cluster}`,
      shown.join(",") !== listed.join(",") &&
        `meta_servers ${shown.join(",")}, inventory ${listed.join(",")}`,
    ].filter((p): p is string => typeof p === "string");
    return {
      ok: problems.length === 0,
      evidence: problems.length
        ? problems.join("; ")
        : `cluster ${last}, ${shown.length} metas: ${shown.join(",")}`,
    };
  },
};

/** The failure-detector lease is known, so the wait after stopping the metas is too. */
export const leaseIsKnown: MigrationCheck = {
  title: "The failure-detector lease is known",
  observe: async (ctx) => {
    const wait = await leaseWait(ctx);
    return { ok: true, evidence: `wait ${formatMs(wait.ms)} = ${wait.how}` };
  },
};

/** Every replica server answers `server_info` (reached through the meta's node list). */
export const everyReplicaAnswers: MigrationCheck = {
  title: "Every server answers server_info",
  observe: async (ctx) => {
    const info = await ctx.shell.serverInfo();
    const failed = info.servers.filter((s) => !s.ok).map((s) => `${s.address} (${s.message})`);
    return {
      ok: info.failedCount === 0,
      evidence: failed.length
        ? `${info.failedCount} failed: ${failed.join(", ")}`
        : `${info.succeedCount} answered`,
    };
  },
};

/** No meta process runs. */
export const everyMetaStopped: MigrationCheck = {
  title: "Every meta server is stopped",
  observe: async (ctx) => {
    const { running, stopped } = await metaProcesses(ctx, ctx.inventory.metaServers);
    return {
      ok: running.length === 0,
      evidence: running.length
        ? `still running: ${running.join(", ")}`
        : `stopped: ${stopped.join(", ")}`,
    };
  },
};

/** Exactly the recovery meta runs; every other meta is stopped. */
export const onlyRecoveryMetaRuns: MigrationCheck = {
  title: "Only the recovery meta runs",
  observe: async (ctx) => {
    const meta = recoveryMeta(ctx);
    const { running } = await metaProcesses(ctx, ctx.inventory.metaServers);
    return {
      ok: running.length === 1 && running[0] === meta.address,
      evidence: `running: ${running.join(", ") || "none"} (expected ${meta.address})`,
    };
  },
};

/** The meta waits in recovery mode: `ls` answers ERR_UNDER_RECOVERY (§8.3). */
export const metaAwaitsRecover: MigrationCheck = {
  title: "The meta waits in recovery mode (ls answers ERR_UNDER_RECOVERY)",
  observe: async (ctx) => {
    try {
      await ctx.shell.tables();
      return {
        ok: false,
        evidence: "ls answered with the table list: the meta is not in recovery mode",
      };
    } catch (error) {
      if (error instanceof MetaUnderRecovery) return { ok: true, evidence: error.line };
      throw error;
    }
  },
};

/**
 * The recovery meta leads on the target: waiting in recovery mode, or — when an interrupted run's
 * `recover` went through without the tool seeing it — already serving there.
 */
export const recoveryMetaLeadsOnTarget: MigrationCheck = {
  title: "The recovery meta leads on the target (waiting for recover, or recovered)",
  observe: async (ctx) => {
    const waiting = await metaAwaitsRecover.observe(ctx);
    if (waiting.ok) return waiting;
    const serving = await leaderServesOnTarget.observe(ctx);
    return serving.ok ? { ok: true, evidence: `already recovered: ${serving.evidence}` } : waiting;
  },
};

/** The leader serves from the target ensemble (`cluster_info` names it). */
export const leaderServesOnTarget: MigrationCheck = {
  title: "The leader serves on the target ensemble",
  observe: async (ctx) => {
    const info = await ctx.shell.clusterInfo();
    // The leader prints [zookeeper] hosts_list verbatim (spaces, names): compare by identity.
    const target = ctx.inventory.zookeeper.target;
    const ids = await HostIdentities.resolve([info.zookeeperHosts, target]);
    return {
      ok: ids.sameEnsemble(info.zookeeperHosts, target),
      evidence: `primary ${info.primaryMetaServer || "(none)"}, zookeeper_hosts ${info.zookeeperHosts}`,
    };
  },
};

/**
 * Whether `recover` already succeeded, seen on the cluster rather than in the journal: a run killed
 * while `recover` was in flight never journaled its ERR_OK, yet the meta then serves on the
 * target. A meta still waiting in recovery mode answers ERR_UNDER_RECOVERY: not recovered.
 */
export async function recoveredOnCluster(ctx: MigrationContext): Promise<boolean> {
  try {
    return (await leaderServesOnTarget.observe(ctx)).ok;
  } catch (error) {
    if (error instanceof MetaUnderRecovery) return false;
    throw error;
  }
}

/** Healthy on the target with replica counts as in the backup (§11, §8.8). */
export const clusterSettledOnTarget: MigrationCheck = {
  title: "The recovered cluster is healthy on the target, replica counts as before",
  observe: (ctx) => recoveredHealth(ctx),
};

/** Step 1's backup is in the journal: tables, envs, the node list and every meta config. */
export const backupIsRecorded: MigrationCheck = {
  title: "The backup of tables, envs, nodes and meta configs is recorded",
  observe: async (ctx) => {
    const backup = ctx.journal.fact<RecoverBackup>(recoverFacts.backup);
    if (!backup) return { ok: false, evidence: "no backup recorded" };
    const configs = Object.keys(backup.configs).length;
    return {
      ok: backup.nodes.length > 0 && configs === ctx.inventory.metaServers.length,
      evidence: `${backup.tables.length} tables, ${backup.nodes.length} nodes, ${configs} configs (taken ${backup.takenAt})`,
    };
  },
};

/** The lease wait has passed since every meta was confirmed stopped. */
export const leaseHasPassed: MigrationCheck = {
  title: "The failure-detector lease has run out since the last meta stopped",
  observe: async (ctx) => {
    const stoppedAt = ctx.journal.fact<string>(recoverFacts.metasStoppedAt);
    const wait = ctx.journal.fact<{ ms: number }>(recoverFacts.leaseWait) ?? (await leaseWait(ctx));
    if (!stoppedAt) return { ok: false, evidence: "no record of the metas being stopped" };
    const elapsed = Date.now() - Date.parse(stoppedAt);
    return {
      ok: elapsed >= wait.ms,
      evidence: `${formatMs(elapsed)} of ${formatMs(wait.ms)} since ${stoppedAt}`,
    };
  },
};

/** Every meta but the recovery meta is stopped (it may run already, on a resumed run). */
export const otherMetasStopped: MigrationCheck = {
  title: "Every meta but the recovery meta is stopped",
  observe: async (ctx) => {
    const meta = recoveryMeta(ctx);
    const others = ctx.inventory.metaServers.filter((m) => m !== meta);
    const { running } = await metaProcesses(ctx, others);
    return {
      ok: running.length === 0,
      evidence: running.length
        ? `still running: ${running.join(", ")}`
        : `${others.length} stopped`,
    };
  },
};

/** Every env saved by step 1 is on its table again (matched by app id). */
export const everyEnvRestored: MigrationCheck = {
  title: "Every saved table env is set again",
  observe: async (ctx) => {
    const backup = ctx.journal.fact<RecoverBackup>(recoverFacts.backup);
    if (!backup) return { ok: false, evidence: "no backup recorded" };
    const now = await ctx.shell.tables({ all: true });
    const wanted = Object.entries(backup.envs).filter(([, envs]) => Object.keys(envs).length > 0);
    const present = wanted.flatMap(([name, envs]) => {
      const id = backup.tables.find((t) => t.name === name)?.appId;
      const table = now.tables.find((t) => t.appId === id && t.status === "AVAILABLE");
      return table ? [{ table: table.name, envs }] : [];
    });
    const current = present.length
      ? await ctx.shell.observe(present.map((p) => appEnvsCommand(p.table)))
      : [];
    const wrong = present.flatMap((p, i) =>
      Object.entries(p.envs)
        .filter(([k, v]) => current[i]?.[k] !== v)
        .map(([k]) => `${p.table}: ${k}`),
    );
    return {
      ok: wrong.length === 0,
      evidence: wrong.length
        ? `not set: ${wrong.slice(0, 5).join(", ")}${wrong.length > 5 ? ", …" : ""}`
        : `${present.length} tables with envs as saved`,
    };
  },
};
