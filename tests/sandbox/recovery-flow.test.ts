/**
 * Method 1 of the migration (reference §2.1, §8) against the simulator, through the simulated
 * shell: record tables and nodes, stop every meta, wait for the replicas to go INACTIVE, start
 * one meta on the empty new ensemble in recovery mode, `recover`, and see the same tables come
 * back and heal. On the way: the crash cases (flag forgotten on an empty tree; flag left on with
 * tables) with their upstream log text, ERR_UNDER_RECOVERY, ERR_TRY_AGAIN and a second recover.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { crashExitCode } from "./rdsn-log.ts";
import { type Sandbox, startSandbox } from "./sandbox.ts";
import { waitFor } from "./wait.ts";
import { openSession } from "./zk.ts";

let sandbox: Sandbox;
let tablesBefore: [string, string, string][];
let replicasBefore: Record<string, string>;
let nodeList: string[];

type LsJson = {
  general_info: Record<string, { app_id: string; app_name: string; partition_count: string }>;
};
type NodesJson = { details: Record<string, { status: string; replica_count: string }> };
const tables = (ls: LsJson) =>
  Object.values(ls.general_info).map((a): [string, string, string] => [
    a.app_id,
    a.app_name,
    a.partition_count,
  ]);
const replicaCounts = (nodes: NodesJson) =>
  Object.fromEntries(Object.entries(nodes.details).map(([k, v]) => [k, v.replica_count]));
/** The JSON object printed after the banner. */
const jsonOf = <T>(stdout: string): T => JSON.parse(stdout.slice(stdout.indexOf("{"))) as T;

beforeAll(async () => {
  sandbox = await startSandbox({ tables: 3 });
}, 60_000);

afterAll(() => sandbox?.stop());

describe("recovery from replica servers onto an empty ensemble", () => {
  test("the operator records tables and ALIVE nodes, stops every meta, and the replicas go INACTIVE", async () => {
    tablesBefore = tables(jsonOf<LsJson>((await sandbox.shell("ls -j\n")).stdout));
    expect(tablesBefore.map((t) => t[1])).toEqual(["stat", "table01", "table02", "table03"]);
    const nodes = await sandbox.shell("nodes -d -o nodes.list\n");
    expect(nodes.stdout).not.toContain("[details]");
    const text = await Bun.file(join(sandbox.dir, "nodes.list")).text();
    expect(text).toStartWith(`[parameters]\nout_file  : nodes.list\n\n[details]\n`);
    nodeList = text
      .split("\n")
      .filter((l) => l.includes(" ALIVE"))
      .map((l) => l.split(/\s+/)[0] as string);
    expect(nodeList).toHaveLength(5);
    writeFileSync(join(sandbox.dir, "recover_node_list"), `${nodeList.join("\n")}\n`);
    replicasBefore = replicaCounts(
      jsonOf<NodesJson>((await sandbox.shell("nodes -d -j\n")).stdout),
    );

    await Promise.all([0, 1, 2].map((t) => sandbox.stopMeta(t)));
    await sandbox.waitReplicasInactive();
  }, 30_000);

  test("forgetting recovery mode on an empty tree creates the default table, then aborts at the first config sync", async () => {
    sandbox.setMetaConfig(0, "zookeeper", "hosts_list", sandbox.target);
    sandbox.setMetaConfig(0, "meta_server", "cluster_root", "/pegasus/forgotten");
    sandbox.setMetaConfig(
      0,
      "meta_server",
      "distributed_lock_service_parameters",
      "/pegasus/forgotten/lock",
    );
    await sandbox.startMeta(0);
    await waitFor(() => !sandbox.isMetaRunning(0), 15_000, "meta 0 to abort");
    expect({ exit: sandbox.metaExitCode(0), log: sandbox.metaLog(0) }).toMatchObject({
      exit: crashExitCode,
    });
    expect(sandbox.metaLog(0)).toMatch(
      /^F.*server_state\.cpp:\d+:on_config_sync\(\): gpid\([2-4]\.\d+\) on node\(127\.0\.0\.1:\d+\) is not exist on meta server, administrator should check consistency of meta data$/m,
    );
  }, 30_000);

  test("a meta in recovery mode answers ERR_UNDER_RECOVERY to everything but recover", async () => {
    sandbox.setMetaConfig(0, "meta_server", "cluster_root", sandbox.root);
    sandbox.setMetaConfig(
      0,
      "meta_server",
      "distributed_lock_service_parameters",
      `${sandbox.root}/lock`,
    );
    sandbox.setMetaConfig(0, "meta_server", "recover_from_replica_server", "true");
    await sandbox.startMeta(0);
    await waitFor(
      async () => (await sandbox.metaState(0))?.recovering,
      10_000,
      "meta 0 in recovery mode",
    );
    const out = await sandbox.shell(["ls", "cluster_info", "get_meta_level", "nodes -d"]);
    expect(out.exitCode).toBe(0);
    expect(out.stdout).toContain(
      // list_nodes is refused too (meta_service::on_list_nodes checks check_status_and_authz).
      "list apps failed, error=ERR_UNDER_RECOVERY\nget cluster info failed, error=ERR_UNDER_RECOVERY\nget meta level got error ERR_UNDER_RECOVERY\nlist nodes failed, error=ERR_UNDER_RECOVERY\n",
    );
    expect(sandbox.metaLog(0)).toContain(
      "can't find apps from remote storage, and [meta_server].recover_from_replica_server = true, administrator should recover this cluster manually later",
    );
  }, 20_000);

  test("recover answers ERR_TRY_AGAIN with a hint when a listed node is unreachable", async () => {
    const out = await sandbox.shell(`recover -s ${nodeList.join(",")},127.0.0.1:1 -w 10\n`);
    expect(out.stdout).toContain(
      // master server_state.cpp sync_apps_from_replica_nodes: the hint has no "\n", so the rule follows it.
      "Recover result: ERR_TRY_AGAIN\n=============================\nERROR: collect app and replica info from node(127.0.0.1:1) failed with err(ERR_NETWORK_FAILURE), you can skip it by set skip_bad_nodes option=============================\n",
    );
  }, 20_000);

  test("recover -f rebuilds the same tables from the replica servers onto the new ensemble", async () => {
    const out = await sandbox.shell("recover -f recover_node_list\n");
    const body = out.stdout.slice(out.stdout.indexOf("Wait seconds:"));
    expect(body).toStartWith(
      `Wait seconds: 100\nSkip bad nodes: false\nSkip lost partitions: false\nNode list:\n=============================\n${nodeList.join("\n")}\n=============================\n`,
    );
    expect(body.match(/^Recover result: (ERR_\w+)$/gm)).toEqual(["Recover result: ERR_OK"]);
    expect((await sandbox.shell("recover -f recover_node_list\n")).stdout).toContain(
      "Recover result: ERR_SERVICE_ALREADY_RUNNING\n",
    );
    expect(tables(jsonOf<LsJson>((await sandbox.shell("ls -j\n")).stdout))).toEqual(tablesBefore);
    const zk = openSession(sandbox.target, 10_000);
    await zk.connected;
    expect((await zk.get(`${sandbox.root}/apps`))?.data).toBe("unlock");
    expect(((await zk.children(`${sandbox.root}/apps`)) ?? []).sort()).toEqual(
      tablesBefore.map((t) => t[0]),
    );
    zk.close();
  }, 30_000);

  test("cure re-adds secondaries until every table is healthy and every node holds its old replica count", async () => {
    await waitFor(
      async () => {
        const nodes = jsonOf<NodesJson>((await sandbox.shell("nodes -d -j\n")).stdout);
        return JSON.stringify(replicaCounts(nodes)) === JSON.stringify(replicasBefore);
      },
      20_000,
      "replica counts equal to the snapshot",
    );
    const ls = await sandbox.shell("ls -d\n");
    expect(ls.stdout).toMatch(/^unhealthy_app_count +: 0$/m);
  }, 30_000);

  test("a meta restarted with the flag still on finds the tables and aborts; with the flag off all metas serve", async () => {
    await sandbox.stopMeta(0);
    sandbox.setMetaConfig(1, "zookeeper", "hosts_list", sandbox.target);
    sandbox.setMetaConfig(1, "meta_server", "recover_from_replica_server", "true");
    await sandbox.startMeta(1);
    await waitFor(() => !sandbox.isMetaRunning(1), 15_000, "meta 1 to abort");
    expect({ exit: sandbox.metaExitCode(1), log: sandbox.metaLog(1) }).toMatchObject({
      exit: crashExitCode,
    });
    expect(sandbox.metaLog(1)).toMatch(
      /^F.*server_state\.cpp:\d+:initialize_data_structure\(\): find apps from remote storage, but \[meta_server\]\.recover_from_replica_server = true$/m,
    );
    for (const task of [0, 1, 2]) {
      sandbox.setMetaConfig(task, "zookeeper", "hosts_list", sandbox.target);
      sandbox.setMetaConfig(task, "meta_server", "recover_from_replica_server", "false");
    }
    await Promise.all([0, 1, 2].map((t) => sandbox.startMeta(t)));
    await sandbox.waitForLeader();
    await sandbox.waitHealthy();
    const info = await sandbox.shell("cluster_info\n");
    expect(info.stdout).toMatch(new RegExp(`^zookeeper_hosts +: ${sandbox.target} +$`, "m"));
    expect(tables(jsonOf<LsJson>((await sandbox.shell("ls -j\n")).stdout))).toEqual(tablesBefore);
  }, 40_000);
});
