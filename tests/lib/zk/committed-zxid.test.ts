import { afterAll, beforeAll, expect, test } from "bun:test";
import type { ZkSession } from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { node, seed, session } from "./helpers.ts";

let server: ZooKeeperServer;
let zk: ZkSession;
let other: ZkSession;

beforeAll(async () => {
  [server] = (await startZooKeepers(1)) as [ZooKeeperServer];
  zk = await session(server.connectString);
  other = await session(server.connectString);
  await seed(zk, [node("/fence", "x"), node("/elsewhere", "y")]);
});

afterAll(async () => {
  await zk?.close();
  await other?.close();
  await stopZooKeepers();
});

test("the committed zxid stays put without transactions, and moves with a write anywhere or a new session", async () => {
  const first = await zk.committedZxid("/fence");
  await zk.get("/fence");
  await other.children("/");
  expect(await zk.committedZxid("/fence")).toBe(first);
  expect(await other.committedZxid("/elsewhere")).toBe(first);

  await other.multi(
    [{ type: "setData", path: "/elsewhere", data: Buffer.from("z"), version: -1 }],
    100,
  );
  const afterWrite = await zk.committedZxid("/fence");
  expect(afterWrite).toBeGreaterThan(first);

  const third = await session(server.connectString);
  await third.close();
  expect(await zk.committedZxid("/fence")).toBeGreaterThan(afterWrite);
});
