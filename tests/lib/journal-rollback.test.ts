import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal, lastRolledBack, rollbackFact } from "../../lib/journal.ts";

const fresh = () => mkdtempSync(join(tmpdir(), "pzm-journal-"));
const copy = { cluster: "c1", method: "copy" } as const;

describe("Journal and rollback", () => {
  test("journal.finishRollback() moves journal and backups into the history; the next open starts afresh", () => {
    const dir = fresh();
    const journal = Journal.open(dir, copy);
    journal.start("copy/01");
    journal.finish("copy/01");
    const backup = journal.keepBackup("configs/meta-task0.config.ini", "original bytes");
    journal.setFact(rollbackFact, { reverse: false });
    const archived = journal.finishRollback();

    expect(existsSync(join(dir, "journal.json"))).toBe(false);
    expect(existsSync(backup)).toBe(false);
    const moved = join(archived, "backups", "configs/meta-task0.config.ini");
    expect(readFileSync(moved, "utf8")).toBe("original bytes");
    const last = lastRolledBack(dir);
    expect(last?.dir).toBe(archived);
    expect(last?.data.backups["configs/meta-task0.config.ini"]).toBe(moved);
    expect(last?.data.rolledBackAt).toBeString();

    const next = Journal.open(dir, copy);
    expect(next.step("copy/01")).toBeUndefined();
    expect(next.fact(rollbackFact)).toBeUndefined();
  });

  test("Journal.open() refuses a migration whose rollback is in progress, unless opened for the rollback", () => {
    const dir = fresh();
    Journal.open(dir, copy).setFact(rollbackFact, { reverse: true });
    expect(() => Journal.open(dir, copy)).toThrow(
      /^Cannot go on with the migration of c1 as a rollback of it is in progress/,
    );
    expect(Journal.open(dir, copy, { rollback: true }).fact(rollbackFact)).toEqual({
      reverse: true,
    });
  });
});
