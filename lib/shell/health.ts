/**
 * What "cluster healthy" means in shell output (reference §11), as a pure function over parsed
 * results, so a step can poll it with a deadline: every condition is named for the state it
 * asserts and carries the evidence it saw.
 */
import type { Inventory } from "../inventory.ts";
import { type ClusterInfo, clusterInfoCommand, type MetaLevel } from "./cluster-info.ts";
import { HostIdentities, type Resolve } from "./identity.ts";
import { type NodeList, nodesCommand, type TableList, tablesCommand } from "./listings.ts";
import { getMetaLevelCommand, type StoredMetaLevel } from "./meta.ts";
import type { PegasusShell, Settled } from "./pegasus-shell.ts";

/** What a healthy cluster must show. */
export interface HealthExpectations {
  /** The ZooKeeper connect string the leader must use (the target, after a migration). */
  zookeeperHosts: string;
  /** `[meta_server] cluster_root`. */
  zookeeperRoot: string;
  /** The meta addresses, as in `[meta_server] server_list`. */
  metaServers: string[];
  /** @default "steady" */
  level?: MetaLevel;
  /** What the cluster had before: node addresses and AVAILABLE table names. */
  baseline?: { nodes?: string[]; tables?: string[] };
}

/** The parsed outputs of `cluster_info -j`, `nodes -d -j`, `ls -d -j` and `get_meta_level`. */
export interface HealthObservation {
  clusterInfo: Settled<ClusterInfo>;
  nodes: Settled<NodeList>;
  tables: Settled<TableList>;
  metaLevel?: Settled<StoredMetaLevel>;
  /**
   * What the hosts seen resolve to, so a 2.6 `host:port` matches an inventory `ip:port`; without
   * it, addresses match only when written alike.
   */
  identities?: HostIdentities;
}

/** One checked condition. */
export interface HealthCondition {
  /** A state name, e.g. `allNodesAlive`. */
  id: string;
  ok: boolean;
  /** What was observed, e.g. `4 of 5 nodes ALIVE; UNALIVE: 10.0.0.14:34801`. */
  evidence: string;
}

/** Every condition, and the failed ones. */
export interface HealthReport {
  healthy: boolean;
  conditions: HealthCondition[];
  failed: HealthCondition[];
}

/**
 * The expectations that follow from the inventory: the ensemble the leader must use (`target`
 * after a migration, `source` before), the root and the metas; the baseline comes from backups.
 * @example evaluateHealth(observed, expectationsFor(inventory, "target", { nodes, tables }))
 */
export function expectationsFor(
  inventory: Inventory,
  ensemble: "source" | "target",
  baseline?: HealthExpectations["baseline"],
): HealthExpectations {
  return {
    zookeeperHosts: inventory.zookeeper[ensemble],
    zookeeperRoot: inventory.zookeeper.root,
    metaServers: inventory.metaServers.map((m) => m.address),
    ...(baseline ? { baseline } : {}),
  };
}

/** Options of {@link observeHealth}. */
export interface ObserveHealthOptions {
  /** Their hosts are resolved too, so they can be matched with what the shell printed. */
  expected?: HealthExpectations;
  /** @default systemResolve */
  resolve?: Resolve;
}

/**
 * Runs the four health commands in one shell process, then resolves every host they and
 * `expected` name. A command that printed its error line is a failed condition, not an exception.
 * @example const report = evaluateHealth(await observeHealth(ctx.shell, { expected }), expected);
 */
export async function observeHealth(
  shell: PegasusShell,
  options: ObserveHealthOptions = {},
): Promise<HealthObservation> {
  const [clusterInfo, nodes, tables, metaLevel] = await shell.observeSettled([
    clusterInfoCommand(),
    nodesCommand(),
    tablesCommand(),
    getMetaLevelCommand(),
  ]);
  const seen = [
    ...(clusterInfo.ok
      ? [...clusterInfo.value.metaServers, clusterInfo.value.primaryMetaServer]
      : []),
    ...(clusterInfo.ok ? [clusterInfo.value.zookeeperHosts] : []),
    ...(nodes.ok ? nodes.value.nodes.map((n) => n.address) : []),
  ];
  const { expected } = options;
  const wanted = expected
    ? [expected.zookeeperHosts, ...expected.metaServers, ...(expected.baseline?.nodes ?? [])]
    : [];
  const identities = await HostIdentities.resolve([...seen, ...wanted], options.resolve);
  return { clusterInfo, nodes, tables, metaLevel, identities };
}

/**
 * Evaluates §11 over parsed shell output. Pure.
 * @example
 * const report = evaluateHealth(observation, { zookeeperHosts: inv.zookeeper.target, zookeeperRoot: inv.zookeeper.root, metaServers });
 * if (!report.healthy) console.log(report.failed.map((c) => `${c.id}: ${c.evidence}`));
 */
export function evaluateHealth(
  observed: HealthObservation,
  expected: HealthExpectations,
): HealthReport {
  const level = expected.level ?? "steady";
  const ids = observed.identities ?? new HostIdentities();
  const conditions: HealthCondition[] = [];
  const add = (id: string, ok: boolean, evidence: string) => conditions.push({ id, ok, evidence });

  const info = answer(observed.clusterInfo, "clusterInfoAnswers", "cluster_info", add);
  if (info) {
    const hosts = info.zookeeperHosts;
    add(
      "leaderUsesExpectedZooKeeper",
      ids.sameEnsemble(hosts, expected.zookeeperHosts),
      `zookeeper_hosts = ${hosts} (expected ${expected.zookeeperHosts})`,
    );
    add(
      "clusterRootIsExpected",
      info.zookeeperRoot === expected.zookeeperRoot,
      `zookeeper_root = ${info.zookeeperRoot} (expected ${expected.zookeeperRoot})`,
    );
    add(
      "metaServersAreExpected",
      ids.sameEndpoints(info.metaServers, expected.metaServers),
      `meta_servers = ${info.metaServers.join(",")} (expected ${expected.metaServers.join(",")})`,
    );
    add(
      "primaryMetaIsKnown",
      expected.metaServers.some((m) => ids.sameEndpoint(m, info.primaryMetaServer)),
      `primary_meta_server = ${info.primaryMetaServer || "(none)"}`,
    );
    const frozen =
      info.metaFunctionLevel === "freezed" ? " (auto-frozen when too few nodes are alive)" : "";
    add(
      "metaLevelIsExpected",
      info.metaFunctionLevel === level,
      `effective meta_function_level = ${info.metaFunctionLevel} (expected ${level})${frozen}`,
    );
  }
  if (observed.metaLevel) {
    const stored = answer(observed.metaLevel, "metaLevelAnswers", "get_meta_level", add);
    if (stored)
      add(
        "storedMetaLevelIsExpected",
        stored.level === level,
        `stored level = ${stored.raw} (expected fl_${level})`,
      );
  }

  const nodes = answer(observed.nodes, "nodesAnswer", "nodes", add);
  if (nodes) {
    const down = nodes.nodes.filter((n) => n.status !== "ALIVE").map((n) => n.address);
    const unalive = nodes.summary.unalive_node_count ?? down.length;
    const alive = nodes.nodes.length - down.length;
    const list = down.length > 0 ? `; UNALIVE: ${down.join(", ")}` : "";
    add(
      "allNodesAlive",
      nodes.nodes.length > 0 && down.length === 0 && unalive === 0,
      `${alive} of ${nodes.nodes.length} nodes ALIVE${list}`,
    );
    if (expected.baseline?.nodes) {
      const addresses = nodes.nodes.map((n) => n.address);
      add(
        "nodeSetUnchanged",
        ids.sameEndpoints(addresses, expected.baseline.nodes),
        difference("nodes", addresses, expected.baseline.nodes, ids),
      );
    }
  }

  const tables = answer(observed.tables, "tablesAnswer", "ls", add);
  if (tables) {
    const sick = (tables.health ?? []).filter(
      (t) => t.unhealthy > 0 || t.writeUnhealthy > 0 || t.readUnhealthy > 0,
    );
    const counts = ["unhealthy_app_count", "write_unhealthy_app_count", "read_unhealthy_app_count"];
    const summaryBad = counts.filter((key) => (tables.summary[key] ?? 0) > 0);
    const evidence = !tables.health
      ? "ls ran without -d: no health information"
      : sick.length === 0 && summaryBad.length === 0
        ? `${tables.health.length} tables fully healthy`
        : `${sick.length} of ${tables.health.length} tables unhealthy: ${sick
            .slice(0, 5)
            .map((t) => `${t.name} (${t.unhealthy}/${t.partitionCount} partitions)`)
            .join(", ")}${summaryBad.map((key) => `; ${key} = ${tables.summary[key]}`).join("")}`;
    add(
      "allTablesHealthy",
      !!tables.health && sick.length === 0 && summaryBad.length === 0,
      evidence,
    );
    if (expected.baseline?.tables) {
      const available = tables.tables.filter((t) => t.status === "AVAILABLE").map((t) => t.name);
      const missing = expected.baseline.tables.filter((name) => !available.includes(name));
      add(
        "noTableMissing",
        missing.length === 0,
        difference("AVAILABLE tables", available, expected.baseline.tables),
      );
    }
  }
  const failed = conditions.filter((c) => !c.ok);
  return { healthy: failed.length === 0, conditions, failed };
}

/** Records whether a command answered; returns its value when it did. */
function answer<T>(
  settled: Settled<T>,
  id: string,
  command: string,
  add: (id: string, ok: boolean, evidence: string) => void,
): T | null {
  if (settled.ok) return settled.value;
  add(
    id,
    false,
    `${command}: ${"line" in settled.error ? settled.error.line : settled.error.lines.join(" | ")}`,
  );
  return null;
}

/** What was lost and gained; node addresses match by identity, table names as written. */
function difference(what: string, now: string[], before: string[], ids?: HostIdentities): string {
  const same = (a: string, b: string) => (ids ? ids.sameEndpoint(a, b) : a === b);
  const missing = before.filter((x) => !now.some((y) => same(x, y)));
  const added = now.filter((x) => !before.some((y) => same(x, y)));
  const parts = [`${now.length} ${what} now, ${before.length} before`];
  if (missing.length > 0) parts.push(`missing: ${missing.join(", ")}`);
  if (added.length > 0) parts.push(`new: ${added.join(", ")}`);
  return parts.join("; ");
}
