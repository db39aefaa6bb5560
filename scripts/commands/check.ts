/**
 * `check -i FILE --method copy|recover [--json]`: the read-only preflight cron and CI run every day.
 * Exit 0 when the migration could start now, 3 naming every failed check, 2 for a bad inventory.
 */
import { PreconditionFailed } from "../../lib/errors.ts";
import type { Check } from "../../lib/step.ts";
import { everyConfigPointsAt, everyNodeAlive, shellNamesTheCluster } from "../runbook/checks.ts";
import { closeContext, createContext, type MigrationContext } from "../runbook/context.ts";
import { credentialsCoverTheCopy } from "../runbook/credential-checks.ts";
import { ensemblesAreDistinct } from "../runbook/ensemble-checks.ts";
import { runbookOf } from "../runbook/methods.ts";
import { minosConfigAgrees } from "../runbook/minos-configs.ts";
import {
  clusterIdentityMatches,
  everyReplicaAnswers,
  leaseIsKnown,
  targetAppsIsFree,
} from "../runbook/recover-checks.ts";
import {
  everyConfigHasZookeeperSection,
  noConfigRecovers,
} from "../runbook/recover-config-checks.ts";
import { ensembleReachable, sourceRootPresent, targetRootIsFree } from "../runbook/tree-checks.ts";

/** Options of `check`. */
export interface CheckOptions {
  inventory: string;
  method: string;
  json?: boolean;
  verbose?: boolean;
}

/** The copy method's preflight: cheap reachability first, then the cluster's state. */
export const preflight: Check<MigrationContext>[] = [
  ensembleReachable("source"),
  ensembleReachable("target"),
  ensemblesAreDistinct,
  sourceRootPresent,
  targetRootIsFree,
  credentialsCoverTheCopy,
  shellNamesTheCluster("source"),
  everyNodeAlive,
  everyConfigPointsAt("source"),
  minosConfigAgrees,
];

/**
 * The recover method's preflight (its own preconditions): the target's `apps` free, every node
 * ALIVE and answering, every meta config with a `[zookeeper]` section, the shell answering for
 * this cluster, the lease known.
 */
export const recoverPreflight: Check<MigrationContext>[] = [
  ensembleReachable("source"),
  ensembleReachable("target"),
  ensemblesAreDistinct,
  targetAppsIsFree,
  shellNamesTheCluster("source"),
  clusterIdentityMatches,
  everyNodeAlive,
  everyReplicaAnswers,
  everyConfigHasZookeeperSection,
  everyConfigPointsAt("source"),
  noConfigRecovers,
  minosConfigAgrees,
  leaseIsKnown,
];

/** Evaluates every preflight check (none stops the others) and sets the exit code. */
export async function check(options: CheckOptions): Promise<void> {
  const runbook = await runbookOf(options.method);
  const ctx = createContext({
    inventoryFile: options.inventory,
    method: runbook.method,
    dryRun: true,
    json: options.json,
    verbose: options.verbose,
  });
  const failed: string[] = [];
  try {
    for (const check of runbook.method === "recover" ? recoverPreflight : preflight) {
      let seen: { ok: boolean; evidence: string };
      try {
        seen = await check.observe(ctx);
      } catch (error) {
        seen = {
          ok: false,
          evidence:
            error instanceof Error ? (error.message.split("\n")[0] as string) : String(error),
        };
      }
      ctx.log({
        kind: "check",
        step: "check",
        phase: "pre",
        title: check.title,
        ok: seen.ok,
        evidence: seen.evidence,
      });
      if (!seen.ok) failed.push(check.title);
    }
  } finally {
    await closeContext(ctx);
  }
  if (failed.length) {
    throw new PreconditionFailed(
      `Not ready: ${failed.length} check${failed.length > 1 ? "s" : ""} failed: ${failed.join("; ")}`,
      { hint: "Each failed check above says what it saw; fix those, then run `check` again." },
    );
  }
  ctx.log({ kind: "info", message: "ready: every check passed" });
}
