/**
 * `npm run bench:walk`: the CPU one tree walk costs, ours and the ZooKeeper server's, for a
 * reader-client layout. On a shared 2-core machine CPU is what competes and is far less noisy
 * than wall time, so the layout is chosen by it (issue 12). The server's CPU is read from
 * /proc/PID/stat (utime + stime) before and after; PID comes from a pid file, e.g. the one
 * `startDetachedZooKeeper` writes.
 *
 *   npm run bench:walk -- HOST:PORT/ROOT --pid-file DIR/zookeeper.pid [--readers 6]
 *     [--in-flight 250] [--window 1500] [--walk content|stats] [--rounds 2]
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { createLog } from "../../lib/log.ts";
import { openSession, parseTreeAddress } from "../../lib/zk/index.ts";
import { walkContent, walkStats } from "../../lib/zk/walk.ts";
import { processCpuMs } from "./process-cpu.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    "pid-file": { type: "string" },
    readers: { type: "string", default: "6" },
    "in-flight": { type: "string", default: "250" },
    walk: { type: "string", default: "content" },
    rounds: { type: "string", default: "2" },
    window: { type: "string", default: "1500" },
  },
});
const [address] = positionals;
if (!address || !values["pid-file"]) {
  console.error("usage: walk-cpu.ts HOST:PORT/ROOT --pid-file FILE [--readers N] [--walk stats]");
  process.exit(2);
}
for (const name of ["readers", "in-flight", "window", "rounds"] as const) {
  // A window of NaN would start no read and wait forever.
  if (!/^[1-9]\d*$/.test(values[name])) {
    console.error(`--${name} must be a positive whole number, not "${values[name]}"`);
    process.exit(2);
  }
}
const pid = readFileSync(values["pid-file"], "utf8").trim();
const serverCpuMs = () => processCpuMs(pid);

const tree = parseTreeAddress(address);
const zk = await openSession(tree, {
  log: createLog({ write: () => {} }),
  readers: Number(values.readers),
  maxInFlight: Number(values["in-flight"]),
});
const walk = values.walk === "stats" ? walkStats : walkContent;
for (let round = 0; round < Number(values.rounds); round++) {
  const server0 = serverCpuMs();
  const ours0 = process.cpuUsage();
  const started = performance.now();
  const { nodes } = await walk(zk, tree.path, () => {}, { window: Number(values.window) });
  const ours = process.cpuUsage(ours0);
  const ms = (n: number) => `${(n / 1000).toFixed(2)} s`;
  console.log(
    `${values.walk} walk, ${values.readers} readers × ${values["in-flight"]}, ${values.window} nodes in flight: ${nodes} znodes, ` +
      `wall ${ms(performance.now() - started)}, server CPU ${ms(serverCpuMs() - server0)}, ` +
      `our CPU ${ms((ours.user + ours.system) / 1000)} (sys ${ms(ours.system / 1000)})`,
  );
}
await zk.close();
