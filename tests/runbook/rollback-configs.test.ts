/**
 * Rollback's config restore on real files through the real process door: after copy/04's switch,
 * every meta config and the minos cluster config go back to their original bytes; a file someone
 * else changed is refused with its diff before anything is written.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PreconditionFailed } from "../../lib/errors.ts";
import { createLog } from "../../lib/log.ts";
import { copyRollbackFacts } from "../../scripts/copy/rollback-facts.ts";
import { switchEveryConfig } from "../../scripts/runbook/config-switch.ts";
import {
  closeContext,
  createContext,
  type MigrationContext,
} from "../../scripts/runbook/context.ts";
import {
  configStandings,
  restoreConfigs,
  verifyConfigsRestorable,
} from "../../scripts/runbook/rollback-configs.ts";

const source = "127.0.0.1:2181";
const target = "127.0.0.1:2182";
// CRLF, a trailing comment and odd spacing: restored means byte for byte.
const configText = (hosts: string) =>
  `[meta_server]\r\n  server_list = 127.0.0.1:34601\r\n  cluster_root = /pegasus/c1\r\n\r\n[zookeeper]\r\n  hosts_list   =${hosts} ; ensemble\r\n`;
const minosText = (hosts: string) => `[[config]]\n  [zookeeper]\n    hosts_list = ${hosts}\n`;

let dir: string;
let configs: string[];
let minos: string;
let ctx: MigrationContext;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "pzm-rollback-configs-"));
  configs = [0, 1].map((task) => {
    mkdirSync(join(dir, `meta${task}`));
    const file = join(dir, `meta${task}`, "config.ini");
    writeFileSync(file, configText(source));
    return file;
  });
  minos = join(dir, "pegasus-c1.cfg");
  writeFileSync(minos, minosText(source));
  const metas = configs
    .map(
      (config, task) =>
        `  - { address: "127.0.0.1:3460${task + 1}", host: local, config: ${config}, task: ${task} }`,
    )
    .join("\n");
  const inventory = join(dir, "inventory.yaml");
  writeFileSync(
    inventory,
    `cluster: c1\nzookeeper: { root: /pegasus/c1, source: "${source}", target: "${target}" }\nmeta_servers:\n${metas}\nshell: { host: local, command: "true" }\nmeta_control: { kind: minos, client_dir: ${dir}, minos_config: ${minos} }\n`,
  );
  ctx = createContext({
    inventoryFile: inventory,
    method: "copy",
    log: createLog({ write: () => {} }),
  });
});
afterEach(async () => {
  await closeContext(ctx);
  rmSync(dir, { recursive: true, force: true });
});

describe("rollback configs", () => {
  test("restoreConfigs() puts every meta config and the minos config back byte for byte", async () => {
    await switchEveryConfig(ctx, "target");
    const states = (await configStandings(ctx, copyRollbackFacts)).map((s) => s.state);
    expect(states).toEqual(["written", "written", "written"]);
    await restoreConfigs(ctx, copyRollbackFacts);
    for (const file of configs) expect(readFileSync(file, "utf8")).toBe(configText(source));
    expect(readFileSync(minos, "utf8")).toBe(minosText(source));
    const after = (await configStandings(ctx, copyRollbackFacts)).map((s) => s.state);
    expect(after).toEqual(["original", "original", "original"]);
  });

  test("verifyConfigsRestorable() refuses a config changed after the switch, with its diff, writing nothing", async () => {
    await switchEveryConfig(ctx, "target");
    const edited = `${configText(target)}[replication]\r\n  cluster_name = c1\r\n`;
    writeFileSync(configs[1] as string, edited);
    const error = await restoreConfigs(ctx, copyRollbackFacts).catch((e: Error) => e);
    expect(error).toBeInstanceOf(PreconditionFailed);
    expect((error as Error).message).toBe(
      `Cannot roll back as a config was changed since the tool wrote it; nothing was changed:\n${configs[1]}: --- ${configs[1]} (as the tool wrote it)\n+++ ${configs[1]} (now)\n@@ -5,2 +5,4 @@\n [zookeeper]\n   hosts_list   =${target} ; ensemble\n+[replication]\n+  cluster_name = c1\n`,
    );
    expect(readFileSync(configs[0] as string, "utf8")).toBe(configText(target));
    expect(readFileSync(configs[1] as string, "utf8")).toBe(edited);
    expect(readFileSync(minos, "utf8")).toBe(minosText(target));
  });

  test("verifyConfigsRestorable() refuses a config the tool never edited that names the target", async () => {
    writeFileSync(minos, minosText(target));
    await expect(verifyConfigsRestorable(ctx, copyRollbackFacts)).rejects.toThrow(
      `minos config ${minos}: the tool never edited it, yet its hosts_list names the target ensemble`,
    );
  });
});
