/**
 * The tables behind `ls`, `nodes` and `cluster_info` (reference §4.5–§4.7), built from meta
 * data, shared by the simulated shell (text and `-j`) and the meta's `/meta/*` HTTP endpoints
 * (compact JSON), so both print the same thing the same way.
 */
import type { AppInfo, PartitionConfig, PegasusVersion } from "./encoding.ts";
import { localTime } from "./rdsn-log.ts";
import { TablePrinter } from "./table-printer.ts";

/** A table as `list_apps` returns it. */
export interface AppView {
  info: AppInfo;
  partitions: PartitionConfig[];
}

/** A replica server as `list_nodes` returns it. */
export interface NodeView {
  /** As the node names itself (2.6 host-name mode: `localhost:port`). */
  address: string;
  /** Where it is reached, as partition configurations hold it; `address` when absent. */
  rpcAddress?: string;
  status: "ALIVE" | "UNALIVE";
}

/** `YYYY-MM-DD_HH:MM:SS` in local time, as the shell prints timestamps. */
export function shellTime(second: number): string {
  return localTime(new Date(second * 1000)).replace(" ", "_");
}

/** Partition health counts of one table (`replication_ddl_client::list_apps`). */
export function healthOf(app: AppView): { fully: number; write: number; read: number } {
  let fully = 0;
  let write = 0;
  let read = 0;
  for (const pc of app.partitions) {
    const replicas = (pc.primary ? 1 : 0) + pc.secondaries.length;
    if (pc.primary) {
      if (replicas >= pc.max_replica_count) fully++;
      else if (replicas < 2) write++;
    } else {
      write++;
      read++;
    }
  }
  return { fully, write, read };
}

/** `[general_info]`, `[healthy_info]` (with `detailed`) and `[summary]` of `ls`. */
export function appsTables(
  apps: AppView[],
  options: { detailed: boolean; version: PegasusVersion },
): TablePrinter[] {
  const general = new TablePrinter("general_info").addTitle("app_id");
  const columns = [
    "status",
    "app_name",
    "app_type",
    "partition_count",
    "replica_count",
    "is_stateful",
    "create_time",
    "drop_time",
    "drop_expire",
    "envs_count",
  ];
  if (options.version === "2.6") columns.push("atomic_idempotent");
  for (const column of columns) general.addColumn(column);
  const available = apps.filter((a) => a.info.status === "AS_AVAILABLE");
  for (const { info } of apps) {
    const dropped = info.status === "AS_DROPPED" && info.expire_second > 0;
    general
      .addRow(info.app_id)
      .append(info.status.slice(3))
      .append(info.app_name)
      .append(info.app_type)
      .append(info.partition_count)
      .append(info.max_replica_count)
      .append(info.is_stateful)
      .append(info.create_second > 0 ? shellTime(info.create_second) : "-")
      .append(dropped && info.drop_second > 0 ? shellTime(info.drop_second) : "-")
      .append(dropped ? shellTime(info.expire_second) : "-")
      .append(Object.keys(info.envs).length);
    if (options.version === "2.6") general.append(info.atomic_idempotent);
  }
  const tables = [general];
  const summary = new TablePrinter("summary").addPair("total_app_count", available.length);
  if (options.detailed && available.length > 0) {
    const healthy = new TablePrinter("healthy_info").addTitle("app_id");
    for (const column of [
      "app_name",
      "partition_count",
      "fully_healthy",
      "unhealthy",
      "write_unhealthy",
      "read_unhealthy",
    ]) {
      healthy.addColumn(column);
    }
    const totals = { fully: 0, unhealthy: 0, write: 0, read: 0 };
    for (const app of available) {
      const h = healthOf(app);
      const count = app.info.partition_count;
      healthy.addRow(app.info.app_id).append(app.info.app_name).append(count).append(h.fully);
      healthy
        .append(count - h.fully)
        .append(h.write)
        .append(h.read);
      if (h.fully === count) totals.fully++;
      else totals.unhealthy++;
      if (h.write > 0) totals.write++;
      if (h.read > 0) totals.read++;
    }
    tables.push(healthy);
    summary
      .addPair("fully_healthy_app_count", totals.fully)
      .addPair("unhealthy_app_count", totals.unhealthy)
      .addPair("write_unhealthy_app_count", totals.write)
      .addPair("read_unhealthy_app_count", totals.read);
  }
  tables.push(summary);
  return tables;
}

/** `[details]` (counts right-aligned with `detailed`) and `[summary]` of `nodes`. */
export function nodesTables(nodes: NodeView[], apps: AppView[] | null): TablePrinter[] {
  const details = new TablePrinter("details").addTitle("address").addColumn("status");
  if (apps) {
    for (const column of ["replica_count", "primary_count", "secondary_count"])
      details.addColumn(column, "right");
  }
  const counts = new Map(
    nodes.map((n) => [n.rpcAddress ?? n.address, { primary: 0, secondary: 0 }]),
  );
  for (const app of apps ?? []) {
    if (app.info.status !== "AS_AVAILABLE") continue;
    for (const pc of app.partitions) {
      const primary = pc.primary ? counts.get(pc.primary) : undefined;
      if (primary) primary.primary++;
      for (const node of pc.secondaries) {
        const secondary = counts.get(node);
        if (secondary) secondary.secondary++;
      }
    }
  }
  for (const node of nodes) {
    details.addRow(node.address).append(node.status);
    const c = counts.get(node.rpcAddress ?? node.address) as { primary: number; secondary: number };
    if (apps)
      details
        .append(c.primary + c.secondary)
        .append(c.primary)
        .append(c.secondary);
  }
  const alive = nodes.filter((n) => n.status === "ALIVE").length;
  const summary = new TablePrinter("summary")
    .addPair("total_node_count", nodes.length)
    .addPair("alive_node_count", alive)
    .addPair("unalive_node_count", nodes.length - alive);
  return [details, summary];
}

/** `cluster_info` as a key/value table; the shell names it, the HTTP endpoint does not. */
export function clusterInfoTable(pairs: [string, string][], name = "cluster_info"): TablePrinter {
  const table = new TablePrinter(name);
  for (const [key, value] of pairs) table.addPair(key, value);
  return table;
}
