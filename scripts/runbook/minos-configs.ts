/**
 * The minos cluster config as the runbook needs it (`meta_control.kind: minos`): read through the
 * hosts door on this machine, its one `hosts_list` line found, and which ensemble it names.
 */
import { type MinosHostsList, readMinosHostsList } from "../../lib/minos-config.ts";
import type { MigrationContext } from "./context.ts";

/** The minos config as read now. */
export interface MinosConfigFile {
  host: string;
  path: string;
  where: string;
  text: string;
  hostsList: MinosHostsList;
  points: "source" | "target" | "other";
}

/**
 * Reads the minos cluster config, or returns undefined when meta_control is not minos.
 * @throws {PreconditionFailed} If it does not hold exactly one hosts_list line.
 */
export async function readMinosConfig(ctx: MigrationContext): Promise<MinosConfigFile | undefined> {
  const path = ctx.inventory.metaControl.minosConfig;
  if (ctx.inventory.metaControl.kind !== "minos" || !path) return undefined;
  const host = "local";
  const text = await ctx.hosts.readFile(host, path);
  const hostsList = readMinosHostsList(text, path);
  const { source, target } = ctx.inventory.zookeeper;
  const points =
    hostsList.value === source ? "source" : hostsList.value === target ? "target" : "other";
  return { host, path, where: `minos config ${path}`, text, hostsList, points };
}
