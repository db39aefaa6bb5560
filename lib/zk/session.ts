/**
 * The ZooKeeper door. Reads (`observe`) always run, retrying through connection loss and session
 * expiry until `retryTimeoutMs`; writes (`change`) are logged and, under dry-run, only logged.
 * A session holds one primary client (every write, and every read that must see those writes)
 * and, for bulk walks, a few reader clients whose requests the server handles in parallel.
 */
import { ActionFailed, ToolError } from "../errors.ts";
import type { Log } from "../log.ts";
import type { Digest, TreeAddress } from "./address.ts";
import { type ClientEvent, ZkClient } from "./client.ts";
import type { Acl, JuteReader, JuteWriter, Stat } from "./jute.ts";
import {
  Code,
  type CreateSpec,
  createOpcode,
  hasCode,
  isConnectionError,
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
  ZkError,
} from "./protocol.ts";

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
  /** Clients used by bulk reads (the primary included). @default 4 */
  readers?: number;
  /** Requests in flight per client. @default 500 */
  maxInFlight?: number;
}

/** A read that can be sent on any client: opcode, path, body and reply decoder. */
export interface ReadRequest<T> {
  op: number;
  path: string | undefined;
  encode: (w: JuteWriter) => void;
  decode: (r: JuteReader) => T;
}

/**
 * Connects to the ensemble of `address` and returns the door to it.
 * @throws {ActionFailed} If no server answers within `connectTimeoutMs`, or auth is refused.
 * @example const zk = await openSession(parseTreeAddress("127.0.0.1:2181/pegasus"), { log });
 */
export async function openSession(
  address: TreeAddress,
  options: SessionOptions,
): Promise<ZkSession> {
  const session = new ZkSession(address, options);
  await session.connect();
  return session;
}

/** An open door to one ensemble; see {@link openSession}. */
export class ZkSession {
  readonly dryRun: boolean;
  readonly label: string;
  readonly log: Log;
  private readonly clients: ZkClient[] = [];
  private readersOpened: Promise<void> | null = null;
  private nextReader = 0;
  private multiReadSupport: boolean | undefined;

  constructor(
    readonly address: TreeAddress,
    private readonly options: SessionOptions,
  ) {
    this.dryRun = options.dryRun ?? false;
    this.label = options.label ?? address.connect;
    this.log = options.log;
  }

  /** The digest identity writes are made with, if any. */
  get digest(): Digest | undefined {
    return this.options.digest;
  }

  /** Opens the primary client. */
  async connect(): Promise<void> {
    this.clients[0] = this.newClient();
    await this.waitReady(0, this.options.connectTimeoutMs ?? 15_000);
  }

  /** Closes every client. */
  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.close()));
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

  /**
   * Sends one read on the primary client (it sees every write this session made), retrying
   * through connection loss and session expiry.
   */
  read<T>(request: ReadRequest<T>): Promise<T> {
    return this.retrying(0, (client) => send(client, request));
  }

  /** Sends one read on the next reader client (bulk walks spread load over several sessions). */
  async readAny<T>(request: ReadRequest<T>): Promise<T> {
    await this.openReaders();
    const index = this.nextReader++ % this.clients.length;
    return this.retrying(index, (client) => send(client, request));
  }

  /**
   * Makes every reader client's server catch up with the leader (`sync`), so a walk after a
   * write sees it even on a lagging follower.
   */
  async syncReaders(path: string): Promise<void> {
    await this.openReaders();
    await Promise.all(
      this.clients.map((_, i) =>
        this.retrying(i, (client) =>
          client.call(
            9,
            path,
            (w) => w.string(path),
            (r) => r.string(),
          ),
        ),
      ),
    );
  }

  /** True when the server answers `multiRead` (ZooKeeper 3.6+). Probed once. */
  async supportsMultiRead(): Promise<boolean> {
    if (this.multiReadSupport !== undefined) return this.multiReadSupport;
    try {
      const reply = await this.read({
        op: 22,
        path: "/",
        encode: (w) => {
          w.int(Op.getData);
          w.bool(false);
          w.int(-1);
          writePathNoWatch(w, "/");
          w.int(-1);
          w.bool(true);
          w.int(-1);
        },
        decode: (r) => r.remaining,
      });
      this.multiReadSupport = reply > 0;
    } catch (error) {
      if (!(error instanceof ZkError) || error.code === Code.sessionExpired) throw error;
      this.multiReadSupport = false;
    }
    return this.multiReadSupport;
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
  async reconnected(): Promise<void> {
    await this.waitReady(0, this.options.retryTimeoutMs ?? 30_000);
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

  private async primary(): Promise<ZkClient> {
    const client = this.clients[0] as ZkClient;
    if (client.finished) await this.waitReady(0, this.options.retryTimeoutMs ?? 30_000);
    return this.clients[0] as ZkClient;
  }

  private openReaders(): Promise<void> {
    const wanted = Math.max(1, this.options.readers ?? 4);
    this.readersOpened ??= (async () => {
      for (let i = 1; i < wanted; i++) this.clients[i] = this.newClient();
      await Promise.all(
        this.clients.map((_, i) => this.waitReady(i, this.options.connectTimeoutMs ?? 15_000)),
      );
    })();
    return this.readersOpened;
  }

  private async retrying<T>(index: number, run: (client: ZkClient) => Promise<T>): Promise<T> {
    let deadline = 0;
    for (;;) {
      const client = this.clients[index] as ZkClient;
      try {
        if (client.finished) throw new ZkError(Code.sessionExpired);
        return await run(client);
      } catch (error) {
        if (!isConnectionError(error)) throw error;
        const retryMs = this.options.retryTimeoutMs ?? 30_000;
        deadline ||= performance.now() + retryMs;
        await this.waitReady(index, Math.max(0, deadline - performance.now()), error);
      }
    }
  }

  /** Waits for client `index` to be connected, replacing it if its session is over. */
  private async waitReady(index: number, timeoutMs: number, cause?: unknown): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      let client = this.clients[index] as ZkClient;
      if (client.refusedAuth) throw this.authError();
      if (client.finished) {
        client = this.newClient();
        this.clients[index] = client;
      }
      try {
        await client.ready(Math.max(0, deadline - performance.now()));
        return;
      } catch (error) {
        if (hasCode(error, Code.authFailed)) throw this.authError(error);
        if (performance.now() >= deadline || !client.finished) {
          throw new ActionFailed(
            `Cannot reach ZooKeeper ${this.address.connect} (${this.label}) within ${Math.round(timeoutMs / 1000)} s`,
            {
              hint: "Check that the ensemble is up and reachable from here, then run the command again",
              cause: cause ?? error,
            },
          );
        }
      }
    }
  }

  private authError(cause?: unknown): ToolError {
    return new ToolError(
      `Cannot authenticate to ZooKeeper ${this.address.connect} (${this.label}) as ${this.options.digest?.user ?? "anonymous"}: the server refused the credentials`,
      1,
      { hint: "Check the user:password in the auth environment variable", cause },
    );
  }

  private newClient(): ZkClient {
    const digest = this.options.digest;
    const client: ZkClient = new ZkClient({
      servers: this.address.servers,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
      maxInFlight: this.options.maxInFlight ?? 500,
      auth: digest ? [{ scheme: "digest", credential: digest.credential }] : [],
      onEvent: (event) => this.onClientEvent(client, event),
    });
    return client;
  }

  private onClientEvent(client: ZkClient, event: ClientEvent): void {
    if (client !== this.clients[0] && event.type === "connected" && !event.resumed) return;
    const server = "server" in event ? event.server : this.address.connect;
    const detail =
      event.type === "connected"
        ? `session 0x${event.sessionId.toString(16)}, timeout ${event.timeoutMs} ms`
        : event.reason;
    const kind =
      event.type === "connected" ? (event.resumed ? "reconnected" : "connected") : event.type;
    this.log({ kind: "zk-session", ensemble: this.label, event: kind, server, detail });
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

function send<T>(client: ZkClient, request: ReadRequest<T>): Promise<T> {
  return client.call(request.op, request.path, request.encode, request.decode);
}
