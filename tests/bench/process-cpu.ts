/**
 * The CPU a process has used so far, read from /proc: the benches weigh our CPU against the
 * ZooKeeper servers', which share the machine's cores with us.
 */
import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's times (`getconf CLK_TCK`: 100 on Linux). */
const ticksPerSecond = 100;

/**
 * Milliseconds of CPU (user + system) `pid` has used so far: fields 14 and 15 of
 * /proc/PID/stat, counted after the command name, which may itself hold spaces.
 * @example const before = processCpuMs(server.pid); … processCpuMs(server.pid) - before;
 */
export function processCpuMs(pid: number | string): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
