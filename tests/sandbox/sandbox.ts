/**
 * The programmatic sandbox: two ZooKeeper servers (old, new), simulated meta and replica
 * processes, tables, and `DIR/inventory.yaml`; plus the scenario helpers tests use (find the
 * leader, kill or restart a node, create or drop a table, run the simulated shell).
 *
 * A sandbox started here is owned by this process (the default): ZooKeeper runs under
 * `--pdeathsig`, metas and replicas exit when this process is gone, and an exit hook kills them,
 * so a failing test leaves nothing behind. The CLI's `up` starts an unowned sandbox instead.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { $ } from "zx";
import { loadInventory } from "../../lib/inventory.ts";
import { killNow, readPidFile } from "../harness/detached.ts";
import { freePort } from "../harness/ports.ts";
import {
  startDetachedZooKeeper,
  startZooKeepers,
  stopDetachedZooKeeper,
  type ZooKeeperServer,
} from "../harness/zookeeper.ts";
import {
  exitCodeOf,
  logFileOf,
  type Member,
  member,
  pidFileOf,
  runningPid,
  startMember,
  stopMember,
} from "./control.ts";
import type { AppInfo, PegasusVersion } from "./encoding.ts";
import { cliPath, type SandboxLayout, writeLayout } from "./layout.ts";
import { recoverySyncFaultFile } from "./meta/faults.ts";
import type { MetaReply } from "./rpc.ts";
import { MetaClient } from "./shell/meta-client.ts";
import type { AppView, NodeView } from "./views.ts";
import { waitFor } from "./wait.ts";
import { openSession as openZkSession } from "./zk.ts";

/** Options of {@link startSandbox}. */
export interface SandboxOptions {
  /** Where everything lives. @default a new temporary directory, removed by `stop()` */
  dir?: string;
  /** @default 3 */
  metas?: number;
  /** @default 5 */
  replicas?: number;
  /** Tables created besides the default `stat` table. @default 20 */
  tables?: number;
  /** Partitions of each of those tables (e.g. 256 for a 257k-znode tree). @default 4 or 8, alternating */
  partitions?: number;
  /** @default "2.6" */
  version?: PegasusVersion;
  /**
   * 2.6 only: processes call themselves by the reverse-DNS name of 127.0.0.1 (`localhost:port`)
   * while configs and the inventory keep `127.0.0.1:port`, as a 2.6 cluster configured by IP does.
   * @default false
   */
  hostNames?: boolean;
  /**
   * Tie every process to this process: ZooKeeper under `--pdeathsig`, metas and replicas exit
   * when it is gone. The CLI passes false (detached ZooKeeper with pid files). @default true
   */
  owned?: boolean;
  /** For an unowned sandbox: a process whose end still stops everything (tests of the CLI). */
  ownerPid?: number;
}

/** The state a meta reports on `/sandbox/state`. */
export interface MetaProcessState {
  pid: number;
  address: string;
  isLeader: boolean;
  primary: string | null;
  level: string;
  effectiveLevel: string;
  recovering: boolean;
  started: boolean;
  deferredWrites: number;
  /** Rounds of retrying deferred writes so far. */
  deferredRetries: number;
}

/** What the leading meta counts: alive replica servers, available tables, partitions short of a member. */
export interface SandboxHealth {
  aliveNodes: number;
  tables: number;
  unhealthyPartitions: number;
}

/** A running sandbox. */
export interface Sandbox {
  readonly dir: string;
  readonly inventoryFile: string;
  readonly layout: SandboxLayout;
  /** The old ensemble (the metas' `[zookeeper] hosts_list`). */
  readonly source: string;
  /** The new, empty ensemble. */
  readonly target: string;
  /** `[meta_server] cluster_root`. */
  readonly root: string;
  /** The meta list, as `--cluster` wants it. */
  readonly metaList: string;
  /** The ZooKeeper servers when owned (kill/start them to test session expiry), else empty. */
  readonly zookeepers: ZooKeeperServer[];
  /** Stops every process of the sandbox and waits until all are gone. */
  stop(): Promise<void>;
  /** The task of the meta that leads and serves (or waits in recovery mode), or null. */
  leader(): Promise<number | null>;
  waitForLeader(timeoutMs?: number): Promise<number>;
  metaState(task: number): Promise<MetaProcessState | null>;
  startMeta(task: number): Promise<void>;
  stopMeta(task: number): Promise<void>;
  /** SIGKILL, as a crash: its lock node stays until its ZooKeeper session expires. */
  killMeta(task: number): Promise<void>;
  isMetaRunning(task: number): boolean;
  /** What a stopped meta's process exited with (134 after a failed CHECK), or null. */
  metaExitCode(task: number): number | null;
  /** The meta's log (its stderr): rDSN-style lines, `F…` for a failed CHECK. */
  metaLog(task: number): string;
  /**
   * Sets `[section] key = value` in a meta's `config.ini` as an operator's `sed` would: the first
   * such line in the section is rewritten, else the line is added at the section's end.
   */
  setMetaConfig(task: number, section: string, key: string, value: string): void;
  /**
   * Makes every meta's next `recover` fail while writing the recovered tree (upstream aborts the
   * meta then: `server_state::on_start_recovery`), or stops doing so.
   */
  failRecoverySync(on: boolean): void;
  startReplica(index: number): Promise<void>;
  stopReplica(index: number): Promise<void>;
  killReplica(index: number): Promise<void>;
  /** What a replica server reports about itself (`/replica/state`), or null when down. */
  replicaState(index: number): Promise<{
    connected: boolean;
    replicas: { app_id: number; pidx: number; status: string; ballot: number }[];
  } | null>;
  /** Waits until every replica server lost the meta and serves no replica: INACTIVE or ERROR (all metas down). */
  waitReplicasInactive(timeoutMs?: number): Promise<void>;
  /** Sends an RPC to the leading meta (see `meta/service.ts` for names); 10 s by default. */
  rpc<T extends MetaReply>(name: string, body?: unknown, timeoutMs?: number): Promise<T>;
  apps(status?: string): Promise<AppView[]>;
  nodes(): Promise<NodeView[]>;
  createTable(name: string, partitions?: number): Promise<AppInfo>;
  dropTable(name: string): Promise<void>;
  /** Waits until every replica server is ALIVE and every available table fully healthy. */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** The leader's readiness counts, cheap at any size (`list_apps` is not at 257k znodes). */
  health(): Promise<SandboxHealth>;
  /** Runs `DIR/run.sh shell --cluster LIST` with `input` on stdin. */
  shell(
    input: string | string[],
  ): Promise<{ stdout: string; stderr: string; exitCode: number | null }>;
}

/** Partitions above which the ZooKeeper servers get a 2 GB heap (see also `SandboxLayout.large`). */
const largeTree = 50_000;
/** A create_app of 256 partitions waits behind nine others on a loaded meta. */
const createTimeoutMs = 120_000;

const servingStatuses = new Set(["PS_PRIMARY", "PS_SECONDARY", "PS_POTENTIAL_SECONDARY"]);

const owned = new Set<Member>();
process.on("exit", () => {
  for (const m of owned) {
    const pid = readPidFile(pidFileOf(m));
    if (pid !== null) killNow(pid, m.config);
  }
});

/**
 * Starts a sandbox and waits until it is ready: a leader serving, every replica server ALIVE,
 * every table fully healthy, and a valid inventory written.
 * @example const sandbox = await startSandbox({ tables: 3 }); afterAll(() => sandbox.stop());
 */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const isOwned = options.owned ?? true;
  const owner = isOwned ? process.pid : (options.ownerPid ?? null);
  const temporary = options.dir === undefined;
  const dir = resolve(options.dir ?? mkdtempSync(join(tmpdir(), "pzm-sandbox-")));
  const version = options.version ?? "2.6";
  const partitionTotal = (options.tables ?? 20) * (options.partitions ?? 6);
  // The bench's heap for a 257k-znode tree; the default 512 MB serves the usual small sandbox.
  const heapMb = partitionTotal > largeTree ? 2048 : undefined;
  let zookeepers: ZooKeeperServer[] = [];
  let zkPorts: [number, number];
  if (isOwned) {
    zookeepers = await startZooKeepers(2, { heapMb });
    zkPorts = [zookeepers[0]?.port as number, zookeepers[1]?.port as number];
  } else {
    // Detached servers are started only once sandbox.json names them (below), so that `down`
    // finds whatever a failed or interrupted `up` left running.
    const first = await freePort();
    let second = await freePort();
    while (second === first) second = await freePort();
    zkPorts = [first, second];
  }
  const taken = new Set(zkPorts);
  const ports = async (n: number) => {
    const list: number[] = [];
    while (list.length < n) {
      const port = await freePort();
      if (!taken.has(port)) list.push(port);
      taken.add(port);
    }
    return list;
  };
  const metaPorts = await ports(options.metas ?? 3);
  const replicaPorts = await ports(options.replicas ?? 5);
  const layout: SandboxLayout = {
    dir,
    version,
    ...(options.hostNames && version === "2.6" ? { hostNames: true } : {}),
    cluster: "sandbox",
    root: "/pegasus/sandbox",
    ...(partitionTotal > largeTree ? { large: true } : {}),
    bun: process.execPath,
    cli: cliPath,
    owner,
    zookeepers: {
      old: { port: zkPorts[0], dir: isOwned ? null : join(dir, "zk-old") },
      new: { port: zkPorts[1], dir: isOwned ? null : join(dir, "zk-new") },
    },
    metas: metaPorts.map((port, task) => ({
      task,
      port,
      address: `127.0.0.1:${port}`,
      dir: join(dir, `meta${task}`),
      config: join(dir, `meta${task}`, "config.ini"),
    })),
    replicas: replicaPorts.map((port, index) => ({
      index,
      port,
      address: `127.0.0.1:${port}`,
      dir: join(dir, `replica${index}`),
      config: join(dir, `replica${index}`, "config.ini"),
    })),
  };
  const inventoryFile = writeLayout(layout);
  const sandbox = makeSandbox(layout, inventoryFile, zookeepers, temporary);
  const members = [
    ...layout.metas.map((m) => member(layout, "meta", m.task)),
    ...layout.replicas.map((r) => member(layout, "replica", r.index)),
  ];
  if (isOwned) for (const m of members) owned.add(m);
  try {
    await Promise.all(
      Object.values(layout.zookeepers).map((z) =>
        z.dir
          ? startDetachedZooKeeper(z.dir, { port: z.port, ownerPid: owner ?? undefined, heapMb })
          : null,
      ),
    );
    // A fresh JVM answers `ruok` long before it sets up sessions quickly; a meta gives up on
    // ZooKeeper after its `timeout_ms` (3 s here, as upstream aborts with ERR_TIMEOUT), which a
    // busy machine's first session can exceed. One session per server first warms that path up.
    await Promise.all(zkPorts.map((port) => warmUp(`127.0.0.1:${port}`)));
    await Promise.all(members.map((m) => startMember(layout, m)));
    // Deadlines, not expected durations: a 2-core machine running two suites is 10× slower.
    // There a meta may abort at start, as the real one does, when ZooKeeper answers later than
    // [zookeeper] timeout_ms: start it again, as its supervisor would, until one leads.
    await waitFor(
      async () => {
        for (const m of layout.metas)
          if (!sandbox.isMetaRunning(m.task)) await sandbox.startMeta(m.task);
        return (await sandbox.leader()) !== null;
      },
      60_000,
      "a meta to lead (metas that aborted at start are started again)",
    );
    await sandbox.waitHealthy(60_000);
    const tables = Array.from(
      { length: options.tables ?? 20 },
      (_, i) => `table${String(i + 1).padStart(2, "0")}`,
    );
    // Ten tables at a time: a thousand create_app at once would only queue behind each other.
    // A reply other than ERR_OK fails the start rather than leaving a table missing.
    for (let first = 0; first < tables.length; first += 10) {
      await Promise.all(
        tables.slice(first, first + 10).map(async (name, i) => {
          const partitions = options.partitions ?? ((first + i) % 2 === 0 ? 4 : 8);
          const body = { app_name: name, partition_count: partitions };
          const reply = await sandbox.rpc("create_app", body, createTimeoutMs);
          if (reply.err !== "ERR_OK") throw new Error(`create_app ${name} failed: ${reply.err}`);
        }),
      );
    }
    // A large tree (e.g. 1000 tables × 256 partitions) takes the simulated cluster minutes.
    await sandbox.waitHealthy(Math.max(60_000, partitionTotal * 2));
    loadInventory(inventoryFile);
  } catch (error) {
    await sandbox.stop();
    throw error;
  }
  return sandbox;
}

/** Opens and closes one session on a ZooKeeper server (see the call site). */
async function warmUp(hosts: string): Promise<void> {
  const session = openZkSession(hosts, 30_000);
  try {
    await session.connected;
  } finally {
    session.close();
  }
}

function makeSandbox(
  layout: SandboxLayout,
  inventoryFile: string,
  zookeepers: ZooKeeperServer[],
  temporary: boolean,
): Sandbox {
  const metaList = layout.metas.map((m) => m.address).join(",");
  const client = new MetaClient(layout.metas.map((m) => m.address));
  const meta = (task: number) => member(layout, "meta", task);
  const replica = (index: number) => member(layout, "replica", index);
  const getJson = async <T>(port: number, path: string): Promise<T | null> => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        // A busy 2-core machine can take seconds to answer; callers poll with their own deadline.
        signal: AbortSignal.timeout(5000),
      });
      return response.ok ? ((await response.json()) as T) : null;
    } catch {
      return null;
    }
  };
  const sandbox: Sandbox = {
    dir: layout.dir,
    inventoryFile,
    layout,
    source: `127.0.0.1:${layout.zookeepers.old.port}`,
    target: `127.0.0.1:${layout.zookeepers.new.port}`,
    root: layout.root,
    metaList,
    zookeepers,
    async stop() {
      const members = [
        ...layout.metas.map((m) => meta(m.task)),
        ...layout.replicas.map((r) => replica(r.index)),
      ];
      await Promise.all(members.map((m) => stopMember(m, "kill")));
      for (const m of members) owned.delete(m);
      await Promise.all([
        ...zookeepers.map((z) => z.kill()),
        ...Object.values(layout.zookeepers).map((z) =>
          z.dir ? stopDetachedZooKeeper(z.dir) : undefined,
        ),
      ]);
      if (temporary) rmSync(layout.dir, { recursive: true, force: true });
    },
    async leader() {
      const states = await Promise.all(layout.metas.map((m) => sandbox.metaState(m.task)));
      const leading = states.findIndex((s) => s?.isLeader && (s.started || s.recovering));
      return leading >= 0 ? (layout.metas[leading]?.task ?? null) : null;
    },
    waitForLeader: (timeoutMs = 30_000) =>
      waitFor(
        async () => {
          const task = await sandbox.leader();
          return task === null ? null : { task };
        },
        timeoutMs,
        "a meta to lead",
      ).then((found) => found.task),
    metaState: (task) => getJson<MetaProcessState>(meta(task).port, "/sandbox/state"),
    startMeta: async (task) => {
      await startMember(layout, meta(task));
    },
    stopMeta: async (task) => {
      await stopMember(meta(task));
    },
    killMeta: async (task) => {
      await stopMember(meta(task), "kill");
    },
    isMetaRunning: (task) => runningPid(meta(task)) !== null,
    metaExitCode: (task) => exitCodeOf(meta(task)),
    metaLog: (task) => readFileSync(logFileOf(meta(task)), "utf8"),
    setMetaConfig: (task, section, key, value) => {
      const file = meta(task).config;
      writeFileSync(file, setIniLine(readFileSync(file, "utf8"), section, key, value));
    },
    failRecoverySync: (on) => {
      for (const m of layout.metas) {
        const file = join(m.dir, recoverySyncFaultFile);
        if (on) writeFileSync(file, "");
        else rmSync(file, { force: true });
      }
    },
    startReplica: async (index) => {
      await startMember(layout, replica(index));
    },
    stopReplica: async (index) => {
      await stopMember(replica(index));
    },
    killReplica: async (index) => {
      await stopMember(replica(index), "kill");
    },
    replicaState: (index) => getJson(replica(index).port, "/replica/state"),
    async waitReplicasInactive(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const states = await Promise.all(
            layout.replicas.map((r) => sandbox.replicaState(r.index)),
          );
          return states.every(
            // PS_ERROR (a replica the meta dropped) stays ERROR, as upstream's does: not serving.
            (s) => s && !s.connected && s.replicas.every((r) => !servingStatuses.has(r.status)),
          );
        },
        timeoutMs,
        "every replica server disconnected and INACTIVE",
      );
    },
    rpc: (name, body = {}, timeoutMs) => client.request(name, body, timeoutMs),
    async apps(status = "all") {
      const reply = await client.request<MetaReply & { apps: AppView[] }>("list_apps", { status });
      if (reply.err !== "ERR_OK") throw new Error(`list_apps failed: ${reply.err}`);
      return reply.apps;
    },
    async nodes() {
      const reply = await client.request<MetaReply & { nodes: NodeView[] }>("sandbox_nodes", {});
      if (reply.err !== "ERR_OK") throw new Error(`list_nodes failed: ${reply.err}`);
      return reply.nodes;
    },
    async createTable(name, partitions = 4) {
      const reply = await client.request("create_app", {
        app_name: name,
        partition_count: partitions,
      });
      if (reply.err !== "ERR_OK") throw new Error(`create_app ${name} failed: ${reply.err}`);
      await sandbox.waitHealthy();
      return ((await sandbox.apps("AS_AVAILABLE")).find((a) => a.info.app_name === name) as AppView)
        .info;
    },
    async dropTable(name) {
      const reply = await client.request("drop_app", { app_name: name });
      if (reply.err !== "ERR_OK") throw new Error(`drop_app ${name} failed: ${reply.err}`);
    },
    async waitHealthy(timeoutMs = 30_000) {
      await waitFor(
        async () => {
          const health = await sandbox.health().catch(() => null);
          return (
            health !== null &&
            health.aliveNodes >= layout.replicas.length &&
            health.unhealthyPartitions === 0
          );
        },
        timeoutMs,
        "every replica server ALIVE and every table fully healthy",
        100,
      );
    },
    async health() {
      const reply = await client.request<MetaReply & SandboxHealth>("sandbox_health", {});
      if (reply.err !== "ERR_OK") throw new Error(`sandbox_health failed: ${reply.err}`);
      return reply;
    },
    async shell(input) {
      const text = Array.isArray(input) ? `${input.join("\n")}\n` : input;
      const out = await $({
        cwd: layout.dir,
        input: text,
        nothrow: true,
        quiet: true,
      })`${join(layout.dir, "run.sh")} shell --cluster ${metaList}`;
      return { stdout: out.stdout, stderr: out.stderr, exitCode: out.exitCode };
    },
  };
  return sandbox;
}

/** Rewrites (or adds) one `key = value` line inside `[section]`, keeping every other byte. */
function setIniLine(text: string, section: string, key: string, value: string): string {
  const lines = text.split("\n");
  let inSection = false;
  let end = -1;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const header = /^\s*\[([^\]]*)\]/.exec(line);
    if (header) {
      if (inSection) break;
      inSection = header[1]?.trim() === section;
      end = inSection ? i : end;
      continue;
    }
    if (!inSection) continue;
    const match = new RegExp(`^(\\s*)${key}\\s*=`).exec(line);
    if (match) {
      lines[i] = `${match[1]}${key} = ${value}`;
      return lines.join("\n");
    }
    if (line.trim() !== "") end = i;
  }
  if (end < 0) throw new Error(`Cannot set [${section}] ${key}: no such section`);
  lines.splice(end + 1, 0, `  ${key} = ${value}`);
  return lines.join("\n");
}
