/**
 * The rollback runbook for a decision: the reverse migration when a meta led on the target, then
 * configs, restart on the source and the removal of the target copy — and the words that tell the
 * operator where the migration stands and what going back will do.
 */
import type { Journal } from "../../lib/journal.ts";
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import type { RollbackDecision } from "./rollback-decision.ts";
import type { Effect, RollbackFacts } from "./rollback-facts.ts";
import {
  copyBack,
  freezeTarget,
  stopMetasLeftOnTarget,
  stopTargetMetas,
} from "./rollback-reverse.ts";
import { removeTargetCopy, restartOnSource, restoreConfigsStep } from "./rollback-steps.ts";

/** The rollback steps, in order, for a decision. */
export function rollbackSteps(
  decision: RollbackDecision,
  facts: RollbackFacts,
): Step<MigrationContext>[] {
  const steps: Step<MigrationContext>[] = [];
  if (decision.reverse) steps.push(freezeTarget(facts), copyBack, stopTargetMetas);
  else if (decision.effects["metas-on-target"]) steps.push(stopMetasLeftOnTarget);
  steps.push(restoreConfigsStep(facts), restartOnSource(facts));
  if (decision.reverse || decision.effects["target-written"]) steps.push(removeTargetCopy);
  return steps;
}

const undone: Record<Effect, string> = {
  "metas-stopped": "start every meta again on the source, the old leader first",
  "leader-blind": "set the leader back to steady",
  "target-written": "snapshot the copy on the target into the backups, then remove it",
  "configs-edited": "restore each meta config to its backed-up bytes, once verified",
  "leader-on-target": "copy the target tree back to the source (reverse migration)",
  "source-root-removed": "the reverse migration copies into the empty old path",
  "metas-on-target": "stop the metas left running on the target ensemble",
};

/** Lines saying where the migration stands (from the journal) and what the rollback will do. */
export function describeRollback(
  journal: Journal,
  steps: string[],
  decision: RollbackDecision,
  rollback: Step<MigrationContext>[],
): string[] {
  const data = journal.snapshot;
  const standing = steps.map((id) => {
    const record = data.steps[id];
    return `  ${id.padEnd(26)} ${record ? record.status : "not started"}`;
  });
  const effects = Object.entries(decision.effects).map(
    ([effect, by]) => `  ${by.join(", ")}: ${undone[effect as Effect]}`,
  );
  return [
    `${data.method} migration of ${data.cluster} started ${data.createdAt}${data.finishedAt ? `, finished ${data.finishedAt}` : ", not finished"}:`,
    ...standing,
    "going back undoes:",
    ...(effects.length
      ? effects
      : ["  nothing was changed yet: only health on the source is checked"]),
    `reverse migration: ${decision.reverse ? "yes" : "no"} — ${decision.reason}`,
    "rollback steps:",
    ...rollback.map((s) => `  ${s.id.padEnd(32)} ${s.title}`),
  ];
}
