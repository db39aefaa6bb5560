/** `plan -i FILE --method copy [--clean-old]`: every step, its checks and exact commands; touches nothing. */
import { executeSteps } from "../runbook/execute.ts";
import { runbookOf } from "../runbook/methods.ts";

/** Options of `plan`. */
export interface PlanOptions {
  inventory: string;
  method: string;
  cleanOld?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/** Runs the runbook with every door in dry-run: changes are printed, reads still run. */
export async function plan(options: PlanOptions): Promise<void> {
  const runbook = await runbookOf(options.method);
  const steps =
    options.cleanOld && runbook.cleanUp ? [...runbook.steps, runbook.cleanUp] : runbook.steps;
  const { ctx } = await executeSteps(
    steps,
    runbook.method,
    {
      inventoryFile: options.inventory,
      dryRun: true,
      cleanOld: options.cleanOld,
      json: options.json,
      verbose: options.verbose,
    },
    `plan --method ${options.method}`,
  );
  if (!options.cleanOld && runbook.cleanUp) {
    ctx.log({
      kind: "info",
      message: `(${runbook.cleanUp.id} — ${runbook.cleanUp.title} — runs only with --clean-old)`,
    });
  }
}
