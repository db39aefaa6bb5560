/**
 * Simulated meta servers on real ZooKeeper (reference §6, §7, §9): the tree they write, the
 * config keys they read, leader election and failover, meta levels (blind defers partition
 * writes), replicas going INACTIVE on the FD lease, the HTTP endpoints, and the leader exiting on
 * session expiry. One sandbox, scenarios in order.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { decodeAppInfo, decodePartition, encodeAppInfo, encodePartition } from "./encoding.ts";
import { sandboxFd } from "./layout.ts";
import { type Sandbox, startSandbox } from "./sandbox.ts";
import { waitFor } from "./wait.ts";
import { openSession, type ZkSession } from "./zk.ts";

let sandbox: Sandbox;
let zk: ZkSession;
const lockDir = () => `${sandbox.root}/lock/dsn.meta.server.leader`;
const address = (task: number) => sandbox.layout.metas[task]?.address as string;

/** `<pid> → version` of every partition node of every table. */
async function partitionVersions(): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  const apps = `${sandbox.root}/apps`;
  for (const id of (await zk.children(apps)) ?? []) {
    for (const pidx of (await zk.children(`${apps}/${id}`)) ?? []) {
      versions.set(`${id}.${pidx}`, (await zk.get(`${apps}/${id}/${pidx}`))?.version ?? -1);
    }
  }
  return versions;
}
const changed = (a: Map<string, number>, b: Map<string, number>) =>
  [...a].filter(([k, v]) => b.get(k) !== v).map(([k]) => k);

beforeAll(async () => {
  sandbox = await startSandbox({ tables: 2 });
  zk = openSession(sandbox.source, 10_000);
  await zk.connected;
}, 120_000);

afterAll(async () => {
  zk?.close();
  await sandbox?.stop();
});

describe("the tree a meta writes (reference §6.3, §6.6)", () => {
  test("the leader creates /apps (unlock), /bulk_load, /backup and one node per table and partition", async () => {
    expect((await zk.get(`${sandbox.root}/apps`))?.data).toBe("unlock");
    expect((await zk.get(`${sandbox.root}/bulk_load`))?.data).toBe("");
    expect((await zk.get(`${sandbox.root}/backup`))?.data).toBe("");
    expect(((await zk.children(`${sandbox.root}/apps`)) ?? []).sort()).toEqual(["1", "2", "3"]);
    const stat = (await zk.get(`${sandbox.root}/apps/1`))?.data as string;
    const info = decodeAppInfo(stat);
    expect(info).toMatchObject({ app_name: "stat", partition_count: 4, status: "AS_AVAILABLE" });
    expect(encodeAppInfo(info, "2.6")).toBe(stat);
    const partition = (await zk.get(`${sandbox.root}/apps/1/0`))?.data as string;
    expect(encodePartition(decodePartition(partition), "2.6")).toBe(partition);
    expect(JSON.parse(partition).hp_primary).toBe(JSON.parse(partition).primary);
  });

  test("each meta holds an EPHEMERAL|SEQUENTIAL LOCKNODE with its host:port; the smallest is the leader", async () => {
    // Followers create their lock nodes after the leader serves: wait for all three.
    const lockNodes = async () => ((await zk.children(lockDir())) ?? []).sort();
    await waitFor(async () => (await lockNodes()).length === 3, 20_000, "three lock nodes");
    const children = await lockNodes();
    expect(children).toHaveLength(3);
    for (const child of children) expect(child).toMatch(/^LOCKNODE\d{10}$/);
    const values = await Promise.all(
      children.map(async (c) => (await zk.get(`${lockDir()}/${c}`))?.data),
    );
    expect(values.sort()).toEqual(sandbox.layout.metas.map((m) => m.address).sort());
    const leader = await sandbox.waitForLeader();
    expect((await zk.get(`${lockDir()}/${children[0]}`))?.data).toBe(address(leader));
  });

  test("a meta reads [zookeeper] hosts_list: a stray [meta_server] hosts_list changes nothing", async () => {
    const follower = ((await sandbox.waitForLeader()) + 1) % 3;
    sandbox.setMetaConfig(follower, "meta_server", "hosts_list", sandbox.target);
    await sandbox.stopMeta(follower);
    await sandbox.startMeta(follower);
    await waitFor(
      async () => (await sandbox.metaState(follower))?.primary,
      10_000,
      "the restarted follower to see the leader",
    );
    const values = await Promise.all(
      ((await zk.children(lockDir())) ?? []).map(
        async (c) => (await zk.get(`${lockDir()}/${c}`))?.data,
      ),
    );
    expect(values).toContain(address(follower));
  });

  test("a restarted meta deletes a lock node holding its own address and ignores foreign children", async () => {
    const follower = ((await sandbox.waitForLeader()) + 1) % 3;
    await sandbox.stopMeta(follower);
    await zk.create(`${lockDir()}/LOCKNODE9999999999`, address(follower));
    await zk.create(`${lockDir()}/not-a-lock`, "x");
    await sandbox.startMeta(follower);
    await waitFor(
      async () => !(await zk.exists(`${lockDir()}/LOCKNODE9999999999`)),
      10_000,
      "the stale lock node to go",
    );
    expect(await zk.exists(`${lockDir()}/not-a-lock`)).toBe(true);
    await zk.remove(`${lockDir()}/not-a-lock`);
  });
});

describe("the HTTP endpoints (reference §4.7)", () => {
  test("/meta/cluster answers compact JSON on the leader and 307 to it on a follower", async () => {
    const leader = await sandbox.waitForLeader();
    const cluster = await (await fetch(`http://${address(leader)}/meta/cluster`)).json();
    expect(cluster).toMatchObject({
      primary_meta_server: address(leader),
      zookeeper_hosts: sandbox.source,
      zookeeper_root: sandbox.root,
      meta_function_level: "steady",
      cluster_name: "sandbox",
    });
    const follower = (leader + 1) % 3;
    const redirect = await fetch(`http://${address(follower)}/meta/nodes`, { redirect: "manual" });
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("location")).toBe(`http://${address(leader)}/meta/nodes`);
    const nodes = (await (
      await fetch(`http://${address(follower)}/meta/nodes?detailed`)
    ).json()) as {
      summary: unknown;
    };
    expect(nodes.summary).toEqual({
      total_node_count: "5",
      alive_node_count: "5",
      unalive_node_count: "0",
    });
    const apps = (await (await fetch(`http://${address(leader)}/meta/apps`)).json()) as {
      summary: { total_app_count: string };
    };
    expect(apps.summary.total_app_count).toBe("3");
  });
});

describe("server_info, 2.6 (reference §4.10)", () => {
  test("prints sorted 2-space JSON on stdout with every meta and replica server", async () => {
    const out = await sandbox.shell("server_info\n");
    expect(out.stderr).toBe("");
    const json = JSON.parse(out.stdout.slice(out.stdout.indexOf("\n{") + 1));
    expect(Object.keys(json)).toEqual(["command", "details", "failed_count", "succeed_count"]);
    expect(json).toMatchObject({ command: "server-info ", failed_count: 0, succeed_count: 8 });
    expect(json.details[address(0)]).toMatchObject({
      acked: true,
      role: "meta-server",
      message: { version: "2.6.0-SNAPSHOT" },
    });
    expect(out.stdout).toContain('{\n  "command": "server-info ",\n  "details": {\n');
  });
});

describe("meta levels (reference §7)", () => {
  test("blind defers every partition-config write while a replica dies and rejects create; steady writes them", async () => {
    const set = await sandbox.shell([
      "set_meta_level blind",
      "get_meta_level",
      "cluster_info",
      "create t9 -p 2",
    ]);
    expect(set.stdout).toContain(
      "control meta level ok, the old level is fl_steady\ncurrent meta level is fl_blind\n",
    );
    expect(set.stdout).toMatch(/^meta_function_level +: blind +$/m);
    expect(set.stdout).toContain(
      "create app t9 failed: [create] received server error: ERR_STATE_FREEZED\n",
    );
    const before = await partitionVersions();
    await sandbox.killReplica(4);
    const leader = await sandbox.waitForLeader();
    const deferred = await waitFor(
      async () => {
        const state = await sandbox.metaState(leader);
        return state && state.deferredWrites > 0 ? state : null;
      },
      15_000,
      "deferred partition writes",
    );
    // Retried (and deferred again) twice more: blind held them back, however slow the machine.
    await waitFor(
      async () =>
        ((await sandbox.metaState(leader))?.deferredRetries ?? 0) >= deferred.deferredRetries + 2,
      15_000,
      "two more rounds of deferred-write retries",
    );
    expect(changed(before, await partitionVersions())).toEqual([]);

    expect((await sandbox.shell("set_meta_level steady\n")).stdout).toContain(
      "control meta level ok, the old level is fl_blind\n",
    );
    const written = await waitFor(
      async () => {
        const names = changed(before, await partitionVersions());
        return names.length > 0 ? names : null;
      },
      15_000,
      "partition writes after steady",
    );
    const dead = sandbox.layout.replicas[4]?.address as string;
    const pc = decodePartition(
      (await zk.get(`${sandbox.root}/apps/${written[0]?.replace(".", "/")}`))?.data as string,
    );
    expect([pc.primary, ...pc.secondaries]).not.toContain(dead);
    expect(pc.last_drops).toContain(dead);
    await sandbox.startReplica(4);
    // One probe right after a start can miss (a 1 s HTTP timeout on a busy machine): wait for it.
    const restarted = await waitFor(() => sandbox.replicaState(4), 10_000, "replica 4's state");
    expect(restarted.replicas.length).toBeGreaterThan(0);
    await sandbox.waitHealthy();
  }, 120_000);

  test("killing the leader makes a follower take the lock and serve at meta_function_level_on_start", async () => {
    const leader = await sandbox.waitForLeader();
    expect((await sandbox.shell("set_meta_level blind\n")).stdout).toContain(
      "control meta level ok",
    );
    await sandbox.killMeta(leader);
    const next = await waitFor(
      async () => {
        const task = await sandbox.leader();
        return task !== null && task !== leader ? { task } : null;
      },
      15_000,
      "another meta to lead",
    ).then((f) => f.task);
    const out = await sandbox.shell(["cluster_info", "get_meta_level"]);
    expect(out.stdout).toMatch(new RegExp(`^primary_meta_server +: ${address(next)} +$`, "m"));
    expect(out.stdout).toContain("current meta level is fl_steady\n");
    expect(sandbox.isMetaRunning(leader)).toBe(false);
    await sandbox.startMeta(leader);
    await waitFor(
      async () => ((await zk.children(lockDir())) ?? []).length === 3,
      10_000,
      "three lock nodes again",
    );
  }, 120_000);
});

describe("replica servers (reference §9)", () => {
  test("go INACTIVE once no beacon was acknowledged within the FD lease, and the shell reports metas down", async () => {
    const serving = async () => {
      const states = await Promise.all(
        sandbox.layout.replicas.map((r) => sandbox.replicaState(r.index)),
      );
      // A replica server that did not answer is unknown, not "serving nothing"; one still
      // reconnecting after the previous test's failover would go INACTIVE early.
      if (states.some((s) => s === null || !s.connected)) return Number.NaN;
      return states
        .flatMap((s) => s?.replicas ?? [])
        .filter((r) => r.status === "PS_PRIMARY" || r.status === "PS_SECONDARY").length;
    };
    await waitFor(async () => (await serving()) > 0, 10_000, "replicas serving");
    const started = Date.now();
    await Promise.all([0, 1, 2].map((t) => sandbox.stopMeta(t)));
    const down = await sandbox.shell(["ls", "nodes", "get_meta_level"]);
    expect(down.exitCode).toBe(0);
    expect(down.stdout).toContain("The cluster name is: unknown\n");
    expect(down.stdout).toContain(
      // master ls_apps prints the error_s of request_meta_and_wait_response, message included.
      "list apps failed, error=ERR_NETWORK_FAILURE: request meta failed: task=RPC_CM_LIST_APPS, error=ERR_NETWORK_FAILURE\nlist nodes failed, error=ERR_NETWORK_FAILURE\nget meta level got error ERR_NETWORK_FAILURE\n",
    );
    await sandbox.waitReplicasInactive(60_000);
    // The last acknowledged beacon may be one beacon interval old when the metas stop.
    expect(Date.now() - started).toBeGreaterThanOrEqual(
      (sandboxFd.lease - sandboxFd.check - sandboxFd.beacon) * 1000,
    );
    await Promise.all([0, 1, 2].map((t) => sandbox.startMeta(t)));
    await sandbox.waitForLeader();
    await sandbox.waitHealthy();
  }, 120_000);
});

describe("session expiry (reference §6.10)", () => {
  test("a meta cut off from ZooKeeper past its session timeout exits 0", async () => {
    await Promise.all([0, 1, 2].map((t) => sandbox.startMeta(t)));
    const leader = await sandbox.waitForLeader();
    zk.close();
    await sandbox.zookeepers[0]?.kill();
    await waitFor(
      () => [0, 1, 2].every((t) => !sandbox.isMetaRunning(t)),
      15_000,
      "every meta to exit",
    );
    expect(sandbox.metaExitCode(leader)).toBe(0);
    expect(sandbox.metaLog(leader)).toContain("zookeeper session expired, exit now");
  }, 120_000);
});
