/**
 * Checks shared by the runbook's steps, each named for the state it asserts and returning what it
 * observed. They only observe: they run under `check`, `plan` and `status` too.
 */
import { getMetaLevelCommand, HostIdentities } from "../../lib/shell/index.ts";
import type { Check } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import { clusterHealth } from "./health.ts";
import { ensembleOf, readMetaConfig } from "./meta-configs.ts";
import { followerMetas, leaderMeta, metaProcesses } from "./metas.ts";
import { readMinosConfig } from "./minos-configs.ts";

type MigrationCheck = Check<MigrationContext>;

/** The shell answers for this cluster: expected root, a known primary, and the ensemble in use. */
export function shellNamesTheCluster(ensemble: "source" | "target"): MigrationCheck {
  return {
    title: `The shell answers for cluster root and the ${ensemble} ensemble`,
    observe: async (ctx) => {
      const info = await ctx.shell.clusterInfo();
      const { root } = ctx.inventory.zookeeper;
      const expectedHosts = ctx.inventory.zookeeper[ensemble];
      const metas = ctx.inventory.metaServers.map((m) => m.address);
      const ids = await HostIdentities.resolve([
        info.primaryMetaServer,
        info.zookeeperHosts,
        expectedHosts,
        ...metas,
      ]);
      const problems = [
        info.zookeeperRoot !== root && `zookeeper_root is ${info.zookeeperRoot}, expected ${root}`,
        !ids.sameEnsemble(info.zookeeperHosts, expectedHosts) &&
          `zookeeper_hosts is ${info.zookeeperHosts}, expected ${expectedHosts}`,
        !metas.some((m) => ids.sameEndpoint(m, info.primaryMetaServer)) &&
          `primary_meta_server ${info.primaryMetaServer || "(none)"} is not in the inventory`,
        info.clusterName !== undefined &&
          info.clusterName !== ctx.inventory.cluster &&
          `cluster_name is ${info.clusterName}, expected ${ctx.inventory.cluster}`,
      ].filter((p): p is string => typeof p === "string");
      return {
        ok: problems.length === 0,
        evidence: problems.length
          ? problems.join("; ")
          : `root ${info.zookeeperRoot} on ${info.zookeeperHosts}, primary ${info.primaryMetaServer}, level ${info.metaFunctionLevel}`,
      };
    },
  };
}

/** Every replica server is ALIVE, and the set matches the inventory's replica_servers if listed. */
export const everyNodeAlive: MigrationCheck = {
  title: "Every replica server is ALIVE",
  observe: async (ctx) => {
    const { nodes } = await ctx.shell.nodes();
    const dead = nodes.filter((n) => n.status !== "ALIVE").map((n) => n.address);
    const listed = ctx.inventory.replicaServers;
    const seen = nodes.map((n) => n.address);
    const ids = await HostIdentities.resolve([...seen, ...listed]);
    const missing = listed.filter((a) => !seen.some((s) => ids.sameEndpoint(s, a)));
    const unlisted = seen.filter(
      (s) => listed.length && !listed.some((a) => ids.sameEndpoint(s, a)),
    );
    const problems = [
      dead.length && `UNALIVE: ${dead.join(", ")}`,
      missing.length && `not known to the meta: ${missing.join(", ")}`,
      unlisted.length && `not in the inventory's replica_servers: ${unlisted.join(", ")}`,
    ].filter((p): p is string => typeof p === "string");
    return {
      ok: problems.length === 0,
      evidence: `${nodes.length - dead.length} of ${nodes.length} ALIVE${problems.length ? `; ${problems.join("; ")}` : ""}`,
    };
  },
};

/** Every follower meta process is stopped. */
export const followersStopped: MigrationCheck = {
  title: "Every follower meta is stopped",
  observe: async (ctx) => {
    const { running, stopped } = await metaProcesses(ctx, await followerMetas(ctx));
    return {
      ok: running.length === 0,
      evidence: running.length
        ? `still running: ${running.join(", ")}`
        : `stopped: ${stopped.join(", ") || "(no followers)"}`,
    };
  },
};

/** Every meta process runs. */
export const everyMetaRunning: MigrationCheck = {
  title: "Every meta server runs",
  observe: async (ctx) => {
    const { running, stopped } = await metaProcesses(ctx, ctx.inventory.metaServers);
    return {
      ok: stopped.length === 0,
      evidence: stopped.length
        ? `stopped: ${stopped.join(", ")}`
        : `running: ${running.join(", ")}`,
    };
  },
};

/** The recorded leader is the primary meta and answers. */
export const leaderServes: MigrationCheck = {
  title: "The leader meta is primary and answers",
  observe: async (ctx) => {
    const leader = await leaderMeta(ctx);
    const info = await ctx.shell.clusterInfo();
    const ids = await HostIdentities.resolve([info.primaryMetaServer, leader.address]);
    return {
      ok: ids.sameEndpoint(info.primaryMetaServer, leader.address),
      evidence: `primary_meta_server ${info.primaryMetaServer || "(none)"}, leader ${leader.address}`,
    };
  },
};

/** The leader's stored meta level is blind. */
export const leaderIsBlind: MigrationCheck = {
  title: "The leader's meta level is blind",
  observe: async (ctx) => {
    const [level] = await ctx.shell.observe([getMetaLevelCommand()]);
    return { ok: level.level === "blind", evidence: `current meta level is ${level.raw}` };
  },
};

/**
 * Every meta config's `[zookeeper] hosts_list` (and, for minos, the minos config's) names
 * `ensemble`. Every file is read even when one fails, so the evidence names them all.
 */
export function everyConfigPointsAt(ensemble: "source" | "target"): MigrationCheck {
  return {
    title: `Every meta config's [zookeeper] hosts_list is the ${ensemble} ensemble`,
    observe: async (ctx) => {
      const reads = await Promise.allSettled([
        ...ctx.inventory.metaServers.map(async (m) => {
          const file = await readMetaConfig(ctx, m);
          return {
            where: file.config.file,
            hosts: file.settings.zookeeperHosts,
            points: ensembleOf(ctx, file),
          };
        }),
        readMinosConfig(ctx).then((minos) =>
          minos
            ? { where: minos.where, hosts: minos.hostsList.value, points: minos.points }
            : undefined,
        ),
      ]);
      const wrong: string[] = [];
      let count = 0;
      for (const read of reads) {
        if (read.status === "rejected") {
          wrong.push(
            read.reason instanceof Error
              ? (read.reason.message.split("\n")[0] as string)
              : String(read.reason),
          );
        } else if (read.value) {
          count++;
          if (read.value.points !== ensemble)
            wrong.push(`${read.value.where}: hosts_list = ${read.value.hosts}`);
        }
      }
      return {
        ok: wrong.length === 0,
        evidence: wrong.length
          ? wrong.join("; ")
          : `${count} configs use ${ctx.inventory.zookeeper[ensemble]}`,
      };
    },
  };
}

/** §11 health with the leader on `ensemble`, against the baseline. */
export function clusterHealthyOn(ensemble: "source" | "target"): MigrationCheck {
  return {
    title: `The cluster is healthy on the ${ensemble} ensemble`,
    observe: (ctx) => clusterHealth(ctx, ensemble),
  };
}
