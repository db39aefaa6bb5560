/**
 * `TreeStamps`: the stamps of every persistent node of a tree, kept compactly so a 257k-node tree
 * costs a few MB, not a Map of objects with bigints per node. A node is a row: its parent's row
 * and its own name (names interned, as Pegasus repeats `0`…`255` under every table), its zxids in
 * BigInt64Arrays, versions in Int32Arrays; paths are found through an open-addressing hash table
 * of row numbers, each hit confirmed by comparing the row's path name by name.
 */
import type { NodeType } from "./node-type.ts";

/** What must not change on one node. */
export interface Stamp {
  czxid: bigint;
  mzxid: bigint;
  version: number;
  aversion: number;
  type: NodeType;
}

const types: NodeType[] = ["persistent", "container", "ttl", "ephemeral"];
const noRow = -1;

/**
 * Stamps of the persistent (container, TTL) nodes of a tree, by absolute path under `root`.
 * Parents should be added before their children (walk order); other orders work, less compactly.
 * @example
 * const stamps = new TreeStamps("/pegasus/c1");
 * stamps.set("/pegasus/c1", { czxid: 5n, mzxid: 5n, version: 0, aversion: 0, type: "persistent" });
 * stamps.get("/pegasus/c1")?.mzxid; // 5n
 */
export class TreeStamps {
  private rows = 0;
  private parent = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private names: string[] = [];
  private czxid = new BigInt64Array(1024);
  private mzxid = new BigInt64Array(1024);
  private version = new Int32Array(1024);
  private aversion = new Int32Array(1024);
  private type = new Uint8Array(1024);
  private slots = new Int32Array(2048).fill(noRow);
  private readonly interned = new Map<string, string>();
  private lastParentPath = "";
  private lastParentRow = noRow;

  constructor(readonly root: string) {}

  /** Number of nodes. */
  get size(): number {
    return this.rows;
  }

  /** Records (or replaces) the stamp of `path`; returns its row. */
  set(path: string, stamp: Stamp): number {
    const rel = this.relative(path);
    const h = hash(rel);
    let row = this.find(rel, h);
    if (row === noRow) row = this.append(rel, h);
    this.czxid[row] = stamp.czxid;
    this.mzxid[row] = stamp.mzxid;
    this.version[row] = stamp.version;
    this.aversion[row] = stamp.aversion;
    this.type[row] = types.indexOf(stamp.type);
    return row;
  }

  /** The stamp of `path`, or undefined. */
  get(path: string): Stamp | undefined {
    const row = this.rowOf(path);
    return row === noRow ? undefined : this.stampAt(row);
  }

  /** True when `path` has a stamp. */
  has(path: string): boolean {
    return this.rowOf(path) !== noRow;
  }

  /** The row of `path` (0…size-1), or -1: lets a caller mark rows it has seen in a bitmap. */
  rowOf(path: string): number {
    if (path !== this.root && !path.startsWith(this.root === "/" ? "/" : `${this.root}/`)) {
      return noRow;
    }
    const rel = this.relative(path);
    return this.find(rel, hash(rel));
  }

  /** The stamp at a row. */
  stampAt(row: number): Stamp {
    return {
      czxid: this.czxid[row] as bigint,
      mzxid: this.mzxid[row] as bigint,
      version: this.version[row] as number,
      aversion: this.aversion[row] as number,
      type: types[this.type[row] as number] as NodeType,
    };
  }

  /**
   * How `stamp` differs from the stamp at `row` (the first of re-created, type, data, ACL), or
   * null; read from the arrays, as a stat walk calls it once per node.
   */
  changeAt(row: number, stamp: Stamp): "recreated" | "type" | "data" | "acl" | null {
    if (this.czxid[row] !== stamp.czxid) return "recreated";
    if (types[this.type[row] as number] !== stamp.type) return "type";
    if (this.mzxid[row] !== stamp.mzxid || this.version[row] !== stamp.version) return "data";
    if (this.aversion[row] !== stamp.aversion) return "acl";
    return null;
  }

  /** True when the node at `row` has this czxid and aversion: the same incarnation and ACL version. */
  pins(row: number, czxid: bigint, aversion: number): boolean {
    return this.czxid[row] === czxid && this.aversion[row] === aversion;
  }

  /** The absolute path at a row. */
  pathAt(row: number): string {
    const rel = this.relativeAt(row);
    if (this.root === "/") return rel === "" ? "/" : rel;
    return `${this.root}${rel}`;
  }

  /** Every (path, stamp), in the order they were added. */
  *entries(): IterableIterator<[string, Stamp]> {
    for (let row = 0; row < this.rows; row++) yield [this.pathAt(row), this.stampAt(row)];
  }

  private relative(path: string): string {
    if (path === this.root) return "";
    return this.root === "/" ? path : path.slice(this.root.length);
  }

  private relativeAt(row: number): string {
    const up = this.parent[row] as number;
    const name = this.names[row] as string;
    if (up === noRow) return name;
    return `${this.relativeAt(up)}/${name}`;
  }

  /** True when row's relative path equals rel[0, end). */
  private matches(row: number, rel: string, end: number): boolean {
    const name = this.names[row] as string;
    const up = this.parent[row] as number;
    if (up === noRow) return end === name.length && rel.startsWith(name, 0);
    const start = end - name.length;
    return (
      start > 0 &&
      rel.charCodeAt(start - 1) === 47 &&
      rel.startsWith(name, start) &&
      this.matches(up, rel, start - 1)
    );
  }

  private find(rel: string, h: number): number {
    const mask = this.slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const row = this.slots[slot] as number;
      if (row === noRow) return noRow;
      if (this.matches(row, rel, rel.length)) return row;
    }
  }

  private append(rel: string, h: number): number {
    if (this.rows === this.parent.length) this.grow();
    const row = this.rows++;
    const cut = rel.lastIndexOf("/");
    const parentRel = cut > 0 ? rel.slice(0, cut) : cut === 0 && rel !== "" ? "" : null;
    let up = noRow;
    if (parentRel !== null) {
      if (parentRel === this.lastParentPath && this.lastParentRow !== noRow)
        up = this.lastParentRow;
      else up = this.find(parentRel, hash(parentRel));
      this.lastParentPath = parentRel;
      this.lastParentRow = up;
    }
    this.parent[row] = up;
    this.hashes[row] = h;
    this.names[row] = up === noRow ? rel : this.intern(rel.slice(cut + 1));
    if (this.rows * 2 > this.slots.length) this.rehash();
    else this.place(h, row);
    return row;
  }

  private intern(name: string): string {
    const known = this.interned.get(name);
    if (known !== undefined) return known;
    if (this.interned.size < 65_536) this.interned.set(name, name);
    return name;
  }

  private place(h: number, row: number): void {
    const mask = this.slots.length - 1;
    let slot = h & mask;
    while (this.slots[slot] !== noRow) slot = (slot + 1) & mask;
    this.slots[slot] = row;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(noRow);
    for (let row = 0; row < this.rows; row++) this.place(this.hashes[row] as number, row);
  }

  private grow(): void {
    const size = this.parent.length * 2;
    const widen = <T extends Int32Array | BigInt64Array | Uint8Array>(from: T, to: T): T => {
      to.set(from as never);
      return to;
    };
    this.parent = widen(this.parent, new Int32Array(size));
    this.hashes = widen(this.hashes, new Int32Array(size));
    this.czxid = widen(this.czxid, new BigInt64Array(size));
    this.mzxid = widen(this.mzxid, new BigInt64Array(size));
    this.version = widen(this.version, new Int32Array(size));
    this.aversion = widen(this.aversion, new Int32Array(size));
    this.type = widen(this.type, new Uint8Array(size));
  }
}

/** FNV-1a over the UTF-16 code units. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}
