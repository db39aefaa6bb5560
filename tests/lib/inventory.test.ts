import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { InventoryInvalid, loadInventory, parseInventory } from "../../lib/inventory.ts";

const root = join(import.meta.dir, "../..");

/** A small valid inventory; tests change one thing at a time. */
const valid = `cluster: c1
zookeeper:
  root: /pegasus/c1
  source: zk1:2181,zk2:2181
  target: nzk1:2181
meta_servers:
  - address: 10.0.0.1:34601
    config: /etc/pegasus/meta/config.ini
    task: 0
  - address: 10.0.0.2:34601
    host: work@meta2
    config: /etc/pegasus/meta/config.ini
    task: 1
shell:
  command: ./run.sh shell --cluster {meta_list}
meta_control:
  kind: systemd
  unit: pegasus-meta@{task}
`;

function problemsOf(text: string) {
  try {
    parseInventory(text, "/x/inv.yaml");
  } catch (error) {
    if (error instanceof InventoryInvalid) return error;
    throw error;
  }
  throw new Error("expected the inventory to be invalid");
}

describe("loadInventory()", () => {
  test("loadInventory() accepts config.example.yaml and applies presets and durations", () => {
    const inv = loadInventory(join(root, "config.example.yaml"));
    expect(inv.cluster).toBe("c1");
    expect(inv.metaServers.map((m) => m.task)).toEqual([0, 1, 2]);
    expect(inv.metaControl.stop).toEqual(["systemctl", "stop", "pegasus-meta@{task}"]);
    expect(inv.timeouts.healthyMs).toBe(600_000);
    expect(inv.timeouts.fdLeaseMs).toBe("auto");
    expect(inv.zookeeper.auth).toEqual({
      sourceEnv: "PZM_SOURCE_ZK_DIGEST",
      targetEnv: "PZM_TARGET_ZK_DIGEST",
    });
    expect(inv.stateDir).toBe(join(root, ".pegasus-zk-migrate/c1"));
  });

  test("parseInventory() fills defaults for omitted optional keys", () => {
    const inv = parseInventory(valid, "/x/inv.yaml");
    expect(inv.metaServers[0]?.host).toBe("local");
    expect(inv.shell.host).toBe("local");
    expect(inv.replicaServers).toEqual([]);
    expect(inv.zookeeper.sessionTimeoutMs).toBe(10_000);
    expect(inv.stateDir).toBe("/x/.pegasus-zk-migrate/c1");
  });

  test("loadInventory() names a missing file and how to fix it", () => {
    expect(() => loadInventory("/nonexistent/inv.yaml")).toThrow(
      "Cannot read inventory /nonexistent/inv.yaml: ENOENT",
    );
  });
});

describe("inventory errors", () => {
  test("a wrong type, a missing target and a misspelt key are all reported with their lines", () => {
    const text = valid
      .replace("  target: nzk1:2181\n", "")
      .replace("    task: 1", "    task: one")
      .replace("  unit: pegasus-meta@{task}", "  unit: pegasus-meta@{task}\n  unti: x");
    const error = problemsOf(text);
    expect(error.problems).toEqual([
      {
        line: 2,
        path: "zookeeper.target",
        expected: "a ZooKeeper connect string host:port[,host:port…]",
        found: "nothing (the key is missing)",
      },
      {
        line: 12,
        path: "meta_servers[1].task",
        expected: "the meta's task index, an integer ≥ 0",
        found: '"one"',
      },
      {
        line: 18,
        path: "meta_control.unti",
        expected: 'a known key (did you mean "unit"?)',
        found: 'unknown key "unti"',
      },
    ]);
    expect(error.message).toContain(
      "/x/inv.yaml:12: meta_servers[1].task: expected the meta's task index",
    );
    expect(error.exitCode).toBe(2);
  });

  test("YAML syntax errors carry their line", () => {
    const error = problemsOf(valid.replace("  root: /pegasus/c1", "  root: [unclosed"));
    expect(error.problems[0]).toEqual({
      line: 4,
      path: "",
      expected: "valid YAML",
      found: "Flow sequence in block collection must be sufficiently indented and end with a ]",
    });
  });

  test("duplicate tasks and addresses, and target equal to source, are refused", () => {
    const text = valid
      .replace("10.0.0.2:34601", "10.0.0.1:34601")
      .replace("task: 1", "task: 0")
      .replace("nzk1:2181", "zk1:2181,zk2:2181");
    const paths = problemsOf(text).problems.map((p) => `${p.line} ${p.path} ${p.expected}`);
    expect(paths).toEqual([
      "5 zookeeper.target an ensemble that shares no server with source; both name zk1:2181, zk2:2181",
      "10 meta_servers[1].address a unique address; meta_servers[0] has it too",
      "13 meta_servers[1].task a unique task; meta_servers[0] has it too",
    ]);
  });

  test("templates may only use their placeholders and must have balanced quotes", () => {
    const error = problemsOf(valid.replace("--cluster {meta_list}", "--cluster {metas} 'x"));
    expect(error.problems.map((p) => p.expected)).toEqual([
      "balanced quotes (unclosed ' in: ./run.sh shell --cluster {metas} 'x)",
    ]);
    const unknown = problemsOf(valid.replace("--cluster {meta_list}", "--cluster {metas}"));
    expect(unknown.problems[0]?.expected).toBe(
      "only the placeholders {cluster} {meta_list}; {metas} is not one of them",
    );
  });

  test("kind custom needs start, stop and status; kind systemd needs unit", () => {
    const custom = problemsOf(
      valid.replace(
        "kind: systemd\n  unit: pegasus-meta@{task}",
        "kind: custom\n  start: run-meta {task}",
      ),
    );
    expect(custom.problems.map((p) => p.path)).toEqual([
      "meta_control.stop",
      "meta_control.status",
    ]);
    const systemd = problemsOf(valid.replace("  unit: pegasus-meta@{task}\n", ""));
    expect(systemd.problems.map((p) => `${p.path}: ${p.expected}`)).toEqual([
      "meta_control.unit: a unit name such as pegasus-meta@{task} for kind systemd",
    ]);
  });

  test("kind minos needs the minos cluster config too, which the tool switches with config.ini", () => {
    const minos = problemsOf(
      valid.replace(
        "kind: systemd\n  unit: pegasus-meta@{task}",
        "kind: minos\n  client_dir: /home/work/minos/client",
      ),
    );
    expect(minos.problems.map((p) => `${p.path}: ${p.expected}`)).toEqual([
      "meta_control.minos_config: the minos cluster config (pegasus-<cluster>.cfg or .yaml), which the tool switches together with config.ini for kind minos",
    ]);
  });

  test("a chroot suffix and a bad duration are explained", () => {
    const text = `${valid.replace("nzk1:2181", "nzk1:2181/pegasus")}timeouts:\n  healthy: 10\n`;
    expect(problemsOf(text).problems.map((p) => `${p.line} ${p.path}: ${p.found}`)).toEqual([
      '5 zookeeper.target: "nzk1:2181/pegasus"',
      "20 timeouts.healthy: number 10",
    ]);
  });
});
