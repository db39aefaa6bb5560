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
import { walkStats } from "./walk.ts";

/** What must not change on one node. */
export interface Stamp {
  czxid: bigint;
  mzxid: bigint;
  version: number;
  aversion: number;
  type: NodeType;
}

/** Stamps of every persistent (container, TTL) node of a tree, by absolute path. */
export interface TreeStamps {
  root: string;
  nodes: Map<string, Stamp>;
}

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
  nodes: readonly { path: string; stat: Stat; type: NodeType }[],
): TreeStamps {
  const stamps = new Map<string, Stamp>();
  for (const node of nodes) {
    if (node.type === "ephemeral") continue;
    const { czxid, mzxid, version, aversion } = node.stat;
    stamps.set(node.path, { czxid, mzxid, version, aversion, type: node.type });
  }
  return { root, nodes: stamps };
}

/**
 * Compares two sets of stamps; paths of `now` are mapped onto `before.root` first.
 * @example compareStamps(copy.sourceStamps, stampsOf(nodesReadNow))
 */
export function compareStamps(before: TreeStamps, now: TreeStamps): StampChange[] {
  const changes: StampChange[] = [];
  for (const [nowPath, stamp] of now.nodes) {
    const path = rebase(nowPath, now.root, before.root);
    const old = before.nodes.get(path);
    if (!old) changes.push({ path, change: "added" });
    else if (old.czxid !== stamp.czxid) changes.push({ path, change: "recreated" });
    else if (old.type !== stamp.type) changes.push({ path, change: "type" });
    else if (old.mzxid !== stamp.mzxid || old.version !== stamp.version) {
      changes.push({ path, change: "data" });
    } else if (old.aversion !== stamp.aversion) changes.push({ path, change: "acl" });
  }
  for (const path of before.nodes.keys()) {
    if (!now.nodes.has(rebase(path, before.root, now.root)))
      changes.push({ path, change: "removed" });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Walks `root` again (stats only) and compares it with stamps taken earlier, e.g. those of a copy
 * (`CopyResult.sourceStamps`) or of a snapshot file (`readSnapshot(file).stamps`).
 * @example const { unchanged, changes } = await checkUnchanged(source, "/pegasus/c1", copy.sourceStamps);
 */
export async function checkUnchanged(
  session: ZkSession,
  root: string,
  before: TreeStamps,
): Promise<UnchangedResult> {
  const nodes: { path: string; stat: Stat; type: NodeType }[] = [];
  await walkStats(session, root, (node) => nodes.push(node));
  const now = stampsOf(root, nodes);
  const changes = compareStamps(before, now);
  return { unchanged: changes.length === 0, nodes: now.nodes.size, changes };
}
