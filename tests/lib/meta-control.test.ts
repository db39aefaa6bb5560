import { describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hosts } from "../../lib/hosts.ts";
import { parseInventory } from "../../lib/inventory.ts";
import { createLog, type Event } from "../../lib/log.ts";
import { isMetaRunning, metaCommand, startMeta, stopMeta } from "../../lib/meta-control.ts";

/** An inventory whose custom meta control manages a real `sleep` process through a pid file. */
function inventory(dir: string) {
  return parseInventory(
    `cluster: c1
zookeeper: { root: /pegasus/c1, source: "127.0.0.1:1", target: "127.0.0.1:2" }
meta_servers:
  - { address: "127.0.0.1:34601", config: /x/config.ini, task: 0 }
shell: { command: "true" }
meta_control:
  kind: custom
  cwd: ${dir}
  start: [sh, -c, "sleep 300 >/dev/null 2>&1 & echo $! > meta{task}.pid", "{address}"]
  stop: [sh, -c, "kill $(cat meta{task}.pid) && rm meta{task}.pid"]
  status: [sh, -c, "kill -0 $(cat meta{task}.pid 2>/dev/null) 2>/dev/null"]
`,
    join(dir, "inv.yaml"),
  );
}

describe("meta control", () => {
  test("metaCommand() fills the template for one meta and runs in the control's cwd", () => {
    const inv = parseInventory(
      `cluster: c1
zookeeper: { root: /pegasus/c1, source: "z:1", target: "n:2" }
meta_servers: [{ address: "10.0.0.5:34601", host: work@m5, config: /c.ini, task: 3 }]
shell: { command: "true" }
meta_control: { kind: minos, client_dir: /home/work/minos/client, minos_config: /home/work/infra/pegasus-c1.cfg }
`,
      "/x/inv.yaml",
    );
    expect(metaCommand(inv, inv.metaServers[0] as never, "stop")).toEqual({
      argv: ["./deploy", "stop", "pegasus", "c1", "--job", "meta", "--task", "3", "--skip_confirm"],
      cwd: "/home/work/minos/client",
      timeoutMs: 60_000,
    });
  });

  test("startMeta(), isMetaRunning() and stopMeta() drive a real process", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm-meta-"));
    const inv = inventory(dir);
    const meta = inv.metaServers[0] as (typeof inv.metaServers)[0];
    const hosts = new Hosts({ log: createLog({ write: () => {} }) });
    expect(await isMetaRunning(hosts, inv, meta)).toBe(false);
    await startMeta(hosts, inv, meta);
    expect(await isMetaRunning(hosts, inv, meta)).toBe(true);
    await stopMeta(hosts, inv, meta);
    expect(await isMetaRunning(hosts, inv, meta)).toBe(false);
  });

  test("under dry-run start and stop are printed, not run", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm-meta-"));
    const inv = inventory(dir);
    const meta = inv.metaServers[0] as (typeof inv.metaServers)[0];
    const events: Event[] = [];
    const hosts = new Hosts({
      dryRun: true,
      log: createLog({ json: true, write: (l) => events.push(JSON.parse(l)) }),
    });
    await startMeta(hosts, inv, meta);
    expect(await isMetaRunning(hosts, inv, meta)).toBe(false);
    expect(events[0]).toMatchObject({ kind: "cmd", dryRun: true, change: true });
    expect((events[0] as { cmd: string }).cmd).toContain(
      "sleep 300 >/dev/null 2>&1 & echo $! > meta0.pid",
    );
  });
});
