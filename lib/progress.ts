/**
 * Progress bars for `zk-progress` events on a terminal: one line on stderr, redrawn at most every
 * 100 ms and cleared before any other line is printed. Without a TTY (or with `--json`) the
 * events go to the log unchanged, so NDJSON consumers still see them.
 */
import type { Event, Log } from "./log.ts";

/** A log that draws progress; call `end()` to clear the bar before the final output. */
export interface ProgressLog extends Log {
  end(): void;
}

/** Options of {@link withProgressBar}. */
export interface ProgressOptions {
  /** Where the bar is drawn. @default process.stderr */
  stream?: { isTTY?: boolean; columns?: number; write(text: string): unknown };
}

/**
 * Wraps `log` so that progress events draw a bar when stderr is a terminal and the log is human.
 * @example const log = withProgressBar(createLog()); … log.end();
 */
export function withProgressBar(log: Log, options: ProgressOptions = {}): ProgressLog {
  const stream = options.stream ?? process.stderr;
  const draw = stream.isTTY === true && !log.json;
  let shown = false;
  let last = Number.NEGATIVE_INFINITY;
  const clear = () => {
    if (shown) stream.write("\r\x1b[K");
    shown = false;
  };
  const wrapped = (event: Event) => {
    if (event.kind !== "zk-progress" || !draw) {
      if (event.kind !== "zk-progress") clear();
      log(event);
      return;
    }
    const now = performance.now();
    if (now - last < 100 && event.done !== event.total) return;
    last = now;
    stream.write(`\r\x1b[K${renderBar(event, stream.columns ?? 80)}`);
    shown = true;
  };
  return Object.assign(wrapped, { json: log.json, verbose: log.verbose, end: clear });
}

/**
 * One progress line: phase, bar, counts and percentage (a counter alone when the total is unknown).
 * It always fits in `columns - 1` characters: a line that reaches the last column wraps, and every
 * redraw would then leave a line behind. A narrow terminal gets a shorter bar, or none.
 * @example renderBar({ kind: "zk-progress", ensemble: "source", phase: "read", done: 5, total: 10 }, 60)
 */
export function renderBar(event: Extract<Event, { kind: "zk-progress" }>, columns: number): string {
  const room = Math.max(1, columns - 1);
  const label = `${event.phase} ${event.ensemble}`.padEnd(14);
  const count = event.total
    ? `${event.done.toLocaleString("en-US")}/${event.total.toLocaleString("en-US")}`
    : event.done.toLocaleString("en-US");
  if (!event.total) return `${label} ${count} znodes`.slice(0, room);
  const ratio = Math.min(1, event.done / event.total);
  const tail = ` ${count} ${Math.floor(ratio * 100)}%`;
  const preferred = Math.max(10, Math.min(40, columns - label.length - count.length - 10));
  const width = Math.min(preferred, room - label.length - 1 - tail.length);
  if (width < 5) {
    const short = `${label.trimEnd()}${tail}`;
    return (short.length <= room ? short : tail.trim()).slice(0, room);
  }
  const filled = Math.round(ratio * width);
  return `${label} ${"█".repeat(filled)}${"░".repeat(width - filled)}${tail}`;
}
