/**
 * Recover method, step 6. Upstream: "`recover -f recover_node_list`".
 *
 * Done right (reference §4.9, §8.4, §12.1.8): the node list is step 1's parsed `nodes -d -j` rows,
 * `-w` comes from `timeouts.recover`, and success is exactly one `Recover result: ERR_OK`.
 * `ERR_TRY_AGAIN` stops the run with upstream's hint lines and the next move; skipping bad nodes
 * or lost partitions happens only on the operator's explicit `--skip-bad-nodes` /
 * `--skip-lost-partitions`, recorded in the journal. Any other failure triggers the automatic undo
 * (`runbook/undo-recover.ts`). A run killed while `recover` was in flight finds the meta already
 * serving and records that instead of asking twice.
 */
import { RecoverFailed, type RecoverHint } from "../../lib/shell/index.ts";
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import {
  leaderServesOnTarget,
  onlyRecoveryMetaRuns,
  recoveredOnCluster,
} from "../runbook/recover-checks.ts";
import { type RecoverOutcome, recoverBackup, recoverFacts } from "../runbook/recover-facts.ts";
import { RecoverAwaitsDecision } from "../runbook/undo-recover.ts";

const recoverStep: Step<MigrationContext> = {
  id: "recover/06-recover",
  title: "Send recover with the backed-up node list; require Recover result: ERR_OK",
  destructive: true,
  preconditions: [onlyRecoveryMetaRuns],
  run: async (ctx) => {
    if (!ctx.dryRun && (await alreadyRecovered(ctx))) return;
    const nodes = recoverBackup(ctx)?.nodes ?? [];
    const skips = ctx.recoverSkips;
    const waitSeconds = Math.max(1, Math.ceil(ctx.inventory.timeouts.recoverMs / 1000));
    let result: Awaited<ReturnType<typeof ctx.shell.recover>>;
    try {
      result = await ctx.shell.recover(nodes, {
        waitSeconds,
        skipBadNodes: skips.badNodes,
        skipLostPartitions: skips.lostPartitions,
      });
    } catch (error) {
      if (error instanceof RecoverFailed && error.code === "ERR_TRY_AGAIN")
        throw awaitingDecision(error, ctx);
      throw error;
    }
    if ("notRun" in result) return;
    const outcome: RecoverOutcome = {
      at: new Date().toISOString(),
      nodes,
      skipBadNodes: skips.badNodes,
      skipLostPartitions: skips.lostPartitions,
      skippedNodes: nodesOf(result.hints, "bad-node"),
      lostPartitions: partitionsOf(result.hints, "lost-partition"),
      partialPartitions: partitionsOf(result.hints, "partial-partition"),
      hints: result.hints.map((h) => h.line),
    };
    ctx.journal.setFact(recoverFacts.recoverOutcome, outcome);
    ctx.journal.setFact(recoverFacts.recoveredAt, outcome.at);
    ctx.log({ kind: "info", message: `  Recover result: ERR_OK from ${nodes.length} nodes` });
    for (const line of outcome.hints) ctx.log({ kind: "info", message: `    ${line}` });
  },
  postconditions: [leaderServesOnTarget],
};

/** True (and journaled) when an earlier, interrupted attempt's `recover` already succeeded. */
async function alreadyRecovered(ctx: MigrationContext): Promise<boolean> {
  if (ctx.journal.fact(recoverFacts.recoveredAt)) return true;
  if (!(await recoveredOnCluster(ctx))) return false;
  ctx.journal.setFact(recoverFacts.recoveredAt, new Date().toISOString());
  ctx.log({
    kind: "warn",
    message:
      "the meta already serves on the target: an interrupted attempt's recover succeeded (its hint lines were not seen)",
  });
  return true;
}

/** ERR_TRY_AGAIN: upstream's hint lines, and the operator's next move. */
function awaitingDecision(error: RecoverFailed, ctx: MigrationContext): RecoverAwaitsDecision {
  const hints = error.result.hints;
  const bad = nodesOf(
    hints.filter((h) => h.kind === "bad-node" && !h.skipped),
    "bad-node",
  );
  const lost = hints.filter((h) => h.kind === "lost-partition" && !h.forced).length;
  const file = "-i FILE --method recover";
  const moves = [
    bad.length &&
      `Start the replica server(s) ${bad.join(", ")} and \`run ${file}\` again, or \`run ${file} --skip-bad-nodes\` to recover without them (their replicas are rebuilt from the other nodes; the summary names the partitions that lost replicas).`,
    lost &&
      `${lost} partition(s) have no replica on any listed node: \`run ${file} --skip-lost-partitions\` recovers them EMPTY (their data is lost).`,
  ].filter((m): m is string => typeof m === "string");
  return new RecoverAwaitsDecision(
    `recover answered ERR_TRY_AGAIN:${hints.map((h) => `\n  ${h.line}`).join("")}\nThe meta ${ctx.journal.fact(recoverFacts.recoveryMeta)} keeps waiting in recovery mode on the target; the source tree was not written.`,
    { hint: moves.join(" ") || error.hint, cause: error },
  );
}

function nodesOf(hints: RecoverHint[], kind: "bad-node"): string[] {
  return hints.flatMap((h) => (h.kind === kind ? [h.node] : []));
}

function partitionsOf(
  hints: RecoverHint[],
  kind: "lost-partition" | "partial-partition",
): string[] {
  return hints.flatMap((h) => (h.kind === kind ? [h.partition] : []));
}

export default recoverStep;
if (import.meta.main) await runAlone(recoverStep, "recover");
