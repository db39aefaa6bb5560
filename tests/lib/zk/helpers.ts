/**
 * Helpers for the tree-engine tests: sessions with a recording log, seeding trees, running the
 * CLI, and an independent reader built on node-zookeeper-client (a second client that shares no
 * code with lib/zk, so a test never checks our writes with our own reads alone).
 */
import zookeeper from "node-zookeeper-client";
import { $ } from "zx";
import type { Event, Log } from "../../../lib/log.ts";
import {
  CreateFlags,
  type MultiOp,
  openSession,
  parseTreeAddress,
  type SessionOptions,
  TreeWriter,
  type ZkSession,
} from "../../../lib/zk/index.ts";
import type { Stat } from "../../../lib/zk/jute.ts";

const root = new URL("../../..", import.meta.url).pathname;

/** A log that keeps every event. */
export function recordingLog(): Log & { events: Event[] } {
  const events: Event[] = [];
  const log = (event: Event) => {
    events.push(event);
  };
  return Object.assign(log, { json: true, verbose: false, events });
}

/** Opens a session on `connect` (`host:port[/path]`) with a recording log. */
export async function session(
  connect: string,
  options: Partial<SessionOptions> = {},
): Promise<ZkSession & { events: Event[] }> {
  const log = recordingLog();
  const zk = await openSession(parseTreeAddress(connect), {
    log,
    sessionTimeoutMs: 4000,
    retryTimeoutMs: 10_000,
    readers: 2,
    ...options,
  });
  return Object.assign(zk, { events: log.events });
}

/** Writes `ops` with the batch writer. */
export async function seed(zk: ZkSession, ops: readonly MultiOp[]): Promise<void> {
  const writer = new TreeWriter(zk);
  for (const op of ops) await writer.add(op);
  await writer.finish();
}

/** A create op (persistent unless `flags` says otherwise) with the open ACL. */
export function node(
  path: string,
  data: string | Buffer = "",
  flags = 0,
  ttlMs?: number,
): MultiOp & { type: "create" } {
  const bytes = typeof data === "string" ? Buffer.from(data) : data;
  const acl = [{ perms: 31, scheme: "world", id: "anyone" }];
  return { type: "create", path, data: bytes, acl, flags, ...(ttlMs ? { ttlMs } : {}) };
}

/** A stat of a fresh persistent node created at zxid 1, for nodes built without a server. */
export function freshStat(dataLength = 0): Stat {
  return {
    czxid: 1n,
    mzxid: 1n,
    ctime: 0,
    mtime: 0,
    version: 0,
    cversion: 0,
    aversion: 0,
    ephemeralOwner: 0n,
    dataLength,
    numChildren: 0,
    pzxid: 1n,
  };
}

/** Creates `path` + a sequence number as an ephemeral node of `zk`'s session (a held lock). */
export function holdEphemeral(zk: ZkSession, path: string, data: string): Promise<void> {
  const acl = [{ perms: 31, scheme: "world", id: "anyone" }];
  return zk.create({ path, data: Buffer.from(data), acl, flags: CreateFlags.ephemeralSequential });
}

/** What the independent reader sees of one node. */
export interface SeenNode {
  data: Buffer;
  acl: string[];
  ephemeralOwner: bigint;
  version: number;
  mzxid: bigint;
}

/**
 * Reads a whole subtree with node-zookeeper-client, one request at a time.
 * @param auth `user:password` for digest auth.
 */
export async function readWithSecondClient(
  connect: string,
  path: string,
  auth?: string,
): Promise<Map<string, SeenNode>> {
  const client = zookeeper.createClient(connect, { sessionTimeout: 4000, retries: 0 });
  const connected = new Promise<void>((resolve) => client.once("connected", () => resolve()));
  client.connect();
  await connected;
  if (auth) client.addAuthInfo("digest", Buffer.from(auth));
  type Callback = (error: unknown, ...rest: unknown[]) => void;
  const call = <T>(f: (cb: Callback) => void) =>
    new Promise<T[]>((resolve, reject) =>
      f((error, ...rest) => (error ? reject(error) : resolve(rest as T[]))),
    );
  const seen = new Map<string, SeenNode>();
  const visit = async (p: string): Promise<void> => {
    const [data, stat] = await call<unknown>((cb) => client.getData(p, cb as never));
    const [acls] = await call<unknown>((cb) => client.getACL(p, cb as never));
    const [children] = await call<unknown>((cb) => client.getChildren(p, cb as never));
    const s = stat as { ephemeralOwner: Buffer; version: number; mzxid: Buffer };
    seen.set(p, {
      data: (data as Buffer | undefined) ?? Buffer.alloc(0),
      acl: (acls as { permission: number; id: { scheme: string; id: string } }[])
        .map((a) => `${a.id.scheme}:${a.id.id}:${a.permission}`)
        .sort(),
      ephemeralOwner: s.ephemeralOwner.readBigInt64BE(0),
      version: s.version,
      mzxid: s.mzxid.readBigInt64BE(0),
    });
    for (const name of (children as string[]).sort()) {
      await visit(p === "/" ? `/${name}` : `${p}/${name}`);
    }
  };
  try {
    await visit(path);
  } finally {
    client.close();
  }
  return seen;
}

/** The result of running the CLI. */
export interface CliRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** Parsed NDJSON lines of stdout (with --json). */
  events: Record<string, unknown>[];
}

/** Runs `bun scripts/main.ts ARGS…` with extra environment variables. */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const out = await $({
    cwd: root,
    nothrow: true,
    quiet: true,
    env: { ...process.env, ...env },
  })`${process.execPath} scripts/main.ts ${args}`;
  return {
    exitCode: out.exitCode ?? -1,
    stdout: out.stdout,
    stderr: out.stderr,
    events: parseEvents(out.stdout),
  };
}

/** The NDJSON objects of a text, ignoring other lines. */
export function parseEvents(text: string): Record<string, unknown>[] {
  return text
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The `result` of the final `zk-result` event. */
export function resultOf(run: CliRun): Record<string, unknown> {
  const last = run.events.findLast((e) => e.kind === "zk-result");
  if (!last) throw new Error(`no zk-result in output:\n${run.stdout}\n${run.stderr}`);
  return last.result as Record<string, unknown>;
}

/**
 * Starts the CLI and calls `onEvent` for each NDJSON line of its stdout as it arrives.
 * @returns the finished run.
 */
export async function cliWatching(
  args: string[],
  onEvent: (event: Record<string, unknown>) => void,
): Promise<CliRun> {
  const child = Bun.spawn([process.execPath, "scripts/main.ts", ...args], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const stderr = new Response(child.stderr).text();
  let stdout = "";
  let partial = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    const text = decoder.decode(chunk, { stream: true });
    stdout += text;
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("{")) onEvent(JSON.parse(line));
  }
  const exitCode = await child.exited;
  return { exitCode, stdout, stderr: await stderr, events: parseEvents(stdout) };
}
