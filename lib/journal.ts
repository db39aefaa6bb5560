/**
 * The per-cluster state directory: which steps started and finished, the evidence their checks
 * saw, facts later steps rely on (the leader, the baseline node set, snapshot paths), and the
 * backups (ZooKeeper snapshots, original configs, shell outputs). Writes are atomic (temp file,
 * fsync, rename), so a run killed at any point leaves a readable journal to resume from.
 *
 * This is the tool's own bookkeeping on the machine it runs on, so it uses the local filesystem
 * directly rather than `lib/hosts`; `plan` and `check` never open a journal for writing.
 */
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { dirname, join } from "node:path";
import { PreconditionFailed, UsageError } from "./errors.ts";
import { RunLock } from "./run-lock.ts";

/** A migration method: upstream method 2 ("copy") or method 1 ("recover"). */
export type Method = "copy" | "recover";

/** One check's outcome as recorded. */
export interface EvidenceEntry {
  at: string;
  phase: "pre" | "post" | "run" | "verify";
  title: string;
  ok: boolean;
  evidence: string;
}

/** What the journal knows about one step. */
export interface StepRecord {
  status: "started" | "done" | "failed";
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  attempts: number;
  evidence: EvidenceEntry[];
  error?: string;
}

/** The journal file's content. */
export interface JournalData {
  version: 1;
  cluster: string;
  method: Method;
  createdAt: string;
  updatedAt: string;
  finishedAt?: string;
  /** Set by a finished rollback: the cluster is back on the source; the journal is archived. */
  rolledBackAt?: string;
  steps: Record<string, StepRecord>;
  /** Values steps hand to later steps and to a resumed run. */
  facts: Record<string, unknown>;
  /** Backup name → absolute path. */
  backups: Record<string, string>;
}

const now = () => new Date().toISOString();

/** Journal fact holding a rollback's decisions; while set, only `rollback` may use the journal. */
export const rollbackFact = "rollback";

/**
 * A cluster's journal under `stateDir`.
 * @example
 * const journal = Journal.open(inv.stateDir, { cluster: "c1", method: "copy" });
 * const lock = journal.lock("run");
 * journal.start("copy/01-stop-followers"); … journal.finish("copy/01-stop-followers");
 */
export class Journal {
  readonly file: string;
  private data: JournalData;

  private constructor(
    readonly dir: string,
    data: JournalData,
    private readonly persist: boolean,
  ) {
    this.file = join(dir, "journal.json");
    this.data = data;
  }

  /**
   * Opens the journal of a cluster, or starts an empty one (written on the first change). With
   * `persist: false` (dry runs) changes stay in memory and the lock is not taken.
   * @throws {UsageError} If the journal belongs to another cluster or another method that has not finished.
   * @throws {PreconditionFailed} If a rollback is in progress and this is not `rollback` opening it.
   */
  static open(
    dir: string,
    expected: { cluster: string; method: Method },
    options: { persist?: boolean; rollback?: boolean } = {},
  ): Journal {
    const persist = options.persist ?? true;
    // A finished rollback's journal belongs to the history; a new run starts a fresh migration.
    if (persist && Journal.read(dir)?.snapshot.rolledBackAt) archiveJournal(dir);
    const existing = Journal.read(dir, persist);
    if (existing?.snapshot.rolledBackAt) return Journal.fresh(dir, expected, persist);
    if (!existing) return Journal.fresh(dir, expected, persist);
    const data = existing.data;
    if (data.cluster !== expected.cluster) {
      throw new UsageError(
        `Cannot use state dir ${dir} as its journal belongs to cluster ${data.cluster}, not ${expected.cluster}`,
        {
          hint: "Set state_dir in the inventory to a directory of this cluster's own.",
        },
      );
    }
    if (data.facts[rollbackFact] !== undefined && !options.rollback) {
      throw new PreconditionFailed(
        `Cannot go on with the migration of ${data.cluster} as a rollback of it is in progress (journal ${existing.file})`,
        { hint: "Finish the rollback with `rollback -i FILE`; a later `run` then starts afresh." },
      );
    }
    if (data.method !== expected.method && !data.finishedAt) {
      throw new UsageError(
        `Cannot start method ${expected.method} as a ${data.method} migration of ${data.cluster} is in progress (journal ${existing.file})`,
        {
          hint: `Finish it with \`run -i FILE --method ${data.method}\`, or look at it with \`status -i FILE\`.`,
        },
      );
    }
    return existing;
  }

  private static fresh(
    dir: string,
    expected: { cluster: string; method: Method },
    persist: boolean,
  ): Journal {
    const created = now();
    return new Journal(
      dir,
      {
        version: 1,
        cluster: expected.cluster,
        method: expected.method,
        createdAt: created,
        updatedAt: created,
        steps: {},
        facts: {},
        backups: {},
      },
      persist,
    );
  }

  /** Reads an existing journal, or returns undefined when there is none. */
  static read(dir: string, persist = true): Journal | undefined {
    const file = join(dir, "journal.json");
    if (!existsSync(file)) return undefined;
    let data: JournalData;
    try {
      data = JSON.parse(readFileSync(file, "utf8")) as JournalData;
    } catch (error) {
      throw new UsageError(`Cannot read journal ${file}: ${(error as Error).message}`, {
        hint: "The file is not valid JSON; restore it from your backups or move the state dir away to start over.",
      });
    }
    return new Journal(dir, data, persist);
  }

  /** A copy of everything recorded. */
  get snapshot(): JournalData {
    return structuredClone(this.data);
  }

  get method(): Method {
    return this.data.method;
  }

  /** The record of a step, if it ever started. */
  step(id: string): StepRecord | undefined {
    return this.data.steps[id];
  }

  /** True when the step finished and was recorded done. */
  isDone(id: string): boolean {
    return this.data.steps[id]?.status === "done";
  }

  /**
   * Records that a step starts (again): one more attempt.
   * @param startedAt When it began, if earlier than now (its checks ran before the record).
   */
  start(id: string, startedAt?: Date): void {
    const previous = this.data.steps[id];
    this.data.steps[id] = {
      status: "started",
      startedAt: startedAt?.toISOString() ?? now(),
      attempts: (previous?.attempts ?? 0) + 1,
      evidence: previous?.evidence ?? [],
    };
    this.save();
  }

  /** Appends check evidence to a step. */
  addEvidence(id: string, entry: Omit<EvidenceEntry, "at">): void {
    const record = this.data.steps[id];
    if (!record) throw new Error(`journal: step ${id} has not started`);
    record.evidence.push({ at: now(), ...entry });
    this.save();
  }

  /** Records that a step finished. */
  finish(id: string): void {
    this.end(id, "done");
  }

  /** Drops a step's record, so the next run does it again (after an undo). */
  forget(id: string): void {
    delete this.data.steps[id];
    this.save();
  }

  /** Records that a step failed, with the reason. */
  fail(id: string, error: string): void {
    this.end(id, "failed", error);
  }

  /** Marks the whole migration finished. */
  finishRun(): void {
    this.data.finishedAt = now();
    this.save();
  }

  /**
   * Marks the migration rolled back and moves the journal and its backups into the history
   * (`history/<started>-rolled-back/`), so the next `run` starts a fresh migration.
   * @returns Where the journal now lives.
   */
  finishRollback(): string {
    this.data.rolledBackAt = now();
    this.save();
    return this.persist ? archiveJournal(this.dir) : this.dir;
  }

  /** A fact recorded by an earlier step or run. */
  fact<T>(key: string): T | undefined {
    return this.data.facts[key] as T | undefined;
  }

  /** Records a fact for later steps and resumed runs. */
  setFact(key: string, value: unknown): void {
    this.data.facts[key] = value;
    this.save();
  }

  /** Drops a fact that no longer holds (after an undo). */
  forgetFact(key: string): void {
    delete this.data.facts[key];
    this.save();
  }

  /** Path where a backup named `name` lives (under `backups/`). */
  backupPath(name: string): string {
    return join(this.dir, "backups", name);
  }

  /**
   * Writes a backup file once: an existing backup is kept, because the first one holds the
   * original state (a resumed run must not overwrite it with an already-changed file).
   * @returns The backup's path.
   */
  keepBackup(name: string, content: string | Uint8Array): string {
    const path = this.backupPath(name);
    if (this.persist && !existsSync(path)) {
      ensurePrivateDir(this.dir);
      writeAtomically(path, content);
    }
    this.data.backups[name] = path;
    this.save();
    return path;
  }

  /**
   * A path under `backups/` for a file someone else writes (e.g. a ZooKeeper snapshot), its
   * directory created and the backup registered under that relative name.
   * @example const file = journal.newBackupFile(`zk/source-final-${Date.now()}.zksnap`);
   */
  newBackupFile(name: string): string {
    const path = this.backupPath(name);
    if (this.persist) {
      ensurePrivateDir(this.dir);
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    }
    this.data.backups[name] = path;
    this.save();
    return path;
  }

  /**
   * Takes the state dir's run lock, so a second concurrent run with this state dir is refused.
   * The lock dies with its process, however it ends, so a dead run's lock is never in the way.
   * @throws {PreconditionFailed} If another live process holds it.
   */
  lock(command: string): RunLock | undefined {
    if (!this.persist) return undefined;
    ensurePrivateDir(this.dir);
    return RunLock.acquire(join(this.dir, "run.lock"), command);
  }

  private end(id: string, status: "done" | "failed", error?: string): void {
    const record = this.data.steps[id];
    if (!record) throw new Error(`journal: step ${id} has not started`);
    record.status = status;
    record.endedAt = now();
    record.durationMs = Date.parse(record.endedAt) - Date.parse(record.startedAt);
    if (error === undefined) delete record.error;
    else record.error = error;
    this.save();
  }

  private save(): void {
    this.data.updatedAt = now();
    if (!this.persist) return;
    ensurePrivateDir(this.dir);
    writeAtomically(this.file, `${JSON.stringify(this.data, null, 2)}\n`);
  }
}

/**
 * Moves a rolled-back journal and its backups to `history/<started>-rolled-back/` (idempotent: a
 * move interrupted half-way is completed). Backup paths in the moved journal are rewritten.
 * @returns The history directory.
 */
export function archiveJournal(dir: string): string {
  const file = join(dir, "journal.json");
  const data = JSON.parse(readFileSync(file, "utf8")) as JournalData;
  const into = join(dir, "history", `${data.createdAt.replace(/[:.]/g, "-")}-rolled-back`);
  mkdirSync(into, { recursive: true, mode: 0o700 });
  const backups = join(dir, "backups");
  if (existsSync(backups)) renameSync(backups, join(into, "backups"));
  for (const [name, path] of Object.entries(data.backups))
    if (path.startsWith(`${backups}/`)) data.backups[name] = join(into, "backups", name);
  writeAtomically(join(into, "journal.json"), `${JSON.stringify(data, null, 2)}\n`);
  unlinkSync(file);
  return into;
}

/** The journal of the latest rolled-back migration in `dir`'s history, if any. */
export function lastRolledBack(dir: string): { dir: string; data: JournalData } | undefined {
  const history = join(dir, "history");
  if (!existsSync(history)) return undefined;
  const latest = readdirSync(history)
    .filter((name) => name.endsWith("-rolled-back"))
    .sort()
    .at(-1);
  if (!latest) return undefined;
  const file = join(history, latest, "journal.json");
  if (!existsSync(file)) return undefined;
  return { dir: join(history, latest), data: JSON.parse(readFileSync(file, "utf8")) };
}

/**
 * The state dir holds config backups and evidence that may be secret (a meta's config.ini can be
 * 0600): it is 0700 whoever created it, unless it is not ours to change (then its files, 0600,
 * still are).
 */
function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if ((statSync(dir).mode & 0o077) === 0) return;
  try {
    chmodSync(dir, 0o700);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") throw error;
  }
}

/**
 * Writes a file so that readers see the old or the new content, never a torn one. The file is
 * readable by its owner only (0600), as are the directories created for it (0700).
 */
export function writeAtomically(path: string, content: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.tmp-${process.pid}`;
  const fd = openSync(temp, "w", 0o600);
  try {
    writeSync(fd, typeof content === "string" ? Buffer.from(content) : content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
}
