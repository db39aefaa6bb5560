/**
 * Checks on the two ZooKeeper trees: reachable, where the cluster root is, whether the copy is
 * identical, and who still holds a leader lock on which ensemble.
 */

import { formatMs } from "../../lib/duration.ts";
import type { Check } from "../../lib/step.ts";
import {
  type CopyRead,
  checkUnchanged,
  count,
  type Difference,
  type DiffResult,
  diffTrees,
  ephemerals,
  type KnownAcls,
  type StampChange,
  verifyCopy,
} from "../../lib/zk/index.ts";
import type { MigrationContext } from "./context.ts";
import { readMetaConfig } from "./meta-configs.ts";

type MigrationCheck = Check<MigrationContext>;

/** Journal fact: copy/02 or copy/04 started writing the target, so what is there is ours to complete. */
export const copyWroteTarget = "copyWroteTarget";

/** The leader lock directory (`<lock_root>/dsn.meta.server.leader`), from the metas' config. */
export async function lockDirOf(ctx: MigrationContext): Promise<string> {
  let dir = ctx.journal.fact<string>("lockDir");
  if (!dir) {
    const file = await readMetaConfig(
      ctx,
      ctx.inventory.metaServers[0] as (typeof ctx.inventory.metaServers)[0],
    );
    dir = `${file.settings.lockRoot ?? ctx.inventory.zookeeper.root}/dsn.meta.server.leader`;
    ctx.journal.setFact("lockDir", dir);
  }
  return dir;
}

/** The ensemble answers (and accepts our credentials). */
export function ensembleReachable(side: "source" | "target"): MigrationCheck {
  return {
    title: `The ${side} ensemble answers`,
    observe: async (ctx) => {
      await ctx.zk.of(side);
      return { ok: true, evidence: `connected to ${ctx.inventory.zookeeper[side]}` };
    },
  };
}

/** The cluster root exists on the source ensemble. */
export const sourceRootPresent: MigrationCheck = {
  title: "The cluster root exists on the source ensemble",
  observe: async (ctx) => {
    const n = await count(await ctx.zk.source(), ctx.inventory.zookeeper.root);
    return {
      ok: n > 0,
      evidence:
        n > 0
          ? `${n} znodes under ${ctx.inventory.zookeeper.root}`
          : `${ctx.inventory.zookeeper.root} does not exist`,
    };
  },
};

/** Nothing is under the cluster root on the target, except a partial copy of our own earlier attempt. */
export const targetRootIsFree: MigrationCheck = {
  title: "The target ensemble has nothing under the cluster root",
  observe: async (ctx) => {
    const { root } = ctx.inventory.zookeeper;
    const n = await count(await ctx.zk.target(), root);
    if (n === 0)
      return { ok: true, evidence: `${root} does not exist on ${ctx.inventory.zookeeper.target}` };
    const ours = ctx.journal.fact<boolean>(copyWroteTarget) === true;
    return ours
      ? {
          ok: true,
          evidence: `${n} znodes written by this migration (copy/02-pre-copy, or an earlier attempt of a copy step); the copy completes them`,
        }
      : {
          ok: false,
          evidence: `${n} znodes already under ${root} on ${ctx.inventory.zookeeper.target}`,
        };
  },
};

/** The cluster root exists on the target ensemble (a copy was written there). */
export const targetHoldsTheRoot: MigrationCheck = {
  title: "The cluster root exists on the target ensemble",
  observe: async (ctx) => {
    const { root, target } = ctx.inventory.zookeeper;
    const n = await count(await ctx.zk.target(), root);
    return {
      ok: n > 0,
      evidence:
        n > 0 ? `${n} znodes under ${root} on ${target}` : `${root} does not exist on ${target}`,
    };
  },
};

/**
 * Source and target trees are identical, lock ephemerals aside. Right after this process found
 * them identical, it proves only that neither tree changed since instead of comparing every
 * node's content again: by a zxid fence when neither ensemble committed any transaction since
 * (two requests), else by the stamps of every node (two stat walks).
 */
export const targetEqualsSource: MigrationCheck = {
  title: "The target tree equals the source tree (ephemerals aside)",
  observe: async (ctx) => {
    const verified = ctx.zk.verified;
    if (verified) {
      const ago = formatMs(performance.now() - verified.at);
      const fence = verified.zxids;
      if (fence) {
        const now = await committedZxids(ctx);
        if (now.source === fence.source && now.target === fence.target) {
          return {
            ok: true,
            evidence: `identical when compared ${ago} ago, and no transaction on either ensemble since (committed zxid still 0x${now.source.toString(16)} on the source, 0x${now.target.toString(16)} on the target)`,
          };
        }
      }
      const { root } = ctx.inventory.zookeeper;
      const [source, target] = await Promise.all([
        checkUnchanged(await ctx.zk.source(), root, verified.source),
        checkUnchanged(await ctx.zk.target(), root, verified.target),
      ]);
      if (source.unchanged && target.unchanged) {
        return {
          ok: true,
          evidence: `${source.nodes} znodes identical when compared ${ago} ago, and neither tree changed since (stamps of every znode)`,
        };
      }
      ctx.zk.verified = null; // something moved: compare the content again
    }
    const diff = await compareTrees(ctx);
    return {
      ok: diff.identical,
      evidence: diff.identical
        ? `${diff.sourceNodes} znodes identical; ${diff.skippedEphemerals.source.length} source ephemerals skipped`
        : `${diff.differences.length} differences: ${firstDifferences(diff.differences)}${diff.differences.length > 5 ? ", …" : ""}`,
    };
  },
};

/**
 * Compares both trees node by node (one content read of each, in parallel); given the copy that
 * wrote the target, the target is compared with the copy's read of the source instead, and a
 * stat walk proves the source unchanged since (`verifyCopy`: the same proof, one content read
 * fewer; with `knownAcls` of the target, read by multiRead alone where they still hold). Identical trees are remembered in `ctx.zk.verified`.
 * @example const diff = await compareTrees(ctx, copy);
 */
export async function compareTrees(
  ctx: MigrationContext,
  copy?: CopyRead,
  knownAcls?: KnownAcls,
): Promise<DiffResult> {
  const { root } = ctx.inventory.zookeeper;
  const source = await ctx.zk.source();
  const target = await ctx.zk.target();
  const { result: diff, still } = await fenced(ctx, () =>
    copy
      ? verifyCopy(source, target, copy, { to: root, knownAcls })
      : diffTrees(source, target, { from: root, to: root, recordStamps: true }),
  );
  const unchanged = diff.unchanged?.unchanged ?? true;
  const zxids =
    still.source !== null && still.target !== null
      ? { source: still.source, target: still.target }
      : null;
  ctx.zk.verified =
    diff.identical && unchanged && diff.stamps
      ? { ...diff.stamps, at: performance.now(), zxids }
      : null;
  return diff;
}

/**
 * Runs `work` between two readings of both ensembles' committed zxids. `still` gives, per side,
 * the zxid when it did not move meanwhile (nothing at all changed there during `work`), else null.
 * @example const { result, still } = await fenced(ctx, () => verifyCopy(…)); still.target;
 */
export async function fenced<T>(
  ctx: MigrationContext,
  work: () => Promise<T>,
): Promise<{ result: T; still: { source: bigint | null; target: bigint | null } }> {
  const before = await committedZxids(ctx);
  const result = await work();
  const after = await committedZxids(ctx);
  const held = (side: "source" | "target") => (before[side] === after[side] ? after[side] : null);
  return { result, still: { source: held("source"), target: held("target") } };
}

/** The first five differences, as the runbook names them: `data /apps/t1, missing /apps/t2`. */
export function firstDifferences(differences: readonly Difference[]): string {
  return differences
    .slice(0, 5)
    .map((d) => `${d.kind} ${d.path}`)
    .join(", ");
}

/** The first five stamp changes, as the runbook names them: `data /apps/t1, added /apps/t3`. */
export function firstChanges(changes: readonly StampChange[]): string {
  return changes
    .slice(0, 5)
    .map((c) => `${c.change} ${c.path}`)
    .join(", ");
}

/** Both ensembles' committed zxids (see `ZkSession.committedZxid`). */
async function committedZxids(ctx: MigrationContext): Promise<{ source: bigint; target: bigint }> {
  const { root } = ctx.inventory.zookeeper;
  const [source, target] = await Promise.all([
    ctx.zk.source().then((zk) => zk.committedZxid(root)),
    ctx.zk.target().then((zk) => zk.committedZxid(root)),
  ]);
  return { source, target };
}

/** Every meta holds a lock node on `side` (it is attached there). */
export function everyMetaLocksOn(side: "source" | "target"): MigrationCheck {
  return {
    title: `Every meta holds a leader-lock node on the ${side} ensemble`,
    observe: async (ctx) => {
      const held = await ephemerals(await ctx.zk.of(side), await lockDirOf(ctx));
      const expected = ctx.inventory.metaServers.length;
      return {
        ok: held.length === expected,
        evidence: `${held.length} of ${expected}: ${held.map((e) => e.data).join(", ") || "none"}`,
      };
    },
  };
}

/** Every meta holds a lock node on the target ensemble (it is attached there). */
export const everyMetaLocksOnTarget: MigrationCheck = everyMetaLocksOn("target");

/** No lock node remains under the root on `side`: no meta is attached to that ensemble. */
export function noLockNodeOn(side: "source" | "target"): MigrationCheck {
  return {
    title: `No meta holds a lock node on the ${side} ensemble`,
    observe: async (ctx) => {
      const held = await ephemerals(await ctx.zk.of(side), ctx.inventory.zookeeper.root);
      return {
        ok: held.length === 0,
        evidence: held.length
          ? `live: ${held.map((e) => `${e.path} (${e.data})`).join(", ")}`
          : `no ephemeral node under ${ctx.inventory.zookeeper.root}`,
      };
    },
  };
}

/** No lock node remains under the old root: no meta is attached to the source ensemble. */
export const noLockNodeOnSource: MigrationCheck = noLockNodeOn("source");

/** The cluster root is gone from `side`. */
export function rootGoneFrom(side: "source" | "target"): MigrationCheck {
  return {
    title: `The cluster root is gone from the ${side} ensemble`,
    observe: async (ctx) => {
      const n = await count(await ctx.zk.of(side), ctx.inventory.zookeeper.root);
      return {
        ok: n === 0,
        evidence: n === 0 ? `${ctx.inventory.zookeeper.root} does not exist` : `${n} znodes remain`,
      };
    },
  };
}

/** The cluster root is gone from the source ensemble. */
export const sourceRootGone: MigrationCheck = rootGoneFrom("source");

/** `<root>/apps` holds `unlock` (or is empty), as a loading leader requires (reference §6.8). */
export function appsUnlockedOn(side: "source" | "target"): MigrationCheck {
  return {
    title: `apps on the ${side} ensemble holds unlock`,
    observe: async (ctx) => {
      const node = await (await ctx.zk.of(side)).get(`${ctx.inventory.zookeeper.root}/apps`);
      const data = node?.data.toString();
      return {
        ok: data === "unlock" || data === "",
        evidence: node ? `data ${JSON.stringify(data)}` : "apps is missing",
      };
    },
  };
}
