/**
 * The two ZooKeeper ensembles of a migration, opened on first use with the inventory's digest
 * credentials and session timeout, in dry-run when the run is a plan.
 */
import type { Inventory } from "../../lib/inventory.ts";
import type { Log } from "../../lib/log.ts";
import {
  digestFromEnv,
  openSession,
  parseTreeAddress,
  type TreeStamps,
  type ZkSession,
} from "../../lib/zk/index.ts";
import type { PreCopiedTarget, PreCopyAcls } from "./pre-copy.ts";

/** Both trees' stamps when they were last found identical node by node. */
export interface VerifiedTrees {
  source: TreeStamps;
  target: TreeStamps;
  /** `performance.now()` of the comparison. */
  at: number;
  /**
   * Each ensemble's committed zxid, when it did not move during the comparison: while it still
   * has not, nothing on that ensemble changed (no stat walk needed to prove it).
   */
  zxids: { source: bigint; target: bigint } | null;
}

/** Lazily opened sessions to the source and target ensembles. */
export class ZkEnsembles {
  private readonly sessions = new Map<"source" | "target", Promise<ZkSession>>();
  /**
   * Set when this process found the trees identical: a later check then proves only that
   * neither changed since (two stat walks), instead of comparing every node's content again.
   */
  verified: VerifiedTrees | null = null;
  /** The ACLs copy/02's pre-copy read on each side (see pre-copy.ts). */
  preCopyAcls: PreCopyAcls | null = null;
  /** The target as copy/02 verified it, with the target's committed zxid then (see pre-copy.ts). */
  preCopiedTarget: PreCopiedTarget | null = null;

  constructor(
    private readonly inventory: Inventory,
    private readonly log: Log,
    private readonly dryRun: boolean,
  ) {}

  /** The ensemble we leave. */
  source(): Promise<ZkSession> {
    return this.of("source");
  }

  /** The ensemble we move to. */
  target(): Promise<ZkSession> {
    return this.of("target");
  }

  /** The session to one side, opened (and authenticated) on first use. */
  of(side: "source" | "target"): Promise<ZkSession> {
    let session = this.sessions.get(side);
    if (!session) {
      const { zookeeper } = this.inventory;
      const env = side === "source" ? zookeeper.auth.sourceEnv : zookeeper.auth.targetEnv;
      session = openSession(parseTreeAddress(`${zookeeper[side]}${zookeeper.root}`), {
        log: this.log,
        label: side,
        dryRun: this.dryRun,
        sessionTimeoutMs: zookeeper.sessionTimeoutMs,
        ...(env ? { digest: digestFromEnv(env, true) } : {}),
      });
      session.catch(() => this.sessions.delete(side)); // a failed connect may be retried
      this.sessions.set(side, session);
    }
    return session;
  }

  /** Closes whatever was opened. */
  async close(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.map(async (s) => (await s.catch(() => undefined))?.close()));
  }
}
