/**
 * Helpers for end-to-end tests: run the tool as an operator would (a separate process), read
 * ZooKeeper trees with a second client, and fingerprint meta configs.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "zx";
import { createLog } from "../../lib/log.ts";
import { openSession, walkContent, type ZkSession } from "../../lib/zk/index.ts";

const main = join(import.meta.dir, "../../scripts/main.ts");

/** What a tool run printed and how it ended. */
export interface ToolRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** NDJSON events, when run with `--json`. */
  events: { kind: string; [key: string]: unknown }[];
}

/**
 * Runs `pegasus-zk-migrate ARGS…` from the checkout. With `killAt`, SIGKILLs it at the first
 * event `killAt` accepts (requires `--json`), as a crash or `kill -9` would.
 */
export async function runTool(
  args: string[],
  options: {
    killAt?: (event: ToolRun["events"][number], seen: ToolRun["events"]) => boolean;
    /** Extra environment variables. */
    env?: Record<string, string>;
  } = {},
): Promise<ToolRun> {
  const env = { ...process.env, ...options.env };
  const child = $({ nothrow: true, quiet: true, env })`exec ${process.execPath} ${main} ${args}`;
  const events: ToolRun["events"] = [];
  if (options.killAt) {
    for await (const line of child) {
      if (!line.startsWith("{")) continue;
      const event = JSON.parse(line);
      events.push(event);
      if (options.killAt(event, events)) {
        process.kill(child.child?.pid as number, "SIGKILL");
        break;
      }
    }
  }
  const out = await child;
  if (!options.killAt) {
    for (const line of out.stdout.split("\n"))
      if (line.startsWith("{")) events.push(JSON.parse(line));
  }
  return { exitCode: out.exitCode, stdout: out.stdout, stderr: out.stderr, events };
}

/** Runs `use` with a second, independent ZooKeeper session (closed afterwards). */
export async function withSession<T>(
  connect: string,
  use: (zk: ZkSession) => Promise<T>,
): Promise<T> {
  const session = await openSession(connect, { log: createLog({ write: () => {} }) });
  try {
    return await use(session);
  } finally {
    await session.close();
  }
}

/** Every znode under `root` as path (relative) → data, ephemerals left out. */
export function treeData(connect: string, root: string): Promise<Map<string, string>> {
  return withSession(connect, async (zk) => {
    const nodes = new Map<string, string>();
    await walkContent(zk, root, (node) => {
      if (node.type !== "ephemeral")
        nodes.set(node.path.slice(root.length) || "/", node.data.toString("base64"));
    });
    return nodes;
  });
}

/** Every znode under `root` with its mzxid and version: any write changes it. */
export function treeStamps(connect: string, root: string): Promise<string[]> {
  return withSession(connect, async (zk) => {
    const stamps: string[] = [];
    await walkContent(zk, root, (node) =>
      stamps.push(`${node.path} ${node.stat.mzxid} ${node.stat.version} ${node.stat.cversion}`),
    );
    return stamps.sort();
  });
}

/** `[zookeeper] hosts_list` of a config file, read plainly. */
export function hostsListOf(configFile: string): string | undefined {
  const text = readFileSync(configFile, "utf8");
  const section = text.split(/^\s*\[zookeeper\]\s*$/m)[1] ?? "";
  return /^\s*hosts_list\s*=\s*(\S+)/m.exec(section.split(/^\s*\[/m)[0] ?? "")?.[1];
}
