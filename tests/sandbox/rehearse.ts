#!/usr/bin/env bun
/**
 * `npm run rehearse [-- --method recover] [--tables N] [--partitions N]`: a full migration
 * rehearsal on the sandbox, as an operator would do it — sandbox up (3 metas, 5 replicas, 20
 * tables), `check`, `plan`, `run --yes --clean-old`, `status`, then the result and timings, and
 * the sandbox down (also when something fails). The copy method is the default.
 * `--tables 1000 --partitions 256` rehearses on a 257k-znode tree (the run's summary gives the
 * time the leader spent blind).
 */
import { join } from "node:path";
import { $ } from "zx";
import { startSandbox } from "./sandbox.ts";

const main = join(import.meta.dir, "../../scripts/main.ts");
const tool = (args: string[]) =>
  $({ nothrow: true, stdio: "inherit" })`${process.execPath} ${main} ${args}`;
const timings: [string, number][] = [];
const methodAt = process.argv.indexOf("--method");
const method = methodAt >= 0 ? process.argv[methodAt + 1] : "copy";
if (method !== "copy" && method !== "recover") {
  console.error(`rehearse: --method must be copy or recover, not ${method}`);
  process.exit(2);
}
const count = (name: string, fallback: number | undefined) => {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`rehearse: --${name} must be a positive integer, not ${process.argv[at + 1]}`);
    process.exit(2);
  }
  return value;
};
const tables = count("tables", 20) as number;
const partitions = count("partitions", undefined);

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await work();
  } finally {
    timings.push([label, performance.now() - started]);
  }
}

const banner = (text: string) =>
  console.log(`\n━━ ${text} ${"━".repeat(Math.max(0, 76 - text.length))}`);

const shape = partitions ? `${tables} tables × ${partitions} partitions` : `${tables} tables`;
banner(`sandbox up: 3 metas, 5 replicas, ${shape}, Pegasus 2.6; --method ${method}`);
const sandbox = await timed("sandbox up", () =>
  startSandbox({ metas: 3, replicas: 5, tables, partitions }),
);
let exitCode = 0;
try {
  console.log(`inventory: ${sandbox.inventoryFile}`);
  for (const [label, args] of [
    ["check", ["check", "-i", sandbox.inventoryFile, "--method", method]],
    ["plan", ["plan", "-i", sandbox.inventoryFile, "--method", method, "--clean-old"]],
    ["run", ["run", "-i", sandbox.inventoryFile, "--method", method, "--yes", "--clean-old"]],
    ["status", ["status", "-i", sandbox.inventoryFile]],
  ] as const) {
    banner(`pegasus-zk-migrate ${args.join(" ")}`);
    const out = await timed(label, () => tool([...args]));
    if (out.exitCode !== 0) {
      exitCode = out.exitCode ?? 1;
      console.error(`\n${label} exited with ${out.exitCode}: the rehearsal stops here.`);
      break;
    }
  }
} finally {
  await timed("sandbox down", () => sandbox.stop());
}

banner(exitCode === 0 ? "rehearsal passed" : "rehearsal FAILED");
for (const [label, ms] of timings) console.log(`  ${label.padEnd(14)} ${(ms / 1000).toFixed(1)} s`);
process.exitCode = exitCode;
