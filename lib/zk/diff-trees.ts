/**
 * `diffTrees`: reads two subtrees (in parallel, each after a `sync`) and lists every difference:
 * nodes missing from the target, extra on the target, and nodes whose data, ACL or type differ.
 * Ephemeral nodes are left out on both sides and listed.
 */
import { createHash } from "node:crypto";
import { UsageError } from "../errors.ts";
import { rebase } from "./address.ts";
import type { Acl } from "./jute.ts";
import { describeEphemeral, type EphemeralNode, formatAcl } from "./node-type.ts";
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
    if (node.type !== other.type) {
      differences.push({ path, kind: "type", source: node.type, target: other.type });
    }
    if (node.sha256 !== other.sha256) {
      differences.push({
        path,
        kind: "data",
        source: `${node.size} bytes`,
        target: `${other.size} bytes`,
      });
    }
    if (node.acl !== other.acl) {
      differences.push({ path, kind: "acl", source: node.acl, target: other.acl });
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

/** What is compared of a node: its data's SHA-256 (not the data), ACL and type. */
interface Summary {
  sha256: string;
  size: number;
  /** Sorted `scheme:id:perms` list, interned (most nodes share one). */
  acl: string;
  /** `persistent`, `container`, `ttl (N ms)`. */
  type: string;
}

/** Every non-ephemeral node by path relative to `root`, and the ephemerals. */
async function readTree(
  session: ZkSession,
  root: string,
): Promise<{ nodes: Map<string, Summary>; ephemerals: EphemeralNode[]; missing: boolean }> {
  const nodes = new Map<string, Summary>();
  const acls = new Map<Acl[], string>(); // keyed by the shared lists the walk returns
  const ephemerals: EphemeralNode[] = [];
  const below = await session.allChildrenNumber(root);
  const walked = await walkContent(
    session,
    root,
    (node) => {
      if (node.type === "ephemeral") {
        ephemerals.push(describeEphemeral(node));
        return;
      }
      let acl = acls.get(node.acl);
      if (acl === undefined) {
        acl = formatAcl([...node.acl].sort(byAclKey));
        acls.set(node.acl, acl);
      }
      nodes.set(rebase(node.path, root, "/"), {
        sha256: createHash("sha256").update(node.data).digest("base64"),
        size: node.data.length,
        acl,
        type: node.type === "ttl" ? `ttl (${node.ttlMs} ms)` : node.type,
      });
    },
    { total: below === null ? null : below + 1 },
  );
  return { nodes, ephemerals, missing: walked.rootMissing };
}

function byAclKey(a: Acl, b: Acl): number {
  const left = `${a.scheme}:${a.id}:${a.perms}`;
  const right = `${b.scheme}:${b.id}:${b.perms}`;
  return left < right ? -1 : left > right ? 1 : 0;
}

function describe(node: Summary): string {
  return `${node.type}, ${node.size} bytes`;
}
