import { describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandFailed, type Executor, Hosts } from "../../lib/hosts.ts";
import { createLog, type Event } from "../../lib/log.ts";

/** zx's own torture string for quoting. */
const nasty = `bar"";baz!$#^$'&*~*%)({}||\\/`;

function recorder(options: { dryRun?: boolean; exec?: Executor } = {}) {
  const events: Event[] = [];
  const log = createLog({ json: true, write: (line) => events.push(JSON.parse(line)) });
  return { hosts: new Hosts({ log, timeoutMs: 10_000, ...options }), events };
}

describe("Hosts", () => {
  test("observe() runs locally and captures stdout, stderr and the exit code", async () => {
    const { hosts } = recorder();
    const out = await hosts.observe(
      "local",
      { argv: ["sh", "-c", "echo out; echo err >&2; exit 3"] },
      { nothrow: true },
    );
    expect(out).toMatchObject({
      exitCode: 3,
      stdout: "out\n",
      stderr: "err\n",
      ok: false,
      notRun: false,
    });
  });

  test("arguments are quoted: zx's nasty string comes back unchanged", async () => {
    const { hosts } = recorder();
    const out = await hosts.observe("local", { argv: ["printf", "%s", nasty] });
    expect(out.stdout).toBe(nasty);
  });

  test("change() under dry-run prints the exact line and runs nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm-hosts-"));
    const file = join(dir, "touched by 'change'");
    const { hosts, events } = recorder({ dryRun: true });
    const out = await hosts.change("local", { argv: ["touch", file], cwd: dir });
    expect(out.notRun).toBe(true);
    expect(existsSync(file)).toBe(false);
    const real = recorder();
    await real.hosts.change("local", { argv: ["touch", file], cwd: dir });
    expect(existsSync(file)).toBe(true);
    expect(events).toEqual([
      { kind: "cmd", host: "local", cmd: out.line, dryRun: true, change: true },
    ]);
    expect(real.events[0]).toEqual({
      kind: "cmd",
      host: "local",
      cmd: out.line,
      dryRun: false,
      change: true,
    });
  });

  test("observe() reports a command that exits without reading its input by its exit code", async () => {
    const { hosts } = recorder();
    for (const size of [10, 1_000_000]) {
      const out = await hosts.observe(
        "local",
        { argv: ["sh", "-c", "echo early; exit 3"], input: "x\n".repeat(size) },
        { nothrow: true },
      );
      expect(out).toMatchObject({ exitCode: 3, stdout: "early\n", ok: false });
    }
  });

  test("observe() still runs under dry-run, because plan and check need evidence", async () => {
    const { hosts } = recorder({ dryRun: true });
    expect((await hosts.observe("local", { argv: ["echo", "seen"] })).stdout).toBe("seen\n");
  });

  test("a failing command throws CommandFailed naming host, line, exit code and stderr", async () => {
    const { hosts } = recorder();
    const failure = hosts.observe("local", {
      argv: ["sh", "-c", "echo 'no such table' >&2; exit 4"],
    });
    await expect(failure).rejects.toBeInstanceOf(CommandFailed);
    await expect(failure).rejects.toThrow(
      /^Command on local exited with code 4: sh -c .*\n {2}no such table$/,
    );
  });

  test("a command over its timeout is killed and reported as timed out", async () => {
    const { hosts } = recorder();
    const out = await hosts.observe(
      "local",
      { argv: ["sleep", "5"], timeoutMs: 200 },
      { nothrow: true },
    );
    expect(out.timedOut).toBe(true);
    expect(out.ok).toBe(false);
    // Killed, not finished: no exit code, a signal (not a duration bound, which load could break).
    expect(out.exitCode).toBeNull();
    expect(out.signal).toBe("SIGTERM");
  });

  test("input is piped to stdin", async () => {
    const { hosts } = recorder();
    const out = await hosts.observe("local", {
      argv: ["cat"],
      input: "cluster_info -j\nnodes -d -j\n",
    });
    expect(out.stdout).toBe("cluster_info -j\nnodes -d -j\n");
  });

  test("writeFile() replaces content atomically and keeps the file mode; readFile() reads it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm-hosts-"));
    const file = join(dir, "config.ini");
    writeFileSync(file, "[zookeeper]\nhosts_list = old\n");
    chmodSync(file, 0o640);
    const { hosts } = recorder();
    await hosts.writeFile("local", file, "[zookeeper]\nhosts_list = new\n");
    expect(readFileSync(file, "utf8")).toBe("[zookeeper]\nhosts_list = new\n");
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(await hosts.readFile("local", file)).toBe("[zookeeper]\nhosts_list = new\n");
    expect(existsSync(`${file}.pzm-tmp`)).toBe(false);
  });

  test("render() builds one ssh line whose remote part is POSIX-quoted once", async () => {
    const lines: string[] = [];
    const exec: Executor = async (line) => {
      lines.push(line);
      return { exitCode: 0, signal: null, stdout: "", stderr: "" };
    };
    const log = createLog({ write: () => {} });
    const hosts = new Hosts({
      log,
      exec,
      ssh: {
        user: "work",
        port: 2222,
        options: ["StrictHostKeyChecking=yes"],
        connectTimeoutMs: 5000,
      },
    });
    await hosts.observe("meta1", { argv: ["cat", "--", "/a b/it's"], cwd: "/tmp" });
    expect(lines).toEqual([
      `ssh -o BatchMode=yes -o ConnectTimeout=5 -p 2222 -l work -o StrictHostKeyChecking=yes -- meta1 $'cd /tmp && cat -- \\'/a b/it\\'\\\\\\'\\'s\\''`,
    ]);
  });
});
