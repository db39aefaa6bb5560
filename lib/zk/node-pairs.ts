/**
 * `NodePairs`: matches the nodes of two walks by their path below each root and compares each
 * pair as soon as both halves arrived. A node waits only until its twin comes, as a small summary
 * (the SHA-256 of its data, the ACL as one interned string, the type), so memory follows how far
 * the two walks drift apart, not the size of the trees.
 */
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
  /**
   * SHA-256 of the data, base64: ≈ 90 bytes held instead of the data (≈ 400 bytes for a Pegasus
   * partition), and cheaper to compute than a copy (257k Pegasus nodes: ≈ 0.25 s of CPU against
   * ≈ 0.7 s to copy them).
   */
  data: string;
  /** Sorted `scheme:id:perms` list, interned (most nodes share one). */
  acl: string;
  /** `persistent`, `container`, `ttl (N ms)`. */
  type: string;
}

/**
 * Pairs nodes of a source walk and a target walk.
 * @example
 * const pairs = new NodePairs();
 * pairs.see("source", "/a", node); pairs.see("target", "/b", twin);
 * pairs.finish(); // [] when identical
 */
export class NodePairs {
  /**
   * @param maxAhead Nodes one side may hold waiting for their twins before its walk pauses for
   *   the other.
   */
  constructor(private readonly maxAhead = 20_000) {}

  /** Nodes seen per side. */
  readonly count = { source: 0, target: 0 };
  private readonly waiting = new Map<string, Summary>();
  private readonly ahead = { source: 0, target: 0 };
  private readonly done = { source: false, target: false };
  private wakers: (() => void)[] = [];
  private readonly differences: Difference[] = [];
  private readonly acls = new Map<Acl[], string>(); // keyed by the shared lists walks return

  /**
   * Holds back the walk of `side` while it is far ahead of the other one. When both are (their
   * walks took branches in different orders), only the one holding more waits: so the two never
   * wait for each other, and what they hold stays bounded instead of growing on both sides.
   */
  gate(side: Side): Backpressure {
    const other: Side = side === "source" ? "target" : "source";
    const blocked = () => {
      const mine = this.ahead[side];
      const theirs = this.ahead[other];
      if (this.done[other] || mine <= this.maxAhead) return false;
      return theirs <= this.maxAhead || mine > theirs || (mine === theirs && side === "target");
    };
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
      const mine = this.summarize(side, node);
      if (side === "source") this.compare(path, mine, twin);
      else this.compare(path, twin, mine);
      return;
    }
    this.waiting.set(path, this.summarize(side, node));
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
    if (source.size !== target.size || source.data !== target.data) {
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

  /** A summary holding no part of the node (a view of its data would pin a whole reply). */
  private summarize(side: Side, node: ZNode): Summary {
    let acl = this.acls.get(node.acl);
    if (acl === undefined) {
      acl = formatAcl([...node.acl].sort(byAclKey));
      this.acls.set(node.acl, acl);
    }
    return {
      side,
      size: node.data.length,
      data: Bun.SHA256.hash(node.data, "base64"),
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
