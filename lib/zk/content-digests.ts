/**
 * `ContentDigests`: what one read of a tree found in each node — the first 128 bits of the
 * SHA-256 of its data, its data length, its ACL and its type — by the rows of a `TreeStamps`,
 * in typed arrays (≈ 28 bytes a node; the few distinct ACLs and types are kept once). It lets a
 * later read of another tree (the copy's target) be compared with the first tree as it was read,
 * without reading the first tree's content again; differences come out as `zk diff` says them.
 */
import { byAclKey, type Difference } from "./node-pairs.ts";
import { formatAcl, type ZNode } from "./node-type.ts";

const digestBytes = 16;

/**
 * Content summaries of a tree's nodes, by stamp row.
 * @example
 * const digests = new ContentDigests();
 * digests.record(stamps.rowOf(node.path), node);
 * digests.compare(row, twinOnTarget, "/apps/t1", differences);
 */
export class ContentDigests {
  private rows = 0;
  private digests = new Uint8Array(1024 * digestBytes);
  private sizes = new Int32Array(1024);
  private acls = new Int32Array(1024);
  private types = new Int32Array(1024);
  private readonly texts: string[] = [];
  private readonly textRows = new Map<string, number>();
  /** Keyed by the ACL lists walks share between nodes: most nodes cost one lookup. */
  private readonly aclTexts = new Map<readonly unknown[], number>();
  private readonly scratch = new Uint8Array(64);

  /** Rows recorded (the highest row + 1). */
  get size(): number {
    return this.rows;
  }

  /** Records the content of `node` at `row` (a row of the tree's `TreeStamps`). */
  record(row: number, node: ZNode): void {
    if (row >= this.sizes.length) this.grow(row + 1);
    if (row >= this.rows) this.rows = row + 1;
    this.digests.set(this.digestOf(node.data), row * digestBytes);
    this.sizes[row] = node.data.length;
    this.acls[row] = this.aclIndex(node);
    this.types[row] = this.textIndex(typeText(node));
  }

  /**
   * Compares `node` with the content recorded at `row` and appends each difference (type, data,
   * ACL: the order and wording of `zk diff`) under `path`, relative to the compared roots.
   */
  compare(row: number, node: ZNode, path: string, differences: Difference[]): void {
    const type = typeText(node);
    const recordedType = this.texts[this.types[row] as number] as string;
    if (type !== recordedType) {
      differences.push({ path, kind: "type", source: recordedType, target: type });
    }
    const size = this.sizes[row] as number;
    const digest = this.digestOf(node.data);
    const at = row * digestBytes;
    let sameData = size === node.data.length;
    for (let i = 0; sameData && i < digestBytes; i++) {
      sameData = this.digests[at + i] === digest[i];
    }
    if (!sameData) {
      const target = `${node.data.length} bytes`;
      differences.push({ path, kind: "data", source: `${size} bytes`, target });
    }
    const acl = this.aclIndex(node);
    if (acl !== this.acls[row]) {
      const source = this.texts[this.acls[row] as number] as string;
      differences.push({ path, kind: "acl", source, target: this.texts[acl] as string });
    }
  }

  /** True when `data` is, by length and digest, the data recorded at `row`. */
  sameData(row: number, data: Buffer): boolean {
    if (this.sizes[row] !== data.length) return false;
    const digest = this.digestOf(data);
    const at = row * digestBytes;
    for (let i = 0; i < digestBytes; i++) if (this.digests[at + i] !== digest[i]) return false;
    return true;
  }

  /** The recorded node at `row` as `zk diff` describes a missing one: `persistent, 412 bytes`. */
  describe(row: number): string {
    return `${this.texts[this.types[row] as number]}, ${this.sizes[row]} bytes`;
  }

  private digestOf(data: Buffer): Uint8Array {
    Bun.CryptoHasher.hash("sha256", data, this.scratch);
    return this.scratch.subarray(0, digestBytes);
  }

  private aclIndex(node: ZNode): number {
    let index = this.aclTexts.get(node.acl);
    if (index === undefined) {
      index = this.textIndex(formatAcl([...node.acl].sort(byAclKey)));
      if (this.aclTexts.size > 10_000) this.aclTexts.clear();
      this.aclTexts.set(node.acl, index);
    }
    return index;
  }

  private textIndex(text: string): number {
    let index = this.textRows.get(text);
    if (index === undefined) {
      index = this.texts.push(text) - 1;
      this.textRows.set(text, index);
    }
    return index;
  }

  private grow(rows: number): void {
    let size = this.sizes.length;
    while (size < rows) size *= 2;
    const widen = <T extends Int32Array | Uint8Array>(from: T, to: T): T => {
      to.set(from as never);
      return to;
    };
    this.digests = widen(this.digests, new Uint8Array(size * digestBytes));
    this.sizes = widen(this.sizes, new Int32Array(size));
    this.acls = widen(this.acls, new Int32Array(size));
    this.types = widen(this.types, new Int32Array(size));
  }
}

/** A node as `zk diff` describes a missing or extra one: `persistent, 412 bytes`. */
export function describeContent(node: ZNode): string {
  return `${typeText(node)}, ${node.data.length} bytes`;
}

/** The type as `zk diff` names it: `persistent`, `container`, `ttl (N ms)`. */
function typeText(node: ZNode): string {
  return node.type === "ttl" ? `ttl (${node.ttlMs} ms)` : node.type;
}
