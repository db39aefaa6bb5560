/**
 * The parsers and the health logic against the upstream-derived corpus (fixtures/upstream.ts):
 * every command on v2.4.0, v2.5.0 and master, and one test per known defect per tag it applies to.
 */
import { describe, expect, test } from "bun:test";
import {
  appEnvsCommand,
  clusterInfoCommand,
  evaluateHealth,
  getMetaLevelCommand,
  type HealthExpectations,
  HostIdentities,
  type MetaLevel,
  MetaUnderRecovery,
  nodesCommand,
  RecoverFailed,
  recoverCommand,
  type Settled,
  type ShellCommand,
  ShellCommandFailed,
  ShellCommandRejected,
  serverInfoCommand,
  setMetaLevelCommand,
  splitShellOutput,
  tablesCommand,
} from "../../../lib/shell/index.ts";
import * as u from "./fixtures/upstream.ts";

/** Splits one process's output: the tag's banner, then the fixtures in order. */
function run(
  tag: u.Tag,
  commands: ShellCommand<unknown>[],
  fixtures: u.Fixture[],
): Settled<unknown>[] {
  const stdout = u.banner(tag) + fixtures.map((f) => f.stdout).join("");
  const stderr = fixtures.map((f) => f.stderr ?? "").join("");
  return splitShellOutput(stdout, stderr, commands, "auto").results;
}

function value<T>(settled: Settled<unknown>): T {
  if (!settled.ok) throw settled.error;
  return settled.value as T;
}

function failure(settled: Settled<unknown> | undefined): Error {
  if (!settled || settled.ok) throw new Error(`expected an error, got ${JSON.stringify(settled)}`);
  return settled.error;
}

/** Inventory-side expectations: IPs everywhere, the ensemble written without spaces. */
const expected: HealthExpectations = {
  zookeeperHosts: "10.0.0.21:2181,10.0.0.22:2181",
  zookeeperRoot: "/pegasus/c1",
  metaServers: u.metaServers,
  baseline: { nodes: ["10.0.0.11:34801", "10.0.0.12:34801"], tables: ["t1"] },
};

/** The DNS of the corpus: `metaN.pegasus.test` ↔ 10.0.0.N, `replicaN.pegasus.test` ↔ 10.0.0.1N. */
const dns: Record<string, string[]> = {};
for (const n of [1, 2, 3]) {
  dns[`meta${n}.pegasus.test`] = [`10.0.0.${n}`];
  dns[`10.0.0.${n}`] = [`10.0.0.${n}`, `meta${n}.pegasus.test`];
  dns[`replica${n}.pegasus.test`] = [`10.0.0.${10 + n}`];
  dns[`10.0.0.${10 + n}`] = [`10.0.0.${10 + n}`, `replica${n}.pegasus.test`];
}
const resolve = async (host: string) => dns[host] ?? [];

async function healthOf(tag: u.Tag, fixtures: u.Fixture[], resolver = resolve) {
  const commands = [
    clusterInfoCommand(),
    nodesCommand(),
    tablesCommand({ all: true }),
    getMetaLevelCommand(),
  ];
  const [clusterInfo, nodes, tables, metaLevel] = run(tag, commands, fixtures) as [
    Settled<never>,
    Settled<never>,
    Settled<never>,
    Settled<never>,
  ];
  const seen = [
    ...u.metaServers,
    u.self(tag, "meta", 1),
    u.zookeeperConfig,
    u.self(tag, "replica", 1),
    u.self(tag, "replica", 2),
    expected.zookeeperHosts,
    ...(expected.baseline?.nodes ?? []),
  ];
  const identities = await HostIdentities.resolve(seen, resolver);
  return evaluateHealth({ clusterInfo, nodes, tables, metaLevel, identities }, expected);
}

/** The command whose RPC fails, and the line it prints. */
function failing(
  tag: u.Tag,
  what: "list apps" | "list nodes" | "get cluster info",
  code: string,
): [ShellCommand<unknown>, u.Fixture] {
  const command =
    what === "list apps"
      ? tablesCommand()
      : what === "list nodes"
        ? nodesCommand()
        : clusterInfoCommand();
  const from = u.failureFrom[what] as string;
  return [
    command,
    { tag, from, command: command.lines[0] as string, stdout: u.rpcFailure(tag, what, code) },
  ];
}

const healthyBatch = (tag: u.Tag) => [
  u.clusterInfo(tag, true),
  u.nodes(tag, true),
  u.ls(tag, [[1, "t1", "AVAILABLE"]], true),
  u.getMetaLevel(tag, "fl_steady"),
];

describe.each(u.tags)("upstream %s", (tag) => {
  test("clusterInfoCommand() reads text and -j: the primary as the server names itself, zookeeper_hosts verbatim", () => {
    for (const json of [false, true]) {
      const info = value<{
        primaryMetaServer: string;
        zookeeperHosts: string;
        metaServers: string[];
      }>(
        run(tag, [clusterInfoCommand({ json })], [u.clusterInfo(tag, json)])[0] as Settled<unknown>,
      );
      expect(info.primaryMetaServer).toBe(u.self(tag, "meta", 1));
      expect(info.metaServers).toEqual(u.metaServers);
      expect(info.zookeeperHosts).toBe(u.zookeeperConfig);
    }
  });

  test("nodesCommand() reads nodes -d text and -j", () => {
    for (const json of [false, true]) {
      const list = value<{ nodes: { address: string; replicaCount?: number }[] }>(
        run(tag, [nodesCommand({ json })], [u.nodes(tag, json)])[0] as Settled<unknown>,
      );
      expect(list.nodes.map((n) => [n.address, n.replicaCount])).toEqual([
        [u.self(tag, "replica", 1), 8],
        [u.self(tag, "replica", 2), 8],
      ]);
    }
  });

  test("defect 3: tablesCommand() reads ls -d without any AVAILABLE table (no [healthy_info]) as no unhealthy partition", async () => {
    for (const json of [false, true]) {
      for (const apps of [[], [[2, "old", "DROPPED"]]] as [number, string, string][][]) {
        const list = value<{ tables: unknown[]; health?: unknown[] }>(
          run(
            tag,
            [tablesCommand({ all: true, json })],
            [u.ls(tag, apps, json)],
          )[0] as Settled<unknown>,
        );
        expect(list.tables).toHaveLength(apps.length);
        expect(list.health).toEqual([]);
      }
    }
    const batch = healthyBatch(tag);
    batch[2] = u.ls(tag, [[2, "old", "DROPPED"]], true);
    const report = await healthOf(tag, batch);
    expect(report.conditions.find((c) => c.id === "allTablesHealthy")).toEqual({
      id: "allTablesHealthy",
      ok: true,
      evidence: "0 tables fully healthy",
    });
  });

  test("tablesCommand() reads ls -a -d with AVAILABLE tables: one health row each", () => {
    const apps: [number, string, string][] = [
      [1, "t1", "AVAILABLE"],
      [2, "old", "DROPPED"],
    ];
    for (const json of [false, true]) {
      const list = value<{ health?: { name: string; fullyHealthy: number }[] }>(
        run(
          tag,
          [tablesCommand({ all: true, json })],
          [u.ls(tag, apps, json)],
        )[0] as Settled<unknown>,
      );
      expect(list.health?.map((h) => [h.name, h.fullyHealthy])).toEqual([["t1", 4]]);
    }
  });

  test("defect 2: a failed RPC is ShellCommandFailed with its code, and does not take the health batch down", async () => {
    for (const what of ["list apps", "list nodes", "get cluster info"] as const) {
      const [command, fixture] = failing(tag, what, "ERR_TIMEOUT");
      const error = failure(
        run(tag, [command, getMetaLevelCommand()], [fixture, u.getMetaLevel(tag, "fl_steady")])[0],
      );
      expect(error).toBeInstanceOf(ShellCommandFailed);
      expect((error as ShellCommandFailed).code).toBe("ERR_TIMEOUT");
    }
    const batch = healthyBatch(tag);
    batch[2] = { ...batch[2], stdout: u.rpcFailure(tag, "list apps", "ERR_TIMEOUT") } as u.Fixture;
    const report = await healthOf(tag, batch);
    expect(report.failed.map((c) => c.id)).toEqual(["tablesAnswer"]);
    expect(report.conditions.find((c) => c.id === "allNodesAlive")?.ok).toBe(true);
  });

  test("defect 6: nodes (and every command but recover) in recovery mode prints ERR_UNDER_RECOVERY: MetaUnderRecovery", () => {
    for (const what of ["list nodes", "list apps", "get cluster info"] as const) {
      const [command, fixture] = failing(tag, what, "ERR_UNDER_RECOVERY");
      const error = failure(run(tag, [command], [fixture])[0]);
      expect(error).toBeInstanceOf(MetaUnderRecovery);
    }
  });

  test("defect 4: setMetaLevelCommand() reads a bad level from stderr (master: ANSI ERROR:) and its USAGE, and the next command still parses", () => {
    const results = run(
      tag,
      [setMetaLevelCommand("sleepy" as MetaLevel), getMetaLevelCommand()],
      [u.badLevel(tag, "sleepy"), u.getMetaLevel(tag, "fl_blind")],
    );
    const error = failure(results[0]) as ShellCommandRejected;
    expect(error).toBeInstanceOf(ShellCommandRejected);
    expect(error.lines[0]).toBe(
      `${tag === "master" ? "ERROR: " : ""}parse sleepy as meta function level failed`,
    );
    expect(error.lines[1]).toStartWith("USAGE:  set_meta_level ");
    expect(value<{ level: string }>(results[1] as Settled<unknown>).level).toBe("blind");
  });

  test("recoverCommand() reads a successful recovery with waits and a data-loss warning", () => {
    const fixture = u.recover(tag, { waited: 2, hints: [u.hint.partial("1.0", 2)] });
    const nodes = [u.self(tag, "replica", 1), u.self(tag, "replica", 2)];
    const result = value<{ waitedSeconds: number; hints: { kind: string }[]; nodes: string[] }>(
      run(tag, [recoverCommand(nodes)], [fixture])[0] as Settled<unknown>,
    );
    expect(result.waitedSeconds).toBe(2);
    expect(result.nodes).toEqual(nodes);
    expect(result.hints.map((h) => h.kind)).toEqual(["partial-partition"]);
  });

  test("defect 1: recoverCommand() reads ERR_TRY_AGAIN whose bad-node hints end without a newline (master)", () => {
    const nodes = [u.self(tag, "replica", 1), u.self(tag, "replica", 2)];
    const hints = [
      u.hint.badNode(tag, nodes[0] as string, "ERR_NETWORK_FAILURE", false),
      u.hint.badNode(tag, nodes[1] as string, "ERR_TIMEOUT", false),
    ];
    const fixture = u.recover(tag, { result: "ERR_TRY_AGAIN", hints });
    const error = failure(run(tag, [recoverCommand(nodes)], [fixture])[0]) as RecoverFailed;
    expect(error).toBeInstanceOf(RecoverFailed);
    expect(error.code).toBe("ERR_TRY_AGAIN");
    expect(error.result.hints).toMatchObject([
      { kind: "bad-node", node: nodes[0], error: "ERR_NETWORK_FAILURE", skipped: false },
      { kind: "bad-node", node: nodes[1], error: "ERR_TIMEOUT", skipped: false },
    ]);
  });

  test("defect 1: recoverCommand() -b keeps the skipped-node warning before the data-loss warnings", () => {
    const nodes = [u.self(tag, "replica", 1), u.self(tag, "replica", 2)];
    const hints = [
      u.hint.badNode(tag, nodes[1] as string, "ERR_NETWORK_FAILURE", true),
      u.hint.renamed(3, "t1", "t1__3"),
      u.hint.partial("1.0", 1),
    ];
    const fixture = u.recover(tag, { skipBadNodes: true, hints });
    const result = value<{ hints: { kind: string; line: string }[] }>(
      run(tag, [recoverCommand(nodes, { skipBadNodes: true })], [fixture])[0] as Settled<unknown>,
    );
    expect(result.hints.map((h) => h.kind)).toEqual(["bad-node", "renamed", "partial-partition"]);
    expect(result.hints[0]?.line).toEndWith("skip the bad node");
  });

  test("recoverCommand() reads the timeout line as RecoverFailed ERR_TIMEOUT", () => {
    const nodes = [u.self(tag, "replica", 1), u.self(tag, "replica", 2)];
    const error = failure(
      run(tag, [recoverCommand(nodes)], [u.recoverTimeout(tag)])[0],
    ) as RecoverFailed;
    expect(error).toBeInstanceOf(RecoverFailed);
    expect(error.result.waitedSeconds).toBe(100);
  });

  test("defect 5: evaluateHealth() matches metas, nodes and the ensemble by resolved identity", async () => {
    const report = await healthOf(tag, healthyBatch(tag));
    expect(report.failed).toEqual([]);
    expect(report.healthy).toBe(true);
  });
});

describe("defect 5 on master: identity, not string equality", () => {
  test("evaluateHealth() fails when neither the name nor the IP resolves to the other", async () => {
    const elsewhere = async (host: string) =>
      host === "meta1.pegasus.test"
        ? ["10.9.9.9"]
        : host === "10.0.0.1"
          ? ["10.0.0.1"]
          : resolve(host);
    const report = await healthOf("master", healthyBatch("master"), elsewhere);
    expect(report.failed).toEqual([
      {
        id: "primaryMetaIsKnown",
        ok: false,
        evidence: "primary_meta_server = meta1.pegasus.test:34601",
      },
    ]);
  });

  test("evaluateHealth() matches by the IP's reverse name alone (as the server named itself)", async () => {
    const reverseOnly = async (host: string) =>
      host.endsWith(".pegasus.test") ? [] : resolve(host);
    expect((await healthOf("master", healthyBatch("master"), reverseOnly)).failed).toEqual([]);
  });

  test("evaluateHealth() without identities matches only what is written alike (master fails)", () => {
    const [clusterInfo, nodes, tables, metaLevel] = run(
      "master",
      [clusterInfoCommand(), nodesCommand(), tablesCommand({ all: true }), getMetaLevelCommand()],
      healthyBatch("master"),
    ) as [Settled<never>, Settled<never>, Settled<never>, Settled<never>];
    const report = evaluateHealth({ clusterInfo, nodes, tables, metaLevel }, expected);
    expect(report.failed.map((c) => c.id)).toEqual(["primaryMetaIsKnown", "nodeSetUnchanged"]);
  });

  test("HostIdentities matches IP ↔ name both ways, ports must agree", async () => {
    const ids = await HostIdentities.resolve(
      ["meta1.pegasus.test:34601", "10.0.0.1:34601"],
      resolve,
    );
    expect(ids.sameEndpoint("meta1.pegasus.test:34601", "10.0.0.1:34601")).toBe(true);
    expect(ids.sameEndpoint("10.0.0.1:34601", "meta1.pegasus.test:34601")).toBe(true);
    expect(ids.sameEndpoint("10.0.0.1:34601", "meta1.pegasus.test:34602")).toBe(false);
    expect(ids.sameEnsemble("10.0.0.21:2181, 10.0.0.22:2181", "10.0.0.22,10.0.0.21:2181")).toBe(
      true,
    );
  });
});

describe.each(u.tags)("upstream %s, the other commands", (tag) => {
  test("setMetaLevelCommand() and getMetaLevelCommand() read their answers and their error lines", () => {
    const results = run(
      tag,
      [setMetaLevelCommand("blind"), getMetaLevelCommand(), setMetaLevelCommand("steady")],
      [
        u.setMetaLevel(tag, "blind", "fl_steady"),
        u.getMetaLevel(tag, "ERR_UNDER_RECOVERY"),
        u.setMetaLevel(tag, "steady", "ERR_UNDER_RECOVERY"),
      ],
    );
    expect(value<{ oldLevel: string }>(results[0] as Settled<unknown>).oldLevel).toBe("steady");
    expect(failure(results[1])).toBeInstanceOf(MetaUnderRecovery);
    expect((failure(results[2]) as ShellCommandFailed).code).toBe("ERR_UNDER_RECOVERY");
  });

  test("serverInfoCommand() reads every server, answered or not", () => {
    const servers: [string, string, boolean][] = [
      ["meta-server", u.self(tag, "meta", 1), true],
      ["replica-server", u.self(tag, "replica", 1), true],
      ["replica-server", u.self(tag, "replica", 2), false],
    ];
    const info = value<{
      servers: { address: string; ok: boolean; version?: string }[];
      failedCount: number;
    }>(run(tag, [serverInfoCommand()], [u.serverInfo(tag, servers)])[0] as Settled<unknown>);
    expect(info.failedCount).toBe(1);
    expect(info.servers.map((s) => [s.address, s.ok]).sort()).toEqual(
      servers.map(([, address, ok]) => [address, ok]).sort(),
    );
    expect(info.servers.find((s) => s.ok)?.version).toBe(
      tag === "master" ? "2.6.0-SNAPSHOT" : tag.slice(1),
    );
  });

  test("appEnvsCommand() reads envs in text and -j, none at all, and an unknown table", () => {
    for (const json of [false, true]) {
      const envs = {
        "replica.deny_client_request": "timeout*all",
        "rocksdb.usage_scenario": "normal",
      };
      const read = (fixture: u.Fixture) =>
        run(tag, [appEnvsCommand("t1")], [fixture])[0] as Settled<unknown>;
      expect(value(read(u.appEnvs(tag, envs, json)))).toEqual(envs);
      expect(value(read(u.appEnvs(tag, {}, json)))).toEqual({});
      expect((failure(read(u.appEnvs(tag, null, json))) as ShellCommandFailed).code).toBe(
        "ERR_OBJECT_NOT_FOUND",
      );
    }
  });

  test("nodesCommand() and tablesCommand() read an empty cluster", () => {
    const empty: u.Fixture = {
      ...u.nodes(tag, true),
      stdout:
        '{\n    "details": {},\n    "summary": {\n        "total_node_count": "0",\n        "alive_node_count": "0",\n        "unalive_node_count": "0"\n    }\n}\n',
    };
    const [nodes, tables] = run(
      tag,
      [nodesCommand(), tablesCommand({ all: true })],
      [empty, u.ls(tag, [], true)],
    );
    expect(value<{ nodes: unknown[] }>(nodes as Settled<unknown>).nodes).toEqual([]);
    expect(
      value<{ tables: unknown[]; health?: unknown[] }>(tables as Settled<unknown>),
    ).toMatchObject({ tables: [], health: [] });
  });
});
