/**
 * The recover method's facts for rollback: what each step may have changed once it started. The
 * generic rollback (`scripts/runbook/rollback-plan.ts`) undoes them; see README "Rollback".
 * Before `recover` answered ERR_OK the target tree is incomplete and is never copied back: going
 * back is the automatic undo's path (configs restored, metas started on the source), plus
 * stopping the meta left in recovery mode and removing what it wrote on the target. Success is
 * also taken from the cluster when the journal missed it (`observe`): handing a recovered cluster
 * the source's stale tree would give the replicas stale ballots.
 */
import type { Journal } from "../../lib/journal.ts";
import { metaProcesses } from "../runbook/metas.ts";
import { recoveredOnCluster } from "../runbook/recover-checks.ts";
import { finalConfigText, recoveryConfigEdit } from "../runbook/recover-config-checks.ts";
import { recoverFacts } from "../runbook/recover-facts.ts";
import type { Effect, RollbackFacts, StepFacts } from "../runbook/rollback-facts.ts";
import { originalConfigName } from "../runbook/tracked-configs.ts";

/** The recovery meta was started on the target (journaled by step 5 before the start). */
const startedOnTarget = (journal: Journal) =>
  journal.fact<string>(recoverFacts.recoveryMetaStartedAt) !== undefined;

/** `recover` succeeded (step 6, or a killed run's success observed later): the target is newer. */
const recovered = (journal: Journal) =>
  journal.fact<string>(recoverFacts.recoveredAt) !== undefined;

const afterRecover = [
  "recover/06-recover",
  "recover/07-settle",
  "recover/08-reset-configs",
  "recover/09-restart-metas",
  "recover/10-restore-envs",
  "recover/11-clean-old-zk",
];

/** Recover method (upstream method 1). */
export const recoverRollbackFacts: RollbackFacts = {
  steps: [
    { step: "recover/02-stop-metas", effects: ["metas-stopped"] },
    { step: "recover/04-edit-recovery-config", effects: ["configs-edited"] },
    { step: "recover/05-start-recovery-meta", effects: ["metas-on-target"] },
    {
      step: "recover/05-start-recovery-meta",
      effects: ["target-written"],
      applies: startedOnTarget,
    },
    ...afterRecover.map(
      (step): StepFacts => ({ step, effects: ["leader-on-target"], applies: recovered }),
    ),
    { step: "recover/08-reset-configs", effects: ["configs-edited"] },
    // Step 9 stops the recovered leader for its restart.
    { step: "recover/09-restart-metas", effects: ["metas-stopped"] },
    { step: "recover/11-clean-old-zk", effects: ["source-root-removed"] },
  ],
  // Step 4's recovery config (flag true), step 8's final one (flag as originally), and the
  // flag set false by hand as upstream's step 8 says; all with hosts_list = target.
  configWrites: (ctx, meta, original) => [
    recoveryConfigEdit(ctx, meta, original).text,
    finalConfigText(ctx, meta, original),
    recoveryConfigEdit(ctx, meta, original, "false").text,
  ],
  // The recover method never edits the minos config: it must still name the source.
  minosWrites: () => [],
  configBackup: originalConfigName,
  observe: async (ctx) => {
    const found = new Map<Effect, string[]>();
    if (!startedOnTarget(ctx.journal) || recovered(ctx.journal)) return found;
    // No meta running: nothing to ask; the journal's account stands.
    if ((await metaProcesses(ctx, ctx.inventory.metaServers)).running.length === 0) return found;
    if (await recoveredOnCluster(ctx))
      found.set("leader-on-target", [
        "recover (its ERR_OK was not journaled, but the meta serves on the target)",
      ]);
    return found;
  },
};
