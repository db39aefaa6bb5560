/**
 * What copy/02's pre-copy hands to copy/04: the ACLs of its read of both trees (`KnownAcls`),
 * with which copy/04 re-reads both trees by multiRead alone where a node's stat still pins
 * them. Kept in memory for a whole `run`, and saved under the journal's backups for a step run
 * in another process (`step copy/04-copy-tree` after `step copy/02-pre-copy`). Without them
 * copy/04 still works, reading every ACL: slower, never less sure.
 *
 * Within one process it also hands over the target as copy/02 verified it (`VerifiedTarget`),
 * with the target ensemble's committed zxid then: while that has not moved, copy/04 knows what
 * the target holds without reading it before writing.
 */
import { existsSync } from "node:fs";
import { KnownAcls, type VerifiedTarget } from "../../lib/zk/index.ts";
import type { MigrationContext } from "./context.ts";

/** Journal fact: where copy/02 saved the ACLs of its read of each tree. */
const preCopyAclFiles = "preCopyAclFiles";

/** The ACLs of both trees as the pre-copy read them. */
export interface PreCopyAcls {
  source: KnownAcls;
  target: KnownAcls;
}

/** The target as copy/02 verified it, and the target ensemble's committed zxid then. */
export interface PreCopiedTarget {
  nodes: VerifiedTarget;
  zxid: bigint;
}

/**
 * Keeps the pre-copy's ACLs for copy/04: in this process, and in the journal's backups; and the
 * verified target, in this process only.
 * @example keepPreCopy(ctx, { source: copy.sourceAcls, target: check.targetAcls }, verified);
 */
export function keepPreCopy(
  ctx: MigrationContext,
  acls: PreCopyAcls,
  target: PreCopiedTarget | null,
): void {
  ctx.zk.preCopyAcls = acls;
  ctx.zk.preCopiedTarget = target;
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

/**
 * The target as copy/02 verified it, if this process holds it and the target ensemble committed
 * no transaction since; else null (copy/04 then reads the target). Given out once: a copy
 * consumes it.
 */
export async function preCopiedTarget(ctx: MigrationContext): Promise<VerifiedTarget | null> {
  const kept = ctx.zk.preCopiedTarget;
  ctx.zk.preCopiedTarget = null;
  if (!kept) return null;
  const now = await (await ctx.zk.target()).committedZxid(ctx.inventory.zookeeper.root);
  return now === kept.zxid ? kept.nodes : null;
}
