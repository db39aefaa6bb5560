/**
 * Meta config writes the tool can prove it made: each write is journaled (step, time, SHA-256 of
 * the text written), and a later write or restore first checks that the file still holds either
 * the original or one of the tool's own texts — never overwriting an operator's edit. Shared by
 * the recover runbook, its automatic undo, and rollback.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ActionFailed } from "../../lib/errors.ts";
import type { MetaServer } from "../../lib/inventory.ts";
import type { MigrationContext } from "./context.ts";
import { type ConfigWrites, recoverFacts } from "./recover-facts.ts";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Backup name of a meta's original config for the recover method. */
export const originalConfigName = (meta: MetaServer) =>
  `recover/configs/meta-task${meta.task}.config.ini`;

/**
 * Keeps the meta's config as it is now as its original (once: a resumed run keeps the first).
 * @returns The original text.
 */
export async function backUpOriginalConfig(
  ctx: MigrationContext,
  meta: MetaServer,
): Promise<string> {
  const recorded = savedOriginal(ctx, meta);
  if (recorded !== undefined) return recorded;
  const text = await ctx.hosts.readFile(meta.host, meta.config);
  ctx.journal.keepBackup(originalConfigName(meta), text);
  return text;
}

/**
 * The original text of a meta's config from the journal's backup; under `--dry-run` (no backup
 * written) the file as it is now.
 */
export async function originalConfig(ctx: MigrationContext, meta: MetaServer): Promise<string> {
  return savedOriginal(ctx, meta) ?? (await ctx.hosts.readFile(meta.host, meta.config));
}

function savedOriginal(ctx: MigrationContext, meta: MetaServer): string | undefined {
  if (!ctx.journal.snapshot.backups[originalConfigName(meta)]) return undefined;
  try {
    return readFileSync(ctx.journal.backupPath(originalConfigName(meta)), "utf8");
  } catch {
    return undefined; // a dry run registers backups without writing them
  }
}

/** Whether the file now holds the original, a text the tool wrote, or something else. */
export async function configOwnership(
  ctx: MigrationContext,
  meta: MetaServer,
): Promise<{ text: string; state: "original" | "ours" | "foreign" }> {
  const text = await ctx.hosts.readFile(meta.host, meta.config);
  if (text === (await originalConfig(ctx, meta))) return { text, state: "original" };
  const writes = ctx.journal.fact<ConfigWrites>(recoverFacts.configWrites) ?? {};
  const hash = sha256(text);
  const ours = (writes[String(meta.task)] ?? []).some((w) => w.sha256 === hash);
  return { text, state: ours ? "ours" : "foreign" };
}

/**
 * Writes `text` as the meta's config on behalf of `step`, journaling the write first (so a run
 * killed between the two still recognises the file). Does nothing when the file already holds it.
 * @throws {ActionFailed} If the file holds neither the original nor a text the tool wrote.
 */
export async function writeTrackedConfig(
  ctx: MigrationContext,
  meta: MetaServer,
  text: string,
  step: string,
): Promise<void> {
  const now = await configOwnership(ctx, meta);
  if (now.text === text) return;
  refuseForeign(meta, now.state, "change");
  if (!ctx.dryRun) {
    const writes = ctx.journal.fact<ConfigWrites>(recoverFacts.configWrites) ?? {};
    const task = String(meta.task);
    writes[task] = [
      ...(writes[task] ?? []),
      { step, at: new Date().toISOString(), sha256: sha256(text) },
    ];
    ctx.journal.setFact(recoverFacts.configWrites, writes);
  }
  await ctx.hosts.writeFile(meta.host, meta.config, text);
}

/**
 * Restores a meta's config byte for byte from its backup, after checking that it still holds a
 * text the tool wrote. An original left alone is fine.
 * @returns True when the file was rewritten.
 * @throws {ActionFailed} If someone else changed the file since.
 */
export async function restoreConfigFromBackup(
  ctx: MigrationContext,
  meta: MetaServer,
): Promise<boolean> {
  const now = await configOwnership(ctx, meta);
  if (now.state === "original") return false;
  refuseForeign(meta, now.state, "restore");
  await ctx.hosts.writeFile(meta.host, meta.config, await originalConfig(ctx, meta));
  ctx.log({ kind: "info", message: `  restored ${meta.config} from its backup` });
  return true;
}

function refuseForeign(meta: MetaServer, state: string, action: string): void {
  if (state !== "foreign") return;
  throw new ActionFailed(
    `Cannot ${action} ${meta.config} of meta ${meta.address} as it holds neither its original nor a text this tool wrote`,
    {
      hint: `Someone edited it during the migration. Compare it with ${originalConfigName(meta)} under the state dir's backups/ and fix it by hand.`,
    },
  );
}
