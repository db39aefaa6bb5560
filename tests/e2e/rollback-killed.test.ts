/**
 * Rollback of the copy method end to end after the tool was killed inside each step, and after
 * the source ZooKeeper died during copy/01 (taking the leader with its session) — on one shared
 * sandbox that every rollback leaves back on the source.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { waitFor } from "../sandbox/wait.ts";
import { caseTimeoutMs, copySteps, isFirstActionOf, killedInside } from "./rollback-cases.ts";
import { expectRolledBack, metaConfigs, rollBack } from "./rolled-back.ts";
import { runTool } from "./tool.ts";

let s: Sandbox;
let configs: string[];
beforeAll(async () => {
  s = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
  configs = metaConfigs(s);
}, 120_000);
afterAll(() => s?.stop());

const run = () => ["run", "-i", s.inventoryFile, "--method", "copy", "--yes", "--json"];

describe("rollback after the tool was killed inside a step", () => {
  for (const step of copySteps) {
    test(
      `killed inside ${step.id}: every meta back on the source, configs byte-identical, healthy`,
      async () => {
        await killedInside(run(), step);
        await rollBack(s);
        await expectRolledBack(s, configs);
      },
      caseTimeoutMs,
    );
  }

  test(
    "the source ZooKeeper killed during copy/01: the leader dies with its session; rollback brings every meta back",
    async () => {
      const source = s.zookeepers[0];
      if (!source) throw new Error("the sandbox must own its ZooKeeper servers");
      let killed = false;
      const failed = await runTool(run(), {
        // The run goes on after the kill, and fails on its own.
        killAt: (event, seen) => {
          if (!killed && isFirstActionOf(copySteps[0] as (typeof copySteps)[0], event, seen)) {
            killed = true;
            void source.kill();
          }
          return false;
        },
      });
      expect(killed).toBe(true);
      expect(failed.exitCode).not.toBe(0);
      await waitFor(
        () => s.layout.metas.every((m) => !s.isMetaRunning(m.task)),
        60_000,
        "every meta gone with its ZooKeeper session",
      );
      await source.start();
      const again = await runTool(["run", "-i", s.inventoryFile, "--method", "copy", "--yes"]);
      expect(again.exitCode).not.toBe(0);
      expect((await runTool(["status", "-i", s.inventoryFile])).stdout).toContain(
        `\`rollback -i ${s.inventoryFile}\` returns the cluster to the source ensemble`,
      );
      await rollBack(s);
      await expectRolledBack(s, configs);
    },
    caseTimeoutMs,
  );
});
