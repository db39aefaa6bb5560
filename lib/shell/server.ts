/**
 * The shell's banner (reference §4.3), `server_info` (§4.10: ≤2.5 prints text on stderr, 2.6
 * prints JSON on stdout) and `get_app_envs` (a `[app_envs]` key/value table, or `-j` JSON; it
 * needs `use <table>` first, which answers `OK` on stderr).
 */
import {
  ShellCommandRejected,
  ShellOutputUnexpected,
  ShellUnreachable,
  shellFailure,
} from "./errors.ts";
import {
  integer,
  type LineCursor,
  peekJson,
  readJson,
  readTable,
  rejectRefusal,
  type ShellCommand,
  type ShellVersion,
  stringRecord,
} from "./output.ts";

/** What the shell printed before any command output. */
export interface Banner {
  /** As printed after `Pegasus Shell`, e.g. `2.6.0-SNAPSHOT`. */
  version: string;
  /** The output family, or `null` when the version string has no `major.minor`. */
  family: ShellVersion | null;
  configFile?: string;
  /** The cluster name the shell shows: from the meta (2.6) or the command line. */
  clusterName?: string;
  metaList?: string;
  /** Lines printed before `Pegasus Shell` (a wrapper script's own output). */
  preamble: string[];
}

/**
 * Reads the banner up to `The cluster meta list is: …`.
 * @throws {ShellUnreachable} On `ERROR: init pegasus failed: <file>`.
 * @throws {ShellOutputUnexpected} If there is no banner.
 */
export function readBanner(out: LineCursor): Banner {
  const preamble: string[] = [];
  while (out.peek() !== undefined && !out.peek()?.startsWith("Pegasus Shell ")) {
    preamble.push(out.next() as string);
  }
  const first = out.next();
  if (first === undefined) {
    throw new ShellOutputUnexpected(
      "(start-up)",
      "the banner `Pegasus Shell <version>`",
      preamble.join("\n"),
    );
  }
  const version = first.slice("Pegasus Shell ".length).trim();
  const numbers = version.match(/^(\d+)\.(\d+)/);
  const family = numbers
    ? Number(numbers[1]) * 1000 + Number(numbers[2]) >= 2006
      ? "2.6"
      : "2.5"
    : null;
  const banner: Banner = { version, family, preamble };
  for (let line = out.next(); ; line = out.next()) {
    if (line === undefined) {
      throw new ShellOutputUnexpected(
        "(start-up)",
        "the banner's `The cluster meta list is: …`",
        "",
      );
    }
    const failed = line.match(/^ERROR: init pegasus failed: (.*)$/);
    if (failed) {
      throw new ShellUnreachable(
        `Cannot start the Pegasus shell: it could not load its config ${failed[1]}`,
        {
          hint: "Check inventory shell.command and shell.cwd: run it by hand on the shell host and look at the config it names.",
        },
      );
    }
    const value = line.match(/^The (config file|cluster name|cluster meta list) is: (.*)$/);
    if (value?.[1] === "config file") banner.configFile = value[2];
    if (value?.[1] === "cluster name") banner.clusterName = value[2];
    if (value?.[1] === "cluster meta list") {
      banner.metaList = value[2];
      return banner;
    }
  }
}

/** One server in `server_info`. */
export interface ServerInfoEntry {
  /** `meta-server` or `replica-server`. */
  role: string;
  address: string;
  /** The server answered. */
  ok: boolean;
  /** e.g. `2.5.0`, when it answered. */
  version?: string;
  gitSha?: string;
  buildType?: string;
  startTime?: string;
  /** The answer or the error as printed. */
  message: string;
}

/** What `server_info` says. */
export interface ServerInfo {
  servers: ServerInfoEntry[];
  succeedCount: number;
  failedCount: number;
}

/** The stderr lines of `server_info` (≤2.5), `use` and `get_app_envs`. */
export const serverStderr = [
  /^COMMAND: /,
  /^CALL \[/,
  /^Succeed count: \d+$/,
  /^Failed count: \d+$/,
  /^OK$/,
  /^Current app: /,
  /^Current app not specified\.$/,
  /^get app env failed with err = /,
  /^No app is using now$/,
  /^USAGE: use \[app_name\]$/,
];

/**
 * `server_info`: every meta and replica server's version and start time.
 * @example const [info] = await shell.observe([serverInfoCommand()]); info.failedCount === 0
 */
export function serverInfoCommand(): ShellCommand<ServerInfo> {
  const command = "server_info";
  return {
    lines: [command],
    change: false,
    read: ({ out, err, version }) => {
      rejectRefusal(out, command);
      if (version === "2.6") return serverInfoFromJson(readJson(out, command), command);
      if (!err.take(/^COMMAND: /)) {
        throw new ShellOutputUnexpected(
          command,
          "COMMAND: server-info on stderr (≤2.5)",
          err.upcoming(),
        );
      }
      const servers: ServerInfoEntry[] = [];
      for (let m = err.take(callLine); m; m = err.take(callLine)) {
        servers.push({
          role: m[1] as string,
          address: m[2] as string,
          ok: m[3] === "succeed",
          message: m[4] as string,
          ...serverVersion(m[4] as string),
        });
      }
      const succeed = err.take(/^Succeed count: (\d+)$/);
      const failed = err.take(/^Failed count: (\d+)$/);
      if (!succeed || !failed)
        throw new ShellOutputUnexpected(command, "Succeed count / Failed count", err.upcoming());
      return { servers, succeedCount: Number(succeed[1]), failedCount: Number(failed[1]) };
    },
  };
}

const callLine = /^CALL \[([^\]]+)\] \[([^\]]+)\] (succeed|failed): (.*)$/;

function serverVersion(message: string) {
  const m = message.match(/^Pegasus Server (\S+) \(([^)]*)\) (\S+), Started at (.*)$/);
  return m ? { version: m[1], gitSha: m[2], buildType: m[3], startTime: m[4] } : {};
}

function serverInfoFromJson(json: Record<string, unknown>, command: string): ServerInfo {
  const details = json.details;
  if (!details || typeof details !== "object" || Array.isArray(details)) {
    throw new ShellOutputUnexpected(command, `JSON with "details"`, JSON.stringify(json));
  }
  const servers = Object.entries(details as Record<string, Record<string, unknown>>).map(
    ([address, entry]) => {
      const message = entry?.message;
      const info =
        message && typeof message === "object"
          ? stringRecord(message, "a server-info message", command)
          : null;
      return {
        role: String(entry?.role ?? ""),
        address,
        ok: entry?.acked === true,
        message: info ? JSON.stringify(info) : String(message ?? ""),
        ...(info
          ? {
              version: info.version,
              gitSha: info.git_SHA,
              buildType: info.build_type,
              startTime: info.start_time,
            }
          : {}),
      };
    },
  );
  const count = (key: string) => integer(String(json[key]), key, command);
  return { servers, succeedCount: count("succeed_count"), failedCount: count("failed_count") };
}

/**
 * `use <table>` then `get_app_envs -j`: the table's envs (lost by a recovery, reference §8.7).
 * @example const [envs] = await shell.observe([appEnvsCommand("stat")]); envs["replica.deny_client_request"]
 */
export function appEnvsCommand(table: string): ShellCommand<Record<string, string>> {
  if (!/^[A-Za-z0-9_.]+$/.test(table)) {
    throw new Error(`Cannot build get_app_envs as ${JSON.stringify(table)} is not a table name`);
  }
  const command = "get_app_envs -j";
  return {
    lines: [`use ${table}`, command],
    change: false,
    read: ({ out, err }) => {
      rejectRefusal(out, `use ${table}`);
      if (!err.take(/^OK$/))
        throw new ShellOutputUnexpected(`use ${table}`, "OK on stderr", err.upcoming());
      const failed = err.take(/^get app env failed with err = (\w+)$/);
      if (failed) throw shellFailure(command, failed[1] as string, failed[0]);
      const none = err.take(/^No app is using now$/);
      if (none) {
        err.take(/^USAGE: use \[app_name\]$/);
        throw new ShellCommandRejected(command, [none[0]]);
      }
      rejectRefusal(out, command);
      const json = peekJson(out, command);
      if (json && Object.keys(json.value).every((key) => key === "app_envs")) {
        out.index += json.lineCount;
        return json.value.app_envs === undefined
          ? {}
          : stringRecord(json.value.app_envs, `"app_envs"`, command);
      }
      // An old shell ignores -j, and prints nothing at all for a table without envs.
      return readTable(out, command, { app_envs: "key-value" })?.values ?? {};
    },
  };
}
