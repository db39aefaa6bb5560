/**
 * Starting and stopping the sandbox's meta and replica processes by pid file, as a service
 * manager would: `start` is idempotent and returns once the process listens on its port (or has
 * already exited, e.g. a meta aborting on its config); `stop` sends SIGTERM and waits; `kill` is
 * a crash (SIGKILL: a meta's ZooKeeper session then lingers until it expires). A process's pid
 * file is `<its dir>/<role>.pid`, its log `<its dir>/<role>.log`, its exit code `<role>.exit`.
 */
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import {
  isAlive,
  isRunning,
  readPidFile,
  spawnDetached,
  stopPidFile,
} from "../harness/detached.ts";
import type { SandboxLayout } from "./layout.ts";

/** A meta or replica process of a sandbox. */
export interface Member {
  role: "meta" | "replica";
  index: number;
  port: number;
  dir: string;
  config: string;
}

/** The meta with task `task`, or the replica server with index `index`. */
export function member(layout: SandboxLayout, role: Member["role"], index: number): Member {
  const found =
    role === "meta"
      ? layout.metas.find((m) => m.task === index)
      : layout.replicas.find((r) => r.index === index);
  if (!found) throw new Error(`Cannot find ${role} ${index} in sandbox ${layout.dir}`);
  return { role, index, port: found.port, dir: found.dir, config: found.config };
}

export const pidFileOf = (m: Member) => join(m.dir, `${m.role}.pid`);
export const logFileOf = (m: Member) => join(m.dir, `${m.role}.log`);
export const exitFileOf = (m: Member) => join(m.dir, `${m.role}.exit`);

/** The pid when the process runs (its command line names its config), else null. */
export function runningPid(m: Member): number | null {
  const pid = readPidFile(pidFileOf(m));
  return pid !== null && isRunning(pid, m.config) ? pid : null;
}

/** The exit code a stopped process recorded, or null (still running, or killed by a signal). */
export function exitCodeOf(m: Member): number | null {
  if (!existsSync(exitFileOf(m))) return null;
  return Number(readFileSync(exitFileOf(m), "utf8"));
}

/**
 * Starts a member unless it runs; resolves once it accepts connections or has exited.
 * @returns Its pid.
 */
export async function startMember(
  layout: SandboxLayout,
  m: Member,
  timeoutMs = 30_000,
): Promise<number> {
  const running = runningPid(m);
  if (running !== null) return running;
  rmSync(exitFileOf(m), { force: true });
  const pid = await spawnDetached(
    [
      layout.bun,
      layout.cli,
      `run-${m.role}`,
      "--config",
      m.config,
      "--pegasus",
      layout.version,
      ...(layout.hostNames ? ["--host-names"] : []),
    ],
    {
      cwd: m.dir,
      logFile: logFileOf(m),
      pidFile: pidFileOf(m),
      env: layout.owner === null ? {} : { PZM_SANDBOX_OWNER: String(layout.owner) },
    },
  );
  const deadline = Date.now() + timeoutMs;
  // Exited means gone, not "command line lacks the marker": see waitForExec in detached.ts.
  while (isAlive(pid) && !(await listens(m.port))) {
    if (Date.now() > deadline)
      throw new Error(
        `${m.role} ${m.index} did not listen on port ${m.port} within ${timeoutMs} ms; see ${logFileOf(m)}`,
      );
    await Bun.sleep(25);
  }
  return pid;
}

/** Stops a member (SIGTERM, or SIGKILL for `kill`) and waits until it is gone. */
export function stopMember(m: Member, how: "stop" | "kill" = "stop"): Promise<boolean> {
  return stopPidFile(pidFileOf(m), m.config, {
    signal: how === "kill" ? "SIGKILL" : "SIGTERM",
    graceMs: 5000,
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port`. */
export function listens(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
