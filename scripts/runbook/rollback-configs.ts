/**
 * Meta configs during a rollback: each file must still hold either its original bytes (the
 * backup taken before the first edit) or exactly what the tool wrote; anything else was changed by
 * someone else and is refused with its diff. Verified files are restored to their backup.
 */
import { readFileSync } from "node:fs";
import { PreconditionFailed } from "../../lib/errors.ts";
import type { MetaServer } from "../../lib/inventory.ts";
import { lineDiff } from "../../lib/line-diff.ts";
import type { Check } from "../../lib/step.ts";
import type { MigrationContext } from "./context.ts";
import { ensembleOf, readMetaConfig } from "./meta-configs.ts";
import type { RollbackFacts } from "./rollback-facts.ts";

/** Where a meta config stands before it is restored. */
export interface ConfigStanding {
  meta: MetaServer;
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

/** The backup `switchMetaConfig` keeps of a meta's config before its first edit. */
export function configBackupName(meta: MetaServer): string {
  return `configs/meta-task${meta.task}.config.ini`;
}

/** Reads every meta config and tells which are original, as written by the tool, or changed. */
export async function configStandings(
  ctx: MigrationContext,
  facts: RollbackFacts,
): Promise<ConfigStanding[]> {
  return Promise.all(ctx.inventory.metaServers.map((meta) => standingOf(ctx, facts, meta)));
}

async function standingOf(
  ctx: MigrationContext,
  facts: RollbackFacts,
  meta: MetaServer,
): Promise<ConfigStanding> {
  const where = meta.host === "local" ? meta.config : `${meta.host}:${meta.config}`;
  const now = await ctx.hosts.readFile(meta.host, meta.config);
  const backup = ctx.journal.snapshot.backups[configBackupName(meta)];
  if (!backup) {
    // Never edited by the tool: it must still name the source ensemble.
    const ensemble = ensembleOf(ctx, await readMetaConfig(ctx, meta));
    return ensemble === "source"
      ? { meta, where, now, state: "original" }
      : {
          meta,
          where,
          now,
          state: "changed",
          detail: `the tool never edited it, yet its [zookeeper] hosts_list names the ${ensemble} ensemble`,
        };
  }
  const original = readFileSync(backup, "utf8");
  if (now === original) return { meta, where, now, original, state: "original" };
  const written = facts.configWrites(ctx, meta, original);
  if (written.includes(now)) return { meta, where, now, original, state: "written" };
  const closest = written[0] ?? original;
  const diff = lineDiff(closest, now, where, {
    beforeLabel: "as the tool wrote it",
    afterLabel: "now",
  });
  return { meta, where, now, original, state: "changed", detail: diff };
}

/** Every meta config holds its original bytes or exactly what the tool wrote. */
export function configsRestorable(facts: RollbackFacts): Check<MigrationContext> {
  return {
    title: "Every meta config holds its original bytes or exactly what the tool wrote",
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
    `Cannot roll back as ${changed.length === 1 ? "a meta config was" : `${changed.length} meta configs were`} changed since the tool wrote ${changed.length === 1 ? "it" : "them"}; nothing was changed:\n${changed.map((s) => `${s.where}: ${s.detail}`).join("\n")}`,
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
    await ctx.hosts.writeFile(standing.meta.host, standing.meta.config, original);
  }
}

/** Every config the tool edited holds its backed-up bytes again. */
export function configsRestored(facts: RollbackFacts): Check<MigrationContext> {
  return {
    title: "Every meta config holds its original bytes",
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
