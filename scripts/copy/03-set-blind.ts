/**
 * Copy method, step 3. Upstream: "Set the leader Meta Server's meta_level to `blind`, to prohibit
 * any update operations on Zookeeper data": `set_meta_level blind`, then confirmed with
 * `get_meta_level`. (Reference §7.5: blind defers partition-configuration writes and rejects
 * table creation; operators must also hold off DDL, duplication, backup and bulk load — step 4
 * proves the source did not change while it copied.)
 */
import type { Step } from "../../lib/step.ts";
import { followersStopped, leaderIsBlind, leaderServes } from "../runbook/checks.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";

const setBlind: Step<MigrationContext> = {
  id: "copy/03-set-blind",
  title: "Put the leader into the blind meta level and confirm it",
  preconditions: [followersStopped, leaderServes],
  run: async (ctx) => {
    await ctx.shell.setMetaLevel("blind");
    if (!ctx.journal.fact("blindAt")) ctx.journal.setFact("blindAt", new Date().toISOString());
  },
  postconditions: [leaderIsBlind],
};

export default setBlind;
if (import.meta.main) await runAlone(setBlind, "copy");
