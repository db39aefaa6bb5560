/** The process door over real ssh to a real sshd on loopback. */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CommandFailed, Hosts } from "../../lib/hosts.ts";
import { createLog } from "../../lib/log.ts";
import { freePort } from "../harness/ports.ts";
import { type SshServer, startSshd } from "../harness/sshd.ts";

const nasty = `bar"";baz!$#^$'&*~*%)({}||\\/`;
let sshd: SshServer;
let hosts: Hosts;

beforeAll(async () => {
  sshd = await startSshd();
  hosts = new Hosts({ log: createLog({ write: () => {} }), ssh: sshd.settings, timeoutMs: 60_000 });
}, 120_000);
afterAll(() => sshd?.stop());

describe("Hosts over ssh", () => {
  test("arguments survive the remote shell unchanged: zx's nasty string", async () => {
    const out = await hosts.observe(sshd.destination, { argv: ["printf", "%s", nasty] });
    expect(out.stdout).toBe(nasty);
  });

  test("cwd, stdin and the remote exit code cross the connection", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm ssh "));
    const out = await hosts.observe(
      sshd.destination,
      { argv: ["sh", "-c", "pwd; cat; exit 7"], cwd: dir, input: "ls -d -j\n" },
      { nothrow: true },
    );
    expect(out).toMatchObject({ exitCode: 7, stdout: `${dir}\nls -d -j\n`, ok: false });
  });

  test("writeFile() over ssh replaces a remote file and keeps its mode", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "pzm-ssh-")), "config.ini");
    writeFileSync(file, "old\n");
    chmodSync(file, 0o600);
    await hosts.writeFile(sshd.destination, file, `new ${nasty}\n`);
    expect(readFileSync(file, "utf8")).toBe(`new ${nasty}\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(await hosts.readFile(sshd.destination, file)).toBe(`new ${nasty}\n`);
  });

  test("an unreachable host is reported as such, with a hint", async () => {
    const closed = new Hosts({
      log: createLog({ write: () => {} }),
      ssh: { ...sshd.settings, port: await freePort() },
    });
    const failure = closed.observe(sshd.destination, { argv: ["true"] });
    await expect(failure).rejects.toBeInstanceOf(CommandFailed);
    await expect(failure).rejects.toThrow(
      /^Cannot reach host .*@127\.0\.0\.1 over ssh: .*Connection refused/,
    );
  });
});
