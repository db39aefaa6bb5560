/**
 * `VerifiedTarget`: what a target subtree holds, known without reading it again. A verification
 * (`verifyCopy`) read the target and found it identical, node for node, to a copy's read of the
 * source; if the target ensemble's committed zxid has not moved since (no transaction at all:
 * `ZkSession.committedZxid`), the target still holds exactly that — each node's stat as the
 * verification's stamps give it, its ACL as the verification read it, and the data the copy's
 * digests describe. A later copy over it (`copyTree` with `overwrite`) then needs no read of the
 * target to know what to write; its own verification reads the target afterwards, as always.
 */
import { rebase } from "./address.ts";
import type { ContentDigests } from "./content-digests.ts";
import type { Stat } from "./jute.ts";
import type { KnownAcls } from "./known-acls.ts";
import { containerOwner } from "./node-type.ts";
import type { TreeStamps } from "./stamp-table.ts";
import type { IndexedNode, TargetNodes } from "./target-index.ts";

/** What a verified copy leaves to describe the target. */
export interface VerifiedCopy {
  /** The copy's read of the source: stamps (paths) and digests (data) by row. */
  sourceStamps: TreeStamps;
  sourceDigests: ContentDigests;
  /** The verification's read of the target: stamps and ACLs by row (`VerifyResult.targetAcls`). */
  targetAcls: KnownAcls;
}

/**
 * The target as a verification found it.
 * @example
 * const verified = VerifiedTarget.of({ ...copy, targetAcls: check.targetAcls });
 * await copyTree(source, target, { overwrite: true, mirror: true, targetNodes: verified ?? undefined });
 */
export class VerifiedTarget implements TargetNodes {
  private readonly taken: Uint8Array;

  private constructor(private readonly copy: VerifiedCopy) {
    this.taken = new Uint8Array(copy.targetAcls.stamps.size);
  }

  /**
   * Null when the records cannot describe every node: a node of a type whose owner field they
   * do not keep (TTL), or without a recorded ACL or twin in the source read. Only pass records
   * of a verification that found the trees identical, with no ephemeral on the target.
   */
  static of(copy: VerifiedCopy): VerifiedTarget | null {
    const stamps = copy.targetAcls.stamps;
    for (let row = 0; row < stamps.size; row++) {
      const type = stamps.stampAt(row).type;
      if (type !== "persistent" && type !== "container") return null;
      if (!copy.targetAcls.aclAt(row)) return null;
      const twin = rebase(stamps.pathAt(row), stamps.root, copy.sourceStamps.root);
      if (copy.sourceStamps.rowOf(twin) === -1) return null;
    }
    return new VerifiedTarget(copy);
  }

  take(path: string): IndexedNode | undefined {
    const row = this.copy.targetAcls.stamps.rowOf(path);
    if (row === -1 || this.taken[row] === 1) return undefined;
    this.taken[row] = 1;
    return this.nodeAt(row, path);
  }

  remaining(): IndexedNode[] {
    const left: IndexedNode[] = [];
    const stamps = this.copy.targetAcls.stamps;
    for (let row = 0; row < stamps.size; row++) {
      if (this.taken[row] === 0) left.push(this.nodeAt(row, stamps.pathAt(row)));
    }
    return left;
  }

  private nodeAt(row: number, path: string): IndexedNode {
    const { sourceStamps, sourceDigests, targetAcls } = this.copy;
    const stamp = targetAcls.stamps.stampAt(row);
    // Only the fields a copy's plan reads are known: the type (through the owner), the versions.
    const stat: Stat = {
      czxid: stamp.czxid,
      mzxid: stamp.mzxid,
      ctime: 0,
      mtime: 0,
      version: stamp.version,
      cversion: 0,
      aversion: stamp.aversion,
      ephemeralOwner: stamp.type === "container" ? containerOwner : 0n,
      dataLength: 0,
      numChildren: 0,
      pzxid: 0n,
    };
    const twin = sourceStamps.rowOf(rebase(path, targetAcls.stamps.root, sourceStamps.root));
    return {
      path,
      stat,
      acl: targetAcls.aclAt(row) ?? [],
      sameData: (data) => sourceDigests.sameData(twin, data),
    };
  }
}
