/**
 * Rollback of the copy method end to end on one shared sandbox (3 metas, 5 replicas, 20 tables),
 * after each step completed: each case moves the cluster part of the way, rolls back, and leaves
 * it on the source as before — which is what the next case starts from.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { copyBack } from "../../scripts/runbook/rollback-reverse.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import {
  caseTimeoutMs,
  copySteps,
  createTableOnTarget,
  expectCopiedBack,
  killedInside,
  reverseRollbackSteps,
  stepsUpTo,
} from "./rollback-cases.ts";
import { expectRolledBack, metaConfigs, rollBack } from "./rolled-back.ts";
import { runTool, treeStamps } from "./tool.ts";

let s: Sandbox;
let configs: string[];
beforeAll(async () => {
  s = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
  configs = metaConfigs(s);
}, 120_000);
afterAll(() => s?.stop());

describe("rollback after a copy step completed", () => {
  test("with no migration recorded, rollback exits 3 and says so", async () => {
    const out = await runTool(["rollback", "-i", s.inventoryFile, "--yes"]);
    expect(out.exitCode).toBe(3);
    expect(out.stderr).toStartWith(
      `error: Cannot roll back cluster sandbox as no migration of it is recorded in ${s.dir}/state\n`,
    );
  });

  for (const [index, step] of copySteps.slice(0, 5).entries()) {
    test(
      `after ${step.id}: every meta back on the source, configs byte-identical, healthy`,
      async () => {
        await stepsUpTo(s, index + 1);
        const outcomes = await rollBack(s);
        expect(Object.keys(outcomes)).not.toContain("rollback/02-copy-back");
        await expectRolledBack(s, configs);
      },
      caseTimeoutMs,
    );
  }

  test(
    "after copy/06: plan --rollback changes nothing; a hand-edited config is refused with its diff (exit 3, nothing changed); restored, the reverse migration brings back a table created on the target",
    async () => {
      await stepsUpTo(s, 6);
      const targetApps = await createTableOnTarget(s, "after06");
      const untouched = async () => ({
        source: await treeStamps(s.source, "/"),
        target: await treeStamps(s.target, "/"),
        configs: metaConfigs(s),
        journal: readFileSync(`${s.dir}/state/journal.json`, "utf8"),
      });
      const before = await untouched();

      const plan = await runTool(["plan", "--rollback", "-i", s.inventoryFile]);
      expect(plan.stderr).toBe("");
      expect(plan.exitCode).toBe(0);
      expect(plan.stdout).toContain("reverse migration: yes");
      expect(plan.stdout).toMatch(/would copy back \d+ znodes/);
      expect(plan.stdout).toContain(`+  hosts_list = ${s.source}`);
      expect(await untouched()).toEqual(before);

      const config = s.layout.metas[1]?.config as string;
      const written = readFileSync(config, "utf8");
      writeFileSync(
        config,
        written.replace("[zookeeper]\n", "[zookeeper]\n  timeout_ms = 30000\n"),
      );
      const edited = await untouched();
      const refused = await runTool(["rollback", "-i", s.inventoryFile, "--yes"]);
      expect(refused.exitCode).toBe(3);
      expect(refused.stderr).toContain(
        `error: Cannot roll back as a config was changed since the tool wrote it; nothing was changed:\n${config}: --- ${config} (as the tool wrote it)\n+++ ${config} (now)\n`,
      );
      expect(refused.stderr).toContain("\n+  timeout_ms = 30000\n");
      expect(await untouched()).toEqual(edited);

      writeFileSync(config, written);
      expect(Object.keys(await rollBack(s))).toEqual(reverseRollbackSteps);
      await expectRolledBack(s, configs);
      await expectCopiedBack(s, "after06", targetApps);
    },
    caseTimeoutMs,
  );

  test(
    "after copy/07, rollback killed half-way: status names it, run is refused, rollback again completes",
    async () => {
      await stepsUpTo(s, 7);
      const targetApps = await createTableOnTarget(s, "after07");
      const args = ["rollback", "-i", s.inventoryFile, "--yes", "--json"];
      await killedInside(args, copyBack);
      const status = await runTool(["status", "-i", s.inventoryFile]);
      expect(status.stdout).toContain("a rollback is in progress: `rollback -i");
      const run = await runTool(["run", "-i", s.inventoryFile, "--method", "copy", "--yes"]);
      expect(run.exitCode).toBe(3);
      expect(run.stderr).toContain("as a rollback of it is in progress");
      const outcomes = await rollBack(s);
      expect(outcomes["rollback/01-freeze-target"]).toBe("verified");
      expect(outcomes["rollback/02-copy-back"]).toBe("ran");
      await expectRolledBack(s, configs);
      await expectCopiedBack(s, "after07", targetApps);
    },
    caseTimeoutMs,
  );

  test(
    "after run --clean-old removed the old root: copied back into the empty path, with a table dropped and one created on the target",
    async () => {
      const run = await runTool([
        "run",
        "-i",
        s.inventoryFile,
        "--method",
        "copy",
        "--yes",
        "--clean-old",
      ]);
      expect(run.exitCode).toBe(0);
      await s.dropTable("table20");
      const targetApps = await createTableOnTarget(s, "afterclean");
      expect(Object.keys(await rollBack(s))).toEqual(reverseRollbackSteps);
      await expectRolledBack(s, configs);
      await expectCopiedBack(s, "afterclean", targetApps);
      expect((await s.apps("AS_AVAILABLE")).map((a) => a.info.app_name)).not.toContain("table20");
    },
    caseTimeoutMs,
  );
});
