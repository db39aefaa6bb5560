#!/usr/bin/env bun
/**
 * Builds the single-file binary `dist/pegasus-zk-migrate` (or `dist/pegasus-zk-migrate-<target>`
 * with `--target bun-linux-arm64` and the like; cross-compile targets come from the npm registry).
 * A bastion's `.env` and `bunfig.toml` must not leak into the binary's behaviour, hence the two
 * `--no-compile-autoload-*` flags.
 */
import { $ } from "zx";

const targetIndex = process.argv.indexOf("--target");
const target = targetIndex > 0 ? process.argv[targetIndex + 1] : undefined;
const outfile = target
  ? `dist/pegasus-zk-migrate-${target.replace(/^bun-/, "")}`
  : "dist/pegasus-zk-migrate";
const targetArgs = target ? ["--target", target] : [];

await $`${process.execPath} build scripts/main.ts --compile --minify --bytecode --format=esm --no-compile-autoload-dotenv --no-compile-autoload-bunfig ${targetArgs} --outfile ${outfile}`;
console.log(`built ${outfile}`);
