/**
 * The door gives every command the same environment however the tool was started: a step script
 * run alone (`bun scripts/copy/…`) must not source ~/.bashrc into its commands, as the binary
 * does not (issue 11, item 10).
 */
import { expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const hostsModule = join(import.meta.dir, "../../lib/hosts.ts");

test.each([
  ["unset", undefined],
  ["0 (our parent was a bash -c that exec'd us)", "0"],
])(
  "Hosts runs commands without sourcing ~/.bashrc, with PATH unset and SHLVL %s",
  async (_, shlvl) => {
    const home = mkdtempSync(join(tmpdir(), "pzm-home-"));
    try {
      const marker = join(home, "bashrc-was-sourced");
      writeFileSync(join(home, ".bashrc"), `touch ${JSON.stringify(marker)}\n`);
      // A fresh process like a step script run alone: nothing set up by scripts/main.ts.
      const script = `const { Hosts } = await import(${JSON.stringify(hostsModule)});
      const hosts = new Hosts({ log: () => {} });
      const out = await hosts.observe("local", { argv: ["sh", "-c", "echo $SHLVL; command -v ls"] });
      process.stdout.write(out.stdout);`;
      const child = Bun.spawnSync([process.execPath, "-e", script], {
        env: { HOME: home, ...(shlvl === undefined ? {} : { SHLVL: shlvl }) },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(child.stderr.toString()).toBe("");
      expect(child.stdout.toString()).toMatch(/^1\n\/.*ls\n$/);
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  },
);
