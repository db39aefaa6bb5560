/**
 * `npm run bench:clients`: node-zookeeper-client against our client, like for like, on the
 * Pegasus-shaped benchmark tree (25,708 znodes, 10 MB) in one local ZooKeeper 3.8 server:
 * - reads: the same three requests per node (getData, getACL, getChildren2), 64 and 256 in
 *   flight, over 6 sessions, with each client; then our tool's own walk (getACL + multiRead);
 * - writes: the tree created as the same multi batches (≤ 1000 ops, ≤ 512 KB), 4 in flight.
 * Each workload runs in its own process under /usr/bin/time (wall time and peak RSS), three
 * times after an untimed warm-up; the median is shown.
 *
 *   npm run bench:clients
 */
import { loadavg } from "node:os";
import { join } from "node:path";
import { formatMs } from "../../lib/duration.ts";
import { createLog } from "../../lib/log.ts";
import { openSession, parseTreeAddress, removeTree, TreeWriter } from "../../lib/zk/index.ts";
import { startZooKeepers, stopZooKeepers } from "../harness/zookeeper.ts";
import { pegasusTree } from "./pegasus-tree.ts";

const workloads = join(import.meta.dir, "client-workloads.ts");
const connections = 6;
const rounds = 3;

/** One workload in a fresh process: its own timing (ms), peak RSS (MB) and node count. */
async function measure(connect: string, root: string, workload: string, inflight: number) {
  const child = Bun.spawn(
    [
      "/usr/bin/time",
      "-f",
      "maxrss-kb=%M",
      process.execPath,
      workloads,
      workload,
      connect,
      root,
      String(inflight),
      String(connections),
    ],
    { stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  if (code !== 0) throw new Error(`${workload} exited ${code}:\n${out}${err}`);
  return {
    ms: Number(/ms=(\d+)/.exec(out)?.[1]),
    nodes: Number(/nodes=(\d+)/.exec(out)?.[1]),
    rssMb: Number(/maxrss-kb=(\d+)/.exec(err)?.[1]) / 1000,
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

const tree = pegasusTree();
const [server] = await startZooKeepers(1);
if (!server) throw new Error("one server expected");
const log = createLog({ write: () => {} });
try {
  const session = await openSession(parseTreeAddress(server.connectString), { log });
  const writer = new TreeWriter(session);
  for (const op of tree.ops) await writer.add(op);
  await writer.finish();
  const clear = () => removeTree(session, { root: tree.root });

  const rows: { what: string; ms: number; rssMb: number; nodes: number }[] = [];
  const bench = async (what: string, workload: string, inflight: number, write = false) => {
    const runs = [];
    for (let i = 0; i <= rounds; i++) {
      if (write) await clear();
      const run = await measure(server.connectString, tree.root, workload, inflight);
      if (i > 0) runs.push(run); // the first is the warm-up
    }
    rows.push({
      what,
      ms: median(runs.map((r) => r.ms)),
      rssMb: median(runs.map((r) => r.rssMb)),
      nodes: runs[0]?.nodes ?? 0,
    });
  };
  for (const inflight of [64, 256]) {
    await bench(`node-zookeeper-client, 3 reads/node, ${inflight} in flight`, "nzc-read", inflight);
    await bench(`ours, the same reads, ${inflight} in flight`, "ours-read", inflight);
  }
  await bench("ours, the tool's walk (getACL + multiRead)", "ours-multiread", 256);
  await bench("node-zookeeper-client, multi batches, 4 in flight", "nzc-write", 4, true);
  await bench("ours, the same multi batches, 4 in flight", "ours-write", 4, true);
  await session.close();

  console.log(
    `tree: ${tree.ops.length + 1} znodes; ${connections} sessions for reads; median of ${rounds} runs, each in its own process`,
  );
  for (const row of rows) {
    console.log(
      `${row.what.padEnd(56)} ${formatMs(row.ms).padStart(8)}  peak RSS ${row.rssMb.toFixed(0).padStart(4)} MB  (${row.nodes} znodes)`,
    );
  }
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
} finally {
  await stopZooKeepers();
}
