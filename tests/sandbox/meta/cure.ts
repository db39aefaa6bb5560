/**
 * Partition health decisions of the simulated meta, one step per partition per round:
 * - at any level, a member on a node that is dead past the FD grace is dropped (the primary
 *   downgraded to none, a secondary removed), the node going to the end of `last_drops`;
 * - at steady and above (the "cure"), a partition without primary gets one (a secondary
 *   upgraded; a fresh partition's least-loaded node; else the latest alive dropped node), and a
 *   partition short of `max_replica_count` gets a secondary (alive `last_drops` first, latest
 *   first, so a recovered cluster returns to its old layout; while a dropped node may still
 *   come back within `replica_assign_delay_ms_for_dropouts`, nothing; else the least-loaded node).
 * Every step raises the ballot by one. Whether the step reaches ZooKeeper is the caller's concern.
 */
import type { PartitionConfig } from "../encoding.ts";

/** What the cure needs to know about nodes. */
export interface NodeView {
  /** Alive: beaconing within the grace. */
  isAlive(node: string): boolean;
  /** Dead long enough for its replicas to be dropped. */
  isDead(node: string): boolean;
  /** Not alive, but gone for less than `replica_assign_delay_ms_for_dropouts`: wait for it. */
  mayReturn(node: string): boolean;
  /** Alive nodes, in address order. */
  aliveNodes(): string[];
  /** Replicas (primary + secondary) and primaries a node serves. */
  load(node: string): { replicas: number; primaries: number };
}

/** `last_drops` keeps at most 3 entries; a node re-dropped moves to the end. */
export function addDrop(drops: string[], node: string): string[] {
  return [...drops.filter((n) => n !== node), node].slice(-3);
}

/**
 * The next configuration of `pc`, or null when nothing is to be done this round.
 * @example nextConfig(pc, nodes, true) // the partition with one more secondary, ballot + 1
 */
export function nextConfig(
  pc: PartitionConfig,
  nodes: NodeView,
  cure: boolean,
): PartitionConfig | null {
  const next = (changes: Partial<PartitionConfig>): PartitionConfig => ({
    ...pc,
    ...changes,
    ballot: pc.ballot + 1,
  });
  if (pc.primary && nodes.isDead(pc.primary)) {
    return next({ primary: null, last_drops: addDrop(pc.last_drops, pc.primary) });
  }
  const deadSecondary = pc.secondaries.find((n) => nodes.isDead(n));
  if (deadSecondary) {
    return next({
      secondaries: pc.secondaries.filter((n) => n !== deadSecondary),
      last_drops: addDrop(pc.last_drops, deadSecondary),
    });
  }
  if (!cure) return null;
  // The common case, checked before anything is allocated: a full partition with a primary.
  if (pc.primary && pc.secondaries.length + 1 >= pc.max_replica_count) return null;
  const members = [pc.primary, ...pc.secondaries].filter((n): n is string => n !== null);
  const notDropped = (node: string) => pc.last_drops.filter((n) => n !== node);
  if (!pc.primary) {
    const secondary = pc.secondaries.find((n) => nodes.isAlive(n));
    if (secondary) {
      return next({
        primary: secondary,
        secondaries: pc.secondaries.filter((n) => n !== secondary),
      });
    }
    if (pc.secondaries.length > 0) return null;
    const fresh = pc.ballot === 0 && pc.last_drops.length === 0;
    const candidate = fresh
      ? leastLoaded(nodes, members, "primaries")
      : [...pc.last_drops].reverse().find((n) => nodes.isAlive(n));
    return candidate ? next({ primary: candidate, last_drops: notDropped(candidate) }) : null;
  }
  if (members.length >= pc.max_replica_count) return null;
  const dropped = [...pc.last_drops].reverse().filter((n) => !members.includes(n));
  const returned = dropped.find((n) => nodes.isAlive(n));
  if (!returned && dropped.some((n) => nodes.mayReturn(n))) return null;
  const candidate = returned ?? leastLoaded(nodes, members, "replicas");
  return candidate
    ? next({ secondaries: [...pc.secondaries, candidate], last_drops: notDropped(candidate) })
    : null;
}

function leastLoaded(
  nodes: NodeView,
  exclude: string[],
  by: "replicas" | "primaries",
): string | undefined {
  let best: string | undefined;
  let bestLoad = Number.POSITIVE_INFINITY;
  for (const node of nodes.aliveNodes()) {
    if (exclude.includes(node)) continue;
    const load = nodes.load(node)[by];
    if (load < bestLoad) [best, bestLoad] = [node, load];
  }
  return best;
}
