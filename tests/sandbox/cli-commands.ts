/**
 * `down`, `status` and the per-process `start-*` / `stop-*` / `status-*` commands of the
 * sandbox CLI. Every process is found by its pid file and checked by its command line before it
 * is signalled.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isRunning, processesNaming, readPidFile, stopProcess } from "../harness/detached.ts";
import { stopDetachedZooKeeper } from "../harness/zookeeper.ts";
import {
  exitCodeOf,
  logFileOf,
  type Member,
  member,
  runningPid,
  startMember,
  stopMember,
} from "./control.ts";
import { readLayout, type SandboxLayout } from "./layout.ts";

const members = (layout: SandboxLayout): Member[] => [
  ...layout.metas.map((m) => member(layout, "meta", m.task)),
  ...layout.replicas.map((r) => member(layout, "replica", r.index)),
];

const zookeeperPid = (dir: string) => {
  const pid = readPidFile(join(dir, "zookeeper.pid"));
  return pid !== null && isRunning(pid, join(dir, "zoo.cfg")) ? pid : null;
};

/** Stops every process of the sandbox in `dir`; exit code 0 once none is left. */
export async function down(dir: string): Promise<number> {
  const layout = readLayout(dir);
  const stopped = await Promise.all(members(layout).map((m) => stopMember(m)));
  const zookeepers = await Promise.all(
    Object.values(layout.zookeepers).map((z) => (z.dir ? stopDetachedZooKeeper(z.dir) : false)),
  );
  // A process whose starter was killed before writing its pid file (an interrupted `up`) is
  // found by the files it names; so is the starter's shell, which could still start it.
  const markers = [
    ...members(layout).map((m) => m.config),
    ...Object.values(layout.zookeepers).flatMap((z) => (z.dir ? [join(z.dir, "zoo.cfg")] : [])),
  ];
  const strays = processesNaming(markers);
  await Promise.all(strays.map((pid) => stopProcess(pid, dir, { signal: "SIGKILL" })));
  const left = members(layout).filter((m) => runningPid(m) !== null).length;
  const count = [...stopped, ...zookeepers].filter(Boolean).length;
  process.stdout.write(
    `stopped ${count} processes of the sandbox in ${dir}${left ? `; ${left} still running` : ""}\n`,
  );
  return left === 0 ? 0 : 1;
}

/** Prints one line per process: name, address, pid or `stopped`, and a meta's role. */
export async function status(dir: string): Promise<number> {
  const layout = readLayout(dir);
  const lines: string[] = [];
  for (const [name, z] of Object.entries(layout.zookeepers)) {
    const pid = z.dir ? zookeeperPid(z.dir) : null;
    lines.push(`zookeeper-${name}  127.0.0.1:${z.port}  ${pid ? `running pid ${pid}` : "stopped"}`);
  }
  for (const m of members(layout)) {
    const pid = runningPid(m);
    let role = "";
    if (pid && m.role === "meta") {
      const state = await fetch(`http://127.0.0.1:${m.port}/sandbox/state`, {
        signal: AbortSignal.timeout(1000),
      })
        .then((r) => r.json() as Promise<{ isLeader: boolean; recovering: boolean; level: string }>)
        .catch(() => null);
      role = state
        ? `  ${state.isLeader ? (state.recovering ? "leader, recovering" : `leader, ${state.level}`) : "follower"}`
        : "";
    }
    const exit = exitCodeOf(m);
    const stopped = exit === null ? "stopped" : `stopped (exit ${exit}; see ${logFileOf(m)})`;
    lines.push(
      `${m.role}${m.index}  127.0.0.1:${m.port}  ${pid ? `running pid ${pid}${role}` : stopped}`,
    );
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

/** `start-meta`, `stop-meta`, `status-meta` (and the replica ones) for one process. */
export async function control(
  dir: string,
  role: Member["role"],
  index: number,
  verb: "start" | "stop" | "status",
): Promise<number> {
  const m = member(readLayout(dir), role, index);
  if (verb === "start") {
    const pid = await startMember(readLayout(dir), m);
    process.stdout.write(`${role} ${index} started, pid ${pid}\n`);
    return 0;
  }
  if (verb === "stop") {
    const stopped = await stopMember(m);
    process.stdout.write(`${role} ${index} ${stopped ? "stopped" : "was not running"}\n`);
    return 0;
  }
  // Like `systemctl status`: the state, how it ended, and the tail of its log.
  const pid = runningPid(m);
  const exit = exitCodeOf(m);
  const state = pid ? `running, pid ${pid}` : `stopped${exit === null ? "" : ` (exit ${exit})`}`;
  const log = existsSync(logFileOf(m)) ? readFileSync(logFileOf(m), "utf8").trimEnd() : "";
  const tail = log ? log.split("\n").slice(-10) : [];
  process.stdout.write(
    [`${role} ${index} ${state}`, ...(tail.length ? [`log ${logFileOf(m)}:`, ...tail] : [])]
      .map((line) => `${line}\n`)
      .join(""),
  );
  return pid ? 0 : 3;
}
