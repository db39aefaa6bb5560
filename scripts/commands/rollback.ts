/** `rollback -i FILE [--yes] [--json]`: return the cluster to the source ensemble from any step. */
import { executeRollback } from "../runbook/rollback.ts";

/** Options of `rollback`. */
export interface RollbackCommandOptions {
  inventory: string;
  yes?: boolean;
  json?: boolean;
  verbose?: boolean;
}

/** Rolls back the migration the journal records (see `scripts/runbook/rollback.ts`). */
export function rollback(options: RollbackCommandOptions): Promise<void> {
  return executeRollback({
    inventoryFile: options.inventory,
    yes: options.yes,
    json: options.json,
    verbose: options.verbose,
  });
}
