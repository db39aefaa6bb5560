/**
 * The single binary, as an operator meets it: copied alone into an empty directory and run
 * under `env -i` (no PATH, no HOME, no node_modules).
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import packageJson from "../../package.json" with { type: "json" };

const root = join(import.meta.dir, "../..");
let dir: string;

/** Runs the copied binary with an empty environment. */
const run = (...args: string[]) =>
  $({ cwd: dir, nothrow: true, quiet: true })`env -i ./pegasus-zk-migrate ${args}`;

beforeAll(async () => {
  await $({ cwd: root, quiet: true })`${process.execPath} scripts/build.ts`;
  dir = mkdtempSync(join(tmpdir(), "pzm-bin-"));
  copyFileSync(join(root, "dist/pegasus-zk-migrate"), join(dir, "pegasus-zk-migrate"));
  copyFileSync(join(root, "config.example.yaml"), join(dir, "config.example.yaml"));
}, 120_000);

describe("the binary", () => {
  test("--version prints the package version", async () => {
    const out = await run("--version");
    expect(out.exitCode).toBe(0);
    expect(out.stdout.trim()).toBe(packageJson.version);
  });

  test("--help lists every subcommand with one line each", async () => {
    const out = await run("--help");
    expect(out.exitCode).toBe(0);
    const commands = out.stdout.split("Commands:\n")[1]?.trimEnd().split("\n") ?? [];
    expect(commands.map((line) => line.trim().split(/\s/)[0])).toEqual([
      "validate",
      "check",
      "plan",
      "run",
      "rollback",
      "status",
      "step",
      "zk",
      "help",
    ]);
    for (const line of commands) expect(line).toMatch(/^ {2}\S.* {2,}\S/);
    const zk = await run("zk", "--help");
    const zkCommands = zk.stdout.split("Commands:\n")[1]?.trimEnd().split("\n") ?? [];
    expect(zkCommands.map((line) => line.trim().split(/\s/)[0])).toEqual([
      "copy",
      "diff",
      "snapshot",
      "restore",
      "rmr",
      "help",
    ]);
    for (const line of zkCommands) expect(line).toMatch(/^ {2}\S.* {2,}\S/);
  });

  test("validate -i config.example.yaml exits 0 with a summary", async () => {
    const out = await run("validate", "-i", "config.example.yaml");
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toStartWith(
      `inventory ok: ${join(dir, "config.example.yaml")}\ncluster       c1\n`,
    );
  });

  test("validate exits 2 naming a wrong type, a missing target and a misspelt key with their lines", async () => {
    writeFileSync(
      join(dir, "bad.yaml"),
      [
        "cluster: c1",
        "zookeeper:",
        "  root: /pegasus/c1",
        "  source: zk1:2181",
        "meta_servers:",
        "  - address: 10.0.0.1:34601",
        "    config: /etc/pegasus/config.ini",
        "    task: first",
        "shell:",
        "  comand: ./run.sh shell --cluster {meta_list}",
        "meta_control: { kind: systemd, unit: 'pegasus-meta@{task}' }",
      ].join("\n"),
    );
    const out = await run("validate", "-i", "bad.yaml");
    expect(out.exitCode).toBe(2);
    expect(out.stdout).toBe("");
    const file = join(dir, "bad.yaml");
    expect(out.stderr).toContain(
      `${file}:2: zookeeper.target: expected a ZooKeeper connect string`,
    );
    expect(out.stderr).toContain(
      `${file}:8: meta_servers[0].task: expected the meta's task index, an integer ≥ 0; found "first"`,
    );
    expect(out.stderr).toContain(
      `${file}:10: shell.comand: expected a known key (did you mean "command"?); found unknown key "comand"`,
    );
    expect(out.stderr).toContain(`${file}:9: shell.command: expected a command`);
  });

  test("an unknown subcommand or a missing -i is a usage error (exit 2)", async () => {
    expect((await run("frobnicate")).exitCode).toBe(2);
    const missing = await run("validate");
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain("required option '-i, --inventory <file>' not specified");
  });
});
