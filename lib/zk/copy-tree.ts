/**
 * `copyTree`: copies a subtree between ensembles (or within one), and `writeTree`, the part shared
 * with `restoreSnapshot`: check the target, plan, write in batches, set deferred ACLs.
 */
import { PreconditionFailed, UsageError } from "../errors.ts";
import { parentOf } from "./address.ts";
import { sameAcl, type ZNode } from "./node-type.ts";
import {
  type AclChange,
  type Plan,
  planWrite,
  type TargetState,
  type WriteCounts,
} from "./plan.ts";
import { Code, isConnectionError } from "./protocol.ts";
import type { ZkSession } from "./session.ts";
import { stampsOf, type TreeStamps } from "./stamps.ts";
import { walkContent } from "./walk.ts";
import { TreeWriter, type WriterOptions } from "./writer.ts";

/** Options of {@link copyTree} and {@link writeTree}. */
export interface CopyOptions {
  /** Source root. @default the source session's address path */
  from?: string;
  /** Target root. @default the target session's address path */
  to?: string;
  /** Write into a non-empty target, changing only nodes whose data or ACL differ. @default false */
  overwrite?: boolean;
  /** Also delete target nodes the source lacks (implies `overwrite`). @default false */
  mirror?: boolean;
  /** The largest request the target accepts (its jute.maxbuffer). @default 1048575 */
  maxRequestBytes?: number;
  /** Batch sizes and window. */
  writer?: WriterOptions;
}

/** What a copy (or restore) did; under dry-run, what it would do. */
export interface CopyResult extends WriteCounts {
  source: string;
  target: string;
  /** Source nodes read (ephemerals included). */
  read: number;
  /** Bytes of source data read. */
  dataBytes: number;
  /** Nodes that disappeared while the source was read. */
  vanished: string[];
  /** Multi requests and their bytes. */
  batches: number;
  requestBytes: number;
  /** Batches whose outcome was unknown or failed and had to be read back. */
  reconciled: number;
  dryRun: boolean;
  durationMs: number;
  /** Source stamps as read: pass to `checkUnchanged` to prove the source did not change since. */
  sourceStamps: TreeStamps;
}

/**
 * Copies every znode under `from` on `source` to `to` on `target`: data byte for byte, ACLs, and
 * node types (containers and TTL nodes as what they are); ephemeral nodes are skipped and listed.
 * The target must not hold the subtree yet unless `overwrite`; nothing is deleted unless `mirror`.
 * @throws {PreconditionFailed} Non-empty target, conflicting nodes, or oversize znodes; nothing written.
 * @throws {ActionFailed} A write failed, or an ensemble stayed unreachable (a partial copy may remain:
 *   rerun with `overwrite` to complete it).
 * @example const result = await copyTree(source, target, { from: "/pegasus/c1", to: "/pegasus/c1" });
 */
export async function copyTree(
  source: ZkSession,
  target: ZkSession,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const started = performance.now();
  const from = options.from ?? source.address.path;
  const to = options.to ?? target.address.path;
  checkNotOverlapping(source, from, target, to);
  const sourceRoot = await source.get(from);
  if (!sourceRoot) {
    throw new UsageError(`Cannot copy ${from} from ${source.label} as it does not exist`);
  }
  const state = await inspectTarget(target, to, sourceRoot.data, options);
  const nodes: ZNode[] = [];
  const total = await source.allChildrenNumber(from);
  const walked = await walkContent(source, from, (node) => nodes.push(node), {
    total: total === null ? null : total + 1,
  });
  const result = await writeTree(target, nodes, from, to, state, options);
  return {
    ...result,
    source: `${source.address.connect}${from}`,
    read: walked.nodes,
    dataBytes: walked.bytes,
    vanished: walked.vanished,
    durationMs: Math.round(performance.now() - started),
    sourceStamps: stampsOf(from, nodes),
  };
}

/** The part of a copy after reading: plan against the target, then write. */
export async function writeTree(
  target: ZkSession,
  nodes: readonly ZNode[],
  from: string,
  to: string,
  state: TargetState,
  options: CopyOptions,
): Promise<
  Omit<CopyResult, "source" | "read" | "dataBytes" | "vanished" | "durationMs" | "sourceStamps">
> {
  const plan: Plan = planWrite(nodes, from, to, state, {
    mirror: options.mirror,
    digest: target.digest,
    maxRequestBytes: options.maxRequestBytes,
  });
  for (const skipped of plan.skippedEphemerals) {
    target.log({
      kind: "zk-skip",
      ensemble: target.label,
      path: skipped.path,
      reason: `ephemeral, owner ${skipped.owner}`,
    });
  }
  const writer = new TreeWriter(target, {
    ...options.writer,
    total: plan.ops.length,
    hint: "The target may hold a partial copy: rerun with --overwrite to complete it",
    concurrentCodes: [Code.badVersion],
  });
  for (const op of plan.ops) await writer.add(op);
  const written = await writer.finish();
  await setAcls(target, plan.acls);
  return {
    target: `${target.address.connect}${to}`,
    created: plan.created,
    updated: plan.updated,
    aclsSet: plan.aclsSet,
    deleted: plan.deleted,
    unchanged: plan.unchanged,
    createdParents: plan.createdParents,
    skippedEphemerals: plan.skippedEphemerals,
    batches: written.batches,
    requestBytes: written.bytes,
    reconciled: written.reconciled,
    dryRun: target.dryRun,
  };
}

/**
 * Reads what the target holds at `to` and refuses a non-empty target unless `overwrite`/`mirror`.
 * A root that exists with no children and no data (or the source root's data) counts as empty.
 * @throws {PreconditionFailed} If the target holds the subtree and `overwrite` is off.
 */
export async function inspectTarget(
  target: ZkSession,
  to: string,
  sourceRootData: Buffer,
  options: CopyOptions,
): Promise<TargetState> {
  const root = await target.get(to);
  if (!root) return { root: null, missingParents: await missingAncestors(target, to) };
  const listing = await target.children(to);
  const children = (listing?.children ?? []).filter(
    (name) => !(to === "/" && name === "zookeeper"),
  );
  const rootAcl = (await target.acl(to))?.acl ?? [];
  const state: TargetState = { root: root.stat, rootData: root.data, rootAcl, missingParents: [] };
  const empty =
    children.length === 0 && (root.data.length === 0 || root.data.equals(sourceRootData));
  if (empty) return state;
  if (!options.overwrite && !options.mirror) {
    const below = (await target.allChildrenNumber(to)) ?? children.length;
    throw new PreconditionFailed(
      `Cannot copy to ${to} on ${target.label} (${target.address.connect}) as it already holds ${below + 1} znode(s); nothing was written`,
      {
        hint: "Use --overwrite to write only the nodes that differ (--mirror also deletes extra nodes), or remove it first with `zk rmr`",
      },
    );
  }
  const nodes = new Map<string, ZNode>();
  await walkContent(target, to, (node) => nodes.set(node.path, node));
  return { ...state, nodes };
}

async function missingAncestors(target: ZkSession, to: string): Promise<string[]> {
  const missing: string[] = [];
  for (let path = parentOf(to); path !== "/"; path = parentOf(path)) {
    if (await target.exists(path)) break;
    missing.unshift(path);
  }
  return missing;
}

function checkNotOverlapping(source: ZkSession, from: string, target: ZkSession, to: string) {
  if (source.address.connect !== target.address.connect) return;
  const inside = (a: string, b: string) => a === b || b === "/" || a.startsWith(`${b}/`);
  if (inside(from, to) || inside(to, from)) {
    throw new UsageError(`Cannot copy ${from} to ${to} on the same ensemble as the trees overlap`);
  }
}

/** Sets ACLs one request each (pipelined), reading back on a lost connection. */
async function setAcls(target: ZkSession, changes: readonly AclChange[]): Promise<void> {
  await Promise.all(changes.map((change) => setAclReconciled(target, change)));
}

async function setAclReconciled(target: ZkSession, change: AclChange): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await target.setAcl(change.path, change.acl, change.version);
    } catch (error) {
      if (!isConnectionError(error) || attempt >= 10) throw error;
      await target.reconnected();
      const now = await target.acl(change.path);
      if (now && sameAcl(now.acl, change.acl)) return;
    }
  }
}
