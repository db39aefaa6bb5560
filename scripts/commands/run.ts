/** `run -i FILE --method copy [--yes] [--clean-old]`: the whole runbook, resumable from the journal. */
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { executeSteps } from "../runbook/execute.ts";
import { runbookOf } from "../runbook/methods.ts";
import { recoverSummary } from "../runbook/recover-summary.ts";

/** Options of `run`. */
export interface RunOptions {
  inventory: string;
  method: string;
  yes?: boolean;
  cleanOld?: boolean;
  json?: boolean;
  verbose?: boolean;
  skipBadNodes?: boolean;
  skipLostPartitions?: boolean;
}

/** Runs every step (and the clean-up with `--clean-old`), then prints a summary with timings. */
export async function run(options: RunOptions): Promise<void> {
  const runbook = await runbookOf(options.method);
  const steps: Step<MigrationContext>[] =
    options.cleanOld && runbook.cleanUp ? [...runbook.steps, runbook.cleanUp] : runbook.steps;
  const started = performance.now();
  const { outcomes, ctx } = await executeSteps(
    steps,
    runbook.method,
    {
      inventoryFile: options.inventory,
      yes: options.yes,
      cleanOld: options.cleanOld,
      json: options.json,
      verbose: options.verbose,
      skipBadNodes: options.skipBadNodes,
      skipLostPartitions: options.skipLostPartitions,
    },
    `run --method ${options.method}`,
  );
  if (Object.keys(outcomes).length === steps.length) ctx.journal.finishRun();
  const blindAt = ctx.journal.fact<string>("blindAt");
  const blindEndedAt = ctx.journal.fact<string>("blindEndedAt");
  ctx.log({
    kind: "summary",
    method: runbook.method,
    outcomes,
    wallMs: Math.round(performance.now() - started),
    ...(blindAt && blindEndedAt ? { blindMs: Date.parse(blindEndedAt) - Date.parse(blindAt) } : {}),
    ...(runbook.method === "recover" ? { recover: recoverSummary(ctx) } : {}),
  });
  if (!options.cleanOld && runbook.cleanUp && !ctx.journal.isDone(runbook.cleanUp.id)) {
    ctx.log({
      kind: "info",
      message: `The old subtree is kept. Delete it later with \`step ${runbook.cleanUp.id} -i ${options.inventory}\` or \`run … --clean-old\`.`,
    });
  }
}
