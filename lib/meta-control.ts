/**
 * Starting, stopping and querying a meta server with the inventory's templates (minos, systemd,
 * supervisor or custom), on the meta's own host, through the process door.
 */
import type { Command, Hosts, Output } from "./hosts.ts";
import { type Inventory, type MetaServer, metaList } from "./inventory.ts";
import { renderTemplate } from "./template.ts";

/** What can be done to a meta process. */
export type MetaAction = "start" | "stop" | "status";

/**
 * The command for one action on one meta, placeholders filled.
 * @example metaCommand(inv, inv.metaServers[0], "stop") // { argv: ["systemctl", "stop", "pegasus-meta@0"], … }
 */
export function metaCommand(inventory: Inventory, meta: MetaServer, action: MetaAction): Command {
  const control = inventory.metaControl;
  const argv = renderTemplate(control[action], {
    cluster: inventory.cluster,
    task: String(meta.task),
    address: meta.address,
    port: meta.address.split(":")[1] as string,
    host: meta.host,
    config: meta.config,
    meta_list: metaList(inventory),
  });
  const timeoutMs =
    action === "status"
      ? inventory.timeouts.commandMs
      : Math.max(
          inventory.timeouts.commandMs,
          action === "stop" ? inventory.timeouts.metaStopMs : inventory.timeouts.metaStartMs,
        );
  return control.cwd ? { argv, cwd: control.cwd, timeoutMs } : { argv, timeoutMs };
}

/** What the meta's status command said: running when it exits 0, and its output as evidence. */
export interface MetaStatus {
  running: boolean;
  output: Output;
}

/**
 * Runs the meta's status command (read-only). Its output — for `systemctl status`, the sandbox or
 * minos the state, how the process ended and the tail of its log — explains a meta that died.
 * @throws {Error} If the status command itself timed out.
 */
export async function metaStatus(
  hosts: Hosts,
  inventory: Inventory,
  meta: MetaServer,
): Promise<MetaStatus> {
  const out = await hosts.observe(meta.host, metaCommand(inventory, meta, "status"), {
    nothrow: true,
  });
  if (out.timedOut) throw new Error(`status of meta ${meta.address} timed out: ${out.line}`);
  return { running: out.exitCode === 0, output: out };
}

/** True when the meta's status command exits 0 (its process runs). */
export async function isMetaRunning(
  hosts: Hosts,
  inventory: Inventory,
  meta: MetaServer,
): Promise<boolean> {
  return (await metaStatus(hosts, inventory, meta)).running;
}

/** Runs the meta's stop command (a change: printed under dry-run). */
export function stopMeta(hosts: Hosts, inventory: Inventory, meta: MetaServer): Promise<Output> {
  return hosts.change(meta.host, metaCommand(inventory, meta, "stop"));
}

/** Runs the meta's start command (a change: printed under dry-run). */
export function startMeta(hosts: Hosts, inventory: Inventory, meta: MetaServer): Promise<Output> {
  return hosts.change(meta.host, metaCommand(inventory, meta, "start"));
}
