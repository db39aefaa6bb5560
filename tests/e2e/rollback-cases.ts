/**
 * What the rollback end-to-end files share: the steps, moving a sandbox part of the way (steps
 * one at a time, or `run` killed inside a step), and writing on the target after the switch.
 */
import { expect } from "bun:test";
import { copySteps } from "../../scripts/copy/index.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";
import { runTool, type ToolRun, treeData } from "./tool.ts";

/** The copy method's steps 1–7, as the tool runs them. */
export { copySteps };

/** Every rollback step, as a reverse migration runs them. */
export const reverseRollbackSteps = [
  "rollback/01-freeze-target",
  "rollback/02-copy-back",
  "rollback/03-stop-target-metas",
  "rollback/04-restore-configs",
  "rollback/05-restart-on-source",
  "rollback/06-remove-target-copy",
];

/** Generous per-case timeout: a case runs part of a migration and a rollback on 2 busy cores. */
export const caseTimeoutMs = 300_000;

/** Runs steps 1…n one at a time, each as `step ID --yes`. */
export async function stepsUpTo(s: Sandbox, n: number): Promise<void> {
  for (const { id } of copySteps.slice(0, n)) {
    const out = await runTool(["step", id, "-i", s.inventoryFile, "--yes"]);
    expect(out.stderr).toBe("");
    expect(out.exitCode).toBe(0);
  }
}

/**
 * Whether `event` is `step`'s first action: its first event after all of its preconditions were
 * checked (their own probes log events too, before each check's result).
 */
export function isFirstActionOf(
  step: { id: string; preconditions: unknown[] },
  event: ToolRun["events"][number],
  seen: ToolRun["events"],
): boolean {
  const checked = seen.filter(
    (e) => e.kind === "check" && e.step === step.id && e.phase === "pre",
  ).length;
  return checked === step.preconditions.length && event.kind !== "check";
}

/** Runs `args` (with `--json`), SIGKILLed at `step`'s first action. */
export async function killedInside(
  args: string[],
  step: { id: string; preconditions: unknown[] },
): Promise<ToolRun> {
  const killed = await runTool(args, {
    killAt: (event, seen) => isFirstActionOf(step, event, seen),
  });
  expect(killed.exitCode).not.toBe(0);
  return killed;
}

/** Creates a table through the leader on the target; returns the target's apps afterwards. */
export async function createTableOnTarget(s: Sandbox, name: string): Promise<Map<string, string>> {
  await s.createTable(name);
  return treeData(s.target, `${s.root}/apps`);
}

/** The table exists on the source, whose apps equal the target's at rollback time. */
export async function expectCopiedBack(
  s: Sandbox,
  name: string,
  targetApps: Map<string, string>,
): Promise<void> {
  expect((await s.apps("AS_AVAILABLE")).map((a) => a.info.app_name)).toContain(name);
  expect(await treeData(s.source, `${s.root}/apps`)).toEqual(targetApps);
}
