/**
 * The leader's in-memory truth (`server_state`): tables and partitions loaded once from
 * ZooKeeper at leader start and never re-read (reference §6.8, §6.12), node liveness from
 * beacons, the meta level (memory only, §7), and every ZooKeeper write the leader makes:
 * - partition configurations go through {@link MetaState.propose}: written with an
 *   unconditional set, applied to memory only after the write, deferred while the level is
 *   blind or stopped and retried every second (§7.4); a vanished znode aborts the meta;
 * - table nodes are rewritten whole (drops, envs); bulk tree reads and writes are in `tree.ts`.
 */
import {
  type AppInfo,
  encodeAppInfo,
  encodePartition,
  gpid,
  type PartitionConfig,
  type PegasusVersion,
} from "../encoding.ts";
import type { HostNamer } from "../host-names.ts";
import { crash, log } from "../rdsn-log.ts";
import { ZkCode, ZkError, type ZkSession } from "../zk.ts";
import { type NodeView, nextConfig } from "./cure.ts";
import { type Level, type MetaOptions, rank } from "./options.ts";
import { ProposalSender } from "./proposals.ts";

/** A table and its partitions. */
export interface AppState {
  info: AppInfo;
  partitions: PartitionConfig[];
}

/** What the failure detector knows about a replica server. */
export interface NodeState {
  alive: boolean;
  lastBeaconMs: number;
}

const now = () => Date.now();

/** Partitions a cure round decides on between two turns of the event loop. */
const cureSlice = 2048;

/** The simulated `server_state` of one meta process. */
export class MetaState {
  readonly apps = new Map<number, AppState>();
  readonly nodes = new Map<string, NodeState>();
  /** The stored level; see {@link MetaState.effectiveLevel}. */
  level: Level;
  recovering = false;
  started = false;
  readonly appsRoot: string;
  private readonly pending = new Map<string, PartitionConfig>();
  /** When this meta started serving; nodes it never heard of count as gone since then. */
  private serviceStartMs = 0;
  private readonly writing = new Set<string>();
  private readonly proposals = new ProposalSender();

  constructor(
    readonly options: MetaOptions,
    readonly zk: ZkSession,
    readonly version: PegasusVersion,
    /** How this meta names an `ip:port` (host-name mode: by its reverse-DNS name). */
    readonly name: HostNamer = (address) => address,
  ) {
    this.level = options.levelOnStart;
    this.appsRoot = `${options.clusterRoot.replace(/\/+$/, "")}/apps`;
  }

  /** The level in force: above freezed it drops to freezed when too few nodes are alive. */
  effectiveLevel(): Level {
    if (rank(this.level) <= rank("freezed")) return this.level;
    const alive = [...this.nodes.values()].filter((n) => n.alive).length;
    const total = this.nodes.size;
    const freeze =
      alive < this.options.minLiveNodes ||
      (total > 0 && alive * 100 < this.options.liveThresholdPercent * total);
    return freeze ? "freezed" : this.level;
  }

  /** Nodes named by partition configurations start unalive until they beacon. */
  initializeNodeState(): void {
    for (const { partitions } of this.apps.values()) {
      for (const pc of partitions) {
        for (const node of [pc.primary, ...pc.secondaries]) {
          if (node && !this.nodes.has(node))
            this.nodes.set(node, { alive: false, lastBeaconMs: now() });
        }
      }
    }
  }

  /** `start_service`: the bulk-load root (and the backup root unless disabled), then serving. */
  async startService(): Promise<void> {
    const root = this.options.clusterRoot.replace(/\/+$/, "");
    await this.zk.createIfMissing(`${root}/bulk_load`, "");
    await this.zk.children(`${root}/bulk_load`);
    if (!this.options.coldBackupDisabled) {
      await this.zk.createIfMissing(`${root}/backup`, "");
      await this.zk.children(`${root}/backup`);
    }
    this.started = true;
    this.serviceStartMs = now();
  }

  /**
   * Makes each partition's dropped flag agree with its table's status. Only a leader that loaded
   * an existing tree does this (`server_state::sync_apps_from_remote_storage`), not one that
   * recovered or created the default tables.
   */
  reconcileDropFlags(): void {
    for (const { info, partitions } of this.apps.values()) {
      for (const pc of partitions) {
        const dropped = pc.partition_flags !== 0;
        if (info.status === "AS_DROPPED" && !dropped) this.propose(dropPartition(pc));
        if (info.status === "AS_AVAILABLE" && dropped)
          this.propose({ ...pc, partition_flags: 0, ballot: pc.ballot + 1 });
      }
    }
  }

  /** A beacon from a replica server. */
  onBeacon(node: string): void {
    const state = this.nodes.get(node);
    if (state?.alive) state.lastBeaconMs = now();
    else {
      this.nodes.set(node, { alive: true, lastBeaconMs: now() });
      log("I", "meta_service.cpp:315:set_node_state", `set node(${node}) state to alive`);
    }
  }

  /** Failure detector on the meta side: no beacon within the grace marks a node unalive. */
  checkNodes(): void {
    for (const [node, state] of this.nodes) {
      if (state.alive && now() - state.lastBeaconMs > this.options.fdGraceMs) {
        state.alive = false;
        log(
          "W",
          "meta_server_failure_detector.cpp:120:on_worker_disconnected",
          `node(${node}) disconnected`,
        );
      }
    }
  }

  /**
   * One round of health decisions over every available partition (see `cure.ts`). It runs every
   * 500 ms over up to 257k partitions, so what does not change within the round (the alive
   * nodes in address order) is computed once, and the load per node only when a decision needs
   * it: a round over a healthy cluster then costs one pass over the partitions. It yields to the
   * event loop every {@link cureSlice} partitions: a round that proposes 257k configurations
   * takes seconds, and a meta that answers nothing meanwhile (ZooKeeper pings, beacons) loses
   * its session. A round still running when the next is due lets that one pass.
   */
  async cureRound(): Promise<void> {
    if (!this.started || this.curing) return;
    this.curing = true;
    try {
      await this.cureAll();
    } finally {
      this.curing = false;
    }
  }

  private curing = false;

  private async cureAll(): Promise<void> {
    const cure = rank(this.effectiveLevel()) >= rank("steady");
    const alive = this.sortedNodes().filter((n) => this.nodes.get(n)?.alive);
    let load: Map<string, { replicas: number; primaries: number }> | undefined;
    const count = (pc: PartitionConfig, sign: number) => {
      for (const node of [pc.primary, ...pc.secondaries]) {
        if (!node) continue;
        const l = load?.get(node) ?? { replicas: 0, primaries: 0 };
        l.replicas += sign;
        if (node === pc.primary) l.primaries += sign;
        load?.set(node, l);
      }
    };
    const current = (pc: PartitionConfig) => this.pending.get(gpid(pc)) ?? pc;
    // Counted before the round's first proposal, as every proposal below asks for it first.
    const loads = () => {
      if (load) return load;
      load = new Map();
      for (const { partitions } of this.apps.values())
        for (const pc of partitions) count(current(pc), 1);
      return load;
    };
    const view: NodeView = {
      isAlive: (node) => this.nodes.get(node)?.alive ?? false,
      isDead: (node) => {
        const state = this.nodes.get(node);
        return !state || (!state.alive && now() - state.lastBeaconMs > this.options.fdGraceMs);
      },
      mayReturn: (node) => {
        const state = this.nodes.get(node);
        const since = state ? state.lastBeaconMs : this.serviceStartMs;
        return !state?.alive && now() - since < this.options.assignDelayMs;
      },
      aliveNodes: () => alive,
      load: (node) => loads().get(node) ?? { replicas: 0, primaries: 0 },
    };
    let visited = 0;
    for (const { info, partitions } of this.apps.values()) {
      if (info.status !== "AS_AVAILABLE") continue;
      for (const pc of partitions) {
        if (++visited % cureSlice === 0) await new Promise((resume) => setImmediate(resume));
        if (pc.partition_flags !== 0 || this.pending.has(gpid(pc))) continue;
        const next = nextConfig(pc, view, cure);
        if (!next) continue;
        loads();
        count(pc, -1);
        count(next, 1);
        this.propose(next);
      }
    }
  }

  /** Queues a partition configuration write (`update_configuration_on_remote`). */
  propose(next: PartitionConfig): void {
    const key = gpid(next);
    if (this.pending.has(key)) return;
    this.pending.set(key, next);
    void this.flush(key);
  }

  /** Retries deferred writes; called every second and when the level changes. */
  flushPending(): void {
    if (this.pending.size > 0) this.retries++;
    for (const key of this.pending.keys()) void this.flush(key);
  }

  /** How many times deferred writes were retried (tests wait on it instead of sleeping). */
  retryCount(): number {
    return this.retries;
  }

  private retries = 0;

  /** Partition writes waiting for the level to rise above blind. */
  deferredCount(): number {
    return this.pending.size;
  }

  private async flush(key: string): Promise<void> {
    const next = this.pending.get(key);
    if (!next || this.writing.has(key) || rank(this.effectiveLevel()) <= rank("blind")) return;
    this.writing.add(key);
    try {
      await this.zk.set(this.partitionPath(next), encodePartition(next, this.version, this.name));
    } catch (error) {
      this.writing.delete(key);
      if (error instanceof ZkError && error.code === ZkCode.noNode) {
        crash(
          "server_state.cpp:1910:on_update_configuration_on_remote_reply",
          "we can't handle this right now, err = ERR_OBJECT_NOT_FOUND",
        );
      }
      return;
    }
    this.writing.delete(key);
    this.pending.delete(key);
    const app = this.apps.get(next.app_id);
    if (!app) return;
    const old = app.partitions[next.pidx] as PartitionConfig;
    app.partitions[next.pidx] = next;
    const targets = new Set([old.primary, ...old.secondaries, next.primary, ...next.secondaries]);
    if (next.partition_flags !== 0) for (const node of next.last_drops) targets.add(node);
    for (const node of targets) if (node) this.proposals.send(node, { app: app.info, pc: next });
  }

  /** Writes a table's node (`<C>/apps/<id>`), e.g. after a drop or an env change. */
  async writeApp(info: AppInfo): Promise<void> {
    try {
      await this.zk.set(this.appPath(info.app_id), encodeAppInfo(info, this.version));
    } catch (error) {
      if (error instanceof ZkError && error.code === ZkCode.noNode) {
        crash(
          "server_state.cpp:1242:drop_app",
          "we can't handle this right now, err = ERR_OBJECT_NOT_FOUND",
        );
      }
      throw error;
    }
  }

  appPath(appId: number): string {
    return `${this.appsRoot}/${appId}`;
  }

  partitionPath(pc: PartitionConfig): string {
    return `${this.appsRoot}/${pc.app_id}/${pc.pidx}`;
  }

  /** Known nodes in address order (ip, then port). */
  sortedNodes(): string[] {
    return [...this.nodes.keys()].sort(compareAddresses);
  }
}

/**
 * The configuration of a dropped table's partition: members to `last_drops`, flag set. Upstream
 * `server_state::drop_partition` maintains the drops with the secondaries first, then the primary.
 */
export function dropPartition(pc: PartitionConfig): PartitionConfig {
  const members = [...pc.secondaries, pc.primary].filter((n): n is string => n !== null);
  const drops = [...pc.last_drops.filter((n) => !members.includes(n)), ...members].slice(-3);
  return {
    ...pc,
    ballot: pc.ballot + 1,
    primary: null,
    secondaries: [],
    last_drops: drops,
    partition_flags: 1,
  };
}

/** Orders `ip:port` addresses like `rpc_address`: by IP octets, then port. */
export function compareAddresses(a: string, b: string): number {
  const key = (s: string) => s.split(/[.:]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const [x, y] = [key(a), key(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i] ?? "", y[i] ?? ""];
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}
