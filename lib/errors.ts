/**
 * The few error classes the tool throws on purpose. Each carries the exit code the top-level
 * catch in `scripts/main.ts` uses, an optional operator `hint` (the flag or command that fixes it)
 * and an optional `cause` that is always printed, never hidden.
 */

/** Process exit codes, shared by every subcommand. */
export const ExitCode = {
  ok: 0,
  /** An action failed, or `zk diff` found a difference. */
  failed: 1,
  /** Bad usage or bad input (inventory, arguments, files). */
  usage: 2,
  /** A precondition is not met: the cluster is not ready for the step (`check`). */
  notReady: 3,
  /** Interrupted by SIGINT/SIGTERM. */
  interrupted: 130,
} as const;

/** Options shared by every tool error. */
export interface ToolErrorOptions {
  /** What the operator can do about it. */
  hint?: string;
  /** The underlying error, printed after the message. */
  cause?: unknown;
}

/**
 * Base class: an error whose message is meant for the operator, with an exit code.
 * @example throw new ToolError("Cannot copy as the target is busy", ExitCode.failed, { hint: "retry" });
 */
export class ToolError extends Error {
  readonly exitCode: number;
  readonly hint?: string;
  constructor(message: string, exitCode: number, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Bad command-line usage or bad input file (exit 2). */
export class UsageError extends ToolError {
  constructor(message: string, options: ToolErrorOptions = {}) {
    super(message, ExitCode.usage, options);
  }
}

/** A precondition is not met; nothing was changed (exit 3). */
export class PreconditionFailed extends ToolError {
  constructor(message: string, options: ToolErrorOptions = {}) {
    super(message, ExitCode.notReady, options);
  }
}

/** An action was attempted and failed (exit 1). */
export class ActionFailed extends ToolError {
  constructor(message: string, options: ToolErrorOptions = {}) {
    super(message, ExitCode.failed, options);
  }
}

/**
 * Formats any error for the operator: message, `hint:`, then every `cause:` (nothing stays
 * hidden); the stack only when `verbose`. Returns the text and the exit code to use.
 * @example const { text, exitCode } = describeError(error, false);
 */
export function describeError(
  error: unknown,
  verbose: boolean,
): { text: string; exitCode: number } {
  const lines: string[] = [`error: ${error instanceof Error ? error.message : String(error)}`];
  if (error instanceof ToolError && error.hint) lines.push(`hint: ${error.hint}`);
  for (let cause = (error as Error)?.cause; cause; cause = (cause as Error).cause) {
    lines.push(`cause: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (verbose && error instanceof Error && error.stack) lines.push(error.stack);
  return {
    text: `${lines.join("\n")}\n`,
    exitCode: error instanceof ToolError ? error.exitCode : ExitCode.failed,
  };
}
