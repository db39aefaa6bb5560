/**
 * `--json` for cron: every command prints NDJSON (one object per line, nothing else on stdout) and
 * ends with exactly one result event — on success and on failure, from the binary's entry and
 * from a step script run alone.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import { Journal } from "../../lib/journal.ts";

const root = join(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "pzm-json-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inventory = join(dir, "inventory.yaml");
writeFileSync(
  inventory,
  `cluster: c1
zookeeper: { root: /pegasus/c1, source: "127.0.0.1:1", target: "127.0.0.1:2" }
meta_servers:
  - { address: "127.0.0.1:34601", host: local, config: ${dir}/config.ini, task: 0 }
shell: { host: local, command: "false" }
meta_control: { kind: custom, start: "true", stop: "true", status: "true" }
`,
);
const broken = join(dir, "broken.yaml");
writeFileSync(broken, "cluster: c1\nzookeeper: { root: pegasus }\n");

/** Runs a script of the checkout; returns its exit code and stdout parsed line by line. */
async function json(script: string, ...args: string[]) {
  const out = await $({
    cwd: root,
    nothrow: true,
    quiet: true,
  })`${process.execPath} ${script} ${args}`;
  const lines = out.stdout.split("\n").filter((line) => line !== "");
  const events = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { exitCode: out.exitCode, events, result: events.at(-1) };
}
const main = (...args: string[]) => json("scripts/main.ts", ...args);

/** Every line parsed, and the result event exactly once, last. */
function expectOneResultLast(events: Record<string, unknown>[]) {
  expect(events.filter((e) => e.event === "result")).toHaveLength(1);
  expect(events.at(-1)?.kind).toBe("result");
}

describe("--json", () => {
  test("validate --json prints the inventory on one line, then the result event", async () => {
    const run = await main("validate", "-i", inventory, "--json");
    expect(run.exitCode).toBe(0);
    expect(run.events).toHaveLength(2);
    expect(run.events[0]).toMatchObject({ kind: "inventory", cluster: "c1" });
    expect(run.result).toEqual({ kind: "result", event: "result", ok: true, exitCode: 0 });
  });

  test("validate --json of a bad inventory ends with a result event carrying message and hint", async () => {
    const run = await main("validate", "-i", broken, "--json");
    expect(run.exitCode).toBe(2);
    expectOneResultLast(run.events);
    expect(run.result).toMatchObject({ ok: false, exitCode: 2, error: { cause: [] } });
    const error = run.result?.error as { message: string; hint: string | null };
    expect(error.message).toContain(`${broken}:2: zookeeper.root`);
  });

  test("a usage error with --json still ends with the result event (exit 2)", async () => {
    const run = await main("validate", "--json");
    expect(run.exitCode).toBe(2);
    expect(run.events).toEqual([
      {
        kind: "result",
        event: "result",
        ok: false,
        exitCode: 2,
        error: {
          message: "required option '-i, --inventory <file>' not specified",
          hint: null,
          cause: [],
        },
      },
    ]);
  });

  test("status --json prints the journal on one line, then the result event", async () => {
    const none = await main("status", "-i", inventory, "--json");
    expect(none.events).toEqual([
      { kind: "journal", cluster: "c1", journal: null, lastRolledBack: null },
      { kind: "result", event: "result", ok: true, exitCode: 0 },
    ]);
    const journal = Journal.open(join(dir, ".pegasus-zk-migrate/c1"), {
      cluster: "c1",
      method: "copy",
    });
    journal.start("copy/01-stop-followers");
    const some = await main("status", "-i", inventory, "--json");
    expect(some.events).toHaveLength(2);
    expect(some.events[0]).toMatchObject({
      kind: "journal",
      journal: { cluster: "c1", steps: { "copy/01-stop-followers": { status: "started" } } },
    });
  });

  test("a step script run alone with --json ends with the result event on failure", async () => {
    const run = await json(
      "scripts/copy/05-switch-config.ts",
      "-i",
      join(dir, "missing.yaml"),
      "--json",
    );
    expect(run.exitCode).toBe(2);
    expectOneResultLast(run.events);
    expect((run.result?.error as { message: string } | undefined)?.message).toStartWith(
      `Cannot read inventory ${join(dir, "missing.yaml")}`,
    );
  });

  test("zk commands end with their zk-result and then the result event", async () => {
    const run = await main(
      "zk",
      "snapshot",
      "127.0.0.1:1/x",
      "-o",
      join(dir, "s.zksnap"),
      "--json",
      "--timeout",
      "1s",
    );
    expect(run.exitCode).toBe(1);
    expectOneResultLast(run.events);
    expect(run.events.at(-2)?.kind).toBe("zk-result");
  });
});
