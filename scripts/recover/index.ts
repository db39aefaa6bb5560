/** The recover method (upstream method 1, metadata recovery) as an ordered runbook. */
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import identifyAndBackUp from "./01-identify-and-back-up.ts";
import stopMetas from "./02-stop-metas.ts";
import waitLease from "./03-wait-lease.ts";
import editRecoveryConfig from "./04-edit-recovery-config.ts";
import startRecoveryMeta from "./05-start-recovery-meta.ts";
import recoverStep from "./06-recover.ts";
import settle from "./07-settle.ts";
import resetConfigs from "./08-reset-configs.ts";
import restartMetas from "./09-restart-metas.ts";
import restoreEnvs from "./10-restore-envs.ts";
import cleanOldZk from "./11-clean-old-zk.ts";

/** Steps 1–10: the migration itself. */
export const recoverSteps: Step<MigrationContext>[] = [
  identifyAndBackUp,
  stopMetas,
  waitLease,
  editRecoveryConfig,
  startRecoveryMeta,
  recoverStep,
  settle,
  resetConfigs,
  restartMetas,
  restoreEnvs,
];

/** Step 11: deleting the old subtree, only on explicit request (`--clean-old`, or the step alone). */
export const recoverCleanUp: Step<MigrationContext> = cleanOldZk;
