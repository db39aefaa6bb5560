/**
 * What the simulated leader does for each request, on its {@link MetaState}: config sync from
 * replica servers (which aborts on a gpid the meta does not know, §8.6), table DDL gated by the
 * level (§7.4), meta level control, cluster info, and `recover` (§8.4).
 */
import {
  type AppInfo,
  encodeAppInfo,
  encodePartition,
  newAppInfo,
  newPartition,
} from "../encoding.ts";
import { crash, log } from "../rdsn-log.ts";
import {
  type ConfigUpdate,
  type ConfigUpdates,
  call,
  packUpdates,
  type ReplicaInfo,
  RpcFailed,
} from "../rpc.ts";
import type { AppView, NodeView } from "../views.ts";
import { failIfAsked } from "./faults.ts";
import { type Level, levels, rank } from "./options.ts";
import { type NodeReport, recoverFromReports } from "./recovery.ts";
import { dropPartition, type MetaState } from "./state.ts";
import { writeTree } from "./tree.ts";

const nowSecond = () => Math.floor(Date.now() / 1000);
const validName = /^[0-9a-zA-Z.:_]+$/;

/** `on_config_sync`: the partitions a node serves; unknown stored gpids abort the meta. */
export function configSync(
  state: MetaState,
  node: string,
  stored: ReplicaInfo[],
): { err: string } & ConfigUpdates {
  for (const replica of stored) {
    const app = state.apps.get(replica.app_id);
    if (app && replica.pidx < app.info.partition_count) continue;
    if (app && replica.status === "PS_ERROR") continue;
    crash(
      "server_state.cpp:930:on_config_sync",
      `gpid(${replica.app_id}.${replica.pidx}) on node(${node}) is not exist on meta server, administrator should check consistency of meta data`,
    );
  }
  const partitions: ConfigUpdate[] = [];
  for (const { info, partitions: pcs } of state.apps.values()) {
    for (const pc of pcs) {
      if (pc.primary === node || pc.secondaries.includes(node)) partitions.push({ app: info, pc });
    }
  }
  return { err: "ERR_OK", ...packUpdates(partitions) };
}

/** `list_apps`, with `status` `all` or an `AS_…` name. */
export function listApps(state: MetaState, status: string): AppView[] {
  return [...state.apps.values()]
    .filter((a) => status === "all" || a.info.status === status)
    .sort((a, b) => a.info.app_id - b.info.app_id);
}

/**
 * `list_nodes`, with `status` `all`, `ALIVE` or `UNALIVE`: each node as it names itself
 * (`address`; a reverse-DNS name in host-name mode) and where it is reached (`rpcAddress`).
 * ≤2.5 sort by `rpc_address` (IP, then port); 2.6 by `host_port` (host string, then port).
 */
export function listNodes(state: MetaState, status = "all"): NodeView[] {
  const nodes = state.sortedNodes().map(
    (rpcAddress): NodeView => ({
      address: state.name(rpcAddress),
      rpcAddress,
      status: state.nodes.get(rpcAddress)?.alive ? "ALIVE" : "UNALIVE",
    }),
  );
  if (state.version === "2.6") nodes.sort((a, b) => compareHostPorts(a.address, b.address));
  return nodes.filter((n) => status === "all" || n.status === status);
}

/** `host_port` order: the host as a string, then the port as a number. */
function compareHostPorts(a: string, b: string): number {
  const split = (s: string) =>
    [s.slice(0, s.lastIndexOf(":")), Number(s.slice(s.lastIndexOf(":") + 1))] as const;
  const [[x, p], [y, q]] = [split(a), split(b)];
  return x < y ? -1 : x > y ? 1 : p - q;
}

/**
 * The sandbox's readiness in one small reply (no upstream RPC): alive nodes, available tables,
 * and how many of their partitions lack a primary or a secondary. `list_apps` answers the same
 * with every partition, ~80 MB of JSON at 257k znodes, too much to poll.
 */
export function health(state: MetaState): {
  err: string;
  aliveNodes: number;
  tables: number;
  unhealthyPartitions: number;
} {
  let tables = 0;
  let unhealthyPartitions = 0;
  for (const { info, partitions } of state.apps.values()) {
    if (info.status !== "AS_AVAILABLE") continue;
    tables++;
    for (const pc of partitions)
      if (!pc.primary || pc.secondaries.length + 1 < pc.max_replica_count) unhealthyPartitions++;
  }
  const aliveNodes = listNodes(state, "ALIVE").length;
  return { err: "ERR_OK", aliveNodes, tables, unhealthyPartitions };
}

/** `query_cluster_info`: key/value pairs in upstream order. */
export function clusterInfo(state: MetaState): [string, string][] {
  const o = state.options;
  const balance =
    state.version === "2.6"
      ? JSON.stringify({ copy_pri: 0, copy_sec: 0, move_pri: 0, total: 0 }, null, 2)
      : "move_pri=0,copy_pri=0,copy_sec=0,total=0";
  const counts = listNodes(state, "ALIVE").map(({ rpcAddress: node = "" }) => {
    let primaries = 0;
    let total = 0;
    for (const { partitions } of state.apps.values()) {
      for (const pc of partitions) {
        if (pc.primary === node) primaries++;
        if (pc.primary === node || pc.secondaries.includes(node)) total++;
      }
    }
    return { primaries, total };
  });
  return [
    ["meta_servers", o.serverList.join(",")],
    ["primary_meta_server", state.name(o.address)],
    ["zookeeper_hosts", o.zookeeperHosts],
    ["zookeeper_root", o.clusterRoot],
    ["meta_function_level", state.effectiveLevel()],
    ["balance_operation_count", balance],
    ["primary_replica_count_stddev", stddev(counts.map((c) => c.primaries))],
    ["total_replica_count_stddev", stddev(counts.map((c) => c.total))],
    ["cluster_name", o.clusterName],
  ];
}

function stddev(values: number[]): string {
  if (values.length === 0) return "0.00";
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return sd < 1e-6 ? "0.00" : sd.toFixed(2);
}

/** `on_control_meta_level`: `invalid` only reads the stored level; replies with the old one. */
export function controlMetaLevel(
  state: MetaState,
  level: string,
): { err: string; old_level: string } {
  const old = `fl_${state.level}`;
  if (level === "invalid") return { err: "ERR_OK", old_level: old };
  if (!(levels as readonly string[]).includes(level))
    return { err: "ERR_INVALID_PARAMETERS", old_level: old };
  state.level = level as Level;
  log(
    "I",
    "meta_service.cpp:861:on_control_meta_level",
    `set meta function level from ${old} to fl_${level}`,
  );
  state.flushPending();
  return { err: "ERR_OK", old_level: old };
}

/** `create_app`: rejected at freezed and below; writes the table and its fresh partitions. */
export async function createApp(
  state: MetaState,
  request: {
    app_name: string;
    partition_count: number;
    replica_count?: number;
    envs?: Record<string, string>;
    success_if_exist?: boolean;
  },
): Promise<{ err: string; appid?: number }> {
  if (rank(state.effectiveLevel()) <= rank("freezed")) return { err: "ERR_STATE_FREEZED" };
  if (!validName.test(request.app_name) || !(request.partition_count >= 1))
    return { err: "ERR_INVALID_PARAMETERS" };
  const existing = [...state.apps.values()].find(
    (a) => a.info.app_name === request.app_name && a.info.status === "AS_AVAILABLE",
  );
  if (existing)
    return request.success_if_exist
      ? { err: "ERR_OK", appid: existing.info.app_id }
      : { err: "ERR_APP_EXIST" };
  const info = newAppInfo({
    app_id: Math.max(0, ...state.apps.keys()) + 1,
    app_name: request.app_name,
    partition_count: request.partition_count,
    max_replica_count: request.replica_count ?? 3,
    envs: request.envs ?? {},
    create_second: nowSecond(),
  });
  const partitions = Array.from({ length: info.partition_count }, (_, p) => newPartition(info, p));
  state.apps.set(info.app_id, { info: { ...info, status: "AS_CREATING" }, partitions });
  // do_app_create / init_app_partition_node accept ERR_NODE_ALREADY_EXIST as success.
  await state.zk.createIfMissing(state.appPath(info.app_id), encodeAppInfo(info, state.version));
  await Promise.all(
    partitions.map((pc) =>
      state.zk.createIfMissing(
        state.partitionPath(pc),
        encodePartition(pc, state.version, state.name),
      ),
    ),
  );
  (state.apps.get(info.app_id) as { info: AppInfo }).info = info;
  log(
    "I",
    "server_state.cpp:1121:do_app_create",
    `create app(${info.app_name}) with id ${info.app_id} succeed`,
  );
  return { err: "ERR_OK", appid: info.app_id };
}

/** `drop_app`: the table node is written at once; partition drops go through the level gate. */
export async function dropApp(
  state: MetaState,
  request: { app_name: string; reserve_seconds?: number },
): Promise<{ err: string }> {
  const app = [...state.apps.values()].find(
    (a) => a.info.app_name === request.app_name && a.info.status === "AS_AVAILABLE",
  );
  if (!app) return { err: "ERR_APP_NOT_EXIST" };
  const now = nowSecond();
  app.info = {
    ...app.info,
    status: "AS_DROPPED",
    drop_second: now,
    expire_second: now + (request.reserve_seconds ?? 604800),
  };
  await state.writeApp(app.info);
  for (const pc of app.partitions) state.propose(dropPartition(pc));
  return { err: "ERR_OK" };
}

/** The envs of an available table, or `set` some (not gated by the level). */
export async function appEnvs(
  state: MetaState,
  request: { app_name: string; set?: Record<string, string> },
): Promise<{ err: string; envs?: Record<string, string> }> {
  const app = [...state.apps.values()].find(
    (a) => a.info.app_name === request.app_name && a.info.status === "AS_AVAILABLE",
  );
  if (!app) return { err: "ERR_APP_NOT_EXIST" };
  if (request.set) {
    app.info = { ...app.info, envs: { ...app.info.envs, ...request.set } };
    await state.writeApp(app.info);
  }
  return { err: "ERR_OK", envs: app.info.envs };
}

/** Recovery requests run one at a time, as under `meta_service::on_start_recovery`'s write lock. */
let recoveryLock: Promise<unknown> = Promise.resolve();

/**
 * `start_recovery`: rebuild from the listed nodes, write the tree, start serving. A second
 * request waits for the first, then finds the service started (ERR_SERVICE_ALREADY_RUNNING):
 * upstream checks only `_started`, there is no ERR_BUSY.
 */
export function startRecovery(
  state: MetaState,
  request: { nodes: string[]; skip_bad_nodes: boolean; skip_lost_partitions: boolean },
): Promise<{ err: string; hint_message: string }> {
  const next = recoveryLock.then(() => recoverOnce(state, request));
  recoveryLock = next.catch(() => undefined);
  return next;
}

async function recoverOnce(
  state: MetaState,
  request: { nodes: string[]; skip_bad_nodes: boolean; skip_lost_partitions: boolean },
): Promise<{ err: string; hint_message: string }> {
  if (state.started || !state.recovering)
    return { err: "ERR_SERVICE_ALREADY_RUNNING", hint_message: "" };
  const reports = await Promise.all(request.nodes.map((node) => askNode(node)));
  const outcome = recoverFromReports(reports, {
    skipBadNodes: request.skip_bad_nodes,
    skipLostPartitions: request.skip_lost_partitions,
    nowSecond: nowSecond(),
    version: state.version,
  });
  if (outcome.err !== "ERR_OK") return { err: outcome.err, hint_message: outcome.hint };
  for (const app of outcome.apps) state.apps.set(app.info.app_id, app);
  try {
    failIfAsked();
    await writeTree(state);
  } catch (error) {
    crash(
      "server_state.cpp:2737:on_start_recovery",
      `sync apps to remote storage failed when do recovery, need to manually clear contents from remote storage and restart the service: ${(error as Error).message}`,
      "ec == ERR_OK",
    );
  }
  for (const { info } of state.apps.values())
    info.status = info.status === "AS_CREATING" ? "AS_AVAILABLE" : "AS_DROPPED";
  state.initializeNodeState();
  state.recovering = false;
  await state.startService();
  log(
    "I",
    "server_state.cpp:2760:on_start_recovery",
    `recovery succeed, ${state.apps.size} apps recovered`,
  );
  return { err: "ERR_OK", hint_message: outcome.hint };
}

async function askNode(node: string): Promise<NodeReport> {
  try {
    const [apps, replicas] = await Promise.all([
      call<{ err: string; apps: AppInfo[] }>(node, "query_app_info", {}, 3000),
      call<{ err: string; replicas: ReplicaInfo[] }>(node, "query_replica_info", {}, 3000),
    ]);
    if (apps.err !== "ERR_OK") return { node, error: apps.err };
    if (replicas.err !== "ERR_OK") return { node, error: replicas.err };
    return { node, apps: apps.apps, replicas: replicas.replicas };
  } catch (error) {
    if (error instanceof RpcFailed) return { node, error: error.err };
    throw error;
  }
}
