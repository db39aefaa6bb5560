/**
 * What every simulated shell command gets: the version it imitates, the meta client, the meta
 * list, the current app (`use`), and the two output streams. A command returns false for bad
 * arguments, which makes the shell print `USAGE: ` and the command's usage (reference §4.3).
 */
import type { PegasusVersion } from "../encoding.ts";
import { type ParsedOptions, parseOptions } from "./args.ts";
import type { MetaClient } from "./meta-client.ts";

export interface ShellContext {
  version: PegasusVersion;
  client: MetaClient;
  metas: string[];
  currentApp: string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** `exit`: stop reading commands. */
  exit(): void;
}

/** One shell command with its upstream usage text. */
export interface Command {
  name: string;
  usage: string;
  run(ctx: ShellContext, argv: string[]): Promise<boolean> | boolean;
}

/**
 * Width of the command-name column in help: the longest name in `src/shell/main.cpp`'s
 * `commands[]` — `query_bulk_load_status` ≤2.5, `disable_atomic_idempotent` on master.
 */
const nameWidths = {
  "2.5": "query_bulk_load_status".length,
  "2.6": "disable_atomic_idempotent".length,
};
const optionWidth = 70;

/**
 * A refusal the way the version prints it: ≤2.5 `fprintf(stderr, …)`; 2.6
 * `SHELL_PRINTLN_ERROR` (`command_helper.h`): `ERROR: ` in bold red, reset after the newline.
 */
export function printError(ctx: ShellContext, message: string): void {
  if (ctx.version === "2.6") ctx.stderr(`\x1b[1m\x1b[38;2;255;000;000mERROR: ${message}\n\x1b[0m`);
  else ctx.stderr(`${message}\n`);
}

/**
 * A failed RPC's line: 2.6 prints an `error_s` from `request_meta_and_wait_response` as
 * `ERR_X: request meta failed: task=RPC_…, error=ERR_X` when the RPC itself failed.
 */
export function failureText(
  ctx: ShellContext,
  reply: { err: string; transport?: boolean },
  task: string,
): string {
  if (ctx.version === "2.6" && reply.transport)
    return `${reply.err}: request meta failed: task=${task}, error=${reply.err}`;
  return reply.err;
}

/**
 * One command's help line(s), wrapped at `]`/`>` boundaries like upstream `print_help`.
 * @example helpLines({ name: "get_meta_level", usage: "" }) // "\tget_meta_level          \n"
 */
export function helpLines(
  command: Pick<Command, "name" | "usage">,
  version: PegasusVersion = "2.5",
): string {
  const nameWidth = nameWidths[version];
  const usage = command.usage;
  const lines: string[] = [];
  let start = 0;
  let end = -1;
  for (let i = 0; i < usage.length; i++) {
    if (i - start >= optionWidth && end >= start) {
      const piece = usage.slice(start, end + 1).trim();
      if (piece) lines.push(piece);
      start = end + 2;
    }
    if ((usage[i] === "]" || usage[i] === ">") && i < usage.length - 1 && usage[i + 1] === " ")
      end = i;
  }
  const last = usage.slice(start).trim();
  if (last) lines.push(last);
  const head = `\t${command.name}${" ".repeat(nameWidth + 2 - command.name.length)}`;
  if (lines.length === 0) return `${head}\n`;
  return lines
    .map((line, k) => `${k === 0 ? head : `\t${" ".repeat(nameWidth + 2)}`}${line}\n`)
    .join("");
}

/**
 * Parses a command's options like getopt_long, printing option errors to stderr as the shell does.
 * @example commandOptions(ctx, argv, "r:", { reserve_seconds: "r" })
 */
export function commandOptions(
  ctx: ShellContext,
  argv: string[],
  short: string,
  long: Record<string, string> = {},
): ParsedOptions | null {
  return parseOptions(argv, { short, long }, (line) => ctx.stderr(`${line}\n`));
}
