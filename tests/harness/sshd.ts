/**
 * Test harness: a real OpenSSH server on a free loopback port, accepting one generated key for
 * the current user. Started under `setpriv --pdeathsig SIGKILL` so it dies with the test runner.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $, type ProcessPromise } from "zx";
import { freePort } from "./ports.ts";

/** A running sshd and the client settings that reach it. */
export interface SshServer {
  port: number;
  /** `user@127.0.0.1`, a valid inventory host. */
  destination: string;
  /** Client settings for `lib/hosts` (`SshSettings`). */
  settings: { port: number; identityFile: string; options: string[]; connectTimeoutMs: number };
  stop(): Promise<void>;
}

/** True when sshd and ssh-keygen are installed. */
export function hasSshd(): boolean {
  return existsSync("/usr/sbin/sshd") && existsSync("/usr/bin/ssh-keygen");
}

/**
 * Starts sshd on 127.0.0.1 and waits until it accepts a login.
 * @example const sshd = await startSshd(); new Hosts({ log, ssh: sshd.settings }); await sshd.stop();
 */
export async function startSshd(): Promise<SshServer> {
  const dir = mkdtempSync(join(tmpdir(), "pzm-sshd-"));
  const port = await freePort();
  const quiet = $({ quiet: true, cwd: dir });
  await quiet`ssh-keygen -q -t ed25519 -N ${""} -f host_key`;
  await quiet`ssh-keygen -q -t ed25519 -N ${""} -f client_key`;
  await quiet`cp client_key.pub authorized_keys`;
  const hostKey = (await quiet`cat host_key.pub`).stdout.trim();
  writeFileSync(join(dir, "known_hosts"), `[127.0.0.1]:${port} ${hostKey}\n`);
  writeFileSync(
    join(dir, "sshd_config"),
    [
      `Port ${port}`,
      "ListenAddress 127.0.0.1",
      `HostKey ${join(dir, "host_key")}`,
      `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
      `PidFile ${join(dir, "sshd.pid")}`,
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "StrictModes no",
      "UsePAM no",
      "",
    ].join("\n"),
  );
  mkdirSync("/run/sshd", { recursive: true }); // privilege separation directory sshd insists on
  const daemon: ProcessPromise = $({
    quiet: true,
    nothrow: true,
  })`exec setpriv --pdeathsig SIGKILL /usr/sbin/sshd -D -e -f ${join(dir, "sshd_config")}`;
  const user = (await quiet`id -un`).stdout.trim(); // os.userInfo() can say "unknown" under Bun
  const settings = {
    port,
    identityFile: join(dir, "client_key"),
    options: [`UserKnownHostsFile=${join(dir, "known_hosts")}`, "StrictHostKeyChecking=yes"],
    connectTimeoutMs: 30_000, // a deadline: sshd on a loaded 2-core machine is slow to answer
  };
  const probe = () =>
    $({
      quiet: true,
      nothrow: true,
    })`ssh -o BatchMode=yes -p ${port} -i ${settings.identityFile} -o ${settings.options[0]} -o StrictHostKeyChecking=yes ${`${user}@127.0.0.1`} true`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if ((await probe()).exitCode === 0) break;
    if (Date.now() > deadline) {
      daemon.kill("SIGKILL");
      throw new Error(
        `sshd on port ${port} did not accept a login: ${(await daemon).stderr.slice(-1000)}`,
      );
    }
    await Bun.sleep(100);
  }
  return {
    port,
    destination: `${user}@127.0.0.1`,
    settings,
    async stop() {
      daemon.kill("SIGKILL");
      await daemon;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
