/**
 * The copy method's facts for rollback: what each step may have changed once it started. The
 * generic rollback (`scripts/runbook/rollback-plan.ts`) undoes them; see README "Rollback".
 */
import { setConfigValue } from "../../lib/meta-config/index.ts";
import { setMinosHostsList } from "../../lib/minos-config.ts";
import { switchedConfigBackup } from "../runbook/config-switch.ts";
import type { RollbackFacts } from "../runbook/rollback-facts.ts";
import { copyWroteTarget } from "../runbook/tree-checks.ts";

/** Copy method (upstream method 2). */
export const copyRollbackFacts: RollbackFacts = {
  steps: [
    { step: "copy/01-stop-followers", effects: ["metas-stopped"] },
    {
      step: "copy/02-pre-copy",
      effects: ["target-written"],
      // A copy refused by its preconditions wrote nothing: what is there is not ours.
      applies: (journal) => journal.fact<boolean>(copyWroteTarget) === true,
    },
    { step: "copy/03-set-blind", effects: ["leader-blind"] },
    {
      step: "copy/04-copy-tree",
      effects: ["target-written"],
      // A copy refused by its preconditions wrote nothing: what is there is not ours.
      applies: (journal) => journal.fact<boolean>(copyWroteTarget) === true,
    },
    { step: "copy/05-switch-config", effects: ["configs-edited"] },
    // From the moment the leader is stopped for its restart, the target tree is the newer one.
    { step: "copy/06-restart-leader", effects: ["metas-stopped", "leader-on-target"] },
    { step: "copy/07-start-followers", effects: ["leader-on-target"] },
    { step: "copy/08-clean-old-zk", effects: ["leader-on-target", "source-root-removed"] },
  ],
  // copy/05 (switchEveryConfig) rewrites the one hosts_list line to the target ensemble.
  configWrites: (ctx, meta, original) => [
    setConfigValue(
      original,
      { section: "zookeeper", key: "hosts_list", value: ctx.inventory.zookeeper.target },
      meta.config,
    ).text,
  ],
  minosWrites: (ctx, original, where) => [
    setMinosHostsList(original, ctx.inventory.zookeeper.target, where).text,
  ],
  configBackup: switchedConfigBackup,
};
