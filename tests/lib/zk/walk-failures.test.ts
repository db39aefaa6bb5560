/**
 * A walk whose progress report fails (the log cannot be written: a full disk under the journal)
 * fails with that error instead of waiting forever for a node it lost count of.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Event, Log } from "../../../lib/log.ts";
import { openSession, walkContent, walkStats, type ZkSession } from "../../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { node, seed, session } from "./helpers.ts";

let server: ZooKeeperServer;
let zk: ZkSession;

/** A log that throws as a full disk would, on the first progress event. */
const failingLog: Log = Object.assign(
  (event: Event) => {
    if (event.kind === "zk-progress") throw new Error("ENOSPC: no space left on device, write");
  },
  { json: true, verbose: false },
);

beforeAll(async () => {
  [server] = (await startZooKeepers(1)) as [ZooKeeperServer];
  const writer = await session(server.connectString);
  await seed(writer, [node("/t"), ...Array.from({ length: 50 }, (_, i) => node(`/t/${i}`, "x"))]);
  await writer.close();
  zk = await openSession(server.connectString, { log: failingLog, readers: 2 });
});

afterAll(async () => {
  await zk?.close();
  await stopZooKeepers();
});

test("a walk of a missing root whose last progress report throws fails with that error", async () => {
  // The report runs from the handler of the root's failed read, where a throw used to be lost.
  await expect(walkContent(zk, "/missing", () => {})).rejects.toThrow("ENOSPC");
  await expect(walkStats(zk, "/missing", () => {})).rejects.toThrow("ENOSPC");
}, 20_000);

test("a walk of a tree whose first progress report throws fails with that error", async () => {
  await expect(walkContent(zk, "/t", () => {})).rejects.toThrow("ENOSPC");
  await expect(walkStats(zk, "/t", () => {})).rejects.toThrow("ENOSPC");
}, 20_000);
