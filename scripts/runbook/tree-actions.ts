/**
 * Tree actions the runbooks share: proving a copied tree did not change while it was read, and
 * removing a cluster root after a snapshot of it, at the versions that snapshot recorded.
 */
import { ActionFailed } from "../../lib/errors.ts";
import {
  checkUnchanged,
  count,
  removeTree,
  snapshotTree,
  type TreeStamps,
  type ZkSession,
} from "../../lib/zk/index.ts";
import type { MigrationContext } from "./context.ts";
import { firstChanges } from "./tree-checks.ts";
import { withRunbookHint } from "./zk-hints.ts";

/**
 * Re-reads `root` on `session` and fails when any node changed since `stamps` were taken (blind
 * does not stop every write, reference §7.5).
 * @returns The number of znodes proven unchanged.
 * @throws {ActionFailed} Listing the first changes; `rerun` says how to redo the copy.
 */
export async function verifyTreeUnchanged(
  session: ZkSession,
  root: string,
  stamps: TreeStamps,
  what: { tree: string; rerun: string },
): Promise<number> {
  const unchanged = await checkUnchanged(session, root, stamps);
  if (unchanged.unchanged) return unchanged.nodes;
  throw new ActionFailed(
    `The ${what.tree} tree changed while it was copied: ${unchanged.changes.length} changes (${firstChanges(unchanged.changes)})`,
    {
      hint: `Blind does not stop DDL, env changes, duplication, backup or bulk load. Stop them, then ${what.rerun}: the copy is redone.`,
    },
  );
}

/**
 * Deletes the cluster root on `side` after snapshotting it into the backups
 * (`zk/<name>-<ms>.zksnap`), each node at the snapshot's version so a concurrent change aborts the
 * delete. Nothing to do when the root is gone; under `--dry-run` it counts what it would delete.
 * Errors carry the hint to run `stepId` again.
 */
export async function removeRootAfterSnapshot(
  ctx: MigrationContext,
  side: "source" | "target",
  name: string,
  stepId: string,
): Promise<void> {
  const { root } = ctx.inventory.zookeeper;
  const session = await ctx.zk.of(side);
  if ((await count(session, root)) === 0) return;
  let expectSnapshot: string | undefined;
  if (!ctx.dryRun) {
    expectSnapshot = ctx.journal.newBackupFile(`zk/${name}-${Date.now()}.zksnap`);
    const snapshot = await snapshotTree(session, expectSnapshot, { root });
    ctx.log({
      kind: "info",
      message: `  snapshot of ${root} on the ${side}: ${snapshot.nodes} znodes in ${expectSnapshot}`,
    });
  }
  // Under --dry-run the lock nodes of metas not yet moved are still there: count regardless.
  const removed = await removeTree(session, {
    root,
    force: ctx.dryRun,
    ...(expectSnapshot ? { expectSnapshot } : {}),
  }).catch((error) => {
    throw withRunbookHint(error, stepId);
  });
  ctx.log({
    kind: "info",
    message: `  ${ctx.dryRun ? "would delete" : "deleted"} ${removed.deleted} znodes under ${root} on ${ctx.inventory.zookeeper[side]}`,
  });
}
