/**
 * `TargetIndex`: what a target subtree holds, for `copy --overwrite`/`--mirror`, without keeping
 * its data: per node the stat, the ACL (identical lists shared) and a SHA-256 of the data. A
 * copy takes each node out as the source reaches it; what remains is what the source lacks.
 */
import { createHash } from "node:crypto";
import type { Acl, Stat } from "./jute.ts";
import type { KnownAcls } from "./known-acls.ts";
import type { ZNode } from "./node-type.ts";
import type { ZkSession } from "./session.ts";
import { walkContent } from "./walk.ts";

/** One target node as the index keeps it. */
export interface IndexedNode {
  path: string;
  stat: Stat;
  acl: Acl[];
  /** True when `data` is byte for byte what the node holds. */
  sameData(data: Buffer): boolean;
}

/** What a copy asks of the target's nodes: each by path, once, then those never asked for. */
export interface TargetNodes {
  /** Removes and returns the node at `path`, if the target has it. */
  take(path: string): IndexedNode | undefined;
  /** The nodes never taken. */
  remaining(): IndexedNode[];
}

/**
 * The nodes of a target subtree by path.
 * @example const index = await TargetIndex.read(target, "/pegasus/c1"); index.take("/pegasus/c1/apps");
 */
export class TargetIndex implements TargetNodes {
  private readonly nodes = new Map<string, IndexedNode>();

  /** Reads the subtree at `root` (data hashed, not kept), without a getACL where `knownAcls` pin one. */
  static async read(session: ZkSession, root: string, knownAcls?: KnownAcls): Promise<TargetIndex> {
    const index = new TargetIndex();
    await walkContent(session, root, (node) => index.add(node), { knownAcls });
    return index;
  }

  /** Adds a node as read. */
  add(node: ZNode): void {
    const digest = sha256(node.data);
    const { path, stat, acl } = node;
    this.nodes.set(path, { path, stat, acl, sameData: (data) => sha256(data) === digest });
  }

  /** Removes and returns the node at `path`, if the target has it. */
  take(path: string): IndexedNode | undefined {
    const node = this.nodes.get(path);
    if (node) this.nodes.delete(path);
    return node;
  }

  /** The nodes never taken. */
  remaining(): IndexedNode[] {
    return [...this.nodes.values()];
  }
}

function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("base64");
}
