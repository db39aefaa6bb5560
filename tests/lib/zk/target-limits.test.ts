import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { cli, node, seed, session } from "./helpers.ts";

let source: ZooKeeperServer;
let small: ZooKeeperServer;

beforeAll(async () => {
  [source] = (await startZooKeepers(1)) as [ZooKeeperServer];
  // A target whose servers accept requests of at most 200,000 bytes: a 480 KB multi is refused.
  [small] = (await startZooKeepers(1, { properties: { "jute.maxbuffer": "200000" } })) as [
    ZooKeeperServer,
  ];
  const zk = await session(source.connectString);
  const kids = Array.from({ length: 60 }, (_, i) => node(`/big/n${i}`, Buffer.alloc(8000, i)));
  await seed(zk, [node("/big"), ...kids]);
  await zk.close();
});

afterAll(async () => {
  await stopZooKeepers();
});

describe("zk copy into a target with smaller limits", () => {
  test("zk copy names jute.maxbuffer and the server's log line when the target keeps refusing a request", async () => {
    const run = await cli([
      "zk",
      "copy",
      `${source.connectString}/big`,
      `${small.connectString}/big`,
      "--timeout",
      "20s",
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain("closed the connection");
    expect(run.stderr).toContain("jute.maxbuffer");
    expect(run.stderr).toContain("Len error");
    expect(run.stderr).toContain("OutOfMemoryError");
    expect(run.stderr).toContain("--overwrite");
  });
});
