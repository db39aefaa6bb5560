/**
 * Checks of the recover method on the meta configs: the key it edits exists, recovery is off
 * before and after, the one edited config asks for recovery on the target, and every config ends
 * as its original with only `hosts_list` = target.
 */
import type { MetaServer } from "../../lib/inventory.ts";
import {
  parseMetaConfig,
  readMetaSettings,
  setConfigValue,
  setConfigValues,
} from "../../lib/meta-config/index.ts";
import type { Check } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import { readMetaConfig } from "./meta-configs.ts";
import { recoveryMeta } from "./recover-facts.ts";
import { originalConfig } from "./tracked-configs.ts";

type MigrationCheck = Check<MigrationContext>;

/** Every meta config has a `[zookeeper]` section with `hosts_list` (the key step 4 edits). */
export const everyConfigHasZookeeperSection: MigrationCheck = {
  title: "Every meta config has a [zookeeper] section with hosts_list",
  observe: async (ctx) => {
    const problems: string[] = [];
    for (const meta of ctx.inventory.metaServers) {
      const text = await ctx.hosts.readFile(meta.host, meta.config);
      const config = parseMetaConfig(text, meta.config);
      if (!config.sections.has("zookeeper"))
        problems.push(`${meta.config}: no [zookeeper] section`);
      else if (!config.sections.get("zookeeper")?.has("hosts_list"))
        problems.push(`${meta.config}: [zookeeper] has no hosts_list`);
    }
    return {
      ok: problems.length === 0,
      evidence: problems.join("; ") || `${ctx.inventory.metaServers.length} configs have one`,
    };
  },
};

/** No meta config already asks for recovery: a meta would abort on a tree with tables (§8.6). */
export const noConfigRecovers: MigrationCheck = {
  title: "No meta config has recover_from_replica_server = true",
  observe: async (ctx) => {
    const files = await Promise.all(ctx.inventory.metaServers.map((m) => readMetaConfig(ctx, m)));
    const on = files.filter((f) => f.settings.recoverFromReplicaServer === true);
    return {
      ok: on.length === 0,
      evidence: on.length
        ? `set in ${on.map((f) => f.config.file).join(", ")}`
        : `${files.length} configs without it`,
    };
  },
};

/** The recovery meta's config names the target and asks for recovery. */
export const recoveryConfigIsSet: MigrationCheck = {
  title: "The recovery meta's config names the target with recover_from_replica_server = true",
  observe: async (ctx) => {
    const meta = recoveryMeta(ctx);
    const { settings, config } = await readMetaConfig(ctx, meta);
    const ok =
      settings.zookeeperHosts === ctx.inventory.zookeeper.target &&
      settings.recoverFromReplicaServer === true;
    return {
      ok,
      evidence: `${config.file}: hosts_list = ${settings.zookeeperHosts}, recover_from_replica_server = ${settings.recoverFromReplicaServer ?? "(absent)"}`,
    };
  },
};

/** Every config is its original with only `hosts_list` = target: recovery off everywhere (§12.1.10). */
export const everyConfigReset: MigrationCheck = {
  title: "Every meta config is its original with hosts_list = target (recovery off)",
  observe: async (ctx) => {
    const wrong: string[] = [];
    for (const meta of ctx.inventory.metaServers) {
      const text = await ctx.hosts.readFile(meta.host, meta.config);
      if (text === (await finalConfig(ctx, meta))) continue;
      const settings = readMetaSettings(parseMetaConfig(text, meta.config));
      wrong.push(
        `${meta.config}: hosts_list = ${settings.zookeeperHosts}, recover_from_replica_server = ${settings.recoverFromReplicaServer ?? "(absent)"}`,
      );
    }
    return {
      ok: wrong.length === 0,
      evidence: wrong.join("; ") || `${ctx.inventory.metaServers.length} configs reset`,
    };
  },
};

/** A meta's final config: its original with `[zookeeper] hosts_list` = target, nothing else. */
export async function finalConfig(ctx: MigrationContext, meta: MetaServer): Promise<string> {
  return finalConfigText(ctx, meta, await originalConfig(ctx, meta));
}

/** {@link finalConfig} from the original's text. */
export function finalConfigText(ctx: MigrationContext, meta: MetaServer, original: string): string {
  return setConfigValue(
    original,
    { section: "zookeeper", key: "hosts_list", value: ctx.inventory.zookeeper.target },
    meta.config,
  ).text;
}

/**
 * The recovery meta's config of step 4: its original with `hosts_list` = target and
 * `recover_from_replica_server` = `flag` (step 4 writes true; upstream's step 8 done by hand
 * writes false).
 */
export function recoveryConfigEdit(
  ctx: MigrationContext,
  meta: MetaServer,
  original: string,
  flag: "true" | "false" = "true",
) {
  return setConfigValues(
    original,
    [
      { section: "zookeeper", key: "hosts_list", value: ctx.inventory.zookeeper.target },
      { section: "meta_server", key: "recover_from_replica_server", value: flag },
    ],
    meta.config,
  );
}
