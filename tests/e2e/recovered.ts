/**
 * What the recover-method end-to-end tests observe from outside the tool: the cluster's state
 * before a run (tables with their envs, configs, the old tree) and the recovered end state.
 */
import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import type { Sandbox } from "../sandbox/sandbox.ts";
import { treeData } from "./tool.ts";

/** What must survive a recovery, captured before the run. */
export interface BeforeRecovery {
  tables: Awaited<ReturnType<typeof tablesOf>>;
  configs: string[];
  oldTree: Map<string, string>;
}

/** Captures tables (id, name, partition count, status, envs), configs and the old tree. */
export async function captureBeforeRecovery(s: Sandbox): Promise<BeforeRecovery> {
  return {
    tables: await tablesOf(s),
    configs: s.layout.metas.map((m) => readFileSync(m.config, "utf8")),
    oldTree: await treeData(s.source, s.root),
  };
}

async function tablesOf(s: Sandbox) {
  const apps = await s.apps("all");
  return apps
    .map((a) => ({
      id: a.info.app_id,
      name: a.info.app_name,
      partitions: a.info.partition_count,
      status: a.info.status,
      envs: a.info.envs,
    }))
    .sort((a, b) => a.id - b.id);
}

/**
 * The recovered end state: every config its original with only hosts_list = target (recovery
 * off), every meta running, the leader on the target and healthy, tables and envs as before, the
 * old tree untouched.
 */
export async function expectRecovered(s: Sandbox, before: BeforeRecovery): Promise<void> {
  const expected = before.configs.map((text) =>
    text.replace(`hosts_list = ${s.source}`, `hosts_list = ${s.target}`),
  );
  expect(s.layout.metas.map((m) => readFileSync(m.config, "utf8"))).toEqual(expected);
  expect(s.layout.metas.map((m) => s.isMetaRunning(m.task))).toEqual(
    s.layout.metas.map(() => true),
  );
  await s.waitHealthy(30_000);
  const info = await s.shell("cluster_info -j");
  const cluster = JSON.parse(info.stdout.slice(info.stdout.indexOf("{"))).cluster_info;
  expect(cluster.zookeeper_hosts).toBe(s.target);
  expect(await tablesOf(s)).toEqual(before.tables);
  expect(await treeData(s.source, s.root)).toEqual(before.oldTree);
}

/** The NDJSON summary of a run. */
export function summaryOf(run: { events: { kind: string }[] }) {
  return run.events.find((e) => e.kind === "summary") as unknown as {
    outcomes: Record<string, string>;
    wallMs: number;
    recover: {
      unavailableMs: number;
      leaseWaitMs: number;
      skippedNodes: string[];
      partialPartitions: string[];
      tableDiffLines: string[];
      envsReapplied: Record<string, string[]>;
    };
  };
}

/** What a failed `--json` run said: its result event's message and hint (stderr holds nothing). */
export function failureOf(run: { events: { kind: string }[] }): string {
  const result = run.events.find((e) => e.kind === "result") as unknown as
    | { error?: { message: string; hint: string | null } }
    | undefined;
  return result?.error ? `${result.error.message}\nhint: ${result.error.hint ?? ""}` : "";
}
