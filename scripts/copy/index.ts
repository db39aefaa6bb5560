/** The copy method (upstream method 2) as an ordered runbook. */
import type { Step } from "../../lib/step.ts";
import type { MigrationContext } from "../runbook/context.ts";
import stopFollowers from "./01-stop-followers.ts";
import preCopy from "./02-pre-copy.ts";
import setBlind from "./03-set-blind.ts";
import copyTree from "./04-copy-tree.ts";
import switchConfig from "./05-switch-config.ts";
import restartLeader from "./06-restart-leader.ts";
import startFollowers from "./07-start-followers.ts";
import cleanOldZk from "./08-clean-old-zk.ts";

/** Steps 1–7: the migration itself. */
export const copySteps: Step<MigrationContext>[] = [
  stopFollowers,
  preCopy,
  setBlind,
  copyTree,
  switchConfig,
  restartLeader,
  startFollowers,
];

/** Step 8: deleting the old subtree, only on explicit request (`--clean-old`, or `step copy/08-clean-old-zk`). */
export const copyCleanUp: Step<MigrationContext> = cleanOldZk;

/** Every step of the method, in order. */
export const allCopySteps: Step<MigrationContext>[] = [...copySteps, copyCleanUp];
