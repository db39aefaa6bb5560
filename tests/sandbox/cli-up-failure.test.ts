/**
 * A sandbox `up` that cannot finish (issue 11, item 13): too few replica servers is refused at
 * once, and an `up` killed mid-start leaves nothing that `down` cannot find.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import { processesNaming } from "../harness/detached.ts";
import { waitFor } from "./wait.ts";

const dir = mkdtempSync(join(tmpdir(), "pzm-sandbox-fail-"));
const cli = join(import.meta.dir, "cli.ts");
const sandboxCli = (...args: string[]) =>
  $({ quiet: true, nothrow: true })`${process.execPath} ${cli} ${args}`;

afterAll(() => {
  for (const pid of processesNaming([dir])) process.kill(pid, "SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("sandbox up failures", () => {
  test("up --replicas 2 says 3 are needed at once and starts nothing", async () => {
    const target = join(dir, "two");
    const out = await sandboxCli("up", "--dir", target, "--replicas", "2");
    expect(out.exitCode).toBe(2);
    expect(out.stderr).toStartWith(
      "--replicas must be at least 3 (each partition has 3 replicas), not 2\nusage:",
    );
    expect(existsSync(target)).toBe(false);
  });

  test("--help prints the usage and exits 0", async () => {
    const out = await sandboxCli("--help");
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toStartWith("usage: npm run sandbox -- COMMAND --dir DIR");
  });

  test("an up killed as soon as its first ZooKeeper runs leaves nothing down cannot stop", async () => {
    const target = join(dir, "killed");
    const up = Bun.spawn([process.execPath, cli, "up", "--dir", target, "--tables", "1"], {
      stdout: "ignore",
      stderr: "ignore",
    });
    const pidFiles = ["zk-old", "zk-new"].map((z) => join(target, z, "zookeeper.pid"));
    await waitFor(() => pidFiles.some((f) => existsSync(f)), 60_000, "a ZooKeeper pid file");
    up.kill("SIGKILL");
    await up.exited;
    const down = await sandboxCli("down", "--dir", target);
    expect(down.stderr).toBe("");
    expect(down.exitCode).toBe(0);
    await waitFor(
      () => processesNaming([target]).length === 0,
      10_000,
      "every process of the sandbox gone",
    );
  });
});
