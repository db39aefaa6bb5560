/**
 * `lib/shell/` against the sandbox's simulated shell, in both output versions: one process for
 * several commands, typed values that match the sandbox, JSON and text alike, meta levels,
 * `server_info`, a dead replica, error lines as error classes, and a recovery from the replica
 * servers onto the empty ensemble driven through `PegasusShell.recover()`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Hosts } from "../../../lib/hosts.ts";
import { type Inventory, loadInventory } from "../../../lib/inventory.ts";
import { createLog, type Event } from "../../../lib/log.ts";
import {
  appEnvsCommand,
  clusterInfoCommand,
  evaluateHealth,
  expectationsFor,
  getMetaLevelCommand,
  MetaUnderRecovery,
  nodesCommand,
  observeHealth,
  PegasusShell,
  RecoverFailed,
  ShellCommandFailed,
  ShellOutputUnexpected,
  ShellUnreachable,
  type TableList,
  tablesCommand,
} from "../../../lib/shell/index.ts";
import { type PegasusVersion, pegasusVersionStrings } from "../../sandbox/encoding.ts";
import { type Sandbox, startSandbox } from "../../sandbox/sandbox.ts";
import { waitFor } from "../../sandbox/wait.ts";

const tableNames = ["stat", "table01", "table02", "table03", "table04"];

/** A driver on the sandbox's inventory; `events` records what the door logged. */
function driver(inventory: Inventory) {
  const events: Event[] = [];
  const log = createLog({ json: true, write: (line) => events.push(JSON.parse(line)) });
  const hosts = new Hosts({ log, timeoutMs: 60_000 });
  return { shell: new PegasusShell({ inventory, hosts, log }), events };
}

/** Address order, as `nodes` prints it (ip, then port). */
const byPort = (a: string, b: string) => Number(a.split(":")[1]) - Number(b.split(":")[1]);

const idsNamesPartitions = (list: TableList) =>
  list.tables.map((t): [number, string, number] => [t.appId, t.name, t.partitionCount]);

const shellProcesses = (events: Event[]) => events.filter((e) => e.kind === "cmd").length;

for (const version of ["2.5", "2.6"] as PegasusVersion[]) {
  describe(`PegasusShell against the sandbox, ${version}`, () => {
    let sandbox: Sandbox;
    let inventory: Inventory;
    let shell: PegasusShell;
    let events: Event[];
    let replicas: string[];
    /** appId, name and partition count of each table before every meta was stopped. */
    let tablesBefore: [number, string, number][];

    beforeAll(async () => {
      sandbox = await startSandbox({ version, metas: 3, replicas: 5, tables: 4 });
      inventory = loadInventory(sandbox.inventoryFile);
      ({ shell, events } = driver(inventory));
      replicas = sandbox.layout.replicas.map((r) => r.address).sort(byPort);
    }, 120_000);

    afterAll(() => sandbox?.stop());

    test("PegasusShell.observe() reads cluster_info, nodes, ls and get_meta_level from one process", async () => {
      events.length = 0;
      const [info, nodes, tables, level] = await shell.observe([
        clusterInfoCommand(),
        nodesCommand(),
        tablesCommand(),
        getMetaLevelCommand(),
      ]);
      expect(shellProcesses(events)).toBe(1);
      expect(events.filter((e) => e.kind === "warn")).toEqual([]);
      expect(shell.version).toBe(version);
      const leader = await sandbox.waitForLeader();
      expect(info).toMatchObject({
        metaServers: sandbox.metaList.split(","),
        primaryMetaServer: sandbox.layout.metas[leader]?.address,
        zookeeperHosts: sandbox.source,
        zookeeperRoot: sandbox.root,
        metaFunctionLevel: "steady",
      });
      expect(nodes.nodes.map((n) => [n.address, n.status])).toEqual(
        replicas.map((a) => [a, "ALIVE"]),
      );
      expect(nodes.summary).toEqual({
        total_node_count: 5,
        alive_node_count: 5,
        unalive_node_count: 0,
      });
      expect(tables.tables.map((t) => [t.name, t.status])).toEqual(
        tableNames.map((name) => [name, "AVAILABLE"]),
      );
      expect(tables.tables.map((t) => t.atomicIdempotent)).toEqual(
        tableNames.map(() => (version === "2.6" ? false : undefined)),
      );
      expect(tables.health?.every((t) => t.fullyHealthy === t.partitionCount)).toBe(true);
      expect(level).toEqual({ level: "steady", raw: "fl_steady" });

      const report = evaluateHealth(
        await observeHealth(shell),
        expectationsFor(inventory, "source", { nodes: replicas, tables: tableNames }),
      );
      expect(report.failed).toEqual([]);
      expect(report.conditions.map((c) => c.id)).toEqual([
        "leaderUsesExpectedZooKeeper",
        "clusterRootIsExpected",
        "metaServersAreExpected",
        "primaryMetaIsKnown",
        "metaLevelIsExpected",
        "storedMetaLevelIsExpected",
        "allNodesAlive",
        "nodeSetUnchanged",
        "allTablesHealthy",
        "noTableMissing",
      ]);
    });

    test("PegasusShell.observe() reads cluster_info, nodes and ls in text mode as in JSON mode", async () => {
      const [info, nodes, tables, infoText, nodesText, tablesText] = await shell.observe([
        clusterInfoCommand(),
        nodesCommand(),
        tablesCommand(),
        clusterInfoCommand({ json: false }),
        nodesCommand({ json: false }),
        tablesCommand({ json: false }),
      ]);
      expect(infoText).toEqual(info);
      expect(nodesText).toEqual(nodes);
      expect(tablesText).toEqual(tables);
      if (version === "2.6") expect(info.balanceOperationCount?.counts).not.toBeNull();
    });

    test("PegasusShell.setMetaLevel() sets blind, which metaLevel() and clusterInfo() report, and back to steady", async () => {
      expect(await shell.setMetaLevel("blind")).toEqual({ oldLevel: "steady", raw: "fl_steady" });
      expect(await shell.metaLevel()).toEqual({ level: "blind", raw: "fl_blind" });
      expect((await shell.clusterInfo()).metaFunctionLevel).toBe("blind");
      expect(await shell.setMetaLevel("steady")).toEqual({ oldLevel: "blind", raw: "fl_blind" });
      expect(await shell.metaLevel()).toEqual({ level: "steady", raw: "fl_steady" });
      expect((await shell.clusterInfo()).metaFunctionLevel).toBe("steady");
    });

    test(`PegasusShell.serverInfo() reads every meta and replica server (${version === "2.5" ? "stderr text" : "JSON"})`, async () => {
      events.length = 0;
      const info = await shell.serverInfo();
      expect(events.filter((e) => e.kind === "warn")).toEqual([]);
      expect({ succeed: info.succeedCount, failed: info.failedCount }).toEqual({
        succeed: 8,
        failed: 0,
      });
      expect(info.servers.map((s) => [s.role, s.address]).sort()).toEqual(
        [
          ...sandbox.metaList.split(",").map((a) => ["meta-server", a]),
          ...replicas.map((a) => ["replica-server", a]),
        ].sort(),
      );
      for (const server of info.servers) {
        expect(server).toMatchObject({
          ok: true,
          version: pegasusVersionStrings[version],
          gitSha: "sandbox",
          buildType: "Release",
        });
        expect(server.startTime).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      }
    });

    test("PegasusShell.appEnvs() reads a table's envs, none, and a missing table's error", async () => {
      const set = await sandbox.shell([
        "use table01",
        "set_app_envs replica.deny_client_request timeout*all rocksdb.usage_scenario bulk_load",
      ]);
      expect(set.stdout).toContain("set app envs succeed\n");
      const [envs, none] = await shell.observe([
        appEnvsCommand("table01"),
        appEnvsCommand("table02"),
      ]);
      expect(envs).toEqual({
        "replica.deny_client_request": "timeout*all",
        "rocksdb.usage_scenario": "bulk_load",
      });
      expect(none).toEqual({});
      const error = await shell.appEnvs("missing").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShellCommandFailed);
      expect((error as ShellCommandFailed).message).toBe(
        "Pegasus shell command `get_app_envs -j` failed with ERR_OBJECT_NOT_FOUND: get app env failed with err = ERR_OBJECT_NOT_FOUND",
      );
    });

    test("PegasusShell.nodes() shows a killed replica server UNALIVE and health fails allNodesAlive until it is back", async () => {
      const dead = sandbox.layout.replicas[4]?.address as string;
      await sandbox.killReplica(4);
      try {
        await waitFor(
          async () =>
            (await shell.nodes()).nodes.find((n) => n.address === dead)?.status === "UNALIVE",
          20_000,
          `${dead} UNALIVE in nodes -d -j`,
          250,
        );
        const nodes = await shell.nodes();
        expect(nodes.summary).toEqual({
          total_node_count: 5,
          alive_node_count: 4,
          unalive_node_count: 1,
        });
        const report = evaluateHealth(
          await observeHealth(shell),
          expectationsFor(inventory, "source"),
        );
        expect(report.failed).toContainEqual({
          id: "allNodesAlive",
          ok: false,
          evidence: `4 of 5 nodes ALIVE; UNALIVE: ${dead}`,
        });
      } finally {
        await sandbox.startReplica(4);
      }
      await waitFor(
        async () =>
          evaluateHealth(await observeHealth(shell), expectationsFor(inventory, "source")).healthy,
        30_000,
        "the cluster healthy again through the shell",
        250,
      );
    }, 120_000);

    test("PegasusShell.clusterInfo() throws ShellUnreachable (exit code 3) with a hint when the shell binary does not exist", async () => {
      const broken = driver({
        ...inventory,
        shell: { ...inventory.shell, command: ["/nonexistent/pegasus_shell", "{meta_list}"] },
      }).shell;
      const error = await broken.clusterInfo().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShellUnreachable);
      expect((error as ShellUnreachable).exitCode).toBe(3);
      expect((error as ShellUnreachable).message).toStartWith(
        `Cannot run the Pegasus shell on local: exit code 127: `,
      );
      expect((error as ShellUnreachable).message).toContain("/nonexistent/pegasus_shell");
      expect((error as ShellUnreachable).hint).toStartWith(
        "Check inventory shell.command, shell.cwd and shell.host; try by hand: printf 'cluster_info\\n' | ",
      );
    });

    // The rest is one flow: every meta stopped, recovery mode on the empty ensemble, recover.
    test("PegasusShell.observeSettled() turns every command's line into ShellCommandFailed ERR_NETWORK_FAILURE when every meta is stopped", async () => {
      expect((await shell.nodes()).nodes.map((n) => n.address)).toEqual(replicas);
      tablesBefore = idsNamesPartitions(await shell.tables());
      expect(tablesBefore.map((t) => t[1])).toEqual(tableNames);
      await Promise.all(sandbox.layout.metas.map((m) => sandbox.stopMeta(m.task)));
      const settled = await shell.observeSettled([
        clusterInfoCommand(),
        nodesCommand(),
        tablesCommand(),
        getMetaLevelCommand(),
      ]);
      const errors = settled.map((s) => (s.ok ? s : s.error));
      for (const error of errors) {
        expect(error).toBeInstanceOf(ShellCommandFailed);
        expect(error).not.toBeInstanceOf(ShellOutputUnexpected);
        expect((error as ShellCommandFailed).code).toBe("ERR_NETWORK_FAILURE");
      }
      expect(errors.map((e) => (e as ShellCommandFailed).line)).toEqual([
        "get cluster info failed, error=ERR_NETWORK_FAILURE",
        "list nodes failed, error=ERR_NETWORK_FAILURE",
        // master ls_apps prints the error_s of request_meta_and_wait_response, message included.
        version === "2.6"
          ? "list apps failed, error=ERR_NETWORK_FAILURE: request meta failed: task=RPC_CM_LIST_APPS, error=ERR_NETWORK_FAILURE"
          : "list apps failed, error=ERR_NETWORK_FAILURE",
        "get meta level got error ERR_NETWORK_FAILURE",
      ]);
      const error = await shell.tables().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ShellCommandFailed);
      expect((error as ShellCommandFailed).message).toBe(
        `Pegasus shell command \`ls -d -j\` failed with ERR_NETWORK_FAILURE: ${(errors[2] as ShellCommandFailed).line}`,
      );
      expect((error as ShellCommandFailed).hint).toBe(
        "No meta answered. Check that the metas in meta_servers are running and reachable from the shell host.",
      );
    }, 120_000);

    test("PegasusShell.tables() throws MetaUnderRecovery from a meta in recovery mode on the empty ensemble", async () => {
      await sandbox.waitReplicasInactive();
      sandbox.setMetaConfig(0, "zookeeper", "hosts_list", sandbox.target);
      sandbox.setMetaConfig(0, "meta_server", "recover_from_replica_server", "true");
      await sandbox.startMeta(0);
      expect(await sandbox.waitForLeader()).toBe(0);
      const state = await waitFor(() => sandbox.metaState(0), 10_000, "meta 0's state");
      expect(state.recovering).toBe(true);
      const error = await shell.tables().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MetaUnderRecovery);
      expect((error as MetaUnderRecovery).message).toBe(
        "Pegasus shell command `ls -d -j` failed with ERR_UNDER_RECOVERY: list apps failed, error=ERR_UNDER_RECOVERY",
      );
    }, 120_000);

    test("PegasusShell.recover() throws RecoverFailed naming ERR_TRY_AGAIN and the hint line when a node is unreachable", async () => {
      const nodes = [...replicas, "127.0.0.1:1"];
      const error = await shell.recover(nodes, { waitSeconds: 10 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RecoverFailed);
      const failure = error as RecoverFailed;
      const hint =
        "ERROR: collect app and replica info from node(127.0.0.1:1) failed with err(ERR_NETWORK_FAILURE), you can skip it by set skip_bad_nodes option";
      expect(failure.code).toBe("ERR_TRY_AGAIN");
      expect(failure.message).toBe(
        `Pegasus shell command \`recover -s ${nodes.join(",")} -w 10\` failed with ERR_TRY_AGAIN: Recover result: ERR_TRY_AGAIN\n  ${hint}`,
      );
      expect(failure.result).toMatchObject({
        result: "ERR_TRY_AGAIN",
        nodes,
        hints: [
          { kind: "bad-node", node: "127.0.0.1:1", error: "ERR_NETWORK_FAILURE", skipped: false },
        ],
      });
    }, 120_000);

    test("PegasusShell.recover() rebuilds the same tables on the empty ensemble", async () => {
      const result = await shell.recover(replicas);
      expect(result).toMatchObject({
        result: "ERR_OK",
        waitSeconds: 100,
        skipBadNodes: false,
        skipLostPartitions: false,
        nodes: replicas,
        hints: [],
      });
      expect(idsNamesPartitions(await shell.tables())).toEqual(tablesBefore);
      expect((await shell.clusterInfo()).zookeeperHosts).toBe(sandbox.target);
    }, 120_000);
  });
}
