/**
 * The recover method with a replica server dead before `recover` (Pegasus 2.6 sandbox): the run
 * stops with ERR_TRY_AGAIN's hint lines and the next move, the meta waiting in recovery mode;
 * `run --skip-bad-nodes` then completes and its summary names the skipped node and the
 * partitions that lost replicas.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { failureOf, summaryOf } from "./recovered.ts";
import { runTool } from "./tool.ts";

/** A deadline, not an expected duration: every tool run is several processes, and CI's 2 cores are busy. */
const deadlineMs = 900_000;

let sandbox: Sandbox | undefined;
afterAll(() => sandbox?.stop());

test(
  "recover with a dead replica stops on ERR_TRY_AGAIN; run --skip-bad-nodes completes and names what was skipped",
  async () => {
    sandbox = await startSandbox({ version: "2.6" });
    const s = sandbox;
    const args = ["run", "-i", s.inventoryFile, "--method", "recover", "--yes", "--json"];
    // The node dies once every meta is stopped, so no meta moves its replicas elsewhere first.
    for (const id of ["recover/01", "recover/02"])
      expect((await runTool(["step", id, "-i", s.inventoryFile, "--yes"])).exitCode).toBe(0);
    const dead = s.layout.replicas[4]?.address as string;
    await s.killReplica(4);

    const stopped = await runTool(args);
    expect(stopped.exitCode).toBe(1);
    const failure = failureOf(stopped);
    expect(failure).toContain("recover answered ERR_TRY_AGAIN:");
    expect(failure).toContain(
      `ERROR: collect app and replica info from node(${dead}) failed with err(`,
    );
    expect(failure).toContain("keeps waiting in recovery mode on the target");
    expect(failure).toContain(`--skip-bad-nodes\` to recover without them`);
    const recoveryMeta = s.layout.metas.filter((m) => s.isMetaRunning(m.task));
    expect(recoveryMeta).toHaveLength(1);
    expect(readFileSync(recoveryMeta[0]?.config as string, "utf8")).toContain(
      "recover_from_replica_server = true",
    );

    const skipped = await runTool([...args, "--skip-bad-nodes"]);
    expect(skipped.stderr).toBe("");
    expect(skipped.exitCode).toBe(0);
    const summary = summaryOf(skipped);
    expect(summary.recover.skippedNodes).toEqual([dead]);
    expect(summary.recover.partialPartitions.length).toBeGreaterThan(0);
    const journal = JSON.parse(readFileSync(`${s.dir}/state/journal.json`, "utf8"));
    expect(journal.facts["recover.outcome"]).toMatchObject({
      skipBadNodes: true,
      skipLostPartitions: false,
      skippedNodes: [dead],
    });
    expect(s.layout.metas.map((m) => s.isMetaRunning(m.task))).toEqual([true, true, true]);
  },
  deadlineMs,
);
