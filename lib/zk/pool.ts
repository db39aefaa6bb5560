/**
 * The clients behind one session door: a primary client (writes, and reads that must see them)
 * and reader clients for bulk walks, whose requests the server works on in parallel. Reads are
 * retried through connection loss; a client whose session expired (or that the client itself
 * declared expired after a silent timeout) is replaced by a new one — the tree engine never owns
 * ephemerals, so a new session loses nothing.
 */
import { ActionFailed, ToolError } from "../errors.ts";
import type { Log } from "../log.ts";
import type { Digest, TreeAddress } from "./address.ts";
import { type ClientEvent, ZkClient } from "./client.ts";
import type { Request } from "./pipeline.ts";
import { Code, hasCode, isConnectionError, ZkError } from "./protocol.ts";

/** A read that can be sent on any client: opcode, path, body and reply decoder. */
export type ReadRequest<T> = Request<T>;

/** Connection settings of a {@link ClientPool}. */
export interface PoolOptions {
  log: Log;
  label: string;
  digest?: Digest;
  /** @default 10000 */
  sessionTimeoutMs?: number;
  /** @default 15000 */
  connectTimeoutMs?: number;
  /** @default 30000 */
  retryTimeoutMs?: number;
  /** Clients bulk reads use at first, the primary included. @default 6 ({@link defaultReaders}) */
  readers?: number;
  /** @default 250 */
  maxInFlight?: number;
}

/**
 * Clients a bulk walk spreads its reads over at first. A ZooKeeper 3.8 server reads one request
 * per wake-up of a connection (NIOServerCnxn.doIO), then hands it through three queues; the more
 * connections are ready at once, the fewer wake-ups and hand-offs per request. A 257k-node
 * content walk (a getACL per node) cost its server 10.8–12.1 s of CPU with 6 clients, 8.0–8.4 s
 * with 16 and 7.0 s with 48 (`npm run bench:walk`, issue 12). Small walks keep 6: they gain
 * nothing, and each session is a transaction on the ensemble.
 */
export const defaultReaders = 6;

/** Clients a walk that sends a request per node uses on a tree of {@link wideFromNodes} or more. */
export const wideReaders = 16;

/** Tree size from which such a walk opens {@link wideReaders} clients. */
export const wideFromNodes = 10_000;

/**
 * How long a reader client past the primary may take to connect before it is left out: the
 * server answered the primary, so a reader it does not take is one it refuses (maxClientCnxns
 * caps connections per client host), and a walk on fewer readers is only slower.
 */
const readerConnectMs = 5000;

/**
 * The primary client and the reader clients of one ensemble.
 * @example const pool = new ClientPool(address, { log, label: "source" }); await pool.connect();
 */
export class ClientPool {
  private readonly clients: ZkClient[] = [];
  private readersOpened: Promise<void> = Promise.resolve();
  private readersWanted = 1;
  private readersReady = false;
  private closed = false;
  private next = 0;

  constructor(
    readonly address: TreeAddress,
    private readonly options: PoolOptions,
  ) {}

  /** Opens the primary client. @throws {ActionFailed} If no server answers in time. */
  async connect(): Promise<void> {
    this.clients[0] = this.newClient(true);
    await this.waitReady(0, this.options.connectTimeoutMs ?? 15_000);
  }

  /** Closes every client; reads still waiting fail instead of opening new sessions. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.clients.map((client) => client.close()));
  }

  /** The primary client, connected (renewed if its session ended). */
  async primary(): Promise<ZkClient> {
    const client = this.clients[0] as ZkClient;
    if (client.connected) return client;
    await this.waitReady(0, this.options.retryTimeoutMs ?? 30_000);
    return this.clients[0] as ZkClient;
  }

  /** Waits until the primary client is connected again. @throws {ActionFailed} On timeout. */
  reconnected(): Promise<void> {
    return this.waitReady(0, this.options.retryTimeoutMs ?? 30_000);
  }

  /** Sends a read on the primary client, retrying through connection loss. */
  read<T>(request: ReadRequest<T>): Promise<T> {
    return this.attempt(0, request);
  }

  /** Sends a read on the next reader client, retrying through connection loss. */
  readAny<T>(request: ReadRequest<T>): Promise<T> {
    if (!this.readersReady) {
      return this.openReaders().then(() => this.readAny(request));
    }
    return this.attempt(this.next++ % this.clients.length, request);
  }

  /** Sends the same read on every client (e.g. `sync`). */
  async readEach<T>(request: ReadRequest<T>): Promise<T[]> {
    await this.openReaders();
    return Promise.all(this.clients.map((_, i) => this.attempt(i, request)));
  }

  /**
   * Opens reader clients until `wanted` clients (the primary included) serve bulk reads; they
   * stay open until `close`. Readers the servers do not take within a few seconds are left out
   * (reported as a `zk-session` "readers" event): the walk is then only slower.
   */
  openReaders(wanted = this.options.readers ?? defaultReaders): Promise<void> {
    if (wanted > this.readersWanted) {
      const from = this.readersWanted;
      this.readersWanted = wanted;
      this.readersOpened = this.readersOpened.then(() => this.addReaders(wanted - from));
    }
    return this.readersOpened;
  }

  /** The clients asked for so far by `openReaders` (some may have been refused). */
  get wanted(): number {
    return this.readersWanted;
  }

  /** The clients bulk reads are spread over now (the primary included). */
  get readers(): number {
    return this.clients.length;
  }

  private async addReaders(count: number): Promise<void> {
    const fresh = Array.from({ length: count }, () => this.newClient(false));
    const waitMs = Math.min(this.options.connectTimeoutMs ?? 15_000, readerConnectMs);
    const connected = (client: ZkClient) =>
      client.ready(waitMs).then(
        () => true,
        () => false,
      );
    const ready = await Promise.all(fresh.map(connected));
    const left = fresh.filter((_, i) => !ready[i] || this.closed);
    await Promise.all(left.map((client) => client.close()));
    if (this.closed) throw new ZkError(Code.connectionLoss, undefined, "the session was closed");
    this.clients.push(...fresh.filter((_, i) => ready[i]));
    this.readersReady = true;
    if (left.length > 0) {
      this.options.log({
        kind: "zk-session",
        ensemble: this.options.label,
        event: "readers",
        server: this.address.connect,
        detail: `${left.length} of ${count} more reader sessions did not connect within ${waitMs / 1000} s (a server refuses more connections from this host, see its maxClientCnxns, or the ensemble is unreachable); reading with ${this.clients.length}`,
      });
    }
  }

  private attempt<T>(index: number, request: ReadRequest<T>): Promise<T> {
    const client = this.clients[index] as ZkClient;
    if (client.finished) return this.retrying(index, request, new ZkError(Code.sessionExpired));
    // One promise per read (a walk sends one per node), settled directly by the client.
    return new Promise<T>((resolve, reject) => {
      const failed = (error: Error) => {
        if (!isConnectionError(error)) reject(error);
        else this.retrying(index, request, error).then(resolve, reject);
      };
      client.send(request, resolve, failed);
    });
  }

  private async retrying<T>(index: number, request: ReadRequest<T>, first: unknown): Promise<T> {
    const deadline = performance.now() + (this.options.retryTimeoutMs ?? 30_000);
    let error = first;
    for (;;) {
      await this.waitReady(index, Math.max(0, deadline - performance.now()), error);
      const client = this.clients[index] as ZkClient;
      try {
        return await client.call(request.op, request.path, request.encode, request.decode);
      } catch (retryError) {
        if (!isConnectionError(retryError)) throw retryError;
        error = retryError;
      }
    }
  }

  /** Waits for client `index` to be connected, replacing it if its session is over. */
  private async waitReady(index: number, timeoutMs: number, cause?: unknown): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      let client = this.clients[index] as ZkClient;
      if (this.closed) throw new ZkError(Code.connectionLoss, undefined, "the session was closed");
      if (client.refusedAuth) throw this.authError();
      if (client.finished) {
        client = this.newClient(index === 0);
        this.clients[index] = client;
      }
      try {
        await client.ready(Math.max(0, deadline - performance.now()));
        return;
      } catch (error) {
        if (hasCode(error, Code.authFailed)) throw this.authError(error);
        if (performance.now() >= deadline || !client.finished) {
          throw new ActionFailed(
            `Cannot reach ZooKeeper ${this.address.connect} (${this.options.label}) within ${Math.round(timeoutMs / 1000)} s`,
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
    const user = this.options.digest?.user ?? "anonymous";
    return new ToolError(
      `Cannot authenticate to ZooKeeper ${this.address.connect} (${this.options.label}) as ${user}: the server refused the credentials`,
      1,
      { hint: "Check the user:password in the auth environment variable", cause },
    );
  }

  private newClient(primary: boolean): ZkClient {
    const digest = this.options.digest;
    const client: ZkClient = new ZkClient({
      servers: this.address.servers,
      sessionTimeoutMs: this.options.sessionTimeoutMs ?? 10_000,
      maxInFlight: this.options.maxInFlight ?? 250,
      auth: digest ? [{ scheme: "digest", credential: digest.credential }] : [],
      onEvent: (event) => this.report(primary, event),
    });
    return client;
  }

  private report(primary: boolean, event: ClientEvent): void {
    if (!primary && event.type === "connected" && !event.resumed) return;
    const server = "server" in event ? event.server : this.address.connect;
    const detail =
      event.type === "connected"
        ? `session 0x${event.sessionId.toString(16)}, timeout ${event.timeoutMs} ms`
        : event.reason;
    const kind =
      event.type === "connected" ? (event.resumed ? "reconnected" : "connected") : event.type;
    this.options.log({
      kind: "zk-session",
      ensemble: this.options.label,
      event: kind,
      server,
      detail,
    });
  }
}
