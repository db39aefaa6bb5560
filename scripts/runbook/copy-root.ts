/**
 * The copy of the cluster root from the source ensemble to the target, as copy/02 (pre-copy,
 * leader serving) and copy/04 (blind) run it: a target that already holds part of the tree can
 * only hold an earlier attempt's copy (`targetRootIsFree` refuses anything else), so it is
 * completed, removing what the source lacks.
 */
import { type CopyOptions, type CopyResult, copyTree } from "../../lib/zk/index.ts";
import type { MigrationContext } from "./context.ts";
import { copyWroteTarget } from "./tree-checks.ts";
import { withRunbookHint } from "./zk-hints.ts";

/**
 * Copies the root and logs what was written.
 * @example const copy = await copyRoot(ctx, "copy/02-pre-copy", {});
 */
export async function copyRoot(
  ctx: MigrationContext,
  stepId: string,
  options: Pick<CopyOptions, "snapshot" | "knownAcls" | "targetNodes">,
): Promise<CopyResult> {
  const { root } = ctx.inventory.zookeeper;
  const retry = ctx.journal.fact<boolean>(copyWroteTarget) === true;
  if (!ctx.dryRun) ctx.journal.setFact(copyWroteTarget, true);
  const copy = await copyTree(await ctx.zk.source(), await ctx.zk.target(), {
    from: root,
    to: root,
    overwrite: retry,
    mirror: retry,
    ...options,
  }).catch((error) => {
    throw withRunbookHint(error, stepId);
  });
  const skipped = copy.skippedEphemerals.map((e) => e.path.slice(root.length + 1)).join(", ");
  ctx.log({
    kind: "info",
    message: `  ${ctx.dryRun ? "would copy" : "copied"} ${copy.read - copy.skippedEphemerals.length} znodes${parents(copy.createdParents)} (${copy.created + copy.createdParents.length} created, ${copy.updated} updated, ${copy.deleted} deleted, ${copy.unchanged} unchanged)${skipped ? `; ephemerals left out: ${skipped}` : ""}`,
  });
  return copy;
}

/** The root's missing ancestors are created too: say so, or the create count looks one too many. */
function parents(created: readonly string[]): string {
  if (created.length === 0) return "";
  return ` plus ${created.length} missing parent${created.length > 1 ? "s" : ""} (${created.join(", ")})`;
}
