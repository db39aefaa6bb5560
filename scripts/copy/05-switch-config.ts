/**
 * Copy method, step 5. Upstream: "Modify the configuration file of Meta Servers and change the
 * `hosts_lists` value to the new service addresses". The key is `[zookeeper] hosts_list` — the
 * upstream page's `[meta_server] hosts_list` is wrong and would be silently ignored (reference
 * §5.2). Each config is edited on one line, every other byte kept, the original backed up; every
 * config is checked (readable, on the source, writable) before any is edited. With minos, the
 * minos cluster config is switched too: minos's `--update_config` would otherwise revert it.
 */
import type { Step } from "../../lib/step.ts";
import { everyConfigPointsAt } from "../runbook/checks.ts";
import { switchEveryConfig } from "../runbook/config-switch.ts";
import type { MigrationContext } from "../runbook/context.ts";
import { runAlone } from "../runbook/execute.ts";
import { targetEqualsSource } from "../runbook/tree-checks.ts";

const switchConfig: Step<MigrationContext> = {
  id: "copy/05-switch-config",
  title: "Point [zookeeper] hosts_list of every meta config at the new ensemble",
  destructive: true,
  preconditions: [targetEqualsSource],
  run: async (ctx) => {
    await switchEveryConfig(ctx, "target");
  },
  postconditions: [everyConfigPointsAt("target")],
};

export default switchConfig;
if (import.meta.main) await runAlone(switchConfig, "copy");
