/**
 * `switchEveryConfig()` (step 4) on real files through the real process door: every config is
 * checked before any is edited, a half-done switch exits 1 naming what changed, a symlinked
 * config.ini keeps its link, an immutable file is refused with its cause and leaves no temp file.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { $ } from "zx";
import { ActionFailed, PreconditionFailed } from "../../lib/errors.ts";
import { Hosts, runWithZx } from "../../lib/hosts.ts";
import { createLog } from "../../lib/log.ts";
import { switchEveryConfig } from "../../scripts/runbook/config-switch.ts";
import {
  closeContext,
  createContext,
  type MigrationContext,
} from "../../scripts/runbook/context.ts";
import { minosConfigAgrees } from "../../scripts/runbook/minos-configs.ts";

const source = "127.0.0.1:2181";
const target = "127.0.0.1:2182";
const configText = (hosts: string) =>
  `[meta_server]\n  server_list = 127.0.0.1:34601\n  cluster_root = /pegasus/c1\n\n[zookeeper]\n  hosts_list = ${hosts}\n  timeout_ms = 30000\n`;

let dir: string;
let configs: string[];
let ctx: MigrationContext;
let immutable: string | undefined;

/** Writes three meta configs (and optionally a minos config) and an inventory naming them. */
function setUp(minosConfig?: string) {
  configs = [0, 1, 2].map((task) => {
    mkdirSync(join(dir, `meta${task}`));
    const file = join(dir, `meta${task}`, "config.ini");
    writeFileSync(file, configText(source));
    return file;
  });
  const metas = configs
    .map(
      (config, task) =>
        `  - { address: "127.0.0.1:3460${task + 1}", host: local, config: ${config}, task: ${task} }`,
    )
    .join("\n");
  const control = minosConfig
    ? `{ kind: minos, client_dir: ${dir}, minos_config: ${minosConfig} }`
    : "{ kind: custom, start: 'true', stop: 'true', status: 'true' }";
  const inventory = join(dir, "inventory.yaml");
  writeFileSync(
    inventory,
    `cluster: c1\nzookeeper: { root: /pegasus/c1, source: "${source}", target: "${target}" }\nmeta_servers:\n${metas}\nshell: { host: local, command: "true" }\nmeta_control: ${control}\n`,
  );
  ctx = createContext({
    inventoryFile: inventory,
    method: "copy",
    log: createLog({ write: () => {} }),
  });
}

/** What a failed switch threw. */
async function failure(): Promise<Error> {
  try {
    await switchEveryConfig(ctx, "target");
  } catch (error) {
    return error as Error;
  }
  throw new Error("switchEveryConfig() did not fail");
}

const leftovers = () =>
  readdirSync(dir, { recursive: true }).filter((f) => String(f).includes("pzm-tmp"));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pzm-switch-"));
});
afterEach(async () => {
  if (immutable) await $`chattr -i ${immutable}`;
  immutable = undefined;
  await closeContext(ctx);
  rmSync(dir, { recursive: true, force: true });
});

describe("switchEveryConfig()", () => {
  test("switchEveryConfig() edits nothing when one config names another ensemble (exit 3, the file named)", async () => {
    setUp();
    writeFileSync(configs[2] as string, configText("10.9.9.9:2181"));
    const error = await failure();
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect(error.message).toContain(`${configs[2]} names 10.9.9.9:2181 in hosts_list`);
    expect(error.message).toContain("nothing was changed");
    expect(readFileSync(configs[0] as string, "utf8")).toBe(configText(source));
    expect(readFileSync(configs[1] as string, "utf8")).toBe(configText(source));
  });

  test("switchEveryConfig() that fails half-way exits 1 naming the changed and the unchanged files", async () => {
    setUp();
    const third = configs[2] as string;
    ctx.hosts = new Hosts({
      log: ctx.log,
      exec: (line, options) =>
        line.includes("pzm-write") && line.includes(third)
          ? Promise.resolve({
              exitCode: 1,
              signal: null,
              stdout: "",
              stderr: "cat: write error: No space left on device",
            })
          : runWithZx(line, options),
    });
    const error = await failure();
    expect(error).toBeInstanceOf(ActionFailed);
    expect(error.message).toBe(
      `Switched 2 of 3 configs to the target ensemble, then writing ${third} failed: changed ${configs[0]}, ${configs[1]}; not changed ${third}`,
    );
    expect((error.cause as Error).message).toBe(
      `Cannot write ${third} on local: cat: write error: No space left on device`,
    );
    expect(readFileSync(third, "utf8")).toBe(configText(source));
    // Run again: the switched ones are left alone, the rest is completed.
    ctx.hosts = new Hosts({ log: ctx.log });
    await switchEveryConfig(ctx, "target");
    for (const file of configs) expect(readFileSync(file, "utf8")).toBe(configText(target));
  });

  test("switchEveryConfig() edits a symlinked config.ini's target and keeps the link", async () => {
    setUp();
    const real = join(dir, "shared-config.ini");
    writeFileSync(real, configText(source));
    rmSync(configs[1] as string);
    symlinkSync(real, configs[1] as string);
    await switchEveryConfig(ctx, "target");
    expect(lstatSync(configs[1] as string).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, "utf8")).toBe(configText(target));
    expect(leftovers()).toEqual([]);
  });

  test("switchEveryConfig() refuses an immutable config before editing any, with its cause, and leaves no temp file", async () => {
    setUp();
    immutable = configs[1] as string;
    await $`chattr +i ${immutable}`;
    const error = await failure();
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect(error.message).toContain(`${immutable}: ${immutable} is immutable (lsattr: `);
    expect(readFileSync(configs[0] as string, "utf8")).toBe(configText(source));
    expect(leftovers()).toEqual([]);
  });

  test("Hosts.writeFile() on an immutable file names the system's reason and removes its temp file", async () => {
    setUp();
    immutable = configs[0] as string;
    await $`chattr +i ${immutable}`;
    const error = await ctx.hosts.writeFile("local", immutable, "x").catch((e: Error) => e);
    expect((error as Error).message).toBe(
      `Cannot write ${immutable} on local: mv: cannot move '${immutable}.pzm-tmp' to '${immutable}': Operation not permitted`,
    );
    expect(leftovers()).toEqual([]);
  });

  test("switchEveryConfig() with minos switches the minos cluster config too, by one line", async () => {
    const minos = join(dir, "pegasus-c1.cfg");
    const minosText = (hosts: string) =>
      `[meta]\nbase_port = 34601\n\n[[config]]\n  [zookeeper]\n    hosts_list = ${hosts}   # the ensemble\r\n    timeout_ms = 30000\n`;
    writeFileSync(minos, minosText(source));
    setUp(minos);
    await switchEveryConfig(ctx, "target");
    expect(readFileSync(minos, "utf8")).toBe(minosText(target));
    for (const file of configs) expect(readFileSync(file, "utf8")).toBe(configText(target));
    expect(readFileSync(ctx.journal.backupPath("configs/minos-pegasus-c1.cfg"), "utf8")).toBe(
      minosText(source),
    );
    expect(existsSync(ctx.journal.backupPath("configs/meta-task0.config.ini"))).toBe(true);
  });

  test("minosConfigAgrees (check) reports a minos config and config.ini files that disagree", async () => {
    const minos = join(dir, "pegasus-c1.cfg");
    writeFileSync(minos, `[zookeeper]\n  hosts_list = ${target}\n`);
    setUp(minos);
    const seen = await minosConfigAgrees.observe(ctx);
    expect(seen).toEqual({
      ok: false,
      evidence: `minos config ${minos} line 2 says ${target}; ${configs.map((c) => `${c} says ${source}`).join("; ")}`,
    });
    writeFileSync(minos, `[zookeeper]\n  hosts_list = ${source}\n`);
    expect(await minosConfigAgrees.observe(ctx)).toEqual({
      ok: true,
      evidence: `minos config ${minos} line 2 says ${source}, as all 3 meta configs`,
    });
  });

  test("a minos config without exactly one hosts_list line is refused before any edit", async () => {
    const minos = join(dir, "pegasus-c1.cfg");
    writeFileSync(
      minos,
      `[zookeeper]\n  hosts_list = ${source}\n[other]\n  hosts_list = ${source}\n`,
    );
    setUp(minos);
    const error = await failure();
    expect(error.message).toContain(
      `Cannot use minos config ${minos} as it must hold exactly one hosts_list line: found 2 (lines 2, 4)`,
    );
    for (const file of configs) expect(readFileSync(file, "utf8")).toBe(configText(source));
  });
});
