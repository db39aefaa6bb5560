/**
 * Addresses of trees (`host:port[,host:port…]/path`), path helpers, and digest credentials taken
 * from environment variables.
 */
import { createHash } from "node:crypto";
import { UsageError } from "../errors.ts";
import type { ServerAddress } from "./client.ts";

/** A subtree on an ensemble. */
export interface TreeAddress {
  servers: ServerAddress[];
  /** Absolute znode path, `/` for the whole tree. */
  path: string;
  /** The connect string without the path, e.g. `zk1:2181,zk2:2181`. */
  connect: string;
}

/**
 * Parses `host:port[,host:port…][/path]`; the port defaults to 2181 and the path to `/`.
 * IPv6 hosts are written in brackets: `[::1]:2181`.
 * @throws {UsageError} If a host, port or path is malformed.
 * @example parseTreeAddress("zk1:2181,zk2:2181/pegasus/c1").path // "/pegasus/c1"
 */
export function parseTreeAddress(text: string): TreeAddress {
  const slash = text.indexOf("/");
  const hostPart = slash === -1 ? text : text.slice(0, slash);
  const path = slash === -1 ? "/" : text.slice(slash);
  const servers = hostPart.split(",").map((entry) => parseServer(entry, text));
  checkPath(path, text);
  return { servers, path, connect: hostPart };
}

function parseServer(entry: string, whole: string): ServerAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9_.-]+))(?::(\d{1,5}))?$/.exec(entry.trim());
  const port = Number(match?.[3] ?? 2181);
  if (!match || port < 1 || port > 65535) {
    throw new UsageError(
      `Cannot parse the ZooKeeper address "${whole}" as "${entry}" is not host[:port]`,
      { hint: "Write host:port[,host:port…]/path, e.g. zk1:2181,zk2:2181/pegasus/c1" },
    );
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

/**
 * Checks that `path` is an absolute znode path: no empty, `.` or `..` segments, no trailing `/`.
 * @throws {UsageError} If it is not.
 */
export function checkPath(path: string, context = path): void {
  const segments = path === "/" ? [] : path.split("/").slice(1);
  const bad =
    !path.startsWith("/") ||
    segments.some((s) => s === "" || s === "." || s === ".." || s.includes("\u0000"));
  if (bad) {
    throw new UsageError(
      `Cannot use "${context}" as its path "${path}" is not an absolute znode path`,
      { hint: "Paths start with / and have no empty, . or .. segments, e.g. /pegasus/c1" },
    );
  }
}

/** `parent + "/" + name`, without doubling the root slash. */
export function joinPath(parent: string, name: string): string {
  return parent === "/" ? `/${name}` : `${parent}/${name}`;
}

/** The parent of a path (`/` for a top-level node). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** Maps a path under `from` to the same place under `to`. */
export function rebase(path: string, from: string, to: string): string {
  if (path === from) return to;
  const rest = from === "/" ? path : path.slice(from.length);
  return to === "/" ? rest : `${to}${rest}`;
}

/** Depth of a path: `/` is 0, `/a` is 1. */
export function depthOf(path: string): number {
  if (path === "/") return 0;
  let depth = 0;
  for (let i = 0; i < path.length; i++) if (path.charCodeAt(i) === 47) depth++;
  return depth;
}

/** A digest credential: the auth packet to send and the ACL id it yields. */
export interface Digest {
  user: string;
  /** `user:password`, sent in the auth packet. */
  credential: Buffer;
  /** The `digest` ACL id this identity has: `user:base64(sha1(user:password))`. */
  id: string;
}

/**
 * Reads digest credentials `user:password` from an environment variable.
 * @param required Throw if the variable is unset (it was named explicitly).
 * @returns undefined when the variable is unset and not required.
 * @throws {UsageError} If the value has no `:` or a required variable is unset.
 * @example digestFromEnv("PZM_SOURCE_ZK_DIGEST", false)
 */
export function digestFromEnv(name: string, required: boolean): Digest | undefined {
  const value = process.env[name];
  if (!value) {
    if (!required) return undefined;
    throw new UsageError(`Cannot authenticate as the environment variable ${name} is not set`, {
      hint: `export ${name}=user:password, or drop the option to connect without auth`,
    });
  }
  return parseDigest(value, name);
}

/**
 * Parses `user:password` into a {@link Digest}.
 * @throws {UsageError} If there is no `:`.
 */
export function parseDigest(value: string, source = "the credentials"): Digest {
  const colon = value.indexOf(":");
  if (colon <= 0) {
    throw new UsageError(`Cannot use ${source} for digest auth as it must be user:password`);
  }
  const user = value.slice(0, colon);
  const hash = createHash("sha1").update(value).digest("base64");
  return { user, credential: Buffer.from(value), id: `${user}:${hash}` };
}
