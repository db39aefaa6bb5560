/**
 * The recover method (upstream method 1) end to end on the sandbox (3 metas, 5 replicas, 20
 * tables): the tool in its own process as an operator runs it, the cluster observed from outside.
 * One sandbox per Pegasus version, shared by cases that leave the cluster as they found it.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { openAcl } from "../../lib/zk/index.ts";
import { recoverSteps } from "../../scripts/recover/index.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { captureBeforeRecovery, expectRecovered, failureOf, summaryOf } from "./recovered.ts";
import { runTool, treeData, treeStamps, withSession } from "./tool.ts";

/** A deadline, not an expected duration: every tool run is several processes, and CI's 2 cores are busy. */
const deadlineMs = 900_000;

const sandboxes: Sandbox[] = [];
afterAll(async () => {
  await Promise.all(sandboxes.map((s) => s.stop()));
});

const fullRun = (s: Sandbox, ...more: string[]) => [
  "run",
  "-i",
  s.inventoryFile,
  "--method",
  "recover",
  "--yes",
  "--json",
  ...more,
];

/** Envs on two tables: recovery loses them (reference §8.7), step 10 puts them back. */
async function setEnvs(s: Sandbox) {
  await s.rpc("app_envs", {
    app_name: "table01",
    set: { "replica.deny_client_request": "reject*write" },
  });
  await s.rpc("app_envs", {
    app_name: "table02",
    set: { default_ttl: "86400", "business.info": 'a b "c"' },
  });
}

describe("recover method, Pegasus 2.6 in host-name mode (processes named localhost:port, configs keep 127.0.0.1)", () => {
  test(
    "plan changes nothing; a full run rebuilds the cluster on the target with tables and envs as before",
    async () => {
      const s = await startSandbox({ version: "2.6", hostNames: true });
      sandboxes.push(s);
      await setEnvs(s);
      const stamps = {
        source: await treeStamps(s.source, "/"),
        target: await treeStamps(s.target, "/"),
      };
      const before = await captureBeforeRecovery(s);

      const plan = await runTool(["plan", "-i", s.inventoryFile, "--method", "recover"]);
      expect(plan.exitCode).toBe(0);
      expect(plan.stdout).toContain("+  recover_from_replica_server = true");
      expect(plan.stdout).toMatch(
        /would wait until \d+\.\d s have passed since the last meta stopped/,
      );
      expect(plan.stdout).toContain("Pegasus shell on local ← recover -s ");
      expect(await treeStamps(s.source, "/")).toEqual(stamps.source);
      expect(await treeStamps(s.target, "/")).toEqual(stamps.target);
      expect(s.layout.metas.map((m) => readFileSync(m.config, "utf8"))).toEqual(before.configs);

      const run = await runTool(fullRun(s));
      expect(run.stderr).toBe("");
      expect(run.exitCode).toBe(0);
      const summary = summaryOf(run);
      expect(Object.values(summary.outcomes)).toEqual(recoverSteps.map(() => "ran"));
      expect(summary.recover.unavailableMs).toBeGreaterThan(summary.recover.leaseWaitMs);
      expect(summary.recover.tableDiffLines).toEqual([]);
      expect(summary.recover.envsReapplied).toEqual({
        table01: ["replica.deny_client_request"],
        table02: ["business.info", "default_ttl"],
      });
      await expectRecovered(s, before);
    },
    deadlineMs,
  );
});

describe("recover method, Pegasus 2.5", () => {
  test(
    "check exits 3 naming each cause; a failing recover is undone; killed during each step, run again completes",
    async () => {
      const s = await startSandbox({ version: "2.5" });
      sandboxes.push(s);
      await setEnvs(s);
      const before = await captureBeforeRecovery(s);

      // check: ready, then three causes at once, each named.
      const check = (json = true) =>
        runTool([
          "check",
          "-i",
          s.inventoryFile,
          "--method",
          "recover",
          ...(json ? ["--json"] : []),
        ]);
      const failedChecks = (run: Awaited<ReturnType<typeof check>>) =>
        run.events.filter((e) => e.kind === "check" && e.ok === false);
      expect(failedChecks(await check())).toEqual([]);
      const config = s.layout.metas[1]?.config as string;
      writeFileSync(
        config,
        before.configs[1]?.replace("[zookeeper]", "[zookeeper_moved]") as string,
      );
      await withSession(s.target, async (zk) => {
        const parts = `${s.root}/apps/1`.split("/").slice(1);
        for (const [i, data] of ["", "", "unlock", "{}"].entries())
          await zk.create({
            path: `/${parts.slice(0, i + 1).join("/")}`,
            data: Buffer.from(data),
            acl: openAcl,
            flags: 0,
          });
      });
      await s.killReplica(4);
      let failed: { title: string; evidence: string }[] = [];
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        const run = await check();
        expect(run.exitCode).toBe(3);
        failed = run.events.filter((e) => e.kind === "check" && e.ok === false) as never;
        if (failed.some((c) => c.title === "Every replica server is ALIVE")) break;
      }
      const evidence = Object.fromEntries(failed.map((c) => [c.title, c.evidence]));
      expect(
        evidence[
          "The target has no tables under the cluster root (apps absent, or empty and unlocked)"
        ],
      ).toBe(`${s.root}/apps holds "unlock" and 1 children (1)`);
      expect(evidence["Every replica server is ALIVE"]).toContain(
        `UNALIVE: ${s.layout.replicas[4]?.address}`,
      );
      expect(evidence["Every meta config has a [zookeeper] section with hosts_list"]).toBe(
        `${config}: no [zookeeper] section`,
      );
      expect((await check(false)).stderr).toContain("Not ready: ");
      writeFileSync(config, before.configs[1] as string);
      await withSession(s.target, async (zk) => {
        await zk.delete(`${s.root}/apps/1`, -1);
        await zk.delete(`${s.root}/apps`, -1);
      });
      await s.startReplica(4);
      await s.waitHealthy(30_000);
      expect(failedChecks(await check())).toEqual([]);

      // recover fails (the meta aborts writing the recovered tree): back on the source, exit 1.
      const oldTree = await treeData(s.source, `${s.root}/apps`);
      s.failRecoverySync(true);
      const failedRun = await runTool(fullRun(s));
      s.failRecoverySync(false);
      expect(failedRun.exitCode).toBe(1);
      const failure = failureOf(failedRun);
      expect(failure).toContain("the cluster is back where it was");
      expect(failure).toContain("every meta running on the source ensemble, healthy there");
      expect(s.layout.metas.map((m) => readFileSync(m.config, "utf8"))).toEqual(before.configs);
      expect(s.layout.metas.map((m) => s.isMetaRunning(m.task))).toEqual([true, true, true]);
      const info = await s.shell("cluster_info -j");
      expect(
        JSON.parse(info.stdout.slice(info.stdout.indexOf("{"))).cluster_info.zookeeper_hosts,
      ).toBe(s.source);
      await s.waitHealthy(30_000);
      expect(await treeData(s.source, `${s.root}/apps`)).toEqual(oldTree);

      // Killed during each step in turn, then run again: completes, nothing lost.
      const oldTreeBeforeChain = treeData(s.source, s.root);
      for (const step of recoverSteps) {
        const killed = await runTool(fullRun(s), {
          killAt: (e, seen) => {
            const started = seen.findIndex(
              (x) => x.kind === "step" && x.id === step.id && x.state === "start",
            );
            return (
              started >= 0 &&
              seen.indexOf(e) > started &&
              !(e.kind === "check" && e.phase === "pre")
            );
          },
        });
        expect(killed.exitCode).not.toBe(0);
      }
      const last = await runTool(fullRun(s));
      expect(last.stderr).toBe("");
      expect(last.exitCode).toBe(0);
      expect(
        Object.values(summaryOf(last).outcomes).every((o) => o === "verified" || o === "ran"),
      ).toBe(true);
      await expectRecovered(s, { ...before, oldTree: await oldTreeBeforeChain });
    },
    deadlineMs,
  );
});
