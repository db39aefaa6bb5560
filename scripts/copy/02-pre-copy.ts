/**
 * Copy method, step 2 (not in upstream's runbook, which copies only once the leader is blind).
 * Copies the cluster root to the new ensemble while the leader still serves, and verifies the
 * target against that read, so that the copy done blind (step 4) has only to re-read both trees
 * and write what changed in between. What makes the re-read cheap is kept: the ACLs this read
 * found on each side (`KnownAcls`). A node's ACL can only change with its aversion or czxid, so
 * step 4 reads both trees by multiRead alone and asks for an ACL only where a stat moved — on a
 * 257k-znode tree that is what turns a minute of blind time into seconds (README "Blind time").
 *
 * The source may change during this read (the leader serves): that is fine, step 4 copies what
 * it finds then and proves the result; this step only needs its own read written faithfully.
 */
import { ActionFailed } from "../../lib/errors.ts";
import type { Step } from "../../lib/step.ts";
import { VerifiedTarget, verifyCopy } from "../../lib/zk/index.ts";
import { followersStopped, leaderServes } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { copyRoot } from "../runbook/copy-root.ts";
import { runAlone } from "../runbook/execute.ts";
import { keepPreCopy } from "../runbook/pre-copy.ts";
import {
  fenced,
  firstDifferences,
  targetHoldsTheRoot,
  targetRootIsFree,
} from "../runbook/tree-checks.ts";

const preCopy: Step<MigrationContext> = {
  id: "copy/02-pre-copy",
  title: "Copy the cluster root to the new ensemble while the leader still serves",
  preconditions: [followersStopped, leaderServes, targetRootIsFree],
  run: async (ctx) => {
    const copy = await copyRoot(ctx, preCopy.id, {});
    if (ctx.dryRun) return;
    const { root } = ctx.inventory.zookeeper;
    const { result: check, still } = await fenced(ctx, async () =>
      verifyCopy(await ctx.zk.source(), await ctx.zk.target(), copy, { to: root }),
    );
    if (!check.identical) {
      throw new ActionFailed(
        `The target differs from what was copied to it: ${check.differences.length} differences (${firstDifferences(check.differences)}); something else writes under ${root} on ${ctx.inventory.zookeeper.target}`,
        { hint: "Stop whatever writes there, then run the step again: it completes the copy." },
      );
    }
    // The target held still during the verification and nothing else lives there: copy/04 may
    // take it as verified while the target's committed zxid stays where it was.
    const zxid = check.skippedEphemerals.target.length === 0 ? still.target : null;
    const nodes =
      zxid === null ? null : VerifiedTarget.of({ ...copy, targetAcls: check.targetAcls });
    keepPreCopy(
      ctx,
      { source: copy.sourceAcls, target: check.targetAcls },
      nodes && zxid !== null ? { nodes, zxid } : null,
    );
    const moved = check.unchanged?.changes.length ?? 0;
    ctx.log({
      kind: "info",
      message: `  the target matches that read node for node; ${moved} znodes changed on the source since (copy/04-copy-tree copies them with the leader blind)`,
    });
  },
  postconditions: [targetHoldsTheRoot],
};

export default preCopy;
if (import.meta.main) await runAlone(preCopy, "copy");
