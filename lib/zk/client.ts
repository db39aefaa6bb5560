/**
 * One ZooKeeper session over one TCP connection at a time, written for bulk tree work: requests
 * are pipelined under a bounded window and coalesced into few socket writes; replies are framed
 * in a loop. The client reconnects to the next server with the same session and detects expiry
 * itself: nothing heard for the negotiated session timeout while disconnected means the session
 * is gone, even though no server said so (node-zookeeper-client never reports it, issue #20).
 */
import { createConnection, type Socket } from "node:net";
import { JuteReader, type JuteWriter } from "./jute.ts";
import { type Request, RequestPipeline } from "./pipeline.ts";
import { Code, Op, Xid, ZkError } from "./protocol.ts";
import {
  connectFrame,
  FrameSplitter,
  readConnectResponse,
  writeAuthFrame,
  writePingFrame,
} from "./wire.ts";

/** How often the connection's liveness is checked and pings are sent. */
const tickMs = 200;

/** A server of the ensemble. */
export interface ServerAddress {
  host: string;
  port: number;
}

/** What the client reports about its connection. */
export type ClientEvent =
  | { type: "connected"; server: string; sessionId: bigint; timeoutMs: number; resumed: boolean }
  | { type: "disconnected"; server: string; reason: string }
  | { type: "expired"; reason: string };

/** Options of {@link ZkClient}. */
export interface ClientOptions {
  servers: ServerAddress[];
  /** Requested session timeout; the server clamps it to 2..20 ticks. @default 10000 */
  sessionTimeoutMs?: number;
  /** Auth packets sent on every (re)connect, e.g. digest `user:password`. @default [] */
  auth?: { scheme: string; credential: Buffer }[];
  /** Requests on the wire at once; the rest wait in order. @default 250 */
  maxInFlight?: number;
  /** Largest request frame sent; larger ones fail with bad arguments. @default 1048575 */
  maxRequestBytes?: number;
  onEvent?: (event: ClientEvent) => void;
}

type State = "connecting" | "connected" | "expired" | "closed" | "authFailed";

/**
 * A pipelined ZooKeeper session.
 * @example
 * const client = new ZkClient({ servers: [{ host: "127.0.0.1", port: 2181 }] });
 * await client.ready(10_000);
 * const { data } = await client.call(Op.getData, "/a", (w) => writePathNoWatch(w, "/a"), readData);
 */
export class ZkClient {
  sessionId = 0n;
  timeoutMs: number;
  private state: State = "connecting";
  private socket: Socket | null = null;
  private server = "";
  private authPending = -1;
  private resumed = false;
  private password: Buffer = Buffer.alloc(16);
  private lastZxid = 0n;
  private lastHeard = performance.now();
  private readonly requests: RequestPipeline;
  private readonly frames = new FrameSplitter();
  private serverIndex = Math.floor(Math.random() * 1000);
  private attempts = 0;
  private lastTick = performance.now();
  private lastError = "";
  private attemptTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly ticker: ReturnType<typeof setInterval>;
  private readonly readyWaiters = new Set<{ resolve: () => void; reject: (e: Error) => void }>();

  constructor(private readonly options: ClientOptions) {
    if (options.servers.length === 0) throw new Error("ZkClient needs at least one server");
    this.timeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.requests = new RequestPipeline(
      options.maxInFlight ?? 250,
      options.maxRequestBytes ?? 1_048_575,
    );
    this.ticker = setInterval(() => this.tick(), tickMs);
    this.ticker.unref?.();
    this.connectNext();
  }

  /** The highest zxid any reply carried: every reply holds its server's last processed zxid. */
  get zxid(): bigint {
    return this.lastZxid;
  }

  /** True while connected (requests go out at once). */
  get connected(): boolean {
    return this.state === "connected";
  }

  /** True once the server refused the credentials (terminal). */
  get refusedAuth(): boolean {
    return this.state === "authFailed";
  }

  /** True once the session is expired, closed or refused authentication: it will not recover. */
  get finished(): boolean {
    return this.state === "expired" || this.state === "closed" || this.state === "authFailed";
  }

  /**
   * Resolves when connected; rejects on a terminal state or after `timeoutMs`.
   * @throws {ZkError} connection loss (with the last socket error), session expired, auth failed.
   */
  ready(timeoutMs: number): Promise<void> {
    if (this.state === "connected") return Promise.resolve();
    if (this.finished) return Promise.reject(this.terminalError());
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters.delete(waiter);
        const why = this.lastError ? `: ${this.lastError}` : "";
        const servers = this.options.servers.map((s) => `${s.host}:${s.port}`).join(",");
        const detail = `no ZooKeeper server answered within ${Math.round(timeoutMs)} ms (${servers})${why}`;
        reject(new ZkError(Code.connectionLoss, undefined, detail));
      }, timeoutMs);
      this.readyWaiters.add(waiter);
    });
  }

  /**
   * Sends one request; waits (in order) while disconnected. Rejects with the reply's error code,
   * or with connection loss if the connection drops after it was sent (outcome unknown).
   */
  call<T>(
    op: number,
    path: string | undefined,
    encode: (w: JuteWriter) => void,
    decode: (r: JuteReader) => T,
  ): Promise<T> {
    return new Promise((resolve, reject) =>
      this.send({ op, path, encode, decode }, resolve, reject),
    );
  }

  /**
   * {@link call} with a promise's settlers instead of a new promise: a caller that wraps the
   * reply in its own promise (the pool, retrying) saves one promise per request.
   */
  send<T>(request: Request<T>, resolve: (value: T) => void, reject: (error: Error) => void): void {
    if (this.finished) {
      reject(this.terminalError());
      return;
    }
    this.requests.enqueue(request, resolve, reject);
    if (this.state === "connected" && this.socket) this.requests.pump(this.socket);
  }

  /** Closes the session (the server drops its ephemerals) and the socket. */
  async close(): Promise<void> {
    if (this.state === "connected") {
      const bye = this.call(Op.closeSession, undefined, noop, noop).catch(noop);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([bye, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    }
    this.finish("closed", new ZkError(Code.connectionLoss, undefined, "the client was closed"));
  }

  private terminalError(): ZkError {
    if (this.state === "expired") return new ZkError(Code.sessionExpired);
    if (this.state === "authFailed") return new ZkError(Code.authFailed);
    return new ZkError(Code.connectionLoss, undefined, "the client was closed");
  }

  private connectNext(): void {
    if (this.finished) return;
    const servers = this.options.servers;
    const address = servers[this.serverIndex++ % servers.length] as ServerAddress;
    this.attempts++;
    this.server = `${address.host}:${address.port}`;
    this.authPending = -1;
    this.frames.reset();
    const socket = createConnection({ host: address.host, port: address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("connect", () => {
      const handle = { lastZxid: this.lastZxid, timeoutMs: this.timeoutMs };
      socket.write(connectFrame({ ...handle, sessionId: this.sessionId, password: this.password }));
    });
    socket.on("data", (chunk: Buffer) => this.onData(socket, chunk));
    socket.on("error", (error) => {
      this.lastError = `${this.server}: ${error.message}`;
    });
    socket.on("close", () => this.onClose(socket));
    const attemptMs = Math.max(1000, Math.floor(this.timeoutMs / servers.length / 2));
    this.attemptTimer = setTimeout(() => {
      this.lastError = `${this.server} did not complete the handshake within ${attemptMs} ms`;
      socket.destroy();
    }, attemptMs);
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    clearTimeout(this.attemptTimer);
    this.socket = null;
    const wasConnected = this.state === "connected";
    if (wasConnected) this.state = "connecting";
    const lost = new ZkError(Code.connectionLoss, undefined, `connection to ${this.server} lost`);
    this.requests.failSent(lost);
    if (this.finished) return;
    if (wasConnected) {
      const reason = this.lastError || "closed";
      this.options.onEvent?.({ type: "disconnected", server: this.server, reason });
    }
    if (this.checkExpiry()) return;
    const roundDone = this.attempts % this.options.servers.length === 0;
    setTimeout(() => this.connectNext(), roundDone ? 100 + Math.random() * 400 : 0);
  }

  /** Declares the session expired when nothing was heard from it for the whole timeout. */
  private checkExpiry(): boolean {
    if (this.state !== "connecting" || this.sessionId === 0n) return false;
    const silentMs = performance.now() - this.lastHeard;
    if (silentMs <= this.timeoutMs) return false;
    const silent = Math.round(silentMs);
    this.expire(`no server answered for ${silent} ms (session timeout ${this.timeoutMs} ms)`);
    return true;
  }

  private expire(reason: string): void {
    this.options.onEvent?.({ type: "expired", reason });
    this.finish("expired", new ZkError(Code.sessionExpired, undefined, reason));
  }

  private finish(state: State, error: ZkError): void {
    if (this.finished) return;
    this.state = state;
    clearInterval(this.ticker);
    clearTimeout(this.attemptTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.requests.failAll(error);
    for (const waiter of this.readyWaiters) waiter.reject(error);
    this.readyWaiters.clear();
  }

  private tick(): void {
    const now = performance.now();
    // A late tick means this process did not run (a long task, a starved CPU): replies may be
    // waiting unread in the socket, so silence is judged only on a tick that came on time.
    const onTime = now - this.lastTick < 2 * tickMs;
    this.lastTick = now;
    if (this.state !== "connected" || !this.socket) {
      this.checkExpiry();
    } else if (onTime && now - this.lastHeard > (this.timeoutMs * 2) / 3) {
      this.lastError = `${this.server} sent nothing for ${Math.round(now - this.lastHeard)} ms`;
      this.socket.destroy();
    } else if (now - this.requests.lastSent >= this.timeoutMs / 3) {
      writePingFrame(this.requests.writer);
      this.requests.flush();
    }
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.lastHeard = performance.now();
    this.frames.push(chunk, (buf, start, end) => {
      this.onFrame(new JuteReader(buf, start, end));
      return socket === this.socket;
    });
    if (this.state === "connected") this.requests.pump(socket);
  }

  private onFrame(r: JuteReader): void {
    if (this.authPending === -1) {
      this.onConnectResponse(r);
      return;
    }
    const xid = r.int();
    const zxid = r.long();
    const err = r.int();
    if (zxid > this.lastZxid) this.lastZxid = zxid;
    if (xid === Xid.ping || xid === Xid.notification) return;
    if (xid === Xid.auth) {
      this.onAuthReply(err);
      return;
    }
    if (!this.requests.answer(xid, err, r)) {
      const expected = this.requests.expectedXid() ?? "none";
      this.lastError = `${this.server} answered xid ${xid}, expected ${expected}`;
      this.socket?.destroy();
    }
  }

  private onConnectResponse(r: JuteReader): void {
    const reply = readConnectResponse(r);
    if (reply.timeoutMs <= 0) {
      this.expire(`${this.server} reports the session expired`);
      return;
    }
    this.resumed = this.sessionId !== 0n;
    this.sessionId = reply.sessionId;
    this.password = reply.password;
    this.timeoutMs = reply.timeoutMs;
    this.lastHeard = performance.now();
    const auth = this.options.auth ?? [];
    this.authPending = auth.length;
    if (auth.length === 0) {
      this.becomeReady();
      return;
    }
    if (this.socket) this.requests.attach(this.socket);
    for (const a of auth) writeAuthFrame(this.requests.writer, a.scheme, a.credential);
    this.requests.flush();
  }

  private onAuthReply(err: number): void {
    if (err !== 0) {
      const detail = `${this.server} refused the credentials`;
      this.finish("authFailed", new ZkError(Code.authFailed, undefined, detail));
      return;
    }
    if (--this.authPending === 0) this.becomeReady();
  }

  private becomeReady(): void {
    clearTimeout(this.attemptTimer);
    this.state = "connected";
    this.attempts = 0;
    this.lastError = "";
    this.options.onEvent?.({
      type: "connected",
      server: this.server,
      sessionId: this.sessionId,
      timeoutMs: this.timeoutMs,
      resumed: this.resumed,
    });
    for (const waiter of this.readyWaiters) waiter.resolve();
    this.readyWaiters.clear();
    if (this.socket) this.requests.pump(this.socket);
  }
}

function noop(): undefined {
  return undefined;
}
