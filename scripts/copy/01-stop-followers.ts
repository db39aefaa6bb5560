/**
 * Copy method, step 1. Upstream: "Stop all follower Meta Servers … keep only the leader Meta Server
 * in live state and stop all other follower Meta Servers throughout the entire migration process",
 * so that no follower takes the lock and becomes a leader with stale metadata.
 *
 * Before anything changes, the leader and the cluster's baseline (nodes, tables) are recorded:
 * every later health check compares against them.
 */
import type { Step } from "../../lib/step.ts";
import {
  everyNodeAlive,
  followersStopped,
  leaderServes,
  shellNamesTheCluster,
} from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { credentialsCoverTheCopy } from "../runbook/credential-checks.ts";
import { ensemblesAreDistinct } from "../runbook/ensemble-checks.ts";
import { runAlone } from "../runbook/execute.ts";
import { baseline } from "../runbook/health.ts";
import { ensureMetaStopped, followerMetas, recordLeader } from "../runbook/metas.ts";
import { targetRootIsFree } from "../runbook/tree-checks.ts";

const stopFollowers: Step<MigrationContext> = {
  id: "copy/01-stop-followers",
  title: "Stop every follower meta server; the leader keeps running",
  destructive: true,
  preconditions: [
    ensemblesAreDistinct,
    shellNamesTheCluster("source"),
    everyNodeAlive,
    targetRootIsFree,
    credentialsCoverTheCopy,
  ],
  run: async (ctx) => {
    await baseline(ctx);
    // Ask again on every attempt: if the leader failed over while the tool was not running, the
    // recorded one must not be kept while the new one is stopped as a "follower".
    await recordLeader(ctx);
    for (const meta of await followerMetas(ctx)) await ensureMetaStopped(ctx, meta);
  },
  postconditions: [followersStopped, leaderServes],
};

export default stopFollowers;
if (import.meta.main) await runAlone(stopFollowers, "copy");
