import { describe, expect, test } from "bun:test";
import {
  clusterInfoCommand,
  evaluateHealth,
  getMetaLevelCommand,
  type HealthExpectations,
  type HealthObservation,
  nodesCommand,
  type Settled,
  type ShellCommand,
  splitShellOutput,
  tablesCommand,
} from "../../../lib/shell/index.ts";
import * as f from "./fixtures.ts";

function read<T>(command: ShellCommand<T>, stdout: string): Settled<T> {
  return splitShellOutput(f.banner26 + stdout, "", [command], "auto").results[0] as Settled<T>;
}

const allAlive = f.nodesJson
  .replace('"alive_node_count": "2"', '"alive_node_count": "1"')
  .replace('"unalive_node_count": "1"', '"unalive_node_count": "0"');

function healthy(): HealthObservation {
  return {
    clusterInfo: read(clusterInfoCommand(), f.clusterInfoJson26),
    nodes: read(nodesCommand(), allAlive),
    tables: read(tablesCommand(), f.lsJson),
    metaLevel: read(getMetaLevelCommand(), "current meta level is fl_steady\n"),
  };
}

const expected: HealthExpectations = {
  zookeeperHosts: "127.0.0.1:22181",
  zookeeperRoot: "/pegasus/onebox/127.0.0.1",
  metaServers: ["127.0.0.1:34601", "127.0.0.1:34602", "127.0.0.1:34603"],
  baseline: { nodes: ["127.0.0.1:34801"], tables: ["stat"] },
};

describe("evaluateHealth()", () => {
  test("evaluateHealth() passes a healthy cluster and shows the evidence of each condition", () => {
    const report = evaluateHealth(healthy(), expected);
    expect(report.failed).toEqual([]);
    expect(report.healthy).toBe(true);
    expect(report.conditions).toEqual([
      {
        id: "leaderUsesExpectedZooKeeper",
        ok: true,
        evidence: "zookeeper_hosts = 127.0.0.1:22181 (expected 127.0.0.1:22181)",
      },
      {
        id: "clusterRootIsExpected",
        ok: true,
        evidence: "zookeeper_root = /pegasus/onebox/127.0.0.1 (expected /pegasus/onebox/127.0.0.1)",
      },
      {
        id: "metaServersAreExpected",
        ok: true,
        evidence:
          "meta_servers = 127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603 (expected 127.0.0.1:34601,127.0.0.1:34602,127.0.0.1:34603)",
      },
      { id: "primaryMetaIsKnown", ok: true, evidence: "primary_meta_server = 127.0.0.1:34601" },
      {
        id: "metaLevelIsExpected",
        ok: true,
        evidence: "effective meta_function_level = steady (expected steady)",
      },
      {
        id: "storedMetaLevelIsExpected",
        ok: true,
        evidence: "stored level = fl_steady (expected fl_steady)",
      },
      { id: "allNodesAlive", ok: true, evidence: "1 of 1 nodes ALIVE" },
      { id: "nodeSetUnchanged", ok: true, evidence: "1 nodes now, 1 before" },
      { id: "allTablesHealthy", ok: true, evidence: "1 tables fully healthy" },
      { id: "noTableMissing", ok: true, evidence: "1 AVAILABLE tables now, 1 before" },
    ]);
  });

  test("evaluateHealth() names a leader on the wrong ensemble", () => {
    const report = evaluateHealth(healthy(), { ...expected, zookeeperHosts: "127.0.0.1:22182" });
    expect(report.healthy).toBe(false);
    expect(report.failed).toEqual([
      {
        id: "leaderUsesExpectedZooKeeper",
        ok: false,
        evidence: "zookeeper_hosts = 127.0.0.1:22181 (expected 127.0.0.1:22182)",
      },
    ]);
  });

  test("evaluateHealth() compares ensembles as sets of servers plus chroot", () => {
    const observed = healthy();
    const info = read(
      clusterInfoCommand(),
      f.clusterInfoJson26.replace("127.0.0.1:22181", "zk2:2181,zk1:2181/p"),
    );
    const report = evaluateHealth(
      { ...observed, clusterInfo: info },
      { ...expected, zookeeperHosts: "zk1:2181, zk2:2181/p" },
    );
    expect(report.failed.map((c) => c.id)).toEqual([]);
    const other = evaluateHealth(
      { ...observed, clusterInfo: info },
      { ...expected, zookeeperHosts: "zk1:2181,zk2:2181" },
    );
    expect(other.failed.map((c) => c.id)).toEqual(["leaderUsesExpectedZooKeeper"]);
  });

  test("evaluateHealth() lists UNALIVE nodes and nodes that changed", () => {
    const report = evaluateHealth(
      { ...healthy(), nodes: read(nodesCommand({ json: false }), f.nodesWithParameters) },
      expected,
    );
    expect(report.failed).toEqual([
      { id: "allNodesAlive", ok: false, evidence: "2 of 3 nodes ALIVE; UNALIVE: 127.0.0.1:34803" },
      {
        id: "nodeSetUnchanged",
        ok: false,
        evidence: "3 nodes now, 1 before; new: 127.0.0.1:34802, 127.0.0.1:34803",
      },
    ]);
  });

  test("evaluateHealth() names unhealthy tables and missing ones", () => {
    const tables = read(tablesCommand({ json: false }), f.lsDetailed26);
    const report = evaluateHealth(
      { ...healthy(), tables },
      { ...expected, baseline: { tables: ["stat", "usertable"] } },
    );
    expect(report.failed).toEqual([
      {
        id: "allTablesHealthy",
        ok: false,
        evidence:
          "1 of 2 tables unhealthy: temp (1/8 partitions); unhealthy_app_count = 1; write_unhealthy_app_count = 1",
      },
      {
        id: "noTableMissing",
        ok: false,
        evidence: "2 AVAILABLE tables now, 2 before; missing: usertable; new: temp",
      },
    ]);
  });

  test("evaluateHealth() fails a command that did not answer, with its error line (ERR_UNDER_RECOVERY)", () => {
    const tables = read(tablesCommand(), "list apps failed, error=ERR_UNDER_RECOVERY\n");
    const report = evaluateHealth({ ...healthy(), tables }, expected);
    expect(report.failed).toEqual([
      { id: "tablesAnswer", ok: false, evidence: "ls: list apps failed, error=ERR_UNDER_RECOVERY" },
    ]);
  });

  test("evaluateHealth() reports an auto-frozen level and a stored level that differs", () => {
    const info = read(clusterInfoCommand(), f.clusterInfoJson26.replace('"steady"', '"freezed"'));
    const metaLevel = read(getMetaLevelCommand(), "current meta level is fl_blind\n");
    const report = evaluateHealth({ ...healthy(), clusterInfo: info, metaLevel }, expected);
    expect(report.failed).toEqual([
      {
        id: "metaLevelIsExpected",
        ok: false,
        evidence:
          "effective meta_function_level = freezed (expected steady) (auto-frozen when too few nodes are alive)",
      },
      {
        id: "storedMetaLevelIsExpected",
        ok: false,
        evidence: "stored level = fl_blind (expected fl_steady)",
      },
    ]);
  });

  test("evaluateHealth() fails ls without -d: it shows no health", () => {
    const tables = read(tablesCommand({ detailed: false, json: false }), f.lsGeneral26);
    const report = evaluateHealth({ ...healthy(), tables }, expected);
    expect(report.failed).toEqual([
      { id: "allTablesHealthy", ok: false, evidence: "ls ran without -d: no health information" },
    ]);
  });
});
