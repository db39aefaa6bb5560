/**
 * `plan -i FILE --method copy [--clean-old]`: every step, its checks and exact commands; touches
 * nothing. `plan --rollback -i FILE`: the same for going back from where the journal stands.
 */
import { UsageError } from "../../lib/errors.ts";
import { executeSteps } from "../runbook/execute.ts";
import { runbookOf } from "../runbook/methods.ts";

/** Options of `plan`. */
export interface PlanOptions {
  inventory: string;
  /** Required unless `rollback`. */
  method?: string;
  rollback?: boolean;
  cleanOld?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/** Runs the runbook with every door in dry-run: changes are printed, reads still run. */
export async function plan(options: PlanOptions): Promise<void> {
  if (options.rollback) {
    const { executeRollback } = await import("../runbook/rollback.ts");
    return executeRollback({ inventoryFile: options.inventory, dryRun: true, ...options });
  }
  if (!options.method) {
    throw new UsageError("Cannot plan without --method: which migration method?", {
      hint: "Pass --method copy, or --rollback to plan going back from the journal's state.",
    });
  }
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
