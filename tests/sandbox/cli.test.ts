/**
 * The sandbox CLI as a newcomer uses it: `up` with 3 metas, 5 replica servers and 20 tables,
 * the inventory it writes (valid, meta control through the CLI, the shell through `run.sh`),
 * `status`, and `down` leaving no process behind.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import { type Inventory, loadInventory, metaList } from "../../lib/inventory.ts";
import { type MetaAction, metaCommand } from "../../lib/meta-control.ts";
import { renderTemplate } from "../../lib/template.ts";
import { waitFor } from "./wait.ts";

const dir = mkdtempSync(join(tmpdir(), "pzm-sandbox-cli-"));
const cli = join(import.meta.dir, "cli.ts");
const sandboxCli = (...args: string[]) =>
  $({
    quiet: true,
    nothrow: true,
    env: { ...process.env, PZM_SANDBOX_OWNER: String(process.pid) },
  })`${process.execPath} ${cli} ${args}`;

/** Pids of processes whose command line names the sandbox directory. */
function processesIn(path: string): number[] {
  return readdirSync("/proc")
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(path);
      } catch {
        return false;
      }
    })
    .map(Number);
}

afterAll(async () => {
  await sandboxCli("down", "--dir", dir);
  for (const pid of processesIn(dir)) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("bun tests/sandbox/cli.ts", () => {
  let inventory: Inventory;
  let upSeconds = 0;

  test("up --dir DIR starts 3 metas, 5 replica servers and 20 tables and prints the inventory last", async () => {
    const started = performance.now();
    const out = await sandboxCli("up", "--dir", dir);
    upSeconds = (performance.now() - started) / 1000;
    console.log(`sandbox up (3 metas, 5 replicas, 20 tables) took ${upSeconds.toFixed(1)} s`);
    expect(out.stderr).toBe("");
    expect(out.exitCode).toBe(0);
    const lines = out.stdout.trim().split("\n");
    expect(lines.at(-1)).toBe(join(dir, "inventory.yaml"));
    expect(lines[0]).toMatch(
      /^sandbox up in [\d.]+ s: Pegasus 2\.6, 3 metas \(leader: meta \d\), 5 replica servers, 21 tables$/,
    );
    inventory = loadInventory(lines.at(-1) as string);
    expect(inventory.metaServers).toHaveLength(3);
    expect(inventory.replicaServers).toHaveLength(5);
    expect(inventory.metaControl.kind).toBe("custom");
    expect(inventory.zookeeper.root).toBe("/pegasus/sandbox");
  }, 60_000);

  test("status lists every process running, and the inventory's shell template reaches the cluster", async () => {
    const status = await sandboxCli("status", "--dir", dir);
    expect(status.stdout.match(/running pid \d+/g)).toHaveLength(10);
    expect(status.stdout).toMatch(
      /^meta\d {2}127\.0\.0\.1:\d+ {2}running pid \d+ {2}leader, steady$/m,
    );
    const argv = renderTemplate(inventory.shell.command, {
      meta_list: metaList(inventory),
      cluster: inventory.cluster,
    });
    const shell = await $({
      cwd: inventory.shell.cwd,
      input: "ls\ncluster_info\n",
      quiet: true,
      nothrow: true,
    })`${argv}`;
    expect(shell.exitCode).toBe(0);
    expect(shell.stdout).toMatch(/^total_app_count {2}: 21$/m);
    expect(shell.stdout).toMatch(/^zookeeper_hosts +: 127\.0\.0\.1:\d+ +$/m);
  }, 20_000);

  test("the inventory's meta_control commands stop, report and start a meta like systemctl", async () => {
    const meta = inventory.metaServers[2] as Inventory["metaServers"][number];
    const run = (action: MetaAction) => {
      const { argv, cwd } = metaCommand(inventory, meta, action);
      return $({ quiet: true, nothrow: true, ...(cwd ? { cwd } : {}) })`${argv}`;
    };
    expect((await run("status")).exitCode).toBe(0);
    expect((await run("stop")).exitCode).toBe(0);
    const stopped = await run("status");
    expect(stopped.exitCode).toBe(3);
    // As `systemctl status`: the state first, then the tail of the process's log.
    expect(stopped.stdout).toMatch(/^meta 2 stopped( \(exit \d+\))?\nlog \S+meta2\/meta\.log:\n/);
    expect((await run("start")).exitCode).toBe(0);
    expect((await run("status")).exitCode).toBe(0);
  }, 20_000);

  test("down stops everything it started and leaves no process behind", async () => {
    expect(processesIn(dir).length).toBeGreaterThanOrEqual(10);
    const out = await sandboxCli("down", "--dir", dir);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toMatch(/^stopped 10 processes of the sandbox in /);
    await waitFor(
      () => processesIn(dir).length === 0,
      15_000,
      "no process naming the sandbox directory",
    );
    const status = await sandboxCli("status", "--dir", dir);
    expect(status.stdout).not.toContain("running");
  }, 30_000);
});
