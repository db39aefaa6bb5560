/** The end state every copy-method end-to-end test expects, checked from outside the tool. */
import { expect } from "bun:test";
import type { Sandbox } from "../sandbox/sandbox.ts";
import { hostsListOf, runTool, treeData } from "./tool.ts";

/** The migration's end state: metas on the target, /apps as before, healthy, old root gone. */
export async function expectMigrated(s: Sandbox, appsBefore: Map<string, string>) {
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
