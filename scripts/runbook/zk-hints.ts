/**
 * lib/zk's hints are written for the `zk` tools and name their flags (`--overwrite`, `--mirror`,
 * `--force`), which `run` and `step` lack. Inside the runbook the fix is to run the same command
 * again once the cause is fixed: the journal makes every step safe to repeat.
 */
import { ToolError } from "../../lib/errors.ts";

const zkToolFlag = /--(overwrite|mirror|force)\b/;

/**
 * The same error with a hint that names only what `run` and `step` (or, for a rollback step,
 * `rollback`) offer.
 * @example await copyTree(source, target, options).catch((e) => { throw withRunbookHint(e, step.id); });
 */
export function withRunbookHint(error: unknown, stepId: string): unknown {
  if (!(error instanceof ToolError) || !error.hint || !zkToolFlag.test(error.hint)) return error;
  const again = stepId.startsWith("rollback/")
    ? "run `rollback -i FILE` again: it resumes where it stopped"
    : `run the same command again (\`run\`, or \`step ${stepId}\`): the step is safe to repeat`;
  return new ToolError(error.message, error.exitCode, {
    hint: `Fix the cause above, then ${again}`,
    cause: error.cause,
  });
}
