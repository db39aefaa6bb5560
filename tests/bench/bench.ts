/**
 * `npm run bench`: the tree tools on a Pegasus-shaped tree (100 tables × 256 partitions ≈ 25,700
 * znodes, ≈ 10 MB, plus a held ephemeral LOCKNODE) between two local ZooKeeper servers; with
 * `--scale 10` also on ten times that (1000 tables, ≈ 257,000 znodes, ≈ 100 MB). Each tool runs
 * as the operator runs it — `bun scripts/main.ts zk …` in its own process — so times include
 * start-up, and peak RSS is the process's own; its CPU is printed with the CPU both servers
 * spent meanwhile, and how many of the machine's cores the three kept busy. The write ceiling
 * (the same creates, prepared in memory and sent as multi batches, nothing read) is measured in
 * the same run, on the same servers, and every time is also given as a multiple of it. Fresh
 * JVMs are first warmed up with three untimed rounds of copy, diff and rmr of a 6,500-znode tree,
 * as a production ensemble that has served for a while would be: about 20,000 requests of each
 * kind, past the JIT's thresholds for compiling their paths fully (in one pair of runs, after a
 * single 1,300-znode round the timed copies took 1.3–1.8× as long).
 *
 * With `--verify`, each copy is also compared node by node by a second, independent reader
 * (node-zookeeper-client, `second-reader.ts`).
 *
 *   npm run bench [-- --tables 100 --partitions 256] [--scale 10] [--verify]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatMs } from "../../lib/duration.ts";
import { createLog } from "../../lib/log.ts";
import {
  collectionCadence,
  openSession,
  parseTreeAddress,
  TreeWriter,
  type ZkSession,
} from "../../lib/zk/index.ts";
import { openAcl } from "../../lib/zk/jute.ts";
import { CreateFlags, type MultiOp } from "../../lib/zk/protocol.ts";
import { startZooKeepers, stopZooKeepers } from "../harness/zookeeper.ts";
import { blindWork } from "./blind-work.ts";
import { pegasusTree } from "./pegasus-tree.ts";
import { processCpuMs } from "./process-cpu.ts";
import { compareWithSecondClient } from "./second-reader.ts";

const { values } = parseArgs({
  options: {
    tables: { type: "string", default: "100" },
    partitions: { type: "string", default: "256" },
    scale: { type: "string", default: "1" },
    verify: { type: "boolean", default: false },
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
  /** CPU time both ZooKeeper servers spent meanwhile. */
  serversCpuMs: number;
  exitCode: number;
  output: string;
}

/**
 * Runs `zk …` in a fresh process under /usr/bin/time; returns wall time, peak RSS, exit code, and
 * the CPU it and the servers `serverPids` used (three processes on this machine's cores: the sum
 * over the wall time says how busy the cores were).
 */
async function runZk(serverPids: readonly number[], ...args: string[]): Promise<Run> {
  const serversCpu = () => serverPids.reduce((sum, pid) => sum + processCpuMs(pid), 0);
  const servers0 = serversCpu();
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
  const serversCpuMs = serversCpu() - servers0;
  const rssMb = Number(/maxrss-kb=(\d+)/.exec(errors)?.[1] ?? 0) / 1000;
  const cpu = /cpu-s=([\d.]+)\+([\d.]+)/.exec(errors);
  const cpuMs = cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : 0;
  return { ms, rssMb, cpuMs, serversCpuMs, exitCode, output: output + errors };
}

function expectExit(what: string, run: Run, code: number): Run {
  if (run.exitCode !== code) {
    throw new Error(`${what} exited ${run.exitCode}, expected ${code}:\n${run.output}`);
  }
  return run;
}

/** One command's run at one scale. */
interface Row {
  what: string;
  run: Run | null;
  ms: number;
  note: string;
}

async function write(session: ZkSession, ops: readonly MultiOp[]): Promise<void> {
  const writer = new TreeWriter(session);
  for (const op of ops) await writer.add(op);
  await writer.finish();
}

/** Runs every command on a tree of `tables` × partitions; returns the ceiling and the rows. */
async function benchOnce(
  tables: number,
  partitions: number,
): Promise<{ ceilingMs: number; rows: Row[]; znodes: number }> {
  const tree = pegasusTree({ tables, partitions });
  const znodes = tree.ops.length + 1;
  const dataBytes = tree.ops.reduce(
    (sum, op) => sum + (op.type === "create" ? op.data.length : 0),
    0,
  );
  console.log(
    `\ntree: ${znodes} znodes (${tables} tables × ${partitions} partitions + fixed nodes + 1 held LOCKNODE), ${(dataBytes / 1e6).toFixed(1)} MB of data`,
  );
  // The reference runs used 2 GB heaps; a 257k-node tree needs more than the default 512 MB.
  const heapMb = znodes > 100_000 ? 2048 : 512;
  const [sourceServer, targetServer] = await startZooKeepers(2, { heapMb });
  if (!sourceServer || !targetServer) throw new Error("two servers expected");
  const [sourcePid, targetPid] = [sourceServer.pid, targetServer.pid];
  if (!sourcePid || !targetPid) throw new Error("two running servers expected");
  const zk = (...args: string[]) => runZk([sourcePid, targetPid], ...args);
  const source = await openSession(parseTreeAddress(sourceServer.connectString), { log });
  const target = await openSession(parseTreeAddress(targetServer.connectString), { log });
  try {
    const warm = pegasusTree({ cluster: "warm-up", tables: 100, partitions: 64 });
    await write(source, warm.ops);
    await write(source, tree.ops.slice(1)); // `/pegasus` exists after the warm-up tree
    await source.create({
      path: `${tree.root}/lock/dsn.meta.server.leader/LOCKNODE`,
      data: Buffer.from("meta1.example.com:34601"),
      acl: openAcl,
      flags: CreateFlags.ephemeralSequential,
    });
    // Warm-up round, untimed: fresh JVMs are slow until their request paths are compiled.
    const warmSrc = `${sourceServer.connectString}${warm.root}`;
    const warmDst = `${targetServer.connectString}${warm.root}`;
    for (let round = 0; round < 3; round++) {
      expectExit("warm-up zk copy", await zk("copy", warmSrc, warmDst), 0);
      expectExit("warm-up zk diff", await zk("diff", warmSrc, warmDst), 0);
      expectExit("warm-up zk rmr", await zk("rmr", warmDst), 0);
    }

    // The ceiling: the same creates, already in memory, straight into the empty target.
    const subtree = tree.ops.slice(1); // `/pegasus` is left on the target by the warm-up copy
    const ceilingCpu0 = { ours: process.cpuUsage(), server: processCpuMs(targetPid) };
    const started = performance.now();
    // This process holds the whole tree in memory, which no tool process does: forced
    // collections would measure that, not the writer (copy/04 forces none either).
    await collectionCadence.paused(() => write(target, subtree));
    const ceilingMs = performance.now() - started;
    const ceilingOurs = process.cpuUsage(ceilingCpu0.ours);
    const ceilingCpu = {
      ours: (ceilingOurs.user + ceilingOurs.system) / 1000,
      server: processCpuMs(targetPid) - ceilingCpu0.server,
    };
    await write(
      target,
      [...subtree].reverse().map((op) => ({ type: "delete" as const, path: op.path, version: -1 })),
    );

    const src = `${sourceServer.connectString}${tree.root}`;
    const dst = `${targetServer.connectString}${tree.root}`;
    const file = join(work, `${tables}.zksnap`);
    const copy = expectExit("zk copy", await zk("copy", src, dst), 0);
    if (values.verify) {
      const started = performance.now();
      const second = await compareWithSecondClient(
        sourceServer.connectString,
        targetServer.connectString,
        tree.root,
      );
      if (second.mismatches.length > 0) {
        throw new Error(
          `the second reader disagrees:\n${second.mismatches.slice(0, 20).join("\n")}`,
        );
      }
      console.log(
        `second reader (node-zookeeper-client): ${second.nodes} znodes identical (${formatMs(performance.now() - started)})`,
      );
    }
    const diff = expectExit("zk diff", await zk("diff", src, dst), 0);
    const snapshot = expectExit("zk snapshot", await zk("snapshot", src, "-o", file), 0);
    const rmr = expectExit("zk rmr", await zk("rmr", dst), 0);
    const restore = expectExit("zk restore", await zk("restore", file, dst), 0);
    const again = expectExit("zk diff after restore", await zk("diff", src, dst), 0);
    const refused = expectExit("zk rmr with a live LOCKNODE", await zk("rmr", src), 1);
    expectExit("zk rmr before the runbook's blind work", await zk("rmr", dst), 0);
    // Paused for the same reason; copy/04 runs paused in the tool too, copy/02 (the pre-copy,
    // leader still serving) does not, so its figure here leaves out its forced collections.
    const blind = await collectionCadence.paused(() => blindWork(source, target, tree.root, file));
    rmSync(file, { force: true });
    const rate = (ms: number) =>
      `${Math.round((znodes / ms) * 1000).toLocaleString("en-US")} znodes/s`;
    const rows: Row[] = [
      {
        what: "write ceiling (multi creates, in memory)",
        run: null,
        ms: ceilingMs,
        note: `CPU ${formatMs(ceilingCpu.ours)}, target server ${formatMs(ceilingCpu.server)}; ${rate(ceilingMs)}`,
      },
      { what: "zk copy", run: copy, ms: copy.ms, note: rate(copy.ms) },
      { what: "zk diff", run: diff, ms: diff.ms, note: "" },
      { what: "zk copy + zk diff", run: null, ms: copy.ms + diff.ms, note: "" },
      { what: "zk snapshot", run: snapshot, ms: snapshot.ms, note: "" },
      { what: "zk rmr", run: rmr, ms: rmr.ms, note: rate(rmr.ms) },
      { what: "zk restore", run: restore, ms: restore.ms, note: "" },
      { what: "zk diff after restore", run: again, ms: again.ms, note: "identical" },
      {
        what: "zk rmr with the LOCKNODE held",
        run: refused,
        ms: refused.ms,
        note: "refused, exit 1",
      },
      {
        what: "copy/02 pre-copy + verify (leader serving)",
        run: null,
        ms: blind.preCopyMs,
        note: "",
      },
      {
        what: "copy/04 + copy/05 ZooKeeper work (blind)",
        run: null,
        ms: blind.totalMs,
        note: `re-copy + snapshot ${formatMs(blind.copyMs)}, verify + unchanged proof ${formatMs(blind.diffMs)}, 2 unchanged checks (zxid fence, else stamps) ${formatMs(blind.stampChecksMs)}`,
      },
    ];
    for (const row of rows) {
      const ratio = row.run ? `${(row.ms / ceilingMs).toFixed(1)}× ceiling` : "";
      const usage = row.run
        ? `peak RSS ${row.run.rssMb.toFixed(0)} MB, CPU ${formatMs(row.run.cpuMs)}, servers ${formatMs(row.run.serversCpuMs)} (${((row.run.cpuMs + row.run.serversCpuMs) / row.ms).toFixed(1)} cores busy)`
        : "";
      const notes = [ratio, usage, row.note].filter(Boolean).join("; ");
      console.log(`${row.what.padEnd(42)} ${formatMs(row.ms).padStart(8)}  ${notes}`);
    }
    return { ceilingMs, rows, znodes };
  } finally {
    await source.close();
    await target.close();
    await stopZooKeepers();
  }
}

const tables = Number(values.tables);
const partitions = Number(values.partitions);
const scales = Number(values.scale) > 1 ? [1, Number(values.scale)] : [1];
const results: Awaited<ReturnType<typeof benchOnce>>[] = [];
try {
  for (const scale of scales) results.push(await benchOnce(tables * scale, partitions));
} finally {
  rmSync(work, { recursive: true, force: true });
}
if (results.length === 2) {
  const [small, large] = results as [(typeof results)[0], (typeof results)[0]];
  console.log(`\n${small.znodes} → ${large.znodes} znodes (peak RSS and time, large ÷ small):`);
  for (const [i, row] of large.rows.entries()) {
    const before = small.rows[i] as Row;
    if (!row.run || !before.run) continue;
    console.log(
      `${row.what.padEnd(42)} RSS ${before.run.rssMb.toFixed(0)} → ${row.run.rssMb.toFixed(0)} MB (${(row.run.rssMb / before.run.rssMb).toFixed(2)}×), time ${(row.ms / before.ms).toFixed(1)}×`,
    );
  }
}
console.log(
  `load average at the end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} (${cpus().length} cores)`,
);
