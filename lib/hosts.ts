/**
 * The process door: every command the tool runs on any host goes through {@link Hosts}. Commands
 * are argv arrays; the door renders them into one shell line (zx's quoting locally, POSIX quoting
 * for the remote side of ssh), logs that exact line, and under `--dry-run` a `change` stops there.
 * Printed and executed text are the same string.
 */
import { ActionFailed } from "./errors.ts";
import type { Log } from "./log.ts";

/** A command to run: argv, never a joined string. */
export interface Command {
  argv: string[];
  /** Working directory on the host. */
  cwd?: string;
  /** Text piped to stdin. */
  input?: string;
  /** Kill the command after this long. @default the door's `timeoutMs` */
  timeoutMs?: number;
}

/** Where a command runs: `local`, or an ssh destination `[user@]host`. */
export type HostName = string;

/** What a finished (or skipped) command produced. */
export interface Output {
  host: HostName;
  /** The exact line that was (or, under dry-run, would have been) run. */
  line: string;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  /** True for a `change` skipped by `--dry-run`. */
  notRun: boolean;
  ok: boolean;
}

/** ssh settings from the inventory. */
export interface SshSettings {
  user?: string;
  port?: number;
  identityFile?: string;
  /** `-o` options, e.g. `StrictHostKeyChecking=yes`. @default [] */
  options?: string[];
  connectTimeoutMs?: number;
}

/** Runs one rendered shell line locally; the part tests may swap (as zx swaps `spawn`). */
export type Executor = (
  line: string,
  options: { input?: string; timeoutMs: number },
) => Promise<{
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}>;

/** Options of {@link Hosts}. */
export interface HostsOptions {
  log: Log;
  /** Print `change` commands instead of running them. @default false */
  dryRun?: boolean;
  /** Default per-command timeout. @default 60000 */
  timeoutMs?: number;
  ssh?: SshSettings;
  /** @default runs the line with zx through /bin/bash */
  exec?: Executor;
}

/** Options of one call. */
export interface CallOptions {
  /** Return a failed Output instead of throwing. Only where the next line reads the exit code. */
  nothrow?: boolean;
}

/** A command exited non-zero, timed out or could not reach its host. */
export class CommandFailed extends ActionFailed {
  readonly output: Output;
  constructor(output: Output) {
    const why = output.timedOut
      ? `timed out after ${output.durationMs} ms`
      : output.signal
        ? `was killed by ${output.signal}`
        : `exited with code ${output.exitCode}`;
    const unreachable = output.host !== "local" && output.exitCode === 255;
    const lines = (output.stderr.trim() || output.stdout.trim()).split("\n");
    const detail = lines.slice(-5).join("\n  ");
    // ssh's own reason is its last line (warnings about keys or known_hosts come first).
    const sshReason = lines.at(-1) || "ssh exited with code 255";
    super(
      unreachable
        ? `Cannot reach host ${output.host} over ssh: ${sshReason}${lines.length > 1 ? `\n  ${detail}` : ""}`
        : `Command on ${output.host} ${why}: ${output.line}${detail ? `\n  ${detail}` : ""}`,
      {
        hint: unreachable
          ? "Check that `ssh -o BatchMode=yes HOST true` works from here, and the inventory's ssh settings."
          : undefined,
      },
    );
    this.output = output;
  }
}

/**
 * Runs commands on hosts with timeouts and captured output.
 * @example
 * const hosts = new Hosts({ log, dryRun: true });
 * await hosts.change("local", { argv: ["systemctl", "stop", "pegasus-meta@1"] }); // printed, not run
 */
export class Hosts {
  readonly dryRun: boolean;
  private readonly log: Log;
  private readonly timeoutMs: number;
  private readonly ssh: SshSettings;
  private readonly exec: Executor;

  constructor(options: HostsOptions) {
    this.log = options.log;
    this.dryRun = options.dryRun ?? false;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.ssh = options.ssh ?? {};
    this.exec = options.exec ?? runWithZx;
  }

  /** Runs a read-only command; it runs under `--dry-run` too (plan and check need evidence). */
  observe(host: HostName, cmd: Command, options: CallOptions = {}): Promise<Output> {
    return this.run(host, cmd, false, options);
  }

  /** Runs a command that changes something; under `--dry-run` it is only printed. */
  change(host: HostName, cmd: Command, options: CallOptions = {}): Promise<Output> {
    return this.run(host, cmd, true, options);
  }

  /** Reads a file on a host. */
  async readFile(host: HostName, path: string): Promise<string> {
    return (await this.observe(host, { argv: ["cat", "--", path] })).stdout;
  }

  /** True when a path exists on a host. */
  async exists(host: HostName, path: string): Promise<boolean> {
    return (
      (await this.observe(host, { argv: ["test", "-e", path] }, { nothrow: true })).exitCode === 0
    );
  }

  /**
   * Replaces a file's content atomically (temp file beside it + rename), keeping its mode and
   * owner. A symlink is kept: its target is the file replaced. The temp file never outlives a
   * failure. A `change`: printed, not run, under `--dry-run`.
   * @throws {ActionFailed} Naming the file and the system's reason (e.g. "Operation not permitted").
   */
  async writeFile(host: HostName, path: string, content: string): Promise<void> {
    const script =
      'f=$(readlink -f -- "$1") || exit 1; tmp="$f.pzm-tmp"; trap \'rm -f -- "$tmp"\' EXIT; ' +
      'if [ -e "$f" ]; then cp -p -- "$f" "$tmp" || exit 1; fi; cat > "$tmp" && mv -f -- "$tmp" "$f"';
    const out = await this.change(
      host,
      { argv: ["sh", "-c", script, "pzm-write", path], input: content },
      { nothrow: true },
    );
    if (out.ok) return;
    const reason = (out.stderr.trim() || out.stdout.trim()).split("\n").at(-1) || out.line;
    throw new ActionFailed(`Cannot write ${path} on ${host}: ${reason}`, {
      hint: "Nothing was left behind in that directory. Check the file's permissions and attributes (`ls -l`, `lsattr`; `chattr -i` clears immutable), then run again.",
      cause: new CommandFailed(out),
    });
  }

  /**
   * Why `path` could not be replaced by {@link writeFile} — the file (a symlink's target) or its
   * directory not writable, or an immutable attribute — or `undefined` when it can. Read-only.
   */
  async writeProblem(host: HostName, path: string): Promise<string | undefined> {
    const script =
      'f=$(readlink -f -- "$1") || { echo "cannot resolve $1"; exit 1; }; d=$(dirname -- "$f"); ' +
      'if [ ! -w "$f" ]; then a=$(lsattr -d -- "$f" 2>/dev/null | cut -d" " -f1); ' +
      'case "$a" in *i*) echo "$f is immutable (lsattr: $a; chattr -i clears it)";; ' +
      '*) echo "$f is not writable: $(ls -ld -- "$f")";; esac; exit 1; fi; ' +
      'if [ ! -w "$d" ]; then echo "directory $d is not writable (the new file is written beside the old one): $(ls -ld -- "$d")"; exit 1; fi';
    const out = await this.observe(
      host,
      { argv: ["sh", "-c", script, "pzm-writable", path] },
      { nothrow: true },
    );
    return out.ok ? undefined : out.stdout.trim() || out.stderr.trim() || `exit ${out.exitCode}`;
  }

  /** The exact line the door runs for `cmd` on `host`. */
  async render(host: HostName, cmd: Command): Promise<string> {
    const { quote } = await import("zx");
    const local = (cmd.cwd ? [`cd ${quote(cmd.cwd)} &&`] : [])
      .concat(cmd.argv.map(quote))
      .join(" ");
    if (host === "local") return local;
    const remote = (cmd.cwd ? [`cd ${posixQuote(cmd.cwd)} &&`] : [])
      .concat(cmd.argv.map(posixQuote))
      .join(" ");
    return [...sshArgv(host, this.ssh), remote].map(quote).join(" ");
  }

  private async run(
    host: HostName,
    cmd: Command,
    change: boolean,
    options: CallOptions,
  ): Promise<Output> {
    const line = await this.render(host, cmd);
    this.log({ kind: "cmd", host, cmd: line, dryRun: this.dryRun, change });
    if (change && this.dryRun) {
      return {
        host,
        line,
        exitCode: 0,
        signal: null,
        stdout: "",
        stderr: "",
        durationMs: 0,
        timedOut: false,
        notRun: true,
        ok: true,
      };
    }
    const timeoutMs = cmd.timeoutMs ?? this.timeoutMs;
    const started = performance.now();
    const result = await this.exec(line, { input: cmd.input, timeoutMs });
    const durationMs = Math.round(performance.now() - started);
    const timedOut = result.signal !== null && durationMs >= timeoutMs;
    const output: Output = {
      host,
      line,
      ...result,
      durationMs,
      timedOut,
      notRun: false,
      ok: result.exitCode === 0,
    };
    this.log({ kind: "cmd-done", host, cmd: line, exitCode: result.exitCode, durationMs });
    if (!output.ok && !options.nothrow) throw new CommandFailed(output);
    return output;
  }
}

/** ssh argv up to and including the destination; BatchMode so nothing ever prompts. */
function sshArgv(host: HostName, ssh: SshSettings): string[] {
  const argv = [
    "ssh",
    "-o",
    "BatchMode=yes",
    "-o",
    `ConnectTimeout=${Math.ceil((ssh.connectTimeoutMs ?? 10_000) / 1000)}`,
  ];
  if (ssh.port) argv.push("-p", String(ssh.port));
  if (ssh.identityFile) argv.push("-i", ssh.identityFile);
  if (ssh.user && !host.includes("@")) argv.push("-l", ssh.user);
  for (const option of ssh.options ?? []) argv.push("-o", option);
  argv.push("--", host);
  return argv;
}

/** Single-quote for any POSIX shell (the remote login shell may be dash, which lacks $'…'). */
export function posixQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`;
}

/**
 * The environment every local command gets, whether the binary or a step script run alone started
 * us. With SHLVL unset or 0 and stdin a socket (Bun's child stdio), bash believes rshd started it
 * and sources ~/.bashrc into every command (a pyenv init there costs ≈ 0.5 s of CPU per command);
 * SHLVL is 0 when our parent was a `bash -c` that exec'd us. A bastion's cron or `env -i` may
 * also leave no PATH.
 * @example commandEnvironment({ SHLVL: "0" }).SHLVL // "1"
 */
export function commandEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const level = Number.parseInt(env.SHLVL ?? "", 10);
  return {
    ...env,
    PATH: env.PATH || "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    SHLVL: String(Number.isInteger(level) && level > 1 ? level : 1),
  };
}

/** The default executor: the line run by zx through /bin/bash. */
export const runWithZx: Executor = async (line, { input, timeoutMs }) => {
  const { $, quote } = await import("zx");
  const pieces = Object.assign([line], { raw: [line] }) as unknown as TemplateStringsArray;
  const child = $({
    quiet: true,
    nothrow: true,
    shell: "/bin/bash",
    env: commandEnvironment(process.env),
    quote,
    input,
    timeout: timeoutMs,
  })(pieces);
  // A command may exit without reading all its input (the Pegasus shell does when it cannot
  // start): its exit code and output tell what happened, not the EPIPE of our write, which would
  // otherwise be an unhandled 'error' event that kills the tool.
  let stdinError: NodeJS.ErrnoException | undefined;
  if (input !== undefined)
    child.stdin.on("error", (error: NodeJS.ErrnoException) => (stdinError = error));
  const out = await child;
  if (stdinError && stdinError.code !== "EPIPE") throw stdinError;
  return { exitCode: out.exitCode, signal: out.signal, stdout: out.stdout, stderr: out.stderr };
};
