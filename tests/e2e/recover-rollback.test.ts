/**
 * Rollback of the recover method end to end on one shared sandbox (Pegasus 2.6: 3 metas, 5
 * replicas, 20 tables): before `recover`, going back restores the configs and starts the metas on
 * the source (stopping the meta waiting in recovery mode and removing what it wrote on the
 * target); after a full recovery — journaled, or only visible on the cluster because the run died
 * before journaling recover's ERR_OK — it is a reverse migration of the recovered tree. Each case
 * leaves the cluster on the source as before, which is what the next case starts from.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { recoverSteps } from "../../scripts/recover/index.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import {
  caseTimeoutMs,
  createTableOnTarget,
  expectCopiedBack,
  reverseRollbackSteps,
} from "./rollback-cases.ts";
import { expectRolledBack, metaConfigs, rollBack } from "./rolled-back.ts";
import { runTool, treeData } from "./tool.ts";

let s: Sandbox;
let configs: string[];
beforeAll(async () => {
  s = await startSandbox({ version: "2.6" });
  configs = metaConfigs(s);
}, 120_000);
afterAll(() => s?.stop());

/** Runs the recover steps one at a time, each as `step ID --yes`, through `last`. */
async function recoverStepsUpTo(last: string): Promise<void> {
  const upTo = recoverSteps.slice(0, recoverSteps.findIndex((step) => step.id === last) + 1);
  expect(upTo.at(-1)?.id).toBe(last);
  for (const { id } of upTo) {
    const out = await runTool(["step", id, "-i", s.inventoryFile, "--yes"]);
    expect(out.stderr).toBe("");
    expect(out.exitCode).toBe(0);
  }
}

describe("rollback of the recover method", () => {
  test(
    "stopped after recover/04 edited the config: configs restored byte-identical, every meta on the source, healthy",
    async () => {
      await recoverStepsUpTo("recover/04-edit-recovery-config");
      expect(metaConfigs(s)).not.toEqual(configs);
      expect(s.layout.metas.map((m) => s.isMetaRunning(m.task))).toEqual([false, false, false]);
      expect(Object.keys(await rollBack(s))).toEqual([
        "rollback/04-restore-configs",
        "rollback/05-restart-on-source",
      ]);
      await expectRolledBack(s, configs);
    },
    caseTimeoutMs,
  );

  test(
    "stopped with the meta waiting in recovery mode (recover/05): it is stopped, the target copy removed, nothing copied back",
    async () => {
      await recoverStepsUpTo("recover/05-start-recovery-meta");
      expect((await treeData(s.target, s.root)).size).toBeGreaterThan(0);
      expect(Object.keys(await rollBack(s))).toEqual([
        "rollback/03-stop-target-metas",
        "rollback/04-restore-configs",
        "rollback/05-restart-on-source",
        "rollback/06-remove-target-copy",
      ]);
      await expectRolledBack(s, configs);
    },
    caseTimeoutMs,
  );

  test(
    "recover answered ERR_OK but the run died before journaling it: rollback sees the meta serving on the target and copies the recovered tree back",
    async () => {
      await recoverStepsUpTo("recover/05-start-recovery-meta");
      // What a run killed right after `recover` returned leaves: success, with nothing journaled.
      const nodes = s.layout.replicas.map((r) => r.address).join(",");
      const recover = await s.shell(`recover -s ${nodes} -w 60\n`);
      expect(recover.stdout).toContain("Recover result: ERR_OK");
      await s.waitHealthy();
      const targetApps = await createTableOnTarget(s, "unjournaled");
      const plan = await runTool(["plan", "--rollback", "-i", s.inventoryFile]);
      expect(plan.exitCode).toBe(0);
      expect(plan.stdout).toContain("reverse migration: yes");
      expect(plan.stdout).toContain("its ERR_OK was not journaled");
      expect(Object.keys(await rollBack(s))).toEqual(reverseRollbackSteps);
      await expectRolledBack(s, configs);
      await expectCopiedBack(s, "unjournaled", targetApps);
    },
    caseTimeoutMs,
  );

  test(
    "after a full recovery: a reverse migration brings every meta back on the source with the target's apps",
    async () => {
      const run = await runTool(["run", "-i", s.inventoryFile, "--method", "recover", "--yes"]);
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      const targetApps = await createTableOnTarget(s, "afterrecover");
      const plan = await runTool(["plan", "--rollback", "-i", s.inventoryFile]);
      expect(plan.exitCode).toBe(0);
      expect(plan.stdout).toContain("reverse migration: yes");
      expect(Object.keys(await rollBack(s))).toEqual(reverseRollbackSteps);
      await expectRolledBack(s, configs);
      await expectCopiedBack(s, "afterrecover", targetApps);
    },
    caseTimeoutMs,
  );
});
