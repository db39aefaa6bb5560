/**
 * The context every runbook step receives: the inventory, the journal and the three doors
 * (hosts for processes and files, shell for Pegasus, zk for the two ensembles). Steps reach the
 * world only through these, so `--dry-run` and ssh work the same for every step.
 */
import { Hosts } from "../../lib/hosts.ts";
import { type Inventory, loadInventory } from "../../lib/inventory.ts";
import { Journal, type Method } from "../../lib/journal.ts";
import { createLog, type Log } from "../../lib/log.ts";
import { PegasusShell } from "../../lib/shell/index.ts";
import type { StepContext } from "../../lib/step.ts";
import { ZkEnsembles } from "./zk-ensembles.ts";

/** What a migration step works with. */
export interface MigrationContext extends StepContext {
  inventory: Inventory;
  hosts: Hosts;
  shell: PegasusShell;
  zk: ZkEnsembles;
  /** `run --clean-old`: include the destructive clean-up of the old subtree. */
  cleanOld: boolean;
  /** `--skip-bad-nodes` / `--skip-lost-partitions`: the operator's explicit choice for `recover`. */
  recoverSkips: { badNodes: boolean; lostPartitions: boolean };
}

/** Options of {@link createContext}. */
export interface ContextOptions {
  inventoryFile: string;
  method: Method;
  dryRun?: boolean;
  yes?: boolean;
  cleanOld?: boolean;
  skipBadNodes?: boolean;
  skipLostPartitions?: boolean;
  json?: boolean;
  verbose?: boolean;
  /** `rollback`: may open a journal whose rollback is in progress. @default false */
  rollback?: boolean;
  /** @default a log to stdout built from `json` and `verbose` */
  log?: Log;
}

/**
 * Loads the inventory and opens the journal and doors. Dry runs keep the journal in memory.
 * Call {@link closeContext} when done.
 * @example const ctx = createContext({ inventoryFile: "c1.yaml", method: "copy", dryRun: true });
 */
export function createContext(options: ContextOptions): MigrationContext {
  const inventory = loadInventory(options.inventoryFile);
  const log = options.log ?? createLog({ json: options.json, verbose: options.verbose });
  const dryRun = options.dryRun ?? false;
  const hosts = new Hosts({
    log,
    dryRun,
    timeoutMs: inventory.timeouts.commandMs,
    ssh: inventory.ssh,
  });
  return {
    inventory,
    log,
    dryRun,
    yes: options.yes ?? false,
    cleanOld: options.cleanOld ?? false,
    recoverSkips: {
      badNodes: options.skipBadNodes ?? false,
      lostPartitions: options.skipLostPartitions ?? false,
    },
    journal: Journal.open(
      inventory.stateDir,
      { cluster: inventory.cluster, method: options.method },
      { persist: !dryRun, rollback: options.rollback ?? false },
    ),
    hosts,
    shell: new PegasusShell({ inventory, hosts, log }),
    zk: new ZkEnsembles(inventory, log, dryRun),
  };
}

/** Closes the ZooKeeper sessions the context opened. */
export async function closeContext(ctx: MigrationContext): Promise<void> {
  await ctx.zk.close();
}
