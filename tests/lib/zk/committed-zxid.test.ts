import { afterAll, beforeAll, expect, test } from "bun:test";
import { walkContent, type ZkSession } from "../../../lib/zk/index.ts";
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
  await other.committedZxid("/elsewhere"); // opens its reader sessions: transactions too
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

test("a fresh session's first walk does not move the committed zxid: its readers open before the first reading", async () => {
  const fresh = await session(server.connectString, { readers: 3 });
  try {
    const before = await fresh.committedZxid("/fence");
    let nodes = 0;
    await walkContent(fresh, "/", () => nodes++);
    expect(nodes).toBeGreaterThan(2);
    expect(await fresh.committedZxid("/fence")).toBe(before);
  } finally {
    await fresh.close();
  }
});
