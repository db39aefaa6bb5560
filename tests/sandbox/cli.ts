/**
 * The sandbox CLI (a checkout feature, not part of the binary):
 *
 *   npm run sandbox -- up --dir DIR [--metas 3] [--replicas 5] [--tables 20] [--partitions N] [--pegasus 2.6|2.5] [--host-names]
 *   npm run sandbox -- down --dir DIR
 *   npm run sandbox -- status --dir DIR
 *   npm run sandbox -- start-meta|stop-meta|status-meta --dir DIR --task N
 *   npm run sandbox -- start-replica|stop-replica|status-replica --dir DIR --index N
 *   npm run sandbox -- --help
 *
 * `up` prints the inventory's path last. The meta commands are what the inventory's
 * `meta_control` calls, as minos or systemd would be called; `status-*` exits 0 while the
 * process runs and 3 when it does not (like `systemctl status`, which also prints the tail of the log). The processes themselves run
 * as `run-meta`, `run-replica` and `shell` (the latter through `DIR/run.sh shell …`).
 * With `PZM_SANDBOX_OWNER=<pid>` in the environment, everything `up` starts exits once that
 * process is gone (the tests use it, so a crashed test run leaves nothing behind).
 */
import { existsSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { PegasusVersion } from "./encoding.ts";

const [command = "", ...args] = process.argv.slice(2);

function flag(name: string, fallback?: string): string {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? args[i + 1] : fallback;
  if (value === undefined) usage(`missing --${name}`);
  return value;
}

const help = `usage: npm run sandbox -- COMMAND --dir DIR …  (or: npx bun tests/sandbox/cli.ts COMMAND …)
  up --dir DIR [--metas 3] [--replicas 5] [--tables 20] [--partitions N] [--pegasus 2.6|2.5]
                        start a sandbox; prints DIR/inventory.yaml last
  down --dir DIR        stop every process \`up\` started there
  status --dir DIR      one line per process
  start-meta|stop-meta|status-meta --dir DIR --task N
  start-replica|stop-replica|status-replica --dir DIR --index N
`;

function usage(problem: string): never {
  process.stderr.write(`${problem}\n${help}`);
  process.exit(2);
}

const version = () => {
  const v = flag("pegasus", "2.6");
  if (v !== "2.6" && v !== "2.5") usage(`--pegasus must be 2.6 or 2.5, not ${v}`);
  return v as PegasusVersion;
};
const count = (name: string, fallback: number, minimum = 0, why = "") => {
  const n = Number(flag(name, String(fallback)));
  if (!Number.isInteger(n) || n < 0) usage(`--${name} must be a whole number`);
  if (n < minimum) usage(`--${name} must be at least ${minimum}${why}, not ${n}`);
  return n;
};

/** Records the exit code next to the config (`meta.exit` / `replica.exit`), for `status`. */
function recordExit(role: string): void {
  const file = join(dirname(resolve(flag("config"))), `${role}.exit`);
  process.on("exit", (code) => writeFileSync(file, String(code)));
}

switch (command) {
  case "run-meta": {
    recordExit("meta");
    const { runMeta } = await import("./meta/main.ts");
    await runMeta(resolve(flag("config")), version(), args.includes("--host-names"));
    break;
  }
  case "run-replica": {
    recordExit("replica");
    const { runReplica } = await import("./replica/main.ts");
    runReplica(resolve(flag("config")), version());
    break;
  }
  case "shell": {
    const { runShell } = await import("./shell/main.ts");
    const rest = args.filter((_, i) => args[i] !== "--pegasus" && args[i - 1] !== "--pegasus");
    await runShell(rest, version());
    break;
  }
  case "help":
  case "--help":
  case "-h":
    process.stdout.write(help);
    break;
  case "up": {
    const dir = resolve(flag("dir"));
    const sizes = {
      metas: count("metas", 3, 1),
      // Every table has 3 replicas per partition (max_replica_count): fewer servers never heal.
      replicas: count("replicas", 5, 3, " (each partition has 3 replicas)"),
      tables: count("tables", 20),
      partitions: args.includes("--partitions") ? count("partitions", 4, 1) : undefined,
    };
    if (existsSync(join(dir, "sandbox.json"))) {
      const { readLayout } = await import("./layout.ts");
      const { member, runningPid } = await import("./control.ts");
      const layout = readLayout(dir);
      if (layout.metas.some((m) => runningPid(member(layout, "meta", m.task)) !== null)) {
        usage(
          `Cannot start a sandbox in ${dir} as one is running there: run \`down --dir ${dir}\` first`,
        );
      }
    }
    const { startSandbox } = await import("./sandbox.ts");
    const started = performance.now();
    const sandbox = await startSandbox({
      dir,
      owned: false,
      ownerPid: Number(process.env.PZM_SANDBOX_OWNER) || undefined,
      ...sizes,
      version: version(),
      hostNames: args.includes("--host-names"),
    }).catch((error: Error) => {
      process.stderr.write(
        `Cannot start the sandbox in ${dir}: ${error.message}\nEverything it started was stopped; the logs stay in ${dir}.\n`,
      );
      process.exit(1);
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const leader = await sandbox.leader();
    process.stdout.write(
      `sandbox up in ${seconds} s: Pegasus ${sandbox.layout.version}, ${sandbox.layout.metas.length} metas (leader: meta ${leader}), ` +
        `${sandbox.layout.replicas.length} replica servers, ${(await sandbox.health()).tables} tables\n` +
        `old ZooKeeper ${sandbox.source}, new ZooKeeper ${sandbox.target}, root ${sandbox.root}\n` +
        `shell: ${join(dir, "run.sh")} shell --cluster ${sandbox.metaList}\n${sandbox.inventoryFile}\n`,
    );
    break;
  }
  case "down":
  case "status": {
    const { down, status } = await import("./cli-commands.ts");
    process.exitCode =
      command === "down" ? await down(resolve(flag("dir"))) : await status(resolve(flag("dir")));
    break;
  }
  case "start-meta":
  case "stop-meta":
  case "status-meta":
  case "start-replica":
  case "stop-replica":
  case "status-replica": {
    const { control } = await import("./cli-commands.ts");
    const [verb, role] = command.split("-") as ["start" | "stop" | "status", "meta" | "replica"];
    const index = Number(flag(role === "meta" ? "task" : "index"));
    process.exitCode = await control(resolve(flag("dir")), role, index, verb);
    break;
  }
  default:
    usage(command ? `unknown command: ${command}` : "missing command");
}
