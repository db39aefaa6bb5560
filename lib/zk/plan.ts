/**
 * Plans, one source node at a time, the writes that make a target subtree equal to the source:
 * missing parents of the target root first, then creates and updates in the order nodes are read
 * (parents first), then (with `mirror`) deletes of what the target has and the source lacks,
 * leaves first. Ephemeral nodes are never written. Conflicts that no write can fix (a node of
 * another type, a live ephemeral in the way) and znodes too large for one request are collected
 * as problems; the copy stops writing at the first one and reports them all.
 */
import { type Digest, depthOf, rebase } from "./address.ts";
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
import type { TargetNodes } from "./target-index.ts";

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
  /** What the target holds under the root (only read for `overwrite`/`mirror`). */
  nodes?: TargetNodes;
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

/** Options of {@link WritePlanner}. */
export interface PlanOptions {
  /** Delete target nodes the source lacks. @default false */
  mirror?: boolean;
  /** The identity the writes are made with (decides which ACLs need a deferred setACL). */
  digest?: Digest;
  /** The largest request the target accepts (jute.maxbuffer). @default 1048575 */
  maxRequestBytes?: number;
}

/**
 * Turns source nodes (parent first, as read under `from`) into writes to `to`.
 * @example
 * const planner = new WritePlanner("/pegasus/c1", "/pegasus/c1", state, {});
 * for (const op of planner.start()) writer.push(op);
 * walk(…, (node) => { for (const op of planner.plan(node)) writer.push(op); });
 * for (const op of planner.finish()) writer.push(op);
 */
export class WritePlanner {
  readonly counts: WriteCounts;
  /** ACLs to set once every multi is written. */
  readonly acls: AclChange[] = [];
  /** Conflicts and oversize znodes found so far (nothing should be written after the first). */
  readonly conflicts: string[] = [];
  readonly tooLarge: string[] = [];
  /** The request size limit checked against. */
  readonly maxRequestBytes: number;

  constructor(
    private readonly from: string,
    private readonly to: string,
    private readonly target: TargetState,
    private readonly options: PlanOptions = {},
  ) {
    this.maxRequestBytes = options.maxRequestBytes ?? 1_048_575;
    this.counts = {
      created: 0,
      updated: 0,
      aclsSet: 0,
      deleted: 0,
      unchanged: 0,
      createdParents: [...target.missingParents],
      skippedEphemerals: [],
    };
  }

  /** True once a conflict or an oversize znode was found. */
  get blocked(): boolean {
    return this.conflicts.length > 0 || this.tooLarge.length > 0;
  }

  /** Creates of the missing ancestors of the target root. */
  start(): MultiOp[] {
    return this.target.missingParents.map((path) => ({
      type: "create" as const,
      path,
      data: Buffer.alloc(0),
      acl: openAcl,
      flags: 0,
    }));
  }

  /** The writes for one source node (none for an ephemeral, which is listed as skipped). */
  plan(node: ZNode): MultiOp[] {
    if (node.type === "ephemeral") {
      this.counts.skippedEphemerals.push(describeEphemeral(node));
      return [];
    }
    const path = rebase(node.path, this.from, this.to);
    const indexed = this.target.nodes?.take(path);
    const root =
      path === this.to && this.target.root
        ? { stat: this.target.root, data: this.target.rootData, acl: this.target.rootAcl }
        : null;
    const existing = root ?? indexed;
    if (!existing) {
      this.counts.created++;
      return this.checked([this.createOp(node, path)]);
    }
    const type = nodeTypeOf(existing.stat.ephemeralOwner);
    const ttl = ttlOf(existing.stat.ephemeralOwner);
    if (type !== node.type || ttl !== (node.ttlMs ?? 0)) {
      const what = (t: string, ms: number) => (t === "ttl" ? `ttl (${ms} ms)` : t);
      this.conflicts.push(
        `${path} is ${what(type, ttl)} on the target, ${what(node.type, node.ttlMs ?? 0)} on the source`,
      );
      return [];
    }
    const ops: MultiOp[] = [];
    const sameData = root ? root.data?.equals(node.data) === true : indexed?.sameData(node.data);
    if (!sameData) {
      ops.push({ type: "setData", path, data: node.data, version: existing.stat.version });
      this.counts.updated++;
    }
    if (!sameAcl(existing.acl ?? [], node.acl)) {
      this.acls.push({ path, acl: node.acl, version: existing.stat.aversion });
      this.counts.aclsSet++;
    } else if (sameData) this.counts.unchanged++;
    return this.checked(ops);
  }

  /** With `mirror`, deletes of the target nodes the source lacks, leaves first. */
  finish(): MultiOp[] {
    const extra = this.target.nodes?.remaining() ?? [];
    const deletes: MultiOp[] = [];
    for (const node of extra) {
      if (!this.options.mirror) continue;
      if (nodeTypeOf(node.stat.ephemeralOwner) === "ephemeral") {
        const owner = describeEphemeral({
          path: node.path,
          stat: node.stat,
          data: Buffer.alloc(0),
        });
        this.conflicts.push(
          `${node.path} is a live ephemeral on the target (owner ${owner.owner})`,
        );
        continue;
      }
      deletes.push({ type: "delete", path: node.path, version: node.stat.version });
      this.counts.deleted++;
    }
    return deletes.sort((a, b) => depthOf(b.path) - depthOf(a.path));
  }

  /** Records the operations that cannot fit in one request under the target's jute.maxbuffer. */
  private checked(ops: MultiOp[]): MultiOp[] {
    for (const op of ops) {
      const size = multiOpBytes(op) + multiFrameOverhead;
      if (size > this.maxRequestBytes) this.tooLarge.push(`${op.path} (${size} bytes)`);
    }
    return ops;
  }

  /** A create; a node that gets children but whose ACL denies us CREATE is made writable first. */
  private createOp(node: ZNode, path: string): MultiOp {
    let acl = node.acl;
    const digest = this.options.digest;
    if (node.stat.numChildren > 0 && !grantsCreate(node.acl, digest)) {
      const us: Acl = digest
        ? { perms: Perms.all, scheme: "digest", id: digest.id }
        : { perms: Perms.all, scheme: "world", id: "anyone" };
      acl = [...node.acl, us];
      this.acls.push({ path, acl: node.acl, version: 0 });
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
