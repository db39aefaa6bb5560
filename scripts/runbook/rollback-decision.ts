/**
 * What a rollback will do, decided once from the journal (which steps started, and the method's
 * facts about them) and one look at the cluster, then recorded: a resumed rollback keeps the same
 * decision even though the cluster has moved on since.
 */
import { type Journal, rollbackFact } from "../../lib/journal.ts";
import type { ClusterInfo } from "../../lib/shell/index.ts";
import { waitFor } from "../../lib/wait-for.ts";
import type { MigrationContext } from "./context.ts";
import { metaProcesses } from "./metas.ts";
import { namesEnsemble } from "./names-ensemble.ts";
import { type Effect, effectsIn, type RollbackFacts } from "./rollback-facts.ts";

/** The recorded decision of a rollback. */
export interface RollbackDecision {
  decidedAt: string;
  /** Each effect found, with the steps that caused it. */
  effects: Partial<Record<Effect, string[]>>;
  /** Copy the target root back to the source first: a meta led on the target. */
  reverse: boolean;
  /** Why `reverse` is what it is, for the plan and the journal. */
  reason: string;
}

/** The decision recorded by an earlier attempt, if any. */
export function recordedDecision(journal: Journal): RollbackDecision | undefined {
  return journal.fact<RollbackDecision>(rollbackFact);
}

/**
 * Decides (or returns the recorded decision), without recording it: a reverse migration is needed
 * when a step that lets a meta lead on the target started, unless a meta still leads on the
 * source — then the target never got ahead of the source (the leader is stopped before it
 * restarts on the target). Record it with {@link recordDecision} once the operator agreed.
 */
export async function decideRollback(
  ctx: MigrationContext,
  facts: RollbackFacts,
): Promise<RollbackDecision> {
  const recorded = recordedDecision(ctx.journal);
  if (recorded) return recorded;
  const found = effectsIn(ctx.journal, facts);
  for (const [effect, causes] of (await facts.observe?.(ctx)) ?? [])
    found.set(effect, [...(found.get(effect) ?? []), ...causes]);
  const effects = Object.fromEntries(found) as RollbackDecision["effects"];
  let reverse = false;
  let reason = "no meta has led on the target ensemble: the source tree is the current one";
  if (effects["leader-on-target"]) {
    const onSource = await leaderOnSource(ctx);
    reverse = onSource === undefined;
    reason = reverse
      ? `${effects["leader-on-target"].join(", ")} started and no meta leads on the source: the target tree is the newer one and is copied back`
      : `${effects["leader-on-target"].join(", ")} started, but ${onSource} still leads on the source: the source tree is the current one`;
  }
  return { decidedAt: new Date().toISOString(), effects, reverse, reason };
}

/** Records the decision: from now on the journal belongs to the rollback until it finishes. */
export function recordDecision(journal: Journal, decision: RollbackDecision): void {
  if (!recordedDecision(journal)) journal.setFact(rollbackFact, decision);
}

/**
 * The meta leading on the source ensemble now, or undefined. With no meta process running none
 * leads; otherwise `cluster_info` must name a primary (a meta just started may take a moment; a
 * shell that never answers stops the rollback before any change).
 */
async function leaderOnSource(ctx: MigrationContext): Promise<string | undefined> {
  const { running } = await metaProcesses(ctx, ctx.inventory.metaServers);
  if (running.length === 0) return undefined;
  let info: ClusterInfo | undefined;
  await waitFor(
    async () => {
      info = await ctx.shell.clusterInfo();
      return {
        ok: info.primaryMetaServer !== "",
        evidence: `primary ${info.primaryMetaServer || "(none)"} on ${info.zookeeperHosts}`,
      };
    },
    ctx.inventory.timeouts.metaStartMs,
    { what: `a primary meta answering cluster_info (running: ${running.join(", ")})` },
  );
  const { primaryMetaServer, zookeeperHosts } = info as ClusterInfo;
  return (await namesEnsemble(ctx, zookeeperHosts, "source")) ? primaryMetaServer : undefined;
}
