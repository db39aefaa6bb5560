/**
 * The Pegasus shell driver. Runs the inventory's shell template on `inventory.shell.host` through
 * the {@link Hosts} door, several commands per process (one per stdin line; reference §4.1), and
 * splits the combined output back into per-command results: after the banner, each command's
 * reader consumes exactly its own lines — found by their markers or their error line — in order.
 * The shell always exits 0 (§4.2), so success and failure are read from the text.
 */

import { PreconditionFailed } from "../errors.ts";
import { CommandFailed, type Hosts } from "../hosts.ts";
import { type Inventory, metaList } from "../inventory.ts";
import type { Log } from "../log.ts";
import { renderTemplate } from "../template.ts";
import { clusterInfoCommand, type MetaLevel } from "./cluster-info.ts";
import {
  ShellCommandFailed,
  ShellCommandRejected,
  ShellOutputUnexpected,
  ShellUnreachable,
} from "./errors.ts";
import { nodesCommand, tablesCommand } from "./listings.ts";
import {
  badLevelLine,
  getMetaLevelCommand,
  type RecoverOptions,
  recoverArgumentErrors,
  recoverCommand,
  setMetaLevelCommand,
} from "./meta.ts";
import { LineCursor, outputLines, type ShellCommand, type ShellVersion } from "./output.ts";
import {
  appEnvsCommand,
  type Banner,
  readBanner,
  serverInfoCommand,
  serverStderr,
} from "./server.ts";
import { setAppEnvsStderr } from "./set-app-envs.ts";

/** The value each command of a tuple reads. */
export type ResultsOf<C extends readonly ShellCommand<unknown>[]> = {
  -readonly [K in keyof C]: C[K] extends ShellCommand<infer T> ? T : never;
};

/** One command's outcome: its value, or the error line it printed. */
export type Settled<T> =
  | { ok: true; value: T }
  | { ok: false; error: ShellCommandFailed | ShellCommandRejected };

/** The outcome of each command of a tuple. */
export type SettledOf<C extends readonly ShellCommand<unknown>[]> = {
  -readonly [K in keyof C]: C[K] extends ShellCommand<infer T> ? Settled<T> : never;
};

/** A change that `--dry-run` printed instead of sending. */
export interface NotRun {
  notRun: true;
  /** The shell invocation that would have run. */
  line: string;
  /** What would have been piped to it. */
  input: string;
}

/** One shell process's output, split. */
export interface ShellTranscript {
  banner: Banner;
  version: ShellVersion;
  results: Settled<unknown>[];
  /** stderr lines no command prints (log noise), kept out of the readers' way. */
  stderrNoise: string[];
}

const knownStderr = [...serverStderr, ...recoverArgumentErrors, badLevelLine, ...setAppEnvsStderr];

/**
 * Splits one shell process's stdout and stderr into per-command results, in order. Pure.
 * @param version The inventory's `shell.version`; `auto` takes the banner's.
 * @throws {ShellUnreachable} If the shell could not start (`ERROR: init pegasus failed`).
 * @throws {ShellOutputUnexpected} Quoting any text no reader recognises, including leftovers.
 * @example splitShellOutput(out.stdout, out.stderr, [clusterInfoCommand()], "auto").results[0]
 */
export function splitShellOutput(
  stdout: string,
  stderr: string,
  commands: readonly ShellCommand<unknown>[],
  version: Inventory["shell"]["version"],
): ShellTranscript {
  const out = new LineCursor(outputLines(stdout));
  const banner = readBanner(out);
  const family = resolveVersion(banner, version);
  const errLines = outputLines(stderr).filter((l) => l.trim() !== "");
  const isKnown = (line: string) => knownStderr.some((p) => p.test(line.trimEnd()));
  const err = new LineCursor(errLines.filter(isKnown));
  const results = commands.map((command): Settled<unknown> => {
    try {
      return { ok: true, value: command.read({ out, err, version: family }) };
    } catch (error) {
      if (error instanceof ShellCommandFailed || error instanceof ShellCommandRejected) {
        return { ok: false, error };
      }
      throw error;
    }
  });
  while (out.peek() === "") out.next();
  if (out.peek() !== undefined || err.peek() !== undefined) {
    const rest = out.peek() !== undefined ? out.upcoming(5) : err.upcoming(5);
    const last = commands.at(-1)?.lines.join("; ") ?? "(no command)";
    throw new ShellOutputUnexpected(last, "the end of the output", rest);
  }
  return { banner, version: family, results, stderrNoise: errLines.filter((l) => !isKnown(l)) };
}

function resolveVersion(banner: Banner, configured: Inventory["shell"]["version"]): ShellVersion {
  if (configured === "auto") {
    if (banner.family) return banner.family;
    throw new PreconditionFailed(
      `Cannot tell the Pegasus shell's output format from its banner "Pegasus Shell ${banner.version}"`,
      { hint: "Set shell.version to 2.5 (for 2.5 and older) or 2.6 in the inventory." },
    );
  }
  if (banner.family && banner.family !== configured) {
    throw new PreconditionFailed(
      `Cannot drive the Pegasus shell as inventory shell.version is ${configured} but the shell says "Pegasus Shell ${banner.version}"`,
      { hint: `Set shell.version: auto (or ${banner.family}) in the inventory.` },
    );
  }
  return configured;
}

/** Options of {@link PegasusShell}. */
export interface PegasusShellOptions {
  inventory: Inventory;
  hosts: Hosts;
  /** Changes are announced here with the exact lines piped to the shell (also under dry-run). */
  log: Log;
}

/**
 * Drives the inventory's Pegasus shell.
 * @example
 * const shell = new PegasusShell({ inventory, hosts, log });
 * const [info, nodes] = await shell.observe([clusterInfoCommand(), nodesCommand()]);
 * await shell.setMetaLevel("blind"); // a change: printed, not sent, under --dry-run
 */
export class PegasusShell {
  /** The last banner seen. */
  banner?: Banner;
  /** The output family of the last run. */
  version?: ShellVersion;
  private readonly inventory: Inventory;
  private readonly hosts: Hosts;
  private readonly log: Log;

  constructor(options: PegasusShellOptions) {
    this.inventory = options.inventory;
    this.hosts = options.hosts;
    this.log = options.log;
  }

  /**
   * Runs read-only commands in one process and returns their values in order.
   * @throws {ShellCommandFailed} The first command's error line, e.g. {@link MetaUnderRecovery}.
   * @throws {ShellCommandRejected} If the shell refused a command line.
   */
  async observe<const C extends readonly ShellCommand<unknown>[]>(
    commands: C,
  ): Promise<ResultsOf<C>> {
    const settled = await this.observeSettled(commands);
    return settled.map((result) => {
      if (!result.ok) throw result.error;
      return result.value;
    }) as ResultsOf<C>;
  }

  /** Like {@link observe}, but returns each command's value or error (for health polling). */
  async observeSettled<const C extends readonly ShellCommand<unknown>[]>(
    commands: C,
  ): Promise<SettledOf<C>> {
    if (commands.some((c) => c.change)) {
      throw new Error(
        "BUG: observe() was given a change; send set_meta_level and recover with change()",
      );
    }
    const transcript = await this.run(commands, false, this.inventory.timeouts.shellMs);
    return (transcript as ShellTranscript).results as SettledOf<C>;
  }

  /**
   * Sends one change (`set_meta_level`, `recover`) through `hosts.change`.
   * @returns Its value, or {@link NotRun} under `--dry-run`.
   * @throws {ShellCommandFailed} Its error line.
   */
  async change<T>(
    command: ShellCommand<T>,
    timeoutMs = this.inventory.timeouts.shellMs,
  ): Promise<T | NotRun> {
    const transcript = await this.run([command], true, timeoutMs);
    if ("notRun" in transcript) return transcript;
    const result = transcript.results[0] as Settled<T>;
    if (!result.ok) throw result.error;
    return result.value;
  }

  /** `cluster_info -j`. */
  async clusterInfo() {
    return (await this.observe([clusterInfoCommand()]))[0];
  }

  /** `nodes -d -j`. */
  async nodes() {
    return (await this.observe([nodesCommand()]))[0];
  }

  /** `ls -d -j`, with `-a` when `all`. */
  async tables(options: { all?: boolean } = {}) {
    return (await this.observe([tablesCommand(options)]))[0];
  }

  /** `get_meta_level`: the stored level. */
  async metaLevel() {
    return (await this.observe([getMetaLevelCommand()]))[0];
  }

  /** `server_info`. */
  async serverInfo() {
    return (await this.observe([serverInfoCommand()]))[0];
  }

  /** `use <table>` + `get_app_envs -j`. */
  async appEnvs(table: string) {
    return (await this.observe([appEnvsCommand(table)]))[0];
  }

  /** `set_meta_level <level>`: returns the old level. A change. */
  setMetaLevel(level: MetaLevel) {
    return this.change(setMetaLevelCommand(level));
  }

  /** `recover -s <nodes>`; the process may run `waitSeconds` longer than other shell calls. A change. */
  recover(nodes: string[], options: RecoverOptions = {}) {
    const waitMs = (options.waitSeconds ?? 100) * 1000;
    return this.change(recoverCommand(nodes, options), waitMs + this.inventory.timeouts.shellMs);
  }

  private async run(
    commands: readonly ShellCommand<unknown>[],
    change: boolean,
    timeoutMs: number,
  ): Promise<ShellTranscript | NotRun> {
    const { shell, cluster } = this.inventory;
    const argv = renderTemplate(shell.command, { meta_list: metaList(this.inventory), cluster });
    const lines = commands.flatMap((c) => c.lines);
    const input = `${lines.join("\n")}\n`;
    const cmd = { argv, input, timeoutMs, ...(shell.cwd ? { cwd: shell.cwd } : {}) };
    if (change) {
      const note = this.hosts.dryRun ? " (dry-run: not sent)" : "";
      this.log({
        kind: "info",
        message: `Pegasus shell on ${shell.host} ← ${lines.join("; ")}${note}`,
      });
    }
    const output = change
      ? await this.hosts.change(shell.host, cmd, { nothrow: true })
      : await this.hosts.observe(shell.host, cmd, { nothrow: true });
    if (output.notRun) return { notRun: true, line: output.line, input };
    if (output.timedOut) throw new CommandFailed(output);
    if (!output.ok && !output.stdout.includes("ERROR: init pegasus failed")) {
      const detail = (output.stderr.trim() || output.stdout.trim())
        .split("\n")
        .slice(-3)
        .join(" | ");
      throw new ShellUnreachable(
        `Cannot run the Pegasus shell on ${shell.host}: exit code ${output.exitCode}${detail ? `: ${detail}` : ""}`,
        {
          hint: `Check inventory shell.command, shell.cwd and shell.host; try by hand: printf 'cluster_info\\n' | ${output.line}`,
          cause: new CommandFailed(output),
        },
      );
    }
    const transcript = splitShellOutput(output.stdout, output.stderr, commands, shell.version);
    this.banner = transcript.banner;
    this.version = transcript.version;
    if (transcript.stderrNoise.length > 0) {
      const noise = transcript.stderrNoise;
      this.log({
        kind: "warn",
        message: `Pegasus shell printed ${noise.length} unrecognised stderr line(s): ${noise.slice(0, 3).join(" | ")}`,
      });
    }
    return transcript;
  }
}
