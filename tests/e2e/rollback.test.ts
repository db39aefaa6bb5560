/**
 * Rollback of the copy method end to end on one shared sandbox (3 metas, 5 replicas, 20 tables):
 * each case moves the cluster part of the way (steps run one by one, or `run` killed inside a
 * step), rolls back, and leaves the cluster on the source as before — which is what the next case
 * starts from.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { expectRolledBack, metaConfigs, rollBack } from "./rolled-back.ts";
import { runTool, treeData } from "./tool.ts";

const steps = [
  "copy/01-stop-followers",
  "copy/02-set-blind",
  "copy/03-copy-tree",
  "copy/04-switch-config",
  "copy/05-restart-leader",
  "copy/06-start-followers",
];
const reverseSteps = [
  "rollback/01-freeze-target",
  "rollback/02-copy-back",
  "rollback/03-stop-target-metas",
  "rollback/04-restore-configs",
  "rollback/05-restart-on-source",
  "rollback/06-remove-target-copy",
];
const caseTimeoutMs = 300_000;

let s: Sandbox;
let configs: string[];
beforeAll(async () => {
  s = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
  configs = metaConfigs(s);
}, 120_000);
afterAll(() => s?.stop());

/** Runs steps 1…n one at a time, each as `step ID --yes`. */
async function stepsUpTo(n: number): Promise<void> {
  for (const id of steps.slice(0, n)) {
    const out = await runTool(["step", id, "-i", s.inventoryFile, "--yes"]);
    expect(out.stderr).toBe("");
    expect(out.exitCode).toBe(0);
  }
}

/** `run` SIGKILLed at the first action of `step` (the first event after its preconditions). */
async function runKilledInside(step: string): Promise<void> {
  const args = ["run", "-i", s.inventoryFile, "--method", "copy", "--yes", "--json"];
  const killed = await runTool(args, {
    killAt: (event, seen) => {
      const started = seen.findIndex(
        (e) => e.kind === "step" && e.id === step && e.state === "start",
      );
      return started >= 0 && seen.indexOf(event) > started && event.kind !== "check";
    },
  });
  expect(killed.exitCode).not.toBe(0);
}

/** A table created on the target after the switch, and the target's apps at rollback time. */
async function writeOnTarget(name: string): Promise<Map<string, string>> {
  await s.createTable(name);
  return treeData(s.target, `${s.root}/apps`);
}

/** The table exists on the source, and the source apps equal the target's at rollback time. */
async function expectCopiedBack(name: string, targetApps: Map<string, string>): Promise<void> {
  expect((await s.apps("AS_AVAILABLE")).map((a) => a.info.app_name)).toContain(name);
  expect(await treeData(s.source, `${s.root}/apps`)).toEqual(targetApps);
}

describe("rollback after each copy step completed", () => {
  for (const [index, step] of steps.entries()) {
    const n = index + 1;
    test(
      `after ${step}: every meta back on the source, configs byte-identical, healthy`,
      async () => {
        await stepsUpTo(n);
        const table = n >= 5 ? `after${n}` : undefined;
        const targetApps = table ? await writeOnTarget(table) : undefined;
        const outcomes = await rollBack(s);
        if (n >= 5) expect(Object.keys(outcomes)).toEqual(reverseSteps);
        else expect(Object.keys(outcomes)).not.toContain("rollback/02-copy-back");
        await expectRolledBack(s, configs);
        if (table && targetApps) await expectCopiedBack(table, targetApps);
      },
      caseTimeoutMs,
    );
  }
});
