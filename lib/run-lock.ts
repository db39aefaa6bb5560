/**
 * The state dir's run lock: one `run`/`step` at a time per state dir. The lock is the kernel's
 * `flock` on `run.lock`, so it is released when its holder dies in any way (even SIGKILL) and a
 * dead holder's lock is taken over atomically: two processes can never both hold it, which a
 * check-then-unlink takeover cannot promise. The file's content (pid, host, start, command) is
 * only there to name the holder in the refusal.
 */
import { dlopen, FFIType } from "bun:ffi";
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { ActionFailed, PreconditionFailed } from "./errors.ts";

/** Who holds a lock, as written in the lock file. */
interface Holder {
  pid: number;
  host: string;
  startedAt: string;
  command: string;
}

/** An exclusive run lock, held until {@link RunLock.release} or the process's end. */
export class RunLock {
  private released = false;
  private readonly onExit = () => this.release();

  private constructor(
    readonly file: string,
    private readonly fd: number,
  ) {
    process.on("exit", this.onExit);
  }

  /**
   * Takes the lock at `file` (directories created 0700, the file 0600).
   * @throws {PreconditionFailed} If a live process holds it (nothing was changed).
   * @example const lock = RunLock.acquire(join(stateDir, "run.lock"), "run"); … lock.release();
   */
  static acquire(file: string, command: string): RunLock {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    for (;;) {
      const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
      if (!tryLock(fd)) {
        closeSync(fd);
        throw heldBy(file, readHolder(file));
      }
      // A holder releasing at this moment unlinks the file we opened: our lock would then be on a
      // file nobody else can see, so take it again on the file that is there now.
      if (sameFile(fd, file)) {
        const owner: Holder = {
          pid: process.pid,
          host: hostname(),
          startedAt: new Date().toISOString(),
          command,
        };
        ftruncateSync(fd, 0);
        writeSync(fd, JSON.stringify(owner), 0);
        fsyncSync(fd);
        return new RunLock(file, fd);
      }
      closeSync(fd);
    }
  }

  /** Removes the lock file and releases the lock (idempotent). */
  release(): void {
    if (this.released) return;
    this.released = true;
    process.off("exit", this.onExit);
    try {
      unlinkSync(this.file); // while still locked, so nobody can lock the file being removed
    } catch {
      // already gone: nothing to remove
    }
    closeSync(this.fd);
  }
}

function heldBy(file: string, holder: Holder | undefined): PreconditionFailed {
  return new PreconditionFailed(
    `Cannot start as another run holds ${file}: pid ${holder?.pid ?? "?"} on ${holder?.host ?? "?"} since ${holder?.startedAt ?? "?"} (${holder?.command ?? "?"})`,
    {
      hint: "Wait for that run to finish, or stop it; the lock is released when its process ends, however it ends.",
    },
  );
}

function readHolder(file: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

function sameFile(fd: number, file: string): boolean {
  try {
    return statSync(file).ino === fstatSync(fd).ino;
  } catch {
    return false; // unlinked meanwhile
  }
}

const LOCK_EX = 2;
const LOCK_NB = 4;
let flock: ((fd: number, operation: number) => number) | undefined;

/**
 * `flock(fd, LOCK_EX | LOCK_NB)`: true when taken, false when another open file holds it (the
 * only failure a valid fd of a regular local file can see with LOCK_NB).
 */
function tryLock(fd: number): boolean {
  flock ??= loadFlock();
  return flock(fd, LOCK_EX | LOCK_NB) === 0;
}

function loadFlock(): (fd: number, operation: number) => number {
  // Bun has no flock in node:fs; libc's is one call away (it works in the compiled binary too).
  const symbols = { flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 } } as const;
  let lastError: unknown;
  for (const name of ["libc.so.6", "libc.so"]) {
    try {
      const libc = dlopen(name, symbols).symbols;
      return (fd, operation) => libc.flock(fd, operation);
    } catch (error) {
      lastError = error;
    }
  }
  throw new ActionFailed("Cannot take the run lock: libc's flock() is not available", {
    cause: lastError,
  });
}
