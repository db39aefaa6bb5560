/**
 * Switching every config that names the ensemble — each meta's `config.ini` and, for minos, the
 * minos cluster config — as one change: every file is read, checked and proven writable before
 * any is edited; then all originals are backed up; then each is written. A failure half-way is
 * an action that failed (exit 1) naming exactly which files were changed and which were not.
 */
import { basename } from "node:path";
import { ActionFailed, PreconditionFailed } from "../../lib/errors.ts";
import type { MetaServer } from "../../lib/inventory.ts";
import { setConfigValue } from "../../lib/meta-config/index.ts";
import { setMinosHostsList } from "../../lib/minos-config.ts";
import type { MigrationContext } from "./context.ts";
import { ensembleOf, readMetaConfig } from "./meta-configs.ts";
import { readMinosConfig } from "./minos-configs.ts";

/** Backup name of a meta's config before `switchEveryConfig` first edits it. */
export const switchedConfigBackup = (meta: MetaServer) =>
  `configs/meta-task${meta.task}.config.ini`;

/** One file the switch would write, with its new text. */
interface PlannedEdit {
  host: string;
  path: string;
  /** How the operator knows it, e.g. `meta1:/home/work/meta/config.ini`. */
  where: string;
  backup: string;
  original: string;
  text: string;
  diff: string;
}

/**
 * Points every config at `to`. Files already pointing there are left alone, so a resumed run
 * completes a partial switch.
 * @throws {PreconditionFailed} Listing every file that is unreadable, names another ensemble, or
 * cannot be written (nothing was changed).
 * @throws {ActionFailed} If a write failed: which files were changed and which were not.
 */
export async function switchEveryConfig(
  ctx: MigrationContext,
  to: "source" | "target",
): Promise<void> {
  const edits = await planEdits(ctx, to);
  if (edits.length === 0) {
    ctx.log({ kind: "info", message: `  every config already uses the ${to} ensemble` });
    return;
  }
  for (const edit of edits) ctx.journal.keepBackup(edit.backup, edit.original);
  const changed: string[] = [];
  for (const edit of edits) {
    ctx.log({ kind: "info", message: edit.diff.trimEnd() });
    try {
      await ctx.hosts.writeFile(edit.host, edit.path, edit.text);
    } catch (error) {
      const untouched = edits.slice(changed.length).map((e) => e.where);
      throw new ActionFailed(
        `Switched ${changed.length} of ${edits.length} configs to the ${to} ensemble, then writing ${edit.where} failed: changed ${changed.join(", ") || "none"}; not changed ${untouched.join(", ")}`,
        {
          hint: `Fix the cause below and run again: configs already switched are left alone. The originals are in ${ctx.journal.dir}/backups/configs/.`,
          cause: error,
        },
      );
    }
    changed.push(edit.where);
  }
}

/** Reads and checks every config first; nothing is written here. */
async function planEdits(ctx: MigrationContext, to: "source" | "target"): Promise<PlannedEdit[]> {
  const value = ctx.inventory.zookeeper[to];
  const reads = await Promise.allSettled([
    ...ctx.inventory.metaServers.map(async (meta): Promise<PlannedEdit | undefined> => {
      const file = await readMetaConfig(ctx, meta);
      const now = ensembleOf(ctx, file);
      if (now === to) return undefined;
      if (now === "other")
        throw namesAnotherEnsemble(file.config.file, file.settings.zookeeperHosts);
      const edit = setConfigValue(
        file.text,
        { section: "zookeeper", key: "hosts_list", value },
        file.config.file,
      );
      return {
        host: meta.host,
        path: meta.config,
        where: file.config.file,
        backup: switchedConfigBackup(meta),
        original: file.text,
        text: edit.text,
        diff: edit.diff,
      };
    }),
    (async (): Promise<PlannedEdit | undefined> => {
      const minos = await readMinosConfig(ctx);
      if (!minos || minos.points === to) return undefined;
      if (minos.points === "other") throw namesAnotherEnsemble(minos.where, minos.hostsList.value);
      const edit = setMinosHostsList(minos.text, value, minos.where);
      return {
        host: minos.host,
        path: minos.path,
        where: minos.where,
        backup: `configs/minos-${basename(minos.path)}`,
        original: minos.text,
        text: edit.text,
        diff: edit.diff,
      };
    })(),
  ]);
  const problems = reads.flatMap((r) =>
    r.status === "rejected"
      ? [r.reason instanceof Error ? r.reason.message : String(r.reason)]
      : [],
  );
  const edits = reads.flatMap((r) => (r.status === "fulfilled" && r.value ? [r.value] : []));
  const unwritable = await Promise.all(
    edits.map(async (e) => (ctx.dryRun ? undefined : await ctx.hosts.writeProblem(e.host, e.path))),
  );
  problems.push(...unwritable.flatMap((p, i) => (p ? [`${edits[i]?.where}: ${p}`] : [])));
  if (problems.length > 0) {
    throw new PreconditionFailed(
      `Cannot switch the configs to the ${to} ensemble, nothing was changed: ${problems.join("; ")}`,
      { hint: "Fix each file named above, then run again." },
    );
  }
  return edits;
}

function namesAnotherEnsemble(where: string, hosts: string | undefined): PreconditionFailed {
  return new PreconditionFailed(
    `${where} names ${hosts ?? "no ensemble"} in hosts_list, neither the source nor the target ensemble`,
    {
      hint: "Someone edited this config; compare it with zookeeper.source/target in the inventory.",
    },
  );
}
