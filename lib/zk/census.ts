/** Counting a subtree and finding its live ephemeral nodes. */
import { describeEphemeral, type EphemeralNode } from "./node-type.ts";
import type { ZkSession } from "./session.ts";
import { walkStats } from "./walk.ts";

/**
 * Number of znodes under and including `root` (0 if it does not exist): one
 * `getAllChildrenNumber` request on ZooKeeper 3.6+, a stat walk otherwise.
 * @example const n = await count(target, "/pegasus/c1"); // 0 means empty
 */
export async function count(session: ZkSession, root: string): Promise<number> {
  if (!(await session.exists(root))) return 0;
  const below = await session.allChildrenNumber(root);
  if (below !== null) return below + 1;
  let nodes = 0;
  await walkStats(session, root, () => nodes++);
  return nodes;
}

/**
 * Every live ephemeral node under `root`, with its owner session and data — e.g. Pegasus
 * `LOCKNODE…` nodes left under the old lock directory by a meta server still attached.
 * @example const held = await ephemerals(source, "/pegasus/c1/lock");
 */
export async function ephemerals(session: ZkSession, root: string): Promise<EphemeralNode[]> {
  const found: string[] = [];
  await walkStats(session, root, (node) => {
    if (node.type === "ephemeral") found.push(node.path);
  });
  const described: EphemeralNode[] = [];
  await Promise.all(
    found.map(async (path) => {
      const node = await session.get(path);
      if (node) described.push(describeEphemeral({ path, stat: node.stat, data: node.data }));
    }),
  );
  return described.sort((a, b) => (a.path < b.path ? -1 : 1));
}
