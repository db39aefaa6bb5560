/**
 * How many reader sessions a walk spreads its requests over: more for a walk that sends a request
 * per node over a large tree, opened before a zxid fence is read so that the walk inside it moves
 * nothing; and fewer, with a warning, when a server refuses connections past its limit.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  defaultReaders,
  walkContent,
  walkStats,
  wideFromNodes,
  wideReaders,
} from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { node, seed, session } from "./helpers.ts";

let server: ZooKeeperServer;
let capped: ZooKeeperServer;
const wideTables = Math.ceil(wideFromNodes / 100);

beforeAll(async () => {
  [server] = (await startZooKeepers(1)) as [ZooKeeperServer];
  [capped] = (await startZooKeepers(1, { maxClientCnxns: 4 })) as [ZooKeeperServer];
  const zk = await session(server.connectString);
  try {
    const ops = [node("/narrow"), node("/wide")];
    for (let i = 0; i < 20; i++) ops.push(node(`/narrow/n${i}`, "x"));
    for (let t = 0; t < wideTables; t++) {
      ops.push(node(`/wide/t${t}`, "table"));
      for (let p = 0; p < 99; p++) ops.push(node(`/wide/t${t}/${p}`, "partition"));
    }
    await seed(zk, ops);
  } finally {
    await zk.close();
  }
}, 120_000);

afterAll(() => stopZooKeepers());

test("a content walk of a large tree opens more reader sessions; small walks and stat walks do not", async () => {
  const zk = await session(server.connectString, { readers: undefined });
  try {
    let nodes = 0;
    await walkContent(zk, "/narrow", () => nodes++);
    expect(nodes).toBe(21);
    expect(zk.readers).toBe(defaultReaders);

    await walkStats(zk, "/wide", () => nodes++);
    expect(zk.readers).toBe(defaultReaders);

    nodes = 0;
    await walkContent(zk, "/wide", () => nodes++);
    expect(nodes).toBe(wideTables * 100 + 1);
    expect(zk.readers).toBe(wideReaders);
  } finally {
    await zk.close();
  }
}, 60_000);

test("a zxid fence read for a large tree opens the readers its content walk uses, so the walk inside it moves nothing", async () => {
  const zk = await session(server.connectString, { readers: undefined });
  try {
    const before = await zk.committedZxid("/wide");
    expect(zk.readers).toBe(wideReaders);
    let nodes = 0;
    await walkContent(zk, "/wide", () => nodes++);
    expect(nodes).toBe(wideTables * 100 + 1);
    expect(await zk.committedZxid("/wide")).toBe(before);
  } finally {
    await zk.close();
  }
}, 60_000);

test("readers a server refuses (maxClientCnxns) are left out with a warning, and the walk reads everything with the rest", async () => {
  // Three sessions hold three of the server's four connections for this host; the walk's own
  // primary takes the last one, so every reader it opens is refused. (ZooKeeper 3.8 counts a
  // host's connections once its selector has registered them, so a burst of simultaneous
  // connects can pass the cap: held connections make the refusal certain.)
  const holders = [];
  for (let i = 0; i < 3; i++) holders.push(await session(capped.connectString));
  const zk = await session(capped.connectString, { readers: undefined });
  try {
    await seed(zk, [node("/t"), ...Array.from({ length: 30 }, (_, i) => node(`/t/${i}`, "x"))]);
    let nodes = 0;
    await walkContent(zk, "/t", () => nodes++);
    expect(nodes).toBe(31);
    expect(zk.readers).toBe(1);
    const warnings = zk.events.filter((e) => e.kind === "zk-session" && e.event === "readers") as {
      detail: string;
    }[];
    expect(warnings).toHaveLength(1);
    const more = defaultReaders - 1;
    expect(warnings[0]?.detail).toContain(`${more} of ${more} more reader sessions`);
    expect(warnings[0]?.detail).toContain("maxClientCnxns");
  } finally {
    await zk.close();
    await Promise.all(holders.map((holder) => holder.close()));
  }
}, 60_000);
