/**
 * The reverse migration, for a rollback after a meta led on the target ensemble: the target tree
 * then holds what the cluster wrote since the switch (ballots, tables created or dropped, envs),
 * so it is copied back the way copy/04 copied it forward — the target leader blind and its
 * followers stopped, a snapshot of the old tree into the backups, a mirror copy, a node-by-node
 * diff and a proof that the target did not change meanwhile — before every meta is stopped.
 */
import { ActionFailed } from "../../lib/errors.ts";
import type { MetaServer } from "../../lib/inventory.ts";
import {
  clusterInfoCommand,
  getMetaLevelCommand,
  MetaUnderRecovery,
  tablesCommand,
} from "../../lib/shell/index.ts";
import { type Check, type Step, waitUntil } from "../../lib/step.ts";
import { copyTree, count, snapshotTree } from "../../lib/zk/index.ts";
import type { MigrationContext } from "./context.ts";
import { ensureMetaStopped, metaAt, metaProcesses } from "./metas.ts";
import { namesEnsemble } from "./names-ensemble.ts";
import { everyMetaStopped } from "./recover-checks.ts";
import { configsRestorable } from "./rollback-configs.ts";
import type { RollbackFacts } from "./rollback-facts.ts";
import { verifyTreeUnchanged } from "./tree-actions.ts";
import { appsUnlockedOn, noLockNodeOnSource, targetEqualsSource } from "./tree-checks.ts";
import { withRunbookHint } from "./zk-hints.ts";

type MigrationCheck = Check<MigrationContext>;

/** Journal fact: the AVAILABLE tables on the target when the rollback froze it. */
export const tablesAtRollback = "rollbackTables";

/** Journal fact: the snapshot of the old tree taken before the first copy back. */
const oldTreeSnapshot = "rollbackOldTreeSnapshot";

/** At most the target leader runs, and it is blind: nothing writes to the target tree. */
export const targetFrozen: MigrationCheck = {
  title: "No meta runs but the target leader, and it is blind",
  observe: async (ctx) => {
    const { running } = await metaProcesses(ctx, ctx.inventory.metaServers);
    if (running.length === 0) return { ok: true, evidence: "no meta runs" };
    const [info, stored] = await ctx.shell.observe([clusterInfoCommand(), getMetaLevelCommand()]);
    const others = running.filter((address) => address !== info.primaryMetaServer);
    return {
      ok:
        others.length === 0 &&
        (await namesEnsemble(ctx, info.zookeeperHosts, "target")) &&
        stored.level === "blind",
      evidence: `running: ${running.join(", ")}; primary ${info.primaryMetaServer || "(none)"} on ${info.zookeeperHosts}, ${stored.raw}`,
    };
  },
};

/** Rollback step: stop the target's followers and blind its leader, as copy/01 and copy/03 did forward. */
export function freezeTarget(facts: RollbackFacts): Step<MigrationContext> {
  return {
    id: "rollback/01-freeze-target",
    title: "Stop the followers on the target ensemble and set the leader there blind",
    preconditions: [configsRestorable(facts)],
    run: async (ctx) => {
      const { running } = await metaProcesses(ctx, ctx.inventory.metaServers);
      if (running.length === 0) {
        ctx.log({ kind: "info", message: "  no meta runs: the target tree is already still" });
        return;
      }
      const info = await ctx.shell.clusterInfo();
      if (!(await namesEnsemble(ctx, info.zookeeperHosts, "target"))) {
        throw new ActionFailed(
          `Cannot freeze the target as the primary meta ${info.primaryMetaServer || "(none)"} uses ${info.zookeeperHosts}, not the target ${ctx.inventory.zookeeper.target}`,
          {
            hint: "Something restarted the metas since the rollback was decided; see `status -i FILE`.",
          },
        );
      }
      const leader = metaAt(ctx, info.primaryMetaServer);
      // Tables created or dropped on the target come back with its tree: health on the source
      // then expects these, not the baseline's.
      const [tables] = await ctx.shell.observe([tablesCommand()]);
      ctx.journal.setFact(
        tablesAtRollback,
        tables.tables.filter((t) => t.status === "AVAILABLE").map((t) => t.name),
      );
      await Promise.all(
        ctx.inventory.metaServers
          .filter((meta) => meta !== leader)
          .map((meta) => ensureMetaStopped(ctx, meta)),
      );
      await ctx.shell.setMetaLevel("blind");
    },
    postconditions: [targetFrozen],
  };
}

const copyBackId = "rollback/02-copy-back";

/** Rollback step: copy the target root back over the old tree (mirror), verified. */
export const copyBack: Step<MigrationContext> = {
  id: copyBackId,
  title: "Copy the cluster root from the target back to the source ensemble and verify it",
  preconditions: [targetFrozen, appsUnlockedOn("target")],
  run: async (ctx) => {
    const { root } = ctx.inventory.zookeeper;
    // A stopped meta's session lingers with its lock node until ZooKeeper expires it; a mirror
    // copy cannot delete a live ephemeral.
    await waitUntil(
      ctx,
      () => noLockNodeOnSource.observe(ctx),
      ctx.inventory.timeouts.healthyMs,
      "no meta holding a lock node on the source",
    );
    const source = await ctx.zk.source();
    const target = await ctx.zk.target();
    if (!ctx.dryRun && !ctx.journal.fact(oldTreeSnapshot) && (await count(source, root)) > 0) {
      const file = ctx.journal.newBackupFile(`zk/source-before-rollback-${Date.now()}.zksnap`);
      const snapshot = await snapshotTree(source, file, { root });
      ctx.journal.setFact(oldTreeSnapshot, file);
      ctx.log({
        kind: "info",
        message: `  snapshot of the old tree: ${snapshot.nodes} znodes in ${file}`,
      });
    }
    const copy = await copyTree(target, source, { from: root, to: root, mirror: true }).catch(
      (error) => {
        throw withRunbookHint(error, copyBackId);
      },
    );
    ctx.log({
      kind: "info",
      message: `  ${ctx.dryRun ? "would copy back" : "copied back"} ${copy.read - copy.skippedEphemerals.length} znodes (${copy.created} created, ${copy.updated} updated, ${copy.deleted} deleted, ${copy.unchanged} unchanged)`,
    });
    if (ctx.dryRun) return;
    await verifyTreeUnchanged(target, root, copy.sourceStamps, {
      tree: "target",
      rerun: "run `rollback` again",
    });
  },
  postconditions: [targetEqualsSource, appsUnlockedOn("source")],
};

/** Rollback step: stop every meta (all run on the target), the blind leader last. */
export const stopTargetMetas: Step<MigrationContext> = {
  id: "rollback/03-stop-target-metas",
  title: "Stop every meta server running on the target ensemble, the leader last",
  // Nothing may have written to the target since the copy back.
  preconditions: [targetEqualsSource],
  run: async (ctx) => {
    const { running } = await metaProcesses(ctx, ctx.inventory.metaServers);
    // Only the order depends on it: a leader that no longer answers is stopped like the others.
    const primary = running.length
      ? await ctx.shell.clusterInfo().then(
          (i) => i.primaryMetaServer,
          () => "",
        )
      : "";
    const isLeader = (m: MetaServer) => m.address === primary;
    await Promise.all(
      ctx.inventory.metaServers.filter((m) => !isLeader(m)).map((m) => ensureMetaStopped(ctx, m)),
    );
    for (const meta of ctx.inventory.metaServers.filter(isLeader))
      await ensureMetaStopped(ctx, meta);
  },
  postconditions: [everyMetaStopped],
};

/** No meta leads on the source: none runs, or the shell's primary uses the target ensemble. */
const noMetaLeadsOnSource: MigrationCheck = {
  title: "No meta leads on the source ensemble",
  observe: async (ctx) => {
    const { running } = await metaProcesses(ctx, ctx.inventory.metaServers);
    if (running.length === 0) return { ok: true, evidence: "no meta runs" };
    const info = await ctx.shell.clusterInfo().catch((error: unknown) => {
      if (error instanceof MetaUnderRecovery) return undefined;
      throw error;
    });
    // A meta waiting in recovery mode answers nothing else and serves nothing.
    if (!info)
      return { ok: true, evidence: `running: ${running.join(", ")}; waiting in recovery mode` };
    return {
      ok: await namesEnsemble(ctx, info.zookeeperHosts, "target"),
      evidence: `running: ${running.join(", ")}; primary ${info.primaryMetaServer || "(none)"} on ${info.zookeeperHosts}`,
    };
  },
};

/**
 * Rollback step when nothing is copied back: stop the metas left on the target (a meta waiting in
 * recovery mode, whose tree is incomplete), so the old leader can start on the source.
 */
export const stopMetasLeftOnTarget: Step<MigrationContext> = {
  ...stopTargetMetas,
  title: "Stop every meta server left running on the target ensemble, the leader last",
  preconditions: [noMetaLeadsOnSource],
};
