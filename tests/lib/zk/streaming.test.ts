import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { cli, node, readWithSecondClient, resultOf, seed, session } from "./helpers.ts";

let source: ZooKeeperServer;
let target: ZooKeeperServer;
const tables = 30;
const partitions = 200;

beforeAll(async () => {
  [source, target] = (await startZooKeepers(2)) as [ZooKeeperServer, ZooKeeperServer];
  const zk = await session(source.connectString);
  const ops = [node("/s"), node("/s/apps", "unlock")];
  for (let t = 1; t <= tables; t++) {
    ops.push(node(`/s/apps/${t}`, `{"app_id":${t}}`));
    for (let p = 0; p < partitions; p++) ops.push(node(`/s/apps/${t}/${p}`, `{"pid":"${t}.${p}"}`));
  }
  await seed(zk, ops);
  await zk.close();
});

afterAll(async () => {
  await stopZooKeepers();
});

describe("streaming tree tools", () => {
  test("zk copy of a 6,032-znode tree starts writing before it has read the tree, and the copy is whole", async () => {
    const run = await cli([
      "zk",
      "copy",
      `${source.connectString}/s`,
      `${target.connectString}/s`,
      "--json",
    ]);
    expect(run.exitCode).toBe(0);
    const firstWrite = run.events.findIndex((e) => e.kind === "zk-write");
    const lastRead = run.events.findLastIndex(
      (e) => e.kind === "zk-progress" && e.phase === "read",
    );
    expect(firstWrite).toBeGreaterThan(-1);
    expect(firstWrite).toBeLessThan(lastRead);
    expect(resultOf(run)).toMatchObject({
      read: 2 + tables * (partitions + 1),
      created: 2 + tables * (partitions + 1),
    });
    const seen = await readWithSecondClient(target.connectString, "/s");
    expect(seen.size).toBe(2 + tables * (partitions + 1));
    expect(seen.get(`/s/apps/${tables}/${partitions - 1}`)?.data.toString()).toBe(
      `{"pid":"${tables}.${partitions - 1}"}`,
    );
  });

  test("zk diff of trees that differ in a whole table lists it, read in one pass of each", async () => {
    const zk = await session(target.connectString);
    const extra = [
      node("/s/apps/99"),
      ...Array.from({ length: 50 }, (_, p) => node(`/s/apps/99/${p}`)),
    ];
    await seed(zk, extra);
    await zk.close();
    const run = await cli([
      "zk",
      "diff",
      `${source.connectString}/s`,
      `${target.connectString}/s`,
      "--json",
    ]);
    expect(run.exitCode).toBe(1);
    const result = resultOf(run) as {
      differences: { path: string; kind: string }[];
      targetNodes: number;
    };
    expect(result.differences.length).toBe(51);
    expect(
      result.differences.every((d) => d.kind === "extra" && d.path.startsWith("/apps/99")),
    ).toBe(true);
    expect(result.targetNodes).toBe(2 + tables * (partitions + 1) + 51);
  });
});
