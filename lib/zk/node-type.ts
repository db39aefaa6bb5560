/**
 * Node types from `ephemeralOwner`, as the server defines them (`EphemeralType`): 0 persistent,
 * Long.MIN_VALUE container, high byte 0xff TTL (TTL in ms in the low 40 bits), anything else the
 * session id of an ephemeral's owner. Testing `ephemeralOwner != 0` is the zkcopy/zk-shell bug.
 *
 * Caveat, verified on 3.8.0: since 3.5.4 (ZOOKEEPER-2901) servers report `ephemeralOwner` 0 for
 * container and TTL nodes (`DataNode.copyStat` → `getClientEphemeralOwner`), so to every client
 * they look persistent and are copied as persistent nodes, data, ACL and subtree intact. Where
 * the type is visible — a 3.5.3 server, or a snapshot file that records it — they are created
 * as what they are (opcodes 19 and 21).
 */
import type { Acl, Stat } from "./jute.ts";
import { CreateFlags } from "./protocol.ts";

/** What kind of znode a node is. */
export type NodeType = "persistent" | "ephemeral" | "container" | "ttl";

/** The `ephemeralOwner` a container node reports (Long.MIN_VALUE). */
export const containerOwner = -(2n ** 63n);
const extendedMask = 0xff00000000000000n;
const ttlMask = 0xffffffffffn;

/**
 * Classifies a node by its `ephemeralOwner`.
 * @example nodeTypeOf(-(2n ** 63n)) // "container"
 */
export function nodeTypeOf(ephemeralOwner: bigint): NodeType {
  if (ephemeralOwner === 0n) return "persistent";
  if (ephemeralOwner === containerOwner) return "container";
  if ((BigInt.asUintN(64, ephemeralOwner) & extendedMask) === extendedMask) return "ttl";
  return "ephemeral";
}

/** The TTL in ms of a TTL node's `ephemeralOwner` (0 for other types). */
export function ttlOf(ephemeralOwner: bigint): number {
  return nodeTypeOf(ephemeralOwner) === "ttl" ? Number(ephemeralOwner & ttlMask) : 0;
}

/** The create flags that make a node of `type` (sequential names are copied as plain names). */
export function createFlagsOf(type: NodeType): number {
  switch (type) {
    case "persistent":
      return CreateFlags.persistent;
    case "ephemeral":
      return CreateFlags.ephemeral;
    case "container":
      return CreateFlags.container;
    case "ttl":
      return CreateFlags.persistentWithTtl;
  }
}

/** An `ephemeralOwner` as the 16-hex-digit session id ZooKeeper prints. */
export function ownerHex(ephemeralOwner: bigint): string {
  return `0x${BigInt.asUintN(64, ephemeralOwner).toString(16).padStart(16, "0")}`;
}

/** One znode as read: path, data, ACL, stat and type. */
export interface ZNode {
  path: string;
  data: Buffer;
  acl: Acl[];
  stat: Stat;
  type: NodeType;
  /** TTL in ms, for TTL nodes. */
  ttlMs?: number;
}

/** A live ephemeral node: who owns it and what it holds (Pegasus writes the meta's host:port). */
export interface EphemeralNode {
  path: string;
  /** Owner session id, `0x…`. */
  owner: string;
  data: string;
}

/** The {@link EphemeralNode} view of a node. */
export function describeEphemeral(node: Pick<ZNode, "path" | "stat" | "data">): EphemeralNode {
  return { path: node.path, owner: ownerHex(node.stat.ephemeralOwner), data: node.data.toString() };
}

/** Two ACL lists are equal (same entries, any order). */
export function sameAcl(a: readonly Acl[], b: readonly Acl[]): boolean {
  if (a.length !== b.length) return false;
  const key = (x: Acl) => `${x.perms}|${x.scheme}|${x.id}`;
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.every((k, i) => k === right[i]);
}

/** An ACL list as `scheme:id:perms`, e.g. `world:anyone:cdrwa`. */
export function formatAcl(acl: readonly Acl[]): string {
  return acl.map((a) => `${a.scheme}:${a.id}:${formatPerms(a.perms)}`).join(",");
}

function formatPerms(perms: number): string {
  return [
    [4, "c"],
    [8, "d"],
    [1, "r"],
    [2, "w"],
    [16, "a"],
  ]
    .filter(([bit]) => perms & (bit as number))
    .map(([, letter]) => letter)
    .join("");
}
