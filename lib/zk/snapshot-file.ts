/**
 * The snapshot file format: one JSON object per line. Line 1 is a header, then one line per node
 * in walk order (parents first) with its path, type, data (base64), ACL and full stat (64-bit
 * fields as decimal strings), then a trailer with the node count and the SHA-256 of every byte
 * before the trailer. A file is written to `FILE.partial` and renamed only when complete, so a
 * file with the final name is always whole.
 */
import { createHash, type Hash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readSync, renameSync, writeSync } from "node:fs";
import { UsageError } from "../errors.ts";
import { parentOf } from "./address.ts";
import type { Acl, Stat } from "./jute.ts";
import type { NodeType, ZNode } from "./node-type.ts";
import { addStamp, TreeStamps } from "./stamps.ts";

const format = "pegasus-zk-migrate/snapshot";

/** The first line of a snapshot file. */
export interface SnapshotHeader {
  format: typeof format;
  version: 1;
  /** The snapshotted root path. */
  root: string;
  /** The connect string it was read from. */
  ensemble: string;
  /** ISO time the walk started. */
  created: string;
}

/** A snapshot file read back and verified. */
export interface Snapshot {
  header: SnapshotHeader;
  /** Parents first, ephemerals included. */
  nodes: ZNode[];
  /** Stamps of the persistent nodes, for `checkUnchanged` and `removeTree`. */
  stamps: TreeStamps;
  sha256: string;
}

/**
 * Writes a snapshot file node by node (parents first), in 256 KB appends.
 * @example
 * const writer = new SnapshotWriter("c1.zksnap", { root: "/pegasus/c1", ensemble: "zk1:2181" });
 * writer.add(node); const { sha256 } = writer.finish();
 */
export class SnapshotWriter {
  private readonly partial: string;
  private readonly fd: number;
  private readonly hash: Hash = createHash("sha256");
  private pending: string[] = [];
  private pendingBytes = 0;
  private bytes = 0;
  private nodes = 0;

  constructor(
    private readonly file: string,
    header: { root: string; ensemble: string },
  ) {
    this.partial = `${file}.partial`;
    this.fd = openSync(this.partial, "w", 0o600);
    const full: SnapshotHeader = {
      format,
      version: 1,
      ...header,
      created: new Date().toISOString(),
    };
    this.append(JSON.stringify(full));
  }

  /** Adds one node (the root first, then every node after its parent). */
  add(node: ZNode): void {
    this.append(encodeNode(node));
    this.nodes++;
  }

  /** Writes the trailer, syncs, and renames the file into place. */
  finish(): { fileBytes: number; sha256: string; nodes: number } {
    this.flush();
    const sha256 = this.hash.digest("hex");
    const trailer = `${JSON.stringify({ end: true, nodes: this.nodes, sha256 })}\n`;
    writeSync(this.fd, trailer);
    fsyncSync(this.fd);
    closeSync(this.fd);
    renameSync(this.partial, this.file);
    return { fileBytes: this.bytes + trailer.length, sha256, nodes: this.nodes };
  }

  /** Closes the partial file without renaming it (after a failure). */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed by finish()
    }
  }

  private append(line: string): void {
    this.pending.push(line, "\n");
    this.pendingBytes += line.length;
    if (this.pendingBytes > 256 * 1024) this.flush();
  }

  private flush(): void {
    const chunk = Buffer.from(this.pending.join(""));
    this.pending = [];
    this.pendingBytes = 0;
    this.hash.update(chunk);
    writeSync(this.fd, chunk);
    this.bytes += chunk.length;
  }
}

function encodeNode(node: ZNode): string {
  const s = node.stat;
  return JSON.stringify({
    path: node.path,
    type: node.type,
    ...(node.type === "ttl" ? { ttlMs: node.ttlMs } : {}),
    data: node.data.toString("base64"),
    acl: node.acl,
    stat: {
      czxid: `${s.czxid}`,
      mzxid: `${s.mzxid}`,
      ctime: s.ctime,
      mtime: s.mtime,
      version: s.version,
      cversion: s.cversion,
      aversion: s.aversion,
      ephemeralOwner: `${s.ephemeralOwner}`,
      dataLength: s.dataLength,
      numChildren: s.numChildren,
      pzxid: `${s.pzxid}`,
    },
  });
}

interface NodeLine {
  path: string;
  type: NodeType;
  ttlMs?: number;
  data: string;
  acl: Acl[];
  stat: Record<keyof Stat, string | number>;
}

/**
 * Reads a snapshot file, verifying its format, order and checksum, with every node in memory.
 * @throws {UsageError} If the file is missing, truncated, edited or not a snapshot.
 * @example const { nodes, stamps } = readSnapshot("c1.zksnap");
 */
export function readSnapshot(file: string): Snapshot {
  const reader = new SnapshotReader(file);
  const nodes = [...reader.nodes()];
  return { header: reader.header, nodes, stamps: reader.stamps, sha256: reader.sha256 };
}

/**
 * Streams a snapshot file one node at a time, checking the order as it goes; the checksum is
 * known only at the end, so a caller that must not act on a damaged file reads it twice: once
 * to verify (`verify()`), once to act.
 * @example
 * const reader = new SnapshotReader("c1.zksnap");
 * reader.verify(); // throws on a damaged file; header, stamps and counts are then known
 * for (const node of reader.nodes()) …
 */
export class SnapshotReader {
  header!: SnapshotHeader;
  /** Stamps of the persistent nodes (complete after a full pass). */
  stamps: TreeStamps = new TreeStamps("/");
  sha256 = "";
  /** Nodes and data bytes (complete after a full pass). */
  count = 0;
  dataBytes = 0;

  /**
   * @param check false for a second pass over a file already verified: the order is not checked
   *   again and no stamps are kept (they grow with the tree), only the checksum.
   */
  constructor(
    readonly file: string,
    private readonly check = true,
  ) {}

  /** Reads the whole file once, keeping only stamps and counts. @throws {UsageError} */
  verify(): this {
    for (const _ of this.nodes()) {
      // each node is checked and dropped
    }
    return this;
  }

  /** The nodes, parents first; throws at the first flaw, or at the end on a bad checksum. */
  *nodes(): Generator<ZNode> {
    const file = this.file;
    const bad = (why: string) =>
      new UsageError(`Cannot use ${file} as a snapshot: ${why}`, {
        hint: "Take a new one with `zk snapshot SRC -o FILE`",
      });
    let fd: number;
    try {
      fd = openSync(file, "r");
    } catch (error) {
      throw new UsageError(`Cannot open snapshot ${file}: ${(error as Error).message}`);
    }
    const hash = createHash("sha256");
    let header: SnapshotHeader | undefined;
    let trailer: { end: true; nodes: number; sha256: string } | undefined;
    let count = 0;
    let dataBytes = 0;
    let rest = Buffer.alloc(0);
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    const decodeLine = (raw: Buffer): ZNode | null => {
      if (trailer) throw bad("it has lines after its trailer");
      let value: unknown;
      try {
        value = JSON.parse(raw.toString());
      } catch {
        throw bad(`line ${count + 1 + (header ? 1 : 0)} is not JSON`);
      }
      let node: ZNode | null = null;
      if (!header) {
        header = value as SnapshotHeader;
        if (header?.format !== format || header.version !== 1)
          throw bad("it has no snapshot header");
        this.header = header;
        this.stamps = new TreeStamps(header.root);
      } else if ((value as { end?: boolean }).end === true) {
        trailer = value as typeof trailer;
        return null;
      } else {
        try {
          node = decodeNode(value as NodeLine);
        } catch {
          throw bad(`line ${count + 2} is not a node`);
        }
        if (this.check) {
          const isRoot = node.path === header.root;
          if (isRoot ? count > 0 : !this.stamps.has(parentOf(node.path))) {
            throw bad(`${node.path} comes before its parent`);
          }
          addStamp(this.stamps, node);
        }
        count++;
        dataBytes += node.data.length;
      }
      hash.update(raw);
      hash.update("\n");
      return node;
    };
    try {
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        const buf =
          rest.length > 0 ? Buffer.concat([rest, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let start = 0;
        for (let nl = buf.indexOf(10, start); nl !== -1; nl = buf.indexOf(10, start)) {
          const node = decodeLine(buf.subarray(start, nl));
          start = nl + 1;
          if (node) yield node;
        }
        rest = Buffer.from(buf.subarray(start));
      }
    } finally {
      closeSync(fd);
    }
    if (rest.length > 0 || !header || !trailer) throw bad("it is truncated (no trailer)");
    const sha256 = hash.digest("hex");
    if (trailer.sha256 !== sha256 || trailer.nodes !== count) {
      throw bad("its checksum does not match (the file is damaged or was edited)");
    }
    this.sha256 = sha256;
    this.count = count;
    this.dataBytes = dataBytes;
  }
}

function decodeNode(line: NodeLine): ZNode {
  const s = line.stat;
  const node: ZNode = {
    path: line.path,
    type: line.type,
    data: Buffer.from(line.data, "base64"),
    acl: line.acl,
    stat: {
      czxid: BigInt(s.czxid),
      mzxid: BigInt(s.mzxid),
      ctime: Number(s.ctime),
      mtime: Number(s.mtime),
      version: Number(s.version),
      cversion: Number(s.cversion),
      aversion: Number(s.aversion),
      ephemeralOwner: BigInt(s.ephemeralOwner),
      dataLength: Number(s.dataLength),
      numChildren: Number(s.numChildren),
      pzxid: BigInt(s.pzxid),
    },
  };
  if (line.type === "ttl") node.ttlMs = line.ttlMs;
  return node;
}
