import { describe, expect, test } from "bun:test";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Hosts } from "../../../lib/hosts.ts";
import { parseInventory } from "../../../lib/inventory.ts";
import { createLog, type Event } from "../../../lib/log.ts";
import {
  clusterInfoCommand,
  evaluateHealth,
  expectationsFor,
  getMetaLevelCommand,
  MetaUnderRecovery,
  nodesCommand,
  observeHealth,
  PegasusShell,
  ShellUnreachable,
  serverInfoCommand,
  tablesCommand,
} from "../../../lib/shell/index.ts";
import * as f from "./fixtures.ts";

/**
 * A tiny stand-in executable for the shell's process plumbing: it prints a banner, then for each
 * stdin line prints the canned output in `out/<line with non-word characters as _>.out` (and
 * `.err` on stderr), and appends its pid and every line to `calls.log`.
 */
function fakeShell(canned: Record<string, { out?: string; err?: string }>, banner = f.banner26) {
  const dir = mkdtempSync(join(tmpdir(), "pzm-shell-"));
  mkdirSync(join(dir, "out"));
  writeFileSync(join(dir, "banner.txt"), banner);
  for (const [line, { out, err }] of Object.entries(canned)) {
    const name = line.replace(/[^A-Za-z0-9_]/g, "_");
    if (out !== undefined) writeFileSync(join(dir, "out", `${name}.out`), out);
    if (err !== undefined) writeFileSync(join(dir, "out", `${name}.err`), err);
  }
  const script = `#!/bin/sh
dir="$(dirname "$0")"
echo "start $$ $*" >> "$dir/calls.log"
cat "$dir/banner.txt"
while IFS= read -r line; do
  echo "line $$ $line" >> "$dir/calls.log"
  name=$(printf '%s' "$line" | sed 's/[^A-Za-z0-9_]/_/g')
  [ -f "$dir/out/$name.out" ] && cat "$dir/out/$name.out"
  [ -f "$dir/out/$name.err" ] && cat "$dir/out/$name.err" >&2
done
exit 0
`;
  const path = join(dir, "pegasus_shell");
  writeFileSync(path, script);
  chmodSync(path, 0o755);
  const calls = () =>
    existsSync(join(dir, "calls.log")) ? readFileSync(join(dir, "calls.log"), "utf8") : "";
  return { dir, path, calls };
}

function driver(command: string, options: { dryRun?: boolean; version?: string } = {}) {
  const inventory = parseInventory(
    `cluster: onebox
zookeeper: { root: /pegasus/onebox/127.0.0.1, source: 127.0.0.1:22181, target: 127.0.0.1:22182 }
meta_servers:
  - { address: 127.0.0.1:34601, config: /tmp/meta1/config.ini, task: 1 }
  - { address: 127.0.0.1:34602, config: /tmp/meta2/config.ini, task: 2 }
shell: { command: ${JSON.stringify(command)}, version: "${options.version ?? "auto"}" }
meta_control: { kind: systemd, unit: "pegasus-meta@{task}" }
timeouts: { shell: 20s }
`,
    "/tmp/inventory.yaml",
  );
  const events: Event[] = [];
  const log = createLog({ json: true, write: (line) => events.push(JSON.parse(line)) });
  const hosts = new Hosts({ log, dryRun: options.dryRun ?? false, timeoutMs: 20_000 });
  return { shell: new PegasusShell({ inventory, hosts, log }), events, inventory };
}

describe("PegasusShell", () => {
  test("observe() sends several commands to one process and splits their outputs", async () => {
    const fake = fakeShell({
      "cluster_info -j": { out: f.clusterInfoJson26 },
      "nodes -d -j": { out: f.nodesJson },
      "ls -d -j": { out: f.lsJson },
      get_meta_level: { out: "current meta level is fl_steady\n" },
    });
    const { shell } = driver(`${fake.path} --cluster {meta_list}`);
    const [info, nodes, tables, level] = await shell.observe([
      clusterInfoCommand(),
      nodesCommand(),
      tablesCommand(),
      getMetaLevelCommand(),
    ]);
    expect(info.zookeeperHosts).toBe("127.0.0.1:22181");
    expect(nodes.summary.unalive_node_count).toBe(1);
    expect(tables.tables.map((t) => t.name)).toEqual(["stat"]);
    expect(level.level).toBe("steady");
    expect(shell.version).toBe("2.6");
    const calls = fake.calls().trim().split("\n");
    const pid = calls[0]?.split(" ")[1];
    expect(calls).toEqual([
      `start ${pid} --cluster 127.0.0.1:34601,127.0.0.1:34602`,
      `line ${pid} cluster_info -j`,
      `line ${pid} nodes -d -j`,
      `line ${pid} ls -d -j`,
      `line ${pid} get_meta_level`,
    ]);
  });

  test("observe() reads ≤2.5 server_info from stderr in the same process", async () => {
    const fake = fakeShell(
      {
        "cluster_info -j": { out: f.clusterInfoJson25 },
        server_info: { err: f.serverInfo25Stderr },
      },
      f.banner25,
    );
    const { shell } = driver(fake.path);
    const [info, servers] = await shell.observe([clusterInfoCommand(), serverInfoCommand()]);
    expect(info.clusterName).toBe("onebox");
    expect(servers.failedCount).toBe(1);
    expect(shell.version).toBe("2.5");
  });

  test("observe() throws the command's error: ERR_UNDER_RECOVERY is MetaUnderRecovery", async () => {
    const fake = fakeShell({ "ls -d -j": { out: "list apps failed, error=ERR_UNDER_RECOVERY\n" } });
    const { shell } = driver(fake.path);
    await expect(shell.tables()).rejects.toBeInstanceOf(MetaUnderRecovery);
    const settled = await shell.observeSettled([tablesCommand()]);
    expect(settled[0].ok).toBe(false);
  });

  test("setMetaLevel() is a change: sent for real, printed with its stdin under dry-run", async () => {
    const fake = fakeShell({
      "set_meta_level blind": { out: "control meta level ok, the old level is fl_steady\n" },
    });
    const dry = driver(fake.path, { dryRun: true });
    const notRun = await dry.shell.setMetaLevel("blind");
    expect(notRun).toEqual({
      notRun: true,
      line: expect.stringContaining(fake.path),
      input: "set_meta_level blind\n",
    });
    expect(fake.calls()).toBe("");
    expect(dry.events[0]).toEqual({
      kind: "info",
      message: "Pegasus shell on local ← set_meta_level blind (dry-run: not sent)",
    });
    expect(dry.events[1]).toMatchObject({ kind: "cmd", dryRun: true, change: true });

    const real = driver(fake.path);
    expect(await real.shell.setMetaLevel("blind")).toEqual({
      oldLevel: "steady",
      raw: "fl_steady",
    });
    expect(fake.calls()).toContain("set_meta_level blind");
  });

  test("observeHealth() polls the four health commands in one process, errors included", async () => {
    const fake = fakeShell({
      "cluster_info -j": { out: f.clusterInfoJson26 },
      "nodes -d -j": { out: "list apps failed, error=ERR_UNDER_RECOVERY\n" },
      "ls -d -j": { out: "list apps failed, error=ERR_UNDER_RECOVERY\n" },
      get_meta_level: { out: "current meta level is fl_steady\n" },
    });
    const { shell, inventory } = driver(fake.path);
    const report = evaluateHealth(await observeHealth(shell), expectationsFor(inventory, "source"));
    expect(report.failed.map((c) => c.id)).toEqual([
      "metaServersAreExpected",
      "nodesAnswer",
      "tablesAnswer",
    ]);
    expect(report.failed[0]?.evidence).toBe(
      "meta_servers = 127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603 (expected 127.0.0.1:34601,127.0.0.1:34602)",
    );
    expect(fake.calls().match(/^start /gm)?.length).toBe(1);
  });

  test("observe() refuses a change command", async () => {
    const { shell } = driver("true");
    await expect(
      shell.observe([{ lines: ["set_meta_level blind"], change: true, read: () => 0 }]),
    ).rejects.toThrow("BUG: observe() was given a change");
  });

  test("an init failure is ShellUnreachable, whatever the exit code", async () => {
    const dir = mkdtempSync(join(tmpdir(), "pzm-shell-"));
    const path = join(dir, "pegasus_shell");
    writeFileSync(
      path,
      "#!/bin/sh\nprintf 'Pegasus Shell 2.5.0\\n\\nERROR: init pegasus failed: config.ini\\n'\nexit 255\n",
    );
    chmodSync(path, 0o755);
    const { shell } = driver(path);
    await expect(shell.clusterInfo()).rejects.toThrow(
      "Cannot start the Pegasus shell: it could not load its config config.ini",
    );
  });

  test("a shell that cannot run is ShellUnreachable with a hint", async () => {
    const { shell } = driver("/nonexistent/pegasus_shell");
    const failure = shell.clusterInfo();
    await expect(failure).rejects.toBeInstanceOf(ShellUnreachable);
    await expect(failure).rejects.toThrow(/^Cannot run the Pegasus shell on local: exit code 127/);
  });
});
