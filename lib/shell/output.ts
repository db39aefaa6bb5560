/**
 * Reading the Pegasus shell's printed output (reference §4.4): a cursor over lines, and readers
 * for its three shapes — `[name]` key/value tables, `[name]` column tables, and pretty JSON. Every
 * reader consumes exactly the lines it understands, so several commands' outputs can be split apart
 * in order; anything else becomes a {@link ShellOutputUnexpected} quoting the text.
 */
import { ShellCommandRejected, ShellOutputUnexpected, shellFailure } from "./errors.ts";

/** Output lines with a read position; lines keep their trailing spaces. */
export class LineCursor {
  readonly lines: string[];
  index = 0;
  constructor(lines: string[]) {
    this.lines = lines;
  }
  /** The next line with trailing whitespace removed, or `undefined` at the end. */
  peek(offset = 0): string | undefined {
    return this.lines[this.index + offset]?.trimEnd();
  }
  /** Returns the next line (trimmed at the end) and moves past it. */
  next(): string | undefined {
    const line = this.peek();
    if (line !== undefined) this.index++;
    return line;
  }
  /** Moves past the next line if it matches, returning the match. */
  take(pattern: RegExp): RegExpMatchArray | null {
    const match = this.peek()?.match(pattern) ?? null;
    if (match) this.index++;
    return match;
  }
  /** The next few raw lines, for error messages. */
  upcoming(count = 3): string {
    return this.lines.slice(this.index, this.index + count).join("\n");
  }
}

/**
 * ANSI SGR sequences. 2.6 prints errors with `fmt::print(stderr, bold | fg(red), "ERROR: {}\n")`
 * (`command_helper.h`, `SHELL_PRINTLN_ERROR`), whose reset comes after the newline, at the start
 * of the next line.
 */
const ansiStyle = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/**
 * Splits process output into lines, dropping the empty string after a final newline and the
 * colour codes 2.6 wraps its messages in.
 */
export function outputLines(text: string): string[] {
  const lines = text
    .replace(ansiStyle, "")
    .split("\n")
    .map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/**
 * Consumes the shell's generic refusals at the cursor and throws them: `ERROR: invalid subcommand`
 * (followed by the help text), `USAGE: …`, `Invalid argument(s)`.
 * @throws {ShellCommandRejected}
 */
export function rejectRefusal(out: LineCursor, command: string, before: string[] = []): void {
  const line = out.peek();
  if (line === undefined) return;
  if (/^ERROR: invalid subcommand '/.test(line)) {
    out.next();
    if (out.peek() === "Usage:") out.next();
    while (/^\s/.test(out.lines[out.index] ?? "")) out.next();
    throw new ShellCommandRejected(command, [...before, line]);
  }
  if (line.startsWith("USAGE: ")) {
    out.next();
    while (/^\t/.test(out.lines[out.index] ?? "")) out.next();
    throw new ShellCommandRejected(command, [...before, line.replaceAll("\t", " ")]);
  }
  if (line === "Invalid argument(s)") {
    out.next();
    throw new ShellCommandRejected(command, [...before, line]);
  }
}

/**
 * Reads a pretty-printed JSON object at the cursor without moving it: `{}` on one line, or `{`
 * up to the `}` line at column 0 (rapidjson PrettyWriter and nlohmann `dump(2)` both close so).
 * @returns `null` when the cursor is not at a JSON object.
 * @throws {ShellOutputUnexpected} If the object does not parse.
 */
export function peekJson(
  out: LineCursor,
  command: string,
): { value: Record<string, unknown>; lineCount: number } | null {
  const first = out.peek();
  if (first !== "{" && first !== "{}") return null;
  let end = out.index;
  if (first === "{") {
    while (end < out.lines.length && out.lines[end]?.trimEnd() !== "}") end++;
    if (end >= out.lines.length) {
      throw new ShellOutputUnexpected(command, "a JSON object", out.upcoming(50));
    }
  }
  const text = out.lines.slice(out.index, end + 1).join("\n");
  try {
    const value = JSON.parse(text) as unknown;
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error();
    return { value: value as Record<string, unknown>, lineCount: end + 1 - out.index };
  } catch {
    throw new ShellOutputUnexpected(command, "a JSON object", text);
  }
}

/**
 * Reads a JSON object at the cursor and moves past it.
 * @throws {ShellOutputUnexpected} If there is none.
 */
export function readJson(out: LineCursor, command: string): Record<string, unknown> {
  const json = peekJson(out, command);
  if (!json) throw new ShellOutputUnexpected(command, "a JSON object", out.upcoming());
  out.index += json.lineCount;
  return json.value;
}

/** A printed table: key/value rows, or column rows keyed by header. */
export interface PrintedTable {
  name: string;
  /** Key/value tables: key → value. */
  values: Record<string, string>;
  /** Column tables: one record per data row, keyed by header. */
  rows: Record<string, string>[];
}

/** How a table prints its rows. */
export type TableKind = "key-value" | "columns";

/** The key is padded to the longest key + 2, so at least two spaces precede the colon. */
const keyValueLine = /^(\S+) {2,}:(?: (.*))?$/;

/**
 * Reads `[name]` and its rows. Key/value rows are `key<pad>: value`; a value that opens with `{`
 * alone continues until a `}` line (2.6 `balance_operation_count`, reference §4.7). Column rows
 * are split on whitespace and must match the titles. Stops at a blank line or the next header.
 * @returns `null` when the cursor is not at the header of one of `kinds`' tables.
 */
export function readTable(
  out: LineCursor,
  command: string,
  kinds: Record<string, TableKind>,
): PrintedTable | null {
  const name = out.peek()?.match(/^\[(.+)\]$/)?.[1];
  const kind = name === undefined ? undefined : kinds[name];
  if (name === undefined || kind === undefined) return null;
  out.next();
  const table: PrintedTable = { name, values: {}, rows: [] };
  if (kind === "key-value") {
    for (
      let match = out.peek()?.match(keyValueLine);
      match;
      match = out.peek()?.match(keyValueLine)
    ) {
      out.next();
      table.values[match[1] as string] = readValue(out, command, match[2] ?? "");
    }
    return table;
  }
  const titles = out.next()?.trim().split(/\s+/);
  if (!titles || titles[0] === "") {
    throw new ShellOutputUnexpected(command, `the column titles of [${name}]`, out.upcoming());
  }
  for (let line = out.peek(); line && !line.startsWith("["); line = out.peek()) {
    const cells = line.trim().split(/\s+/);
    if (cells.length !== titles.length) {
      throw new ShellOutputUnexpected(
        command,
        `a row of ${titles.length} columns in [${name}]`,
        line,
      );
    }
    out.next();
    table.rows.push(Object.fromEntries(titles.map((t, i) => [t, cells[i] as string])));
  }
  return table;
}

/** A key/value value; `{` alone starts a multi-line JSON value that ends at a `}` line. */
function readValue(out: LineCursor, command: string, first: string): string {
  if (first !== "{") return first;
  const block = [first];
  while (out.peek() !== undefined && out.peek() !== "}") block.push(out.next() as string);
  if (out.peek() !== "}") throw new ShellOutputUnexpected(command, "a closing }", block.join("\n"));
  block.push(out.next() as string);
  return block.join("\n");
}

/**
 * Reads the tables of one multi-table command (each followed by one blank line) in the given
 * order; a table may be absent, but none may come back after a later one was read.
 * @example readTables(out, "nodes -d", [["parameters", "key-value"], ["details", "columns"], ["summary", "key-value"]])
 */
export function readTables(
  out: LineCursor,
  command: string,
  order: [string, TableKind][],
): Map<string, PrintedTable> {
  const tables = new Map<string, PrintedTable>();
  for (let i = 0; i < order.length; ) {
    const table = readTable(out, command, Object.fromEntries(order.slice(i)));
    if (!table) break;
    tables.set(table.name, table);
    if (out.peek() === "") out.next();
    i = order.findIndex(([name]) => name === table.name) + 1;
  }
  return tables;
}

/**
 * A string field of a JSON object or key/value table, required.
 * @throws {ShellOutputUnexpected} Naming the missing field.
 */
export function field(record: Record<string, unknown>, key: string, command: string): string {
  const value = record[key];
  if (typeof value !== "string") {
    throw new ShellOutputUnexpected(
      command,
      `output with a "${key}" field`,
      JSON.stringify(record),
    );
  }
  return value;
}

/**
 * A non-negative integer printed as a string.
 * @throws {ShellOutputUnexpected} If it is not one.
 */
export function integer(value: string | undefined, what: string, command: string): number {
  if (value === undefined || !/^\d+$/.test(value)) {
    throw new ShellOutputUnexpected(command, `an integer ${what}`, value ?? "");
  }
  return Number(value);
}

/** Pegasus shell output families: ≤2.5 (`"2.5"`) and 2.6 and later (`"2.6"`). */
export type ShellVersion = "2.5" | "2.6";

/** What a command's reader gets: both streams, positioned at this command's output. */
export interface CommandOutput {
  /** stdout after the banner. */
  out: LineCursor;
  /** The stderr lines that shell commands print (log noise set aside). */
  err: LineCursor;
  version: ShellVersion;
}

/** One shell command: the line(s) sent on stdin and the reader of its output. */
export interface ShellCommand<T> {
  /** Lines sent to the shell, e.g. `["use t1", "get_app_envs -j"]`. */
  lines: string[];
  /** True for commands that change the cluster (`set_meta_level`, `recover`). */
  change: boolean;
  /**
   * Reads exactly this command's output and moves the cursors past it.
   * @throws {ShellCommandFailed} For its error line (the cursors are then past that line).
   */
  read(output: CommandOutput): T;
}

/**
 * The shell's `<what> failed, error=ERR_X` line. On 2.6 an `error_s` prints as `ERR_X: message`
 * (`utils/errors.h`, `error_s::description`), e.g. `list apps failed, error=ERR_TIMEOUT: request
 * meta failed: task=RPC_CM_LIST_APPS, error=ERR_TIMEOUT` (`replication_ddl_client.h`,
 * `request_meta_and_wait_response`), so the message is optional. Group 1 is the code.
 * @example failedLine("list apps") // matches "list apps failed, error=ERR_TIMEOUT: request meta failed: …"
 */
export function failedLine(what: string): RegExp {
  return new RegExp(`^${what} failed, error=(\\w+)(?:: .*)?$`);
}

/**
 * Throws a failure line at the cursor if it matches one of `patterns` (group 1 = the `ERR_…` code).
 * @example failOn(out, "ls -d -j", [failedLine("list apps")])
 */
export function failOn(out: LineCursor, command: string, patterns: RegExp[]): void {
  for (const pattern of patterns) {
    const match = out.take(pattern);
    if (match) throw shellFailure(command, match[1] as string, match[0]);
  }
}

/**
 * A JSON member that must be an object of strings (every value is a string in `-j` output).
 * @throws {ShellOutputUnexpected} Otherwise.
 */
export function stringRecord(
  value: unknown,
  what: string,
  command: string,
): Record<string, string> {
  const ok =
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === "string");
  if (!ok) throw new ShellOutputUnexpected(command, what, JSON.stringify(value) ?? "");
  return value as Record<string, string>;
}
