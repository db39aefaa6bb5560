/**
 * Recover method, step 5. Upstream: "Start one meta server. It becomes the leader and waits in
 * recovery mode." Exactly the meta whose config step 4 edited; recovery mode is confirmed the way
 * reference §12.1.7 says: `ls` answers `ERR_UNDER_RECOVERY`.
 */
import { type Step, waitUntil } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { ensureMetaStarted } from "../runbook/metas.ts";
import {
  onlyRecoveryMetaRuns,
  otherMetasStopped,
  recoveryMetaLeadsOnTarget,
} from "../runbook/recover-checks.ts";
import { recoveryConfigIsSet } from "../runbook/recover-config-checks.ts";
import { recoverFacts, recoveryMeta } from "../runbook/recover-facts.ts";

const startRecoveryMeta: Step<MigrationContext> = {
  id: "recover/05-start-recovery-meta",
  title: "Start that one meta and confirm it waits in recovery mode",
  destructive: true,
  preconditions: [recoveryConfigIsSet, otherMetasStopped],
  run: async (ctx) => {
    // Journaled before the start: rollback removes what the meta wrote on the target only then.
    if (!ctx.dryRun && !ctx.journal.fact(recoverFacts.recoveryMetaStartedAt))
      ctx.journal.setFact(recoverFacts.recoveryMetaStartedAt, new Date().toISOString());
    await ensureMetaStarted(ctx, recoveryMeta(ctx));
    await waitUntil(
      ctx,
      () => recoveryMetaLeadsOnTarget.observe(ctx),
      ctx.inventory.timeouts.metaStartMs,
      "the meta answering ERR_UNDER_RECOVERY",
    );
  },
  postconditions: [onlyRecoveryMetaRuns, recoveryMetaLeadsOnTarget],
};

export default startRecoveryMeta;
if (import.meta.main) await runAlone(startRecoveryMeta, "recover");
