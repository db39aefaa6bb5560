import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal } from "../../lib/journal.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "pzm-journal-"));
const copy = { cluster: "c1", method: "copy" } as const;

describe("Journal", () => {
  test("journal records steps, evidence and facts, and a reopened journal sees them", () => {
    const dir = fresh();
    const journal = Journal.open(dir, copy);
    journal.start("copy/01");
    journal.addEvidence("copy/01", {
      phase: "pre",
      title: "followers stopped",
      ok: true,
      evidence: "2 of 2 stopped",
    });
    journal.finish("copy/01");
    journal.setFact("leader", "127.0.0.1:34601");
    const again = Journal.open(dir, copy);
    expect(again.isDone("copy/01")).toBe(true);
    expect(again.step("copy/01")?.evidence[0]).toMatchObject({
      phase: "pre",
      ok: true,
      evidence: "2 of 2 stopped",
    });
    expect(again.fact<string>("leader")).toBe("127.0.0.1:34601");
  });

  test("journal.keepBackup() keeps the first backup: a resumed run cannot overwrite the original", () => {
    const journal = Journal.open(fresh(), copy);
    const path = journal.keepBackup("configs/meta0.ini", "original");
    journal.keepBackup("configs/meta0.ini", "already edited");
    expect(readFileSync(path, "utf8")).toBe("original");
  });

  test("Journal.open() refuses another cluster's state dir and an unfinished other method", () => {
    const dir = fresh();
    Journal.open(dir, copy).setFact("x", 1);
    expect(() => Journal.open(dir, { cluster: "c2", method: "copy" })).toThrow(
      "belongs to cluster c1, not c2",
    );
    expect(() => Journal.open(dir, { cluster: "c1", method: "recover" })).toThrow(
      "Cannot start method recover as a copy migration of c1 is in progress",
    );
  });

  test("a dry-run journal writes nothing and takes no lock", () => {
    const dir = fresh();
    const journal = Journal.open(dir, copy, { persist: false });
    journal.start("copy/01");
    journal.keepBackup("x", "y");
    expect(journal.lock("plan")).toBeUndefined();
    expect(existsSync(join(dir, "journal.json"))).toBe(false);
    expect(existsSync(join(dir, "backups"))).toBe(false);
  });

  test("journal.lock() refuses a second run on the same state dir until the first releases", () => {
    const dir = fresh();
    const lock = Journal.open(dir, copy).lock("run");
    expect(() => Journal.open(dir, copy).lock("run")).toThrow(
      /^Cannot start as another run holds .*run\.lock: pid \d+ on /,
    );
    lock?.release();
    Journal.open(dir, copy).lock("run")?.release();
  });

  test("the state dir is 0700 and the journal and backups 0600, even in an existing 0755 dir", () => {
    const parent = fresh();
    const created = Journal.open(join(parent, "new", "c1"), copy);
    created.keepBackup("configs/meta-task0.config.ini", "[zookeeper]\n");
    created.lock("run")?.release();
    const existing = join(parent, "existing");
    mkdirSync(existing, { mode: 0o755 });
    chmodSync(existing, 0o755);
    const journal = Journal.open(existing, copy);
    journal.setFact("leader", "x");
    const mode = (path: string) => statSync(path).mode & 0o777;
    for (const dir of [join(parent, "new"), join(parent, "new", "c1"), existing]) {
      expect({ dir, mode: mode(dir) }).toEqual({ dir, mode: 0o700 });
    }
    const backups = join(parent, "new", "c1", "backups");
    expect(mode(backups)).toBe(0o700);
    expect(mode(join(backups, "configs"))).toBe(0o700);
    expect(mode(join(backups, "configs", "meta-task0.config.ini"))).toBe(0o600);
    expect(mode(join(parent, "new", "c1", "journal.json"))).toBe(0o600);
    expect(mode(join(existing, "journal.json"))).toBe(0o600);
  });

  test("an unreadable journal is reported with its path", () => {
    const dir = fresh();
    writeFileSync(join(dir, "journal.json"), "{ torn");
    expect(() => Journal.open(dir, copy)).toThrow(
      `Cannot read journal ${join(dir, "journal.json")}`,
    );
  });
});
