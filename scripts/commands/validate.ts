/** `validate -i FILE`: check an inventory offline and print a one-screen summary. */

import { formatMs } from "../../lib/duration.ts";
import {
  type Inventory,
  InventoryInvalid,
  lineOfKey,
  loadInventory,
  metaList,
} from "../../lib/inventory.ts";
import { templateWords } from "../../lib/template.ts";
import { parseTreeAddress } from "../../lib/zk/address.ts";
import { sharedServers } from "../../lib/zk/ensemble-identity.ts";

/** Options of the `validate` subcommand. */
export interface ValidateOptions {
  inventory: string;
  json?: boolean;
}

/** Loads the inventory (throwing on any problem) and prints its summary. */
export async function validate(options: ValidateOptions): Promise<void> {
  const inventory = loadInventory(options.inventory);
  await refuseSharedServers(inventory);
  // One line (NDJSON, like every --json command); main.ts adds the result event after it.
  process.stdout.write(
    options.json
      ? `${JSON.stringify({ kind: "inventory", ...inventory })}\n`
      : summarise(inventory),
  );
}

/**
 * Source and target must be two ensembles: a target list naming a source server under another
 * spelling (`localhost`, a hostname) would put the new root on the old ensemble. Names that do
 * not resolve here are compared as written; `check` and `run` ask the servers themselves.
 * @throws {InventoryInvalid} Naming each shared server with the target's line.
 */
async function refuseSharedServers(inv: Inventory): Promise<void> {
  const servers = (side: "source" | "target") => parseTreeAddress(inv.zookeeper[side]).servers;
  const shared = await sharedServers(servers("source"), servers("target"));
  if (shared.length === 0) return;
  const line = lineOfKey(inv, ["zookeeper", "target"]);
  throw new InventoryInvalid(
    inv.file,
    shared.map((s) => ({
      line,
      path: "zookeeper.target",
      expected: "an ensemble that shares no server with source",
      found: `${s.target}, which is source's ${s.source} (both ${s.address})`,
    })),
  );
}

/** The one-screen summary of a valid inventory. */
export function summarise(inv: Inventory): string {
  const words = (t: string | string[]) => templateWords(t).join(" ");
  const control = inv.metaControl;
  const lines = [
    `inventory ok: ${inv.file}`,
    `cluster       ${inv.cluster}`,
    `root          ${inv.zookeeper.root}`,
    `zookeeper     ${inv.zookeeper.source}  →  ${inv.zookeeper.target}`,
    `meta servers  ${inv.metaServers.length}: ${metaList(inv)}`,
    ...inv.metaServers.map(
      (m) => `  task ${m.task}  ${m.address}  on ${m.host}  config ${m.config}`,
    ),
    `replicas      ${inv.replicaServers.length ? `${inv.replicaServers.length} listed` : "not listed (taken from `nodes -d`)"}`,
    `shell         on ${inv.shell.host}${inv.shell.cwd ? ` in ${inv.shell.cwd}` : ""}: ${words(inv.shell.command)} (version ${inv.shell.version})`,
    `meta control  ${control.kind}${control.cwd ? ` in ${control.cwd}` : ""}`,
    `  start  ${words(control.start)}`,
    `  stop   ${words(control.stop)}`,
    `  status ${words(control.status)}`,
    `timeouts      command ${formatMs(inv.timeouts.commandMs)}, shell ${formatMs(inv.timeouts.shellMs)}, meta start ${formatMs(inv.timeouts.metaStartMs)}, healthy ${formatMs(inv.timeouts.healthyMs)}, fd lease ${inv.timeouts.fdLeaseMs === "auto" ? "auto" : formatMs(inv.timeouts.fdLeaseMs)}`,
    `state dir     ${inv.stateDir}`,
  ];
  return `${lines.join("\n")}\n`;
}
