/**
 * The commands that steer the meta: `get_meta_level`, `set_meta_level` (reference §4.8) and
 * `recover` (§4.9). `set_meta_level` and `recover` are changes: the driver runs them through
 * `hosts.change`, so `--dry-run` prints them instead.
 */
import { type MetaLevel, metaLevels } from "./cluster-info.ts";
import {
  ShellCommandFailed,
  ShellCommandRejected,
  ShellOutputUnexpected,
  shellFailure,
} from "./errors.ts";
import { failOn, integer, type LineCursor, rejectRefusal, type ShellCommand } from "./output.ts";

/** The level `get_meta_level` reports: the raw stored one, not the effective one (§7.3). */
export interface StoredMetaLevel {
  level: MetaLevel;
  /** As printed, e.g. `fl_steady`. */
  raw: string;
}

/** What `set_meta_level` reports: the level before the change. */
export interface MetaLevelChange {
  oldLevel: MetaLevel;
  raw: string;
}

/**
 * `get_meta_level`.
 * @example const [stored] = await shell.observe([getMetaLevelCommand()]); stored.level // "steady"
 */
export function getMetaLevelCommand(): ShellCommand<StoredMetaLevel> {
  const command = "get_meta_level";
  return {
    lines: [command],
    change: false,
    read: ({ out }) => {
      rejectRefusal(out, command);
      failOn(out, command, [/^get meta level got error (\w+)$/]);
      const match = out.take(/^current meta level is (fl_(\w+))$/);
      if (!match)
        throw new ShellOutputUnexpected(command, "current meta level is fl_…", out.upcoming());
      return { level: level(match[2] as string, command), raw: match[1] as string };
    },
  };
}

/**
 * A level `set_meta_level` does not know, on stderr: `parse X as meta function level failed`
 * (v2.4.0/v2.5.0 `rebalance.cpp` `set_meta_level`, `verify_logged` = `fprintf(stderr, …)`), on
 * 2.6 `ERROR: ` in bold red (`SHELL_PRINT_AND_RETURN_FALSE_IF_NOT`); then `USAGE:` on stdout.
 */
export const badLevelLine = /^(?:ERROR: )?parse .* as meta function level failed$/;

/**
 * `set_meta_level <level>`; success is `control meta level ok, the old level is fl_…`.
 * @example await shell.change(setMetaLevelCommand("blind"))
 */
export function setMetaLevelCommand(target: MetaLevel): ShellCommand<MetaLevelChange> {
  const command = `set_meta_level ${target}`;
  return {
    lines: [command],
    change: true,
    read: ({ out, err }) => {
      const parse = err.take(badLevelLine);
      rejectRefusal(out, command, parse ? [parse[0]] : []);
      if (parse) throw new ShellCommandRejected(command, [parse[0]]);
      failOn(out, command, [/^control meta level got error (\w+)$/]);
      const match = out.take(/^control meta level ok, the old level is (fl_(\w+))$/);
      if (!match)
        throw new ShellOutputUnexpected(command, "control meta level ok, …", out.upcoming());
      return { oldLevel: level(match[2] as string, command), raw: match[1] as string };
    },
  };
}

/** One line of the hint block `recover` prints, typed. */
export type RecoverHint =
  | { kind: "bad-node"; node: string; error: string; skipped: boolean; line: string }
  | { kind: "lost-partition"; partition: string; forced: boolean; line: string }
  | {
      kind: "partial-partition";
      partition: string;
      collected: number;
      expected: number;
      line: string;
    }
  | { kind: "renamed"; appId: number; oldName: string; newName: string; line: string }
  | { kind: "other"; line: string };

/** What `recover` printed. */
export interface RecoverResult {
  /** `ERR_OK`, or the error code (`ERR_TIMEOUT` for the timeout line). */
  result: string;
  waitSeconds: number;
  skipBadNodes: boolean;
  skipLostPartitions: boolean;
  /** The node list as the shell echoed it. */
  nodes: string[];
  /** Nodes listed twice (`duplicate replica node …, just ingore it`). */
  duplicates: string[];
  /** How many `Wait recovery for N seconds` lines were printed. */
  waitedSeconds: number;
  hints: RecoverHint[];
}

/** `recover` ended without `Recover result: ERR_OK`; `result` holds everything it printed. */
export class RecoverFailed extends ShellCommandFailed {
  readonly result: RecoverResult;
  constructor(command: string, line: string, result: RecoverResult) {
    const timedOut = result.result === "ERR_TIMEOUT";
    super(command, result.result, line, {
      detail: result.hints.map((h) => `\n  ${h.line}`).join(""),
      ...(timedOut
        ? {
            hint: "The meta may still finish the recovery: poll `ls -d` before retrying, and never restart it meanwhile.",
          }
        : {}),
    });
    this.result = result;
  }
}

/** The argument errors `recover` prints on stderr before it contacts any meta. */
export const recoverArgumentErrors = [
  /^parse .* as wait_seconds failed$/,
  /^invalid wait_seconds .*, should be positive number$/,
  /^should (only )?specify one of node_list_file\/node_list_str$/,
  /^can't parse node from node_list_str$/,
  /^parse .* as a (ip|host):port node failed$/,
  /^parse .* at file .* line \d+ as (ip|host):port failed$/,
  /^open file .* failed$/,
  /^no node specified in file .*$/,
];

/** Options of {@link recoverCommand}. */
export interface RecoverOptions {
  /** The shell's `-w`. @default 100 */
  waitSeconds?: number;
  /** `-b`: recover even if some listed nodes do not answer. @default false */
  skipBadNodes?: boolean;
  /** `-l`: recover partitions without any replica as empty. @default false */
  skipLostPartitions?: boolean;
}

const rule = "=============================";

/**
 * `recover -s <nodes> -w <seconds> [-b] [-l]`; success is exactly one `Recover result: ERR_OK`.
 * @throws {RecoverFailed} From `read`, for any other result or the timeout line.
 * @example await shell.change(recoverCommand(["10.0.0.11:34801", "10.0.0.12:34801"]))
 */
export function recoverCommand(
  nodes: string[],
  options: RecoverOptions = {},
): ShellCommand<RecoverResult> {
  const bad = nodes.find((n) => !/^[^\s,]+:\d+$/.test(n));
  if (nodes.length === 0 || bad !== undefined) {
    throw new Error(
      `Cannot build recover as every node must be host:port: ${JSON.stringify(bad ?? nodes)}`,
    );
  }
  const flags = `${options.skipBadNodes ? " -b" : ""}${options.skipLostPartitions ? " -l" : ""}`;
  const command = `recover -s ${nodes.join(",")} -w ${options.waitSeconds ?? 100}${flags}`;
  return {
    lines: [command],
    change: true,
    read: ({ out, err }) => {
      for (const pattern of recoverArgumentErrors) {
        const match = err.take(pattern);
        if (!match) continue;
        rejectRefusal(out, command, [match[0]]);
        throw new ShellCommandRejected(command, [match[0]]);
      }
      rejectRefusal(out, command);
      const duplicates: string[] = [];
      for (
        let m = out.take(/^duplicate replica node (.+), just ingore it$/);
        m;
        m = out.take(/^duplicate replica node (.+), just ingore it$/)
      ) {
        duplicates.push(m[1] as string);
      }
      const empty = out.take(/^node set for recovery it empty$/);
      if (empty) throw shellFailure(command, "ERR_INVALID_PARAMETERS", empty[0]);
      const result = readRecoverHeader(out, command, duplicates);
      while (out.take(/^Wait recovery for \d+ seconds$/)) result.waitedSeconds++;
      const timeout = out.take(
        /^Wait recovery failed, administrator should check the meta for progress$/,
      );
      if (timeout)
        throw new RecoverFailed(command, timeout[0], { ...result, result: "ERR_TIMEOUT" });
      const outcome = out.take(/^Recover result: (\w+)$/);
      if (!outcome)
        throw new ShellOutputUnexpected(command, "Recover result: ERR_…", out.upcoming());
      result.result = outcome[1] as string;
      if (out.take(new RegExp(`^${rule}$`))) result.hints = readHintBlock(out, command);
      out.take(/^recover complete with err = \w+$/);
      if (result.result !== "ERR_OK") throw new RecoverFailed(command, outcome[0], result);
      return result;
    },
  };
}

/** Reads `Wait seconds: …` up to the node list's closing rule. */
function readRecoverHeader(out: LineCursor, command: string, duplicates: string[]): RecoverResult {
  const expect = (pattern: RegExp, what: string) => {
    const match = out.take(pattern);
    if (!match) throw new ShellOutputUnexpected(command, what, out.upcoming());
    return match;
  };
  const wait = expect(/^Wait seconds: (\d+)$/, "Wait seconds: N");
  const bad = expect(/^Skip bad nodes: (true|false)$/, "Skip bad nodes: true|false");
  const lost = expect(/^Skip lost partitions: (true|false)$/, "Skip lost partitions: true|false");
  expect(/^Node list:$/, "Node list:");
  expect(new RegExp(`^${rule}$`), rule);
  const nodes: string[] = [];
  for (let line = out.next(); line !== rule; line = out.next()) {
    if (line === undefined)
      throw new ShellOutputUnexpected(command, "the end of the node list", "");
    nodes.push(line);
  }
  return {
    result: "",
    waitSeconds: integer(wait[1], "wait seconds", command),
    skipBadNodes: bad[1] === "true",
    skipLostPartitions: lost[1] === "true",
    nodes,
    duplicates,
    waitedSeconds: 0,
    hints: [],
  };
}

/**
 * The hint lines up to the closing rule. On 2.6 the bad-node hints end without a newline
 * (master `server_state.cpp`, `sync_apps_from_replica_nodes`: `fmt::format(…)` with no `\n`,
 * where v2.5.0 ended each with `std::endl`), so a bad-node hint runs into the next hint or into
 * the closing `=====` on the same line; this splits them apart again.
 */
function readHintBlock(out: LineCursor, command: string): RecoverHint[] {
  const hints: RecoverHint[] = [];
  for (let line = out.next(); line !== rule; line = out.next()) {
    if (line === undefined)
      throw new ShellOutputUnexpected(command, "the end of the hint block", "");
    const closed = line.endsWith(rule);
    const text = closed ? line.slice(0, -rule.length) : line;
    for (const piece of text.split(hintStart)) if (piece !== "") hints.push(parseHint(piece));
    if (closed) break;
  }
  return hints;
}

/** Where a hint begins inside a line that holds several (2.6). */
const hintStart = /(?<=.)(?=(?:ERROR|WARNING): (?:collect app |partition\(|app\())/;

/** Types one hint line; a line of unknown shape is kept whole as `other`. */
function parseHint(line: string): RecoverHint {
  let m = line.match(
    /^(ERROR|WARNING): collect app and replica info from node\((.+)\) failed with err\((\w+)\), /,
  );
  if (m)
    return {
      kind: "bad-node",
      node: m[2] as string,
      error: m[3] as string,
      skipped: m[1] === "WARNING",
      line,
    };
  m = line.match(/^(ERROR|WARNING): partition\((\d+\.\d+)\) has no replica collected, /);
  if (m)
    return { kind: "lost-partition", partition: m[2] as string, forced: m[1] === "WARNING", line };
  m = line.match(
    /^WARNING: partition\((\d+\.\d+)\) only collects (\d+)\/(\d+) of replicas, may lost data$/,
  );
  if (m) {
    return {
      kind: "partial-partition",
      partition: m[1] as string,
      collected: Number(m[2]),
      expected: Number(m[3]),
      line,
    };
  }
  m = line.match(
    /^WARNING: app\((\d+)\)'s old name\((.*)\) is conflict with others, rename it to \((.*)\)$/,
  );
  if (m)
    return {
      kind: "renamed",
      appId: Number(m[1]),
      oldName: m[2] as string,
      newName: m[3] as string,
      line,
    };
  return { kind: "other", line };
}

function level(name: string, command: string): MetaLevel {
  if ((metaLevels as readonly string[]).includes(name)) return name as MetaLevel;
  throw new ShellOutputUnexpected(
    command,
    "a meta level fl_stopped|blind|freezed|steady|lively",
    `fl_${name}`,
  );
}
