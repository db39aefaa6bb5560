/**
 * Stamps: per node, the stat fields that change whenever the node is re-created (czxid), its data
 * changes (mzxid, version) or its ACL changes (aversion). Comparing the stamps of a fresh
 * stat-only walk with those taken earlier (during a copy, or in a snapshot file) proves that the
 * persistent tree did not change in between. Ephemeral nodes are left out, so a Pegasus meta
 * taking or dropping its `LOCKNODE` does not count as a change (live ephemerals are reported by
 * `ephemerals()` instead); so are the parents' `cversion`/`pzxid`, which such churn moves.
 */
import { rebase } from "./address.ts";
import type { Stat } from "./jute.ts";
import type { NodeType } from "./node-type.ts";
import type { ZkSession } from "./session.ts";
import { type Stamp, TreeStamps } from "./stamp-table.ts";
import { type WalkOptions, walkStats } from "./walk.ts";

export { type Stamp, TreeStamps } from "./stamp-table.ts";

/** One difference between two sets of stamps. */
export interface StampChange {
  path: string;
  change: "added" | "removed" | "recreated" | "data" | "acl" | "type";
}

/** The result of {@link checkUnchanged}. */
export interface UnchangedResult {
  unchanged: boolean;
  /** Persistent nodes compared (in the fresh walk). */
  nodes: number;
  changes: StampChange[];
}

/** Stamps of the nodes of the tree at `root` (ephemerals left out). */
export function stampsOf(
  root: string,
  nodes: Iterable<{ path: string; stat: Stat; type: NodeType }>,
): TreeStamps {
  const stamps = new TreeStamps(root);
  for (const node of nodes) addStamp(stamps, node);
  return stamps;
}

/** Records the stamp of one node and returns its row; ephemerals are left out (-1). */
export function addStamp(
  stamps: TreeStamps,
  node: { path: string; stat: Stat; type: NodeType },
): number {
  if (node.type === "ephemeral") return -1;
  const { czxid, mzxid, version, aversion } = node.stat;
  return stamps.set(node.path, { czxid, mzxid, version, aversion, type: node.type });
}

/**
 * Compares two sets of stamps; paths of `now` are mapped onto `before.root` first.
 * @example compareStamps(copy.sourceStamps, stampsOf(root, nodesReadNow))
 */
export function compareStamps(before: TreeStamps, now: TreeStamps): StampChange[] {
  const comparer = new StampComparer(before, now.root);
  for (const [path, stamp] of now.entries()) comparer.see(path, stamp);
  return comparer.finish();
}

/**
 * Compares stamps seen one node at a time (during a walk) with stamps taken earlier, holding
 * one bit per earlier node besides the changes found.
 * @example const c = new StampComparer(copy.sourceStamps, root); walk(…, (n) => c.see(n.path, …));
 */
export class StampComparer {
  private readonly seen: Uint8Array;
  private readonly changes: StampChange[] = [];
  /** Nodes compared. */
  nodes = 0;

  constructor(
    private readonly before: TreeStamps,
    private readonly nowRoot: string,
  ) {
    this.seen = new Uint8Array(before.size);
  }

  /** Compares one node as it is now (ephemerals are ignored). */
  see(nowPath: string, stamp: Stamp): void {
    if (stamp.type === "ephemeral") return;
    this.nodes++;
    const same = this.nowRoot === this.before.root;
    const path = same ? nowPath : rebase(nowPath, this.nowRoot, this.before.root);
    const row = this.before.rowOf(path);
    if (row === -1) {
      this.changes.push({ path, change: "added" });
      return;
    }
    this.seen[row] = 1;
    const change = this.before.changeAt(row, stamp);
    if (change !== null) this.changes.push({ path, change });
  }

  /** Every change, sorted by path: those seen, then earlier nodes never seen (removed). */
  finish(): StampChange[] {
    for (let row = 0; row < this.before.size; row++) {
      if (this.seen[row] === 0)
        this.changes.push({ path: this.before.pathAt(row), change: "removed" });
    }
    return this.changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
}

/**
 * Walks `root` again (stats only, nothing kept per node) and compares it with stamps taken
 * earlier, e.g. those of a copy (`CopyResult.sourceStamps`) or of a snapshot file.
 * @example const { unchanged, changes } = await checkUnchanged(source, "/pegasus/c1", copy.sourceStamps);
 */
export async function checkUnchanged(
  session: ZkSession,
  root: string,
  before: TreeStamps,
  options: Pick<WalkOptions, "signal"> = {},
): Promise<UnchangedResult> {
  const comparer = new StampComparer(before, root);
  await walkStats(session, root, (node) => comparer.see(node.path, stampFrom(node)), options);
  const changes = comparer.finish();
  return { unchanged: changes.length === 0, nodes: comparer.nodes, changes };
}

/** The stamp of a node as read. */
export function stampFrom(node: { stat: Stat; type: NodeType }): Stamp {
  const { czxid, mzxid, version, aversion } = node.stat;
  return { czxid, mzxid, version, aversion, type: node.type };
}
