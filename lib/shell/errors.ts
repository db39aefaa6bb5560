/**
 * What can go wrong when talking to the Pegasus shell. Its exit code is always 0 (reference §4.2),
 * so every class here is decided from the text it printed; each carries the command, the raw
 * line(s) and an operator hint.
 */
import { ActionFailed, PreconditionFailed } from "../errors.ts";

/** Operator hints for the error codes the migration meets (reference §4.9, §4.11, §8). */
const hints: Record<string, string> = {
  ERR_UNDER_RECOVERY:
    "The meta is in recovery mode (recover_from_replica_server = true) and answers nothing but `recover`. Send `recover`, or set the flag back to false and restart it.",
  ERR_NETWORK_FAILURE:
    "No meta answered. Check that the metas in meta_servers are running and reachable from the shell host.",
  ERR_TIMEOUT:
    "The meta did not answer in time. Check that a meta holds the lock (`cluster_info`) and is not overloaded, then retry.",
  ERR_FORWARD_TO_OTHERS:
    "The meta contacted is not the leader. Check meta_servers in the inventory and which meta holds the lock.",
  ERR_SERVICE_ALREADY_RUNNING:
    "The meta is not in recovery mode, or has already recovered. Check `ls` before recovering again.",
  ERR_TRY_AGAIN:
    "A listed node did not answer or a partition had no replica; read the hint lines. Fix the nodes, or recover with skip_bad_nodes / skip_lost_partitions on purpose.",
  ERR_INVALID_PARAMETERS: "The shell refused the arguments; check the node list.",
  ERR_BUSY: "The meta is busy; retry in a few seconds.",
};

const defaultHint =
  "Run the same command by hand in the Pegasus shell (inventory shell.command) to see its full output.";

/** Extra text for a {@link ShellCommandFailed}. */
export interface FailureOptions {
  /** Appended to the message, e.g. the hint lines of `recover`. */
  detail?: string;
  /** Replaces the hint that goes with the error code. */
  hint?: string;
}

/**
 * A command ran and the shell printed an error line with an `ERR_…` code.
 * @example if (error instanceof ShellCommandFailed && error.code === "ERR_BUSY") retry();
 */
export class ShellCommandFailed extends ActionFailed {
  /** The command line sent to the shell, e.g. `ls -d -j`. */
  readonly command: string;
  /** The error code, e.g. `ERR_NETWORK_FAILURE`. */
  readonly code: string;
  /** The raw line the shell printed. */
  readonly line: string;
  constructor(command: string, code: string, line: string, options: FailureOptions = {}) {
    super(
      `Pegasus shell command \`${command}\` failed with ${code}: ${line}${options.detail ?? ""}`,
      {
        hint: options.hint ?? hints[code] ?? defaultHint,
      },
    );
    this.command = command;
    this.code = code;
    this.line = line;
  }
}

/** `ERR_UNDER_RECOVERY`: the meta waits for `recover` and answers nothing else. */
export class MetaUnderRecovery extends ShellCommandFailed {}

/**
 * Builds the right class for an error code.
 * @example throw shellFailure("ls -d -j", "ERR_UNDER_RECOVERY", line) // a MetaUnderRecovery
 */
export function shellFailure(command: string, code: string, line: string): ShellCommandFailed {
  return code === "ERR_UNDER_RECOVERY"
    ? new MetaUnderRecovery(command, code, line)
    : new ShellCommandFailed(command, code, line);
}

/** The shell refused the command line itself: unknown subcommand, usage, bad argument. */
export class ShellCommandRejected extends ActionFailed {
  readonly command: string;
  readonly lines: string[];
  constructor(command: string, lines: string[]) {
    super(`Pegasus shell rejected \`${command}\`: ${lines.join(" | ")}`, {
      hint: "The shell may be older than this tool expects: check inventory shell.version, or run the command by hand with `help`.",
    });
    this.command = command;
    this.lines = lines;
  }
}

/** The shell could not start or could not load its client config (`ERROR: init pegasus failed`). */
export class ShellUnreachable extends PreconditionFailed {}

/** The shell printed something this tool does not recognise; it never guesses a default. */
export class ShellOutputUnexpected extends ActionFailed {
  readonly command: string;
  readonly text: string;
  constructor(command: string, expected: string, text: string) {
    const quoted = text === "" ? "(no more output)" : JSON.stringify(text);
    super(`Cannot read the output of \`${command}\` as ${expected}: found ${quoted}`, {
      hint: "Check that inventory shell.command runs a Pegasus shell (2.x) and shell.version matches; run the command by hand to compare.",
    });
    this.command = command;
    this.text = text;
  }
}
