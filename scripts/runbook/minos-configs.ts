/**
 * The minos cluster config as the runbook needs it (`meta_control.kind: minos`): read through the
 * hosts door on this machine, its one `hosts_list` line found, and which ensemble it names.
 */
import { type MinosHostsList, readMinosHostsList } from "../../lib/minos-config.ts";
import type { Check } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import { readMetaConfig } from "./meta-configs.ts";

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

/**
 * With minos, its cluster config and every meta's config.ini name the same ensemble; otherwise
 * the next `./deploy … --update_config` would silently move the metas (always true without minos).
 */
export const minosConfigAgrees: Check<MigrationContext> = {
  title: "The minos cluster config names the same ensemble as every meta config",
  observe: async (ctx) => {
    const minos = await readMinosConfig(ctx);
    if (!minos) return { ok: true, evidence: `meta_control is ${ctx.inventory.metaControl.kind}` };
    const metas = await Promise.allSettled(
      ctx.inventory.metaServers.map((m) => readMetaConfig(ctx, m)),
    );
    const differing = metas.flatMap((read) => {
      if (read.status === "rejected") return [firstLine(read.reason)];
      const hosts = read.value.settings.zookeeperHosts;
      return hosts === minos.hostsList.value ? [] : [`${read.value.config.file} says ${hosts}`];
    });
    const says = `${minos.where} line ${minos.hostsList.line} says ${minos.hostsList.value}`;
    return differing.length
      ? { ok: false, evidence: `${says}; ${differing.join("; ")}` }
      : { ok: true, evidence: `${says}, as all ${metas.length} meta configs` };
  },
};

function firstLine(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] as string) : String(error);
}
