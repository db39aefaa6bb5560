/**
 * What a simulated meta server takes from its `config.ini`, read once at start (reference §5.1):
 * `[apps.meta] ports`, `[meta_server]` (server_list, cluster_root, the lock root, levels, the
 * recovery flag, freeze thresholds), `[meta_server.apps.*]` default tables, `[replication]`
 * cluster name and failure-detector timing, and `[zookeeper] hosts_list` / `timeout_ms`.
 */
import { readFileSync } from "node:fs";
import { parseRdsnIni, RdsnConfigError, readValue } from "../rdsn-ini.ts";

/** Meta function levels in order (`meta_admin.thrift`). */
export const levels = ["stopped", "blind", "freezed", "steady", "lively"] as const;
export type Level = (typeof levels)[number];
/** Numeric level for comparisons (`fl_stopped` = 100 … `fl_lively` = 500). */
export const rank = (level: Level): number => (levels.indexOf(level) + 1) * 100;

/** A `[meta_server.apps.<x>]` section. */
export interface DefaultApp {
  app_name: string;
  app_type: string;
  partition_count: number;
  max_replica_count: number;
  is_stateful: boolean;
  envs: Record<string, string>;
}

/**
 * `envs = k1=v1,k2=v2` (`utils::parse_kv_map` with ',' and '=').
 * @throws {RdsnConfigError} As upstream's CHECK on an invalid envs string.
 */
function envsOf(text: string, section: string): Record<string, string> {
  const envs: Record<string, string> = {};
  for (const pair of text.split(",").filter((p) => p.trim() !== "")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new RdsnConfigError(`'[${section}] envs' is invalid, envs = ${text}`);
    envs[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return envs;
}

/** Everything the meta reads from its config, with upstream defaults. */
export interface MetaOptions {
  port: number;
  /** This meta's `host:port` (the loopback address and `[apps.meta] ports`). */
  address: string;
  serverList: string[];
  clusterRoot: string;
  lockRoot: string;
  levelOnStart: Level;
  recoverFromReplicaServer: boolean;
  coldBackupDisabled: boolean;
  liveThresholdPercent: number;
  minLiveNodes: number;
  defaultApps: DefaultApp[];
  clusterName: string;
  fdCheckIntervalMs: number;
  fdGraceMs: number;
  /** `[meta_server] replica_assign_delay_ms_for_dropouts`: wait this long for a dropped node. */
  assignDelayMs: number;
  zookeeperHosts: string;
  zookeeperTimeoutMs: number;
}

/**
 * Reads and validates a meta's config file.
 * @throws {RdsnConfigError} On a file rDSN would refuse, or a bad value.
 */
export function readMetaOptions(file: string): MetaOptions {
  const config = parseRdsnIni(readFileSync(file, "utf8"), file);
  for (const warning of config.warnings) process.stderr.write(`${warning}\n`);
  const port = Number((config.get("apps.meta", "ports") ?? "").split(/[,\s]+/)[0]);
  if (!Number.isInteger(port) || port <= 0) {
    throw new RdsnConfigError(`ERROR: [apps.meta] ports must name the meta's port in ${file}`);
  }
  const list = (text: string) => text.split(/[,\s]+/).filter(Boolean);
  const levelOnStart = readValue(config, "meta_server", "meta_function_level_on_start", "steady");
  if (!(levels as readonly string[]).includes(levelOnStart)) {
    throw new RdsnConfigError(`ERROR: invalid meta_function_level_on_start: ${levelOnStart}`);
  }
  const lockRoot = list(
    readValue(config, "meta_server", "distributed_lock_service_parameters", ""),
  )[0];
  if (!lockRoot) {
    throw new RdsnConfigError(
      "ERROR: need parameters: <lock_root> ([meta_server] distributed_lock_service_parameters)",
    );
  }
  // server_state::initialize_default_apps: a section without app_name is skipped (a warning).
  const defaultApps = config
    .sections()
    .filter((s) => s.startsWith("meta_server.apps") && readValue(config, s, "app_name", "") !== "")
    .sort()
    .map((section) => ({
      app_name: readValue(config, section, "app_name", ""),
      app_type: readValue(config, section, "app_type", "pegasus"),
      partition_count: readValue(config, section, "partition_count", 1),
      max_replica_count: readValue(config, section, "max_replica_count", 3),
      is_stateful: readValue(config, section, "stateful", true),
      envs: envsOf(readValue(config, section, "envs", ""), section),
    }));
  return {
    port,
    address: `127.0.0.1:${port}`,
    serverList: list(readValue(config, "meta_server", "server_list", "")),
    clusterRoot: readValue(config, "meta_server", "cluster_root", "/"),
    lockRoot,
    levelOnStart: levelOnStart as Level,
    recoverFromReplicaServer: readValue(
      config,
      "meta_server",
      "recover_from_replica_server",
      false,
    ),
    coldBackupDisabled: readValue(config, "meta_server", "cold_backup_disabled", true),
    liveThresholdPercent: readValue(
      config,
      "meta_server",
      "node_live_percentage_threshold_for_update",
      65,
    ),
    minLiveNodes: readValue(config, "meta_server", "min_live_node_count_for_unfreeze", 3),
    defaultApps,
    clusterName: readValue(config, "replication", "cluster_name", ""),
    fdCheckIntervalMs: readValue(config, "replication", "fd_check_interval_seconds", 2) * 1000,
    fdGraceMs: readValue(config, "replication", "fd_grace_seconds", 22) * 1000,
    assignDelayMs: readValue(
      config,
      "meta_server",
      "replica_assign_delay_ms_for_dropouts",
      300_000,
    ),
    zookeeperHosts: readValue(config, "zookeeper", "hosts_list", ""),
    zookeeperTimeoutMs: readValue(config, "zookeeper", "timeout_ms", 30_000),
  };
}
