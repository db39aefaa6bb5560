/**
 * Step 5 with a leader that cannot start (a broken config): the step fails as soon as the meta's
 * status says it exited — with that status output (exit code, tail of its log) — instead of
 * waiting out timeouts.meta_start and timeouts.healthy and blaming the timeouts.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { runTool } from "./tool.ts";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

describe("a meta that exits at start", () => {
  test("step copy/06-restart-leader fails at once with the meta's exit status and log tail, then succeeds once the config is fixed", async () => {
    sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 8 });
    const s = sandbox;
    // Ten minutes each: a run that waited them out would blow the test's own timeout.
    const inventory = readFileSync(s.inventoryFile, "utf8")
      .replace(/meta_start: \S+/, "meta_start: 10m")
      .replace(/healthy: \S+/, "healthy: 10m");
    writeFileSync(s.inventoryFile, inventory);
    const leader = await s.waitForLeader();
    for (const id of [
      "01-stop-followers",
      "02-pre-copy",
      "03-set-blind",
      "04-copy-tree",
      "05-switch-config",
    ]) {
      const done = await runTool(["step", `copy/${id}`, "-i", s.inventoryFile, "--yes"]);
      expect([id, done.exitCode, done.stderr]).toEqual([id, 0, ""]);
      // Each step is its own process: copy/04 reads the ACLs copy/02 saved in the journal.
      if (id === "04-copy-tree") expect(done.stdout).not.toContain("no pre-copy ACLs");
    }
    // A leader restarted with recovery on over existing tables aborts (meta_service::start).
    s.setMetaConfig(leader, "meta_server", "recover_from_replica_server", "true");

    const failed = await runTool([
      "step",
      "copy/06-restart-leader",
      "-i",
      s.inventoryFile,
      "--yes",
      "--json",
    ]);
    expect(failed.exitCode).toBe(1);
    const result = failed.events.at(-1) as unknown as { error: { message: string; hint: string } };
    const address = s.layout.metas[leader]?.address as string;
    expect(result.error.message).toStartWith(
      `Meta ${address} on local exited after it was started: `,
    );
    expect(result.error.message).toContain(`meta ${leader} stopped (exit 134)`);
    expect(result.error.message).toMatch(/\n {2}F\S* .*recover/); // the failed CHECK from its log
    expect(result.error.hint).toContain("Raising timeouts will not help");

    s.setMetaConfig(leader, "meta_server", "recover_from_replica_server", "false");
    const again = await runTool(["step", "copy/06-restart-leader", "-i", s.inventoryFile, "--yes"]);
    expect([again.exitCode, again.stderr]).toEqual([0, ""]);
  });
});
