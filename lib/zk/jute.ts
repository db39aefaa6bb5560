/**
 * Jute, ZooKeeper's wire encoding: big-endian ints and longs, length-prefixed buffers and UTF-8
 * strings (-1 for null), count-prefixed vectors. {@link JuteWriter} appends frames to one growing
 * buffer (many requests go out in one socket write); {@link JuteReader} walks one response frame.
 */

/** A znode's Stat, with the 64-bit fields as bigint (zxids and `ephemeralOwner` need all 64 bits). */
export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  /** Milliseconds since the epoch. */
  ctime: number;
  /** Milliseconds since the epoch. */
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

/** One ACL entry: permission bits and an identity such as `world:anyone` or `digest:user:hash`. */
export interface Acl {
  /** Bit set of {@link Perms}. */
  perms: number;
  scheme: string;
  id: string;
}

/** ACL permission bits. */
export const Perms = { read: 1, write: 2, create: 4, delete: 8, admin: 16, all: 31 } as const;

/** `world:anyone:cdrwa`, ZooKeeper's `OPEN_ACL_UNSAFE` (what Pegasus uses everywhere). */
export const openAcl: readonly Acl[] = [{ perms: Perms.all, scheme: "world", id: "anyone" }];

/**
 * Appends jute values to a growing buffer; frames are length-prefixed.
 * @example const w = new JuteWriter(); w.beginFrame(); w.int(0); w.endFrame(); socket.write(w.take());
 */
export class JuteWriter {
  private buf: Buffer;
  private pos = 0;
  private frameStart = -1;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** Starts a frame: reserves its 4-byte length prefix. */
  beginFrame(): void {
    this.ensure(4);
    this.frameStart = this.pos;
    this.pos += 4;
  }

  /** Ends the frame begun last, writing its length; returns the frame's size without the prefix. */
  endFrame(): number {
    const size = this.pos - this.frameStart - 4;
    this.buf.writeInt32BE(size, this.frameStart);
    this.frameStart = -1;
    return size;
  }

  /** Drops everything after `length` (undoes a frame that could not be encoded). */
  truncate(length: number): void {
    this.pos = length;
    this.frameStart = -1;
  }

  /** Returns a copy of the bytes written (the socket keeps it) and empties the writer. */
  take(): Buffer {
    // allocUnsafe + copy is a memcpy; Buffer.from(view) is several times slower in Bun.
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    this.pos = 0;
    if (this.buf.length > 4 * 1024 * 1024) this.buf = Buffer.allocUnsafe(64 * 1024);
    return out;
  }

  int(value: number): void {
    this.ensure(4);
    this.buf.writeInt32BE(value, this.pos);
    this.pos += 4;
  }

  long(value: bigint): void {
    this.ensure(8);
    this.buf.writeBigInt64BE(value, this.pos);
    this.pos += 8;
  }

  bool(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 1 : 0;
  }

  buffer(value: Uint8Array | null): void {
    if (value === null) {
      this.int(-1);
      return;
    }
    this.int(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  string(value: string | null): void {
    if (value === null) {
      this.int(-1);
      return;
    }
    this.ensure(4 + value.length * 3);
    const bytes = this.buf.write(value, this.pos + 4, "utf8");
    this.buf.writeInt32BE(bytes, this.pos);
    this.pos += 4 + bytes;
  }

  acls(list: readonly Acl[]): void {
    this.int(list.length);
    for (const acl of list) {
      this.int(acl.perms);
      this.string(acl.scheme);
      this.string(acl.id);
    }
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + bytes));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}

/**
 * Decoded ACL lists by their encoded bytes. Nearly every node of a tree carries the same list,
 * so the last match is checked first, byte by byte, before building a key string.
 */
export class AclCache {
  private readonly byKey = new Map<string, Acl[]>();
  private lastBytes: Buffer = Buffer.alloc(0);
  private lastList: Acl[] = [];

  /** The list encoded in `buf[start, end)`, if seen before. */
  find(buf: Buffer, start: number, end: number): Acl[] | undefined {
    const last = this.lastBytes;
    if (last.length === end - start) {
      let i = 0;
      while (i < last.length && last[i] === buf[start + i]) i++;
      if (i === last.length) return this.lastList;
    }
    const known = this.byKey.get(buf.toString("latin1", start, end));
    if (known) this.remember(buf, start, end, known);
    return known;
  }

  /** Records a list decoded from `buf[start, end)`. */
  add(buf: Buffer, start: number, end: number, list: Acl[]): void {
    // A tree with unbounded distinct ACLs must not grow this without limit.
    if (this.byKey.size > 10_000) this.byKey.clear();
    this.byKey.set(buf.toString("latin1", start, end), list);
    this.remember(buf, start, end, list);
  }

  private remember(buf: Buffer, start: number, end: number, list: Acl[]): void {
    this.lastBytes = Buffer.from(buf.subarray(start, end));
    this.lastList = list;
  }
}

/** Thrown when a frame ends before the value being read. */
export class JuteError extends Error {}

/**
 * Reads jute values from one frame.
 * @example const r = new JuteReader(frame); const xid = r.int();
 */
export class JuteReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
    readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** Bytes left in the frame. */
  get remaining(): number {
    return this.end - this.pos;
  }

  int(): number {
    this.need(4);
    const value = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return value;
  }

  long(): bigint {
    this.need(8);
    const value = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return value;
  }

  bool(): boolean {
    this.need(1);
    return this.buf[this.pos++] !== 0;
  }

  /** A length-prefixed byte string, copied out of the frame (null is read as empty). */
  buffer(): Buffer {
    const length = this.int();
    if (length <= 0) return Buffer.alloc(0);
    this.need(length);
    const value = Buffer.from(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return value;
  }

  /** A length-prefixed byte string as a view into the frame (no copy; the frame must be owned). */
  bufferView(): Buffer {
    const length = this.int();
    if (length <= 0) return Buffer.alloc(0);
    this.need(length);
    const value = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  /** Skips a length-prefixed byte string. */
  skipBuffer(): void {
    const length = this.int();
    if (length <= 0) return;
    this.need(length);
    this.pos += length;
  }

  string(): string {
    const length = this.int();
    if (length <= 0) return "";
    this.need(length);
    const value = this.buf.toString("utf8", this.pos, this.pos + length);
    this.pos += length;
    return value;
  }

  strings(): string[] {
    const count = this.int();
    const list: string[] = [];
    for (let i = 0; i < count; i++) list.push(this.string());
    return list;
  }

  acls(): Acl[] {
    const count = this.int();
    const list: Acl[] = [];
    for (let i = 0; i < count; i++) {
      list.push({ perms: this.int(), scheme: this.string(), id: this.string() });
    }
    return list;
  }

  /**
   * An ACL list, shared with every earlier identical list seen through `cache` (a tree holds
   * few distinct ACLs; sharing them saves an array and its strings per node). Treat as frozen.
   */
  sharedAcls(cache: AclCache): Acl[] {
    const start = this.pos;
    const count = this.int();
    for (let i = 0; i < count; i++) {
      this.pos += 4;
      for (let j = 0; j < 2; j++) this.pos += 4 + Math.max(0, this.int());
    }
    this.need(0);
    const end = this.pos;
    const known = cache.find(this.buf, start, end);
    if (known) return known;
    this.pos = start;
    const list = this.acls();
    cache.add(this.buf, start, end, list);
    return list;
  }

  stat(): Stat {
    this.need(68);
    const b = this.buf;
    const p = this.pos;
    this.pos += 68;
    // Every stat of a walk is decoded, so avoid bigints where a number or a constant does:
    // times in ms fit a double exactly, and most nodes have no ephemeral owner.
    const persistent = b.readInt32BE(p + 44) === 0 && b.readInt32BE(p + 48) === 0;
    return {
      czxid: b.readBigInt64BE(p),
      mzxid: b.readBigInt64BE(p + 8),
      ctime: b.readInt32BE(p + 16) * 2 ** 32 + b.readUInt32BE(p + 20),
      mtime: b.readInt32BE(p + 24) * 2 ** 32 + b.readUInt32BE(p + 28),
      version: b.readInt32BE(p + 32),
      cversion: b.readInt32BE(p + 36),
      aversion: b.readInt32BE(p + 40),
      ephemeralOwner: persistent ? 0n : b.readBigInt64BE(p + 44),
      dataLength: b.readInt32BE(p + 52),
      numChildren: b.readInt32BE(p + 56),
      pzxid: b.readBigInt64BE(p + 60),
    };
  }

  private need(bytes: number): void {
    if (this.pos + bytes > this.end) {
      throw new JuteError(
        `Cannot decode a ZooKeeper reply as it is truncated: need ${bytes} bytes at offset ${this.pos}, frame ends at ${this.end}`,
      );
    }
  }
}
