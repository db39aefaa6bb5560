/**
 * Pegasus metadata as the simulator holds it, and its exact ZooKeeper encodings (reference §6.6):
 * compact JSON, keys in the serialisation macro's order, booleans as 0/1, `app_status::AS_…`
 * strings, `"a.p"` gpids, `"invalid address"` / `"invalid host_port"` for unset addresses, and no
 * `hp_*` fields nor `atomic_idempotent` in the 2.5 format.
 */

/** The Pegasus version a sandbox imitates. */
export type PegasusVersion = "2.5" | "2.6";

/**
 * `PEGASUS_VERSION` of each simulated release (`src/include/pegasus/version.h`; master is a
 * snapshot build): the shell's banner and `version`, and `server-info`'s `version`
 * (`src/server/server_utils.cpp` `register_server_info_cmd`).
 */
export const pegasusVersionStrings = { "2.5": "2.5.0", "2.6": "2.6.0-SNAPSHOT" } as const;

/** `app_status::type` without its prefix. */
export type AppStatus =
  | "AS_CREATING"
  | "AS_AVAILABLE"
  | "AS_DROPPING"
  | "AS_DROPPED"
  | "AS_RECALLING";

/** `dsn::app_info`. */
export interface AppInfo {
  status: AppStatus;
  app_type: string;
  app_name: string;
  app_id: number;
  partition_count: number;
  envs: Record<string, string>;
  is_stateful: boolean;
  max_replica_count: number;
  expire_second: number;
  create_second: number;
  drop_second: number;
  duplicating: boolean;
  init_partition_count: number;
  is_bulk_loading: boolean;
  atomic_idempotent: boolean;
}

/** `dsn::partition_configuration`; addresses are `ip:port` strings, null when unset. */
export interface PartitionConfig {
  app_id: number;
  pidx: number;
  ballot: number;
  max_replica_count: number;
  primary: string | null;
  secondaries: string[];
  last_drops: string[];
  last_committed_decree: number;
  /** 1 (`pc_flags::dropped`) for the partitions of a dropped table. */
  partition_flags: number;
}

/** `pc_flags::dropped`. */
export const droppedFlag = 1;

/** The gpid string `app.pidx`. */
export const gpid = (pc: { app_id: number; pidx: number }): string => `${pc.app_id}.${pc.pidx}`;

/**
 * A new table's `app_info` with upstream defaults.
 * @example newAppInfo({ app_id: 2, app_name: "temp", partition_count: 8 })
 */
export function newAppInfo(
  fields: Pick<AppInfo, "app_id" | "app_name" | "partition_count"> & Partial<AppInfo>,
): AppInfo {
  return {
    status: "AS_AVAILABLE",
    app_type: "pegasus",
    envs: {},
    is_stateful: true,
    max_replica_count: 3,
    expire_second: 0,
    create_second: 0,
    drop_second: 0,
    duplicating: false,
    init_partition_count: fields.partition_count,
    is_bulk_loading: false,
    atomic_idempotent: false,
    ...fields,
  };
}

/** A freshly created partition: ballot 0, no members. */
export function newPartition(app: AppInfo, pidx: number): PartitionConfig {
  return {
    app_id: app.app_id,
    pidx,
    ballot: 0,
    max_replica_count: app.max_replica_count,
    primary: null,
    secondaries: [],
    last_drops: [],
    last_committed_decree: 0,
    partition_flags: 0,
  };
}

const sortedObject = (envs: Record<string, string>) =>
  Object.fromEntries(Object.entries(envs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * The znode data of `<C>/apps/<id>`.
 * @example encodeAppInfo(newAppInfo({ app_id: 1, app_name: "stat", partition_count: 4 }), "2.6")
 */
export function encodeAppInfo(app: AppInfo, version: PegasusVersion): string {
  const fields: Record<string, unknown> = {
    status: `app_status::${app.status}`,
    app_type: app.app_type,
    app_name: app.app_name,
    app_id: app.app_id,
    partition_count: app.partition_count,
    envs: sortedObject(app.envs),
    is_stateful: Number(app.is_stateful),
    max_replica_count: app.max_replica_count,
    expire_second: app.expire_second,
    create_second: app.create_second,
    drop_second: app.drop_second,
    duplicating: Number(app.duplicating),
    init_partition_count: app.init_partition_count,
    is_bulk_loading: Number(app.is_bulk_loading),
  };
  if (version === "2.6") fields.atomic_idempotent = Number(app.atomic_idempotent);
  return JSON.stringify(fields);
}

/**
 * The znode data of `<C>/apps/<id>/<pidx>`. 2.6 writes each address twice: `ip:port` in the
 * plain fields and the `host_port` (`name` of it: a reverse-DNS name in host-name mode) in `hp_*`
 * (master `partition_configuration`, `SET_IP_AND_HOST_PORT_BY_DNS`).
 */
export function encodePartition(
  pc: PartitionConfig,
  version: PegasusVersion,
  name: (address: string) => string = (address) => address,
): string {
  const fields: Record<string, unknown> = {
    pid: gpid(pc),
    ballot: pc.ballot,
    max_replica_count: pc.max_replica_count,
    primary: pc.primary ?? "invalid address",
    secondaries: pc.secondaries,
    last_drops: pc.last_drops,
    last_committed_decree: pc.last_committed_decree,
    partition_flags: pc.partition_flags,
  };
  if (version === "2.6") {
    fields.hp_primary = pc.primary === null ? "invalid host_port" : name(pc.primary);
    fields.hp_secondaries = pc.secondaries.map(name);
    fields.hp_last_drops = pc.last_drops.map(name);
  }
  return JSON.stringify(fields);
}

const bool = (v: unknown) => v === true || v === 1;
const num = (v: unknown) => (typeof v === "number" ? v : 0);
const address = (v: unknown) =>
  typeof v === "string" && v !== "invalid address" && v !== "invalid host_port" ? v : null;

/**
 * Decodes `<C>/apps/<id>` data; missing fields take their defaults (upstream accepts old formats).
 * @throws {SyntaxError} On invalid JSON or a missing status.
 */
export function decodeAppInfo(text: string): AppInfo {
  const o = JSON.parse(text) as Record<string, unknown>;
  const status = String(o.status ?? "").replace(/^app_status::/, "");
  if (!/^AS_[A-Z]+$/.test(status)) throw new SyntaxError(`invalid app status in ${text}`);
  const partitionCount = num(o.partition_count);
  return {
    status: status as AppStatus,
    app_type: String(o.app_type ?? ""),
    app_name: String(o.app_name ?? ""),
    app_id: num(o.app_id),
    partition_count: partitionCount,
    envs: (o.envs as Record<string, string>) ?? {},
    is_stateful: o.is_stateful === undefined ? true : bool(o.is_stateful),
    max_replica_count: num(o.max_replica_count),
    expire_second: num(o.expire_second),
    create_second: num(o.create_second),
    drop_second: num(o.drop_second),
    duplicating: bool(o.duplicating),
    init_partition_count:
      o.init_partition_count === undefined ? partitionCount : num(o.init_partition_count),
    is_bulk_loading: bool(o.is_bulk_loading),
    atomic_idempotent: bool(o.atomic_idempotent),
  };
}

/**
 * Decodes `<C>/apps/<id>/<pidx>` data (the plain address fields; `hp_*` are ignored).
 * @throws {SyntaxError} On invalid JSON or a malformed pid.
 */
export function decodePartition(text: string): PartitionConfig {
  const o = JSON.parse(text) as Record<string, unknown>;
  const pid = /^(\d+)\.(\d+)$/.exec(String(o.pid ?? ""));
  if (!pid) throw new SyntaxError(`invalid pid in ${text}`);
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  return {
    app_id: Number(pid[1]),
    pidx: Number(pid[2]),
    ballot: num(o.ballot),
    max_replica_count: num(o.max_replica_count),
    primary: address(o.primary),
    secondaries: list(o.secondaries),
    last_drops: list(o.last_drops),
    last_committed_decree: num(o.last_committed_decree),
    partition_flags: num(o.partition_flags),
  };
}
