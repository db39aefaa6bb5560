/**
 * The request side of a connection: requests wait in order, at most `maxInFlight` are on the
 * wire, each gets the next xid, all encoded into one buffer that goes out in a single socket
 * write per turn of the event loop; replies are matched to requests in order (ZooKeeper answers
 * a session's requests in the order they were sent).
 */
import { type JuteReader, JuteWriter } from "./jute.ts";
import { Code, ZkError } from "./protocol.ts";
import { Fifo } from "./wire.ts";

/** A request: opcode, path (for errors), body and reply decoder. */
export interface Request<T> {
  op: number;
  path: string | undefined;
  encode: (w: JuteWriter) => void;
  decode: (r: JuteReader) => T;
}

/** A request waiting for its reply. */
interface Pending {
  request: Request<unknown>;
  xid: number;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** Where a pipeline sends its bytes (it may keep them). */
export interface Sink {
  write(bytes: Uint8Array): unknown;
}

/**
 * Queues, encodes, sends and answers requests for one session.
 * @example pipeline.enqueue(Op.exists, "/a", encode, decode).then(…); pipeline.pump(socket);
 */
export class RequestPipeline {
  /** Extra frames (auth, ping) can be appended here; they go out with the next flush. */
  readonly writer = new JuteWriter();
  /** When the last bytes were written (for pings). */
  lastSent = performance.now();
  private readonly waiting = new Fifo<Pending>();
  private readonly sent = new Fifo<Pending>();
  private xid = 1;
  private flushScheduled = false;
  private sink: Sink | null = null;

  constructor(
    private readonly maxInFlight: number,
    private readonly maxRequestBytes: number,
  ) {}

  /**
   * Queues a request; it is sent by the next `pump` while connected. `resolve` and `reject` are
   * a promise's settlers (they must not throw, and may be called from inside `pump`).
   */
  enqueue<T>(
    request: Request<T>,
    resolve: (value: T) => void,
    reject: (error: Error) => void,
  ): void {
    this.waiting.push({ request, xid: 0, resolve, reject } as Pending);
  }

  /** Sends future writes to `sink` (a new connection). */
  attach(sink: Sink): void {
    this.sink = sink;
  }

  /** Encodes waiting requests while the window allows, and schedules one write to `sink`. */
  pump(sink: Sink): void {
    this.sink = sink;
    const w = this.writer;
    while (this.waiting.size > 0 && this.sent.size < this.maxInFlight) {
      const p = this.waiting.shift() as Pending;
      const start = w.length;
      p.xid = this.xid++;
      w.beginFrame();
      w.int(p.xid);
      w.int(p.request.op);
      p.request.encode(w);
      const size = w.endFrame();
      if (size > this.maxRequestBytes) {
        w.truncate(start);
        const limit = `${this.maxRequestBytes}-byte limit (jute.maxbuffer)`;
        p.reject(
          new ZkError(
            Code.badArguments,
            p.request.path,
            `request of ${size} bytes exceeds the ${limit}`,
          ),
        );
        continue;
      }
      this.sent.push(p);
    }
    if (w.length > 0 && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Writes whatever is encoded now. */
  flush(): void {
    this.flushScheduled = false;
    if (!this.sink || this.writer.length === 0) return;
    this.sink.write(this.writer.take());
    this.lastSent = performance.now();
  }

  /**
   * Hands a reply to the oldest request on the wire.
   * @returns false when the reply does not match it (the connection must be dropped).
   */
  answer(xid: number, err: number, r: JuteReader): boolean {
    const p = this.sent.peek();
    if (!p || p.xid !== xid) return false;
    this.sent.shift();
    if (err !== 0) {
      p.reject(new ZkError(err, p.request.path));
      return true;
    }
    try {
      p.resolve(p.request.decode(r));
    } catch (error) {
      const detail = error instanceof Error ? error.message : "";
      p.reject(new ZkError(Code.marshallingError, p.request.path, detail));
    }
    return true;
  }

  /** The xid the next reply should carry, for error messages. */
  expectedXid(): number | undefined {
    return this.sent.peek()?.xid;
  }

  /** Fails the requests on the wire (their outcome is unknown); waiting ones stay queued. */
  failSent(error: ZkError): void {
    this.sink = null;
    this.writer.truncate(0);
    for (const p of this.sent.drain()) {
      const { path } = p.request;
      p.reject(path ? new ZkError(error.code, path, error.message) : error);
    }
  }

  /** Fails everything, sent or waiting (the session is over). */
  failAll(error: ZkError): void {
    this.failSent(error);
    for (const p of this.waiting.drain()) p.reject(error);
  }
}
