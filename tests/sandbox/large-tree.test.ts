/**
 * The large-tree path of the sandbox at a size the suite affords: tables of 128 partitions, so
 * that creates and cure writes queue behind the session's in-flight window, proposals travel in
 * batches, and config syncs and `replicas.json` carry each table once. What a 257k-znode
 * `up --tables 1000 --partitions 256` relies on, checked through what the tool can see: the
 * ZooKeeper tree, the meta's answers and the replica servers' own reports.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodePartition, newAppInfo, newPartition } from "./encoding.ts";
import { packUpdates, unpackUpdates } from "./rpc.ts";
import { type Sandbox, startSandbox } from "./sandbox.ts";
import { waitFor } from "./wait.ts";
import { openSession } from "./zk.ts";

const tables = 6;
const partitions = 128;
let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox({ tables, partitions });
}, 600_000);
afterAll(() => sandbox?.stop());

describe("a sandbox of tables with many partitions", () => {
  test("every partition node holds a full configuration, the one the meta serves", async () => {
    const zk = openSession(sandbox.source, 30_000);
    try {
      await zk.connected;
      const appsRoot = `${sandbox.root}/apps`;
      const ids = ((await zk.children(appsRoot)) ?? []).sort((a, b) => Number(a) - Number(b));
      expect(ids).toHaveLength(tables + 1);
      const served = new Map(
        (await sandbox.apps("AS_AVAILABLE")).map((a) => [String(a.info.app_id), a.partitions]),
      );
      for (const id of ids) {
        const pidxs = (await zk.children(`${appsRoot}/${id}`)) ?? [];
        expect(pidxs).toHaveLength(served.get(id)?.length ?? -1);
        const stored = await Promise.all(
          pidxs.map(async (p) =>
            decodePartition((await zk.get(`${appsRoot}/${id}/${p}`))?.data ?? ""),
          ),
        );
        for (const pc of stored) {
          expect(pc.primary).not.toBeNull();
          expect(pc.secondaries).toHaveLength(pc.max_replica_count - 1);
          expect(pc).toEqual(served.get(id)?.[pc.pidx] as (typeof stored)[number]);
        }
      }
    } finally {
      zk.close();
    }
  });

  test("the leader counts every table healthy and every replica server alive", async () => {
    expect(await sandbox.health()).toMatchObject({
      aliveNodes: 5,
      tables: tables + 1,
      unhealthyPartitions: 0,
    });
  });

  test("each replica server serves exactly the replicas the meta assigns it", async () => {
    const apps = await sandbox.apps("AS_AVAILABLE");
    for (const r of sandbox.layout.replicas) {
      const expected = apps.flatMap((a) =>
        a.partitions.flatMap((pc) =>
          pc.primary === r.address
            ? [`${pc.app_id}.${pc.pidx} PS_PRIMARY ${pc.ballot}`]
            : pc.secondaries.includes(r.address)
              ? [`${pc.app_id}.${pc.pidx} PS_SECONDARY ${pc.ballot}`]
              : [],
        ),
      );
      const state = await waitFor(
        async () => {
          const s = await sandbox.replicaState(r.index);
          return s && s.replicas.length === expected.length ? s : null;
        },
        60_000,
        `replica server ${r.index} to report ${expected.length} replicas`,
      );
      const reported = state.replicas.map((x) => `${x.app_id}.${x.pidx} ${x.status} ${x.ballot}`);
      expect(reported.sort()).toEqual(expected.sort());
    }
  });

  test("a restarted replica server loads its replicas from replicas.json, each table stored once", async () => {
    const before = await sandbox.replicaState(0);
    await sandbox.stopReplica(0);
    const file = JSON.parse(
      readFileSync(
        join(sandbox.layout.replicas[0]?.dir as string, "data", "replicas.json"),
        "utf8",
      ),
    ) as { apps: { app_id: number }[]; replicas: unknown[] };
    expect(new Set(file.apps.map((a) => a.app_id)).size).toBe(file.apps.length);
    expect(file.replicas).toHaveLength(before?.replicas.length ?? -1);
    await sandbox.startReplica(0);
    const after = await waitFor(() => sandbox.replicaState(0), 30_000, "replica server 0 up");
    const gpids = (s: typeof after) => s.replicas.map((r) => `${r.app_id}.${r.pidx}`).sort();
    expect(gpids(after)).toEqual(gpids(before as typeof after));
    await sandbox.waitHealthy(120_000);
  });
});

describe("configuration updates on the wire", () => {
  test("carry each table once and unpack to the same updates", () => {
    const a = newAppInfo({ app_id: 2, app_name: "a", partition_count: 3 });
    const b = newAppInfo({ app_id: 3, app_name: "b", partition_count: 1 });
    const updates = [0, 1, 2].map((p) => ({ app: a, pc: newPartition(a, p) }));
    updates.push({ app: b, pc: newPartition(b, 0) });
    const packed = packUpdates(updates);
    expect(packed.apps.map((x) => x.app_id)).toEqual([2, 3]);
    expect(unpackUpdates(JSON.parse(JSON.stringify(packed)))).toEqual(updates);
  });
});
