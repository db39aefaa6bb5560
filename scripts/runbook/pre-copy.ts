/**
 * What copy/02's pre-copy hands to copy/04: the ACLs of its read of both trees (`KnownAcls`),
 * with which copy/04 re-reads both trees by multiRead alone where a node's stat still pins
 * them. Kept in memory for a whole `run`, and saved under the journal's backups for a step run
 * in another process (`step copy/04-copy-tree` after `step copy/02-pre-copy`). Without them
 * copy/04 still works, reading every ACL: slower, never less sure.
 */
import { existsSync } from "node:fs";
import { KnownAcls } from "../../lib/zk/index.ts";
import type { MigrationContext } from "./context.ts";

/** Journal fact: where copy/02 saved the ACLs of its read of each tree. */
const preCopyAclFiles = "preCopyAclFiles";

/** The ACLs of both trees as the pre-copy read them. */
export interface PreCopyAcls {
  source: KnownAcls;
  target: KnownAcls;
}

/**
 * Keeps the pre-copy's ACLs for copy/04: in this process, and in the journal's backups.
 * @example keepPreCopyAcls(ctx, { source: copy.sourceAcls, target: check.targetAcls });
 */
export function keepPreCopyAcls(ctx: MigrationContext, acls: PreCopyAcls): void {
  ctx.zk.preCopyAcls = acls;
  const stamp = Date.now();
  const files = {
    source: ctx.journal.newBackupFile(`zk/pre-copy-acls-source-${stamp}.txt`),
    target: ctx.journal.newBackupFile(`zk/pre-copy-acls-target-${stamp}.txt`),
  };
  acls.source.save(files.source);
  acls.target.save(files.target);
  ctx.journal.setFact(preCopyAclFiles, files);
}

/**
 * The pre-copy's ACLs, from this process or the journal's backups; null when there are none
 * (no pre-copy, or its files are gone) or they do not load.
 * @example const known = preCopyAcls(ctx); await copyTree(s, t, { knownAcls: known ?? undefined });
 */
export function preCopyAcls(ctx: MigrationContext): PreCopyAcls | null {
  if (ctx.zk.preCopyAcls) return ctx.zk.preCopyAcls;
  const files = ctx.journal.fact<{ source: string; target: string }>(preCopyAclFiles);
  if (!files || !existsSync(files.source) || !existsSync(files.target)) return null;
  try {
    ctx.zk.preCopyAcls = {
      source: KnownAcls.load(files.source),
      target: KnownAcls.load(files.target),
    };
  } catch {
    return null; // damaged: every ACL is read again, as without a pre-copy
  }
  return ctx.zk.preCopyAcls;
}
