/**
 * The session-level frames of the wire protocol — ConnectRequest/Response, auth and ping — and
 * the splitter that cuts a TCP byte stream into length-prefixed frames in one loop (no recursion,
 * no re-concatenation of what was already parsed).
 */
import { type JuteReader, JuteWriter } from "./jute.ts";
import { Op, Xid } from "./protocol.ts";

/** What a client presents when it (re)connects. */
export interface SessionHandle {
  lastZxid: bigint;
  timeoutMs: number;
  sessionId: bigint;
  password: Buffer;
}

/** Encodes a ConnectRequest frame (protocol version 0, not read-only). */
export function connectFrame(handle: SessionHandle): Buffer {
  const w = new JuteWriter(64);
  w.beginFrame();
  w.int(0);
  w.long(handle.lastZxid);
  w.int(handle.timeoutMs);
  w.long(handle.sessionId);
  w.buffer(handle.password);
  w.bool(false);
  w.endFrame();
  return w.take();
}

/** Decodes a ConnectResponse; a timeout ≤ 0 means the server considers the session expired. */
export function readConnectResponse(r: JuteReader): Omit<SessionHandle, "lastZxid"> {
  r.int();
  const timeoutMs = r.int();
  const sessionId = r.long();
  const password = r.buffer();
  return { timeoutMs, sessionId, password };
}

/** Appends an auth packet frame (xid -4). */
export function writeAuthFrame(w: JuteWriter, scheme: string, credential: Buffer): void {
  w.beginFrame();
  w.int(Xid.auth);
  w.int(Op.auth);
  w.int(0);
  w.string(scheme);
  w.buffer(credential);
  w.endFrame();
}

/** Appends a ping frame (xid -2). */
export function writePingFrame(w: JuteWriter): void {
  w.beginFrame();
  w.int(Xid.ping);
  w.int(Op.ping);
  w.endFrame();
}

/**
 * Cuts a byte stream into frames. Bytes of an incomplete frame are kept until the rest arrives;
 * they are joined once, when the frame is complete.
 * @example splitter.push(chunk, (buf, start, end) => handle(new JuteReader(buf, start, end)));
 */
export class FrameSplitter {
  private chunks: Buffer[] = [];
  private buffered = 0;

  /** Forgets any partial frame (a new connection starts clean). */
  reset(): void {
    this.chunks = [];
    this.buffered = 0;
  }

  /**
   * Adds a chunk and calls `onFrame` for every complete frame; stops early when it returns false.
   */
  push(chunk: Buffer, onFrame: (buf: Buffer, start: number, end: number) => boolean): void {
    let buf = chunk;
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      const head = this.chunks[0] as Buffer;
      const need = head.length >= 4 ? 4 + head.readInt32BE(0) : 4;
      if (this.buffered < need) return;
      buf = Buffer.concat(this.chunks, this.buffered);
      this.reset();
    }
    let pos = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos);
      if (buf.length - pos - 4 < size) break;
      if (!onFrame(buf, pos + 4, pos + 4 + size)) return;
      pos += 4 + size;
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      this.chunks = [rest];
      this.buffered = rest.length;
    }
  }
}

/** A first-in first-out queue with O(1) shift (an array and a moving head). */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes and returns everything. */
  drain(): T[] {
    const all = this.items.slice(this.head) as T[];
    this.items = [];
    this.head = 0;
    return all;
  }
}
