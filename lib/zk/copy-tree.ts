/**
 * `copyTree`: copies a subtree between ensembles (or within one), streaming: nodes are written
 * while the rest of the source is read, so memory holds a window of nodes, not the tree. The
 * same read can also write the snapshot file (the backup) and keeps, compactly, the source's
 * stamps (for the unchanged proof) and digests of its content (to verify the target against
 * without reading the source's content again: `verifyCopy`). `inspectTarget` is shared with `restoreSnapshot`.
 */
import { PreconditionFailed, UsageError } from "../errors.ts";
import { parentOf } from "./address.ts";
import { ContentDigests } from "./content-digests.ts";
import { KnownAcls } from "./known-acls.ts";
import type { TargetState } from "./plan.ts";
import type { ZkSession } from "./session.ts";
import { SnapshotWriter } from "./snapshot-file.ts";
import { addStamp, TreeStamps } from "./stamps.ts";
import { TargetIndex, type TargetNodes } from "./target-index.ts";
import { type SinkResult, TreeSink } from "./tree-sink.ts";
import { walkContent } from "./walk.ts";
import type { WriterOptions } from "./writer.ts";

/** Options of {@link copyTree} and {@link writeTree}. */
export interface CopyOptions {
  /** Source root. @default the source session's address path */
  from?: string;
  /** Target root. @default the target session's address path */
  to?: string;
  /** Write into a non-empty target, changing only nodes whose data or ACL differ. @default false */
  overwrite?: boolean;
  /** Also delete target nodes the source lacks (implies `overwrite`). @default false */
  mirror?: boolean;
  /** The largest request the target accepts (its jute.maxbuffer). @default 1048575 */
  maxRequestBytes?: number;
  /** Batch sizes and window. */
  writer?: WriterOptions;
  /** Also stream every node read to this snapshot file (the backup before a copy): one read. */
  snapshot?: string;
  /** Keep the source's stamps, digests and ACLs (`sourceStamps`, `sourceDigests`, `sourceAcls`; empty when false). @default true */
  keepStamps?: boolean;
  /**
   * ACLs read earlier on either side (a copy's `sourceAcls`, a verification's `targetAcls`):
   * nodes whose stat pins a known ACL are read without a getACL. Ignored unless they were read
   * on the same ensemble and root.
   */
  knownAcls?: { source?: KnownAcls; target?: KnownAcls };
  /**
   * What the target holds under `to`, known without reading it (`VerifiedTarget`): with
   * `overwrite`, used instead of reading the target first.
   */
  targetNodes?: TargetNodes;
}

/** What a copy (or restore) did; under dry-run, what it would do. */
export interface CopyResult extends SinkResult {
  source: string;
  target: string;
  /** Source nodes read (ephemerals included). */
  read: number;
  /** Bytes of source data read. */
  dataBytes: number;
  /** Nodes that disappeared while the source was read. */
  vanished: string[];
  durationMs: number;
  /** Source stamps as read: pass to `checkUnchanged` to prove the source did not change since. */
  sourceStamps: TreeStamps;
  /** Digests of the source's content as read, by `sourceStamps` row: pass to `verifyCopy`. */
  sourceDigests: ContentDigests;
  /** The source's ACLs as read, by `sourceStamps` row: pass to a later copy as `knownAcls.source`. */
  sourceAcls: KnownAcls;
  /** The snapshot written from the same read, when asked for. */
  snapshot: { file: string; sha256: string; fileBytes: number } | null;
}

/**
 * Copies every znode under `from` on `source` to `to` on `target`: data byte for byte, ACLs, and
 * node types (containers and TTL nodes as what they are); ephemeral nodes are skipped and listed.
 * The target must not hold the subtree yet unless `overwrite`; nothing is deleted unless `mirror`.
 * @throws {PreconditionFailed} Non-empty target; or conflicting or oversize nodes found before the
 *   first write (always so in a tree of up to 2,000 nodes); nothing written.
 * @throws {ActionFailed} The same found after writing began, a node it may not read, a failed
 *   write, or an ensemble that stayed unreachable (a partial copy may remain: rerun with
 *   `overwrite` to complete it; the message says how many znodes were written).
 * @example const result = await copyTree(source, target, { from: "/pegasus/c1", to: "/pegasus/c1" });
 */
export async function copyTree(
  source: ZkSession,
  target: ZkSession,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const started = performance.now();
  const from = options.from ?? source.address.path;
  const to = options.to ?? target.address.path;
  checkNotOverlapping(source, from, target, to);
  const sourceRoot = await source.get(from);
  if (!sourceRoot) {
    throw new UsageError(`Cannot copy ${from} from ${source.label} as it does not exist`);
  }
  const state = await inspectTarget(target, to, sourceRoot.data, options);
  const below = await source.allChildrenNumber(from);
  const total = below === null ? null : below + 1;
  const stamps = new TreeStamps(from);
  const digests = new ContentDigests();
  const acls = new KnownAcls(stamps, source.address.connect);
  const keepStamps = options.keepStamps ?? true;
  const sink = new TreeSink(target, from, to, state, { ...options, total });
  const snapshot = options.snapshot
    ? new SnapshotWriter(options.snapshot, { root: from, ensemble: source.address.connect })
    : null;
  let walked: Awaited<ReturnType<typeof walkContent>>;
  try {
    walked = await walkContent(
      source,
      from,
      (node) => {
        const row = keepStamps ? addStamp(stamps, node) : -1;
        if (row !== -1) {
          digests.record(row, node);
          acls.record(row, node.acl);
        }
        snapshot?.add(node);
        sink.add(node);
      },
      { total, backpressure: sink, knownAcls: options.knownAcls?.source?.usableFor(source, from) },
    );
  } catch (error) {
    snapshot?.abandon();
    throw await sink.abandon(error);
  }
  const saved = snapshot?.finish();
  const result = await sink.finish();
  return {
    ...result,
    source: `${source.address.connect}${from}`,
    read: walked.nodes,
    dataBytes: walked.bytes,
    vanished: walked.vanished,
    durationMs: Math.round(performance.now() - started),
    sourceStamps: stamps,
    sourceDigests: digests,
    sourceAcls: acls,
    snapshot:
      saved && options.snapshot
        ? { file: options.snapshot, sha256: saved.sha256, fileBytes: saved.fileBytes }
        : null,
  };
}

/**
 * Reads what the target holds at `to` and refuses a non-empty target unless `overwrite`/`mirror`.
 * A root that exists with no children and no data (or the source root's data) counts as empty.
 * @throws {PreconditionFailed} If the target holds the subtree and `overwrite` is off.
 */
export async function inspectTarget(
  target: ZkSession,
  to: string,
  sourceRootData: Buffer,
  options: CopyOptions,
): Promise<TargetState> {
  const root = await target.get(to);
  if (!root) return { root: null, missingParents: await missingAncestors(target, to) };
  const listing = await target.children(to);
  const children = (listing?.children ?? []).filter(
    (name) => !(to === "/" && name === "zookeeper"),
  );
  const rootAcl = (await target.acl(to))?.acl ?? [];
  const state: TargetState = { root: root.stat, rootData: root.data, rootAcl, missingParents: [] };
  const empty =
    children.length === 0 && (root.data.length === 0 || root.data.equals(sourceRootData));
  if (empty) return state;
  if (!options.overwrite && !options.mirror) {
    const below = (await target.allChildrenNumber(to)) ?? children.length;
    throw new PreconditionFailed(
      `Cannot copy to ${to} on ${target.label} (${target.address.connect}) as it already holds ${below + 1} znode(s); nothing was written`,
      {
        hint: "Use --overwrite to write only the nodes that differ (--mirror also deletes extra nodes), or remove it first with `zk rmr`",
      },
    );
  }
  if (options.targetNodes) return { ...state, nodes: options.targetNodes };
  const known = options.knownAcls?.target?.usableFor(target, to);
  return { ...state, nodes: await TargetIndex.read(target, to, known) };
}

async function missingAncestors(target: ZkSession, to: string): Promise<string[]> {
  const missing: string[] = [];
  for (let path = parentOf(to); path !== "/"; path = parentOf(path)) {
    if (await target.exists(path)) break;
    missing.unshift(path);
  }
  return missing;
}

function checkNotOverlapping(source: ZkSession, from: string, target: ZkSession, to: string) {
  if (source.address.connect !== target.address.connect) return;
  const inside = (a: string, b: string) => a === b || b === "/" || a.startsWith(`${b}/`);
  if (inside(from, to) || inside(to, from)) {
    throw new UsageError(`Cannot copy ${from} to ${to} on the same ensemble as the trees overlap`);
  }
}
