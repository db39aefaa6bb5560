/**
 * Plans the writes that make a target subtree equal to a list of source nodes: missing parents of
 * the target root first, then creates and updates parent first, then (with `mirror`) deletes,
 * leaves first. Ephemeral nodes are never written. Conflicts that no write can fix (a node of
 * another type, a live ephemeral in the way) and znodes too large for one request are found here,
 * before anything is written.
 */
import { PreconditionFailed } from "../errors.ts";
import { type Digest, depthOf, parentOf, rebase } from "./address.ts";
import { type Acl, openAcl, Perms, type Stat } from "./jute.ts";
import {
  createFlagsOf,
  describeEphemeral,
  type EphemeralNode,
  nodeTypeOf,
  sameAcl,
  ttlOf,
  type ZNode,
} from "./node-type.ts";
import { CreateFlags, type MultiOp, multiFrameOverhead, multiOpBytes } from "./protocol.ts";

/** What the target holds before the copy. */
export interface TargetState {
  /** Stat of the target root, null if it does not exist. */
  root: Stat | null;
  /** Data of the target root (when it exists). */
  rootData?: Buffer;
  /** ACL of the target root (when it exists). */
  rootAcl?: Acl[];
  /** Ancestors of the target root that do not exist, top first. */
  missingParents: string[];
  /** Every target node by path (only read for `overwrite`). */
  nodes?: Map<string, ZNode>;
}

/** An ACL to set after every multi is written (setACL has no multi form). */
export interface AclChange {
  path: string;
  acl: Acl[];
  version: number;
}

/** What the writes of a copy amount to. */
export interface WriteCounts {
  created: number;
  /** Existing nodes whose data was set. */
  updated: number;
  /** Existing nodes whose ACL was set. */
  aclsSet: number;
  deleted: number;
  unchanged: number;
  /** Missing ancestors of the target root, created empty. */
  createdParents: string[];
  /** Ephemeral nodes left out (e.g. Pegasus `LOCKNODE…`). */
  skippedEphemerals: EphemeralNode[];
}

/** The writes of a copy, and what they amount to. */
export interface Plan extends WriteCounts {
  ops: MultiOp[];
  acls: AclChange[];
}

/** Options of {@link planWrite}. */
export interface PlanOptions {
  /** Delete target nodes the source lacks. @default false */
  mirror?: boolean;
  /** The identity the writes are made with (decides which ACLs need a deferred setACL). */
  digest?: Digest;
  /** The largest request the target accepts (jute.maxbuffer). @default 1048575 */
  maxRequestBytes?: number;
}

/**
 * Plans the writes copying `nodes` (parent first, as read under `from`) to `to` on a target
 * described by `target`.
 * @throws {PreconditionFailed} On conflicts, or znodes too large to write, listing each.
 * @example const plan = planWrite(nodes, "/pegasus/c1", "/pegasus/c1", state, {});
 */
export function planWrite(
  nodes: readonly ZNode[],
  from: string,
  to: string,
  target: TargetState,
  options: PlanOptions = {},
): Plan {
  const plan: Plan = {
    ops: [],
    acls: [],
    created: 0,
    updated: 0,
    aclsSet: 0,
    deleted: 0,
    unchanged: 0,
    createdParents: [...target.missingParents],
    skippedEphemerals: [],
  };
  const conflicts: string[] = [];
  for (const path of target.missingParents) {
    plan.ops.push({ type: "create", path, data: Buffer.alloc(0), acl: openAcl, flags: 0 });
  }
  const copied = nodes.filter((node) => {
    if (node.type !== "ephemeral") return true;
    plan.skippedEphemerals.push(describeEphemeral(node));
    return false;
  });
  const parents = new Set(copied.map((node) => parentOf(node.path)));
  const wanted = new Set<string>();
  for (const node of copied) {
    const path = rebase(node.path, from, to);
    wanted.add(path);
    const existing =
      path === to && target.root
        ? { stat: target.root, data: target.rootData, acl: target.rootAcl }
        : target.nodes?.get(path);
    if (!existing) {
      plan.ops.push(createOp(node, path, parents.has(node.path), plan, options.digest));
      plan.created++;
      continue;
    }
    const type = nodeTypeOf(existing.stat.ephemeralOwner);
    const ttl = ttlOf(existing.stat.ephemeralOwner);
    if (type !== node.type || ttl !== (node.ttlMs ?? 0)) {
      const what = (t: string, ms: number) => (t === "ttl" ? `ttl (${ms} ms)` : t);
      conflicts.push(
        `${path} is ${what(type, ttl)} on the target, ${what(node.type, node.ttlMs ?? 0)} on the source`,
      );
      continue;
    }
    let same = true;
    if (!existing.data?.equals(node.data)) {
      plan.ops.push({ type: "setData", path, data: node.data, version: existing.stat.version });
      plan.updated++;
      same = false;
    }
    if (!sameAcl(existing.acl ?? [], node.acl)) {
      plan.acls.push({ path, acl: node.acl, version: existing.stat.aversion });
      plan.aclsSet++;
      same = false;
    }
    if (same) plan.unchanged++;
  }
  for (const node of target.nodes?.values() ?? []) {
    if (wanted.has(node.path)) continue;
    if (node.type === "ephemeral") {
      if (options.mirror) {
        const owner = describeEphemeral(node).owner;
        conflicts.push(`${node.path} is a live ephemeral on the target (owner ${owner})`);
      }
    } else if (options.mirror) {
      plan.ops.push({ type: "delete", path: node.path, version: node.stat.version });
      plan.deleted++;
    }
  }
  sortDeletesLeavesFirst(plan.ops);
  if (conflicts.length > 0) {
    throw new PreconditionFailed(
      `Cannot copy to ${to} as ${conflicts.length} target node(s) conflict with the source:\n  ${conflicts.slice(0, 20).join("\n  ")}`,
      { hint: "Remove them from the target (zk rmr), or stop whatever is using the target" },
    );
  }
  checkSizes(plan.ops, options.maxRequestBytes ?? 1_048_575);
  return plan;
}

/** A create; a node that gets children but whose ACL denies us CREATE is made writable first. */
function createOp(
  node: ZNode,
  path: string,
  hasChildren: boolean,
  plan: Plan,
  digest: Digest | undefined,
): MultiOp {
  let acl = node.acl;
  if (hasChildren && !grantsCreate(node.acl, digest)) {
    const us: Acl = digest
      ? { perms: Perms.all, scheme: "digest", id: digest.id }
      : { perms: Perms.all, scheme: "world", id: "anyone" };
    acl = [...node.acl, us];
    plan.acls.push({ path, acl: node.acl, version: 0 });
  }
  const op: MultiOp = {
    type: "create",
    path,
    data: node.data,
    acl,
    flags: createFlagsOf(node.type),
  };
  if (op.flags === CreateFlags.persistentWithTtl) op.ttlMs = node.ttlMs;
  return op;
}

/** True when `acl` lets the writing identity create children. */
function grantsCreate(acl: readonly Acl[], digest: Digest | undefined): boolean {
  return acl.some(
    (a) =>
      (a.perms & Perms.create) !== 0 &&
      ((a.scheme === "world" && a.id === "anyone") ||
        (digest !== undefined && a.scheme === "digest" && a.id === digest.id)),
  );
}

/** Moves deletes to the end, deepest first (a parent is deleted after its children). */
function sortDeletesLeavesFirst(ops: MultiOp[]): void {
  const deletes = ops.filter((op) => op.type === "delete");
  if (deletes.length === 0) return;
  const rest = ops.filter((op) => op.type !== "delete");
  deletes.sort((a, b) => depthOf(b.path) - depthOf(a.path));
  ops.splice(0, ops.length, ...rest, ...deletes);
}

/**
 * Fails when an operation cannot fit in one request under the server's `jute.maxbuffer`.
 * @throws {PreconditionFailed} Listing every such znode and its size.
 */
export function checkSizes(ops: readonly MultiOp[], maxRequestBytes: number): void {
  const tooLarge = ops.filter((op) => multiOpBytes(op) + multiFrameOverhead > maxRequestBytes);
  if (tooLarge.length === 0) return;
  const list = tooLarge
    .slice(0, 20)
    .map((op) => `${op.path} (${multiOpBytes(op) + multiFrameOverhead} bytes)`);
  throw new PreconditionFailed(
    `Cannot copy as ${tooLarge.length} znode(s) do not fit in one request of at most ${maxRequestBytes} bytes (jute.maxbuffer); nothing was written:\n  ${list.join("\n  ")}`,
    { hint: "Raise jute.maxbuffer on the target ensemble, or shrink those znodes on the source" },
  );
}
