/**
 * The copy method with every host reached over ssh (a real sshd on loopback): meta control, the
 * Pegasus shell and the config edits all cross the connection, as on a bastion.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type SshServer, startSshd } from "../harness/sshd.ts";
import { type Sandbox, startSandbox } from "../sandbox/sandbox.ts";
import { expectMigrated } from "./migrated.ts";
import { runTool, treeData } from "./tool.ts";

let sandbox: Sandbox;
let sshd: SshServer;

beforeAll(async () => {
  [sandbox, sshd] = await Promise.all([
    startSandbox({ metas: 3, replicas: 5, tables: 20 }),
    startSshd(),
  ]);
}, 120_000);
afterAll(async () => {
  await Promise.all([sandbox?.stop(), sshd?.stop()]);
});

test("run over ssh: every meta moves to the new ensemble, /apps identical, old root gone", async () => {
  const { settings } = sshd;
  const inventory = join(sandbox.dir, "over-ssh.yaml");
  const text = readFileSync(sandbox.inventoryFile, "utf8")
    .replaceAll("    host: local", `    host: ${sshd.destination}`)
    .replace("  host: local", `  host: ${sshd.destination}`)
    .concat(
      [
        "ssh:",
        `  port: ${settings.port}`,
        `  identity_file: ${settings.identityFile}`,
        `  options: [${settings.options.map((o) => JSON.stringify(o)).join(", ")}]`,
        "  connect_timeout: 30s", // a deadline: sshd answers slowly on a loaded machine
        "",
      ].join("\n"),
    );
  writeFileSync(inventory, text);
  expect(text).not.toContain("host: local");
  const appsBefore = await treeData(sandbox.source, `${sandbox.root}/apps`);

  const run = await runTool([
    "run",
    "-i",
    inventory,
    "--method",
    "copy",
    "--yes",
    "--clean-old",
    "--json",
    "--verbose",
  ]);
  expect(run.stderr).toBe("");
  expect(run.exitCode).toBe(0);
  const commands = run.events.filter((e) => e.kind === "cmd").map((e) => `${e.host} ${e.cmd}`);
  expect(commands.length).toBeGreaterThan(10);
  expect(commands.every((c) => c.startsWith(`${sshd.destination} ssh -o BatchMode=yes`))).toBe(
    true,
  );

  await expectMigrated(sandbox, appsBefore);
}, 300_000); // every command of a whole run goes through ssh: minutes on a loaded 2-core machine
