/**
 * `nodes` and `ls` (reference §4.5, §4.6): the replica servers with their status and replica
 * counts, and the tables with their health. Reads `-j` and text, with or without `-d`, with or
 * without the `[parameters]` table, ip:port (≤2.5) or host:port (2.6) addresses, and with or
 * without 2.6's `atomic_idempotent` column.
 */
import { ShellOutputUnexpected } from "./errors.ts";
import {
  failedLine,
  failOn,
  field,
  integer,
  type LineCursor,
  peekJson,
  readTables,
  rejectRefusal,
  type ShellCommand,
  stringRecord,
  type TableKind,
} from "./output.ts";

/** `ALIVE` or `UNALIVE` (the enum name without `NS_`). */
export type NodeStatus = "ALIVE" | "UNALIVE";

/** One replica server in `nodes`. */
export interface NodeRow {
  /** As printed: `ip:port` (≤2.5) or the registered `host:port` (2.6). */
  address: string;
  status: NodeStatus;
  /** With `-d`: primary + secondary replicas it serves. */
  replicaCount?: number;
  primaryCount?: number;
  secondaryCount?: number;
}

/** What `nodes [-d]` says. */
export interface NodeList {
  nodes: NodeRow[];
  /** `total_node_count`, `alive_node_count`, `unalive_node_count`. */
  summary: Record<string, number>;
  /** Present with `-o` or `-s`. */
  parameters?: Record<string, string>;
}

/** One table in `ls`. */
export interface TableRow {
  appId: number;
  name: string;
  /** `AVAILABLE`, `CREATING`, `DROPPING`, `DROPPED` or `RECALLING`. */
  status: string;
  appType: string;
  partitionCount: number;
  replicaCount: number;
  isStateful: boolean;
  createTime: string;
  dropTime: string;
  dropExpire: string;
  envsCount: number;
  /** 2.6 only. */
  atomicIdempotent?: boolean;
}

/** One table's partition health in `ls -d`. */
export interface TableHealth {
  appId: number;
  name: string;
  partitionCount: number;
  fullyHealthy: number;
  unhealthy: number;
  writeUnhealthy: number;
  readUnhealthy: number;
}

/** What `ls [-a] [-d]` says. */
export interface TableList {
  tables: TableRow[];
  /** With `-d` only. */
  health?: TableHealth[];
  /** `total_app_count`, and with `-d` the `*_app_count` health counts. */
  summary: Record<string, number>;
}

/**
 * The `nodes` command; `-d -j` unless told otherwise.
 * @example nodesCommand().lines // ["nodes -d -j"]
 */
export function nodesCommand(
  options: { detailed?: boolean; json?: boolean } = {},
): ShellCommand<NodeList> {
  const command = `nodes${options.detailed === false ? "" : " -d"}${options.json === false ? "" : " -j"}`;
  const order: [string, TableKind][] = [
    ["parameters", "key-value"],
    ["details", "columns"],
    ["summary", "key-value"],
  ];
  return {
    lines: [command],
    change: false,
    read: ({ out }) => {
      rejectRefusal(out, command);
      failOn(out, command, [
        failedLine("list nodes"),
        failedLine("list apps"),
        failedLine("list app \\S+"),
      ]);
      const sections = readSections(out, command, order, "details");
      const nodes = sections.main.map((row) => ({
        address: field(row, "address", command),
        status: nodeStatus(field(row, "status", command), command),
        ...optionalCount(row, "replica_count", "replicaCount", command),
        ...optionalCount(row, "primary_count", "primaryCount", command),
        ...optionalCount(row, "secondary_count", "secondaryCount", command),
      }));
      return {
        nodes,
        summary: counts(sections.values.summary ?? {}, command),
        ...(sections.values.parameters ? { parameters: sections.values.parameters } : {}),
      };
    },
  };
}

/**
 * The `ls` command; `-d -j` unless told otherwise, `-a` to include dropped tables.
 * @example tablesCommand({ all: true }).lines // ["ls -a -d -j"]
 */
export function tablesCommand(
  options: { all?: boolean; detailed?: boolean; json?: boolean } = {},
): ShellCommand<TableList> {
  const flags = [
    options.all ? " -a" : "",
    options.detailed === false ? "" : " -d",
    options.json === false ? "" : " -j",
  ];
  const command = `ls${flags.join("")}`;
  const detailed = options.detailed !== false;
  const order: [string, TableKind][] = [
    ["general_info", "columns"],
    ["healthy_info", "columns"],
    ["summary", "key-value"],
  ];
  return {
    lines: [command],
    change: false,
    read: ({ out }) => {
      rejectRefusal(out, command);
      failOn(out, command, [failedLine("list apps")]);
      const sections = readSections(out, command, order, "general_info");
      const tables = sections.main.map((row) => tableRow(row, command));
      const health = (sections.rows.healthy_info ?? noHealthTable(tables, detailed, command))?.map(
        (row) => ({
          appId: integer(row.app_id, "app_id", command),
          name: field(row, "app_name", command),
          partitionCount: integer(row.partition_count, "partition_count", command),
          fullyHealthy: integer(row.fully_healthy, "fully_healthy", command),
          unhealthy: integer(row.unhealthy, "unhealthy", command),
          writeUnhealthy: integer(row.write_unhealthy, "write_unhealthy", command),
          readUnhealthy: integer(row.read_unhealthy, "read_unhealthy", command),
        }),
      );
      return {
        tables,
        ...(health ? { health } : {}),
        summary: counts(sections.values.summary ?? {}, command),
      };
    },
  };
}

/**
 * `ls -d` prints `[healthy_info]` only when some table is AVAILABLE (`replication_ddl_client.cpp`,
 * `list_apps`: `if (detailed && available_app_count > 0)`, at v2.4.0, v2.5.0 and master), so
 * without one there is no partition to be unhealthy: no rows. Without `-d`, no health at all.
 * @throws {ShellOutputUnexpected} If `-d` printed no `[healthy_info]` although a table is AVAILABLE.
 */
function noHealthTable(
  tables: TableRow[],
  detailed: boolean,
  command: string,
): Record<string, string>[] | undefined {
  if (!detailed) return undefined;
  const available = tables.filter((t) => t.status === "AVAILABLE");
  if (available.length === 0) return [];
  throw new ShellOutputUnexpected(
    command,
    "[healthy_info] for the AVAILABLE tables",
    available.map((t) => t.name).join(", "),
  );
}

/** Both forms reduced to: rows of each column table, values of each key/value table. */
interface Sections {
  /** The rows of the table every output of the command has. */
  main: Record<string, string>[];
  rows: Record<string, Record<string, string>[]>;
  values: Record<string, Record<string, string>>;
}

/** Reads the JSON object or the printed tables of a multi-table command; `main` is required. */
function readSections(
  out: LineCursor,
  command: string,
  order: [string, TableKind][],
  main: string,
): Sections {
  const sections: Sections = { main: [], rows: {}, values: {} };
  const json = peekJson(out, command);
  if (json) {
    out.index += json.lineCount;
    for (const [name, kind] of order) {
      const member = json.value[name];
      if (member === undefined) continue;
      if (kind === "key-value") sections.values[name] = stringRecord(member, `"${name}"`, command);
      else sections.rows[name] = rowsOf(member, name, command);
    }
  } else {
    for (const [name, table] of readTables(out, command, order)) {
      if (order.find(([n]) => n === name)?.[1] === "columns") sections.rows[name] = table.rows;
      else sections.values[name] = table.values;
    }
  }
  const rows = sections.rows[main];
  if (!rows) {
    const found = json ? JSON.stringify(json.value) : out.upcoming();
    throw new ShellOutputUnexpected(command, `[${main}]`, found);
  }
  sections.main = rows;
  return sections;
}

/** A JSON column table: an object of row objects keyed by their first column. */
function rowsOf(member: unknown, name: string, command: string): Record<string, string>[] {
  if (member === null || typeof member !== "object" || Array.isArray(member)) {
    throw new ShellOutputUnexpected(
      command,
      `"${name}" as an object of rows`,
      JSON.stringify(member) ?? "",
    );
  }
  return Object.values(member).map((row) => stringRecord(row, `a row of "${name}"`, command));
}

function tableRow(row: Record<string, string>, command: string): TableRow {
  const atomic = row.atomic_idempotent;
  return {
    appId: integer(row.app_id, "app_id", command),
    name: field(row, "app_name", command),
    status: field(row, "status", command),
    appType: field(row, "app_type", command),
    partitionCount: integer(row.partition_count, "partition_count", command),
    replicaCount: integer(row.replica_count, "replica_count", command),
    isStateful: boolean(field(row, "is_stateful", command), command),
    createTime: field(row, "create_time", command),
    dropTime: field(row, "drop_time", command),
    dropExpire: field(row, "drop_expire", command),
    envsCount: integer(row.envs_count, "envs_count", command),
    ...(atomic === undefined ? {} : { atomicIdempotent: boolean(atomic, command) }),
  };
}

function nodeStatus(value: string, command: string): NodeStatus {
  if (value === "ALIVE" || value === "UNALIVE") return value;
  throw new ShellOutputUnexpected(command, "a node status ALIVE or UNALIVE", value);
}

function boolean(value: string, command: string): boolean {
  if (value === "true" || value === "false") return value === "true";
  throw new ShellOutputUnexpected(command, "true or false", value);
}

function optionalCount(row: Record<string, string>, key: string, name: string, command: string) {
  return row[key] === undefined ? {} : { [name]: integer(row[key], key, command) };
}

function counts(values: Record<string, string>, command: string): Record<string, number> {
  return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, integer(v, k, command)]));
}
