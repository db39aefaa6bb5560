/** `step ID -i FILE [--dry-run] [--yes]`: one runbook step, with its checks and journal. */
import { UsageError } from "../../lib/errors.ts";
import { loadInventory } from "../../lib/inventory.ts";
import { Journal, type Method } from "../../lib/journal.ts";
import { executeSteps } from "../runbook/execute.ts";
import { runbookOf, stepsOf } from "../runbook/methods.ts";

/** The prefixes of step ids. */
const methods: readonly Method[] = ["copy", "recover"];

/** Options of `step`. */
export interface StepOptions {
  inventory: string;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  verbose?: boolean;
  skipBadNodes?: boolean;
  skipLostPartitions?: boolean;
}

/** Runs the step named `id` (e.g. `copy/04-copy-tree`; the method is its prefix). */
export async function step(id: string, options: StepOptions): Promise<void> {
  const method = id.split("/")[0] as string;
  if (!id.includes("/") || !methods.includes(method as Method)) {
    const copySteps = stepsOf(await runbookOf("copy")).map((s) => s.id);
    const meant = copySteps.find((s) => s.endsWith(`/${id}`) || s.startsWith(`copy/${id}-`));
    throw new UsageError(
      `Cannot run step ${id}: a step id starts with its method, e.g. copy/04-copy-tree`,
      {
        hint: `${meant ? `Run \`step ${meant} -i FILE\`. ` : ""}Steps: ${copySteps.join(", ")}`,
      },
    );
  }
  const runbook = await runbookOf(method);
  const found = stepsOf(runbook).find((s) => s.id === id || s.id.startsWith(`${id}-`));
  if (!found) {
    throw new UsageError(`Cannot run step ${id}: no such step`, {
      hint: `Steps: ${stepsOf(runbook)
        .map((s) => s.id)
        .join(", ")}`,
    });
  }
  const inventory = loadInventory(options.inventory);
  const journal = Journal.read(inventory.stateDir, false);
  if (journal && journal.method !== runbook.method && !journal.snapshot.finishedAt) {
    throw new UsageError(`Cannot run ${found.id}: a ${journal.method} migration is in progress`, {
      hint: "See `status -i FILE`.",
    });
  }
  await executeSteps(
    [found],
    runbook.method,
    {
      inventoryFile: options.inventory,
      dryRun: options.dryRun,
      yes: options.yes,
      json: options.json,
      verbose: options.verbose,
      skipBadNodes: options.skipBadNodes,
      skipLostPartitions: options.skipLostPartitions,
    },
    `step ${found.id}`,
  );
}
