import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal } from "../../lib/journal.ts";
import { copyRollbackFacts } from "../../scripts/copy/rollback-facts.ts";
import { recoverRollbackFacts } from "../../scripts/recover/rollback-facts.ts";
import { recoverFacts } from "../../scripts/runbook/recover-facts.ts";
import { effectsIn } from "../../scripts/runbook/rollback-facts.ts";
import { copyWroteTarget } from "../../scripts/runbook/tree-checks.ts";

const journalWith = (started: string[], facts: Record<string, unknown> = {}) => {
  const journal = Journal.open(mkdtempSync(join(tmpdir(), "pzm-facts-")), {
    cluster: "c1",
    method: "copy",
  });
  for (const id of started) journal.start(id);
  for (const [key, value] of Object.entries(facts)) journal.setFact(key, value);
  return journal;
};

describe("effectsIn", () => {
  test("effectsIn() of a journal with no step started is empty", () => {
    expect(effectsIn(journalWith([]), copyRollbackFacts).size).toBe(0);
  });

  test("effectsIn() counts a step once it started, even killed half-way", () => {
    const effects = effectsIn(
      journalWith(["copy/01-stop-followers", "copy/03-set-blind"]),
      copyRollbackFacts,
    );
    expect(Object.fromEntries(effects)).toEqual({
      "metas-stopped": ["copy/01-stop-followers"],
      "leader-blind": ["copy/03-set-blind"],
    });
  });

  test("effectsIn() undoes the copy on the target only when copy/02 or copy/04 recorded that it wrote there", () => {
    const refused = journalWith([
      "copy/01-stop-followers",
      "copy/02-pre-copy",
      "copy/03-set-blind",
      "copy/04-copy-tree",
    ]);
    expect(effectsIn(refused, copyRollbackFacts).has("target-written")).toBe(false);
    const preCopied = journalWith(["copy/02-pre-copy"], { [copyWroteTarget]: true });
    expect(effectsIn(preCopied, copyRollbackFacts).get("target-written")).toEqual([
      "copy/02-pre-copy",
    ]);
    const wrote = journalWith(["copy/04-copy-tree"], { [copyWroteTarget]: true });
    expect(effectsIn(wrote, copyRollbackFacts).get("target-written")).toEqual([
      "copy/04-copy-tree",
    ]);
  });

  test("effectsIn() asks for a reverse migration from copy/06 on, and knows --clean-old removed the old root", () => {
    const effects = effectsIn(
      journalWith(["copy/06-restart-leader", "copy/07-start-followers", "copy/08-clean-old-zk"]),
      copyRollbackFacts,
    );
    expect(effects.get("leader-on-target")).toEqual([
      "copy/06-restart-leader",
      "copy/07-start-followers",
      "copy/08-clean-old-zk",
    ]);
    expect(effects.get("source-root-removed")).toEqual(["copy/08-clean-old-zk"]);
  });

  test("effectsIn() of a recover journal before recover succeeded: no copy back, the recovery meta stopped, its writes removed only once journaled", () => {
    const steps = [
      "recover/01-identify-and-back-up",
      "recover/02-stop-metas",
      "recover/03-wait-lease",
      "recover/04-edit-recovery-config",
      "recover/05-start-recovery-meta",
      "recover/06-recover",
    ];
    const refused = effectsIn(journalWith(steps), recoverRollbackFacts);
    expect(Object.fromEntries(refused)).toEqual({
      "metas-stopped": ["recover/02-stop-metas"],
      "configs-edited": ["recover/04-edit-recovery-config"],
      "metas-on-target": ["recover/05-start-recovery-meta"],
    });
    const started = journalWith(steps, { [recoverFacts.recoveryMetaStartedAt]: "t" });
    expect(effectsIn(started, recoverRollbackFacts).get("target-written")).toEqual([
      "recover/05-start-recovery-meta",
    ]);
    expect(effectsIn(started, recoverRollbackFacts).has("leader-on-target")).toBe(false);
  });

  test("effectsIn() of a recover journal asks for a reverse migration once recover succeeded", () => {
    const effects = effectsIn(
      journalWith(["recover/06-recover", "recover/07-settle"], {
        [recoverFacts.recoveredAt]: "t",
      }),
      recoverRollbackFacts,
    );
    expect(effects.get("leader-on-target")).toEqual(["recover/06-recover", "recover/07-settle"]);
  });
});
