/**
 * The `recover` algorithm of reference §8.4, from what the listed replica servers report:
 * 1. every listed node must answer (else `ERROR: collect …` and ERR_TRY_AGAIN, or a WARNING
 *    with skip_bad_nodes);
 * 2. tables: the first `app_info` per id wins (an incompatible one aborts the meta); ids in
 *    [1, max] nobody reported become `__drop_holder__<id>` (dropping, one partition); name
 *    clashes keep the name on the highest id and rename the others `name__<id>`;
 * 3. partitions of reported tables: the greatest replica by (ballot, committed, prepared) is the
 *    primary with its ballot and no secondaries; up to max_replica_count-1 of the next go to
 *    `last_drops`; fewer replicas than max → a WARNING; none → ERR_TRY_AGAIN, or an empty
 *    partition with skip_lost_partitions. Dropping tables keep fresh partitions.
 */
import {
  type AppInfo,
  newAppInfo,
  newPartition,
  type PartitionConfig,
  type PegasusVersion,
} from "../encoding.ts";
import { crash } from "../rdsn-log.ts";
import type { ReplicaInfo } from "../rpc.ts";

/** What one listed node answered, or the error of asking it. */
export type NodeReport =
  | { node: string; apps: AppInfo[]; replicas: ReplicaInfo[] }
  | { node: string; error: string };

/** The outcome of a recovery attempt. */
export interface RecoveryOutcome {
  err: "ERR_OK" | "ERR_TRY_AGAIN";
  /** Hint lines, each ending in a newline. */
  hint: string;
  /** On ERR_OK: the tables (status CREATING or DROPPING) and their partitions. */
  apps: { info: AppInfo; partitions: PartitionConfig[] }[];
}

const compatibleKeys = [
  "status",
  "app_type",
  "app_name",
  "app_id",
  "partition_count",
  "is_stateful",
  "max_replica_count",
  "expire_second",
  "create_second",
  "drop_second",
  "atomic_idempotent",
] as const;

/**
 * Rebuilds the tables from the node reports.
 * @example recoverFromReports(reports, { skipBadNodes: false, skipLostPartitions: false, nowSecond })
 */
export function recoverFromReports(
  reports: NodeReport[],
  options: {
    skipBadNodes: boolean;
    skipLostPartitions: boolean;
    nowSecond: number;
    /** @default "2.5" */
    version?: PegasusVersion;
  },
): RecoveryOutcome {
  let hint = "";
  let failed = false;
  // master sync_apps_from_replica_nodes formats these without "\n" (v2.5.0 ended them with endl).
  const end = options.version === "2.6" ? "" : "\n";
  for (const report of reports) {
    if (!("error" in report)) continue;
    if (options.skipBadNodes) {
      hint += `WARNING: collect app and replica info from node(${report.node}) failed with err(${report.error}), skip the bad node${end}`;
    } else {
      hint += `ERROR: collect app and replica info from node(${report.node}) failed with err(${report.error}), you can skip it by set skip_bad_nodes option${end}`;
      failed = true;
    }
  }
  if (failed) return { err: "ERR_TRY_AGAIN", hint, apps: [] };
  const good = reports.filter((r): r is Exclude<NodeReport, { error: string }> => !("error" in r));

  const apps = new Map<number, AppInfo>();
  for (const report of good) {
    for (const app of report.apps) {
      const first = apps.get(app.app_id);
      if (!first) apps.set(app.app_id, { ...app });
      else if (compatibleKeys.some((k) => first[k] !== app[k])) {
        crash(
          "server_state.cpp:2523:construct_apps",
          `conflict app info from (${report.node}) for id(${app.app_id}): new_info(${JSON.stringify(app)}), old_info(${JSON.stringify(first)})`,
          "app_info_compatible_equal(info, *iter->second)",
        );
      }
    }
  }
  const maxId = Math.max(0, ...apps.keys());
  for (let id = 1; id <= maxId; id++) {
    const app = apps.get(id);
    if (app) {
      app.status = app.status === "AS_AVAILABLE" ? "AS_CREATING" : "AS_DROPPING";
      continue;
    }
    apps.set(
      id,
      newAppInfo({
        app_id: id,
        app_name: `__drop_holder__${id}`,
        partition_count: 1,
        status: "AS_DROPPING",
        expire_second: options.nowSecond,
        // construct_apps fills a fresh app_info: init_partition_count keeps its thrift default.
        init_partition_count: -1,
      }),
    );
  }
  const taken = new Set<string>();
  for (const id of [...apps.keys()].sort((a, b) => b - a)) {
    const app = apps.get(id) as AppInfo;
    const oldName = app.app_name;
    // construct_apps appends "__<id>" in a loop until the name is free.
    while (taken.has(app.app_name)) app.app_name = `${app.app_name}__${id}`;
    if (app.app_name !== oldName)
      hint += `WARNING: app(${id})'s old name(${oldName}) is conflict with others, rename it to (${app.app_name})\n`;
    taken.add(app.app_name);
  }

  const collected = new Map<string, { node: string; replica: ReplicaInfo }[]>();
  for (const report of good) {
    for (const replica of report.replicas) {
      const app = apps.get(replica.app_id);
      if (!app || replica.pidx >= app.partition_count) {
        crash(
          "server_state.cpp:2580:construct_partitions",
          `invalid replica ${replica.app_id}.${replica.pidx} from node(${report.node})`,
          "app != nullptr && replica.pid.get_partition_index() < app->partition_count",
        );
      }
      const key = `${replica.app_id}.${replica.pidx}`;
      collected.set(key, [...(collected.get(key) ?? []), { node: report.node, replica }]);
    }
  }
  const result: RecoveryOutcome["apps"] = [];
  for (const id of [...apps.keys()].sort((a, b) => a - b)) {
    const info = apps.get(id) as AppInfo;
    const partitions: PartitionConfig[] = [];
    for (let pidx = 0; pidx < info.partition_count; pidx++) {
      const pc = newPartition(info, pidx);
      partitions.push(pc);
      if (info.status === "AS_DROPPING") continue;
      const found = (collected.get(`${id}.${pidx}`) ?? []).sort(
        (a, b) =>
          a.replica.ballot - b.replica.ballot ||
          a.replica.last_committed_decree - b.replica.last_committed_decree ||
          a.replica.last_prepared_decree - b.replica.last_prepared_decree,
      );
      const best = found.pop();
      if (!best) {
        if (options.skipLostPartitions) {
          hint += `WARNING: partition(${id}.${pidx}) has no replica collected, force recover the lost partition to empty\n`;
        } else {
          hint += `ERROR: partition(${id}.${pidx}) has no replica collected, you can force recover it by set skip_lost_partitions option\n`;
          failed = true;
        }
        continue;
      }
      pc.primary = best.node;
      // construct_replica (meta_data.cpp) sets primary and ballot; last_committed_decree stays 0.
      pc.ballot = best.replica.ballot;
      pc.last_drops = found
        .slice(Math.max(0, found.length - (info.max_replica_count - 1)))
        .map((f) => f.node);
      if (found.length + 1 < info.max_replica_count) {
        hint += `WARNING: partition(${id}.${pidx}) only collects ${found.length + 1}/${info.max_replica_count} of replicas, may lost data\n`;
      }
    }
    result.push({ info, partitions });
  }
  return failed ? { err: "ERR_TRY_AGAIN", hint, apps: [] } : { err: "ERR_OK", hint, apps: result };
}
