/**
 * One ZooKeeper session over one TCP connection at a time, written for bulk tree work:
 * requests are pipelined under a bounded window and coalesced into few socket writes; replies are
 * framed in a loop (no per-packet recursion or re-concatenation). The client reconnects to the
 * next server with the same session, and detects expiry itself: no reply for the negotiated
 * session timeout while disconnected means the session is gone, even if no server said so.
 */
import { createConnection, type Socket } from "node:net";
import { JuteReader, JuteWriter } from "./jute.ts";
import { Code, Op, Xid, ZkError } from "./protocol.ts";

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
  /** Requests on the wire at once; the rest wait in order. @default 500 */
  maxInFlight?: number;
  /** Largest request frame sent; larger ones fail with bad arguments. @default 1048575 */
  maxRequestBytes?: number;
  onEvent?: (event: ClientEvent) => void;
}

type State = "connecting" | "connected" | "expired" | "closed" | "authFailed";

interface Pending {
  op: number;
  path: string | undefined;
  xid: number;
  encode: (w: JuteWriter) => void;
  decode: (r: JuteReader) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

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
  private handshake: "connect" | "auth" | "ready" = "connect";
  private authPending = 0;
  private password: Buffer = Buffer.alloc(16);
  private lastZxid = 0n;
  private lastHeard = performance.now();
  private lastSent = performance.now();
  private xid = 1;
  private waiting: Pending[] = [];
  private waitingHead = 0;
  private sent: Pending[] = [];
  private sentHead = 0;
  private readonly writer = new JuteWriter();
  private flushScheduled = false;
  private chunks: Buffer[] = [];
  private buffered = 0;
  private serverIndex = Math.floor(Math.random() * 1000);
  private attempts = 0;
  private lastError = "";
  private attemptTimer: ReturnType<typeof setTimeout> | null = null;
  private readonly ticker: ReturnType<typeof setInterval>;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private readonly maxInFlight: number;
  private readonly maxRequestBytes: number;

  constructor(private readonly options: ClientOptions) {
    if (options.servers.length === 0) throw new Error("ZkClient needs at least one server");
    this.timeoutMs = options.sessionTimeoutMs ?? 10_000;
    this.maxInFlight = options.maxInFlight ?? 500;
    this.maxRequestBytes = options.maxRequestBytes ?? 1_048_575;
    this.ticker = setInterval(() => this.tick(), 200);
    this.ticker.unref?.();
    this.connectNext();
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
   * @throws {ZkError} connection loss (with the last socket error) or session expired / auth failed.
   */
  ready(timeoutMs: number): Promise<void> {
    if (this.state === "connected") return Promise.resolve();
    if (this.finished) return Promise.reject(this.terminalError());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w.resolve !== done);
        reject(
          new ZkError(
            Code.connectionLoss,
            undefined,
            `no ZooKeeper server answered within ${timeoutMs} ms (${this.serverList()})${this.lastError ? `: ${this.lastError}` : ""}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.readyWaiters.push({
        resolve: done,
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
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
    if (this.finished) return Promise.reject(this.terminalError());
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({
        op,
        path,
        xid: 0,
        encode,
        decode,
        resolve: resolve as (v: unknown) => void,
        reject,
      });
      if (this.state === "connected") this.pump();
    });
  }

  /** Closes the session (the server drops its ephemerals) and the socket. */
  async close(): Promise<void> {
    if (this.state === "connected") {
      const bye = this.call(
        Op.closeSession,
        undefined,
        () => {},
        () => undefined,
      ).catch(() => {});
      await Promise.race([bye, Bun.sleep(2000)]);
    }
    this.finish("closed", new ZkError(Code.connectionLoss, undefined, "the client was closed"));
  }

  private serverList(): string {
    return this.options.servers.map((s) => `${s.host}:${s.port}`).join(",");
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
    this.handshake = "connect";
    this.chunks = [];
    this.buffered = 0;
    const socket = createConnection({ host: address.host, port: address.port });
    this.socket = socket;
    socket.setNoDelay(true);
    const perAttempt = Math.max(1000, Math.floor(this.timeoutMs / servers.length / 2));
    this.attemptTimer = setTimeout(() => {
      this.lastError = `${this.server} did not complete the handshake within ${perAttempt} ms`;
      socket.destroy();
    }, perAttempt);
    socket.on("connect", () => this.sendConnect(socket));
    socket.on("data", (chunk: Buffer) => this.onData(socket, chunk));
    socket.on("error", (error) => {
      this.lastError = `${this.server}: ${error.message}`;
    });
    socket.on("close", () => this.onClose(socket));
  }

  private sendConnect(socket: Socket): void {
    if (socket !== this.socket) return;
    const w = new JuteWriter(64);
    w.beginFrame();
    w.int(0);
    w.long(this.lastZxid);
    w.int(this.timeoutMs);
    w.long(this.sessionId);
    w.buffer(this.password);
    w.bool(false);
    w.endFrame();
    socket.write(w.take());
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.socket = null;
    const wasConnected = this.state === "connected";
    if (wasConnected) this.state = "connecting";
    this.failSent(
      new ZkError(Code.connectionLoss, undefined, `connection to ${this.server} was lost`),
    );
    if (this.finished) return;
    if (wasConnected) {
      this.options.onEvent?.({
        type: "disconnected",
        server: this.server,
        reason: this.lastError || "closed",
      });
    }
    if (this.checkExpiry()) return;
    const roundDone = this.attempts % this.options.servers.length === 0;
    const delay = roundDone ? 100 + Math.random() * 400 : 0;
    setTimeout(() => this.connectNext(), delay);
  }

  /** Declares the session expired when nothing was heard from it for the whole timeout. */
  private checkExpiry(): boolean {
    if (this.state !== "connecting" || this.sessionId === 0n) return false;
    const silentMs = performance.now() - this.lastHeard;
    if (silentMs <= this.timeoutMs) return false;
    this.expire(
      `no server answered for ${Math.round(silentMs)} ms (session timeout ${this.timeoutMs} ms)`,
    );
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
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.failSent(error);
    const waiting = this.waiting.slice(this.waitingHead);
    this.waiting = [];
    this.waitingHead = 0;
    for (const p of waiting) p.reject(error);
    for (const w of this.readyWaiters.splice(0)) w.reject(error);
  }

  private failSent(error: ZkError): void {
    const sent = this.sent.slice(this.sentHead);
    this.sent = [];
    this.sentHead = 0;
    for (const p of sent) p.reject(p.path ? new ZkError(error.code, p.path, error.message) : error);
  }

  private tick(): void {
    const now = performance.now();
    if (this.state === "connected" && this.socket) {
      if (now - this.lastHeard > (this.timeoutMs * 2) / 3) {
        this.lastError = `${this.server} sent nothing for ${Math.round(now - this.lastHeard)} ms`;
        this.socket.destroy();
      } else if (now - this.lastSent >= this.timeoutMs / 3) {
        this.writer.beginFrame();
        this.writer.int(Xid.ping);
        this.writer.int(Op.ping);
        this.writer.endFrame();
        this.flush();
      }
    } else this.checkExpiry();
  }

  private pump(): void {
    const w = this.writer;
    while (
      this.waitingHead < this.waiting.length &&
      this.sent.length - this.sentHead < this.maxInFlight
    ) {
      const p = this.waiting[this.waitingHead++] as Pending;
      const start = w.length;
      p.xid = this.xid++;
      w.beginFrame();
      w.int(p.xid);
      w.int(p.op);
      p.encode(w);
      const size = w.endFrame();
      if (size > this.maxRequestBytes) {
        w.truncate(start);
        p.reject(
          new ZkError(
            Code.badArguments,
            p.path,
            `request of ${size} bytes exceeds the ${this.maxRequestBytes}-byte limit (jute.maxbuffer)`,
          ),
        );
        continue;
      }
      this.sent.push(p);
    }
    if (this.waitingHead > 1024 && this.waitingHead * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.waitingHead);
      this.waitingHead = 0;
    }
    if (w.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    if (!this.socket || this.writer.length === 0) return;
    this.socket.write(this.writer.take());
    this.lastSent = performance.now();
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    this.lastHeard = performance.now();
    let buf = chunk;
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      const head = this.chunks[0] as Buffer;
      const need = head.length >= 4 ? 4 + head.readInt32BE(0) : 4;
      if (this.buffered < need) return;
      buf = Buffer.concat(this.chunks, this.buffered);
      this.chunks = [];
      this.buffered = 0;
    }
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos);
      if (buf.length - pos - 4 < size) break;
      this.onFrame(buf, pos + 4, pos + 4 + size);
      if (socket !== this.socket) return;
      pos += 4 + size;
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      this.chunks = [rest];
      this.buffered = rest.length;
    }
    if (this.state === "connected") this.pump();
  }

  private onFrame(buf: Buffer, start: number, end: number): void {
    const r = new JuteReader(buf, start, end);
    if (this.handshake === "connect") {
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
    const p = this.sent[this.sentHead];
    if (!p || p.xid !== xid) {
      this.lastError = `${this.server} answered xid ${xid}, expected ${p?.xid ?? "none"}`;
      this.socket?.destroy();
      return;
    }
    this.sent[this.sentHead++] = undefined as unknown as Pending;
    if (this.sentHead > 1024 && this.sentHead * 2 > this.sent.length) {
      this.sent = this.sent.slice(this.sentHead);
      this.sentHead = 0;
    }
    if (err !== 0) {
      p.reject(new ZkError(err, p.path));
      return;
    }
    try {
      p.resolve(p.decode(r));
    } catch (error) {
      p.reject(
        new ZkError(Code.marshallingError, p.path, error instanceof Error ? error.message : ""),
      );
    }
  }

  private onConnectResponse(r: JuteReader): void {
    r.int();
    const timeoutMs = r.int();
    const sessionId = r.long();
    const password = r.buffer();
    if (timeoutMs <= 0) {
      this.expire(`${this.server} reports the session expired`);
      return;
    }
    const resumed = this.sessionId !== 0n;
    this.sessionId = sessionId;
    this.password = password;
    this.timeoutMs = timeoutMs;
    this.lastHeard = performance.now();
    const auth = this.options.auth ?? [];
    if (auth.length === 0) {
      this.becomeReady(resumed);
      return;
    }
    this.handshake = "auth";
    this.authPending = auth.length;
    for (const a of auth) {
      this.writer.beginFrame();
      this.writer.int(Xid.auth);
      this.writer.int(Op.auth);
      this.writer.int(0);
      this.writer.string(a.scheme);
      this.writer.buffer(a.credential);
      this.writer.endFrame();
    }
    this.flush();
    this.resumedPending = resumed;
  }

  private resumedPending = false;

  private onAuthReply(err: number): void {
    if (err !== 0) {
      this.finish(
        "authFailed",
        new ZkError(Code.authFailed, undefined, `${this.server} refused the credentials`),
      );
      return;
    }
    if (--this.authPending === 0 && this.handshake === "auth")
      this.becomeReady(this.resumedPending);
  }

  private becomeReady(resumed: boolean): void {
    if (this.attemptTimer) clearTimeout(this.attemptTimer);
    this.handshake = "ready";
    this.state = "connected";
    this.attempts = 0;
    this.lastError = "";
    this.options.onEvent?.({
      type: "connected",
      server: this.server,
      sessionId: this.sessionId,
      timeoutMs: this.timeoutMs,
      resumed,
    });
    for (const w of this.readyWaiters.splice(0)) w.resolve();
    this.pump();
  }
}
