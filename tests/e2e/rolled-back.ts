/** The end state every rollback end-to-end test expects, checked from outside the tool. */
import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import type { Sandbox } from "../sandbox/sandbox.ts";
import { runTool, treeData } from "./tool.ts";

/** Every meta's config bytes, to compare after a rollback. */
export function metaConfigs(s: Sandbox): string[] {
  return s.layout.metas.map((m) => readFileSync(m.config, "utf8"));
}

/**
 * Back on the source: every config byte-identical to `configsBefore`, every meta running, the
 * primary on the source at level steady, healthy, the target root gone, `check` ready for a new
 * migration, and `status` naming the rollback.
 */
export async function expectRolledBack(s: Sandbox, configsBefore: string[]): Promise<void> {
  expect(metaConfigs(s)).toEqual(configsBefore);
  for (const meta of s.layout.metas) expect(s.isMetaRunning(meta.task)).toBe(true);
  const info = await s.shell(["cluster_info -j", "get_meta_level"]);
  const json = JSON.parse(
    info.stdout.slice(info.stdout.indexOf("{"), info.stdout.lastIndexOf("}") + 1),
  );
  expect(json.cluster_info.zookeeper_hosts).toBe(s.source);
  expect(json.cluster_info.meta_function_level).toBe("steady");
  expect(info.stdout).toContain("current meta level is fl_steady");
  await s.waitHealthy(60_000);
  expect((await treeData(s.target, s.root)).size).toBe(0);
  const check = await runTool(["check", "-i", s.inventoryFile, "--method", "copy"]);
  expect(check.stdout).toContain("ready: every check passed");
  expect(check.exitCode).toBe(0);
  const status = await runTool(["status", "-i", s.inventoryFile]);
  expect(status.stdout).toMatch(/^No migration recorded .* was rolled back at /);
}

/** `rollback -i FILE --yes --json` must exit 0 with every rollback step `ran` or `verified`. */
export async function rollBack(s: Sandbox): Promise<Record<string, string>> {
  const run = await runTool(["rollback", "-i", s.inventoryFile, "--yes", "--json"]);
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  const summary = run.events.find((e) => e.kind === "summary") as unknown as {
    outcomes: Record<string, string>;
  };
  return summary.outcomes;
}
