/**
 * Recover method, step 4. Upstream: "Edit the meta config: `[meta_server]
 * recover_from_replica_server = true`, `[zookeeper] hosts_list = {new Zookeeper host list}`".
 *
 * Done right (reference §5.7, §12.1.6): exactly one meta's config — the leader recorded in step 1
 * — edited on those two lines (the flag inserted when absent), every other byte kept, the original
 * in the journal's backups and the written text's hash journaled, so the undo and rollback can
 * prove the file is still ours before restoring it.
 */
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { everyMetaStopped, leaseHasPassed, targetAppsIsFree } from "../runbook/recover-checks.ts";
import { recoveryConfigEdit, recoveryConfigIsSet } from "../runbook/recover-config-checks.ts";
import { recoveryMeta } from "../runbook/recover-facts.ts";
import { originalConfig, writeTrackedConfig } from "../runbook/tracked-configs.ts";

const editRecoveryConfig: Step<MigrationContext> = {
  id: "recover/04-edit-recovery-config",
  title: "Point one meta's config at the target with recover_from_replica_server = true",
  destructive: true,
  preconditions: [everyMetaStopped, leaseHasPassed, targetAppsIsFree],
  run: async (ctx) => {
    const meta = recoveryMeta(ctx);
    const edit = recoveryConfigEdit(ctx, meta, await originalConfig(ctx, meta));
    for (const result of edit.results)
      if (result.diff) ctx.log({ kind: "info", message: result.diff.trimEnd() });
    await writeTrackedConfig(ctx, meta, edit.text, "recover/04-edit-recovery-config");
  },
  postconditions: [recoveryConfigIsSet],
};

export default editRecoveryConfig;
if (import.meta.main) await runAlone(editRecoveryConfig, "recover");
