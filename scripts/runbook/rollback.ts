/**
 * `rollback` and `plan --rollback`: read the journal, verify every meta config still holds what
 * the tool wrote (else exit 3 with the diff, nothing changed), decide, say where the migration
 * stands and what going back does, then run the rollback steps — journaled, so a rollback killed
 * half-way completes when run again — and archive the journal so a later `run` starts afresh.
 */
import { PreconditionFailed } from "../../lib/errors.ts";
import { loadInventory } from "../../lib/inventory.ts";
import { Journal } from "../../lib/journal.ts";
import { askOnTty, runSteps, type Step } from "../../lib/step.ts";
import { closeContext, createContext, type MigrationContext } from "./context.ts";
import { runbookOf, stepsOf } from "./methods.ts";
import { verifyConfigsRestorable } from "./rollback-configs.ts";
import { decideRollback, recordDecision } from "./rollback-decision.ts";
import { describeRollback, rollbackSteps } from "./rollback-plan.ts";

/** Options of {@link executeRollback}. */
export interface RollbackOptions {
  inventoryFile: string;
  /** `plan --rollback`: print everything, change nothing. @default false */
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/**
 * Returns the cluster to the source ensemble from wherever the journal says the migration stands.
 * @throws {PreconditionFailed} No migration recorded; a config changed by someone else (with its
 *   diff); not confirmed — nothing changed in each case.
 */
export async function executeRollback(options: RollbackOptions): Promise<void> {
  const inventory = loadInventory(options.inventoryFile);
  const recorded = Journal.read(inventory.stateDir, false);
  if (!recorded || recorded.snapshot.rolledBackAt) {
    throw new PreconditionFailed(
      `Cannot roll back cluster ${inventory.cluster} as no migration of it is recorded in ${inventory.stateDir}`,
      { hint: "`status -i FILE` shows the journal, and the last rollback if there was one." },
    );
  }
  const runbook = await runbookOf(recorded.method);
  const facts = runbook.rollback;
  const ctx = createContext({ ...options, method: runbook.method, rollback: true });
  const lock = ctx.journal.lock(options.dryRun ? "plan --rollback" : "rollback");
  try {
    const started = performance.now();
    await verifyConfigsRestorable(ctx, facts);
    const decision = await decideRollback(ctx, facts);
    const steps = rollbackSteps(decision, facts);
    const forward = stepsOf(runbook).map((s) => s.id);
    for (const line of describeRollback(ctx.journal, forward, decision, steps))
      ctx.log({ kind: "info", message: line });
    if (!ctx.dryRun) {
      if (steps.some((s) => !ctx.journal.isDone(s.id))) await confirm(ctx);
      recordDecision(ctx.journal, decision);
    }
    const outcomes = await runSteps(steps as Step<MigrationContext>[], ctx);
    ctx.log({
      kind: "summary",
      method: `rollback of the ${runbook.method}`,
      outcomes,
      wallMs: Math.round(performance.now() - started),
    });
    if (ctx.dryRun) return;
    const archived = ctx.journal.finishRollback();
    ctx.log({
      kind: "info",
      message: `The cluster is back on ${inventory.zookeeper.source}. The journal and backups are kept in ${archived}; a later \`run\` starts a fresh migration.`,
    });
  } finally {
    lock?.release();
    await closeContext(ctx);
  }
}

/** Asks once before the rollback's first change; without a terminal, only `--yes` goes on. */
async function confirm(ctx: MigrationContext): Promise<void> {
  if (ctx.yes) return;
  const ask = ctx.ask ?? (process.stdin.isTTY ? askOnTty : undefined);
  if (!ask) {
    throw new PreconditionFailed("Cannot roll back without confirmation: stdin is not a terminal", {
      hint: "Pass --yes to roll back unattended; `plan --rollback -i FILE` shows what it would do.",
    });
  }
  if (!(await ask("Roll the cluster back to the source ensemble as described above? [y/N] "))) {
    throw new PreconditionFailed("Stopped before the rollback: not confirmed", {
      hint: "Nothing was changed; run `rollback -i FILE` again when ready.",
    });
  }
}
