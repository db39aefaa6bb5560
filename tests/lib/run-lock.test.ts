import { describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { RunLock } from "../../lib/run-lock.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "pzm-lock-"));

/** A lock file as a run killed with SIGKILL leaves it: a dead pid of this host. */
function staleLock(file: string): void {
  const dead = Bun.spawnSync(["sh", "-c", "echo $$"]).stdout.toString().trim();
  writeFileSync(
    file,
    JSON.stringify({ pid: Number(dead), host: hostname(), startedAt: "", command: "run" }),
  );
}

describe("RunLock", () => {
  test("RunLock.acquire() refuses a second holder, naming the first, until it is released", () => {
    const dir = fresh();
    try {
      const file = join(dir, "run.lock");
      const first = RunLock.acquire(file, "run");
      expect(() => RunLock.acquire(file, "step copy/04-copy-tree")).toThrow(
        new RegExp(`^Cannot start as another run holds .*run\\.lock: pid ${process.pid} on `),
      );
      first.release();
      expect(existsSync(file)).toBe(false);
      const second = RunLock.acquire(file, "run");
      expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({ pid: process.pid });
      second.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("RunLock.acquire() takes over a dead run's lock", () => {
    const dir = fresh();
    try {
      const file = join(dir, "run.lock");
      staleLock(file);
      const lock = RunLock.acquire(file, "run");
      expect(JSON.parse(readFileSync(file, "utf8"))).toMatchObject({
        pid: process.pid,
        command: "run",
      });
      lock.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a stale lock raced by 4 processes has exactly one holder, in each of 40 trials", async () => {
    const dir = fresh();
    try {
      const [trials, contenders] = [40, 4];
      for (let trial = 0; trial < trials; trial++) {
        mkdirSync(join(dir, String(trial)));
        staleLock(join(dir, String(trial), "run.lock"));
      }
      const script = join(import.meta.dir, "run-lock/contender.ts");
      const children = Array.from({ length: contenders }, () =>
        Bun.spawn([process.execPath, script, dir, String(trials), String(contenders)], {
          stderr: "pipe",
        }),
      );
      const exits = await Promise.all(children.map((child) => child.exited));
      const errors = await Promise.all(children.map((child) => new Response(child.stderr).text()));
      expect(errors.join("")).toBe("");
      expect(exits).toEqual(Array(contenders).fill(0));
      const holders = Array.from(
        { length: trials },
        (_, trial) =>
          readdirSync(join(dir, String(trial))).filter((f) => f.startsWith("holder-")).length,
      );
      expect(holders).toEqual(Array(trials).fill(1));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
