/**
 * `cluster_info` (reference §4.7): which metas, which leader, which ZooKeeper ensemble and root,
 * and the effective meta level. Reads `-j` and text, ≤2.5 and 2.6 (whose
 * `balance_operation_count` spans several lines in text mode).
 */
import { ShellOutputUnexpected } from "./errors.ts";
import {
  failedLine,
  failOn,
  field,
  peekJson,
  readTable,
  rejectRefusal,
  type ShellCommand,
  stringRecord,
} from "./output.ts";

/** The meta function levels, without the `fl_` prefix (reference §7.1). */
export const metaLevels = ["stopped", "blind", "freezed", "steady", "lively"] as const;
/** A meta function level. */
export type MetaLevel = (typeof metaLevels)[number];

/** `balance_operation_count`: `move_pri=0,…,total=0` (≤2.5) or a JSON object (2.6). */
export interface BalanceOperations {
  raw: string;
  /** Counts by operation, or `null` when the value has neither known form. */
  counts: Record<string, number> | null;
}

/** What `cluster_info` says. */
export interface ClusterInfo {
  /** `[meta_server] server_list` of the leader. */
  metaServers: string[];
  /** The leader's address. */
  primaryMetaServer: string;
  /** `[zookeeper] hosts_list` of the leader process: the proof of which ensemble it uses. */
  zookeeperHosts: string;
  /** `[meta_server] cluster_root`. */
  zookeeperRoot: string;
  /** The effective level (auto-frozen when too few nodes are alive, reference §7.3). */
  metaFunctionLevel: MetaLevel;
  balanceOperationCount?: BalanceOperations;
  /** `[replication] cluster_name`; absent on old versions. */
  clusterName?: string;
  /** Every key as printed. */
  values: Record<string, string>;
}

/**
 * The `cluster_info` command; `-j` unless `json` is false.
 * @example const [info] = await shell.observe([clusterInfoCommand()]); info.zookeeperHosts
 */
export function clusterInfoCommand(options: { json?: boolean } = {}): ShellCommand<ClusterInfo> {
  const command = options.json === false ? "cluster_info" : "cluster_info -j";
  return {
    lines: [command],
    change: false,
    read: ({ out }) => {
      rejectRefusal(out, command);
      failOn(out, command, [failedLine("get cluster info")]);
      const json = peekJson(out, command);
      if (json) {
        out.index += json.lineCount;
        return toClusterInfo(
          stringRecord(json.value.cluster_info, "{cluster_info: {…}}", command),
          command,
        );
      }
      const table = readTable(out, command, { cluster_info: "key-value" });
      if (!table) throw new ShellOutputUnexpected(command, "[cluster_info]", out.upcoming());
      return toClusterInfo(table.values, command);
    },
  };
}

function toClusterInfo(values: Record<string, string>, command: string): ClusterInfo {
  const level = field(values, "meta_function_level", command);
  if (!(metaLevels as readonly string[]).includes(level)) {
    throw new ShellOutputUnexpected(command, "a meta_function_level", level);
  }
  const balance = values.balance_operation_count;
  return {
    metaServers: field(values, "meta_servers", command)
      .split(",")
      .filter((s) => s !== ""),
    primaryMetaServer: field(values, "primary_meta_server", command),
    zookeeperHosts: field(values, "zookeeper_hosts", command),
    zookeeperRoot: field(values, "zookeeper_root", command),
    metaFunctionLevel: level as MetaLevel,
    ...(balance === undefined ? {} : { balanceOperationCount: parseBalance(balance) }),
    ...(values.cluster_name === undefined ? {} : { clusterName: values.cluster_name }),
    values,
  };
}

/** Reads `move_pri=0,copy_pri=0,copy_sec=0,total=0` or the 2.6 JSON object. */
function parseBalance(raw: string): BalanceOperations {
  if (/^(\w+=\d+)(,\w+=\d+)*$/.test(raw)) {
    const pairs = raw.split(",").map((pair) => pair.split("="));
    return { raw, counts: Object.fromEntries(pairs.map(([k, v]) => [k, Number(v)])) };
  }
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (parsed && typeof parsed === "object" && Object.values(parsed).every(Number.isInteger)) {
      return { raw, counts: parsed as Record<string, number> };
    }
  } catch {
    // neither known form: keep the raw text, counts stay null
  }
  return { raw, counts: null };
}
