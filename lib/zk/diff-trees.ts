/**
 * `diffTrees`: reads two subtrees (in parallel, each after a `sync`) and lists every difference:
 * nodes missing from the target, extra on the target, and nodes whose data, ACL or type differ.
 * Ephemeral nodes are left out on both sides and listed.
 */
import { UsageError } from "../errors.ts";
import { rebase } from "./address.ts";
import {
  describeEphemeral,
  type EphemeralNode,
  formatAcl,
  sameAcl,
  type ZNode,
} from "./node-type.ts";
import type { ZkSession } from "./session.ts";
import { walkContent } from "./walk.ts";

/** One difference, with the path relative to the compared roots (`/` is the root itself). */
export interface Difference {
  path: string;
  kind: "missing" | "extra" | "data" | "acl" | "type";
  /** Short description of each side, e.g. the ACL or `412 bytes`. */
  source?: string;
  target?: string;
}

/** The result of {@link diffTrees}. */
export interface DiffResult {
  source: string;
  target: string;
  identical: boolean;
  /** Persistent (and container, TTL) nodes compared on each side. */
  sourceNodes: number;
  targetNodes: number;
  differences: Difference[];
  skippedEphemerals: { source: EphemeralNode[]; target: EphemeralNode[] };
  durationMs: number;
}

/** Options of {@link diffTrees}. */
export interface DiffOptions {
  /** @default the source session's address path */
  from?: string;
  /** @default the target session's address path */
  to?: string;
}

/**
 * Compares the subtree `from` on `source` with `to` on `target`, node by node.
 * @example const { identical, differences } = await diffTrees(oldZk, newZk);
 */
export async function diffTrees(
  source: ZkSession,
  target: ZkSession,
  options: DiffOptions = {},
): Promise<DiffResult> {
  const started = performance.now();
  const from = options.from ?? source.address.path;
  const to = options.to ?? target.address.path;
  const [left, right] = await Promise.all([readTree(source, from), readTree(target, to)]);
  if (left.missing) {
    throw new UsageError(`Cannot compare ${from} on ${source.label} as it does not exist`);
  }
  const differences: Difference[] = [];
  for (const [path, node] of left.nodes) {
    const other = right.nodes.get(path);
    if (!other) {
      differences.push({ path, kind: "missing", source: describe(node) });
      continue;
    }
    if (node.type !== other.type || (node.ttlMs ?? 0) !== (other.ttlMs ?? 0)) {
      differences.push({ path, kind: "type", source: typeName(node), target: typeName(other) });
    }
    if (!node.data.equals(other.data)) {
      differences.push({
        path,
        kind: "data",
        source: `${node.data.length} bytes`,
        target: `${other.data.length} bytes`,
      });
    }
    if (!sameAcl(node.acl, other.acl)) {
      differences.push({
        path,
        kind: "acl",
        source: formatAcl(node.acl),
        target: formatAcl(other.acl),
      });
    }
  }
  for (const [path, node] of right.nodes) {
    if (!left.nodes.has(path)) differences.push({ path, kind: "extra", target: describe(node) });
  }
  differences.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    source: `${source.address.connect}${from}`,
    target: `${target.address.connect}${to}`,
    identical: differences.length === 0,
    sourceNodes: left.nodes.size,
    targetNodes: right.nodes.size,
    differences,
    skippedEphemerals: { source: left.ephemerals, target: right.ephemerals },
    durationMs: Math.round(performance.now() - started),
  };
}

/** Every non-ephemeral node by path relative to `root`, and the ephemerals. */
async function readTree(
  session: ZkSession,
  root: string,
): Promise<{ nodes: Map<string, ZNode>; ephemerals: EphemeralNode[]; missing: boolean }> {
  const nodes = new Map<string, ZNode>();
  const ephemerals: EphemeralNode[] = [];
  const walked = await walkContent(session, root, (node) => {
    if (node.type === "ephemeral") ephemerals.push(describeEphemeral(node));
    else nodes.set(rebase(node.path, root, "/"), node);
  });
  return { nodes, ephemerals, missing: walked.rootMissing };
}

function typeName(node: ZNode): string {
  return node.type === "ttl" ? `ttl (${node.ttlMs} ms)` : node.type;
}

function describe(node: ZNode): string {
  return `${typeName(node)}, ${node.data.length} bytes`;
}
