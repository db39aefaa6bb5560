/**
 * Running steps for real or as a plan: context, run lock, the runner, clean-up and exit code in
 * one place, shared by `run`, `step`, `plan` and every step script run alone.
 */
import { Command } from "commander";
import { endCommand } from "../../lib/command-result.ts";
import { ExitCode } from "../../lib/errors.ts";
import type { Method } from "../../lib/journal.ts";
import { runStep, runSteps, type Step, type StepOutcome } from "../../lib/step.ts";
import {
  type ContextOptions,
  closeContext,
  createContext,
  type MigrationContext,
} from "./context.ts";

/** Options shared by `run`, `step` and `plan`. */
export type ExecuteOptions = Omit<ContextOptions, "method">;

/**
 * Runs steps in order (a whole runbook or one step), holding the cluster's run lock throughout.
 * Under `dryRun` nothing is locked or journaled and every change is printed instead.
 * @returns Each step's outcome and the context's journal, for the caller's summary.
 */
export async function executeSteps(
  steps: Step<MigrationContext>[],
  method: Method,
  options: ExecuteOptions,
  describe: string,
): Promise<{ outcomes: Record<string, StepOutcome>; ctx: MigrationContext }> {
  const ctx = createContext({ ...options, method });
  const lock = ctx.journal.lock(describe);
  try {
    const outcomes =
      steps.length === 1
        ? { [steps[0]?.id as string]: await runStep(steps[0] as Step<MigrationContext>, ctx) }
        : await runSteps(steps, ctx);
    return { outcomes, ctx };
  } catch (error) {
    // The recover method puts the cluster back on the source after a failure before recovery.
    if (method === "recover") {
      const undo = await import("./undo-recover.ts");
      if (await undo.undoApplies(ctx, error)) await undo.undoAfterFailure(ctx, error);
    }
    throw error;
  } finally {
    lock?.release();
    await closeContext(ctx);
  }
}

/**
 * Entry point of a step script executed directly (`bun scripts/copy/04-copy-tree.ts -i inv.yaml`):
 * the same flags and exit codes as `pegasus-zk-migrate step ID`.
 */
export async function runAlone(step: Step<MigrationContext>, method: Method): Promise<void> {
  const program = new Command(step.id)
    .description(step.title)
    .requiredOption("-i, --inventory <file>", "the cluster's YAML inventory")
    .option("--dry-run", "print what the step would do; change nothing")
    .option("--yes", "do not ask before destructive actions")
    .option("--json", "print NDJSON events")
    .option("--verbose", "print every command and error stacks")
    .exitOverride();
  if (method === "recover")
    program
      .option("--skip-bad-nodes", "recover: skip listed nodes that do not answer (journaled)")
      .option(
        "--skip-lost-partitions",
        "recover: recover partitions without replicas EMPTY (journaled)",
      );
  let json = false;
  let verbose = false;
  try {
    program.parse(process.argv);
    const o = program.opts();
    json = o.json === true;
    verbose = o.verbose === true;
    await executeSteps(
      [step],
      method,
      {
        inventoryFile: o.inventory,
        dryRun: o.dryRun,
        yes: o.yes,
        json: o.json,
        verbose: o.verbose,
        skipBadNodes: o.skipBadNodes,
        skipLostPartitions: o.skipLostPartitions,
      },
      `step ${step.id}`,
    );
    process.exitCode = endCommand({ exitCode: ExitCode.ok, json, verbose });
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith("commander.")) {
      process.exitCode =
        (error as { exitCode: number }).exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    process.exitCode = endCommand({ error, exitCode: ExitCode.failed, json, verbose });
  }
}
