#!/usr/bin/env bun
/**
 * `npm run rehearse [-- --method recover]`: a full migration rehearsal on the sandbox, as an
 * operator would do it — sandbox up (3 metas, 5 replicas, 20 tables), `check`, `plan`,
 * `run --yes --clean-old`, `status`, then the result and timings, and the sandbox down (also when
 * something fails). The copy method is the default.
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

banner(`sandbox up: 3 metas, 5 replicas, 20 tables, Pegasus 2.6; --method ${method}`);
const sandbox = await timed("sandbox up", () =>
  startSandbox({ metas: 3, replicas: 5, tables: 20 }),
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
