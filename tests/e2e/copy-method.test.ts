/**
 * The copy method end to end on the sandbox (3 metas, 5 replicas, 20 tables), run as an operator
 * runs it: the tool in its own process, the cluster observed with a second ZooKeeper client.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { hostsListOf, runTool, treeData, treeStamps } from "./tool.ts";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

const steps = [
  "copy/01-stop-followers",
  "copy/02-set-blind",
  "copy/03-copy-tree",
  "copy/04-switch-config",
  "copy/05-restart-leader",
  "copy/06-start-followers",
  "copy/07-clean-old-zk",
];

/** The migration's end state: metas on the target, /apps as before, healthy, old root gone. */
async function expectMigrated(s: Sandbox, appsBefore: Map<string, string>) {
  for (const meta of s.layout.metas) expect(hostsListOf(meta.config)).toBe(s.target);
  expect(await treeData(s.target, `${s.root}/apps`)).toEqual(appsBefore);
  expect((await treeData(s.source, s.root)).size).toBe(0);
  const health = await runTool(["check", "-i", s.inventoryFile, "--method", "copy", "--json"]);
  const checks = Object.fromEntries(
    health.events.filter((e) => e.kind === "check").map((e) => [e.title, e.ok]),
  );
  expect(checks["Every replica server is ALIVE"]).toBe(true);
  const info = await s.shell("cluster_info -j");
  expect(JSON.parse(info.stdout.slice(info.stdout.indexOf("{"))).cluster_info.zookeeper_hosts).toBe(
    s.target,
  );
  await s.waitHealthy(30_000);
}

describe("copy method end to end", () => {
  test("a full run moves every meta to the new ensemble with /apps identical, healthy, old root gone", async () => {
    sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
    const appsBefore = await treeData(sandbox.source, `${sandbox.root}/apps`);
    expect(appsBefore.size).toBeGreaterThan(100);
    const run = await runTool([
      "run",
      "-i",
      sandbox.inventoryFile,
      "--method",
      "copy",
      "--yes",
      "--clean-old",
      "--json",
    ]);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const summary = run.events.find((e) => e.kind === "summary") as unknown as {
      outcomes: Record<string, string>;
      blindMs: number;
    };
    expect(Object.values(summary.outcomes)).toEqual(steps.map(() => "ran"));
    expect(summary.blindMs).toBeGreaterThan(0);
    await expectMigrated(sandbox, appsBefore);
  });

  test("plan changes nothing: both trees and every config are byte-identical afterwards", async () => {
    sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
    const s = sandbox;
    const before = {
      source: await treeStamps(s.source, "/"),
      target: await treeStamps(s.target, "/"),
      configs: s.layout.metas.map((m) => readFileSync(m.config, "utf8")),
    };
    const plan = await runTool(["plan", "-i", s.inventoryFile, "--method", "copy", "--clean-old"]);
    expect(plan.exitCode).toBe(0);
    expect(plan.stdout).toContain("[dry-run] local$ ");
    expect(plan.stdout).toMatch(/would copy \d+ znodes/);
    expect(plan.stdout).toContain(`+  hosts_list = ${s.target}`);
    expect(await treeStamps(s.source, "/")).toEqual(before.source);
    expect(await treeStamps(s.target, "/")).toEqual(before.target);
    expect(s.layout.metas.map((m) => readFileSync(m.config, "utf8"))).toEqual(before.configs);
    expect((await runTool(["status", "-i", s.inventoryFile])).stdout).toStartWith(
      "No migration recorded",
    );
  });
});

describe("the tool killed during each step", () => {
  for (const step of steps) {
    test(`killed during ${step}, then run again: completes, nothing lost or duplicated`, async () => {
      sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
      const s = sandbox;
      const appsBefore = await treeData(s.source, `${s.root}/apps`);
      const args = [
        "run",
        "-i",
        s.inventoryFile,
        "--method",
        "copy",
        "--yes",
        "--clean-old",
        "--json",
      ];
      // Kill at the step's first action: the first event after its preconditions were checked.
      const killed = await runTool(args, {
        killAt: (event, seen) => {
          const started = seen.findIndex(
            (e) => e.kind === "step" && e.id === step && e.state === "start",
          );
          return started >= 0 && seen.indexOf(event) > started && event.kind !== "check";
        },
      });
      expect(killed.exitCode).not.toBe(0);
      const again = await runTool(args);
      expect(again.stderr).toBe("");
      expect(again.exitCode).toBe(0);
      await expectMigrated(s, appsBefore);
    });
  }
});
