/**
 * Log events are data: a union on `kind`, one human formatter per kind, and `--json` is one
 * `JSON.stringify` per line (NDJSON). Every part of the tool reports through a {@link Log}.
 */
import { formatMs } from "./duration.ts";
import { isVerboseZkEvent, type ZkEvent, zkFormatters } from "./zk/events.ts";

/** Everything the tool reports while it works. */
export type Event =
  | { kind: "cmd"; host: string; cmd: string; dryRun: boolean; change: boolean }
  | { kind: "cmd-done"; host: string; cmd: string; exitCode: number | null; durationMs: number }
  | {
      kind: "step";
      id: string;
      title: string;
      state: "start" | "done" | "verified" | "failed" | "plan";
      durationMs?: number;
    }
  | {
      kind: "check";
      step: string;
      phase: "pre" | "post" | "verify";
      title: string;
      /** null under --dry-run: the check is described, not evaluated. */
      ok: boolean | null;
      evidence: string;
    }
  | {
      kind: "summary";
      method: string;
      /** Step id → ran | verified | planned. */
      outcomes: Record<string, string>;
      wallMs: number;
      /** How long the leader stayed blind (copy method), when known. */
      blindMs?: number;
      /** Recover method: unavailability, what `recover` skipped, table-list differences. */
      recover?: {
        unavailableMs?: number;
        leaseWaitMs?: number;
        skippedNodes: string[];
        lostPartitions: string[];
        partialPartitions: string[];
        tableDiff?: object;
        tableDiffLines: string[];
        envsReapplied?: Record<string, string[]>;
      };
    }
  | {
      kind: "wait";
      /** The condition waited for, e.g. "the cluster healthy on the target ensemble". */
      what: string;
      elapsedMs: number;
      timeoutMs: number;
      /** What is still missing, as the last probe saw it. */
      evidence: string;
    }
  | { kind: "info"; message: string }
  | { kind: "warn"; message: string }
  | ZkEvent;

type Formatters = { [K in Event["kind"]]: (event: Extract<Event, { kind: K }>) => string | null };

/** Human rendering; `null` means "say nothing unless verbose". */
const formatters: Formatters = {
  cmd: (e) => (e.dryRun && e.change ? `[dry-run] ${e.host}$ ${e.cmd}` : `${e.host}$ ${e.cmd}`),
  "cmd-done": (e) => `  exit ${e.exitCode ?? "signal"} in ${e.durationMs} ms`,
  step: (e) => {
    const took = e.durationMs === undefined ? "" : ` (${(e.durationMs / 1000).toFixed(1)} s)`;
    const marks = { start: "▶", done: "✔", verified: "✔", failed: "✘", plan: "•" } as const;
    const suffix = e.state === "verified" ? " — already done, verified" : took;
    return `${marks[e.state]} ${e.id}  ${e.title}${suffix}`;
  },
  check: (e) =>
    `    ${e.ok === null ? (e.phase === "pre" ? "before:" : "after: ") : e.ok ? "ok  " : "FAIL"} ${e.title}${e.ok === null ? "" : ` — ${e.evidence}`}`,
  summary: (e) => {
    const steps = Object.entries(e.outcomes).map(([id, outcome]) => `  ${id}: ${outcome}`);
    const blind =
      e.blindMs === undefined ? "" : `; leader blind for ${(e.blindMs / 1000).toFixed(1)} s`;
    return [
      `${e.method} method: ${(e.wallMs / 1000).toFixed(1)} s wall time${blind}`,
      ...steps,
      ...(e.recover ? recoverLines(e.recover) : []),
    ].join("\n");
  },
  wait: (e) =>
    `  still waiting for ${e.what} (${formatMs(e.elapsedMs)} of ${formatMs(e.timeoutMs)}): ${e.evidence}`,
  info: (e) => e.message,
  warn: (e) => `warning: ${e.message}`,
  ...zkFormatters,
};

function recoverLines(r: NonNullable<Extract<Event, { kind: "summary" }>["recover"]>): string[] {
  const s = (ms?: number) => (ms === undefined ? "?" : `${(ms / 1000).toFixed(1)} s`);
  const lines = [
    `cluster unavailable for ${s(r.unavailableMs)} (leader stopped → healthy on the target); lease wait ${s(r.leaseWaitMs)}`,
  ];
  if (r.skippedNodes.length)
    lines.push(`skipped nodes (--skip-bad-nodes): ${r.skippedNodes.join(", ")}`);
  if (r.lostPartitions.length)
    lines.push(
      `partitions recovered EMPTY (--skip-lost-partitions): ${r.lostPartitions.join(", ")}`,
    );
  if (r.partialPartitions.length)
    lines.push(`partitions that lost replicas: ${r.partialPartitions.join(", ")}`);
  lines.push(
    r.tableDiffLines.length
      ? `table list differs from the backup:\n${r.tableDiffLines.map((l) => `  ${l}`).join("\n")}`
      : "table list as before",
  );
  return lines;
}

/** Kinds printed in human mode only with `--verbose`. */
const verboseOnly = new Set<Event["kind"]>(["cmd-done"]);

/** A sink for events. */
export interface Log {
  (event: Event): void;
  readonly json: boolean;
  readonly verbose: boolean;
}

/** Options of {@link createLog}. */
export interface LogOptions {
  /** Print NDJSON instead of text. @default false */
  json?: boolean;
  /** Also print command completions and read-only commands. @default false */
  verbose?: boolean;
  /** Where lines go. @default process.stdout */
  write?: (line: string) => void;
}

/**
 * Creates a log that prints events as text or NDJSON.
 * @example const log = createLog({ json: true }); log({ kind: "info", message: "hi" });
 */
export function createLog(options: LogOptions = {}): Log {
  const json = options.json ?? false;
  const verbose = options.verbose ?? false;
  const write = options.write ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (event: Event) => {
    if (json) return write(JSON.stringify(event));
    if (verboseOnly.has(event.kind) && !verbose) return;
    if (event.kind === "cmd" && !event.change && !verbose) return;
    if (isVerboseZkEvent(event) && !verbose) return;
    const format = formatters[event.kind] as (e: Event) => string | null;
    const line = format(event);
    if (line !== null) write(line);
  };
  return Object.assign(log, { json, verbose });
}
