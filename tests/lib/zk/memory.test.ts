/**
 * The collection cadence (lib/zk/memory.ts): a full collection after every N nodes handled while
 * the heap is above a floor — and walks and writers report every node they handle to it, so a
 * long walk's garbage is bounded by N nodes, not by the tree.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { walkContent, walkStats, type ZkSession } from "../../../lib/zk/index.ts";
import {
  type CadenceOptions,
  CollectionCadence,
  collectionCadence,
} from "../../../lib/zk/memory.ts";
import { startZooKeepers, stopZooKeepers, type ZooKeeperServer } from "../../harness/zookeeper.ts";
import { node, seed, session } from "./helpers.ts";

/** A cadence with a fake heap and clock; `runs` counts its collections. */
function fakeCadence(options: Partial<CadenceOptions> = {}) {
  const state = { runs: 0, heapUsed: 100, ms: 0 };
  const cadence = new CollectionCadence({
    every: 10,
    floorBytes: 50,
    budget: 1,
    heapUsed: () => state.heapUsed,
    collect: () => state.runs++,
    now: () => state.ms,
    ...options,
  });
  return { cadence, state };
}

test("a cadence collects after every `every` nodes, and skips a turn while the heap is below its floor", () => {
  const { cadence, state } = fakeCadence({ every: 1000 });
  cadence.handled(999);
  expect(state.runs).toBe(0);
  cadence.handled(1);
  expect(state.runs).toBe(1);
  cadence.handled(500);
  cadence.handled(499);
  expect(state.runs).toBe(1);
  state.heapUsed = 10; // the next turn comes while the heap is small: nothing is forced
  cadence.handled(1);
  expect(state.runs).toBe(1);
  state.heapUsed = 100;
  cadence.handled(999);
  expect(state.runs).toBe(1);
  cadence.handled(1);
  expect(state.runs).toBe(2);
  cadence.handled(5000); // a large batch is one turn
  expect(state.runs).toBe(3);
  expect(cadence.collections).toBe(3);
  expect(cadence.handledTotal).toBe(8000);
});

test("a cadence skips a turn while the last collection would take more than its budget of the time since", () => {
  const { cadence, state } = fakeCadence({
    budget: 0.1,
    collect: () => {
      state.runs++;
      state.ms += 50; // a collection of a large live set
    },
  });
  cadence.handled(10);
  expect(state.runs).toBe(1);
  state.ms += 100; // 50 ms would be half of the 100 ms since: skipped
  cadence.handled(10);
  expect(state.runs).toBe(1);
  state.ms += 400; // 50 ms is a tenth of the 500 ms since the last one ended
  cadence.handled(10);
  expect(state.runs).toBe(2);
});

test("a paused cadence forces no collection, and takes its turn once the work is done", async () => {
  const { cadence, state } = fakeCadence();
  await cadence.paused(async () => {
    cadence.handled(25);
    expect(state.runs).toBe(0);
  });
  await expect(cadence.paused(() => Promise.reject(new Error("step failed")))).rejects.toThrow(
    "step failed",
  );
  cadence.handled(1);
  expect(state.runs).toBe(1);
});

let server: ZooKeeperServer;
let zk: ZkSession;

beforeAll(async () => {
  [server] = (await startZooKeepers(1)) as [ZooKeeperServer];
  zk = await session(server.connectString);
});

afterAll(async () => {
  await zk?.close();
  await stopZooKeepers();
});

test("walks and writers report every node they handle to the process's cadence", async () => {
  const tree = [node("/m"), ...Array.from({ length: 300 }, (_, i) => node(`/m/${i}`, "x"))];
  const before = collectionCadence.handledTotal;
  await seed(zk, tree);
  expect(collectionCadence.handledTotal - before).toBe(301);
  await walkContent(zk, "/m", () => {});
  expect(collectionCadence.handledTotal - before).toBe(602);
  await walkStats(zk, "/m", () => {});
  expect(collectionCadence.handledTotal - before).toBe(903);
}, 30_000);
