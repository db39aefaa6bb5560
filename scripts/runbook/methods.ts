/** The migration methods the tool runs, and their runbooks. */
import { UsageError } from "../../lib/errors.ts";
import type { Method } from "../../lib/journal.ts";
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import type { RollbackFacts } from "./rollback-facts.ts";

/** A method's steps: the main sequence, and its optional clean-up. */
export interface Runbook {
  method: Method;
  steps: Step<MigrationContext>[];
  cleanUp?: Step<MigrationContext>;
  /** What each step may have changed, for `rollback`. */
  rollback: RollbackFacts;
}

/**
 * Loads a method's runbook (imported on demand: the step modules pull in the doors).
 * @throws {UsageError} For an unknown or not yet available method.
 */
export async function runbookOf(method: string): Promise<Runbook> {
  if (method === "copy") {
    const { copySteps, copyCleanUp } = await import("../copy/index.ts");
    const { copyRollbackFacts } = await import("../copy/rollback-facts.ts");
    return { method, steps: copySteps, cleanUp: copyCleanUp, rollback: copyRollbackFacts };
  }
  if (method === "recover") {
    const { recoverSteps, recoverCleanUp } = await import("../recover/index.ts");
    const { recoverRollbackFacts } = await import("../recover/rollback-facts.ts");
    return { method, steps: recoverSteps, cleanUp: recoverCleanUp, rollback: recoverRollbackFacts };
  }
  throw new UsageError(`Cannot use --method ${method}: expected copy or recover`, {
    hint: "Pass --method copy (upstream method 2) or --method recover (upstream method 1).",
  });
}

/** Every step of a runbook, clean-up included. */
export function stepsOf(runbook: Runbook): Step<MigrationContext>[] {
  return runbook.cleanUp ? [...runbook.steps, runbook.cleanUp] : runbook.steps;
}
