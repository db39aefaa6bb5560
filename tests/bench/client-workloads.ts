/**
 * The workloads of `npm run bench:clients`, each run alone in its own process (so its peak RSS is
 * its own): a walk of the tree sending the same three reads per node (getData, getACL,
 * getChildren2) with at most `inflight` requests outstanding over `connections` sessions — once
 * with node-zookeeper-client, once with our client — then our tool's own walk (getACL + multiRead),
 * and the tree written as the same multi batches, 4 in flight on one session, by each client.
 *
 *   bun tests/bench/client-workloads.ts WORKLOAD CONNECT ROOT INFLIGHT CONNECTIONS
 * prints `ms=… nodes=…`.
 */
import zookeeper from "node-zookeeper-client";
import { createLog } from "../../lib/log.ts";
import { openSession, parseTreeAddress, walkContent } from "../../lib/zk/index.ts";
import {
  multiOpBytes,
  Op,
  readAcl,
  readChildren,
  readData,
  writePathNoWatch,
} from "../../lib/zk/protocol.ts";
import { pegasusTree } from "./pegasus-tree.ts";

const [workload, connect, root, inflightText, connectionsText] = process.argv.slice(2);
const inflight = Number(inflightText);
const connections = Number(connectionsText);
const log = createLog({ write: () => {} });

/** The three reads of one node, as a promise of its child names. */
type ReadNode = (path: string) => Promise<string[]>;

/** Walks the tree breadth-first with at most `inflight` nodes being read at once. */
async function walk(readNode: ReadNode): Promise<number> {
  const queue = [root as string];
  let active = 0;
  let nodes = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      if (queue.length === 0 && active === 0) return resolve();
      while (active < inflight / 3 && queue.length > 0) {
        const path = queue.shift() as string;
        active++;
        readNode(path).then((children) => {
          nodes++;
          active--;
          for (const child of children) queue.push(path === "/" ? `/${child}` : `${path}/${child}`);
          pump();
        }, reject);
      }
    };
    pump();
  });
  return nodes;
}

/** node-zookeeper-client sessions, connected. */
async function nzcClients(count: number) {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = zookeeper.createClient(connect as string, { sessionTimeout: 10_000 });
      await new Promise<void>((resolve) => {
        client.once("connected", () => resolve());
        client.connect();
      });
      return client;
    }),
  );
}

/** `fn(callback)` as a promise of the callback's first value after the error. */
function call<T>(fn: (cb: (error: unknown, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    fn((error, value) => (error ? reject(error) : resolve(value))),
  );
}

/** The tree as multi batches: the same split the tool's writer makes (≤ 1000 ops, ≤ 512 KB). */
function batches() {
  const tree = pegasusTree();
  const all: (typeof tree.ops)[] = [[]];
  let bytes = 0;
  for (const op of tree.ops.slice(1)) {
    const size = multiOpBytes(op);
    const last = all.at(-1) as typeof tree.ops;
    if (last.length >= 1000 || bytes + size > 512 * 1024) {
      all.push([op]);
      bytes = size;
    } else {
      last.push(op);
      bytes += size;
    }
  }
  return all;
}

/** Sends every batch with at most 4 outstanding, in order on one session. */
async function sendBatches<T>(send: (batch: T) => Promise<unknown>, all: T[]): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (const batch of all) {
    const sent = send(batch).finally(() => pending.delete(sent));
    pending.add(sent);
    if (pending.size >= 4) await Promise.race(pending);
  }
  await Promise.all(pending);
}

async function run(): Promise<number> {
  if (workload === "nzc-read") {
    const clients = await nzcClients(connections);
    let next = 0;
    const nodes = await walk(async (path) => {
      const client = clients[next++ % clients.length] as zookeeper.Client;
      const [, , children] = await Promise.all([
        call<Buffer>((cb) => client.getData(path, cb)),
        call<zookeeper.ACL[]>((cb) => client.getACL(path, cb)),
        call<string[]>((cb) => client.getChildren(path, cb)),
      ]);
      return children;
    });
    for (const client of clients) client.close();
    return nodes;
  }
  const session = await openSession(parseTreeAddress(connect as string), {
    log,
    readers: connections,
    maxInFlight: inflight,
  });
  try {
    if (workload === "ours-read") {
      return await walk(async (path) => {
        const [, , listed] = await Promise.all([
          session.readAny({
            op: Op.getData,
            path,
            encode: (w) => writePathNoWatch(w, path),
            decode: readData,
          }),
          session.readAny({ op: Op.getACL, path, encode: (w) => w.string(path), decode: readAcl }),
          session.readAny({
            op: Op.getChildren2,
            path,
            encode: (w) => writePathNoWatch(w, path),
            decode: readChildren,
          }),
        ]);
        return listed.children;
      });
    }
    if (workload === "ours-multiread") {
      let nodes = 0;
      await walkContent(session, root as string, () => nodes++);
      return nodes;
    }
    const all = batches();
    if (workload === "ours-write") {
      await sendBatches(
        (batch) =>
          session.multi(
            batch,
            batch.reduce((s, op) => s + multiOpBytes(op), 0),
          ),
        all,
      );
      return all.flat().length;
    }
    if (workload === "nzc-write") {
      const [client] = await nzcClients(1);
      const nzc = client as zookeeper.Client;
      const openAcl = [
        new zookeeper.ACL(zookeeper.Permission.ALL, new zookeeper.Id("world", "anyone")),
      ];
      await sendBatches((batch) => {
        const transaction = nzc.transaction();
        for (const op of batch) {
          if (op.type !== "create") throw new Error(`unexpected ${op.type}`);
          transaction.create(
            op.path,
            Buffer.from(op.data),
            openAcl,
            zookeeper.CreateMode.PERSISTENT,
          );
        }
        return call((cb) => transaction.commit(cb));
      }, all);
      nzc.close();
      return all.flat().length;
    }
    throw new Error(`unknown workload ${workload}`);
  } finally {
    await session.close();
  }
}

const started = performance.now();
const nodes = await run();
console.log(`ms=${Math.round(performance.now() - started)} nodes=${nodes}`);
