/**
 * How every command ends: with `--json`, exactly one result event as the last NDJSON line (cron
 * reads one object, success or failure); a failure's prose goes to stderr either way. One function for
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
 * Ends a command: prints the error's prose (stderr) and, with `json`, the result event; returns
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
  // stdout stays machine-readable; the prose still goes to stderr, which cron mails to a human.
  if (error !== undefined) process.stderr.write(describeError(error, verbose).text);
  if (json) {
    const event = resultEvent(error, outcome.exitCode);
    process.stdout.write(`${JSON.stringify(event)}\n`);
    return event.exitCode;
  }
  return error === undefined ? outcome.exitCode : describeError(error, verbose).exitCode;
}
