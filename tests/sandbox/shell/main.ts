/**
 * The simulated Pegasus shell, as `./run.sh shell --cluster LIST` runs it (reference §4.1–§4.3):
 * writes `config-shell.ini.<pid>` in the tools root (its working directory), prints the banner
 * (the cluster name comes from the meta's `cluster_info`, else the given name), reads commands
 * from stdin one per line with no prompt unless stdin is a TTY, and exits 0 at EOF or `exit`
 * whatever the commands did.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type PegasusVersion, pegasusVersionStrings } from "../encoding.ts";
import { parseRdsnIni } from "../rdsn-ini.ts";
import type { MetaReply } from "../rpc.ts";
import { splitArgs } from "./args.ts";
import * as basic from "./commands.ts";
import { type Command, helpLines, type ShellContext } from "./context.ts";
import { create, drop } from "./ddl.ts";
import { MetaClient } from "./meta-client.ts";
import { recover, remoteCommand, serverInfo } from "./recover.ts";

const help: Command = {
  name: "help",
  usage: "",
  run(ctx) {
    ctx.stdout(helpText(ctx.version));
    return true;
  },
};

const commands: Command[] = [
  help,
  basic.version,
  basic.clusterInfo,
  basic.ls,
  basic.nodes,
  create,
  drop,
  basic.setMetaLevel,
  basic.getMetaLevel,
  basic.use,
  remoteCommand,
  serverInfo,
  recover,
  basic.getAppEnvs,
  basic.setAppEnvs,
  basic.exit,
];

function helpText(version: PegasusVersion): string {
  return `Usage:\n${commands.map((c) => helpLines(c, version)).join("")}`;
}

/** `run.sh shell` arguments: `[-c|--config path] [--cluster|-m list] [-n|--cluster_name name]`. */
function clusterOf(args: string[]): { name: string; metas: string } {
  let list: string | undefined;
  let name: string | undefined;
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--cluster" || arg === "-m") list = args[++i];
    else if (arg === "-n" || arg === "--cluster_name") name = args[++i];
    else if (arg === "-c" || arg === "--config") config = args[++i];
  }
  if (list !== undefined && name !== undefined) {
    process.stderr.write("ERROR: --cluster and --cluster_name can not be set at the same time\n");
    process.exit(1);
  }
  if (list !== undefined) return { name: "unknown", metas: list };
  const clusters = config ? parseRdsnIni(readFileSync(config, "utf8"), config) : null;
  const cluster = name ?? "mycluster";
  return { name: cluster, metas: clusters?.get("pegasus.clusters", cluster) ?? "" };
}

/** Runs the shell until EOF; `args` are those after `run.sh shell`. */
export async function runShell(args: string[], version: PegasusVersion): Promise<void> {
  const cluster = clusterOf(args);
  const configFile = join(process.cwd(), `config-shell.ini.${process.pid}`);
  writeFileSync(configFile, `[pegasus.clusters]\n  ${cluster.name} = ${cluster.metas}\n`);
  const stdout = (text: string) => process.stdout.write(text);
  const stderr = (text: string) => process.stderr.write(text);
  stdout(
    `Pegasus Shell ${pegasusVersionStrings[version]}\nType "help" for more information.\nType "Ctrl-D" or "Ctrl-C" to exit the shell.\n\n`,
  );
  stdout(`The config file is: ${configFile}\n`);
  const metas = cluster.metas.split(",").filter(Boolean);
  const client = new MetaClient(metas);
  const info = await client.request<MetaReply & { pairs?: [string, string][] }>(
    "cluster_info",
    {},
    1000,
  );
  const realName = info.pairs?.find(([k]) => k === "cluster_name")?.[1];
  stdout(
    `The cluster name is: ${realName || cluster.name}\nThe cluster meta list is: ${cluster.metas}\n`,
  );

  let done = false;
  const ctx: ShellContext = {
    version,
    client,
    metas,
    currentApp: "",
    stdout,
    stderr,
    exit: () => {
      done = true;
    },
  };
  const byName = new Map(commands.map((c) => [c.name, c]));
  const tty = process.stdin.isTTY;
  if (tty) stdout(">>> ");
  // Bun yields a last "" after the final newline, which no real read returns: an empty line
  // is held until another line proves it was typed.
  let heldEmpty = false;
  for await (const line of console) {
    if (line === "" && !tty) {
      if (heldEmpty) await execute(ctx, byName, "");
      heldEmpty = true;
      continue;
    }
    if (heldEmpty) await execute(ctx, byName, "");
    heldEmpty = false;
    await execute(ctx, byName, line);
    if (done) break;
    if (tty) stdout(">>> ");
  }
  rmSync(configFile, { force: true });
  await new Promise((resolve) => process.stdout.write("", resolve));
  await new Promise((resolve) => process.stderr.write("", resolve));
  process.exit(0);
}

async function execute(
  ctx: ShellContext,
  commands: Map<string, Command>,
  line: string,
): Promise<void> {
  const argv = splitArgs(line);
  if (argv === null) {
    ctx.stdout("Invalid argument(s)\n");
    return;
  }
  const name = argv[0];
  // scanfCommand (src/shell/args.h) returns nullptr for an empty line: run() prints this.
  if (line === "") {
    ctx.stdout("Invalid argument(s)\n");
    return;
  }
  if (name === undefined) return;
  const command = commands.get(name);
  if (!command) {
    ctx.stdout(`ERROR: invalid subcommand '${name}'\n${helpText(ctx.version)}`);
    return;
  }
  try {
    if (!(await command.run(ctx, argv))) ctx.stdout(`USAGE: ${helpLines(command, ctx.version)}`);
  } catch (error) {
    ctx.stderr(`ERROR: ${(error as Error).message}\n`);
  }
}
