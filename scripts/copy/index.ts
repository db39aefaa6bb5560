/** The copy method (upstream method 2) as an ordered runbook. */
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import stopFollowers from "./01-stop-followers.ts";
import setBlind from "./02-set-blind.ts";
import copyTree from "./03-copy-tree.ts";
import switchConfig from "./04-switch-config.ts";
import restartLeader from "./05-restart-leader.ts";
import startFollowers from "./06-start-followers.ts";
import cleanOldZk from "./07-clean-old-zk.ts";

/** Steps 1–6: the migration itself. */
export const copySteps: Step<MigrationContext>[] = [
  stopFollowers,
  setBlind,
  copyTree,
  switchConfig,
  restartLeader,
  startFollowers,
];

/** Step 7: deleting the old subtree, only on explicit request (`--clean-old`, or `step copy/07-clean-old-zk`). */
export const copyCleanUp: Step<MigrationContext> = cleanOldZk;

/** Every step of the method, in order. */
export const allCopySteps: Step<MigrationContext>[] = [...copySteps, copyCleanUp];
