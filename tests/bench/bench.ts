/**
 * `npm run bench`: the tree tools on a Pegasus-shaped tree (100 tables × 256 partitions ≈ 25,700
 * znodes, ≈ 10 MB, plus a held ephemeral LOCKNODE) between two local ZooKeeper servers. Each tool
 * runs as the operator runs it — `bun scripts/main.ts zk …` in its own process — so times include
 * start-up, and peak RSS is the process's own. The write ceiling (the same creates, prepared in
 * memory and sent as multi batches, nothing read) is measured in the same run for comparison.
 * The fresh JVMs are first warmed up with one untimed copy, diff and rmr, as a production
 * ensemble that has served for a while would be.
 *
 *   npm run bench [-- --tables 100 --partitions 256]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatMs } from "../../lib/duration.ts";
import { createLog } from "../../lib/log.ts";
import { openSession, parseTreeAddress, TreeWriter } from "../../lib/zk/index.ts";
import { openAcl } from "../../lib/zk/jute.ts";
import { CreateFlags } from "../../lib/zk/protocol.ts";
import { startZooKeepers, stopZooKeepers } from "../harness/zookeeper.ts";
import { pegasusTree } from "./pegasus-tree.ts";

const { values } = parseArgs({
  options: {
    tables: { type: "string", default: "100" },
    partitions: { type: "string", default: "256" },
  },
});
const root = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "pzm-bench-"));
const log = createLog({ write: () => {} });

interface Run {
  ms: number;
  rssMb: number;
  /** CPU time of the zk process itself (user + system). */
  cpuMs: number;
  exitCode: number;
  output: string;
}

/** Runs `zk …` in a fresh process under /usr/bin/time; returns wall time, peak RSS, exit code. */
async function zk(...args: string[]): Promise<Run> {
  const started = performance.now();
  const child = Bun.spawn(
    [
      "/usr/bin/time",
      "-f",
      "maxrss-kb=%M cpu-s=%U+%S",
      process.execPath,
      "scripts/main.ts",
      "zk",
      ...args,
    ],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  );
  const [output, errors, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const ms = performance.now() - started;
  const rssMb = Number(/maxrss-kb=(\d+)/.exec(errors)?.[1] ?? 0) / 1000;
  const cpu = /cpu-s=([\d.]+)\+([\d.]+)/.exec(errors);
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : 0;
  return { ms, rssMb, cpuMs, exitCode, output: output + errors };
}

function expectExit(what: string, run: Run, code: number): Run {
  if (run.exitCode !== code) {
    throw new Error(`${what} exited ${run.exitCode}, expected ${code}:\n${run.output}`);
  }
  return run;
}

const tree = pegasusTree({ tables: Number(values.tables), partitions: Number(values.partitions) });
const znodes = tree.ops.length + 1;
const dataBytes = tree.ops.reduce(
  (sum, op) => sum + (op.type === "create" ? op.data.length : 0),
  0,
);
console.log(
  `tree: ${znodes} znodes (${values.tables} tables × ${values.partitions} partitions + fixed nodes + 1 held LOCKNODE), ${(dataBytes / 1e6).toFixed(1)} MB of data`,
);

const [sourceServer, targetServer] = await startZooKeepers(2);
if (!sourceServer || !targetServer) throw new Error("two servers expected");
try {
  const source = await openSession(parseTreeAddress(sourceServer.connectString), { log });
  const target = await openSession(parseTreeAddress(targetServer.connectString), { log });
  const write = async (session: typeof source, ops: typeof tree.ops) => {
    const writer = new TreeWriter(session);
    for (const op of ops) await writer.add(op);
    await writer.finish();
  };
  await write(source, tree.ops);
  await source.create({
    path: `${tree.root}/lock/dsn.meta.server.leader/LOCKNODE`,
    data: Buffer.from("meta1.example.com:34601"),
    acl: openAcl,
    flags: CreateFlags.ephemeralSequential,
  });

  const src = `${sourceServer.connectString}${tree.root}`;
  const dst = `${targetServer.connectString}${tree.root}`;
  const file = join(work, "c1.zksnap");
  // Warm-up round, untimed: fresh JVMs are slow until their request paths are compiled.
  expectExit("warm-up zk copy", await zk("copy", src, dst), 0);
  expectExit("warm-up zk diff", await zk("diff", src, dst), 0);
  expectExit("warm-up zk rmr", await zk("rmr", dst), 0);

  // The ceiling: the same creates, already in memory, straight into the empty target.
  const subtree = tree.ops.slice(1); // `/pegasus` is left on the target by the warm-up copy
  const started = performance.now();
  await write(target, subtree);
  const ceilingMs = performance.now() - started;
  await write(
    target,
    [...subtree].reverse().map((op) => ({ type: "delete" as const, path: op.path, version: -1 })),
  );

  const copy = expectExit("zk copy", await zk("copy", src, dst), 0);
  const diff = expectExit("zk diff", await zk("diff", src, dst), 0);
  const snapshot = expectExit("zk snapshot", await zk("snapshot", src, "-o", file), 0);
  const rmr = expectExit("zk rmr", await zk("rmr", dst), 0);
  const restore = expectExit("zk restore", await zk("restore", file, dst), 0);
  const again = expectExit("zk diff after restore", await zk("diff", src, dst), 0);
  const refused = expectExit("zk rmr with a live LOCKNODE", await zk("rmr", src), 1);

  const rate = (ms: number) =>
    `${Math.round((znodes / ms) * 1000).toLocaleString("en-US")} znodes/s`;
  const usage = (run: Run) =>
    `peak RSS ${run.rssMb.toFixed(0)} MB, CPU ${formatMs(run.cpuMs)} of the zk process`;
  const rows: [string, string, string][] = [
    ["write ceiling (multi creates, in memory)", formatMs(ceilingMs), rate(ceilingMs)],
    ["zk copy", formatMs(copy.ms), `${rate(copy.ms)}, ${usage(copy)}`],
    ["zk diff", formatMs(diff.ms), usage(diff)],
    ["zk copy + zk diff", formatMs(copy.ms + diff.ms), ""],
    ["zk snapshot", formatMs(snapshot.ms), usage(snapshot)],
    ["zk rmr", formatMs(rmr.ms), `${rate(rmr.ms)}, ${usage(rmr)}`],
    ["zk restore", formatMs(restore.ms), usage(restore)],
    ["zk diff after restore", formatMs(again.ms), "identical"],
    ["zk rmr with the LOCKNODE held", formatMs(refused.ms), "refused, exit 1"],
  ];
  for (const [what, time, note] of rows) {
    console.log(`${what.padEnd(42)} ${time.padStart(8)}  ${note}`);
  }
  const peak = Math.max(copy.rssMb, diff.rssMb, snapshot.rssMb, rmr.rssMb, restore.rssMb);
  console.log(`peak RSS of any zk process: ${peak.toFixed(0)} MB`);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} (${cpus().length} cores)`,
  );
  await source.close();
  await target.close();
} finally {
  await stopZooKeepers();
  rmSync(work, { recursive: true, force: true });
}
