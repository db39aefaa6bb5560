/**
 * What a recover run reports at its end, from the journal's facts: how long the cluster was
 * unavailable (the leader's stop → healthy on the target) against the lease wait, what `recover`
 * skipped on the operator's request, the table-list differences and the envs re-applied.
 */
import type { MigrationContext } from "./context.ts";
import { type RecoverOutcome, recoverFacts, type TableListDiff } from "./recover-facts.ts";
import { describeDiff } from "./table-diff.ts";

/** The recover part of the run summary. */
export interface RecoverSummary {
  unavailableMs?: number;
  leaseWaitMs?: number;
  skippedNodes: string[];
  lostPartitions: string[];
  partialPartitions: string[];
  tableDiff?: TableListDiff;
  /** The differences in words, one per line. */
  tableDiffLines: string[];
  envsReapplied?: Record<string, string[]>;
}

/**
 * Collects the summary from the journal.
 * @example recoverSummary(ctx).unavailableMs // 14210
 */
export function recoverSummary(ctx: MigrationContext): RecoverSummary {
  const fact = <T>(key: string) => ctx.journal.fact<T>(key);
  const from = fact<string>(recoverFacts.leaderStoppingAt);
  const to = fact<string>(recoverFacts.healthyOnTargetAt);
  const outcome = fact<RecoverOutcome>(recoverFacts.recoverOutcome);
  const lease = fact<{ ms: number }>(recoverFacts.leaseWait);
  const tableDiff = fact<TableListDiff>(recoverFacts.tableDiff);
  const envsReapplied = fact<Record<string, string[]>>(recoverFacts.envsReapplied);
  return {
    ...(from && to ? { unavailableMs: Date.parse(to) - Date.parse(from) } : {}),
    ...(lease ? { leaseWaitMs: lease.ms } : {}),
    skippedNodes: outcome?.skippedNodes ?? [],
    lostPartitions: outcome?.lostPartitions ?? [],
    partialPartitions: outcome?.partialPartitions ?? [],
    ...(tableDiff ? { tableDiff } : {}),
    tableDiffLines: tableDiff ? describeDiff(tableDiff) : [],
    ...(envsReapplied ? { envsReapplied } : {}),
  };
}
