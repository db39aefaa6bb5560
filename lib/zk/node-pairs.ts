/**
 * `NodePairs`: matches the nodes of two walks by their path below each root and compares each
 * pair as soon as both halves arrived. A node waits only until its twin comes, as a small summary
 * (a copy of data up to 1 KB, a SHA-256 of larger data, the ACL as one interned string, the
 * type), so memory follows how far the two walks drift apart, not the size of the trees.
 */
import { createHash } from "node:crypto";
import { rebase } from "./address.ts";
import type { Acl } from "./jute.ts";
import { formatAcl, type ZNode } from "./node-type.ts";
import type { Backpressure } from "./walk.ts";

/** One difference, with the path relative to the compared roots (`/` is the root itself). */
export interface Difference {
  path: string;
  kind: "missing" | "extra" | "data" | "acl" | "type";
  /** Short description of each side, e.g. the ACL or `412 bytes`. */
  source?: string;
  target?: string;
}

type Side = "source" | "target";

/** What is compared of a node. */
interface Summary {
  side: Side;
  size: number;
  /** The data itself (small nodes) or its SHA-256 (large ones). */
  data: Buffer | string;
  /** Sorted `scheme:id:perms` list, interned (most nodes share one). */
  acl: string;
  /** `persistent`, `container`, `ttl (N ms)`. */
  type: string;
}

const keptBytes = 1024;
/** Nodes one side may hold waiting for their twins before its walk pauses for the other. */
const maxAhead = 20_000;

/**
 * Pairs nodes of a source walk and a target walk.
 * @example
 * const pairs = new NodePairs();
 * pairs.see("source", "/a", node); pairs.see("target", "/b", twin);
 * pairs.finish(); // [] when identical
 */
export class NodePairs {
  /** Nodes seen per side. */
  readonly count = { source: 0, target: 0 };
  private readonly waiting = new Map<string, Summary>();
  private readonly ahead = { source: 0, target: 0 };
  private readonly done = { source: false, target: false };
  private wakers: (() => void)[] = [];
  private readonly differences: Difference[] = [];
  private readonly acls = new Map<Acl[], string>(); // keyed by the shared lists walks return

  /**
   * Holds back the walk of `side` while it is far ahead of the other one (and the other one is
   * not: so the two never wait for each other, whatever the trees hold).
   */
  gate(side: Side): Backpressure {
    const other: Side = side === "source" ? "target" : "source";
    const blocked = () =>
      this.ahead[side] > maxAhead && this.ahead[other] <= maxAhead && !this.done[other];
    return {
      blocked,
      drained: () =>
        new Promise<void>((resolve) => {
          const check = () => (blocked() ? this.wakers.push(check) : resolve());
          check();
        }),
    };
  }

  /** Marks the walk of `side` as finished (the other one need not wait for it any more). */
  finished(side: Side): void {
    this.done[side] = true;
    this.wake();
  }

  /** Takes one (non-ephemeral) node of `side`, read under `root`. */
  see(side: Side, root: string, node: ZNode): void {
    this.count[side]++;
    const path = rebase(node.path, root, "/");
    const twin = this.waiting.get(path);
    if (twin && twin.side !== side) {
      this.waiting.delete(path);
      this.ahead[twin.side]--;
      if (this.wakers.length > 0) this.wake();
      const mine = this.summarize(side, node, twin.data instanceof Buffer ? "view" : "hash");
      if (side === "source") this.compare(path, mine, twin);
      else this.compare(path, twin, mine);
      return;
    }
    this.waiting.set(
      path,
      this.summarize(side, node, node.data.length <= keptBytes ? "copy" : "hash"),
    );
    this.ahead[side]++;
    if (this.wakers.length > 0) this.wake();
  }

  /** Every difference, sorted by path; nodes without a twin are missing or extra. */
  finish(): Difference[] {
    for (const [path, node] of this.waiting) {
      if (node.side === "source") {
        this.differences.push({ path, kind: "missing", source: describe(node) });
      } else this.differences.push({ path, kind: "extra", target: describe(node) });
    }
    this.waiting.clear();
    return this.differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  private wake(): void {
    const wakers = this.wakers;
    this.wakers = [];
    for (const waker of wakers) waker();
  }

  private compare(path: string, source: Summary, target: Summary): void {
    if (source.type !== target.type) {
      this.differences.push({ path, kind: "type", source: source.type, target: target.type });
    }
    const sameData =
      source.size === target.size &&
      (source.data instanceof Buffer && target.data instanceof Buffer
        ? source.data.equals(target.data)
        : source.data === target.data);
    if (!sameData) {
      this.differences.push({
        path,
        kind: "data",
        source: `${source.size} bytes`,
        target: `${target.size} bytes`,
      });
    }
    if (source.acl !== target.acl) {
      this.differences.push({ path, kind: "acl", source: source.acl, target: target.acl });
    }
  }

  /**
   * A summary holding the data itself (a view, for a comparison made at once; a copy, to wait:
   * a view would keep the whole shared reply buffer alive) or its hash.
   */
  private summarize(side: Side, node: ZNode, data: "view" | "copy" | "hash"): Summary {
    let acl = this.acls.get(node.acl);
    if (acl === undefined) {
      acl = formatAcl([...node.acl].sort(byAclKey));
      this.acls.set(node.acl, acl);
    }
    return {
      side,
      size: node.data.length,
      data:
        data === "view"
          ? node.data
          : data === "copy"
            ? Buffer.from(node.data)
            : createHash("sha256").update(node.data).digest("base64"),
      acl,
      type: node.type === "ttl" ? `ttl (${node.ttlMs} ms)` : node.type,
    };
  }
}

/** Orders ACL entries as `zk diff` compares them (scheme, id, perms). */
export function byAclKey(a: Acl, b: Acl): number {
  const left = `${a.scheme}:${a.id}:${a.perms}`;
  const right = `${b.scheme}:${b.id}:${b.perms}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

function describe(node: Summary): string {
  return `${node.type}, ${node.size} bytes`;
}
