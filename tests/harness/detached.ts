/**
 * Detached processes for the sandbox: started through zx as `setsid CMD >LOG 2>&1 </dev/null &`,
 * so they outlive the command that started them (as a daemon started by systemd or minos would),
 * and stopped later by pid. A pid is only ever signalled after checking that its command line
 * still names the expected marker (a path inside the sandbox), so a recycled pid is never hit.
 */
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { $, quote } from "zx";

/** Used when the environment has no PATH (commands run under `env -i`, as the tool allows). */
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Options of {@link spawnDetached}. */
export interface DetachedOptions {
  /** Working directory of the process. */
  cwd: string;
  /** stdout and stderr go here (appended). */
  logFile: string;
  /** Written with the process id once it is started. */
  pidFile?: string;
  /** Extra environment variables. */
  env?: Record<string, string>;
}

/**
 * Starts `argv` in its own session, detached from the caller, and returns its pid.
 * @example const pid = await spawnDetached(["java", "-version"], { cwd: dir, logFile: log });
 */
export async function spawnDetached(argv: string[], options: DetachedOptions): Promise<number> {
  // The shell writes the pid file itself, right after the fork: if we are killed before
  // spawnDetached returns, the process still runs and its pid file must still name it.
  const pidFile = options.pidFile ?? "/dev/null";
  const out = await $({
    quiet: true,
    shell: "/bin/bash",
    quote,
    cwd: options.cwd,
    env: { PATH: defaultPath, ...process.env, ...options.env },
  })`setsid ${argv} >>${options.logFile} 2>&1 </dev/null & echo $! >${pidFile}; echo $!`;
  const pid = Number(out.stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) {
    throw new Error(`Cannot start ${argv[0]} as no pid came back: ${out.stdout}${out.stderr}`);
  }
  await waitForExec(pid, argv);
  return pid;
}

/**
 * Waits until `pid` has left the wrapper (bash forked it, `setsid` execs `argv`) or is gone.
 * Until then its command line is bash's, setsid's or empty mid-exec, and a caller checking it for
 * a marker would take a starting process for one that exited. `argv` may exec further (setpriv
 * execs java), so any other non-empty command line counts as started.
 */
async function waitForExec(pid: number, argv: string[], timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const line = commandLineOf(pid);
    if (line === null) return;
    if (line !== "" && !line.startsWith("/bin/bash ") && !line.startsWith("setsid ")) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${argv[0]} (pid ${pid}) did not start within ${timeoutMs} ms: it runs ${line}`,
      );
    }
    await Bun.sleep(5);
  }
}

/** True while `pid` exists and is not a zombie, whatever it runs. */
export function isAlive(pid: number): boolean {
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** The command line of a running process, or null when it is gone (or a zombie). */
export function commandLineOf(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    if (/\) Z /.test(stat)) return null;
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return null;
  }
}

/**
 * Pids of live processes (this one aside) whose command line contains one of `markers`: what a
 * pid file cannot name, such as a process started by a command killed before it wrote the file.
 * @example processesNaming(["/tmp/sb/zk-old/zoo.cfg"])
 */
export function processesNaming(markers: readonly string[]): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      const line = commandLineOf(Number(pid));
      return line !== null && markers.some((marker) => line.includes(marker));
    })
    .map(Number);
}

/** True when `pid` runs and its command line contains `marker`. */
export function isRunning(pid: number, marker: string): boolean {
  return commandLineOf(pid)?.includes(marker) ?? false;
}

/** The pid in a pid file, or null when the file is missing or empty. */
export function readPidFile(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/**
 * Stops a process (SIGTERM, then SIGKILL after `graceMs`) and waits until it is gone.
 * Does nothing when it no longer runs or its command line lacks `marker`.
 * @returns True when a process was signalled.
 */
export async function stopProcess(
  pid: number,
  marker: string,
  options: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<boolean> {
  if (!isRunning(pid, marker)) return false;
  signal(pid, options.signal ?? "SIGTERM");
  const deadline = Date.now() + (options.graceMs ?? 5000);
  while (isRunning(pid, marker)) {
    if (Date.now() > deadline) signal(pid, "SIGKILL");
    await Bun.sleep(20);
  }
  return true;
}

/** Stops the process named by a pid file and removes the file. */
export async function stopPidFile(
  pidFile: string,
  marker: string,
  options: { graceMs?: number; signal?: NodeJS.Signals } = {},
): Promise<boolean> {
  const pid = readPidFile(pidFile);
  const stopped = pid !== null && (await stopProcess(pid, marker, options));
  rmSync(pidFile, { force: true });
  return stopped;
}

/** SIGKILL without waiting, for exit hooks. */
export function killNow(pid: number, marker: string): void {
  if (isRunning(pid, marker)) signal(pid, "SIGKILL");
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ESRCH") throw error;
  }
}
