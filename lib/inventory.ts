/**
 * Loads the YAML inventory, validates it with the schema in `inventory-schema.ts`, and reports
 * every problem at once with its file:line, key path, what was expected and what was found.
 */
import { closeSync, openSync, readSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import {
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from "yaml";
import type { z } from "zod";
import { parseDuration } from "./duration.ts";
import { UsageError } from "./errors.ts";
import { inventorySchema, type RawInventory } from "./inventory-schema.ts";
import type { Template } from "./template.ts";

/** One meta server of the cluster. */
export interface MetaServer {
  /** RPC address as in `[meta_server] server_list`, e.g. `10.0.0.1:34601`. */
  address: string;
  /** Where to run its commands: `local` or an ssh destination. */
  host: string;
  /** Path of its `config.ini` on `host`. */
  config: string;
  /** Task index (minos `--task`, systemd instance, …). */
  task: number;
}

/** How to start, stop and query a meta server; templates use the `meta` placeholders. */
export interface MetaControl {
  kind: "systemd" | "supervisor" | "minos" | "custom";
  start: Template;
  stop: Template;
  /** Exits 0 while the meta process runs. */
  status: Template;
  cwd?: string;
  /** kind minos: the minos cluster config on this machine, switched together with config.ini. */
  minosConfig?: string;
}

/** A validated inventory with defaults applied and durations in milliseconds. */
export interface Inventory {
  /** Absolute path of the file it was read from. */
  file: string;
  cluster: string;
  zookeeper: {
    root: string;
    source: string;
    target: string;
    sessionTimeoutMs: number;
    /** Names of environment variables holding `user:password` for digest auth. */
    auth: { sourceEnv?: string; targetEnv?: string };
  };
  metaServers: MetaServer[];
  replicaServers: string[];
  shell: { host: string; command: Template; cwd?: string; version: "auto" | "2.5" | "2.6" };
  metaControl: MetaControl;
  ssh: {
    user?: string;
    port?: number;
    identityFile?: string;
    options: string[];
    connectTimeoutMs: number;
  };
  timeouts: {
    commandMs: number;
    shellMs: number;
    metaStartMs: number;
    metaStopMs: number;
    healthyMs: number;
    /** `auto`: read `fd_lease_seconds + fd_check_interval_seconds` from the meta config. */
    fdLeaseMs: number | "auto";
    recoverMs: number;
  };
  /** Absolute directory of the journal, backups and evidence. */
  stateDir: string;
}

/** One thing wrong with an inventory file. */
export interface InventoryProblem {
  line: number;
  /** Dotted key path, e.g. `meta_servers[1].task`. */
  path: string;
  expected: string;
  found: string;
}

/** An inventory that cannot be used; lists every problem (exit 2). */
export class InventoryInvalid extends UsageError {
  readonly problems: InventoryProblem[];
  constructor(file: string, problems: InventoryProblem[]) {
    const lines = problems.map(
      (p) =>
        `  ${file}:${p.line}: ${p.path || "(top level)"}: expected ${p.expected}; found ${p.found}`,
    );
    super(
      `Cannot use inventory ${file}: ${problems.length} problem${problems.length === 1 ? "" : "s"}\n${lines.join("\n")}`,
      {
        hint: "Fix the lines above; config.example.yaml documents every key. Check again with `pegasus-zk-migrate validate -i FILE`.",
      },
    );
    this.problems = problems;
  }
}

/**
 * Reads and validates an inventory file.
 * @throws {InventoryInvalid} Listing every problem with its line.
 * @throws {UsageError} If the file cannot be read.
 * @example const inv = loadInventory("cluster.yaml"); inv.zookeeper.target
 */
export function loadInventory(file: string): Inventory {
  const path = resolve(file);
  let text: string;
  try {
    text = readCapped(path);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `Cannot read inventory ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
      {
        hint: "Pass the inventory with -i FILE; config.example.yaml is a commented template.",
      },
    );
  }
  return parseInventory(text, path);
}

/** An inventory is a page or two of YAML; anything this large is the wrong file. */
export const maxInventoryBytes = 1024 * 1024;

/** Reads at most {@link maxInventoryBytes} (`/dev/zero` or a log passed by mistake never fills memory). */
function readCapped(path: string): string {
  const fd = openSync(path, "r");
  try {
    const buffer = Buffer.alloc(maxInventoryBytes + 1);
    let length = 0;
    for (let n = 1; n > 0 && length < buffer.length; length += n) {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    }
    if (length > maxInventoryBytes) {
      throw new UsageError(
        `Cannot use inventory ${path}: it is larger than ${maxInventoryBytes / 1024 / 1024} MiB`,
        {
          hint: "Pass the cluster's YAML inventory with -i FILE; config.example.yaml is a commented template.",
        },
      );
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

/**
 * Validates inventory text; `file` is used for messages and relative paths.
 * @throws {InventoryInvalid} Listing every problem with its line.
 */
export function parseInventory(text: string, file: string): Inventory {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InventoryInvalid(
      file,
      doc.errors.map((e) => ({
        line: lineCounter.linePos(e.pos[0]).line,
        path: "",
        expected: "valid YAML",
        found: e.message.split("\n")[0] ?? e.code,
      })),
    );
  }
  const result = inventorySchema.safeParse(toPlainData(doc, lineCounter, file), {
    reportInput: true,
  });
  if (!result.success) {
    const lineOf = (path: PropertyKey[]) => lineCounter.linePos(offsetOf(doc.contents, path)).line;
    throw new InventoryInvalid(
      file,
      result.error.issues
        .flatMap((issue) => describeIssue(issue, lineOf))
        .sort((a, b) => a.line - b.line),
    );
  }
  return resolveInventory(result.data, file);
}

/** The document as data; aliases may expand to at most 100 nodes (no "billion laughs"). */
function toPlainData(doc: Document, lineCounter: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (error) {
    let offset = 0;
    visit(doc, {
      Alias(_, node) {
        offset = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    throw new InventoryInvalid(file, [
      {
        line: lineCounter.linePos(offset).line,
        path: "",
        expected: "YAML whose aliases expand to a modest size",
        found: (error as Error).message.split("\n")[0] as string,
      },
    ]);
  }
}

function describeIssue(
  issue: z.core.$ZodIssue,
  lineOf: (path: PropertyKey[]) => number,
): InventoryProblem[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) => ({
      line: lineOf([...issue.path, key]),
      path: formatPath([...issue.path, key]),
      expected: `a known key${suggestion(key, issue.path)}`,
      found: `unknown key "${key}"`,
    }));
  }
  return [
    {
      line: lineOf(issue.path),
      path: formatPath(issue.path),
      expected: issue.message.startsWith("expected ")
        ? issue.message.slice(9)
        : defaultExpectation(issue),
      found: describeValue((issue as { input?: unknown }).input),
    },
  ];
}

function defaultExpectation(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type") return `a ${issue.expected}`;
  if (issue.code === "invalid_value") return `one of ${issue.values.map(String).join(", ")}`;
  if (issue.code === "too_small") return `at least ${issue.minimum}`;
  if (issue.code === "too_big") return `at most ${issue.maximum}`;
  return issue.message;
}

/** Keys the schema accepts at each object path, for "did you mean" hints. */
function suggestion(key: string, path: PropertyKey[]): string {
  const candidates = knownKeys(path);
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best
    ? ` (did you mean "${best}"?)`
    : candidates.length
      ? ` (known keys: ${candidates.join(", ")})`
      : "";
}

function knownKeys(path: PropertyKey[]): string[] {
  // Walk the schema's JSON shape: objects expose `shape`, arrays `element`, wrappers `unwrap()`/`in`.
  let schema: unknown = inventorySchema;
  const unwrap = (s: unknown): unknown => {
    let current = s as {
      def?: { type?: string; innerType?: unknown; in?: unknown; schema?: unknown };
    };
    for (let i = 0; i < 10 && current?.def; i++) {
      const def = current.def;
      if (def.type === "object" || def.type === "array") break;
      current = (def.innerType ?? def.in ?? def.schema) as typeof current;
    }
    return current;
  };
  for (const part of path) {
    const s = unwrap(schema) as {
      def: { type: string; shape?: Record<string, unknown>; element?: unknown };
    };
    if (!s?.def) return [];
    schema = s.def.type === "object" ? s.def.shape?.[String(part)] : s.def.element;
  }
  const s = unwrap(schema) as { def?: { type: string; shape?: Record<string, unknown> } };
  return s?.def?.type === "object" ? Object.keys(s.def.shape ?? {}) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const next = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        previous + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      previous = row[j] as number;
      row[j] = next;
    }
  }
  return row[b.length] as number;
}

function formatPath(path: PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

function describeValue(value: unknown): string {
  if (value === undefined) return "nothing (the key is missing)";
  if (value === null) return "an empty value";
  if (typeof value === "string")
    return value.length > 60 ? `"${value.slice(0, 57)}…"` : JSON.stringify(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === "object") return "a mapping";
  return `${typeof value} ${String(value)}`;
}

/** Source offset of the deepest existing node on `path`: its key for mapping entries. */
function offsetOf(root: Node | null, path: PropertyKey[]): number {
  let node: unknown = root;
  let offset = (root as Node | null)?.range?.[0] ?? 0;
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(part),
      );
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof part === "number" && node.items[part]) {
      node = node.items[part];
      offset = (node as Node).range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

const presets: Record<
  Exclude<MetaControl["kind"], "custom">,
  (raw: RawInventory["meta_control"]) => Omit<MetaControl, "kind">
> = {
  systemd: (c) => ({
    start: ["systemctl", "start", c.unit as string],
    stop: ["systemctl", "stop", c.unit as string],
    // Exits 0 only while active (3 otherwise, as is-active) and also shows how the process
    // ended and the tail of its journal: the evidence when a meta dies at start.
    status: ["systemctl", "status", "--no-pager", "--full", "--lines=20", c.unit as string],
  }),
  supervisor: (c) => ({
    start: ["supervisorctl", "start", c.program as string],
    stop: ["supervisorctl", "stop", c.program as string],
    status: ["supervisorctl", "status", c.program as string],
  }),
  minos: (c) => ({
    cwd: c.client_dir,
    start: [
      "./deploy",
      "start",
      "pegasus",
      "{cluster}",
      "--job",
      "meta",
      "--task",
      "{task}",
      "--skip_confirm",
    ],
    stop: [
      "./deploy",
      "stop",
      "pegasus",
      "{cluster}",
      "--job",
      "meta",
      "--task",
      "{task}",
      "--skip_confirm",
    ],
    status: ["./deploy", "show", "pegasus", "{cluster}", "--job", "meta", "--task", "{task}"],
  }),
};

function resolveMetaControl(raw: RawInventory["meta_control"]): MetaControl {
  const base: Partial<Omit<MetaControl, "kind">> =
    raw.kind === "custom" ? {} : presets[raw.kind](raw);
  return {
    kind: raw.kind,
    start: (raw.start ?? base.start) as Template,
    stop: (raw.stop ?? base.stop) as Template,
    status: (raw.status ?? base.status) as Template,
    cwd: raw.cwd ?? base.cwd,
    ...(raw.minos_config === undefined ? {} : { minosConfig: raw.minos_config }),
  };
}

function resolveInventory(raw: RawInventory, file: string): Inventory {
  const stateDir = raw.state_dir ?? join(".pegasus-zk-migrate", raw.cluster);
  return {
    file,
    cluster: raw.cluster,
    zookeeper: {
      root: raw.zookeeper.root,
      source: raw.zookeeper.source,
      target: raw.zookeeper.target,
      sessionTimeoutMs: parseDuration(raw.zookeeper.session_timeout),
      auth: {
        sourceEnv: raw.zookeeper.auth?.source_env,
        targetEnv: raw.zookeeper.auth?.target_env,
      },
    },
    metaServers: raw.meta_servers.map((m) => ({ ...m })),
    replicaServers: raw.replica_servers,
    shell: { ...raw.shell },
    metaControl: resolveMetaControl(raw.meta_control),
    ssh: {
      user: raw.ssh.user,
      port: raw.ssh.port,
      identityFile: raw.ssh.identity_file,
      options: raw.ssh.options,
      connectTimeoutMs: parseDuration(raw.ssh.connect_timeout),
    },
    timeouts: {
      commandMs: parseDuration(raw.timeouts.command),
      shellMs: parseDuration(raw.timeouts.shell),
      metaStartMs: parseDuration(raw.timeouts.meta_start),
      metaStopMs: parseDuration(raw.timeouts.meta_stop),
      healthyMs: parseDuration(raw.timeouts.healthy),
      fdLeaseMs: raw.timeouts.fd_lease === "auto" ? "auto" : parseDuration(raw.timeouts.fd_lease),
      recoverMs: parseDuration(raw.timeouts.recover),
    },
    stateDir: isAbsolute(stateDir) ? stateDir : join(dirname(file), stateDir),
  };
}

/**
 * The line of a key in the inventory's file (1 when it cannot be found), for problems found after
 * loading, such as two ensembles that resolve to the same server.
 * @example lineOfKey(inv, ["zookeeper", "target"]) // 5
 */
export function lineOfKey(inventory: Inventory, path: PropertyKey[]): number {
  const lineCounter = new LineCounter();
  const doc = parseDocument(readCapped(inventory.file), { lineCounter });
  return lineCounter.linePos(offsetOf(doc.contents, path)).line;
}

/** The meta list as the shell and `[meta_server] server_list` want it. */
export function metaList(inventory: Inventory): string {
  return inventory.metaServers.map((m) => m.address).join(",");
}
