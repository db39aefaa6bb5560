/**
 * `run` on a real terminal without `--yes` (a pseudo-TTY made by util-linux `script`): every
 * question is asked before the first change, so the leader is never blind while the tool waits
 * for a human; declining changes nothing and records no attempt.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { runTool } from "./tool.ts";

const main = join(import.meta.dir, "../../scripts/main.ts");

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.stop();
  sandbox = undefined;
});

/**
 * Runs the tool on a pseudo-TTY, answering each `[y/N]` prompt with the next answer once it
 * appears. Returns the terminal's text (stdout and stderr, as an operator sees them).
 */
async function runOnTty(
  args: string[],
  answers: string[],
): Promise<{ exitCode: number; screen: string }> {
  const line = [process.execPath, main, ...args]
    .map((a) => `'${a.replaceAll("'", "'\\''")}'`)
    .join(" ");
  const child = Bun.spawn(["script", "-qfec", line, "/dev/null"], {
    stdin: "pipe",
    stdout: "pipe",
    stderr: "pipe",
  });
  let screen = "";
  let answered = 0;
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    screen += decoder.decode(chunk, { stream: true });
    const prompts = screen.split("[y/N]").length - 1;
    while (answered < prompts && answered < answers.length) {
      child.stdin.write(`${answers[answered++]}\r`);
      child.stdin.flush();
    }
  }
  const exitCode = await child.exited;
  child.stdin.end();
  // Readline draws with cursor escapes; the operator reads the text.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching terminal escapes
  const text = screen.replaceAll("\r", "").replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");
  return { exitCode, screen: text };
}

describe("questions on a terminal", () => {
  test("run on a TTY asks every question before the first change; 'no' changes nothing, 'yes' keeps the leader blind only for the copy", async () => {
    sandbox = await startSandbox({ metas: 3, replicas: 5, tables: 8 });
    const s = sandbox;
    const args = ["run", "-i", s.inventoryFile, "--method", "copy"];

    const declined = await runOnTty(args, ["y", "n"]);
    expect(declined.exitCode).toBe(3);
    expect(declined.screen).toContain(
      "error: Stopped before copy/01-stop-followers: copy/05-switch-config not confirmed",
    );
    expect(declined.screen).not.toContain("stop-meta");
    for (let task = 0; task < 3; task++) expect(await s.metaState(task)).not.toBeNull();
    const status = await runTool(["status", "-i", s.inventoryFile, "--json"]);
    expect(status.events[0]).toMatchObject({ kind: "journal", journal: null });

    const accepted = await runOnTty(args, ["y", "y", "y"]);
    expect(accepted.exitCode).toBe(0);
    const questions = [...accepted.screen.matchAll(/^(copy\/\S+): .*Proceed\? \[y\/N\]/gm)].map(
      (m) => m[1],
    );
    expect(questions).toEqual([
      "copy/01-stop-followers",
      "copy/05-switch-config",
      "copy/06-restart-leader",
    ]);
    // Every answer is in before the first change (a follower stopped) and long before blind.
    const lastQuestion = accepted.screen.lastIndexOf("[y/N]");
    expect(accepted.screen.indexOf("stop-meta")).toBeGreaterThan(lastQuestion);
    expect(accepted.screen.indexOf("▶ copy/03-set-blind")).toBeGreaterThan(lastQuestion);
    expect(accepted.screen).toMatch(/copy method: [\d.]+ s wall time; leader blind for [\d.]+ s/);
  });
});
