/**
 * The journal facts of the recover method, by name: which step changed which meta config (and to
 * what), when the metas stopped, which meta recovers, when recovery succeeded, the undo. They are
 * spelled out here so `rollback` (and `status --json` readers) can rely on them.
 */
import type { MigrationContext } from "./context.ts";
import { metaAt } from "./metas.ts";

/** Fact names of the recover method. */
export const recoverFacts = {
  /** {@link RecoverBackup}: what step 1 saved (the files live under `backups/recover/`). */
  backup: "recover.backup",
  /** Address of the one meta started in recovery mode (the leader recorded by step 1). */
  recoveryMeta: "recover.recoveryMeta",
  /** {@link ConfigWrites}: every config text the tool wrote, by meta task. */
  configWrites: "recover.configWrites",
  /** ISO time the first meta stop was sent: from here on, a failure is undone automatically. */
  metasStoppingAt: "recover.metasStoppingAt",
  /** ISO time the leader's stop was sent (followers go first): the cluster stops serving here. */
  leaderStoppingAt: "recover.leaderStoppingAt",
  /** ISO time every meta was confirmed stopped (the lease wait counts from here). */
  metasStoppedAt: "recover.metasStoppedAt",
  /** Milliseconds waited for the failure-detector lease, and how it was computed. */
  leaseWait: "recover.leaseWait",
  /** ISO time step 5 first started the recovery meta: from here the target holds what it wrote. */
  recoveryMetaStartedAt: "recover.recoveryMetaStartedAt",
  /** ISO time `recover` answered ERR_OK: from here on the undo no longer applies. */
  recoveredAt: "recover.recoveredAt",
  /** {@link RecoverOutcome}: what `recover` reported. */
  recoverOutcome: "recover.outcome",
  /** ISO time the cluster was first healthy on the target (unavailability ends here). */
  healthyOnTargetAt: "recover.healthyOnTargetAt",
  /** Addresses of metas restarted by step 9, in order. */
  restartedMetas: "recover.restartedMetas",
  /** {@link TableListDiff}: the table list after recovery against the backup. */
  tableDiff: "recover.tableDiff",
  /** Envs re-applied by step 10: table → keys. */
  envsReapplied: "recover.envsReapplied",
  /** Every automatic undo: when, why, and the step records of the attempt it undid. */
  undos: "recover.undos",
} as const;

/** What step 1 backed up (names are journal backup names). */
export interface RecoverBackup {
  takenAt: string;
  /** `ls -a -d -j`, `nodes -d -j`, `cluster_info -j` and every table's envs, as one JSON file. */
  shellFile: string;
  /** Meta task → backup name of its original `config.ini`. */
  configs: Record<string, string>;
  /** Table id → name, partition count, status, envs: what step 10 compares and re-applies. */
  tables: { appId: number; name: string; status: string; partitionCount: number }[];
  envs: Record<string, Record<string, string>>;
  /** The recover node list: addresses of the `nodes -d -j` rows, every one ALIVE. */
  nodes: string[];
}

/** One config write: which step wrote it, when, and the text's SHA-256. */
export interface ConfigWrite {
  step: string;
  at: string;
  sha256: string;
}

/** Meta task → its writes, oldest first. */
export type ConfigWrites = Record<string, ConfigWrite[]>;

/** What `recover` reported on success. */
export interface RecoverOutcome {
  at: string;
  nodes: string[];
  skipBadNodes: boolean;
  skipLostPartitions: boolean;
  /** Listed nodes that did not answer and were skipped (`-b`). */
  skippedNodes: string[];
  /** Partitions recovered empty (`-l`): their data is lost. */
  lostPartitions: string[];
  /** Partitions with fewer replicas than max_replica_count. */
  partialPartitions: string[];
  /** The hint lines as printed. */
  hints: string[];
}

/** Differences between the table list after recovery and the backup (reference §8.7). */
export interface TableListDiff {
  /** Same id, another name (`name__<id>` renames). */
  renamed: { appId: number; before: string; after: string }[];
  /** Ids the backup had as AVAILABLE that are now missing or not AVAILABLE. */
  missing: { appId: number; name: string; status: string }[];
  /** AVAILABLE now, not AVAILABLE before (soft-deleted tables brought back). */
  resurrected: { appId: number; name: string }[];
  /** `__drop_holder__<id>` placeholders. */
  dropHolders: number[];
  /** Same id, another partition count. */
  partitionCountChanged: { appId: number; name: string; before: number; after: number }[];
}

/** True once `recover` answered ERR_OK (recorded by step 6). */
export function recoverySucceeded(ctx: MigrationContext): boolean {
  return ctx.journal.fact<string>(recoverFacts.recoveredAt) !== undefined;
}

/** The backup recorded by step 1, if any. */
export function recoverBackup(ctx: MigrationContext): RecoverBackup | undefined {
  return ctx.journal.fact<RecoverBackup>(recoverFacts.backup);
}

/** The meta recorded as the one to start in recovery mode. */
export function recoveryMeta(ctx: MigrationContext) {
  const address = ctx.journal.fact<string>(recoverFacts.recoveryMeta);
  return address
    ? metaAt(ctx, address)
    : (ctx.inventory.metaServers[0] as (typeof ctx.inventory.metaServers)[number]);
}
