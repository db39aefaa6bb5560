/**
 * The recover method's automatic undo (reference §12.1.8: "On failure, restore the configs and
 * restart the metas against the old ensemble"). It applies from the moment the first meta stop was
 * sent until `recover` answered ERR_OK: the old tree was never written in between, so going back
 * is safe. Built from pieces rollback reuses: stop every meta, restore each config the tool wrote
 * from its backup (checked first), start every meta, wait until healthy on the source.
 */
import { ActionFailed, ToolError } from "../../lib/errors.ts";
import type { MigrationContext } from "./context.ts";
import { waitHealthy } from "./health.ts";
import { ensureMetaStarted, ensureMetaStopped } from "./metas.ts";
import { leaderServesOnTarget } from "./recover-checks.ts";
import { recoverFacts, recoverySucceeded } from "./recover-facts.ts";
import { restoreConfigFromBackup } from "./tracked-configs.ts";

/**
 * `recover` answered ERR_TRY_AGAIN: the operator decides (bring the node back, or skip it); the
 * meta keeps waiting in recovery mode, so the undo does not apply.
 */
export class RecoverAwaitsDecision extends ActionFailed {}

/**
 * Whether a failure of the recover runbook calls for the automatic undo: a meta stop was sent,
 * recovery has not succeeded — not per the journal, and not per the cluster either (a run killed
 * while `recover` was in flight may not have seen its ERR_OK; the leader then already serves on
 * the target, and going back would hand the source's stale ballots to the replicas, §9.3).
 */
export async function undoApplies(ctx: MigrationContext, error: unknown): Promise<boolean> {
  if (ctx.dryRun || recoverySucceeded(ctx)) return false;
  if (!ctx.journal.fact<string>(recoverFacts.metasStoppingAt)) return false;
  if (error instanceof RecoverAwaitsDecision) return false;
  const onTarget = await leaderServesOnTarget.observe(ctx).catch(() => ({ ok: false }));
  if (onTarget.ok) ctx.journal.setFact(recoverFacts.recoveredAt, new Date().toISOString());
  return !onTarget.ok;
}

/**
 * Puts the cluster back on the source ensemble and records it: every meta stopped, every config
 * the tool wrote restored byte for byte, every meta started, healthy on the source.
 * @returns The configs restored (meta addresses).
 * @throws {ActionFailed} If a piece of the undo fails (the message says what state is left).
 */
export async function putBackOnSource(ctx: MigrationContext): Promise<string[]> {
  const metas = ctx.inventory.metaServers;
  for (const meta of metas) await ensureMetaStopped(ctx, meta);
  const restored: string[] = [];
  for (const meta of metas)
    if (await restoreConfigFromBackup(ctx, meta)) restored.push(meta.address);
  for (const meta of metas) await ensureMetaStarted(ctx, meta);
  await waitHealthy(ctx, "source");
  return restored;
}

/**
 * Runs the undo after `error` when it applies, then throws the final error: exit 1 saying what
 * failed and that the cluster is back where it was (or, if the undo failed too, both).
 * Forgets the undone attempt's steps (their records kept in the `recover.undos` fact), so the
 * next `run` starts again from stopping the metas.
 */
export async function undoAfterFailure(ctx: MigrationContext, error: unknown): Promise<never> {
  const reason = error instanceof Error ? error.message : String(error);
  ctx.log({
    kind: "warn",
    message: `recovery did not succeed: ${reason.split("\n")[0]} — putting the cluster back on the source ensemble`,
  });
  const undoneSteps = Object.fromEntries(
    Object.entries(ctx.journal.snapshot.steps).filter(([id]) => id.startsWith("recover/")),
  );
  let restored: string[];
  try {
    restored = await putBackOnSource(ctx);
  } catch (undoError) {
    throw new ActionFailed(
      `Recovery failed (${reason.split("\n")[0]}) and the automatic undo failed too: ${undoError instanceof Error ? undoError.message : String(undoError)}`,
      {
        hint: "The old tree on the source was never written. By hand: stop every meta, copy each config back from the state dir's backups/recover/configs/, start every meta, then `check -i FILE --method recover`.",
        cause: error,
      },
    );
  }
  const undos = ctx.journal.fact<unknown[]>(recoverFacts.undos) ?? [];
  ctx.journal.setFact(recoverFacts.undos, [
    ...undos,
    { at: new Date().toISOString(), reason, restoredConfigs: restored, steps: undoneSteps },
  ]);
  for (const id of Object.keys(undoneSteps)) ctx.journal.forget(id);
  for (const fact of [
    recoverFacts.metasStoppingAt,
    recoverFacts.leaderStoppingAt,
    recoverFacts.metasStoppedAt,
    recoverFacts.leaseWait,
  ])
    ctx.journal.forgetFact(fact);
  throw new ActionFailed(
    `${reason.split("\n")[0]} — the cluster is back where it was: every meta config restored byte-identical from its backup (${restored.length ? restored.join(", ") : "none had changed"}), every meta running on the source ensemble, healthy there`,
    {
      hint:
        error instanceof ToolError && error.hint
          ? `${error.hint} Then \`run\` again: it starts over from stopping the metas.`
          : "Fix the cause, then `run` again: it starts over from stopping the metas.",
      cause: error,
    },
  );
}
