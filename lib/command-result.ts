/**
 * How every command ends: with `--json`, exactly one result event as the last NDJSON line (cron
 * reads one object, success or failure); otherwise the error as prose on stderr. One function for
 * the binary's entry and for step scripts run alone, so both end the same way.
 */
import { describeError, ExitCode, ToolError } from "./errors.ts";

/** The last line of every `--json` command. */
export interface ResultEvent {
  kind: "result";
  event: "result";
  ok: boolean;
  exitCode: number;
  /** Present when the command failed. */
  error?: { message: string; hint: string | null; cause: string[] };
}

/**
 * The result event for a command that ended with `exitCode`, or threw `error`.
 * @example resultEvent(undefined, 0) // { kind: "result", event: "result", ok: true, exitCode: 0 }
 */
export function resultEvent(error: unknown, exitCode: number): ResultEvent {
  if (error === undefined) {
    return exitCode === ExitCode.ok
      ? { kind: "result", event: "result", ok: true, exitCode }
      : {
          kind: "result",
          event: "result",
          ok: false,
          exitCode,
          error: { message: `exited with code ${exitCode}`, hint: null, cause: [] },
        };
  }
  const causes: string[] = [];
  for (let cause = (error as Error)?.cause; cause; cause = (cause as Error).cause)
    causes.push(cause instanceof Error ? cause.message : String(cause));
  return {
    kind: "result",
    event: "result",
    ok: false,
    exitCode: describeError(error, false).exitCode,
    error: {
      message: error instanceof Error ? error.message : String(error),
      hint: error instanceof ToolError && error.hint ? error.hint : null,
      cause: causes,
    },
  };
}

/**
 * Ends a command: prints the result event (`json`) or the error's prose (stderr), and returns
 * the exit code to use.
 * @example process.exitCode = endCommand({ error, exitCode: 0, json: true, verbose: false });
 */
export function endCommand(outcome: {
  error?: unknown;
  exitCode: number;
  json: boolean;
  verbose: boolean;
}): number {
  const { error, json, verbose } = outcome;
  if (json) {
    const event = resultEvent(error, outcome.exitCode);
    process.stdout.write(`${JSON.stringify(event)}\n`);
    return event.exitCode;
  }
  if (error === undefined) return outcome.exitCode;
  const { text, exitCode } = describeError(error, verbose);
  process.stderr.write(text);
  return exitCode;
}
