/**
 * The ZooKeeper door. Reads (`observe`) always run, retrying through connection loss and session
 * expiry until `retryTimeoutMs`; writes (`change`) are logged and, under dry-run, only logged.
 * A session holds one primary client (every write, and every read that must see those writes)
 * and, for bulk walks, a few reader clients whose requests the server handles in parallel.
 */
import type { Log } from "../log.ts";
import { type Digest, parseTreeAddress, type TreeAddress } from "./address.ts";
import type { ZkClient } from "./client.ts";
import type { Acl, JuteWriter, Stat } from "./jute.ts";
import {
  ClientPool,
  defaultReaders,
  type ReadRequest,
  wideFromNodes,
  wideReaders,
} from "./pool.ts";
import {
  Code,
  type CreateSpec,
  createOpcode,
  hasCode,
  type MultiOp,
  type MultiResult,
  Op,
  readAcl,
  readChildren,
  readData,
  readMulti,
  writeCreate,
  writeMulti,
  writePathNoWatch,
  writePathVersion,
  writeSetAcl,
} from "./protocol.ts";

export type { ReadRequest } from "./pool.ts";

/** Options of {@link openSession}. */
export interface SessionOptions {
  log: Log;
  /** Log writes instead of sending them. @default false */
  dryRun?: boolean;
  /** Digest credentials sent on every connect. */
  digest?: Digest;
  /** Name used in log lines, e.g. `source`. @default the connect string */
  label?: string;
  /** Requested session timeout. @default 10000 */
  sessionTimeoutMs?: number;
  /** How long to wait for the first connection. @default 15000 */
  connectTimeoutMs?: number;
  /** How long an operation waits for a lost ensemble to come back before failing. @default 30000 */
  retryTimeoutMs?: number;
  /** Clients used by bulk reads (the primary included). @default 6, 16 for a walk of a large tree */
  readers?: number;
  /** Requests in flight per client. @default 250 */
  maxInFlight?: number;
}

/**
 * Connects to an ensemble and returns the door to it. The address is `host:port[,…][/path]` or
 * a parsed {@link TreeAddress}; its path is the default root of the tree operations.
 * @throws {UsageError} If the address is malformed.
 * @throws {ActionFailed} If no server answers within `connectTimeoutMs`, or auth is refused.
 * @example const zk = await openSession("zk1:2181,zk2:2181/pegasus/c1", { log, dryRun: true });
 */
export async function openSession(
  address: string | TreeAddress,
  options: SessionOptions,
): Promise<ZkSession> {
  const parsed = typeof address === "string" ? parseTreeAddress(address) : address;
  const session = new ZkSession(parsed, options);
  try {
    await session.connect();
  } catch (error) {
    await session.close();
    throw error;
  }
  return session;
}

/** An open door to one ensemble; see {@link openSession}. */
export class ZkSession {
  readonly dryRun: boolean;
  readonly label: string;
  readonly log: Log;
  private readonly pool: ClientPool;
  private multiReadSupport: boolean | undefined;

  constructor(
    readonly address: TreeAddress,
    private readonly options: SessionOptions,
  ) {
    this.dryRun = options.dryRun ?? false;
    this.label = options.label ?? address.connect;
    this.log = options.log;
    this.pool = new ClientPool(address, { ...options, label: this.label });
  }

  /** The digest identity writes are made with, if any. */
  get digest(): Digest | undefined {
    return this.options.digest;
  }

  /** Opens the primary client. @throws {ActionFailed} If no server answers in time. */
  connect(): Promise<void> {
    return this.pool.connect();
  }

  /** Closes every client. */
  close(): Promise<void> {
    return this.pool.close();
  }

  // ---- observe: reads, always run, retried through connection loss ----

  /** The Stat of `path`, or null if it does not exist. */
  exists(path: string): Promise<Stat | null> {
    return this.orNull(
      this.read({
        op: Op.exists,
        path,
        encode: (w) => writePathNoWatch(w, path),
        decode: (r) => r.stat(),
      }),
    );
  }

  /** Data and Stat of `path`, or null if it does not exist. */
  get(path: string): Promise<{ data: Buffer; stat: Stat } | null> {
    return this.orNull(
      this.read({
        op: Op.getData,
        path,
        encode: (w) => writePathNoWatch(w, path),
        decode: readData,
      }),
    );
  }

  /** ACL and Stat of `path`, or null if it does not exist. */
  acl(path: string): Promise<{ acl: Acl[]; stat: Stat } | null> {
    return this.orNull(
      this.read({ op: Op.getACL, path, encode: (w) => w.string(path), decode: readAcl }),
    );
  }

  /** Child names (unsorted) and Stat of `path`, or null if it does not exist. */
  children(path: string): Promise<{ children: string[]; stat: Stat } | null> {
    return this.orNull(
      this.read({
        op: Op.getChildren2,
        path,
        encode: (w) => writePathNoWatch(w, path),
        decode: readChildren,
      }),
    );
  }

  /** Sends one read on the primary client (it sees this session's writes), with retries. */
  read<T>(request: ReadRequest<T>): Promise<T> {
    return this.pool.read(request);
  }

  /** Sends one read on the next reader client (bulk walks spread load over several sessions). */
  readAny<T>(request: ReadRequest<T>): Promise<T> {
    return this.pool.readAny(request);
  }

  /**
   * Opens the reader clients a walk of the tree at `root` that sends a request per node is spread
   * over: `wideReaders` for `wideFromNodes` znodes or more, else `defaultReaders`, unless the
   * session's `readers` option fixes the number. `nodes` is the tree's size when the caller knows
   * it; else the tree is counted, but only while more readers could still open: a
   * getAllChildrenNumber costs the server a pass over its whole tree, and fences run while the
   * leader is blind. The readers stay open, so a walk inside a zxid fence opens none if the
   * fence (`committedZxid`) was read for the same tree.
   */
  async openReadersFor(root: string, nodes?: number | null): Promise<void> {
    if (this.options.readers !== undefined || this.pool.wanted >= wideReaders) {
      return this.pool.openReaders();
    }
    let size = nodes;
    if (size === undefined) {
      const below = await this.allChildrenNumber(root);
      size = below === null ? null : below + 1;
    }
    const wide = size !== null && size >= wideFromNodes;
    return this.pool.openReaders(wide ? wideReaders : defaultReaders);
  }

  /** The clients bulk reads are spread over now, the primary included. */
  get readers(): number {
    return this.pool.readers;
  }

  /**
   * Makes every reader client's server catch up with the leader (`sync`), so a walk after a
   * write sees it even on a lagging follower.
   */
  async syncReaders(path: string): Promise<void> {
    await this.pool.readEach({
      op: Op.sync,
      path,
      encode: (w) => w.string(path),
      decode: (r) => r.string(),
    });
  }

  /** True when the server answers `multiRead` (ZooKeeper 3.6+). Probed once. */
  async supportsMultiRead(): Promise<boolean> {
    if (this.multiReadSupport !== undefined) return this.multiReadSupport;
    const probe = (w: JuteWriter) => {
      w.int(Op.getData);
      w.bool(false);
      w.int(-1);
      writePathNoWatch(w, "/");
      w.int(-1);
      w.bool(true);
      w.int(-1);
    };
    // Sent once, without retries: an old server may answer an unknown opcode with an empty
    // reply, an error, or by closing the connection; each of these means "not supported".
    const client = await this.pool.primary();
    const reply = await client.call(22, "/", probe, (r) => r.remaining).catch(() => 0);
    this.multiReadSupport = reply > 0;
    return this.multiReadSupport;
  }

  /** Makes the primary client's server catch up with the leader before reading back writes. */
  async syncPrimary(path: string): Promise<void> {
    await this.read({
      op: Op.sync,
      path,
      encode: (w) => w.string(path),
      decode: (r) => r.string(),
    });
  }

  /**
   * The ensemble's last committed transaction, at least: the zxid the primary client's server
   * reports once a `sync` made it catch up with the leader. Every change on the ensemble — a
   * write anywhere, a session opened or closed — raises it, so reading the same value twice
   * proves that nothing at all changed in between (a zxid fence: O(1) where a stat walk is
   * O(tree)). The reader clients are opened first (a `sync` on each): opening a session is a
   * transaction too, and one opened later by a walk would break the fence for nothing; so are
   * the extra readers a walk of the tree under `path` would open.
   */
  async committedZxid(path: string): Promise<bigint> {
    await this.openReadersFor(path);
    await this.syncReaders(path);
    return (await this.primary()).zxid;
  }

  /**
   * Number of znodes under `path` (not counting it) from one `getAllChildrenNumber` request,
   * or null when the server predates 3.6 or the node is missing.
   */
  async allChildrenNumber(path: string): Promise<number | null> {
    if (!(await this.supportsMultiRead())) return null;
    return this.orNull(
      this.read({
        op: Op.getAllChildrenNumber,
        path,
        encode: (w) => w.string(path),
        decode: (r) => r.int(),
      }),
    );
  }

  // ---- change: writes, logged, skipped under dry-run ----

  /**
   * Sends one `multi` (atomic batch) on the primary client. Under dry-run it is only logged and
   * null is returned. A connection error means the outcome is unknown: the caller reconciles.
   * @throws {ZkError} connection loss / session expired (outcome unknown), or the request's error.
   */
  async multi(ops: readonly MultiOp[], bytes: number): Promise<MultiResult[] | null> {
    this.logWrite(ops, bytes);
    if (this.dryRun) return null;
    const client = await this.primary();
    return client.call(Op.multi, undefined, (w) => writeMulti(w, ops), readMulti);
  }

  /** Sets an ACL (no multi form exists). Under dry-run only logged. */
  async setAcl(path: string, acl: readonly Acl[], version: number): Promise<void> {
    this.log({
      kind: "zk-write",
      ensemble: this.label,
      ops: 1,
      creates: 0,
      updates: 0,
      acls: 1,
      deletes: 0,
      bytes: path.length,
      first: path,
      last: path,
      dryRun: this.dryRun,
    });
    if (this.dryRun) return;
    const client = await this.primary();
    await client.call(
      Op.setACL,
      path,
      (w) => writeSetAcl(w, path, acl, version),
      (r) => r.stat(),
    );
  }

  /** Creates one node (any type). Under dry-run only logged. */
  async create(spec: CreateSpec): Promise<void> {
    this.logWrite([{ type: "create", ...spec }], spec.data.length);
    if (this.dryRun) return;
    const client = await this.primary();
    await client.call(
      createOpcode(spec.flags),
      spec.path,
      (w) => writeCreate(w, spec),
      () => undefined,
    );
  }

  /** Deletes one node at `version` (-1: any). Under dry-run only logged. */
  async delete(path: string, version: number): Promise<void> {
    this.logWrite([{ type: "delete", path, version }], 0);
    if (this.dryRun) return;
    const client = await this.primary();
    await client.call(
      Op.delete,
      path,
      (w) => writePathVersion(w, path, version),
      () => undefined,
    );
  }

  /**
   * Waits until the primary client is connected again after a connection error (renewing an
   * expired session), within `retryTimeoutMs`.
   * @throws {ActionFailed} If the ensemble does not come back in time.
   */
  reconnected(): Promise<void> {
    return this.pool.reconnected();
  }

  private logWrite(ops: readonly MultiOp[], bytes: number): void {
    let creates = 0;
    let updates = 0;
    let deletes = 0;
    for (const op of ops) {
      if (op.type === "create") creates++;
      else if (op.type === "setData") updates++;
      else if (op.type === "delete") deletes++;
    }
    this.log({
      kind: "zk-write",
      ensemble: this.label,
      ops: ops.length,
      creates,
      updates,
      acls: 0,
      deletes,
      bytes,
      first: ops[0]?.path ?? "",
      last: ops[ops.length - 1]?.path ?? "",
      dryRun: this.dryRun,
    });
  }

  private primary(): Promise<ZkClient> {
    return this.pool.primary();
  }

  private async orNull<T>(promise: Promise<T>): Promise<T | null> {
    try {
      return await promise;
    } catch (error) {
      if (hasCode(error, Code.noNode)) return null;
      throw error;
    }
  }
}
