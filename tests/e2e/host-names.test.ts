/**
 * The copy method on a 2.6 sandbox in host-name mode: the inventory and `server_list` hold
 * `127.0.0.1:port` while every process calls itself by the reverse-DNS name of 127.0.0.1
 * (`primary_meta_server`, `nodes`, lock node data, `hp_*`), as a 2.6 cluster configured by IP
 * does (master `rpc/rpc_engine.cpp` `rpc_engine::start`). The tool must match them by identity.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { lookupService } from "node:dns/promises";
import { walkContent } from "../../lib/zk/index.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { expectMigrated } from "./migrated.ts";
import { runTool, treeData, withSession } from "./tool.ts";

let sandbox: Sandbox;
let name: string;
beforeAll(async () => {
  name = (await lookupService("127.0.0.1", 0)).hostname;
  sandbox = await startSandbox({
    version: "2.6",
    hostNames: true,
    metas: 3,
    replicas: 5,
    tables: 4,
  });
});
afterAll(() => sandbox?.stop());

/** Data of the ephemeral nodes under `root`: the lock nodes. */
function lockData(connect: string, root: string): Promise<string[]> {
  return withSession(connect, async (zk) => {
    const data: string[] = [];
    await walkContent(zk, root, (node) => {
      if (node.type === "ephemeral") data.push(node.data.toString());
    });
    return data.sort();
  });
}

describe("copy method, 2.6 host-name mode, IP server_list", () => {
  test("the sandbox shows the 2.6 name/IP split: names in the shell, lock nodes and hp_*, IPs in configs", async () => {
    expect(name).not.toBe("127.0.0.1");
    const metas = sandbox.layout.metas.map((m) => m.address);
    expect(metas.every((a) => a.startsWith("127.0.0.1:"))).toBe(true);
    const info = await sandbox.shell("cluster_info -j");
    const values = JSON.parse(info.stdout.slice(info.stdout.indexOf("{"))).cluster_info;
    expect(values.meta_servers).toBe(metas.join(","));
    expect(values.primary_meta_server).toStartWith(`${name}:`);
    const locks = await lockData(sandbox.source, sandbox.root);
    expect(locks.length).toBeGreaterThan(0);
    expect(locks.every((d) => d.startsWith(`${name}:`))).toBe(true);
    const nodes = await sandbox.shell("nodes");
    expect(nodes.stdout).toContain(`\n${name}:`);
    const partition = await withSession(sandbox.source, (zk) => zk.get(`${sandbox.root}/apps/1/0`));
    const pc = JSON.parse(String(partition?.data));
    expect(pc.primary).toStartWith("127.0.0.1:");
    expect(pc.hp_primary).toBe(`${name}:${pc.primary.split(":")[1]}`);
  });

  test("check names the leader and passes; a full run migrates and leaves the cluster healthy", async () => {
    const check = await runTool([
      "check",
      "-i",
      sandbox.inventoryFile,
      "--method",
      "copy",
      "--json",
    ]);
    const checks = check.events.filter((e) => e.kind === "check");
    expect(checks.filter((e) => e.ok === false)).toEqual([]);
    expect(check.exitCode).toBe(0);
    const shellCheck = checks.find((e) => String(e.title).startsWith("The shell answers"));
    expect(String(shellCheck?.evidence)).toContain(`primary ${name}:`);

    const appsBefore = await treeData(sandbox.source, `${sandbox.root}/apps`);
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
    await expectMigrated(sandbox, appsBefore);
  });
});
