import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { count, TreeWriter, type ZkSession } from "../../../lib/zk/index.ts";
import { pegasusTree } from "../../bench/pegasus-tree.ts";
import { type FaultProxy, startFaultProxy } from "../../harness/fault-proxy.ts";
import { freePort } from "../../harness/ports.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import {
  cli,
  cliWatching,
  node,
  readWithSecondClient,
  resultOf,
  seed,
  session,
} from "./helpers.ts";

const tree = pegasusTree({ tables: 80, partitions: 256 });
let source: ZooKeeperServer;
let target: ZooKeeperServer;

beforeAll(async () => {
  [source, target] = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
  const zk = await session(source.connectString);
  await seed(zk, tree.ops);
  await zk.close();
});

afterAll(() => stopZooKeepers());

/** Runs `zk copy` and kills the target as soon as the first batch is acknowledged. */
async function copyKillingTarget(dst: string, extra: string[], afterKill: () => Promise<void>) {
  let killed: Promise<void> | null = null;
  const run = await cliWatching(
    ["zk", "copy", `${source.connectString}${tree.root}`, dst, "--json", ...extra],
    (event) => {
      if (!killed && event.kind === "zk-progress" && event.phase === "write") {
        killed = target.kill().then(afterKill);
      }
    },
  );
  expect(killed).not.toBeNull();
  await killed;
  return run;
}

describe("zk copy when the target fails", () => {
  test("target killed mid-copy and left down: exit 1; restarted: refused without --overwrite, completed with it, identical", async () => {
    const dst = `${target.connectString}/down${tree.root}`;
    const first = await copyKillingTarget(
      dst,
      ["--timeout", "3s", "--session-timeout", "4s"],
      async () => {},
    );
    expect(first.exitCode).toBe(1);
    expect(first.stderr).toContain(`Cannot reach ZooKeeper ${target.connectString} (target)`);
    expect(resultOf(first)).toMatchObject({ error: expect.stringContaining("Cannot reach") });

    await target.start();
    const again = await cli(["zk", "copy", `${source.connectString}${tree.root}`, dst]);
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain("already holds");
    const completed = await cli([
      "zk",
      "copy",
      `${source.connectString}${tree.root}`,
      dst,
      "--overwrite",
      "--json",
    ]);
    expect(completed.exitCode).toBe(0);
    expect(resultOf(completed)).toMatchObject({ updated: 0, deleted: 0 });
    const diff = await cli(["zk", "diff", `${source.connectString}${tree.root}`, dst]);
    expect(diff.exitCode).toBe(0);
  }, 120_000);

  test("target killed mid-copy and restarted at once: the copy reconnects, reconciles and exits 0 with an identical tree", async () => {
    const dst = `${target.connectString}/bounce${tree.root}`;
    const run = await copyKillingTarget(dst, ["--timeout", "60s"], () => target.start());
    expect(run.exitCode).toBe(0);
    expect(resultOf(run)).toMatchObject({ created: tree.ops.length - 1 });
    const diff = await cli(["zk", "diff", `${source.connectString}${tree.root}`, dst, "--json"]);
    expect(diff.exitCode).toBe(0);
    expect(resultOf(diff)).toMatchObject({ identical: true, sourceNodes: tree.ops.length - 1 });
  }, 120_000);
});

describe("unreachable ensembles", () => {
  test("zk copy exits 1 and zk diff exits 2 when an ensemble does not answer within --timeout", async () => {
    const nobody = `127.0.0.1:${await freePort()}/x`;
    const copy = await cli(["zk", "copy", nobody, `${target.connectString}/x`, "--timeout", "1s"]);
    expect(copy.exitCode).toBe(1);
    expect(copy.stderr).toStartWith(
      `error: Cannot reach ZooKeeper ${nobody.slice(0, -2)} (source) within 1 s\n`,
    );
    expect(copy.stderr).toContain("ECONNREFUSED");
    const diff = await cli(["zk", "diff", `${source.connectString}/x`, nobody, "--timeout", "1s"]);
    expect(diff.exitCode).toBe(2);
  });
});

describe("lost replies and partitions", () => {
  let server: ZooKeeperServer;
  let proxy: FaultProxy;

  beforeAll(async () => {
    [server] = (await startZooKeepers(1)) as [ZooKeeperServer];
    proxy = await startFaultProxy(server.port);
  });

  afterAll(() => proxy.stop());

  test("TreeWriter reconciles batches whose replies were lost: each write applied exactly once", async () => {
    const direct = await session(server.connectString);
    const paths = Array.from({ length: 3000 }, (_, i) => `/lost/n${i}`);
    await seed(direct, [node("/lost"), ...paths.map((p) => node(p, "old"))]);
    const zk: ZkSession = await session(proxy.connectString);
    const cut = proxy.loseNextReply(8000);
    const writer = new TreeWriter(zk, { batchOps: 500 });
    for (const path of paths) {
      await writer.add({ type: "setData", path, data: Buffer.from(`new ${path}`), version: 0 });
    }
    const summary = await writer.finish();
    await cut;
    expect(summary.ops).toBe(3000);
    expect(summary.reconciled).toBeGreaterThanOrEqual(1);
    expect(summary.foundApplied).toBeGreaterThanOrEqual(500);
    const seen = await readWithSecondClient(server.connectString, "/lost");
    for (const path of paths) {
      expect(seen.get(path)?.version).toBe(1);
      expect(seen.get(path)?.data.toString()).toBe(`new ${path}`);
    }
    await Promise.all([zk.close(), direct.close()]);
  }, 120_000);

  test("a session is declared expired during a partition, without a word from the server; reads resume on a new session", async () => {
    const zk = await session(proxy.connectString, {
      sessionTimeoutMs: 4000,
      retryTimeoutMs: 30_000,
    });
    expect(await count(zk, "/lost")).toBe(3001);
    proxy.partition();
    const deadline = performance.now() + 20_000;
    const expired = () => zk.events.some((e) => e.kind === "zk-session" && e.event === "expired");
    while (!expired() && performance.now() < deadline) await Bun.sleep(100);
    expect(
      zk.events.filter((e) => e.kind === "zk-session").map((e) => (e as { event: string }).event),
    ).toEqual(["connected", "disconnected", "expired"]);
    proxy.heal();
    expect(await zk.exists("/lost")).not.toBeNull();
    const connects = zk.events.filter((e) => e.kind === "zk-session" && e.event === "connected");
    expect(connects).toHaveLength(2);
    await zk.close();
  }, 120_000);
});
