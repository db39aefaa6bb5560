/**
 * The copy method end to end on the sandbox (3 metas, 5 replicas, 20 tables), run as an operator
 * runs it: the tool in its own process, the cluster observed with a second ZooKeeper client.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { $ } from "zx";
import { openAcl } from "../../lib/zk/index.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { expectMigrated } from "./migrated.ts";
import { runTool, treeData, treeStamps, withSession } from "./tool.ts";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

/** A whole run (and a sandbox) takes minutes on a loaded 2-core machine: a deadline, not a target. */
const wholeRunMs = 300_000;

const steps = [
  "copy/01-stop-followers",
  "copy/02-pre-copy",
  "copy/03-set-blind",
  "copy/04-copy-tree",
  "copy/05-switch-config",
  "copy/06-restart-leader",
  "copy/07-start-followers",
  "copy/08-clean-old-zk",
];

/** `run` of the whole copy method with clean-up, unattended, NDJSON out. */
const fullRun = (s: Sandbox) => [
  "run",
  "-i",
  s.inventoryFile,
  "--method",
  "copy",
  "--yes",
  "--clean-old",
  "--json",
];

describe("copy method end to end", () => {
  test(
    "a full run moves every meta to the new ensemble with /apps identical, healthy, old root gone",
    async () => {
      sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
      const appsBefore = await treeData(sandbox.source, `${sandbox.root}/apps`);
      expect(appsBefore.size).toBeGreaterThan(100);
      const run = await runTool(fullRun(sandbox));
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      const summary = run.events.find((e) => e.kind === "summary") as unknown as {
        outcomes: Record<string, string>;
        blindMs: number;
      };
      expect(Object.values(summary.outcomes)).toEqual(steps.map(() => "ran"));
      expect(summary.blindMs).toBeGreaterThan(0);
      await expectMigrated(sandbox, appsBefore);
    },
    wholeRunMs,
  );

  test(
    "plan changes nothing: both trees and every config are byte-identical afterwards",
    async () => {
      sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
      const s = sandbox;
      const before = {
        source: await treeStamps(s.source, "/"),
        target: await treeStamps(s.target, "/"),
        configs: s.layout.metas.map((m) => readFileSync(m.config, "utf8")),
      };
      const plan = await runTool([
        "plan",
        "-i",
        s.inventoryFile,
        "--method",
        "copy",
        "--clean-old",
      ]);
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
    },
    wholeRunMs,
  );
});

describe("the tool killed during each step", () => {
  for (const step of steps) {
    test(
      `killed during ${step}, then run again: completes, nothing lost or duplicated`,
      async () => {
        sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
        const s = sandbox;
        const appsBefore = await treeData(s.source, `${s.root}/apps`);
        const args = fullRun(s);
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
      },
      wholeRunMs,
    );
  }
});

describe("check", () => {
  test(
    "check exits 3 naming the cause: target root exists, a replica dead, hosts_list missing, shell unreachable",
    async () => {
      sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
      const s = sandbox;
      const check = async (inventory = s.inventoryFile) => {
        const run = await runTool(["check", "-i", inventory, "--method", "copy", "--json"]);
        const failed = run.events
          .filter((e) => e.kind === "check" && e.ok === false)
          .map((e) => `${e.title}: ${e.evidence}`);
        return { exitCode: run.exitCode, failed };
      };
      expect(await check()).toEqual({ exitCode: 0, failed: [] });

      await runTool(["zk", "restore", await snapshotOf(s), `${s.target}${s.root}`]);
      const occupied = await check();
      expect(occupied.exitCode).toBe(3);
      expect(occupied.failed).toEqual([
        expect.stringMatching(
          /^The target ensemble has nothing under the cluster root: \d+ znodes already under \/pegasus\/sandbox on /,
        ),
      ]);
      await runTool(["zk", "rmr", `${s.target}${s.root}`]);

      await s.killReplica(2);
      const dead = s.layout.replicas[2]?.address as string;
      const replicaDown = await waitForCheck(check, (r) =>
        r.failed.some((f) => f.includes(`UNALIVE: ${dead}`)),
      );
      expect(replicaDown.exitCode).toBe(3);
      expect(replicaDown.failed).toEqual([
        `Every replica server is ALIVE: 4 of 5 ALIVE; UNALIVE: ${dead}`,
      ]);
      await s.startReplica(2);
      await s.waitHealthy(60_000);

      const config = s.layout.metas[1]?.config as string;
      const original = readFileSync(config, "utf8");
      writeFileSync(config, original.replace(/^\s*hosts_list\s*=.*\n/m, ""));
      const noKey = await check();
      expect(noKey.exitCode).toBe(3);
      expect(noKey.failed).toEqual([
        `Every meta config's [zookeeper] hosts_list is the source ensemble: Cannot use meta config ${config} as [zookeeper] hosts_list must occur exactly once: it is missing`,
      ]);
      writeFileSync(config, original);

      const broken = join(s.dir, "broken-shell.yaml");
      writeFileSync(
        broken,
        readFileSync(s.inventoryFile, "utf8").replace(
          `- ${join(s.dir, "run.sh")}`,
          "- /nonexistent/run.sh",
        ),
      );
      const noShell = await check(broken);
      expect(noShell.exitCode).toBe(3);
      expect(noShell.failed.map((f) => f.split(":")[0])).toEqual([
        "The shell answers for cluster root and the source ensemble",
        "Every replica server is ALIVE",
      ]);
      expect(noShell.failed[0]).toContain("/nonexistent/run.sh");
    },
    wholeRunMs,
  );
});

/** A snapshot of the sandbox's source root, taken with the tool itself. */
async function snapshotOf(s: Sandbox): Promise<string> {
  const file = join(s.dir, `source-${Date.now()}.zksnap`);
  const out = await runTool(["zk", "snapshot", `${s.source}${s.root}`, "-o", file]);
  expect(out.exitCode).toBe(0);
  return file;
}

/** Polls `check` until `done` holds (the meta notices a dead replica only after its FD grace). */
async function waitForCheck<T>(check: () => Promise<T>, done: (result: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const result = await check();
    if (done(result) || i > 60) return result;
    await Bun.sleep(500);
  }
}

describe("one step at a time", () => {
  test(
    "step and step scripts run alone, status shows the journal, a concurrent run is refused",
    async () => {
      sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 20 });
      const s = sandbox;
      const appsBefore = await treeData(s.source, `${s.root}/apps`);
      const first = await runTool([
        "step",
        "copy/01-stop-followers",
        "-i",
        s.inventoryFile,
        "--yes",
      ]);
      expect(first.exitCode).toBe(0);
      const script = await $({
        nothrow: true,
        quiet: true,
      })`${process.execPath} ${join(import.meta.dir, "../../scripts/copy/03-set-blind.ts")} -i ${s.inventoryFile}`;
      expect(script.stderr).toBe("");
      expect(script.exitCode).toBe(0);
      const status = (await runTool(["status", "-i", s.inventoryFile])).stdout;
      expect(status).toMatch(/copy\/01-stop-followers +done in /);
      expect(status).toMatch(/copy\/02-pre-copy +not started/);
      expect(status).toMatch(/copy\/03-set-blind +done in /);
      expect(status).toMatch(/copy\/04-copy-tree +not started/);

      // Someone else writes under the root on the new ensemble: the copy must refuse, first attempt or not.
      await withSession(s.target, async (zk) => {
        for (const path of ["/pegasus", s.root])
          await zk.create({ path, data: new Uint8Array(), acl: openAcl, flags: 0 });
      });
      const refused = await runTool(["step", "copy/04-copy-tree", "-i", s.inventoryFile]);
      expect(refused.exitCode).toBe(3);
      expect(refused.stderr).toContain(
        `The target ensemble has nothing under the cluster root: 1 znodes already under ${s.root} on ${s.target}`,
      );
      await runTool(["zk", "rmr", `${s.target}/pegasus`]);

      const args = fullRun(s);
      const running = $({
        nothrow: true,
        quiet: true,
      })`${process.execPath} ${join(import.meta.dir, "../../scripts/main.ts")} ${args}`;
      // Keep reading its output to the end (leaving the loop would close the pipe under it).
      const { promise: stepStarted, resolve } = Promise.withResolvers<void>();
      const drained = (async () => {
        for await (const line of running) if (line.includes('"kind":"step"')) resolve();
      })();
      await stepStarted;
      const second = await runTool(args);
      expect(second.exitCode).toBe(3);
      // --json: the refusal is the result event, the last line on stdout.
      expect((second.events.at(-1)?.error as { message: string } | undefined)?.message).toMatch(
        /^Cannot start as another run holds .*run\.lock: pid \d+ /,
      );
      await drained;
      expect((await running).exitCode).toBe(0);
      await expectMigrated(s, appsBefore);
    },
    wholeRunMs,
  );
});
