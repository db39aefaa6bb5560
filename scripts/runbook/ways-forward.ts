/** What an operator can do next with a migration, as `status` tells it. */
import { type Journal, rollbackFact } from "../../lib/journal.ts";
import { type Runbook, stepsOf } from "./methods.ts";

/**
 * The commands that move a recorded migration on: resume it or roll it back while it is stopped;
 * finish a rollback in progress; roll back even a finished one (a reverse migration).
 * @example waysForward(journal, runbook, "c1.yaml") // ["`run -i c1.yaml --method copy` resumes …", …]
 */
export function waysForward(journal: Journal, runbook: Runbook, inventory: string): string[] {
  const data = journal.snapshot;
  const plan = `\`plan --rollback -i ${inventory}\``;
  if (data.facts[rollbackFact] !== undefined) {
    return [
      `a rollback is in progress: \`rollback -i ${inventory}\` completes it (${plan} shows the rest)`,
    ];
  }
  const rollback = `\`rollback -i ${inventory}\` returns the cluster to the source ensemble (${plan} shows what it does)`;
  if (!runbook.rollback) return data.finishedAt ? [] : [resumeOf(journal, runbook, inventory)];
  if (data.finishedAt) return [rollback];
  const resume = resumeOf(journal, runbook, inventory);
  return stepsOf(runbook).some((s) => journal.step(s.id)) ? [resume, rollback] : [resume];
}

function resumeOf(journal: Journal, runbook: Runbook, inventory: string): string {
  const method = journal.method;
  const pending = runbook.steps.find((s) => !journal.isDone(s.id));
  return pending
    ? `\`run -i ${inventory} --method ${method}\` resumes at ${pending.id} (finished steps are verified and skipped)`
    : `\`run -i ${inventory} --method ${method}\` verifies every step and finishes the run`;
}
