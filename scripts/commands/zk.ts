/**
 * `zk copy | diff | snapshot | restore | rmr`: the tree tools. Each opens the sessions it needs,
 * calls `lib/zk`, and prints a summary (or, with `--json`, NDJSON progress and a final
 * `zk-result` object). Exit codes: 0 ok (diff: identical), 1 failed or refused (diff: different),
 * 2 bad usage or input (diff: any error).
 */
import { formatMs, parseDuration } from "../../lib/duration.ts";
import { ExitCode, ToolError, UsageError } from "../../lib/errors.ts";
import { createLog, type Log } from "../../lib/log.ts";
import { withProgressBar } from "../../lib/progress.ts";
import { compareEnsembles, describeUnproven } from "../../lib/zk/ensemble-identity.ts";
import { formatBytes } from "../../lib/zk/events.ts";
import * as zk from "../../lib/zk/index.ts";

/** Options shared by every `zk` subcommand. */
export interface ZkOptions {
  json?: boolean;
  verbose?: boolean;
  dryRun?: boolean;
  sessionTimeout?: string;
  timeout?: string;
  sourceAuthEnv?: string;
  targetAuthEnv?: string;
}

/** Options of `zk copy` and `zk restore`. */
export interface ZkWriteOptions extends ZkOptions {
  overwrite?: boolean;
  mirror?: boolean;
}

type Side = "source" | "target";

interface Outcome {
  exitCode: number;
  result: unknown;
  lines: string[];
}

/** `zk copy SRC DST`. */
export function zkCopy(src: string, dst: string, options: ZkWriteOptions): Promise<void> {
  return run("copy", options, async ({ open }) => {
    await refuseOverlappingTrees(src, dst);
    const source = await open(src, "source");
    const target = await open(dst, "target", options.dryRun);
    const result = await zk.copyTree(source, target, {
      overwrite: options.overwrite,
      mirror: options.mirror,
      keepStamps: false, // nothing here proves the source unchanged afterwards
    });
    const { sourceStamps: _, sourceDigests: __, sourceAcls: ___, ...printable } = result;
    return { exitCode: ExitCode.ok, result: printable, lines: copyLines("copy", result) };
  });
}

/** `zk diff SRC DST`: exit 0 identical, 1 different, 2 error. */
export function zkDiff(src: string, dst: string, options: ZkOptions): Promise<void> {
  return run("diff", options, async ({ open }) => {
    const result = await zk.diffTrees(await open(src, "source"), await open(dst, "target"));
    const exitCode = result.identical ? ExitCode.ok : ExitCode.failed;
    return { exitCode, result, lines: diffLines(result) };
  });
}

/** `zk snapshot SRC -o FILE`. */
export function zkSnapshot(src: string, options: ZkOptions & { output: string }): Promise<void> {
  return run("snapshot", options, async ({ open }) => {
    const source = await open(src, "source");
    const result = await zk.snapshotTree(source, options.output);
    const lines = [
      `snapshot of ${source.address.connect}${result.root} written to ${result.file} in ${formatMs(result.durationMs)}`,
      `  ${result.nodes} znodes, ${formatBytes(result.dataBytes)} of data, file ${formatBytes(result.fileBytes)}, sha256 ${result.sha256}`,
      ...ephemeralLines("recorded (never restored)", result.ephemerals),
    ];
    return { exitCode: ExitCode.ok, result, lines };
  });
}

/** `zk restore FILE DST`: the tree goes to DST's path, or to the snapshot's root if DST has none. */
export function zkRestore(file: string, dst: string, options: ZkWriteOptions): Promise<void> {
  return run("restore", options, async ({ open }) => {
    const target = await open(dst, "target", options.dryRun);
    const result = await zk.restoreSnapshot(target, file, {
      to: dst.includes("/") ? target.address.path : undefined,
      overwrite: options.overwrite,
      mirror: options.mirror,
    });
    return { exitCode: ExitCode.ok, result, lines: copyLines("restore", result) };
  });
}

/** `zk rmr SRC`. */
export function zkRmr(
  src: string,
  options: ZkOptions & { expectSnapshot?: string; force?: boolean },
): Promise<void> {
  return run("rmr", options, async ({ open }) => {
    const session = await open(src, "source", options.dryRun);
    const result = await zk.removeTree(session, {
      expectSnapshot: options.expectSnapshot,
      force: options.force,
    });
    const verb = result.dryRun ? "would delete" : "deleted";
    const lines = [
      `${verb} ${result.deleted} znodes under ${result.ensemble}${result.root} in ${formatMs(result.durationMs)} (${result.batches} batches)`,
      ...(result.snapshot ? [`  checked unchanged since snapshot ${result.snapshot}`] : []),
      ...ephemeralLines("live, deleted with --force", result.ephemerals),
    ];
    return { exitCode: ExitCode.ok, result, lines };
  });
}

/**
 * Copying a tree into itself (or its own subtree) rewrites, and with `--mirror` deletes, the
 * source. Overlapping paths are compared by ensemble identity (the servers say whether they share
 * a session), not by how the connect strings are spelt.
 * @throws {UsageError} If DST's path overlaps SRC's on an ensemble not proven to be another one.
 */
async function refuseOverlappingTrees(src: string, dst: string): Promise<void> {
  const [from, to] = [zk.parseTreeAddress(src), zk.parseTreeAddress(dst)];
  const inside = (a: string, b: string) => a === b || b === "/" || a.startsWith(`${b}/`);
  if (!inside(from.path, to.path) && !inside(to.path, from.path)) return;
  const identity = await compareEnsembles(from.servers, to.servers);
  // No source server answered: opening the source fails next with its own error, before any write.
  if (identity.probe === undefined) return;
  const same = identity.target.filter((t) => t.verdict === "same").map((t) => t.server);
  if (same.length > 0) {
    throw new UsageError(
      `Cannot copy ${src} to ${dst} as the trees overlap: ${same.join(", ")} ${same.length > 1 ? "are servers" : "is a server"} of the source's ensemble (${same.length > 1 ? "they know" : "it knows"} a session ${identity.probe} created); nothing was written`,
      {
        hint: "Copy to a path outside SRC's subtree, or name DST by the servers of another ensemble",
      },
    );
  }
  if (!identity.distinct) {
    throw new UsageError(
      `Cannot copy ${src} to ${dst} as the paths overlap and the ensembles could not be told apart: ${describeUnproven(identity)}; nothing was written`,
      {
        hint: "Start those servers or leave them out of the connect strings, then run the command again",
      },
    );
  }
}

/** Runs a subcommand: sessions, logging, final output, and the zk exit-code contract. */
async function run(
  command: string,
  options: ZkOptions,
  work: (context: Context) => Promise<Outcome>,
): Promise<void> {
  const log = withProgressBar(createLog({ json: options.json, verbose: options.verbose }));
  const sessions: zk.ZkSession[] = [];
  const context: Context = {
    log,
    open: async (text, side, dryRun) => {
      const session = await open(text, side, options, log, dryRun);
      sessions.push(session);
      return session;
    },
  };
  try {
    const outcome = await work(context);
    log.end();
    if (options.json) {
      const ok = outcome.exitCode === ExitCode.ok;
      log({ kind: "zk-result", command, ok, exitCode: outcome.exitCode, result: outcome.result });
    } else {
      process.stdout.write(`${outcome.lines.join("\n")}\n`);
    }
    process.exitCode = outcome.exitCode;
  } catch (error) {
    log.end();
    const mapped = mapError(command, error);
    if (options.json) {
      const result = { error: mapped.message, hint: mapped.hint ?? null };
      log({ kind: "zk-result", command, ok: false, exitCode: mapped.exitCode, result });
    }
    throw mapped;
  } finally {
    await Promise.all(sessions.map((session) => session.close()));
  }
}

/** Refusals (exit 3 elsewhere) are failures here; diff reports every error as 2. */
function mapError(command: string, error: unknown): ToolError {
  const message = error instanceof Error ? error.message : String(error);
  let mapped: ToolError;
  if (error instanceof ToolError) {
    const code = error.exitCode === ExitCode.notReady ? ExitCode.failed : error.exitCode;
    mapped =
      code === error.exitCode
        ? error
        : new ToolError(message, code, { hint: error.hint, cause: error.cause });
  } else {
    mapped = new ToolError(`Cannot finish zk ${command}: ${message}`, ExitCode.failed, {
      cause: error instanceof zk.ZkError ? undefined : error,
    });
  }
  if (command === "diff" && mapped.exitCode !== ExitCode.usage) {
    return new ToolError(mapped.message, ExitCode.usage, {
      hint: mapped.hint,
      cause: mapped.cause,
    });
  }
  return mapped;
}

/** What a subcommand gets: the log, and `open` for sessions that `run` closes afterwards. */
interface Context {
  log: Log;
  open(text: string, side: Side, dryRun?: boolean): Promise<zk.ZkSession>;
}

async function open(
  text: string,
  side: Side,
  options: ZkOptions,
  log: Log,
  dryRun: boolean | undefined,
): Promise<zk.ZkSession> {
  const address = zk.parseTreeAddress(text);
  const timeoutMs = duration(options.timeout, "--timeout", 30_000);
  const named = side === "source" ? options.sourceAuthEnv : options.targetAuthEnv;
  const envName = named ?? (side === "source" ? "PZM_SOURCE_ZK_DIGEST" : "PZM_TARGET_ZK_DIGEST");
  return zk.openSession(address, {
    log,
    label: side,
    dryRun,
    digest: zk.digestFromEnv(envName, named !== undefined),
    sessionTimeoutMs: duration(options.sessionTimeout, "--session-timeout", 10_000),
    connectTimeoutMs: timeoutMs,
    retryTimeoutMs: timeoutMs,
  });
}

function duration(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  try {
    return parseDuration(text);
  } catch (error) {
    throw new UsageError(`Cannot use ${flag} ${text}: ${(error as Error).message}`);
  }
}

function copyLines(command: "copy" | "restore", r: zk.RestoreResult): string[] {
  const rate = r.durationMs > 0 ? Math.round((r.read / r.durationMs) * 1000) : r.read;
  const verb = r.dryRun ? `${command} (dry run) would write` : `${command}: wrote`;
  const lines = [
    `${verb} ${r.source} → ${r.target} in ${formatMs(r.durationMs)} (${r.read} znodes read, ${rate.toLocaleString("en-US")} znodes/s)`,
    `  created ${r.created}, data updated ${r.updated}, ACLs set ${r.aclsSet}, deleted ${r.deleted}, unchanged ${r.unchanged}; ${r.batches} batches, ${formatBytes(r.requestBytes)}`,
  ];
  if (r.createdParents.length > 0)
    lines.push(`  created missing parents: ${r.createdParents.join(", ")}`);
  if (r.reconciled > 0) lines.push(`  ${r.reconciled} batch(es) reconciled after a lost reply`);
  lines.push(...ephemeralLines("skipped", r.skippedEphemerals));
  return lines;
}

function ephemeralLines(what: string, list: zk.EphemeralNode[]): string[] {
  if (list.length === 0) return [];
  return [
    `  ${list.length} ephemeral node(s) ${what}:`,
    ...list.map((e) => `    ${e.path} (owner ${e.owner}${e.data ? `, data "${e.data}"` : ""})`),
  ];
}

function diffLines(r: zk.DiffResult): string[] {
  const lines = r.identical
    ? [`identical: ${r.source} and ${r.target} (${r.sourceNodes} znodes)`]
    : [`different: ${r.differences.length} difference(s) between ${r.source} and ${r.target}`];
  for (const d of r.differences.slice(0, 200)) {
    const sides =
      d.kind === "missing"
        ? `only in source (${d.source})`
        : d.kind === "extra"
          ? `only in target (${d.target})`
          : `source ${d.source}; target ${d.target}`;
    lines.push(`  ${d.kind.padEnd(7)} ${d.path}  ${sides}`);
  }
  if (r.differences.length > 200) {
    lines.push(`  … and ${r.differences.length - 200} more (--json lists all)`);
  }
  lines.push(...ephemeralLines("skipped on the source", r.skippedEphemerals.source));
  lines.push(...ephemeralLines("skipped on the target", r.skippedEphemerals.target));
  return lines;
}
