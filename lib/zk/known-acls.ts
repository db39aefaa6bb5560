/**
 * `KnownAcls`: the ACL each node of a tree had when a walk read it, pinned by the stamps read
 * with it. A node's ACL changes only through setACL, which bumps its aversion, or by being
 * re-created, which gives it a new czxid; so a later read whose stat shows the same czxid and
 * aversion would get the same ACL back, and a walk can skip that node's getACL. That request is
 * the one per node that multiRead cannot carry, and most of a content read's cost (ZooKeeper 3.8
 * spends ≈ 30 µs of CPU on each): with the ACLs known, re-reading a 257k-node tree costs what a
 * stat walk costs. Kept by the rows of a `TreeStamps`, one index per row into the few distinct
 * ACL lists, and saved to a file so that a step run in another process can use them.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { UsageError } from "../errors.ts";
import type { Acl, Stat } from "./jute.ts";
import type { NodeType } from "./node-type.ts";
import { TreeStamps } from "./stamp-table.ts";

const fileFormat = "pegasus-zk-migrate known ACLs v1";

/**
 * ACLs as read, by the rows of `stamps`, for the ensemble `ensemble`.
 * @example
 * const known = new KnownAcls(copy.sourceStamps, source.address.connect);
 * known.record(row, node.acl);
 * known.aclOf(path, statReadNow); // the ACL, or undefined: ask the server
 */
export class KnownAcls {
  private indexes = new Int32Array(1024).fill(-1);
  private readonly lists: Acl[][] = [];
  private readonly listIndex = new Map<Acl[], number>();
  private readonly textIndex = new Map<string, number>();

  constructor(
    readonly stamps: TreeStamps,
    readonly ensemble: string,
  ) {}

  /** Records the ACL read at `row` of the stamps (recorded with the stat it pins). */
  record(row: number, acl: Acl[]): void {
    if (row < 0) return;
    if (row >= this.indexes.length) {
      let size = this.indexes.length;
      while (size <= row) size *= 2;
      const wider = new Int32Array(size).fill(-1);
      wider.set(this.indexes);
      this.indexes = wider;
    }
    this.indexes[row] = this.indexOf(acl);
  }

  /** The ACL recorded at `row`, whatever the node's stamps are now. */
  aclAt(row: number): Acl[] | undefined {
    const index = this.indexAt(row);
    return index === -1 ? undefined : this.lists[index];
  }

  /** These ACLs, if they were read on the ensemble of `session` under `root`; else undefined. */
  usableFor(session: { address: { connect: string } }, root: string): KnownAcls | undefined {
    return session.address.connect === this.ensemble && root === this.stamps.root
      ? this
      : undefined;
  }

  /** The ACL `path` had when read, if `stat` (read now) has the same czxid and aversion. */
  aclOf(path: string, stat: Stat): Acl[] | undefined {
    const row = this.stamps.rowOf(path);
    if (row === -1 || !this.stamps.pins(row, stat.czxid, stat.aversion)) return undefined;
    return this.aclAt(row);
  }

  /**
   * Writes them to `file`: a header line, then one line per row (stamps, ACL index, path).
   * @example known.save(ctx.journal.newBackupFile("zk/known-acls-source.txt"));
   */
  save(file: string): void {
    const fd = openSync(file, "w", 0o600);
    try {
      const header = { format: fileFormat, ensemble: this.ensemble, root: this.stamps.root };
      writeSync(fd, `${JSON.stringify({ ...header, acls: this.lists })}\n`);
      let chunk = "";
      let row = 0;
      for (const [path, s] of this.stamps.entries()) {
        chunk += `${s.czxid} ${s.mzxid} ${s.version} ${s.aversion} ${s.type} ${this.indexAt(row)} ${path}\n`;
        row++;
        if (chunk.length > 1 << 20) {
          writeSync(fd, chunk);
          chunk = "";
        }
      }
      writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads a file written by {@link save}.
   * @throws {UsageError} If it is not such a file.
   */
  static load(file: string): KnownAcls {
    const text = readFileSync(file, "utf8");
    const firstLine = text.indexOf("\n");
    let header: { format?: string; ensemble?: string; root?: string; acls?: Acl[][] };
    try {
      header = JSON.parse(text.slice(0, firstLine));
    } catch {
      header = {};
    }
    if (header.format !== fileFormat || !header.root || !header.acls || !header.ensemble) {
      throw new UsageError(`Cannot read ${file} as it is not a known-ACLs file of this tool`);
    }
    const known = new KnownAcls(new TreeStamps(header.root), header.ensemble);
    for (const acl of header.acls) known.indexOf(acl);
    let at = firstLine + 1;
    while (at < text.length) {
      const end = text.indexOf("\n", at);
      const line = text.slice(at, end === -1 ? text.length : end);
      at = end === -1 ? text.length : end + 1;
      const fields = line.split(" ", 6);
      const path = line.slice(fields.join(" ").length + 1);
      const [czxid, mzxid, version, aversion, type, index] = fields as string[];
      const row = known.stamps.set(path, {
        czxid: BigInt(czxid as string),
        mzxid: BigInt(mzxid as string),
        version: Number(version),
        aversion: Number(aversion),
        type: type as NodeType,
      });
      const acl = header.acls[Number(index)];
      if (acl) known.record(row, acl);
    }
    return known;
  }

  /** The index of the list recorded at `row`, or -1. */
  private indexAt(row: number): number {
    return row < this.indexes.length ? (this.indexes[row] as number) : -1;
  }

  private indexOf(acl: Acl[]): number {
    let index = this.listIndex.get(acl);
    if (index !== undefined) return index;
    // Walks share identical lists between nodes, so most nodes cost the lookup above.
    const text = JSON.stringify(acl);
    index = this.textIndex.get(text);
    if (index === undefined) {
      index = this.lists.push(acl) - 1;
      this.textIndex.set(text, index);
    }
    if (this.listIndex.size > 10_000) this.listIndex.clear();
    this.listIndex.set(acl, index);
    return index;
  }
}
