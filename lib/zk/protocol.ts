/**
 * ZooKeeper protocol constants, the error type, and the request/response bodies the tree engine
 * uses (create, create2/container/TTL, delete, exists, getData, setData, getACL, setACL,
 * getChildren2, multi, getAllChildrenNumber). Wire formats follow `zookeeper.jute`.
 */
import type { Acl, JuteReader, JuteWriter, Stat } from "./jute.ts";

/** Request opcodes. */
export const Op = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  createContainer: 19,
  createTTL: 21,
  auth: 100,
  getAllChildrenNumber: 104,
  closeSession: -11,
  error: -1,
} as const;

/** Special xids of replies that answer no numbered request. */
export const Xid = { notification: -1, ping: -2, auth: -4 } as const;

/** Create flags (`CreateMode`). */
export const CreateFlags = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTtl: 5,
} as const;

/** Error codes (`KeeperException.Code`). */
export const Code = {
  ok: 0,
  systemError: -1,
  runtimeInconsistency: -2,
  connectionLoss: -4,
  marshallingError: -5,
  unimplemented: -6,
  operationTimeout: -7,
  badArguments: -8,
  noNode: -101,
  noAuth: -102,
  badVersion: -103,
  noChildrenForEphemerals: -108,
  nodeExists: -110,
  notEmpty: -111,
  sessionExpired: -112,
  invalidAcl: -114,
  authFailed: -115,
  sessionMoved: -118,
  throttled: -127,
} as const;

const codeNames = new Map<number, string>(
  Object.entries(Code).map(([name, code]) => [
    code,
    name.replace(/[A-Z]/g, (c) => ` ${c.toLowerCase()}`),
  ]),
);

/** The name of an error code, e.g. `-101` → `no node`. */
export function codeName(code: number): string {
  return codeNames.get(code) ?? `error ${code}`;
}

/**
 * A ZooKeeper error reply (or a client-side connection state error) with its code and path.
 * @example if (error instanceof ZkError && error.code === Code.noNode) return null;
 */
export class ZkError extends Error {
  constructor(
    readonly code: number,
    readonly path?: string,
    detail?: string,
  ) {
    super(`${codeName(code)}${path ? ` at ${path}` : ""}${detail ? `: ${detail}` : ""}`);
    this.name = "ZkError";
  }
}

/** True for the errors after which a write's outcome is unknown and the session may still live. */
export function isConnectionError(error: unknown): boolean {
  return (
    error instanceof ZkError &&
    (error.code === Code.connectionLoss ||
      error.code === Code.sessionExpired ||
      error.code === Code.operationTimeout ||
      error.code === Code.sessionMoved)
  );
}

/** True when `error` is a ZkError with `code`. */
export function hasCode(error: unknown, code: number): boolean {
  return error instanceof ZkError && error.code === code;
}

/** How to create a node: persistent, ephemeral, container or TTL (with its TTL in ms). */
export interface CreateSpec {
  path: string;
  data: Uint8Array;
  acl: readonly Acl[];
  flags: number;
  /** Milliseconds, for TTL nodes only. */
  ttlMs?: number;
}

/** One operation of a `multi` write. */
export type MultiOp =
  | ({ type: "create" } & CreateSpec)
  | { type: "delete"; path: string; version: number }
  | { type: "setData"; path: string; data: Uint8Array; version: number }
  | { type: "check"; path: string; version: number };

/** The result of one operation of a `multi`: ok, or the error code that operation got. */
export interface MultiResult {
  error: number;
}

/** The opcode a create uses: 19 for containers, 21 for TTL nodes, 1 otherwise. */
export function createOpcode(flags: number): number {
  if (flags === CreateFlags.container) return Op.createContainer;
  if (flags === CreateFlags.persistentWithTtl || flags === 6) return Op.createTTL;
  return Op.create;
}

/** Writes a create body (CreateRequest or CreateTTLRequest, by flags). */
export function writeCreate(w: JuteWriter, spec: CreateSpec): void {
  w.string(spec.path);
  w.buffer(spec.data);
  w.acls(spec.acl);
  w.int(spec.flags);
  if (createOpcode(spec.flags) === Op.createTTL) w.long(BigInt(spec.ttlMs ?? 0));
}

/** Writes a `path, int` body (DeleteRequest, CheckVersionRequest). */
export function writePathVersion(w: JuteWriter, path: string, version: number): void {
  w.string(path);
  w.int(version);
}

/** Writes a `path, bool watch=false` body (exists, getData, getChildren2). */
export function writePathNoWatch(w: JuteWriter, path: string): void {
  w.string(path);
  w.bool(false);
}

/** Writes a SetDataRequest body. */
export function writeSetData(w: JuteWriter, path: string, data: Uint8Array, version: number) {
  w.string(path);
  w.buffer(data);
  w.int(version);
}

/** Writes a SetACLRequest body. */
export function writeSetAcl(w: JuteWriter, path: string, acl: readonly Acl[], version: number) {
  w.string(path);
  w.acls(acl);
  w.int(version);
}

/** The opcode of a multi operation. */
export function multiOpcode(op: MultiOp): number {
  switch (op.type) {
    case "create":
      return createOpcode(op.flags);
    case "delete":
      return Op.delete;
    case "setData":
      return Op.setData;
    case "check":
      return Op.check;
  }
}

/** Writes a MultiOperationRecord: a header and body per operation, then the end marker. */
export function writeMulti(w: JuteWriter, ops: readonly MultiOp[]): void {
  for (const op of ops) {
    w.int(multiOpcode(op));
    w.bool(false);
    w.int(-1);
    switch (op.type) {
      case "create":
        writeCreate(w, op);
        break;
      case "delete":
      case "check":
        writePathVersion(w, op.path, op.version);
        break;
      case "setData":
        writeSetData(w, op.path, op.data, op.version);
        break;
    }
  }
  w.int(-1);
  w.bool(true);
  w.int(-1);
}

/** Reads a MultiResponse: one result per operation, in order. */
export function readMulti(r: JuteReader): MultiResult[] {
  const results: MultiResult[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    const err = r.int();
    if (done) return results;
    switch (type) {
      case Op.create:
        r.string();
        results.push({ error: 0 });
        break;
      case Op.create2:
      case Op.createContainer:
      case Op.createTTL:
        r.string();
        r.stat();
        results.push({ error: 0 });
        break;
      case Op.setData:
        r.stat();
        results.push({ error: 0 });
        break;
      case Op.delete:
      case Op.check:
        results.push({ error: 0 });
        break;
      case Op.error:
        results.push({ error: r.int() || err });
        break;
      default:
        throw new ZkError(Code.marshallingError, undefined, `unknown multi result type ${type}`);
    }
  }
}

/** Bytes a multi operation adds to the request (header + body), for byte-aware batching. */
export function multiOpBytes(op: MultiOp): number {
  const header = 9;
  const path = 4 + Buffer.byteLength(op.path);
  switch (op.type) {
    case "create": {
      let acl = 4;
      for (const a of op.acl) acl += 12 + Buffer.byteLength(a.scheme) + Buffer.byteLength(a.id);
      return header + path + 4 + op.data.length + acl + 4 + (op.flags >= 5 ? 8 : 0);
    }
    case "setData":
      return header + path + 4 + op.data.length + 4;
    default:
      return header + path + 4;
  }
}

/** Bytes of the frame around a multi: length, request header and end marker. */
export const multiFrameOverhead = 4 + 8 + 9;

/** Reads a GetDataResponse. */
export function readData(r: JuteReader): { data: Buffer; stat: Stat } {
  return { data: r.buffer(), stat: r.stat() };
}

/** Reads a GetACLResponse. */
export function readAcl(r: JuteReader): { acl: Acl[]; stat: Stat } {
  return { acl: r.acls(), stat: r.stat() };
}

/** Reads a GetChildren2Response. */
export function readChildren(r: JuteReader): { children: string[]; stat: Stat } {
  return { children: r.strings(), stat: r.stat() };
}
