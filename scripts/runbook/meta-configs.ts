/**
 * Each meta's `config.ini` as the runbook needs it: read through the hosts door, parsed the rDSN
 * way, checked against the inventory, and which ensemble it names (`config-switch.ts` edits it).
 */
import { PreconditionFailed } from "../../lib/errors.ts";
import type { MetaServer } from "../../lib/inventory.ts";
import {
  type MetaConfig,
  type MetaSettings,
  parseMetaConfig,
  readMetaSettings,
  verifyConfigIsLive,
} from "../../lib/meta-config/index.ts";
import type { MigrationContext } from "./context.ts";

/** One meta's config as read now. */
export interface MetaConfigFile {
  meta: MetaServer;
  text: string;
  config: MetaConfig;
  settings: MetaSettings;
}

/**
 * Reads and checks a meta's config: live (no template placeholders), `[zookeeper] hosts_list`
 * exactly once, `cluster_root` equal to the inventory's root.
 * @throws {PreconditionFailed} Naming the file, line and what is wrong.
 */
export async function readMetaConfig(
  ctx: MigrationContext,
  meta: MetaServer,
): Promise<MetaConfigFile> {
  const where = meta.host === "local" ? meta.config : `${meta.host}:${meta.config}`;
  const text = await ctx.hosts.readFile(meta.host, meta.config);
  const config = parseMetaConfig(text, where);
  verifyConfigIsLive(config);
  const settings = readMetaSettings(config);
  const duplicate = config.duplicates.find(
    (d) => d.section === "zookeeper" && d.key === "hosts_list",
  );
  if (settings.zookeeperHosts === undefined || duplicate) {
    throw new PreconditionFailed(
      `Cannot use meta config ${where} as [zookeeper] hosts_list must occur exactly once: ${duplicate ? `found again at line ${duplicate.line}` : "it is missing"}`,
      {
        hint: "The meta reads its ensemble from [zookeeper] hosts_list (not [meta_server] hosts_list); fix the file by hand.",
      },
    );
  }
  if (settings.clusterRoot !== ctx.inventory.zookeeper.root) {
    throw new PreconditionFailed(
      `Cannot use meta config ${where} as its [meta_server] cluster_root is ${settings.clusterRoot ?? "missing (code default /)"}, not ${ctx.inventory.zookeeper.root}`,
      { hint: "Check zookeeper.root in the inventory and meta_servers[].config." },
    );
  }
  return { meta, text, config, settings };
}

/** The ensemble a config points at: `source`, `target` or `other`. */
export function ensembleOf(
  ctx: MigrationContext,
  file: MetaConfigFile,
): "source" | "target" | "other" {
  const hosts = file.settings.zookeeperHosts;
  return hosts === ctx.inventory.zookeeper.source
    ? "source"
    : hosts === ctx.inventory.zookeeper.target
      ? "target"
      : "other";
}
