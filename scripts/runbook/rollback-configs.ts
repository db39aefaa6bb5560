/**
 * Configs during a rollback — each meta's `config.ini` and, with minos, the minos cluster config:
 * each file must still hold either its original bytes (the backup taken before the first edit) or
 * exactly what the tool wrote; anything else was changed by someone else and is refused with its
 * diff. Verified files are restored to their backup.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { PreconditionFailed } from "../../lib/errors.ts";
import { lineDiff } from "../../lib/line-diff.ts";
import type { Check } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import { ensembleOf, readMetaConfig } from "./meta-configs.ts";
import { readMinosConfig } from "./minos-configs.ts";
import type { RollbackFacts } from "./rollback-facts.ts";

/** Where a config stands before it is restored. */
export interface ConfigStanding {
  host: string;
  path: string;
  /** `host:path`, or the path for a local file. */
  where: string;
  now: string;
  /** The bytes before the first edit, when the tool ever edited this file. */
  original?: string;
  /** original: as before the migration · written: as the tool wrote it · changed: by someone else. */
  state: "original" | "written" | "changed";
  /** For `changed`: what differs (a unified diff, or why there is none). */
  detail?: string;
}

/** A config file the migration may have edited, and how to tell what the tool wrote there. */
interface EditableConfig {
  host: string;
  path: string;
  where: string;
  /** Backup name the method keeps before the first edit (minos: `switchEveryConfig`'s). */
  backup: string;
  /** Every text the tool may have written, given the original. */
  written: (original: string) => string[];
  /** For a file never edited: which ensemble it names now. */
  names: () => Promise<"source" | "target" | "other">;
}

/** Every config the migration may have edited: the metas' and, with minos, the minos one. */
async function editableConfigs(
  ctx: MigrationContext,
  facts: RollbackFacts,
): Promise<EditableConfig[]> {
  const metas = ctx.inventory.metaServers.map(
    (meta): EditableConfig => ({
      host: meta.host,
      path: meta.config,
      where: meta.host === "local" ? meta.config : `${meta.host}:${meta.config}`,
      backup: facts.configBackup(meta),
      written: (original) => facts.configWrites(ctx, meta, original),
      names: async () => ensembleOf(ctx, await readMetaConfig(ctx, meta)),
    }),
  );
  const minos = await readMinosConfig(ctx);
  if (!minos) return metas;
  return [
    ...metas,
    {
      host: minos.host,
      path: minos.path,
      where: minos.where,
      backup: `configs/minos-${basename(minos.path)}`,
      written: (original) => facts.minosWrites(ctx, original, minos.where),
      names: async () => minos.points,
    },
  ];
}

/** Reads every config and tells which are original, as written by the tool, or changed. */
export async function configStandings(
  ctx: MigrationContext,
  facts: RollbackFacts,
): Promise<ConfigStanding[]> {
  const configs = await editableConfigs(ctx, facts);
  return Promise.all(configs.map((config) => standingOf(ctx, config)));
}

async function standingOf(ctx: MigrationContext, config: EditableConfig): Promise<ConfigStanding> {
  const { host, path, where } = config;
  const now = await ctx.hosts.readFile(host, path);
  const backup = ctx.journal.snapshot.backups[config.backup];
  if (!backup) {
    // Never edited by the tool: it must still name the source ensemble.
    const ensemble = await config.names();
    return ensemble === "source"
      ? { host, path, where, now, state: "original" }
      : {
          host,
          path,
          where,
          now,
          state: "changed",
          detail: `the tool never edited it, yet its hosts_list names the ${ensemble} ensemble`,
        };
  }
  const original = readFileSync(backup, "utf8");
  if (now === original) return { host, path, where, now, original, state: "original" };
  const written = config.written(original);
  if (written.includes(now)) return { host, path, where, now, original, state: "written" };
  const diff = lineDiff(written[0] ?? original, now, where, {
    beforeLabel: "as the tool wrote it",
    afterLabel: "now",
  });
  return { host, path, where, now, original, state: "changed", detail: diff };
}

/** Every config holds its original bytes or exactly what the tool wrote. */
export function configsRestorable(facts: RollbackFacts): Check<MigrationContext> {
  return {
    title: "Every config holds its original bytes or exactly what the tool wrote",
    observe: async (ctx) => {
      const standings = await configStandings(ctx, facts);
      const changed = standings.filter((s) => s.state === "changed");
      return {
        ok: changed.length === 0,
        evidence: changed.length
          ? `changed by someone else: ${changed.map((s) => s.where).join(", ")}`
          : standings.map((s) => `${s.where}: ${s.state}`).join("; "),
      };
    },
  };
}

/**
 * Refuses (nothing changed) when a config was changed by someone else, showing each diff.
 * @throws {PreconditionFailed} Naming every such file with its diff.
 */
export async function verifyConfigsRestorable(
  ctx: MigrationContext,
  facts: RollbackFacts,
): Promise<ConfigStanding[]> {
  const standings = await configStandings(ctx, facts);
  const changed = standings.filter((s) => s.state === "changed");
  if (changed.length === 0) return standings;
  throw new PreconditionFailed(
    `Cannot roll back as ${changed.length === 1 ? "a config was" : `${changed.length} configs were`} changed since the tool wrote ${changed.length === 1 ? "it" : "them"}; nothing was changed:\n${changed.map((s) => `${s.where}: ${s.detail}`).join("\n")}`,
    {
      hint: "Put back what the tool wrote (the diff's lines marked -) or the original from the state dir's backups/configs/, then run `rollback -i FILE` again.",
    },
  );
}

/** Restores every config the tool edited to its backed-up bytes, after verifying them all. */
export async function restoreConfigs(ctx: MigrationContext, facts: RollbackFacts): Promise<void> {
  for (const standing of await verifyConfigsRestorable(ctx, facts)) {
    if (standing.state === "original") {
      ctx.log({ kind: "info", message: `  ${standing.where} holds its original bytes` });
      continue;
    }
    const original = standing.original as string;
    ctx.log({
      kind: "info",
      message: lineDiff(standing.now, original, standing.where, {
        beforeLabel: "as the tool wrote it",
        afterLabel: "restored",
        context: 0,
      }).trimEnd(),
    });
    await ctx.hosts.writeFile(standing.host, standing.path, original);
  }
}

/** Every config the tool edited holds its backed-up bytes again. */
export function configsRestored(facts: RollbackFacts): Check<MigrationContext> {
  return {
    title: "Every config holds its original bytes",
    observe: async (ctx) => {
      const standings = await configStandings(ctx, facts);
      const left = standings.filter((s) => s.state !== "original");
      return {
        ok: left.length === 0,
        evidence: left.length
          ? left.map((s) => `${s.where}: ${s.state}`).join("; ")
          : `${standings.length} configs as before the migration`,
      };
    },
  };
}
