/**
 * Log lines in the rDSN `simple_logger` shape, written to stderr (the sandbox sends each
 * process's stderr to its log file), and the `CHECK` failure that ends a process:
 * `F2024-05-20 10:11:12.345 (1716171072345000000 1a2b) meta.default0.0000000000000001: server_state.cpp:821:initialize_data_structure(): <message>`
 */

let role = "meta";

/** Names the process in every line (`meta` or `replica`). */
export function setLogRole(name: string): void {
  role = name;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** `YYYY-MM-DD HH:MM:SS` in local time, as rDSN prints start times. */
export function localTime(date: Date): string {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Writes one log line. `where` is `file.cpp:line:function`. */
export function log(level: "D" | "I" | "W" | "E" | "F", where: string, message: string): void {
  const now = new Date();
  const stamp = `${localTime(now)}.${pad(now.getMilliseconds(), 3)}`;
  const nanos = `${BigInt(now.getTime()) * 1_000_000n}`;
  process.stderr.write(
    `${level}${stamp} (${nanos} ${process.pid.toString(16)}) ${role}.default0.0000000000000001: ${where}(): ${message}\n`,
  );
}

/** Exit status of a process that hit a failed `CHECK` (abort, as `dsn_coredump` does). */
export const crashExitCode = 134;

/**
 * A failed `CHECK`: logs the assertion and the message at level F, then exits with 134.
 * @example crash("server_state.cpp:821:initialize_data_structure", "find apps from remote storage, but …")
 */
export function crash(where: string, message: string, expression = "false"): never {
  log("F", where, `assertion expression: ${expression}`);
  log("F", where, message);
  process.exit(crashExitCode);
}
